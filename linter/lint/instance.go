package lint

import (
	"context"

	"gitlab.com/trustci/cicd/linter/gitlabapi"
)

// Instance is a client of the run's own instance (InstanceURL) with the
// run's token, CA file, cache, timeouts and retries, and the run's
// deadline: what commands that read the instance beyond one pipeline's
// includes (`cilint impact --group` listing a group's projects and
// reading their configuration) use, so they obey the same bounds as lint.
func (rm *Remote) Instance(fqdn string) (*gitlabapi.Client, context.Context, error) {
	c, err := rm.client(InstanceURL(rm, fqdn), rm.Token, rm.JobToken, 2)
	return c, rm.context(), err
}
