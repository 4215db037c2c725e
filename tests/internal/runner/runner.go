// Package runner is what the catalog's tests need of GitLab and its
// runner: a consumer pipeline rendered through cilint against the local
// catalog, and a job's script run the way a runner runs it (variables
// expanded as GitLab expands them, then exported as they are). Both
// tests/components and tests/image use it, so the two cannot drift.
package runner

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/lint"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/report"
)

// CatalogPrefix is where consumer pipelines in the tests find the catalog.
const CatalogPrefix = "gitlab.com/trustci/components"

// RepoRoot is this repository's root, found from this file.
func RepoRoot() string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(here), "..", "..", "..")
}

// Lint lints a consumer pipeline against the local catalog, as written,
// whatever it finds.
func Lint(t testing.TB, pipeline string) *lint.Result {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, ".gitlab-ci.yml")
	if err := os.WriteFile(path, []byte(pipeline), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := lint.New(lint.Options{Root: dir, ServerFQDN: "gitlab.com",
		Catalogs: map[string]string{CatalogPrefix: filepath.Join(RepoRoot(), "components")}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.File(path)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Render is Lint for a pipeline that must have no error.
func Render(t testing.TB, pipeline string) *lint.Result {
	t.Helper()
	res := Lint(t, pipeline)
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

// ScriptOf is what the runner runs: before_script then script, one entry
// per line.
func ScriptOf(j *load.Node) string {
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

// JobScript is the shell text a runner runs for j: `set -e`, the job's
// variables expanded as GitLab expands them and exported as they are,
// then overrides (exported last, in name order), then ScriptOf.
func JobScript(j *load.Node, env, overrides map[string]string) string {
	var b strings.Builder
	b.WriteString("set -e\n")
	known := map[string]string{}
	for k, v := range env {
		known[k] = v
	}
	if vars := j.Get("variables"); vars != nil {
		for _, p := range vars.Pairs {
			v := ExpandVariable(p.Value.Name(), known)
			known[p.Key.Name()] = v
			fmt.Fprintf(&b, "export %s=%s\n", p.Key.Name(), ShellQuote(v))
		}
	}
	keys := make([]string, 0, len(overrides))
	for k := range overrides {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "export %s=%s\n", k, ShellQuote(overrides[k]))
	}
	b.WriteString(ScriptOf(j) + "\n")
	return b.String()
}

// ExpandVariable expands a variable's value the way GitLab's runner does:
// $NAME and ${NAME} are replaced (unknown ones by nothing), $$ is a
// dollar; everything else, $( and backquotes included, stays as written.
func ExpandVariable(v string, known map[string]string) string {
	return os.Expand(v, func(name string) string {
		if name == "$" {
			return "$"
		}
		return known[name]
	})
}

// ShellQuote quotes s for sh so that it is taken as it is.
func ShellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Output runs cmd and returns what it printed (stdout and stderr) and its
// exit status; failing to start it fails the test.
func Output(t testing.TB, cmd *exec.Cmd) (string, int) {
	t.Helper()
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}
