package gitlabapi

import (
	"context"
	"fmt"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// versionTimeout bounds the version request: the answer only refines
// which GitLab release a pipeline is linted for, so it must never hold up
// a run for long.
const versionTimeout = 10 * time.Second

// Version asks the instance which release it runs (GET /api/v4/version,
// which needs a token): GitLab answers {"version":"17.5.0-ee",
// "revision":"..."}, and this returns the version string as given.
func (c *Client) Version(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, versionTimeout)
	defer cancel()
	v, resp, err := c.api.Version.GetVersion(gitlab.WithContext(ctx))
	if err := classify("version of "+c.base, resp, err); err != nil {
		return "", err
	}
	if v == nil || strings.TrimSpace(v.Version) == "" || len(v.Version) > 64 {
		return "", fmt.Errorf("version of %s: %w: the answer has no version", c.base, ErrUnavailable)
	}
	return strings.TrimSpace(v.Version), nil
}
