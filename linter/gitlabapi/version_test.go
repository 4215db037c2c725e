package gitlabapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestVersion asks a server speaking GitLab's documented answer of
// GET /api/v4/version (doc/api/version.md).
func TestVersion(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		want    string
		wantErr error
	}{
		{"enterprise edition", 200, `{"version":"17.5.0-ee","revision":"6d9e7a3c1f2"}`, "17.5.0-ee", nil},
		{"pre-release", 200, `{"version":"18.1.0-pre","revision":"abc"}`, "18.1.0-pre", nil},
		{"no token", 401, `{"message":"401 Unauthorized"}`, "", ErrUnauthorized},
		{"empty answer", 200, `{}`, "", ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/api/v4/version" {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			c, err := New(Options{BaseURL: srv.URL, Token: "t", RetryMax: 1})
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Version(context.Background())
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
