package gitlabapi

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
)

// Size caps on what a server may send. A file is capped where GitLab caps
// it (max_yaml_size_bytes, 2 MiB, the loader's limit too); an API answer
// (JSON: tag lists, trees, lint results with their merged YAML) at a
// size no real answer comes near, so a hostile or broken server cannot
// make cilint read without end.
const (
	DefaultMaxFileBytes int64 = 2 << 20
	MaxAnswerBytes      int64 = 32 << 20
)

// cappedTransport ends every response body after max bytes with
// ErrTooLarge, whatever reads it (the Go client decodes JSON straight
// from the body).
type cappedTransport struct {
	rt  http.RoundTripper
	max int64
}

func (t cappedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.rt.RoundTrip(req)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	resp.Body = &cappedBody{rc: resp.Body, left: t.max}
	return resp, nil
}

type cappedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly max bytes from a longer one.
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, fmt.Errorf("%w: the answer is over %d bytes", ErrTooLarge, MaxAnswerBytes)
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }

// errUnsafeCache marks a cache path cilint will not trust.
var errUnsafeCache = errors.New("unsafe cache entry")

// safeCacheDir makes dir (0700) if it is missing, and reports whether it
// is a directory of this user's that nobody else can write: the cache
// feeds file contents into the lint, so a planted entry must not count.
func safeCacheDir(dir string) bool {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false
	}
	st, err := os.Lstat(dir)
	if err != nil || !st.IsDir() || st.Mode().Perm()&0o022 != 0 {
		return false
	}
	return ownedByMe(st)
}

// ownedByMe reports whether a file belongs to the running user (always
// true where the platform does not say).
func ownedByMe(st os.FileInfo) bool {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return int(sys.Uid) == os.Getuid()
	}
	return true
}

// readCacheFile reads a cache entry only if it is a regular file of this
// user's (not a link, which could point anywhere).
func readCacheFile(path string) ([]byte, os.FileInfo, error) {
	st, err := os.Lstat(path)
	if err != nil {
		return nil, nil, err
	}
	if !st.Mode().IsRegular() || !ownedByMe(st) {
		return nil, nil, fmt.Errorf("%s: %w", filepath.Base(path), errUnsafeCache)
	}
	b, err := os.ReadFile(path)
	return b, st, err
}
