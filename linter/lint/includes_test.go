package lint

import (
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gitlab.com/trustci/cicd/linter/internal/fakegitlab"
)

// Project, template and remote includes are read through the instance's
// API (and HTTPS), merged like local files, and checked like them.
func TestExternalIncludes(t *testing.T) {
	const token = "glpat-includes-secret-000"
	const head, v1 = "1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222"
	f := fakegitlab.New(t, token)
	f.Projects["agency/templates"] = &fakegitlab.FakeProject{
		Private:  true,
		Branches: map[string]string{"main": head},
		Tags:     map[string]string{"v1": v1},
		Files: map[string]map[string]string{
			head: {
				"python.yml": "include:\n  - local: /common.yml\n.python:\n  image: python:3.13\n",
				"common.yml": ".common:\n  before_script: [pip install -r requirements.txt]\n",
				"loop.yml":   "include:\n  - local: loop.yml\n.loop:\n  script: x\n",
			},
			v1: {"python.yml": ".python:\n  image: python:3.11\n  stage: tests\n"},
		},
	}
	f.Templates["Jobs/Build"] = "build:\n  stage: build\n  script: make\n"
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ci/lint.yml" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, "ruff:\n  script: ruff check\n  needs: [nope]\n")
	}))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)

	dir := t.TempDir()
	pipeline := "include:\n" +
		"  - project: agency/templates\n" +
		"    file: [/python.yml, /missing.yml, loop.yml]\n" +
		"  - project: agency/templates\n" +
		"    ref: v1\n" +
		"    file: /python.yml\n" +
		"  - template: Jobs/Build.gitlab-ci.yml\n" +
		"  - template: Nope.gitlab-ci.yml\n" +
		"  - remote: " + srv.URL + "/ci/lint.yml\n" +
		"  - remote: http://example.com/ci.yml\n" +
		"test:\n  extends: [.python, .common]\n  script: pytest\n"
	os.WriteFile(filepath.Join(dir, ".gitlab-ci.yml"), []byte(pipeline), 0o644)
	t.Chdir(dir)
	remote := &Remote{GitLabURL: f.URL, Token: token, CacheDir: t.TempDir(), Timeout: 2 * time.Second, CAFile: ca, AllowRemote: true}
	res, out := lintPipeline(t, Options{Root: ".", Remote: remote})
	got := strings.ReplaceAll(out, srv.URL, "SRV")
	want := `.gitlab-ci.yml:3:25: error: include:project /missing.yml (in agency/templates at HEAD) does not exist; GitLab refuses the pipeline [include-not-found]
.gitlab-ci.yml:8:15: error: include:template Nope.gitlab-ci.yml does not exist; GitLab refuses the pipeline [include-not-found]
.gitlab-ci.yml:10:13: info: include:remote http://example.com/ci.yml is fetched over plain HTTP, which anyone on the way can change; cilint reads only https:// URLs [include-offline]
agency/templates/-/blob/HEAD/loop.yml:2:12: warning: agency/templates/-/blob/HEAD/loop.yml includes itself (agency/templates/-/blob/HEAD/loop.yml -> agency/templates/-/blob/HEAD/loop.yml); GitLab ignores the repeated include [include-cycle]
agency/templates/-/blob/v1/python.yml:3:10: warning: job ` + "`test` uses stage `tests`, which is not defined; the stages are .pre, build, test, deploy, .post; did you mean `test`?" + ` (it may come from include:remote http://example.com/ci.yml, which cilint did not read) [stage-undefined]
SRV/ci/lint.yml:3:11: warning: job ` + "`ruff` needs `nope`" + `, which is not a job of this pipeline; mark the need ` + "`optional: true`" + ` if the job only exists sometimes (it may come from include:remote http://example.com/ci.yml, which cilint did not read) [needs-unknown]
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if strings.Contains(out, token) {
		t.Error("the token leaked into the output")
	}
	for _, job := range []string{"test", "build", "ruff"} {
		if res.Pipeline == nil || res.Pipeline.Job(job) == nil {
			t.Errorf("job %s must be in the merged pipeline", job)
		}
	}
	if len(res.Pipeline.Unresolved) != 1 {
		t.Errorf("only the http:// include stays unread: %v", res.Pipeline.Unresolved)
	}

	// Without --allow-remote the URL is not fetched; offline nothing is.
	remote.AllowRemote = false
	l2, _ := New(Options{Root: ".", Remote: remote})
	res2, _ := l2.File(".gitlab-ci.yml")
	if n := len(res2.Pipeline.Unresolved); n != 2 {
		t.Errorf("without --allow-remote: %d unread includes, want 2", n)
	}
	said := false
	for _, f := range res2.Findings {
		said = said || f.Rule == "include-offline" && strings.Contains(f.Message, "without --allow-remote")
	}
	if !said {
		t.Error("the unread URL must say why: --allow-remote")
	}
	before := len(f.Requests)
	l3, _ := New(Options{Root: "."})
	res3, _ := l3.File(".gitlab-ci.yml")
	if n := len(res3.Pipeline.Unresolved); n != 6 || len(f.Requests) != before {
		t.Errorf("offline: %d unread includes (want 6), %d requests (want 0)", n, len(f.Requests)-before)
	}
}

// An instance that cannot be reached is asked once per run: the other
// includes are unread at once instead of each waiting for a timeout.
func TestUnreachableInstanceIsAskedOnce(t *testing.T) {
	var requests int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".gitlab-ci.yml"), []byte("include:\n"+
		"  - project: a/b\n    file: [one.yml, two.yml]\n"+
		"  - template: Android.gitlab-ci.yml\n"+
		"test:\n  script: make\n"+
		"child:\n  trigger:\n    include: child.yml\n"), 0o644)
	// A child pipeline shares the run's client: its include is not asked
	// either.
	os.WriteFile(filepath.Join(dir, "child.yml"), []byte("include:\n  - project: a/b\n    file: c.yml\nx:\n  script: y\n"), 0o644)
	t.Chdir(dir)
	l, _ := New(Options{Root: ".", Remote: &Remote{GitLabURL: srv.URL, Timeout: time.Second}})
	res, err := l.File(".gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	var unread []string
	for _, f := range res.Findings {
		if f.Rule == "include-offline" {
			unread = append(unread, f.Message)
		}
	}
	if len(unread) != 4 || !strings.Contains(unread[1], "not asked again") || !strings.Contains(unread[2], "not asked again") || !strings.Contains(unread[3], "not asked again") {
		t.Errorf("findings: %q", unread)
	}
	if requests != 3 { // the first request and its two retries
		t.Errorf("%d requests, want 3", requests)
	}
	if n := len(res.Pipeline.Unresolved); n != 3 {
		t.Errorf("%d unresolved includes, want 3", n)
	}
}

// A repeated include is recognised before anything is fetched, and a file
// included twice with different inputs is fetched once.
func TestExternalIncludeFetchedOnce(t *testing.T) {
	const sha = "1111111111111111111111111111111111111111"
	f := fakegitlab.New(t, "")
	f.Projects["agency/templates"] = &fakegitlab.FakeProject{
		Branches: map[string]string{"main": sha},
		Files:    map[string]map[string]string{sha: {"deploy.yml": "spec:\n  inputs:\n    env:\n---\ndeploy-$[[ inputs.env ]]:\n  script: ./deploy\n"}},
	}
	dir := t.TempDir()
	entry := func(env string) string {
		return "  - project: agency/templates\n    file: deploy.yml\n    inputs:\n      env: " + env + "\n"
	}
	os.WriteFile(filepath.Join(dir, ".gitlab-ci.yml"), []byte("include:\n"+entry("staging")+entry("staging")+entry("production")), 0o644)
	t.Chdir(dir)
	l, _ := New(Options{Root: ".", Remote: &Remote{GitLabURL: f.URL, Timeout: 2 * time.Second}})
	res, err := l.File(".gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	raw := 0
	for _, r := range f.Requests {
		if strings.Contains(r, "/raw") {
			raw++
		}
	}
	if raw != 1 || res.Pipeline.Job("deploy-staging") == nil || res.Pipeline.Job("deploy-production") == nil {
		t.Errorf("%d file requests (want 1); findings %v", raw, res.Findings)
	}
}
