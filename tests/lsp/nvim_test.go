// Package lsp_test runs cilint lsp under a real editor: Debian's Neovim,
// headless, with its built-in LSP client, on a copy of the example
// project.
package lsp_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gitlab.com/trustci/cicd/tests/internal/runner"
)

var cilint runner.Binary

func TestMain(m *testing.M) {
	code := m.Run()
	cilint.Remove()
	os.Exit(code)
}

func TestNeovim(t *testing.T) {
	nvim, err := exec.LookPath("nvim")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("nvim is not installed; .ci/run installs Debian's neovim")
		}
		t.Skip("nvim is not installed (apt-get install neovim)")
	}
	root := runner.RepoRoot()
	bin := cilint.Path(t, root, "./linter/cmd/cilint", "cilint")

	// The example project: its pipeline at the top of a folder (no git:
	// the folder is the repository root), the catalog and the settings
	// that point its components at it. One need is misspelt.
	dir := t.TempDir()
	runner.CopyTree(t, filepath.Join(root, "components"), filepath.Join(dir, "components"), nil)
	for _, f := range []string{".cilint.yml"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := os.ReadFile(filepath.Join(root, "examples/django/.gitlab-ci.yml"))
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(src), "- job: trivy-scan\n", "- job: trivy-scna\n", 1)
	if broken == string(src) {
		t.Fatal("the example pipeline no longer needs trivy-scan: update this test")
	}
	pipeline := filepath.Join(dir, ".gitlab-ci.yml")
	if err := os.WriteFile(pipeline, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(broken, "\n")
	// The needs are written under the deploy component's inputs, at
	// whatever indentation; the columns are those of the job names.
	misspelt, misspeltCol, hoverLine, hoverCol := 0, 0, 0, 0
	for i, l := range lines {
		if strings.TrimSpace(l) == "- job: trivy-scna" {
			misspelt, misspeltCol = i+1, strings.Index(l, "trivy-scna")+1
		}
		if strings.TrimSpace(l) == "- job: buildah-build" && hoverLine == 0 {
			hoverLine, hoverCol = i+1, strings.Index(l, "buildah-build")+3
		}
	}
	if misspelt == 0 || hoverLine == 0 {
		t.Fatal("the example pipeline has no `- job: trivy-scan` or `- job: buildah-build` line: update this test")
	}

	out := filepath.Join(t.TempDir(), "out")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nvim, "--headless", "--clean", "-n", "-c", "luafile "+filepath.Join(root, "tests/lsp/testdata/client.lua"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CILINT="+bin, "PIPELINE="+pipeline, "ROOT="+dir, "OUT="+out,
		"HOVER_LINE="+itoa(hoverLine), "HOVER_COL="+itoa(hoverCol), "XDG_STATE_HOME="+t.TempDir(), "XDG_DATA_HOME="+t.TempDir())
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nvim: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("the Lua script wrote nothing: %v", err)
	}
	got := string(b)
	t.Logf("Neovim saw:\n%s", got)
	wantDiag := "diagnostic " + itoa(misspelt) + ":" + itoa(misspeltCol) + " job `deploy-staging` needs `trivy-scna`, which is not a job of this pipeline; did you mean `trivy-scan`? [needs-unknown]"
	if !strings.Contains(got, wantDiag+"\n") {
		t.Errorf("no diagnostic line %q", wantDiag)
	}
	wantHover := "hover **job** `buildah-build`, defined at template.yml:"
	if !strings.Contains(got, wantHover) || !strings.Contains(got, "stage `build`") {
		t.Errorf("no hover text %q with the job's stage", wantHover)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
