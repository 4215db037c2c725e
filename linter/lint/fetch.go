package lint

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gitlab.com/trustci/cicd/linter/gitlabapi"
	"gitlab.com/trustci/cicd/linter/include"
)

// fetcher reads project, template and remote includes from the GitLab
// instance the pipeline runs on.
type fetcher struct {
	ctx         context.Context
	client      *gitlabapi.Client
	clientErr   error
	anonymous   bool
	allowRemote bool
	maxBytes    int64
}

func (l *Linter) fetcher() include.Fetcher {
	rm := l.opts.Remote
	if rm == nil {
		return nil
	}
	base := rm.GitLabURL
	if base == "" {
		fqdn := l.opts.ServerFQDN
		if fqdn == "" {
			fqdn = "gitlab.com"
		}
		base = "https://" + fqdn
	}
	client, err := gitlabapi.New(gitlabapi.Options{BaseURL: base, Token: rm.Token, JobToken: rm.JobToken,
		CacheDir: rm.CacheDir, Timeout: rm.Timeout, RetryMax: 2, CAFile: rm.CAFile})
	ctx := rm.Context
	if ctx == nil {
		ctx = context.Background()
	}
	return &fetcher{ctx: ctx, client: client, clientErr: err, anonymous: rm.Token == "" && rm.JobToken == "",
		allowRemote: rm.AllowRemote, maxBytes: l.opts.Limits.MaxBytes}
}

func (f *fetcher) ProjectFile(project, file, ref string) ([]byte, error) {
	if f.clientErr != nil {
		return nil, f.clientErr
	}
	b, err := f.client.RawFile(f.ctx, project, file, ref)
	if errors.Is(err, gitlabapi.ErrNotFound) && f.anonymous {
		// GitLab answers 404 for a private project too.
		return nil, fmt.Errorf("%s of %s: not found, or private (no GITLAB_TOKEN is set)", file, project)
	}
	return b, f.wrap(err)
}

func (f *fetcher) Template(name string) ([]byte, error) {
	if f.clientErr != nil {
		return nil, f.clientErr
	}
	b, err := f.client.CITemplate(f.ctx, name)
	return b, f.wrap(err)
}

func (f *fetcher) URL(url string) ([]byte, error) {
	if !f.allowRemote {
		return nil, fmt.Errorf("pass --allow-remote to fetch it: %w", include.ErrNotAllowed)
	}
	if f.clientErr != nil {
		return nil, f.clientErr
	}
	b, err := f.client.URL(f.ctx, url, f.maxBytes)
	return b, f.wrap(err)
}

// wrap turns the client's not-found into the resolver's.
func (f *fetcher) wrap(err error) error {
	if errors.Is(err, gitlabapi.ErrNotFound) {
		return fmt.Errorf("%s: %w", strings.TrimSuffix(err.Error(), ": "+gitlabapi.ErrNotFound.Error()), include.ErrNotFound)
	}
	return err
}
