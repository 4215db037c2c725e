package lint

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gitlab.com/trustci/cicd/linter/internal/fakegitlab"
)

// A component reference names its host, and merge requests write
// component references: the run's token goes only to the configured
// instance, and a catalog on any other host is read anonymously.
func TestTokenOnlyToTheInstance(t *testing.T) {
	const token = "glpat-only-for-the-instance-01"
	const sha = "1111111111111111111111111111111111111111"
	instance := fakegitlab.New(t, token)
	instance.Projects["agency/catalog"] = &fakegitlab.FakeProject{
		Private: true,
		Tags:    map[string]string{"1.0.0": sha},
		Files:   map[string]map[string]string{sha: {"templates/deploy/template.yml": "deploy:\n  script: ./deploy\n"}},
	}
	var hits, leaked atomic.Int32
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("PRIVATE-TOKEN") != "" || r.Header.Get("JOB-TOKEN") != "" || r.Header.Get("Authorization") != "" {
			leaked.Add(1)
		}
		http.NotFound(w, r)
	}))
	defer other.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: other.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	otherHost := strings.TrimPrefix(other.URL, "https://")
	instanceHost := strings.TrimPrefix(instance.URL, "http://")

	for _, tc := range []struct{ name, token, job string }{{"token", token, ""}, {"job token", "", token}} {
		t.Run(tc.name, func(t *testing.T) {
			hits.Store(0)
			leaked.Store(0)
			dir := t.TempDir()
			src := "include:\n" +
				"  - component: " + instanceHost + "/agency/catalog/deploy@1.0.0\n" +
				"  - component: " + otherHost + "/agency/catalog/deploy@1.0.0\n"
			if err := os.WriteFile(filepath.Join(dir, ".gitlab-ci.yml"), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Chdir(dir)
			l, err := New(Options{Root: ".", Remote: &Remote{GitLabURL: instance.URL, Token: tc.token, JobToken: tc.job,
				Timeout: 2 * time.Second, CAFile: ca}})
			if err != nil {
				t.Fatal(err)
			}
			res, err := l.File(".gitlab-ci.yml")
			if err != nil {
				t.Fatal(err)
			}
			if hits.Load() == 0 {
				t.Fatal("the other host was never asked: the test proves nothing")
			}
			if leaked.Load() != 0 {
				t.Errorf("%d of %d requests to another host carried the token", leaked.Load(), hits.Load())
			}
			var msgs []string
			for _, f := range res.Findings {
				msgs = append(msgs, f.Message)
				if strings.Contains(f.Message, token) {
					t.Errorf("a finding shows the token: %s", f.Message)
				}
			}
			all := strings.Join(msgs, "\n")
			if !strings.Contains(all, "without credentials") {
				t.Errorf("the other host's not-found must say it was read without credentials:\n%s", all)
			}
			if strings.Contains(all, "component "+instanceHost) || strings.Contains(all, "of "+instanceHost) {
				t.Errorf("the instance's private catalog must be read with the token:\n%s", all)
			}
		})
	}
}

// One deadline bounds all network reads of a run: a server that stalls
// is asked once, and everything it should have served is reported as not
// read when the deadline passes.
func TestRunDeadline(t *testing.T) {
	var hits atomic.Int32
	release := make(chan struct{})
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer stall.Close()
	defer close(release)
	dir := t.TempDir()
	src := "include:\n  - project: agency/a\n    file: /a.yml\n  - project: agency/b\n    file: /b.yml\n  - template: Jobs/Build.gitlab-ci.yml\n" +
		"test:\n  script: pytest\n"
	if err := os.WriteFile(filepath.Join(dir, ".gitlab-ci.yml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	l, err := New(Options{Root: ".", Remote: &Remote{GitLabURL: stall.URL, Timeout: time.Minute, Context: ctx}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := l.File(".gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ended after %v", time.Since(start))
	if n := hits.Load(); n != 1 {
		t.Errorf("the stalled server was asked %d times; once is enough to know it is down", n)
	}
	unread := 0
	for _, f := range res.Findings {
		if f.Rule == "include-offline" || strings.Contains(f.Message, "could not be read") {
			unread++
		}
	}
	if unread < 3 {
		t.Errorf("want the three includes reported as not read, got findings %v", res.Findings)
	}
}
