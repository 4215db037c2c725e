package lint

import (
	"bytes"
	"flag"
	"os"
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

// TestOK lints every file in testdata/ok: each is a pipeline GitLab runs,
// so cilint must report nothing at all.
func TestOK(t *testing.T) {
	l := newLinter(t)
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
	l := newLinter(t)
	for _, f := range corpus.Files(t, "err") {
		t.Run(f.Name, func(t *testing.T) {
			res := l.Source(f.Name, f.Src)
			var got bytes.Buffer
			report.Text(&got, res.Findings, nil, report.TextOptions{OneLine: true})
			outPath := strings.TrimSuffix(f.Path, ".yml") + ".out"
			if *update {
				if err := os.WriteFile(outPath, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(outPath)
			if err != nil {
				t.Fatalf("missing expected output (run go test ./linter/lint -update): %v", err)
			}
			if got.String() != string(want) {
				t.Errorf("output differs from %s\n--- got\n%s--- want\n%s", outPath, got.String(), want)
			}
			if got.Len() == 0 {
				t.Errorf("an err case must produce findings")
			}
		})
	}
}
