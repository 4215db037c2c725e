package gitlabapi

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"gitlab.com/trustci/cicd/linter/internal/fakegitlab"
)

const sha1 = "1111111111111111111111111111111111111111"

func fake(t *testing.T) *fakegitlab.FakeGitLab {
	f := fakegitlab.New(t, "glpat-secret-token-123")
	f.Projects["agency/catalog"] = &fakegitlab.FakeProject{
		Tags:     map[string]string{"1.0.0": sha1, "1.1.0": "2222222222222222222222222222222222222222", "junk": sha1},
		Branches: map[string]string{"main": "3333333333333333333333333333333333333333"},
		Files:    map[string]map[string]string{sha1: {"templates/deploy/template.yml": "deploy:\n  script: ./deploy\n"}},
	}
	f.Projects["agency/private"] = &fakegitlab.FakeProject{Private: true, Tags: map[string]string{"1.0.0": sha1}}
	return f
}

func TestClientAgainstFakeGitLab(t *testing.T) {
	f := fake(t)
	ctx := context.Background()
	c, err := New(Options{BaseURL: f.URL, Token: f.Token, CacheDir: t.TempDir(), Timeout: 2 * time.Second, RetryWaitMax: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	tags, err := c.Tags(ctx, "agency/catalog")
	if err != nil || len(tags) != 3 {
		t.Fatalf("tags over several pages = %v, %v", tags, err)
	}
	if sha, err := c.BranchCommit(ctx, "agency/catalog", "main"); err != nil || sha[0] != '3' {
		t.Errorf("branch = %q, %v", sha, err)
	}
	if _, err := c.BranchCommit(ctx, "agency/catalog", "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing branch: %v", err)
	}
	b, err := c.RawFile(ctx, "agency/catalog", "templates/deploy/template.yml", sha1)
	if err != nil || !strings.Contains(string(b), "deploy:") {
		t.Fatalf("raw file = %q, %v", b, err)
	}
	// Read at a commit, the file is cached: a second read makes no request.
	before := len(f.Requests)
	if _, err := c.RawFile(ctx, "agency/catalog", "templates/deploy/template.yml", sha1); err != nil || len(f.Requests) != before {
		t.Errorf("cached read made %d requests (%v)", len(f.Requests)-before, err)
	}
	if _, err := c.RawFile(ctx, "agency/catalog", "templates/none.yml", sha1); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing file: %v", err)
	}
	if names, err := c.TreeNames(ctx, "agency/catalog", "templates", sha1); err != nil || len(names) != 1 || names[0] != "deploy" {
		t.Errorf("tree = %v, %v", names, err)
	}
}

func TestRetriesAndErrors(t *testing.T) {
	f := fake(t)
	ctx := context.Background()
	c, _ := New(Options{BaseURL: f.URL, Timeout: 2 * time.Second, RetryWaitMax: 20 * time.Millisecond})
	f.Fail["/api/v4/projects/agency%2Fcatalog/repository/tags"] = []int{http.StatusTooManyRequests, http.StatusBadGateway}
	if tags, err := c.Tags(ctx, "agency/catalog"); err != nil || len(tags) != 3 {
		t.Errorf("429 then 502 then success must succeed: %v, %v", tags, err)
	}
	f.Fail["/api/v4/projects/agency%2Fcatalog/repository/branches"] = []int{500, 500, 500, 500, 500}
	if _, err := c.BranchCommit(ctx, "agency/catalog", "main"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("persistent 5xx must be unavailable: %v", err)
	}
	if _, err := c.Tags(ctx, "agency/private"); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("private project without token: %v", err)
	}
	if _, err := c.Tags(ctx, "agency/none"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing project: %v", err)
	}
	bad, _ := New(Options{BaseURL: f.URL, Token: "glpat-wrong-secret", Timeout: 2 * time.Second, RetryWaitMax: 20 * time.Millisecond})
	_, err := bad.Tags(ctx, "agency/private")
	if !errors.Is(err, ErrUnauthorized) || strings.Contains(err.Error(), "glpat-wrong-secret") {
		t.Errorf("wrong token: %v (the token must never appear)", err)
	}
	// A server that never answers in time is unavailable, not a hang.
	slow := fakegitlab.New(t, "")
	slow.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(300 * time.Millisecond) })
	sc, _ := New(Options{BaseURL: slow.URL, Timeout: 50 * time.Millisecond, RetryMax: 1, RetryWaitMax: 20 * time.Millisecond})
	start := time.Now()
	if _, err := sc.Tags(ctx, "agency/catalog"); !errors.Is(err, ErrUnavailable) || time.Since(start) > 3*time.Second {
		t.Errorf("timeout: %v after %v", err, time.Since(start))
	}
	// A cancelled context stops at once.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Tags(cctx, "agency/catalog"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestTokensFromEnv(t *testing.T) {
	env := map[string]string{"GITLAB_TOKEN": "a", "CI_JOB_TOKEN": "b"}
	if tok, job := TokensFromEnv(func(k string) string { return env[k] }); tok != "a" || job != "b" {
		t.Errorf("got %q %q", tok, job)
	}
	if DefaultCacheDir() == "" && os.Getenv("HOME") != "" {
		t.Error("no cache dir")
	}
}
