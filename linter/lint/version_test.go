package lint

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/gitlabversion"
	"gitlab.com/trustci/cicd/linter/internal/corpus"
	"gitlab.com/trustci/cicd/linter/report"
)

// TestVersions lints each testdata/versions/<feature ID>.yml on both
// sides of the release that introduced the feature: at that release it
// must lint clean, one release before it must report exactly the .out
// beside it. ok-*.yml files use nothing newer than the oldest release
// cilint lints for and must lint clean there: the detectors' precision.
func TestVersions(t *testing.T) {
	table := map[string]gitlabversion.Feature{}
	for _, f := range gitlabversion.Features() {
		table[f.ID] = f
	}
	paths, err := filepath.Glob(filepath.Join(corpus.Dir("versions"), "*.yml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no testdata/versions: %v", err)
	}
	features, releases := map[string]bool{}, map[gitlabversion.Version]bool{}
	for _, path := range paths {
		id := strings.TrimSuffix(filepath.Base(path), ".yml")
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(id, func(t *testing.T) {
			if first, _, _ := strings.Cut(string(src), "\n"); !strings.HasPrefix(first, "# ") || !strings.Contains(strings.ToLower(first), "gitlab") {
				t.Errorf("the first line must name the GitLab source the case follows, got %q", first)
			}
			if strings.HasPrefix(id, "ok-") {
				clean(t, lintExample(t, string(src), Options{GitLabVersion: gitlabversion.Oldest().String()}))
				return
			}
			f, ok := table[id]
			if !ok {
				t.Fatalf("no feature %q in linter/gitlabversion", id)
			}
			features[id], releases[f.Since] = true, true
			clean(t, lintExample(t, string(src), Options{GitLabVersion: f.Since.String()}))
			res := lintExample(t, string(src), Options{GitLabVersion: f.Since.Previous().String()})
			golden(t, strings.TrimSuffix(path, ".yml")+".out", res, true)
		})
	}
	if len(features) < 10 || len(releases) < 4 {
		t.Errorf("testdata/versions covers %d features of %d releases; want at least 10 of 4", len(features), len(releases))
	}
}

func clean(t *testing.T, res *Result) {
	t.Helper()
	if len(res.Findings) > 0 {
		var b bytes.Buffer
		report.Text(&b, res.Findings, nil, report.TextOptions{OneLine: true})
		t.Errorf("want no findings, got:\n%s", b.String())
	}
}

// TestVersionFromInstance lints online against a server speaking GitLab's
// documented GET /api/v4/version answer: without --gitlab-version or
// gitlab_version, its release is the target; either of those wins over it.
func TestVersionFromInstance(t *testing.T) {
	asked := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v4/version" {
			http.NotFound(w, r)
			return
		}
		asked++
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"version":"17.5.0-ee","revision":"6d9e7a3c1f2"}`))
	}))
	defer srv.Close()
	pipeline := "deploy:\n  script: echo\n  environment:\n    name: production\n    kubernetes:\n      agent: group/agents:prod\n"
	tests := []struct {
		name   string
		opts   Options
		config string
		want   string
	}{
		{"instance", Options{}, "", ".gitlab-ci.yml:6:7: error: `environment:kubernetes:agent` (the Kubernetes agent of an environment's dashboard) was introduced in GitLab 17.6, newer than the target GitLab 17.5 [gitlab-version]\n"},
		{"flag wins", Options{GitLabVersion: "17.6"}, "", ""},
		{"config wins", Options{}, "gitlab_version: \"18.0\"\n", ""},
		{"CI_SERVER_VERSION wins", Options{InstanceVersion: "17.6.2-ee"}, "", ""},
		{"no instance named: not asked", Options{Remote: &Remote{}}, "", ""},
		{"--remote's instance", Options{Remote: &Remote{GitLabURL: "http://127.0.0.1:1", VersionURL: srv.URL, VersionToken: "t"}}, "",
			".gitlab-ci.yml:6:7: error: `environment:kubernetes:agent` (the Kubernetes agent of an environment's dashboard) was introduced in GitLab 17.6, newer than the target GitLab 17.5 [gitlab-version]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			if opts.Remote == nil {
				opts.Remote = &Remote{GitLabURL: srv.URL, Token: "t", Context: context.Background()}
			}
			text := pipeline
			if tt.config != "" {
				text += "# --- file: .cilint.yml\n" + tt.config
			}
			res := lintExample(t, text, opts)
			var got bytes.Buffer
			report.Text(&got, res.Findings, nil, report.TextOptions{OneLine: true})
			if got.String() != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got.String(), tt.want)
			}
		})
	}
	if asked != 2 {
		t.Errorf("the instance was asked %d times, want twice (once per linter, only when nothing else names the release)", asked)
	}
}

// TestVersionNewerInstance: an instance newer than cilint knows is linted
// as the newest release, and the run says so.
func TestVersionNewerInstance(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"version":"42.3.0-ee","revision":"abc"}`))
	}))
	defer srv.Close()
	res := lintExample(t, "build:\n  script: make\n  run: [{name: a, script: b}]\n", Options{Remote: &Remote{GitLabURL: srv.URL, Token: "t"}})
	var got bytes.Buffer
	report.Text(&got, res.Findings, nil, report.TextOptions{OneLine: true})
	want := ".gitlab-ci.yml: info: the GitLab instance runs 42.3.0-ee: GitLab 42.3 is newer than the newest release cilint knows (" +
		gitlabversion.Newest().String() + "); linting against " + gitlabversion.Newest().String() + " [gitlab-version]\n"
	if !strings.Contains(got.String(), want) {
		t.Errorf("got:\n%s\nwant it to contain:\n%s", got.String(), want)
	}
}
