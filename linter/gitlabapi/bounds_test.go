package gitlabapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// endless answers with up to 1 GiB of a JSON array that never closes,
// and stops when the client hangs up.
func endless(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`[{"name":"`))
		chunk := []byte(strings.Repeat("a", 64<<10))
		for i := 0; i < (1<<30)/len(chunk); i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A server that sends a gigabyte is cut off at the answer cap, without
// holding the gigabyte in memory.
func TestAnswerIsCapped(t *testing.T) {
	srv := endless(t)
	c, err := New(Options{BaseURL: srv.URL, Timeout: 20 * time.Second, RetryMax: 1, RetryWaitMax: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err = c.Tags(context.Background(), "agency/catalog")
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("a 1 GiB answer: %v; want ErrTooLarge", err)
	}
	// Total allocation, not a timing: a generous bound that still tells
	// a capped read (tens of MiB) from an uncapped one (over 1 GiB).
	if got := after.TotalAlloc - before.TotalAlloc; got > 512<<20 {
		t.Errorf("reading the answer allocated %d MiB", got>>20)
	}
	t.Logf("cut off after %v", time.Since(start))
}

// A repository file over GitLab's YAML size limit is refused and not
// cached.
func TestRawFileIsCapped(t *testing.T) {
	f := fake(t)
	f.Projects["agency/catalog"].Files[sha1]["big.yml"] = strings.Repeat("#", 3<<20)
	dir := t.TempDir()
	c, _ := New(Options{BaseURL: f.URL, Token: f.Token, CacheDir: dir, Timeout: 5 * time.Second})
	if _, err := c.RawFile(context.Background(), "agency/catalog", "big.yml", sha1); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("3 MiB file: %v; want ErrTooLarge", err)
	}
	if blobs, _ := filepath.Glob(filepath.Join(dir, "blobs", "*")); len(blobs) != 0 {
		t.Errorf("an oversized file was cached: %v", blobs)
	}
}

// The cache is created private; links and a directory others can write
// are not trusted.
func TestCacheIsPrivate(t *testing.T) {
	f := fake(t)
	ctx := context.Background()
	path := "templates/deploy/template.yml"

	dir := filepath.Join(t.TempDir(), "cache")
	c, _ := New(Options{BaseURL: f.URL, Token: f.Token, CacheDir: dir, Timeout: 2 * time.Second})
	if _, err := c.RawFile(ctx, "agency/catalog", path, sha1); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{dir, filepath.Join(dir, "keys"), filepath.Join(dir, "blobs")} {
		if st, err := os.Stat(d); err != nil || st.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v, %v; want 0700", d, st.Mode().Perm(), err)
		}
	}

	// A key replaced by a link to a planted blob is ignored: the file is
	// read from the server again.
	keys, _ := filepath.Glob(filepath.Join(dir, "keys", "*"))
	blobs, _ := filepath.Glob(filepath.Join(dir, "blobs", "*"))
	if len(keys) != 1 || len(blobs) != 1 {
		t.Fatalf("keys %v blobs %v", keys, blobs)
	}
	planted := filepath.Join(t.TempDir(), "planted")
	os.WriteFile(planted, []byte(filepath.Base(blobs[0])), 0o600)
	os.Remove(keys[0])
	if err := os.Symlink(planted, keys[0]); err != nil {
		t.Fatal(err)
	}
	before := len(f.Requests)
	if _, err := c.RawFile(ctx, "agency/catalog", path, sha1); err != nil || len(f.Requests) != before+1 {
		t.Errorf("a linked key must not be trusted: %v, %d requests", err, len(f.Requests)-before)
	}

	// A cache directory others can write is not used at all.
	open := filepath.Join(t.TempDir(), "open")
	os.MkdirAll(open, 0o777)
	os.Chmod(open, 0o777)
	c2, _ := New(Options{BaseURL: f.URL, Token: f.Token, CacheDir: open, Timeout: 2 * time.Second})
	c2.RawFile(ctx, "agency/catalog", path, sha1)
	if entries, _ := os.ReadDir(open); len(entries) != 0 {
		t.Errorf("wrote into a world-writable cache: %v", entries)
	}
}
