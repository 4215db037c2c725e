package gitlabapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// How long cached content stays valid: for good when it was read at a
// commit SHA, briefly when it was read at something that moves (a
// branch, a URL, a template of the instance), so a lint loop on a laptop
// does not refetch but a changed template is seen within minutes.
const (
	forever    = time.Duration(-1)
	mutableTTL = 5 * time.Minute
)

// ErrTooLarge means a remote file is over the size limit.
var ErrTooLarge = errors.New("file too large")

// cached returns the content stored under key if it is fresh enough,
// else fetches and stores it. The store is content-addressed: blobs/<sha256
// of the content> holds the bytes, keys/<sha256 of key> names the blob,
// so identical files are kept once and a damaged blob is detected (its
// name no longer matches) and refetched.
func (c *Client) cached(key string, ttl time.Duration, fetch func() ([]byte, error)) ([]byte, error) {
	if c.cache == "" {
		return fetch()
	}
	ks := sha256.Sum256([]byte(c.base + "\x00" + key))
	keyPath := filepath.Join(c.cache, "keys", hex.EncodeToString(ks[:]))
	if name, st, err := readCacheFile(keyPath); err == nil && (ttl == forever || time.Since(st.ModTime()) < ttl) {
		if b, _, err := readCacheFile(filepath.Join(c.cache, "blobs", string(name))); err == nil {
			if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) == string(name) {
				return b, nil
			}
		}
	}
	b, err := fetch()
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > c.maxFile {
		// Never cached: the caller refuses it anyway.
		return b, nil
	}
	sum := sha256.Sum256(b)
	name := hex.EncodeToString(sum[:])
	// A cache that cannot be written only costs a refetch next time.
	_ = writeAtomic(filepath.Join(c.cache, "blobs", name), b)
	_ = writeAtomic(keyPath, []byte(name))
	return b, nil
}

func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// CITemplate reads one of the instance's CI/CD templates, as
// include:template names it (Auto-DevOps.gitlab-ci.yml,
// Jobs/Build.gitlab-ci.yml), through GET /templates/gitlab_ci_ymls/:key.
func (c *Client) CITemplate(ctx context.Context, name string) ([]byte, error) {
	key := strings.TrimSuffix(name, ".gitlab-ci.yml")
	return c.cached("template\x00"+key, mutableTTL, func() ([]byte, error) {
		t, resp, err := c.api.CIYMLTemplate.GetTemplate(key, gitlab.WithContext(ctx))
		if err := classify("template "+name, resp, err); err != nil {
			return nil, err
		}
		if int64(len(t.Content)) > c.maxFile {
			return nil, fmt.Errorf("template %s: %w: over %d bytes", name, ErrTooLarge, c.maxFile)
		}
		return []byte(t.Content), nil
	})
}

// URL reads an include:remote file: HTTPS only, no credentials sent (GitLab
// fetches it anonymously too), at most maxBytes, retried after a 429 or
// 5xx like the API calls.
func (c *Client) URL(ctx context.Context, rawURL string, maxBytes int64) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("%s: only https:// URLs are fetched", redact(rawURL))
	}
	return c.cached("url\x00"+rawURL, mutableTTL, func() ([]byte, error) {
		var last error
		for attempt := 0; attempt <= c.retry; attempt++ {
			if attempt > 0 {
				select {
				case <-ctx.Done():
					return nil, downError{fmt.Errorf("%s: %w (timed out)", redact(rawURL), ErrUnavailable)}
				case <-time.After(min(100*time.Millisecond<<attempt, 5*time.Second)):
				}
			}
			b, retry, err := c.get(ctx, u, maxBytes)
			if err == nil || !retry {
				return b, err
			}
			last = err
		}
		return nil, last
	})
}

// get makes one request; retry says whether another attempt could help.
func (c *Client) get(ctx context.Context, u *url.URL, maxBytes int64) (b []byte, retry bool, err error) {
	what := redact(u.String())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", what, err)
	}
	req.Header.Set("User-Agent", "cilint")
	resp, err := c.http.Do(req)
	if err != nil {
		// A refused redirect would be refused again.
		return nil, !errors.Is(err, ErrRedirect), classify(what, nil, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, false, fmt.Errorf("%s: %w", what, ErrNotFound)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, true, downError{fmt.Errorf("%s: %w (HTTP %d)", what, ErrUnavailable, resp.StatusCode)}
	case resp.StatusCode != http.StatusOK:
		return nil, false, fmt.Errorf("%s: %w (HTTP %d)", what, ErrUnavailable, resp.StatusCode)
	}
	b, err = io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, true, classify(what, nil, err)
	}
	if int64(len(b)) > maxBytes {
		return nil, false, fmt.Errorf("%s: %w: over %d bytes", what, ErrTooLarge, maxBytes)
	}
	return b, false, nil
}

// redact drops a URL's user information and query, which may hold
// credentials, from messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the URL"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}
