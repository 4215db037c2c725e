// Package fakegitlab is a test double of GitLab's REST API: the parts cilint
// uses, with token checks and injectable failures. Only tests import it.
package fakegitlab

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
)

// FakeGitLab is a small server that speaks the parts of GitLab's REST API
// cilint uses: repository tags (paged), branches, tree and raw files, with
// PRIVATE-TOKEN checks and injectable failures.
type FakeGitLab struct {
	*httptest.Server
	Token string
	// Projects maps a project path to its files by commit: commit -> path -> content.
	Projects map[string]*FakeProject
	mu       sync.Mutex
	// Fail makes the next requests for a path prefix answer with a status
	// (consumed one by one), to test retries.
	Fail     map[string][]int
	Requests []string
	// Templates are the instance's CI/CD templates by key
	// (Auto-DevOps, Jobs/Build), as GET /templates/gitlab_ci_ymls/:key
	// serves them.
	Templates map[string]string
	// Groups maps a group's path to the paths of its projects, subgroups
	// included, as GET /groups/:id/projects lists them (groups.go).
	Groups map[string][]string
}

// FakeProject is one repository.
type FakeProject struct {
	// LintAnswer is the JSON the CI lint endpoint answers with ("" means
	// valid, no warnings). LintContent records the last content sent.
	LintAnswer  string
	LintContent string
	LintDryRun  bool
	Tags        map[string]string            // tag -> commit
	Branches    map[string]string            // branch -> commit
	Files       map[string]map[string]string // commit -> path -> content
	Private     bool
	// ID is the project's numeric ID and CIConfigPath its CI/CD
	// configuration file setting, as the group listing reports them; the
	// default branch is main.
	ID           int
	CIConfigPath string
}

// NewFakeGitLab starts the server.
func New(t testing.TB, token string) *FakeGitLab {
	f := &FakeGitLab{Token: token, Projects: map[string]*FakeProject{}, Fail: map[string][]int{}, Templates: map[string]string{}, Groups: map[string][]string{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *FakeGitLab) serve(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	f.mu.Lock()
	f.Requests = append(f.Requests, r.Method+" "+path+"?"+r.URL.RawQuery)
	for prefix, codes := range f.Fail {
		if strings.HasPrefix(path, prefix) && len(codes) > 0 {
			f.Fail[prefix] = codes[1:]
			f.mu.Unlock()
			if codes[0] == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "0")
			}
			http.Error(w, `{"message":"injected"}`, codes[0])
			return
		}
	}
	f.mu.Unlock()
	if key, ok := strings.CutPrefix(path, "/api/v4/templates/gitlab_ci_ymls/"); ok {
		key, _ = url.PathUnescape(key)
		content, ok := f.Templates[key]
		if !ok {
			http.Error(w, `{"message":"404 Template Not Found"}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"name": key, "content": content})
		return
	}
	if rest, ok := strings.CutPrefix(path, "/api/v4/groups/"); ok {
		f.serveGroup(w, r, rest)
		return
	}
	rest, ok := strings.CutPrefix(path, "/api/v4/projects/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	id, rest, _ := strings.Cut(rest, "/")
	id, _ = url.PathUnescape(id)
	p := f.Projects[id]
	if p == nil {
		http.Error(w, `{"message":"404 Project Not Found"}`, http.StatusNotFound)
		return
	}
	// GitLab reads a private project's repository with an access token
	// or a CI job token allowed to reach it; the lint API below takes no
	// job token.
	if p.Private && r.Header.Get("PRIVATE-TOKEN") != f.Token && r.Header.Get("JOB-TOKEN") != f.Token {
		http.Error(w, `{"message":"401 Unauthorized"}`, http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case rest == "ci/lint" && r.Method == http.MethodPost:
		if r.Header.Get("PRIVATE-TOKEN") != f.Token {
			http.Error(w, `{"message":"401 Unauthorized"}`, http.StatusUnauthorized)
			return
		}
		var body struct {
			Content string `json:"content"`
			DryRun  bool   `json:"dry_run"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		p.LintContent, p.LintDryRun = body.Content, body.DryRun
		f.mu.Unlock()
		answer := p.LintAnswer
		if answer == "" {
			answer = `{"valid":true,"errors":[],"warnings":[],"merged_yaml":"","includes":[]}`
		}
		fmt.Fprint(w, answer)
	case rest == "repository/tags":
		// In one order for every page (GitLab's default is by update
		// time; any fixed order will do): map order would let pages repeat
		// or skip tags.
		names := make([]string, 0, len(p.Tags))
		for name := range p.Tags {
			names = append(names, name)
		}
		sort.Strings(names)
		var all []map[string]any
		for _, name := range names {
			all = append(all, map[string]any{"name": name, "commit": map[string]string{"id": p.Tags[name]}})
		}
		page, per := 1, 20
		fmt.Sscan(r.URL.Query().Get("page"), &page)
		fmt.Sscan(r.URL.Query().Get("per_page"), &per)
		per = min(per, 2) // force paging
		start := min((page-1)*per, len(all))
		end := min(start+per, len(all))
		if end < len(all) {
			w.Header().Set("X-Next-Page", fmt.Sprint(page+1))
		}
		json.NewEncoder(w).Encode(all[start:end])
	case strings.HasPrefix(rest, "repository/branches/"):
		b := strings.TrimPrefix(rest, "repository/branches/")
		c, ok := p.Branches[b]
		if !ok {
			http.Error(w, `{"message":"404 Branch Not Found"}`, http.StatusNotFound)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"name": b, "commit": map[string]string{"id": c}})
	case rest == "repository/tree":
		ref := r.URL.Query().Get("ref")
		if c, ok := p.Tags[ref]; ok {
			ref = c
		}
		seen := map[string]bool{}
		var out []map[string]string
		for path := range p.Files[ref] {
			if name, ok := strings.CutPrefix(path, r.URL.Query().Get("path")+"/"); ok {
				name, _, _ = strings.Cut(name, "/")
				if !seen[name] {
					seen[name] = true
					out = append(out, map[string]string{"name": name})
				}
			}
		}
		json.NewEncoder(w).Encode(out)
	case strings.HasPrefix(rest, "repository/files/") && strings.HasSuffix(rest, "/raw"):
		file, _ := url.PathUnescape(strings.TrimSuffix(strings.TrimPrefix(rest, "repository/files/"), "/raw"))
		// The ref may be a commit, a branch or a tag; none means the
		// default branch, main.
		ref := r.URL.Query().Get("ref")
		if ref == "" {
			ref = "main"
		}
		if c, ok := p.Branches[ref]; ok {
			ref = c
		} else if c, ok := p.Tags[ref]; ok {
			ref = c
		}
		content, ok := p.Files[ref][file]
		if !ok {
			http.Error(w, `{"message":"404 File Not Found"}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, content)
	default:
		http.NotFound(w, r)
	}
}
