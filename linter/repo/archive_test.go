package repo

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Extract writes a revision's files as they were there, nested folders
// too, and refuses what is not a revision.
func TestExtract(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	run(t, dir, "init", "-q")
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(".gitlab-ci.yml", "include: ci/a.yml\n")
	write("ci/a.yml", "old: {script: x}\n")
	run(t, dir, "add", ".")
	run(t, dir, "commit", "-qm", "one")
	run(t, dir, "tag", "v1")
	write("ci/a.yml", "new: {script: x}\n")
	write("ci/b.yml", "b: {script: x}\n")
	run(t, dir, "add", ".")
	run(t, dir, "commit", "-qm", "two")

	r := Repo{Root: dir}
	for _, tt := range []struct {
		rev, a string
		b      bool
	}{
		{"v1", "old: {script: x}\n", false},
		{"HEAD~1", "old: {script: x}\n", false},
		{"HEAD", "new: {script: x}\n", true},
	} {
		dest := t.TempDir()
		if err := r.Extract(tt.rev, dest); err != nil {
			t.Fatalf("%s: %v", tt.rev, err)
		}
		got, err := os.ReadFile(filepath.Join(dest, "ci", "a.yml"))
		if err != nil || string(got) != tt.a {
			t.Errorf("%s: ci/a.yml = %q, %v", tt.rev, got, err)
		}
		if _, err := os.Stat(filepath.Join(dest, "ci", "b.yml")); (err == nil) != tt.b {
			t.Errorf("%s: ci/b.yml there: %v", tt.rev, err == nil)
		}
	}
	for _, bad := range []string{"no-such-ref", "--output=x.tar"} {
		if err := r.Extract(bad, t.TempDir()); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

// ExtractDir writes only the folder asked for, and refuses a revision whose
// files are over the budget instead of writing it in part.
func TestExtractDir(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	run(t, dir, "init", "-q")
	for name, content := range map[string]string{
		"catalog/templates/a.yml": "spec: {}\n---\na: {script: x}\n",
		"catalog/README.md":       "# a\n",
		"other/b.yml":             "b: {script: x}\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(t, dir, "add", ".")
	run(t, dir, "commit", "-qm", "one")
	r := Repo{Root: dir}
	size := int64(len("spec: {}\n---\na: {script: x}\n") + len("# a\n"))
	for _, tt := range []struct {
		name    string
		dir     string
		budget  int64
		want    []string // files written
		absent  []string
		wantErr string
	}{
		{"folder only", "catalog", 0, []string{"catalog/templates/a.yml", "catalog/README.md"}, []string{"other/b.yml"}, ""},
		{"whole tree", ".", 0, []string{"catalog/README.md", "other/b.yml"}, nil, ""},
		{"budget met exactly", "catalog", size, []string{"catalog/templates/a.yml"}, nil, ""},
		{"over budget", "catalog", size - 1, nil, nil, "over"},
		{"no such folder", "nothing", 0, nil, nil, "nothing"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dest := t.TempDir()
			err := r.ExtractDir(context.Background(), "HEAD", tt.dir, dest, tt.budget)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range tt.want {
				if _, err := os.Stat(filepath.Join(dest, filepath.FromSlash(f))); err != nil {
					t.Errorf("%s not written: %v", f, err)
				}
			}
			for _, f := range tt.absent {
				if _, err := os.Stat(filepath.Join(dest, filepath.FromSlash(f))); err == nil {
					t.Errorf("%s written, outside %s", f, tt.dir)
				}
			}
		})
	}
}
