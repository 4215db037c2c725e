package lint

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"gitlab.com/trustci/cicd/linter/component"
	"gitlab.com/trustci/cicd/linter/report"
)

const secretText = "CI_SECRET_DO_NOT_PRINT=hunter2"

// hostileRepo is a repository a merge request could propose: links to a
// secret outside it (as /proc/self/environ would be) and a FIFO.
func hostileRepo(t *testing.T) (repo, outside string) {
	t.Helper()
	repo, outside = t.TempDir(), t.TempDir()
	secret := filepath.Join(outside, "environ")
	if err := os.WriteFile(secret, []byte(secretText+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return repo, secret
}

func lintText(t *testing.T, l *Linter, path string) string {
	t.Helper()
	res, err := l.File(path)
	if err != nil {
		return err.Error()
	}
	var b bytes.Buffer
	report.Text(&b, res.Findings, res.Sources(), report.TextOptions{})
	report.JSON(&b, res.Findings)
	return b.String()
}

func TestHostileFiles(t *testing.T) {
	t.Run(".cilint.yml linked out of the repository", func(t *testing.T) {
		repo, secret := hostileRepo(t)
		os.Symlink(secret, filepath.Join(repo, ".cilint.yml"))
		os.WriteFile(filepath.Join(repo, ".gitlab-ci.yml"), []byte("test:\n  script: pytest\n"), 0o644)
		l, _ := New(Options{Root: repo})
		out := lintText(t, l, filepath.Join(repo, ".gitlab-ci.yml"))
		if strings.Contains(out, "hunter2") {
			t.Fatalf("the linked file's content is shown:\n%s", out)
		}
		if !strings.Contains(out, "outside") {
			t.Errorf("want a finding saying the settings file is outside the repository:\n%s", out)
		}
	})
	t.Run("include:local of a link to a secret", func(t *testing.T) {
		repo, secret := hostileRepo(t)
		os.Symlink(secret, filepath.Join(repo, "env.yml"))
		os.Symlink("/proc/self/environ", filepath.Join(repo, "proc.yml"))
		os.WriteFile(filepath.Join(repo, ".gitlab-ci.yml"), []byte("include: [env.yml, proc.yml]\ntest:\n  script: pytest\n"), 0o644)
		l, _ := New(Options{Root: repo})
		out := lintText(t, l, filepath.Join(repo, ".gitlab-ci.yml"))
		if strings.Contains(out, "hunter2") || strings.Contains(out, "PATH=") {
			t.Fatalf("a linked file's content is shown:\n%s", out)
		}
		if strings.Count(out, "outside the repository") < 2 {
			t.Errorf("want both links refused:\n%s", out)
		}
	})
	t.Run("include:local of a FIFO", func(t *testing.T) {
		repo, _ := hostileRepo(t)
		if err := syscall.Mkfifo(filepath.Join(repo, "pipe.yml"), 0o644); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(repo, ".gitlab-ci.yml"), []byte("include: pipe.yml\ntest:\n  script: pytest\n"), 0o644)
		l, _ := New(Options{Root: repo})
		// Reading a FIFO would block for ever; the test ends only if it
		// is refused.
		out := lintText(t, l, filepath.Join(repo, ".gitlab-ci.yml"))
		if !strings.Contains(out, "not a regular file") {
			t.Errorf("want the FIFO refused:\n%s", out)
		}
	})
	t.Run("catalog template linked out of the catalog", func(t *testing.T) {
		repo, secret := hostileRepo(t)
		catalog := filepath.Join(repo, "catalog")
		os.MkdirAll(filepath.Join(catalog, "templates", "deploy"), 0o755)
		os.Symlink(secret, filepath.Join(catalog, "templates", "deploy", "template.yml"))
		os.WriteFile(filepath.Join(repo, ".gitlab-ci.yml"), []byte("include:\n  - component: gitlab.example.com/agency/catalog/deploy@1.0.0\ntest:\n  script: pytest\n"), 0o644)
		l, _ := New(Options{Root: repo, Catalogs: map[string]string{"gitlab.example.com/agency/catalog": catalog}})
		out := lintText(t, l, filepath.Join(repo, ".gitlab-ci.yml"))
		if strings.Contains(out, "hunter2") {
			t.Fatalf("the linked template's content is shown:\n%s", out)
		}
		if !strings.Contains(out, "outside") {
			t.Errorf("want the linked template refused:\n%s", out)
		}
	})
	t.Run("catalog docs never writes through a link", func(t *testing.T) {
		_, secret := hostileRepo(t)
		catalog := t.TempDir()
		dir := filepath.Join(catalog, "templates", "deploy")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "template.yml"), []byte("spec:\n  inputs:\n    env:\n      default: x\n---\ndeploy:\n  script: echo $[[ inputs.env ]]\n"), 0o644)
		os.Symlink(secret, filepath.Join(dir, "README.md"))
		if _, err := component.Docs(component.Local{Dir: catalog}, false); err == nil {
			t.Error("a linked README must be refused")
		}
		if b, _ := os.ReadFile(secret); string(b) != secretText+"\n" {
			t.Errorf("the link's target was written: %q", b)
		}
	})
}

// Twenty thousand jobs that extend one template of twenty thousand
// variables expand to 4 × 10^8 values: GitLab cannot build that, and
// every check would walk all of it. The jobs past the budget are not
// built, with an error saying so (the run takes a fraction of a second
// and about 100 MB; it took 85 s before).
func TestJobsExpansionBudget(t *testing.T) {
	var b strings.Builder
	b.WriteString(".big:\n  script: [echo]\n  variables:\n")
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&b, "    V%d: \"%d\"\n", i, i)
	}
	for j := 0; j < 20000; j++ {
		fmt.Fprintf(&b, "j%d: {extends: .big}\n", j)
	}
	l := newLinter(t)
	res := l.Source("wide.yml", []byte(b.String()))
	found := 0
	for _, f := range res.Findings {
		if f.Rule == "extends" && strings.Contains(f.Message, "the jobs expand to more than") {
			found++
		}
	}
	if found != 1 {
		t.Errorf("want one budget finding, got %d: %v", found, res.Findings)
	}
	if n := len(res.Pipeline.Jobs); n == 0 || n >= 20000 {
		t.Errorf("%d jobs built; want the ones within the budget", n)
	}
}
