// Package gitlabapi talks to a GitLab instance through the official Go
// client (gitlab.com/gitlab-org/api/client-go): with a context, timeouts
// and retries, a token read from the environment and never printed, and
// an on-disk cache of files read at a commit.
package gitlabapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// Options configure a Client.
type Options struct {
	// BaseURL is the instance, such as https://gitlab.com.
	BaseURL string
	// Token is a personal, project or group access token (sent as
	// PRIVATE-TOKEN); JobToken a CI job token (sent as JOB-TOKEN). Both
	// empty means anonymous access, enough for public projects.
	Token, JobToken string
	// Timeout bounds each request (default 20 s).
	Timeout time.Duration
	// RetryMax is how often a request is retried after a 429 or 5xx
	// (default 3, with backoff that honours Retry-After).
	RetryMax int
	// CacheDir holds files read at a commit; "" means no cache.
	CacheDir string
	// RetryWaitMax caps the backoff between retries (default 5 s).
	RetryWaitMax time.Duration
	// CAFile adds a PEM certificate authority to the system's, for
	// self-managed instances with a private CA.
	CAFile string
	// MaxFileBytes caps a repository file or template read through the
	// API (default DefaultMaxFileBytes, GitLab's own YAML size limit).
	MaxFileBytes int64
}

// TokensFromEnv reads GITLAB_TOKEN, then CI_JOB_TOKEN.
func TokensFromEnv(getenv func(string) string) (token, jobToken string) {
	return getenv("GITLAB_TOKEN"), getenv("CI_JOB_TOKEN")
}

// DefaultCacheDir is the user's cache directory for cilint, or "".
func DefaultCacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "cilint")
}

// Client is a GitLab API client.
type Client struct {
	api   *gitlab.Client
	http  *http.Client // the same timeouts and CAs, for include:remote
	base  string
	cache string
	retry int
	// maxFile caps files read through the API; larger ones are an error
	// and never cached.
	maxFile int64
}

// Errors callers tell apart. The messages never contain the token.
var (
	ErrNotFound     = errors.New("not found")
	ErrUnauthorized = errors.New("the token was refused (401): check GITLAB_TOKEN")
	ErrForbidden    = errors.New("access denied (403): the token lacks access to this project")
	ErrUnavailable  = errors.New("GitLab could not be reached")
)

// New creates a client.
func New(o Options) (*Client, error) {
	if o.Timeout == 0 {
		o.Timeout = 20 * time.Second
	}
	if o.RetryMax == 0 {
		o.RetryMax = 3
	}
	if o.RetryWaitMax == 0 {
		o.RetryWaitMax = 5 * time.Second
	}
	var transport http.RoundTripper = http.DefaultTransport
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("--ca-file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca-file %s holds no PEM certificate", o.CAFile)
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		transport = tr
	}
	// Two clients on one transport: the API client carries the token and
	// follows a redirect only to the same scheme, host and port (Go keeps
	// custom headers such as PRIVATE-TOKEN and JOB-TOKEN across a
	// redirect, even to another host); the client for include:remote
	// carries no credentials and follows redirects only to https.
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = DefaultMaxFileBytes
	}
	transport = cappedTransport{rt: transport, max: MaxAnswerBytes}
	httpClient := &http.Client{Timeout: o.Timeout, Transport: transport, CheckRedirect: sameOrigin}
	urlClient := &http.Client{Timeout: o.Timeout, Transport: transport, CheckRedirect: httpsOnly}
	opts := []gitlab.ClientOptionFunc{
		gitlab.WithBaseURL(o.BaseURL),
		gitlab.WithHTTPClient(httpClient),
		gitlab.WithCustomRetryMax(o.RetryMax),
		gitlab.WithCustomRetryWaitMinMax(min(100*time.Millisecond, o.RetryWaitMax), o.RetryWaitMax),
		gitlab.WithCustomBackoff(backoff),
		gitlab.WithUserAgent("cilint"),
	}
	var api *gitlab.Client
	var err error
	switch {
	case o.Token != "":
		api, err = gitlab.NewClient(o.Token, opts...)
	case o.JobToken != "":
		api, err = gitlab.NewJobClient(o.JobToken, opts...)
	default:
		api, err = gitlab.NewAuthSourceClient(gitlab.Unauthenticated{}, opts...)
	}
	if err != nil {
		return nil, fmt.Errorf("gitlab client for %s: %w", o.BaseURL, err)
	}
	if o.CacheDir != "" && !safeCacheDir(o.CacheDir) {
		// Someone else's directory, a link or a writable one: not a cache
		// to trust or to write into. Checked once, not per request.
		o.CacheDir = ""
	}
	return &Client{api: api, http: urlClient, base: strings.TrimRight(o.BaseURL, "/"), cache: o.CacheDir, retry: o.RetryMax, maxFile: o.MaxFileBytes}, nil
}

