// Package components_test proves the catalog's components work: each
// template renders (with its defaults and with every input set) into a
// pipeline cilint finds no error in; every script passes ShellCheck; each
// job's script runs in a shell with small fakes of kaniko, BuildKit, Trivy,
// Helm, kubectl, glab and curl on PATH that check their arguments and write
// what the real tools write; django-test runs for real against
// examples/django and a real PostgreSQL (see TestDjangoTestRunsForReal),
// and so does review-app's SQL (TestReviewAppDatabaseForReal);
// image-promote runs the real crane (TestImagePromote) and publish-catalog
// the real git (TestPublishCatalog).
package components_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/lint"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/tests/internal/runner"
)

// cilint is the cilint binary the tests run, built once per package run.
var cilint runner.Binary

// TestMain removes the built binary's folder after the package's tests.
func TestMain(m *testing.M) {
	code := m.Run()
	cilint.Remove()
	os.Exit(code)
}

// cilintDir is a folder holding a cilint built from this checkout (the
// component's own image runs it), built once for every test that needs it.
func cilintDir(t *testing.T) string {
	t.Helper()
	return filepath.Dir(cilint.Path(t, runner.RepoRoot(), "./linter/cmd/cilint", "cilint"))
}

func job(t *testing.T, res *lint.Result, name string) *load.Node {
	t.Helper()
	j := res.Pipeline.Job(name)
	if j == nil {
		var names []string
		for _, j := range res.Pipeline.Jobs {
			names = append(names, j.Name)
		}
		t.Fatalf("no job %q; jobs are %v", name, names)
	}
	return j.Node
}

// ciEnv is what GitLab predefines for a branch pipeline on the default
// branch.
func ciEnv(dir string) map[string]string {
	return map[string]string{
		"CI_PROJECT_DIR":       dir,
		"CI_PROJECT_URL":       "https://gitlab.example.com/agency/shop",
		"CI_COMMIT_SHA":        "0123456789abcdef0123456789abcdef01234567",
		"CI_COMMIT_BRANCH":     "main",
		"CI_COMMIT_REF_SLUG":   "main",
		"CI_DEFAULT_BRANCH":    "main",
		"CI_REGISTRY":          "registry.example.com",
		"CI_REGISTRY_USER":     "gitlab-ci-token",
		"CI_REGISTRY_PASSWORD": "registry-password-do-not-print",
		"CI_REGISTRY_IMAGE":    "registry.example.com/agency/shop",
		"CI_ENVIRONMENT_SLUG":  "review-feat-x-abc123",
		"CI_PIPELINE_SOURCE":   "push",
		"CI_JOB_TOKEN":         "job-token-do-not-print",
	}
}

// run runs a job's script the way a runner does: job variables expanded
// as GitLab expands them ($NAME and ${NAME} from the environment and the
// variables before them, $$ for a dollar, nothing else: no command
// substitution, no quotes) and exported as they are, then the script
// under `set -e`, with the fakes first on PATH. overrides are exported
// last.
func run(t *testing.T, j *load.Node, dir string, env, overrides map[string]string) (string, int) {
	t.Helper()
	fakes, _ := filepath.Abs("fakes")
	script := filepath.Join(t.TempDir(), "job.sh")
	if err := os.WriteFile(script, []byte(runner.JobScript(j, env, overrides)), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", script)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + fakes + ":" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "FAKE_LOG=" + filepath.Join(dir, "fake.log")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return runner.Output(t, cmd)
}

func fakeLog(t *testing.T, dir string) string {
	b, _ := os.ReadFile(filepath.Join(dir, "fake.log"))
	return string(b)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustContain(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s lacks %q:\n%s", what, sub, s)
		}
	}
}
