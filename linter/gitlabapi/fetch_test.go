package gitlabapi

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestCITemplate(t *testing.T) {
	f := fake(t)
	f.Templates["Jobs/Build"] = "build:\n  script: make\n"
	c, _ := New(Options{BaseURL: f.URL, Timeout: 2 * time.Second, RetryWaitMax: 20 * time.Millisecond, CacheDir: t.TempDir()})
	ctx := context.Background()
	b, err := c.CITemplate(ctx, "Jobs/Build.gitlab-ci.yml")
	if err != nil || !strings.Contains(string(b), "build:") {
		t.Fatalf("template = %q, %v", b, err)
	}
	if last := f.Requests[len(f.Requests)-1]; !strings.Contains(last, "/templates/gitlab_ci_ymls/Jobs%2FBuild") {
		t.Errorf("the key must be one escaped path segment: %s", last)
	}
	if _, err := c.CITemplate(ctx, "Nope.gitlab-ci.yml"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing template: %v", err)
	}
}

// tlsServer serves files over HTTPS with a certificate from a CA that
// the returned PEM file holds.
func tlsServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, string) {
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	return srv, ca
}

func TestURL(t *testing.T) {
	var calls atomic.Int32
	srv, ca := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if r.Header.Get("PRIVATE-TOKEN") != "" || r.Header.Get("JOB-TOKEN") != "" {
			http.Error(w, "credentials must not be sent to a remote include", http.StatusBadRequest)
			return
		}
		switch r.URL.Path {
		case "/ci.yml":
			fmt.Fprint(w, "lint:\n  script: ruff check\n")
		case "/flaky.yml":
			if n%2 == 1 {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			fmt.Fprint(w, "ok:\n  script: true\n")
		case "/big.yml":
			fmt.Fprint(w, strings.Repeat("#", 2000))
		default:
			http.NotFound(w, r)
		}
	})
	ctx := context.Background()
	c, err := New(Options{BaseURL: srv.URL, Token: "glpat-secret", CAFile: ca, Timeout: 2 * time.Second, RetryWaitMax: 20 * time.Millisecond, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path    string
		want    string
		wantErr error
	}{
		{"/ci.yml", "ruff", nil},
		{"/flaky.yml", "ok:", nil}, // 503, then success
		{"/none.yml", "", ErrNotFound},
		{"/big.yml?token=abc", "", ErrTooLarge},
	}
	for _, tt := range tests {
		b, err := c.URL(ctx, srv.URL+tt.path, 1000)
		if !errors.Is(err, tt.wantErr) || !strings.Contains(string(b), tt.want) {
			t.Errorf("%s: %q, %v; want %q, %v", tt.path, b, err, tt.want, tt.wantErr)
		}
		if err != nil && strings.Contains(err.Error(), "token=abc") {
			t.Errorf("%s: the query must not be shown: %v", tt.path, err)
		}
	}
	if _, err := c.URL(ctx, "http://example.com/ci.yml", 1000); err == nil || !strings.Contains(err.Error(), "https") {
		t.Errorf("plain HTTP must be refused: %v", err)
	}
	// Without the CA the certificate is not trusted, and the message says
	// what to do.
	plain, _ := New(Options{BaseURL: srv.URL, Timeout: 2 * time.Second, RetryMax: 1, RetryWaitMax: 20 * time.Millisecond})
	if _, err := plain.URL(ctx, srv.URL+"/ci.yml", 1000); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "--ca-file") {
		t.Errorf("untrusted certificate: %v", err)
	}
}

func TestCacheIsContentAddressed(t *testing.T) {
	f := fake(t)
	dir := t.TempDir()
	c, _ := New(Options{BaseURL: f.URL, CacheDir: dir, Timeout: 2 * time.Second})
	ctx := context.Background()
	if _, err := c.RawFile(ctx, "agency/catalog", "templates/deploy/template.yml", sha1); err != nil {
		t.Fatal(err)
	}
	blobs, _ := filepath.Glob(filepath.Join(dir, "blobs", "*"))
	if len(blobs) != 1 {
		t.Fatalf("blobs = %v", blobs)
	}
	// A damaged blob no longer matches its name: it is refetched.
	os.WriteFile(blobs[0], []byte("tampered"), 0o644)
	before := len(f.Requests)
	b, err := c.RawFile(ctx, "agency/catalog", "templates/deploy/template.yml", sha1)
	if err != nil || !strings.Contains(string(b), "deploy:") || len(f.Requests) != before+1 {
		t.Errorf("damaged cache entry: %q, %v, %d requests", b, err, len(f.Requests)-before)
	}
	// At a branch the file may change: it is cached only for a while.
	f.Projects["agency/catalog"].Files["3333333333333333333333333333333333333333"] = map[string]string{"ci.yml": "a:\n  script: x\n"}
	if _, err := c.RawFile(ctx, "agency/catalog", "ci.yml", "main"); err != nil {
		t.Fatal(err)
	}
	keys, _ := filepath.Glob(filepath.Join(dir, "keys", "*"))
	for _, k := range keys {
		old := time.Now().Add(-time.Hour)
		os.Chtimes(k, old, old)
	}
	before = len(f.Requests)
	c.RawFile(ctx, "agency/catalog", "ci.yml", "main")
	c.RawFile(ctx, "agency/catalog", "templates/deploy/template.yml", sha1)
	if got := len(f.Requests) - before; got != 1 {
		t.Errorf("after an hour, only the branch read must be refetched; made %d requests", got)
	}
}

func TestDown(t *testing.T) {
	f := fake(t)
	c, _ := New(Options{BaseURL: f.URL, Timeout: 2 * time.Second, RetryMax: 1, RetryWaitMax: 10 * time.Millisecond})
	ctx := context.Background()
	tests := []struct {
		codes []int
		down  bool
	}{
		{[]int{http.StatusBadRequest}, false},
		{[]int{http.StatusNotFound}, false},
		{[]int{http.StatusServiceUnavailable, http.StatusServiceUnavailable}, true},
		{[]int{http.StatusTooManyRequests, http.StatusTooManyRequests}, true},
	}
	for _, tt := range tests {
		f.Fail["/api/v4/projects/agency%2Fcatalog/repository/branches"] = tt.codes
		_, err := c.BranchCommit(ctx, "agency/catalog", "main")
		if err == nil || Down(err) != tt.down {
			t.Errorf("%v: err %v, Down = %v, want %v", tt.codes, err, Down(err), tt.down)
		}
	}
	f.Close()
	if _, err := c.BranchCommit(ctx, "agency/catalog", "main"); !Down(err) || !errors.Is(err, ErrUnavailable) {
		t.Errorf("closed server: %v", err)
	}
}
