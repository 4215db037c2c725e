package repo

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// run runs git in dir and fails the test on an error.
func run(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", "-c", "protocol.file.allow=always"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func needGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("git is needed")
		}
		t.Skip("git not installed")
	}
}

// A repository in every layout git has: tags loose and packed, nested tag
// names, a worktree and a submodule (both with .git as a file).
func TestLayouts(t *testing.T) {
	needGit(t)
	base := t.TempDir()
	main := filepath.Join(base, "catalog")
	os.MkdirAll(filepath.Join(main, "templates"), 0o755)
	run(t, base, "init", "-q", main)
	os.WriteFile(filepath.Join(main, "templates", "a.yml"), []byte("a:\n  script: x\n"), 0o644)
	run(t, main, "add", ".")
	run(t, main, "commit", "-qm", "one")
	run(t, main, "tag", "1.0.0")
	run(t, main, "tag", "release/2.0.0")
	run(t, main, "pack-refs", "--all")
	run(t, main, "tag", "1.1.0") // loose, after packing
	run(t, main, "remote", "add", "origin", "git@gitlab.example.com:agency/catalog.git")

	wt := filepath.Join(base, "wt")
	run(t, main, "worktree", "add", "-q", wt)
	outer := filepath.Join(base, "outer")
	run(t, base, "init", "-q", outer)
	run(t, outer, "submodule", "add", "-q", main, "vendor/catalog")

	for _, dir := range []string{main, filepath.Join(main, "templates"), wt, filepath.Join(outer, "vendor", "catalog")} {
		r, err := Find(dir)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		if filepath.Base(r.Root) != filepath.Base(filepath.Clean(dir)) && dir != filepath.Join(main, "templates") {
			t.Errorf("%s: root %s", dir, r.Root)
		}
		if len(r.Head()) != 40 {
			t.Errorf("%s: head %q", dir, r.Head())
		}
		tags, err := r.Tags()
		if err != nil || !slices.Contains(tags, "1.0.0") || !slices.Contains(tags, "1.1.0") || (dir != filepath.Join(outer, "vendor", "catalog") && !slices.Contains(tags, "release/2.0.0")) {
			t.Errorf("%s: tags %v, %v", dir, tags, err)
		}
	}
	if r, _ := Find(wt); r.RemoteURL("origin") != "git@gitlab.example.com:agency/catalog.git" {
		t.Errorf("a worktree shares its repository's remotes: %q", r.RemoteURL("origin"))
	}
	// The submodule's own root, not the outer repository's.
	if r, _ := Find(filepath.Join(outer, "vendor", "catalog")); r.Root != filepath.Join(outer, "vendor", "catalog") {
		if real, _ := filepath.EvalSymlinks(filepath.Join(outer, "vendor", "catalog")); r.Root != real {
			t.Errorf("submodule root %s", r.Root)
		}
	}
	if _, err := Find(t.TempDir()); !errors.Is(err, ErrNotRepo) {
		t.Errorf("outside any repository: %v", err)
	}
}

func TestNoGit(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, err := Find("."); !errors.Is(err, ErrNoGit) {
		t.Errorf("without git: %v", err)
	}
}
