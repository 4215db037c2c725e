package lint

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/internal/corpus"
	"gitlab.com/trustci/cicd/linter/report"
)

var update = flag.Bool("update", false, "rewrite the expected .out files from the current output")

func newLinter(t testing.TB) *Linter {
	t.Helper()
	l, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// rootedLinter resolves include:local in dir.
func rootedLinter(t testing.TB, dir string) *Linter {
	t.Helper()
	l, err := New(Options{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestOK lints every file in testdata/ok: each is a pipeline GitLab runs,
// so cilint must report nothing at all.
func TestOK(t *testing.T) {
	l := rootedLinter(t, corpus.Dir("ok"))
	for _, f := range corpus.Files(t, "ok") {
		t.Run(f.Name, func(t *testing.T) {
			res := l.Source(f.Name, f.Src)
			if len(res.Findings) > 0 {
				var b bytes.Buffer
				report.Text(&b, res.Findings, report.Sources{f.Name: f.Src}, report.TextOptions{})
				t.Errorf("want no findings, got:\n%s", b.String())
			}
		})
	}
}

// TestErr lints every file in testdata/err and compares the one-line text
// report with the .out file beside it, exactly.
func TestErr(t *testing.T) {
	l := rootedLinter(t, corpus.Dir("err"))
	for _, f := range corpus.Files(t, "err") {
		t.Run(f.Name, func(t *testing.T) {
			res := l.Source(f.Name, f.Src)
			golden(t, strings.TrimSuffix(f.Path, ".yml")+".out", res, true)
		})
	}
}

// TestProjects lints testdata/projects/<name>/.gitlab-ci.yml with the
// project as the repository root, and compares with <name>.out (empty when
// the project must lint clean).
func TestProjects(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(corpus.Dir("projects"), "*", ".gitlab-ci.yml"))
	if len(dirs) == 0 {
		t.Fatal("no projects")
	}
	for _, main := range dirs {
		dir := filepath.Dir(main)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Chdir(dir)
			l, err := New(Options{Root: ".", ServerFQDN: "gitlab.example.com"})
			if err != nil {
				t.Fatal(err)
			}
			res, err := l.File(".gitlab-ci.yml")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, dir+".out", res, false)
		})
	}
}

// goldenFile rewrites path with got under -update (updated is then true),
// else returns what path holds; a missing file fails the test, naming the
// command that writes it.
func goldenFile(t *testing.T, path string, got []byte, writeWith string) (want []byte, updated bool) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return nil, true
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("missing %s (run %s): %v", filepath.Base(path), writeWith, err)
	}
	return want, false
}

// lintPipeline lints .gitlab-ci.yml in the working folder and returns the
// result and its one-line report, checking every finding's severity.
func lintPipeline(t *testing.T, opts Options) (*Result, string) {
	t.Helper()
	l, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.File(".gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	checkSeverities(t, res)
	var out bytes.Buffer
	report.Text(&out, res.Findings, nil, report.TextOptions{OneLine: true})
	return res, out.String()
}

// golden compares the one-line report with the file at outPath, or rewrites
// it with -update.
func golden(t *testing.T, outPath string, res *Result, mustFind bool) {
	t.Helper()
	checkSeverities(t, res)
	var got bytes.Buffer
	report.Text(&got, res.Findings, nil, report.TextOptions{OneLine: true})
	want, updated := goldenFile(t, outPath, got.Bytes(), "go test ./linter/lint -update")
	if updated {
		return
	}
	if got.String() != string(want) {
		t.Errorf("output differs from %s\n--- got\n%s--- want\n%s", filepath.Base(outPath), got.String(), want)
	}
	if mustFind && got.Len() == 0 {
		t.Errorf("an err case must produce findings")
	}
}
