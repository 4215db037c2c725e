package components_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/tests/internal/runner"
)

// TestBuildahBuild runs buildah-build's script with the fake Buildah
// (fakes/buildah, Buildah v1.44.0's flags); the image test
// (tests/image) runs the same script with the real one.
func TestBuildahBuild(t *testing.T) {
	res := runner.Render(t, `stages: [build]
include:
  - component: gitlab.com/trustci/components/buildah-build@1.0.0
    inputs:
      dockerfile: docker/app.Dockerfile
      target: production
      build_args: |
        BUILD_ENVIRONMENT=production
        GIT_SHA=$CI_COMMIT_SHA
  - component: gitlab.com/trustci/components/buildah-build@1.0.0
    inputs:
      job_name: dry-build
      push: false
      cache: false
`)
	setup := func(t *testing.T) string {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "docker"), 0o755)
		os.WriteFile(filepath.Join(dir, "docker", "app.Dockerfile"), []byte("FROM scratch\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644)
		return dir
	}
	sha := "0123456789abcdef0123456789abcdef01234567"
	t.Run("default branch", func(t *testing.T) {
		dir := setup(t)
		out, code := run(t, job(t, res, "buildah-build"), dir, ciEnv(dir), nil)
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		log := fakeLog(t, dir)
		mustContain(t, "buildah calls", log,
			"buildah --storage-driver vfs build --isolation chroot --format docker --file "+filepath.Join(dir, "docker", "app.Dockerfile"),
			"--tag registry.example.com/agency/shop:"+sha+" --tag registry.example.com/agency/shop:main --tag registry.example.com/agency/shop:latest",
			"--target production",
			"--layers --cache-from registry.example.com/agency/shop/cache --cache-to registry.example.com/agency/shop/cache",
			"--build-arg BUILD_ENVIRONMENT=production", "--build-arg GIT_SHA="+sha,
			"--label org.opencontainers.image.source=https://gitlab.example.com/agency/shop",
			"--label org.opencontainers.image.revision="+sha,
			"--label org.opencontainers.image.created=",
			"buildah --storage-driver vfs push --digestfile "+filepath.Join(dir, "image-digest.txt")+" registry.example.com/agency/shop:latest")
		if !strings.HasSuffix(strings.SplitN(log, "\n", 2)[0], " "+dir+"/.") {
			t.Errorf("the context is the last argument of build:\n%s", log)
		}
		if n := strings.Count(log, "buildah --storage-driver vfs push"); n != 3 {
			t.Errorf("want one push per tag, got %d:\n%s", n, log)
		}
		digest := "sha256:" + strings.Repeat("0", 63) + "9"
		mustContain(t, "build.env", readFile(t, filepath.Join(dir, "build.env")),
			"IMAGE_REF=registry.example.com/agency/shop:"+sha+"\n",
			"IMAGE_DIGEST="+digest+"\n",
			"IMAGE_REF_DIGEST=registry.example.com/agency/shop@"+digest+"\n")
		if strings.Contains(out, "registry-password-do-not-print") || strings.Contains(log, "registry-password-do-not-print") {
			t.Error("the registry password is in the job log or on a command line")
		}
	})
	t.Run("tag pipeline", func(t *testing.T) {
		dir := setup(t)
		env := ciEnv(dir)
		delete(env, "CI_COMMIT_BRANCH")
		env["CI_COMMIT_TAG"], env["CI_COMMIT_REF_SLUG"] = "v1.2.0", "v1-2-0"
		if out, code := run(t, job(t, res, "buildah-build"), dir, env, nil); code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		log := fakeLog(t, dir)
		mustContain(t, "buildah calls", log, "--tag registry.example.com/agency/shop:v1.2.0")
		if strings.Contains(log, ":latest") || strings.Contains(log, ":v1-2-0") {
			t.Errorf("a tag pipeline tags the commit and the tag only:\n%s", log)
		}
	})
	t.Run("feature branch, no push", func(t *testing.T) {
		dir := setup(t)
		env := ciEnv(dir)
		env["CI_COMMIT_BRANCH"], env["CI_COMMIT_REF_SLUG"] = "feature/x", "feature-x"
		if out, code := run(t, job(t, res, "dry-build"), dir, env, nil); code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		log := fakeLog(t, dir)
		mustContain(t, "buildah calls", log, "shop:feature-x", "buildah --storage-driver vfs images --digests")
		if strings.Contains(log, ":latest") || strings.Contains(log, "--layers") || strings.Contains(log, " push ") {
			t.Errorf("latest only on the default branch, cache off, no push:\n%s", log)
		}
		mustContain(t, "build.env", readFile(t, filepath.Join(dir, "build.env")), "IMAGE_DIGEST=sha256:"+strings.Repeat("0", 63)+"8\n")
	})
}
