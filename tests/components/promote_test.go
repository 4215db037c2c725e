package components_test

import (
	"archive/tar"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gitlab.com/trustci/cicd/tests/internal/runner"
)

// craneBin is the real crane (go-containerregistry), which .ci/run
// installs with go install at the version the component's image pins.
func craneBin(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("crane")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("crane is not installed (.ci/run installs it)")
		}
		t.Skip("crane is not installed: go install github.com/google/go-containerregistry/cmd/crane@v0.22.1")
	}
	return path
}

// localRegistry serves crane's own registry implementation on loopback
// until the test ends, and returns its host:port.
func localRegistry(t *testing.T, crane string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(crane, "registry", "serve", "--address", addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("crane registry serve did not listen on %s", addr)
	return ""
}

// pushImage pushes a one-layer image with the revision label, as a build
// component would, and returns its digest.
func pushImage(t *testing.T, crane, ref, revision, content string) string {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	tw.WriteHeader(&tar.Header{Name: "app.txt", Mode: 0o644, Size: int64(len(content))})
	tw.Write([]byte(content))
	tw.Close()
	layer := filepath.Join(t.TempDir(), "layer.tar")
	os.WriteFile(layer, b.Bytes(), 0o644)
	for _, args := range [][]string{
		{"append", "-f", layer, "-t", ref},
		{"mutate", ref, "--label", "org.opencontainers.image.revision=" + revision, "-t", ref},
	} {
		if out, err := exec.Command(crane, args...).CombinedOutput(); err != nil {
			t.Fatalf("crane %v: %v\n%s", args, err, out)
		}
	}
	return craneDigest(t, crane, ref)
}

func craneDigest(t *testing.T, crane, ref string) string {
	t.Helper()
	out, err := exec.Command(crane, "digest", ref).Output()
	if err != nil {
		t.Fatalf("crane digest %s: %v", ref, err)
	}
	return strings.TrimSpace(string(out))
}

// TestImagePromote runs image-promote's script with the real crane
// against a real registry (crane's own, on loopback): a tag pipeline adds
// the release tag to the digest the commit's pipeline pushed, rebuilding
// nothing, and hands that digest on; a missing or foreign source image is
// refused.
func TestImagePromote(t *testing.T) {
	crane := craneBin(t)
	registry := localRegistry(t, crane)
	res := runner.Render(t, `stages: [build]
include:
  - component: gitlab.com/trustci/components/image-promote@1.0.0
`)
	promote := job(t, res, "image-promote")
	sha := "0123456789abcdef0123456789abcdef01234567"
	repo := registry + "/agency/shop"
	tested := pushImage(t, crane, repo+":"+sha, sha, "tested on the default branch")
	env := func(dir string) map[string]string {
		e := ciEnv(dir)
		delete(e, "CI_COMMIT_BRANCH")
		e["CI_COMMIT_TAG"], e["CI_COMMIT_REF_SLUG"] = "v1.2.0", "v1-2-0"
		e["CI_REGISTRY"], e["CI_REGISTRY_IMAGE"] = registry, repo
		return e
	}
	// The fakes' directory is first on PATH; crane is the real one.
	path := map[string]string{"PATH": filepath.Dir(crane) + ":" + os.Getenv("PATH")}

	t.Run("promotes the tested digest", func(t *testing.T) {
		dir := t.TempDir()
		out, code := run(t, promote, dir, env(dir), path)
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		if got := craneDigest(t, crane, repo+":v1.2.0"); got != tested {
			t.Errorf("v1.2.0 is %s, want the tested %s", got, tested)
		}
		mustContain(t, "promote.env", readFile(t, filepath.Join(dir, "promote.env")),
			"IMAGE_REF="+repo+":v1.2.0\n", "IMAGE_DIGEST="+tested+"\n", "IMAGE_REF_DIGEST="+repo+"@"+tested+"\n")
		if strings.Contains(out, "registry-password-do-not-print") {
			t.Error("the registry password is in the job log")
		}
	})
	t.Run("no image for this commit", func(t *testing.T) {
		dir := t.TempDir()
		e := env(dir)
		e["CI_COMMIT_SHA"] = strings.Repeat("f", 40)
		out, code := run(t, promote, dir, e, path)
		if code == 0 || !strings.Contains(out, "the pipeline on this commit must build and push it") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
	})
	t.Run("source tag moved to another commit's build", func(t *testing.T) {
		other := strings.Repeat("e", 40)
		pushImage(t, crane, repo+":"+other, sha, "built from another commit")
		dir := t.TempDir()
		e := env(dir)
		e["CI_COMMIT_SHA"], e["CI_COMMIT_TAG"] = other, "v1.3.0"
		out, code := run(t, promote, dir, e, path)
		if code == 0 || !strings.Contains(out, "was not built from commit "+other) {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		if err := exec.Command(crane, "digest", repo+":v1.3.0").Run(); err == nil {
			t.Error("a refused image was tagged")
		}
	})
	t.Run("several tags", func(t *testing.T) {
		res := runner.Render(t, `stages: [build]
include:
  - component: gitlab.com/trustci/components/image-promote@1.0.0
    inputs:
      job_name: promote-stable
      tags: $CI_COMMIT_TAG stable
`)
		dir := t.TempDir()
		out, code := run(t, job(t, res, "promote-stable"), dir, env(dir), path)
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		for _, tag := range []string{"v1.2.0", "stable"} {
			if got := craneDigest(t, crane, fmt.Sprintf("%s:%s", repo, tag)); got != tested {
				t.Errorf("%s is %s, want %s", tag, got, tested)
			}
		}
	})
}

// TestExampleBuildsOncePromotesByDigest: in the example project a version
// tag's pipeline builds nothing and production deploys the digest
// image-promote hands on; staging and production each reach their
// cluster through their own agent, the one their environment names.
func TestExampleBuildsOncePromotesByDigest(t *testing.T) {
	root := runner.RepoRoot()
	bin := filepath.Join(cilintDir(t), "cilint")
	example := filepath.Join(root, "examples", "django", ".gitlab-ci.yml")
	cmd := exec.Command(bin, "jobs", "--offline", "--event", "tag", "--var", "CI_COMMIT_TAG=v1.4.0",
		"--catalog", runner.CatalogPrefix+"="+filepath.Join(root, "components"), example)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cilint jobs: %v\n%s", err, out)
	}
	runs := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) >= 3 {
			runs[f[1]] = f[2] == "yes"
		}
	}
	if runs["kaniko-build"] || !runs["image-promote"] || !runs["deploy-production"] {
		t.Errorf("a tag pipeline must promote, not build:\n%s", out)
	}
	src, _ := os.ReadFile(example)
	res := runner.Render(t, string(src))
	prod := job(t, res, "deploy-production")
	if n := prod.Get("needs"); n == nil || n.Items[0].Get("job").Text != "image-promote" || !n.Items[0].Get("artifacts").Bool {
		t.Errorf("production must deploy image-promote's digest: needs %v", n)
	}
	agents := map[string]bool{}
	for _, name := range []string{"deploy-staging", "deploy-production"} {
		j := job(t, res, name)
		agent := j.Get("environment").Get("kubernetes").Get("agent").Text
		if ctx := j.Get("variables").Get("KUBE_CONTEXT").Text; ctx != agent {
			t.Errorf("%s deploys through %s but its environment names the agent %s", name, ctx, agent)
		}
		agents[agent] = true
	}
	if len(agents) != 2 {
		t.Errorf("staging and production share an agent: %v", agents)
	}
}
