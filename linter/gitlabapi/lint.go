package gitlabapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// LintResult is GitLab's answer to POST /projects/:id/ci/lint. The Go
// client's own result type has no jobs, so cilint decodes into this.
type LintResult struct {
	Valid      bool      `json:"valid"`
	Errors     []string  `json:"errors"`
	Warnings   []string  `json:"warnings"`
	MergedYAML string    `json:"merged_yaml"`
	Jobs       []LintJob `json:"jobs"`
}

// LintJob is one job of a lint answer with include_jobs.
type LintJob struct {
	Name  string `json:"name"`
	Stage string `json:"stage"`
}

// LintOptions select the kind of lint.
type LintOptions struct {
	// DryRun simulates pipeline creation (as a push pipeline) on Ref.
	DryRun bool
	Ref    string
	// IncludeJobs asks for the job list.
	IncludeJobs bool
}

// ErrGone is the answer of GitLab 16.0+ to the removed instance-level lint
// endpoint, and of any endpoint an instance has retired.
var ErrGone = errors.New("the endpoint is gone (410): this GitLab no longer offers it")

// Lint sends content to the project's CI lint endpoint. It needs a token
// with the api scope: GitLab refuses CI_JOB_TOKEN and read_api there.
func (c *Client) Lint(ctx context.Context, project, content string, o LintOptions) (*LintResult, error) {
	opt := &gitlab.ProjectNamespaceLintOptions{Content: &content, DryRun: &o.DryRun, IncludeJobs: &o.IncludeJobs}
	if o.Ref != "" {
		opt.Ref = &o.Ref
	}
	req, err := c.api.NewRequest(http.MethodPost, "projects/"+gitlab.PathEscape(project)+"/ci/lint", opt, []gitlab.RequestOptionFunc{gitlab.WithContext(ctx)})
	if err != nil {
		return nil, fmt.Errorf("lint request: %w", err)
	}
	var res LintResult
	resp, err := c.api.Do(req, &res)
	if resp != nil && resp.StatusCode == http.StatusGone {
		return nil, fmt.Errorf("lint of %s: %w", project, ErrGone)
	}
	if err != nil && resp != nil && resp.StatusCode == http.StatusOK {
		return nil, fmt.Errorf("lint of %s: %w: the answer is not the JSON GitLab documents (%v)", project, ErrUnavailable, scrub(err))
	}
	if err := classify("lint of "+project, resp, err); err != nil {
		return nil, err
	}
	return &res, nil
}
