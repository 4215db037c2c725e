package lint

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/internal/corpus"
	"gitlab.com/trustci/cicd/linter/report"
)

// realworldDir is the shared corpus of public projects' CI files, kept
// beside the repository (its README says where each comes from). It is
// third-party test input: it is read from there and never copied into
// this repository.
func realworldDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "corpus", "realworld"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("real-world corpus missing in CI: %v", err)
		}
		t.Skipf("real-world corpus not present beside the repository: %v", err)
	}
	return dir
}

// TestRealWorld lints the CI files of public projects that GitLab runs
// every day, each offline from a git-initialised copy (so the repository
// root is found the way the CLI finds it). GitLab accepts every one of
// them, so an error is a false error: none is allowed. Every other
// finding is listed in testdata/realworld/<dir>.out, which a person has
// checked against GitLab's behaviour; a wrong warning is fixed, not listed.
func TestRealWorld(t *testing.T) {
	src := realworldDir(t)
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("git is needed to lint the corpus as a repository: %v", err)
		}
		t.Skipf("git not on PATH: %v", err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	if len(dirs) != 24 {
		t.Errorf("found %d corpus projects, want 24 (see its MANIFEST.tsv)", len(dirs))
	}
	expected := corpus.Dir("realworld")
	for _, name := range dirs {
		t.Run(name, func(t *testing.T) {
			tmp := t.TempDir()
			if err := copyTree(filepath.Join(src, name), tmp); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("git", "init", "-q", ".")
			cmd.Dir = tmp
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("git init: %v\n%s", err, out)
			}
			t.Chdir(tmp)
			l, err := New(Options{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := l.File(".gitlab-ci.yml")
			if err != nil {
				t.Fatal(err)
			}
			var errs []finding.Finding
			for _, f := range res.Findings {
				if f.Severity == finding.Error {
					errs = append(errs, f)
				}
			}
			if len(errs) > 0 {
				var b bytes.Buffer
				report.Text(&b, errs, nil, report.TextOptions{OneLine: true})
				t.Errorf("%d false errors on a pipeline GitLab runs:\n%s", len(errs), b.String())
			}
			golden(t, filepath.Join(expected, name+".out"), res, false)
		})
	}
}

// copyTree copies the regular files and folders under src into dst. The
// corpus holds nothing else; anything else is refused rather than
// followed.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(target, data, 0o644)
		default:
			return &fs.PathError{Op: "copy", Path: path, Err: fs.ErrInvalid}
		}
	})
}
