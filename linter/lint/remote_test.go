package lint

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/internal/fakegitlab"
)

// TestRemoteComponents lints a pipeline whose component lives on a (fake)
// GitLab instance: versions resolve through its tags, the template is read
// at the tag's commit, and its inputs are checked like a local one's.
func TestRemoteComponents(t *testing.T) {
	const token = "glpat-remote-secret-000"
	f := fakegitlab.New(t, token)
	const v1, v2 = "1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222"
	tmpl := "spec:\n  inputs:\n    stage:\n      default: test\n    env:\n      options: [staging, production]\n---\ndeploy-$[[ inputs.env ]]:\n  stage: $[[ inputs.stage ]]\n  script: ./deploy $[[ inputs.env ]]\n"
	f.Projects["agency/catalog"] = &fakegitlab.FakeProject{
		Private:  true,
		Tags:     map[string]string{"1.0.0": v1, "1.1.0": v2},
		Branches: map[string]string{"main": v2},
		Files: map[string]map[string]string{
			v1: {"templates/deploy/template.yml": tmpl},
			v2: {"templates/deploy/template.yml": tmpl},
		},
	}
	u, _ := url.Parse(f.URL)
	host := u.Host
	dir := t.TempDir()
	pipeline := "include:\n" +
		"  - component: $CI_SERVER_FQDN/agency/catalog/deploy@1\n    inputs:\n      env: staging\n" +
		"  - component: $CI_SERVER_FQDN/agency/catalog/deploy@~latest\n    inputs:\n      env: prod\n" +
		"  - component: $CI_SERVER_FQDN/agency/catalog/deploy@2.0.0\n    inputs:\n      env: production\n" +
		"  - component: $CI_SERVER_FQDN/agency/catalog/dpeloy@1.0.0\n"
	os.WriteFile(filepath.Join(dir, ".gitlab-ci.yml"), []byte(pipeline), 0o644)
	t.Chdir(dir)
	res, out := lintPipeline(t, Options{Root: ".", ServerFQDN: host, Remote: &Remote{GitLabURL: f.URL, Token: token, CacheDir: t.TempDir(), Timeout: 2 * time.Second}})
	got := strings.ReplaceAll(out, host, "HOST")
	want := `.gitlab-ci.yml:5:16: warning: deploy is used at ~latest, which moves; pin a release such as 1.1.0 so the pipeline does not change under you [component-version]
.gitlab-ci.yml:7:12: error: input ` + "`env`" + ` must be one of staging, production; the value is "prod" [input-options]
.gitlab-ci.yml:8:16: error: HOST/agency/catalog has no release matching 2.0.0; its releases are 1.0.0, 1.1.0 [component-not-found]
.gitlab-ci.yml:11:16: error: catalog HOST/agency/catalog has no component dpeloy; did you mean deploy? [component-not-found]
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if res.Pipeline == nil || res.Pipeline.Job("deploy-staging") == nil {
		t.Errorf("the remote component's job must be in the pipeline")
	}
	if strings.Contains(out, token) {
		t.Error("the token leaked into the output")
	}

	// Without the token the private catalog cannot be read: the include is
	// unread (info), never an error, and the token-less run says why.
	l2, _ := New(Options{Root: ".", ServerFQDN: host, Remote: &Remote{GitLabURL: f.URL, Timeout: 2 * time.Second}})
	res2, _ := l2.File(".gitlab-ci.yml")
	for _, fd := range res2.Findings {
		unread := fd.Rule == "include-offline" && strings.Contains(fd.Message, "401")
		if !unread && fd.Severity != finding.Warning {
			t.Errorf("without a token: %s: %s", fd.Rule, fd.Message)
		}
	}
}
