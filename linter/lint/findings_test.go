package lint

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/internal/benchgen"
	"gitlab.com/trustci/cicd/linter/internal/corpus"
	"gitlab.com/trustci/cicd/linter/render"
	"gitlab.com/trustci/cicd/linter/report"
)

// TestFindingsUnchanged lints every pipeline under linter/testdata (each
// file on its own, the testdata folder as the repository) and the
// generated benchmark pipelines, and compares the findings and a digest of
// the rendered YAML and JSON with testdata/findings.golden. The golden
// tests check what each case means; this one guards the whole set against
// any change made for speed (indexes, concurrency, streaming), which must
// leave every byte as it was. Rewrite with -update only for a change of
// behaviour, and read the diff.
func TestFindingsUnchanged(t *testing.T) {
	root := corpus.Dir("")
	var paths []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".yml") || strings.HasSuffix(path, ".yaml")) {
			paths = append(paths, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	l := rootedLinter(t, root)
	var got bytes.Buffer
	for _, p := range paths {
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		writeFindings(t, &got, rel, root, l.Source(rel, src))
	}
	gen := benchLinter(t)
	for _, n := range []int{50, 500} {
		name := fmt.Sprintf("generated-%d.yml", n)
		writeFindings(t, &got, name, root, gen.Source(name, benchgen.Pipeline(n)))
	}
	for _, parts := range []int{1, 10} {
		dir := t.TempDir()
		files, err := benchgen.Project(dir, 200, parts)
		if err != nil {
			t.Fatal(err)
		}
		pl := rootedLinter(t, dir)
		res, err := pl.File(files[0])
		if err != nil {
			t.Fatal(err)
		}
		writeFindings(t, &got, fmt.Sprintf("generated-project-%d", parts), dir, res)
	}
	want, updated := goldenFile(t, filepath.Join(root, "findings.golden"), got.Bytes(), "go test ./linter/lint -run TestFindingsUnchanged -update")
	if updated {
		return
	}
	if got.String() != string(want) {
		gl, wl := strings.Split(got.String(), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("findings differ from findings.golden at line %d\n got: %s\nwant: %s", i+1, g, w)
			}
		}
	}
}

// writeFindings appends one pipeline's findings (one line each, with the
// root-relative file names the report prints, the root itself written as
// ROOT since it differs per checkout) and digests of its rendered
// configuration.
func writeFindings(t *testing.T, w *bytes.Buffer, name, root string, res *Result) {
	t.Helper()
	checkSeverities(t, res)
	fmt.Fprintf(w, "== %s\n", name)
	var b bytes.Buffer
	report.Text(&b, res.Findings, nil, report.TextOptions{OneLine: true})
	w.WriteString(strings.ReplaceAll(b.String(), root, "ROOT"))
	if res.Pipeline == nil || res.Pipeline.Config == nil {
		return
	}
	var y, j bytes.Buffer
	if err := render.YAML(&y, res.Pipeline.Config); err != nil {
		t.Fatalf("%s: render YAML: %v", name, err)
	}
	if err := render.JSON(&j, res.Pipeline.Config); err != nil {
		t.Fatalf("%s: render JSON: %v", name, err)
	}
	fmt.Fprintf(w, "render yaml %x json %x\n", sha256.Sum256(y.Bytes()), sha256.Sum256(j.Bytes()))
}

// TestShellcheckFindingsUnchanged runs ShellCheck over the script cases
// and a pipeline of many jobs sharing a few script texts (each text
// checked once, in batches run at the same time), and compares with
// testdata/shellcheck.golden: the findings must not depend on batching,
// on which process ends first, or on deduplication.
func TestShellcheckFindingsUnchanged(t *testing.T) {
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Skip("shellcheck not on PATH")
	}
	root := corpus.Dir("")
	l, err := New(Options{Root: root, Shellcheck: true})
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	paths, _ := filepath.Glob(filepath.Join(root, "err", "script-*.yml"))
	for _, p := range paths {
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		writeFindings(t, &got, rel, root, l.Source(rel, src))
	}
	var b strings.Builder
	texts := []string{`echo $SHARD`, `cd $DIR && ls`, `[ $A == 1 ] && echo ok`, `for f in $(ls *.txt); do cat $f; done`}
	for i := range 120 {
		fmt.Fprintf(&b, "job-%d:\n  script:\n    - |\n      %s\n    - echo %d $X\n", i, texts[i%len(texts)], i%7)
	}
	writeFindings(t, &got, "shared-scripts.yml", root, l.Source("shared-scripts.yml", []byte(b.String())))
	want, updated := goldenFile(t, filepath.Join(root, "shellcheck.golden"), got.Bytes(), "go test ./linter/lint -run TestShellcheckFindingsUnchanged -update")
	if updated {
		return
	}
	if got.String() != string(want) {
		t.Errorf("ShellCheck findings differ from shellcheck.golden\n--- got\n%s--- want\n%s", got.String(), want)
	}
}
