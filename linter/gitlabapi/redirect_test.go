package gitlabapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// credentialSink is a server that must never see a credential: it counts
// requests and any that carry one.
func credentialSink(t *testing.T, tlsOn bool) (*httptest.Server, *atomic.Int32, *atomic.Int32) {
	var hits, leaked atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("PRIVATE-TOKEN") != "" || r.Header.Get("JOB-TOKEN") != "" || r.Header.Get("Authorization") != "" {
			leaked.Add(1)
		}
		fmt.Fprint(w, "x:\n  script: true\n")
	})
	var srv *httptest.Server
	if tlsOn {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv, &hits, &leaked
}

// An instance that redirects its API to another host (or from https to
// http) must not take the token there: the redirect is refused before
// the request is sent.
func TestAPIRedirectNeverCarriesTheToken(t *testing.T) {
	const token = "glpat-redirect-secret-0001"
	elsewhere, hits, leaked := credentialSink(t, false)
	instance := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusFound)
	}))
	t.Cleanup(instance.Close)
	for _, tok := range []Options{{Token: token}, {JobToken: token}} {
		tok.BaseURL, tok.Timeout, tok.RetryMax, tok.RetryWaitMax = instance.URL, 2*time.Second, 1, 10*time.Millisecond
		c, err := New(tok)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.RawFile(context.Background(), "agency/catalog", "templates/a.yml", "main")
		if err == nil {
			t.Fatal("a redirect to another host must fail the request")
		}
		if strings.Contains(err.Error(), token) {
			t.Errorf("the token is in the message: %v", err)
		}
	}
	if leaked.Load() != 0 || hits.Load() != 0 {
		t.Errorf("the other host got %d requests, %d with credentials; want none", hits.Load(), leaked.Load())
	}
}

// Redirects within the instance are followed (GitLab behind a proxy that
// adds a slash, or moves the API under a path).
func TestAPIRedirectWithinTheInstance(t *testing.T) {
	f := fake(t)
	mux := http.NewServeMux()
	var front *httptest.Server
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/old/") {
			http.Redirect(w, r, front.URL+strings.TrimPrefix(r.URL.RequestURI(), "/old"), http.StatusMovedPermanently)
			return
		}
		f.Config.Handler.ServeHTTP(w, r)
	})
	front = httptest.NewServer(mux)
	t.Cleanup(front.Close)
	c, err := New(Options{BaseURL: front.URL + "/old", Token: f.Token, Timeout: 2 * time.Second, RetryWaitMax: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.RawFile(context.Background(), "agency/catalog", "templates/deploy/template.yml", sha1); err != nil {
		t.Fatalf("a same-origin redirect must be followed: %v", err)
	}
}

// include:remote follows redirects only to https; it never sends
// credentials, wherever it goes.
func TestURLRedirects(t *testing.T) {
	plain, plainHits, _ := credentialSink(t, false)
	secure, secureHits, leaked := credentialSink(t, true)
	var front *httptest.Server
	front = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-http.yml":
			http.Redirect(w, r, plain.URL+"/ci.yml", http.StatusFound)
		case "/to-https.yml":
			http.Redirect(w, r, secure.URL+"/ci.yml", http.StatusFound)
		case "/loop.yml":
			http.Redirect(w, r, front.URL+"/loop.yml", http.StatusFound)
		}
	}))
	t.Cleanup(front.Close)
	// One client trusts both test certificates (each httptest TLS server
	// has its own).
	c, err := New(Options{BaseURL: front.URL, Token: "glpat-url-secret-0002", Timeout: 2 * time.Second, RetryMax: 1, RetryWaitMax: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	pool := front.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	pool.AddCert(secure.Certificate())
	tr := front.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.RootCAs = pool
	c.http.Transport = tr
	ctx := context.Background()
	if _, err := c.URL(ctx, front.URL+"/to-http.yml?private_token=abc", 1000); !errors.Is(err, ErrRedirect) || strings.Contains(err.Error(), "abc") {
		t.Errorf("https -> http: %v; want a refused redirect without the query", err)
	}
	if plainHits.Load() != 0 {
		t.Errorf("the plain-HTTP host was asked %d times", plainHits.Load())
	}
	if b, err := c.URL(ctx, front.URL+"/to-https.yml", 1000); err != nil || !strings.Contains(string(b), "script") {
		t.Errorf("https -> https on another host must be followed: %q, %v", b, err)
	}
	if secureHits.Load() != 1 || leaked.Load() != 0 {
		t.Errorf("other https host: %d requests, %d with credentials", secureHits.Load(), leaked.Load())
	}
	if _, err := c.URL(ctx, front.URL+"/loop.yml", 1000); !errors.Is(err, ErrRedirect) {
		t.Errorf("a redirect loop must end: %v", err)
	}
}

func TestScopeTokens(t *testing.T) {
	tests := []struct {
		base, instance string
		want           bool
	}{
		{"https://gitlab.com", "https://gitlab.com", true},
		{"https://gitlab.com/", "https://gitlab.com:443", true},
		{"https://GitLab.com", "https://gitlab.com", true},
		{"https://gitlab.example.com", "https://gitlab.com", false},
		{"http://gitlab.com", "https://gitlab.com", false},
		{"https://gitlab.com:8443", "https://gitlab.com", false},
		{"https://gitlab.com.evil.example", "https://gitlab.com", false},
		{"https://gitlab.com@evil.example", "https://gitlab.com", false},
		{"::", "https://gitlab.com", false},
	}
	for _, tt := range tests {
		tok, job := ScopeTokens(tt.base, tt.instance, "t", "j")
		if got := tok == "t" && job == "j"; got != tt.want {
			t.Errorf("ScopeTokens(%q, %q) sends credentials = %v, want %v", tt.base, tt.instance, got, tt.want)
		}
		if !tt.want && (tok != "" || job != "") {
			t.Errorf("ScopeTokens(%q, %q) = %q, %q; want none", tt.base, tt.instance, tok, job)
		}
	}
	u, _ := url.Parse("https://gitlab.com")
	if !SameOrigin(u, u) {
		t.Error("a URL is its own origin")
	}
}
