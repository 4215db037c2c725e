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
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/lint"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/report"
)

const catalogPrefix = "gitlab.com/trustci/components"

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// renderPipeline lints a consumer pipeline that includes catalog
// components from components/, and fails the test on any error finding.
func renderPipeline(t *testing.T, pipeline string) *lint.Result {
	t.Helper()
	res := lintPipeline(t, pipeline)
	if finding.HasErrors(res.Findings) {
		var b bytes.Buffer
		report.Text(&b, res.Findings, res.Sources(), report.TextOptions{})
		t.Fatalf("cilint finds errors in the rendered pipeline:\n%s", b.String())
	}
	if res.Pipeline == nil {
		t.Fatal("no pipeline")
	}
	return res
}

// lintPipeline lints a consumer pipeline against the local catalog, as
// written, whatever it finds.
func lintPipeline(t *testing.T, pipeline string) *lint.Result {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, ".gitlab-ci.yml")
	if err := os.WriteFile(path, []byte(pipeline), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := lint.New(lint.Options{Root: dir, ServerFQDN: "gitlab.com",
		Catalogs: map[string]string{catalogPrefix: filepath.Join(repoRoot(t), "components")}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.File(path)
	if err != nil {
		t.Fatal(err)
	}
	return res
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

// scriptOf is what the runner runs: before_script then script, one
// entry per line.
func scriptOf(j *load.Node) string {
	var lines []string
	var add func(n *load.Node)
	add = func(n *load.Node) {
		switch {
		case n == nil:
		case n.Kind == load.String:
			lines = append(lines, n.Text)
		case n.Kind == load.Seq:
			for _, it := range n.Items {
				add(it)
			}
		}
	}
	add(j.Get("before_script"))
	add(j.Get("script"))
	return strings.Join(lines, "\n")
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
	var b strings.Builder
	b.WriteString("set -e\n")
	known := map[string]string{}
	for k, v := range env {
		known[k] = v
	}
	if vars := j.Get("variables"); vars != nil {
		for _, p := range vars.Pairs {
			v := expandVariable(p.Value.Name(), known)
			known[p.Key.Name()] = v
			fmt.Fprintf(&b, "export %s=%s\n", p.Key.Name(), shellQuote(v))
		}
	}
	keys := make([]string, 0, len(overrides))
	for k := range overrides {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "export %s=%s\n", k, shellQuote(overrides[k]))
	}
	b.WriteString(scriptOf(j) + "\n")
	script := filepath.Join(t.TempDir(), "job.sh")
	os.WriteFile(script, []byte(b.String()), 0o755)
	cmd := exec.Command("sh", script)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + fakes + ":" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "FAKE_LOG=" + filepath.Join(dir, "fake.log")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

// expandVariable expands a variable's value the way GitLab's runner
// does: $NAME and ${NAME} are replaced (unknown ones by nothing), $$ is a
// dollar; everything else, $( and backquotes included, stays as written.
func expandVariable(v string, known map[string]string) string {
	return os.Expand(v, func(name string) string {
		if name == "$" {
			return "$"
		}
		return known[name]
	})
}

// shellQuote quotes s for sh so that it is taken as it is.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
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
