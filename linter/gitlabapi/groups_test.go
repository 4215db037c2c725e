package gitlabapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"gitlab.com/trustci/cicd/linter/internal/fakegitlab"
)

// TestGroupProjects lists a group of 250 projects over three pages, in
// path order, with each project's configuration path; the listing is
// cached, and an unknown group is not found.
func TestGroupProjects(t *testing.T) {
	f := fakegitlab.New(t, "glpat-secret-token-123")
	var paths []string
	for i := 249; i >= 0; i-- {
		p := fmt.Sprintf("acme/sub/p%03d", i)
		paths = append(paths, p)
		f.Projects[p] = &fakegitlab.FakeProject{ID: i + 1}
	}
	f.Projects["acme/sub/p007"].CIConfigPath = "ci/main.yml"
	f.Groups["acme"] = paths
	c, err := New(Options{BaseURL: f.URL, Token: f.Token, CacheDir: t.TempDir(), Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ps, err := c.GroupProjects(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 250 || ps[0].Path != "acme/sub/p000" || ps[249].Path != "acme/sub/p249" || ps[7].CIConfigPath != "ci/main.yml" || ps[7].ID != 8 || ps[7].DefaultBranch != "main" {
		t.Fatalf("got %d projects: first %+v, p007 %+v", len(ps), ps[0], ps[7])
	}
	pages := 0
	for _, r := range f.Requests {
		if strings.HasPrefix(r, "GET /api/v4/groups/acme/projects?") {
			pages++
			if !strings.Contains(r, "include_subgroups=true") || !strings.Contains(r, "archived=false") || !strings.Contains(r, "per_page=100") {
				t.Errorf("request %s: want include_subgroups, archived=false and per_page=100", r)
			}
		}
	}
	if pages != 3 {
		t.Errorf("%d pages requested, want 3", pages)
	}
	before := len(f.Requests)
	if _, err := c.GroupProjects(ctx, "acme"); err != nil || len(f.Requests) != before {
		t.Errorf("second listing made %d requests (%v)", len(f.Requests)-before, err)
	}
	if _, err := c.GroupProjects(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown group: %v", err)
	}
}

// A listing whose pages do not move on (an empty page that names a next
// one, or a next page that is not later) is refused at once rather than
// read until the deadline; one that moves on a project at a time is
// refused after maxGroupPages requests, not MaxGroupProjects.
func TestGroupProjectsPagesMoveOn(t *testing.T) {
	for _, tt := range []struct {
		name  string
		page  func(page int) (body string, next int)
		pages int    // requests the listing may make
		want  string // in the error
	}{
		{"empty page with a next", func(page int) (string, int) { return "[]", page + 1 }, 1, "next"},
		{"next page is the same", func(page int) (string, int) { return `[{"id":1,"path_with_namespace":"g/a"}]`, page }, 1, "next"},
		{"next page goes back", func(page int) (string, int) {
			return fmt.Sprintf(`[{"id":%d,"path_with_namespace":"g/p%d"}]`, page, page), 3 - page // 1 → 2 → 1
		}, 2, "next"},
		{"one project a page", func(page int) (string, int) {
			return fmt.Sprintf(`[{"id":%d,"path_with_namespace":"g/p%d"}]`, page, page), page + 1
		}, maxGroupPages, "pages"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			requests := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests++
				page, _ := strconv.Atoi(r.URL.Query().Get("page"))
				if page == 0 {
					page = 1
				}
				body, next := tt.page(page)
				w.Header().Set("X-Next-Page", strconv.Itoa(next))
				fmt.Fprint(w, body)
			}))
			defer srv.Close()
			c, err := New(Options{BaseURL: srv.URL, Token: "t", CacheDir: t.TempDir(), Timeout: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.GroupProjects(context.Background(), "g"); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one with %q", err, tt.want)
			}
			if requests != tt.pages {
				t.Errorf("%d requests, want %d", requests, tt.pages)
			}
		})
	}
}