// maxRedirects is Go's own default limit, kept explicit since both
// policies below replace the default one.
const maxRedirects = 10

// ErrRedirect is a redirect cilint refused to follow.
var ErrRedirect = errors.New("redirect refused")

// sameOrigin lets the API client follow a redirect only within the
// instance it was asked to talk to: same scheme, host and port.
func sameOrigin(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("%w: more than %d redirects", ErrRedirect, maxRedirects)
	}
	from := via[0].URL
	if !SameOrigin(from, req.URL) {
		return fmt.Errorf("%w: the instance %s redirected to %s, which is another host or scheme; credentials are never sent there",
			ErrRedirect, origin(from), origin(req.URL))
	}
	return nil
}

// httpsOnly lets include:remote follow redirects, as GitLab does, but
// only to https.
func httpsOnly(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("%w: more than %d redirects", ErrRedirect, maxRedirects)
	}
	if req.URL.Scheme != "https" {
		return fmt.Errorf("%w: %s redirected to %s; only https is followed", ErrRedirect, redact(via[0].URL.String()), origin(req.URL))
	}
	return nil
}

// ScopeTokens returns the tokens to use for requests to base: the given
// ones when base is the instance they belong to (same scheme, host and
// port), none otherwise. A token is never offered to a host that
// pipeline text named.
func ScopeTokens(base, instance, token, jobToken string) (string, string) {
	a, err := url.Parse(base)
	if err != nil {
		return "", ""
	}
	b, err := url.Parse(instance)
	if err != nil || !SameOrigin(a, b) {
		return "", ""
	}
	return token, jobToken
}

// SameOrigin reports whether a and b have the same scheme, host and port
// (an absent port is the scheme's default).
func SameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// origin is scheme://host[:port] of u, without user information, path
// or query, for messages.
func origin(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host}).String()
}

// backoff waits as the server asks (Retry-After, or RateLimit-Reset on a
// 429), else exponentially from min, never longer than max.
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			return min(time.Duration(s)*time.Second, maxWait)
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			if reset, err := strconv.ParseInt(resp.Header.Get("RateLimit-Reset"), 10, 64); err == nil {
				if d := time.Until(time.Unix(reset, 0)); d > 0 {
					return min(d, maxWait)
				}
			}
		}
	}
	d := minWait << min(attempt, 10)
	return min(d, maxWait)
}

// classify maps a client error to one of the errors above, keeping what
// GitLab said and dropping anything that could hold credentials.
func classify(what string, resp *gitlab.Response, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrTooLarge) {
		return fmt.Errorf("%s: %w: the answer is over %d bytes", what, ErrTooLarge, MaxAnswerBytes)
	}
	if resp != nil {
		switch code := resp.StatusCode; {
		case code == http.StatusNotFound:
			return fmt.Errorf("%s: %w", what, ErrNotFound)
		case code == http.StatusUnauthorized:
			return fmt.Errorf("%s: %w", what, ErrUnauthorized)
		case code == http.StatusForbidden:
			return fmt.Errorf("%s: %w", what, ErrForbidden)
		case code == http.StatusTooManyRequests || code >= 500:
			return downError{fmt.Errorf("%s: %w (HTTP %d)", what, ErrUnavailable, code)}
		}
		return fmt.Errorf("%s: %w (HTTP %d)", what, ErrUnavailable, resp.StatusCode)
	}
	if errors.Is(err, ErrRedirect) {
		return noAnswer(what, err)
	}
	return downError{noAnswer(what, err)}
}

