package lint

import (
	"context"
	"net/url"
	"strings"

	"gitlab.com/trustci/cicd/linter/component"
	"gitlab.com/trustci/cicd/linter/gitlabapi"
)

// client is the one place a run's GitLab clients are made: every one of
// them (the instance's files and templates, catalogs on any host, the
// instance's version) takes the run's CA file, cache, timeout and
// retries from rm, and only the base and the credentials differ.
func (rm *Remote) client(base, token, jobToken string, retries int) (*gitlabapi.Client, error) {
	return gitlabapi.New(gitlabapi.Options{BaseURL: base, Token: token, JobToken: jobToken,
		CacheDir: rm.CacheDir, Timeout: rm.Timeout, RetryMax: retries, CAFile: rm.CAFile})
}

// context is the run's deadline for network reads.
func (rm *Remote) context() context.Context {
	if rm.Context == nil {
		return context.Background()
	}
	return rm.Context
}

// Catalog is the catalog project named by prefix (<host>/<group>/<project>)
// read through the GitLab API of its host: the run's own instance (its
// URL as given, so a self-managed instance keeps its scheme and port)
// when the host is that instance's, else https://<host>. The token
// belongs to instance alone: a catalog on any other host is read
// anonymously, so a reference in a merge request cannot make cilint hand
// the token to a host of its choosing. Lint and `cilint catalog list`
// both build their catalogs here.
func (rm *Remote) Catalog(instance, prefix string) (*component.Remote, error) {
	host, project, _ := strings.Cut(prefix, "/")
	base := "https://" + host
	if u, err := url.Parse(rm.GitLabURL); err == nil && u.Host == host {
		base = rm.GitLabURL
	}
	token, jobToken := gitlabapi.ScopeTokens(base, instance, rm.Token, rm.JobToken)
	client, err := rm.client(base, token, jobToken, 2)
	if err != nil {
		return nil, err
	}
	c := &component.Remote{Client: client, Host: host, Project: project, Ctx: rm.context()}
	if token == "" && jobToken == "" && (rm.Token != "" || rm.JobToken != "") {
		c.Anonymous = "read without credentials: the token is only sent to " + instance
	}
	return c, nil
}

// InstanceURL is the GitLab instance a run's credentials belong to:
// rm.GitLabURL (--gitlab-url, or $CI_SERVER_URL), else https://<fqdn>,
// else gitlab.com.
func InstanceURL(rm *Remote, fqdn string) string {
	if rm != nil && rm.GitLabURL != "" {
		return rm.GitLabURL
	}
	if fqdn == "" {
		fqdn = "gitlab.com"
	}
	return "https://" + fqdn
}
