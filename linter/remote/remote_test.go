package remote

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/gitlabapi"
	"gitlab.com/trustci/cicd/linter/internal/fakegitlab"
	"gitlab.com/trustci/cicd/linter/lint"
	"gitlab.com/trustci/cicd/linter/rules"
)

const token = "glpat-remote-lint-secret-1"

// project writes a small repository and lints it locally.
func project(t *testing.T, pipeline string) (*lint.Result, string) {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "ci"), 0o755)
	os.WriteFile(filepath.Join(dir, "ci", "build.yml"), []byte("build:\n  stage: build\n  script: make\n"), 0o644)
	path := filepath.Join(dir, ".gitlab-ci.yml")
	os.WriteFile(path, []byte(pipeline), 0o644)
	l, err := lint.New(lint.Options{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.File(path)
	if err != nil {
		t.Fatal(err)
	}
	return res, path
}

func server(t *testing.T, answer string) (*fakegitlab.FakeGitLab, Options) {
	f := fakegitlab.New(t, token)
	f.Projects["agency/shop"] = &fakegitlab.FakeProject{LintAnswer: answer}
	return f, Options{BaseURL: f.URL, Project: "agency/shop", Token: token,
		Client: gitlabapi.Options{Timeout: 2 * time.Second, RetryWaitMax: 10 * time.Millisecond}}
}

const pipeline = `include:
  - local: ci/build.yml
  - project: agency/templates
    file: /python.yml
test:
  stage: test
  needs: [build]
  script: pytest
`

func TestValidConfigurationSendsLocalIncludesMerged(t *testing.T) {
	res, path := project(t, pipeline)
	f, o := server(t, "")
	out, err := Check(context.Background(), res, path, o)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Valid || len(out.Findings) != 0 || !strings.Contains(out.Mode, "static lint") {
		t.Errorf("outcome: %+v", out)
	}
	sent := f.Projects["agency/shop"].LintContent
	// The unpushed local file is merged in; the project include stays.
	for _, want := range []string{"build:", "script: make", "project: agency/templates", "test:"} {
		if !strings.Contains(sent, want) {
			t.Errorf("sent content lacks %q:\n%s", want, sent)
		}
	}
	if strings.Contains(sent, "local: ci/build.yml") {
		t.Errorf("the local include must be merged, not sent:\n%s", sent)
	}
}

func TestServerFindingsArePlacedAndDeduplicated(t *testing.T) {
	res, path := project(t, pipeline+"lint:\n  stage: test\n  script: flake8\n  when: sometimes\n")
	answer := `{"valid":false,"errors":[
		"jobs:lint when unknown value: sometimes",
		"test job: undefined need: build-docs",
		"Project ` + "`agency/templates`" + ` not found or access denied! Make sure any includes in the pipeline configuration are correctly defined."
	],"warnings":["jobs:test may allow multiple pipelines to run for a single action due to ` + "`rules:when`" + ` clause with no ` + "`workflow:rules`" + ` - read more: https://docs.gitlab.com/ee/ci/troubleshooting.html#pipeline-warnings"],"merged_yaml":""}`
	_, o := server(t, answer)
	out, err := Check(context.Background(), res, path, o)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range out.Findings {
		got = append(got, f.Rule+" "+f.Severity.String()+" "+filepath.Base(f.Pos.File)+":"+itoa(f.Pos.Line))
		if rules.Departs(f) {
			t.Errorf("%s finding of %s neither its catalogue severity nor softened", f.Severity, f.Rule)
		}
		if f.Severity == finding.Warning && f.Softened != string(rules.GitLabWarning) {
			t.Errorf("GitLab's warning not marked as such: %+v", f)
		}
	}
	want := []string{
		// lint's bad `when` is already a cilint error: dropped.
		"gitlab-lint error .gitlab-ci.yml:5", // test: undefined need (cilint knew build, not build-docs)
		"gitlab-lint error .gitlab-ci.yml:3", // the project include line
		"gitlab-lint warning .gitlab-ci.yml:5",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %v\nwant %v", got, want)
		for _, f := range out.Findings {
			t.Log(f.Message)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestDisagreementIsRecorded(t *testing.T) {
	res, path := project(t, "build:\n  script: make\n  when: sometimes\n")
	_, o := server(t, "")
	out, err := Check(context.Background(), res, path, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Findings) != 1 || out.Findings[0].Rule != "remote-disagreement" {
		t.Errorf("GitLab valid while cilint has an error must be recorded: %+v", out.Findings)
	}
}

func TestDryRunSendsTheFileAsWritten(t *testing.T) {
	res, path := project(t, pipeline)
	f, o := server(t, "")
	o.DryRun, o.Ref = true, "feature/x"
	out, err := Check(context.Background(), res, path, o)
	if err != nil {
		t.Fatal(err)
	}
	p := f.Projects["agency/shop"]
	if !p.LintDryRun || p.LintContent != pipeline || !strings.Contains(out.Mode, "dry run") || !strings.Contains(out.Mode, "feature/x") {
		t.Errorf("dry run: sent %q (dry_run %v), mode %q", p.LintContent, p.LintDryRun, out.Mode)
	}
}

func TestErrors(t *testing.T) {
	res, path := project(t, pipeline)
	ctx := context.Background()
	tests := []struct {
		name   string
		setup  func(f *fakegitlab.FakeGitLab, o *Options)
		target error
		says   string
	}{
		{"only a job token", func(f *fakegitlab.FakeGitLab, o *Options) { o.Token, o.JobToken = "", "job-token" }, ErrNoToken, "CI_JOB_TOKEN"},
		{"wrong token", func(f *fakegitlab.FakeGitLab, o *Options) { o.Token = "glpat-wrong-0000" }, gitlabapi.ErrUnauthorized, "401"},
		{"forbidden", func(f *fakegitlab.FakeGitLab, o *Options) {
			f.Fail["/api/v4/projects/agency%2Fshop/ci/lint"] = []int{http.StatusForbidden}
		}, gitlabapi.ErrForbidden, "403"},
		{"no such project", func(f *fakegitlab.FakeGitLab, o *Options) { o.Project = "agency/none" }, gitlabapi.ErrNotFound, "not found"},
		{"endpoint gone", func(f *fakegitlab.FakeGitLab, o *Options) {
			f.Fail["/api/v4/projects/agency%2Fshop/ci/lint"] = []int{http.StatusGone}
		}, gitlabapi.ErrGone, "410"},
		{"malformed JSON", func(f *fakegitlab.FakeGitLab, o *Options) {
			f.Projects["agency/shop"].LintAnswer = `{"valid": tru`
		}, gitlabapi.ErrUnavailable, "not the JSON"},
		{"server errors", func(f *fakegitlab.FakeGitLab, o *Options) {
			f.Fail["/api/v4/projects/agency%2Fshop/ci/lint"] = []int{500, 500, 500, 500, 500}
		}, gitlabapi.ErrUnavailable, "HTTP 500"},
		{"timeout", func(f *fakegitlab.FakeGitLab, o *Options) {
			f.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(300 * time.Millisecond) })
			o.Client.Timeout, o.Client.RetryMax = 50*time.Millisecond, 1
		}, gitlabapi.ErrUnavailable, "timed out"},
		{"no project", func(f *fakegitlab.FakeGitLab, o *Options) { o.Project = "" }, nil, "the project"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, o := server(t, "")
			tt.setup(f, &o)
			_, err := Check(ctx, res, path, o)
			if err == nil || (tt.target != nil && !errors.Is(err, tt.target)) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("got %v, want %v saying %q", err, tt.target, tt.says)
			}
			if err != nil && strings.Contains(err.Error(), "glpat-") {
				t.Errorf("an error shows the token: %v", err)
			}
		})
	}
	t.Run("429 then success", func(t *testing.T) {
		f, o := server(t, "")
		f.Fail["/api/v4/projects/agency%2Fshop/ci/lint"] = []int{http.StatusTooManyRequests}
		if _, err := Check(ctx, res, path, o); err != nil {
			t.Errorf("a rate limit then success must succeed: %v", err)
		}
	})
}

func TestParseOrigin(t *testing.T) {
	tests := map[string][2]string{
		"git@gitlab.com:agency/shop.git":                    {"gitlab.com", "agency/shop"},
		"https://gitlab.example.com/agency/sub/shop.git":    {"gitlab.example.com", "agency/sub/shop"},
		"https://oauth2:s3cr3t@gitlab.com/agency/shop":      {"gitlab.com", "agency/shop"},
		"ssh://git@gitlab.example.com:2222/agency/shop.git": {"gitlab.example.com", "agency/shop"},
	}
	for url, want := range tests {
		if h, p := originOf(url); h != want[0] || p != want[1] {
			t.Errorf("%s: got %s %s", url, h, p)
		}
	}
}