// noAnswer explains why a request got no HTTP answer.
func noAnswer(what string, err error) error {
	if errors.Is(err, ErrRedirect) {
		// Not a server that is down: a redirect cilint will not follow.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w (timed out)", what, ErrUnavailable)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Errorf("%s: %w: cannot resolve host %s", what, ErrUnavailable, dnsErr.Name)
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return fmt.Errorf("%s: %w: cannot connect (%v)", what, ErrUnavailable, opErr.Err)
	}
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	if errors.As(err, &certErr) || errors.As(err, &unknownAuth) || strings.Contains(err.Error(), "x509:") {
		return fmt.Errorf("%s: %w: the server's TLS certificate is not trusted (for a private CA, pass --ca-file)", what, ErrUnavailable)
	}
	return fmt.Errorf("%s: %w: %v", what, ErrUnavailable, scrub(err))
}

// downError marks a server that could not answer at all: no connection,
// a timeout, an untrusted certificate, or still 429/5xx after the retries.
type downError struct{ error }

func (d downError) Unwrap() error { return d.error }

// Down reports whether err means the server could not answer: asking it
// again in the same run would only fail the same way, after another
// timeout.
func Down(err error) bool {
	var d downError
	return errors.As(err, &d)
}

// scrub keeps an error's text short and free of query strings.
func scrub(err error) string {
	s := err.Error()
	if i := strings.Index(s, "?"); i >= 0 {
		if j := strings.IndexAny(s[i:], " \""); j >= 0 {
			s = s[:i] + s[i+j:]
		} else {
			s = s[:i]
		}
	}
	return s
}

// Tag is a tag with its commit.
type Tag struct {
	Name, Commit string
}

// Tags lists a project's tags (up to 1,000, newest first).
func (c *Client) Tags(ctx context.Context, project string) ([]Tag, error) {
	var out []Tag
	opt := &gitlab.ListTagsOptions{ListOptions: gitlab.ListOptions{PerPage: 100, Page: 1}}
	for page := 0; page < 10; page++ {
		tags, resp, err := c.api.Tags.ListTags(project, opt, gitlab.WithContext(ctx))
		if err := classify("list tags of "+project, resp, err); err != nil {
			return nil, err
		}
		for _, t := range tags {
			commit := ""
			if t.Commit != nil {
				commit = t.Commit.ID
			}
			out = append(out, Tag{Name: t.Name, Commit: commit})
		}
		if resp == nil || resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	return out, nil
}

// BranchCommit is the commit a branch points at.
func (c *Client) BranchCommit(ctx context.Context, project, branch string) (string, error) {
	b, resp, err := c.api.Branches.GetBranch(project, branch, gitlab.WithContext(ctx))
	if err := classify("branch "+branch+" of "+project, resp, err); err != nil {
		return "", err
	}
	if b.Commit == nil {
		return "", fmt.Errorf("branch %s of %s: %w", branch, project, ErrNotFound)
	}
	return b.Commit.ID, nil
}

// TreeNames lists the entries of a folder at ref.
func (c *Client) TreeNames(ctx context.Context, project, path, ref string) ([]string, error) {
	opt := &gitlab.ListTreeOptions{Path: &path, Ref: &ref, ListOptions: gitlab.ListOptions{PerPage: 100}}
	nodes, resp, err := c.api.Repositories.ListTree(project, opt, gitlab.WithContext(ctx))
	if err := classify("list "+path+" of "+project, resp, err); err != nil {
		return nil, err
	}
	var out []string
	for _, n := range nodes {
		out = append(out, n.Name)
	}
	return out, nil
}

// RawFile reads a file at ref ("" means the default branch). When ref
// is a commit SHA the file cannot change, so it is kept in the cache for
// good; at a branch or tag only briefly.
func (c *Client) RawFile(ctx context.Context, project, path, ref string) ([]byte, error) {
	ttl := mutableTTL
	if isSHA(ref) {
		ttl = forever
	}
	return c.cached("file\x00"+project+"\x00"+path+"\x00"+ref, ttl, func() ([]byte, error) {
		opt := &gitlab.GetRawFileOptions{}
		if ref != "" {
			opt.Ref = &ref
		}
		b, resp, err := c.api.RepositoryFiles.GetRawFile(project, path, opt, gitlab.WithContext(ctx))
		at := ref
		if at == "" {
			at = "the default branch"
		}
		if err == nil && int64(len(b)) > c.maxFile {
			return nil, fmt.Errorf("%s of %s at %s: %w: over %d bytes", path, project, at, ErrTooLarge, c.maxFile)
		}
		return b, classify(path+" of "+project+" at "+at, resp, err)
	})
}

func isSHA(s string) bool {
	if len(s) != 40 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
