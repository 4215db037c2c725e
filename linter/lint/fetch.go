package lint

import (
	"context"
	"errors"
	"fmt"

	"gitlab.com/trustci/cicd/linter/gitlabapi"
	"gitlab.com/trustci/cicd/linter/include"
)

// fetcher reads project, template and remote includes from the GitLab
// instance the pipeline runs on.
type fetcher struct {
	base        string
	ctx         context.Context
	client      *gitlabapi.Client
	clientErr   error
	anonymous   bool
	allowRemote bool
	maxBytes    int64
	// down is the first failure to reach the instance: later requests
	// fail at once instead of each waiting for its own timeout.
	down error
}

func (l *Linter) fetcher() include.Fetcher {
	rm := l.opts.Remote
	if rm == nil {
		return nil
	}
	base := l.instanceURL()
	client, err := rm.client(base, rm.Token, rm.JobToken, 2)
	return &fetcher{base: base, ctx: rm.context(), client: client, clientErr: err, anonymous: rm.Token == "" && rm.JobToken == "",
		allowRemote: rm.AllowRemote, maxBytes: l.opts.Limits.MaxBytes}
}

// usable says why the instance cannot be asked, if it cannot.
func (f *fetcher) usable() error {
	if f.clientErr != nil {
		return f.clientErr
	}
	return f.down
}

func (f *fetcher) ProjectFile(project, file, ref string) ([]byte, error) {
	if err := f.usable(); err != nil {
		return nil, err
	}
	b, err := f.client.RawFile(f.ctx, project, file, ref)
	if errors.Is(err, gitlabapi.ErrNotFound) && f.anonymous {
		// GitLab answers 404 for a private project too.
		return nil, fmt.Errorf("%s of %s: not found, or private (no GITLAB_TOKEN is set)", file, project)
	}
	return b, f.wrap(err)
}

func (f *fetcher) Template(name string) ([]byte, error) {
	if err := f.usable(); err != nil {
		return nil, err
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
	// Another host: the instance being down says nothing about it.
	b, err := f.client.URL(f.ctx, url, f.maxBytes)
	return b, notFound(err)
}

// wrap remembers an unreachable instance, and gives the resolver its
// not-found.
func (f *fetcher) wrap(err error) error {
	if gitlabapi.Down(err) && f.down == nil {
		f.down = fmt.Errorf("%s is not reachable; not asked again in this run", f.base)
	}
	return notFound(err)
}

// notFound marks the client's not-found as the resolver's too.
func notFound(err error) error {
	if errors.Is(err, gitlabapi.ErrNotFound) {
		return fmt.Errorf("%w: %w", err, include.ErrNotFound)
	}
	return err
}
