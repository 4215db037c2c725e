// Package image_test builds, pushes and runs the example's image for real
// (issue 13): buildah-build's and buildkit-build's scripts, rendered by
// cilint as GitLab renders them, run with the real Buildah and the real
// BuildKit against a local TLS registry with a password; the test then
// reads what was pushed from the registry's API and runs the pushed image
// with Podman against PostgreSQL.
//
// It needs what `make image-test` sets up: scripts/base-image (a Debian
// base image, as no public registry is reachable), scripts/with-registry
// and scripts/with-postgres. Run alone, it skips.
package image_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"gitlab.com/trustci/cicd/tests/internal/runner"
)

const (
	commitSHA  = "5e1f0c3a9b7d2e4f6a8c0b1d3e5f7a9c2b4d6e8f"
	projectURL = "https://gitlab.example.com/agency/shop"
	repoPath   = "agency/shop"
)

// setup is what make image-test hands the test.
type setup struct {
	registry, user, password, ca, caBundle, certDir, databaseURL, baseImage string
}

func environment(t *testing.T) setup {
	t.Helper()
	s := setup{
		registry: os.Getenv("REGISTRY"), user: os.Getenv("REGISTRY_USER"), password: os.Getenv("REGISTRY_PASSWORD"),
		ca: os.Getenv("REGISTRY_CA"), caBundle: os.Getenv("REGISTRY_CA_BUNDLE"), certDir: os.Getenv("REGISTRY_CERT_DIR"),
		databaseURL: os.Getenv("DATABASE_URL"), baseImage: os.Getenv("BASE_IMAGE"),
	}
	if s.registry == "" || s.databaseURL == "" || s.baseImage == "" {
		t.Skip("needs the registry, PostgreSQL and base image that `make image-test` sets up")
	}
	for _, tool := range []string{"buildah", "podman", "runc"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is needed in CI (.ci/run installs it)", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	return s
}

// step runs f and logs how long it took.

// builder is one build component run for real.
type builder struct {
	component string
	inputs    string            // YAML lines under inputs:, indented six spaces
	env       map[string]string // what this machine needs for the tool
	repo      string            // repository under the registry
	cacheRepo string            // repository the cache goes to, or ""
}

func TestBuildahBuildPushesARunnableImage(t *testing.T) {
	env := environment(t)
	root := runner.RepoRoot()
	base := pushBase(t, env, false)
	work := t.TempDir()
	// A fresh vfs store, as in a new job container; containers.conf for
	// the CA bundle and ulimits these machines need.
	storageConf := filepath.Join(work, "storage.conf")
	os.WriteFile(storageConf, []byte(fmt.Sprintf("[storage]\ndriver = \"vfs\"\ngraphroot = %q\nrunroot = %q\n",
		filepath.Join(work, "storage"), filepath.Join(work, "run"))), 0o644)
	dotenv := buildAndRun(t, env, builder{
		component: "buildah-build",
		// The cache is off here: with the vfs driver, --layers commits a
		// full copy of the root filesystem at every instruction (measured
		// on 2 cores: 237 s with the cache, 47 s without).
		// tests/components checks the cache flags.
		inputs: fmt.Sprintf("      cache: false\n      build_args: |\n        BASE_IMAGE=%s\n        CI_COMMIT_SHA=$CI_COMMIT_SHA\n", base),
		env: map[string]string{"CONTAINERS_STORAGE_CONF": storageConf,
			"CONTAINERS_CONF": filepath.Join(root, "scripts", "containers.conf")},
		repo: repoPath,
	})
	scanWithTrivy(t, env, dotenv)
}

// scanWithTrivy runs trivy-scan's script, as the next job of the
// pipeline, on what buildah-build pushed: the real Trivy, built from
// source (make image-test), with the scanners that need no vulnerability
// database (secrets; the SBOM lists packages without one), and its
// misconfiguration scan of the example's Dockerfile and chart with the
// checks compiled into Trivy. The database download is the one faked
// step (testdata/trivy). Both reports must validate against their
// formats' published schemas (schema_test.go).
func scanWithTrivy(t *testing.T, env setup, dotenv map[string]string) {
	real := os.Getenv("TRIVY_BIN")
	if real == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("TRIVY_BIN is not set: make image-test builds Trivy")
		}
		t.Log("TRIVY_BIN is not set: trivy-scan not run (make image-test builds Trivy)")
		return
	}
	// The chart requires existingSecret: without it Trivy could not render
	// it and would skip it.
	res := runner.Render(t, fmt.Sprintf("stages: [build, scan]\ninclude:\n  - component: %s/buildah-build@1.0.0\n  - component: %s/trivy-scan@1.0.0\n    inputs:\n      stage: scan\n      build_job: buildah-build\n      fail_on: CRITICAL\n      helm_set: existingSecret=shop-env\n", runner.CatalogPrefix, runner.CatalogPrefix))
	j := res.Pipeline.Job("trivy-scan")
	if j == nil {
		t.Fatal("no trivy-scan job")
	}
	shim, _ := filepath.Abs(filepath.Join("testdata", "trivy"))
	bin := t.TempDir()
	if err := os.Symlink(shim, filepath.Join(bin, "trivy")); err != nil {
		t.Fatal(err)
	}
	// The job's checkout: the example project, whose Dockerfile the
	// misconfiguration scan reads, as a project that keeps its own chart
	// in chart/ (the catalog's django-app, which the example installs from
	// the catalog's Helm registry instead).
	project := t.TempDir()
	copyProject(t, filepath.Join(runner.RepoRoot(), "examples", "django"), project)
	copyProject(t, filepath.Join(runner.RepoRoot(), "components", "charts", "django-app"), filepath.Join(project, "chart"))
	jobEnv := map[string]string{
		"CI_PROJECT_DIR": project, "CI_COMMIT_SHA": commitSHA, "CI_REGISTRY": env.registry,
		"CI_REGISTRY_IMAGE": env.registry + "/" + repoPath, "CI_REGISTRY_USER": env.user, "CI_REGISTRY_PASSWORD": env.password,
		"IMAGE_REF_DIGEST": dotenv["IMAGE_REF_DIGEST"], "IMAGE_DIGEST": dotenv["IMAGE_DIGEST"], "IMAGE_REF": dotenv["IMAGE_REF"],
		"HOME": t.TempDir(), "PATH": bin + ":" + os.Getenv("PATH"), "SSL_CERT_FILE": env.caBundle,
		"TRIVY_REAL": filepath.Join(real, "trivy"), "TRIVY_CONTRIB": filepath.Join(real, "contrib"), "TRIVY_SCANNERS": "secret",
	}
	var out string
	runner.Step(t, "trivy-scan script (real)", func() {
		var code int
		out, code = runner.RunJob(t, j.Node, project, jobEnv, nil)
		if code != 0 {
			t.Fatalf("trivy-scan exits %d:\n%s", code, out)
		}
	})
	if strings.Contains(out, env.password) {
		t.Error("the registry password is in the scan's log")
	}
	// The misconfiguration scan ran offline on the Dockerfile and on the
	// rendered chart (the table lists only fail_on's severities: the
	// example's Dockerfile passes the checks, the chart's Deployment has
	// findings below CRITICAL).
	for _, want := range []string{"Falling back to embedded checks", "│ Dockerfile ", "│ chart/templates/deployment.yaml "} {
		if !strings.Contains(out, want) {
			t.Errorf("trivy config's output lacks %q: the misconfiguration scan did not run on the Dockerfile and the chart", want)
		}
	}
	// And the checks it falls back to are there: the same offline scan
	// finds a root USER in a Dockerfile.
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "Dockerfile"), []byte("FROM debian:12\nUSER root\n"), 0o644)
	cmd := exec.Command(filepath.Join(real, "trivy"), "config", "--skip-check-update", "--quiet", "--format", "json", bad)
	cmd.Env = append(os.Environ(), "TRIVY_CACHE_DIR="+t.TempDir(), "HOME="+t.TempDir())
	if found, code := runner.Output(t, cmd); code != 0 || !strings.Contains(found, `"DS-0002"`) {
		t.Errorf("trivy config --skip-check-update does not find a root USER (exit %d):\n%.2000s", code, found)
	}
	for _, unwanted := range []string{"Skipping chart", "checks bundle"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("trivy config's output has %q", unwanted)
		}
	}
	if lines := strings.Split(out, "\n"); len(lines) > 60 {
		out = strings.Join(lines[:60], "\n") + "\n..."
	}
	t.Logf("trivy-scan's log:\n%s", out)
	// Both reports against their formats' schemas, of the versions they
	// declare.
	for _, r := range []struct {
		file     string
		validate func([]byte) error
	}{
		{"gl-container-scanning-report.json", validateGitLabReport},
		{"gl-sbom-report.cdx.json", validateCycloneDX},
	} {
		raw, err := os.ReadFile(filepath.Join(project, r.file))
		if err != nil {
			t.Fatal(err)
		}
		if err := r.validate(raw); err != nil {
			msg := fmt.Sprintf("%#v", err)
			if len(msg) > 4000 {
				msg = msg[:4000] + "..."
			}
			t.Errorf("%s breaks its schema:\n%s", r.file, msg)
		}
	}
	// GitLab's CycloneDX parser takes specVersion 1.4 to 1.6 only
	// (lib/gitlab/ci/parsers/sbom/validators/cyclonedx_schema_validator.rb,
	// as read; DECISIONS.md), and Trivy 0.74 writes 1.7: whether the SBOM
	// would also be a valid 1.6 document is recorded for that decision.
	if raw, err := os.ReadFile(filepath.Join(project, "gl-sbom-report.cdx.json")); err == nil {
		relabelled := strings.Replace(strings.Replace(string(raw), `"specVersion": "1.7"`, `"specVersion": "1.6"`, 1), "bom-1.7.schema.json", "bom-1.6.schema.json", 1)
		if err := validateCycloneDX([]byte(relabelled)); err != nil {
			t.Logf("the SBOM relabelled as CycloneDX 1.6 does not validate against 1.6: %.2000s", err.Error())
		} else {
			t.Logf("the SBOM relabelled as CycloneDX 1.6 validates against 1.6")
		}
	}
	// The container-scanning report, as GitLab reads it: the facts of its
	// report format that Trivy's gitlab.tpl declares (version 15).
	var report struct {
		Version         string
		Vulnerabilities []json.RawMessage
		Scan            struct {
			Type, Status      string
			Analyzer, Scanner struct{ ID, Version string }
		}
	}
	raw, err := os.ReadFile(filepath.Join(project, "gl-container-scanning-report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &report); err != nil {
		t.Fatalf("gl-container-scanning-report.json is not JSON: %v\n%s", err, raw)
	}
	if !strings.HasPrefix(report.Version, "15.") || report.Vulnerabilities == nil || report.Scan.Scanner.ID != "trivy" ||
		report.Scan.Status != "success" || report.Scan.Scanner.Version != strings.TrimPrefix(filepath.Base(real), "trivy-v") {
		t.Errorf("container-scanning report: %s", raw)
	}
	// The SBOM lists what the image holds: the example's pinned Django.
	var bom struct {
		BOMFormat, SpecVersion string
		Components             []struct{ Name, Version, Purl string }
	}
	raw, err = os.ReadFile(filepath.Join(project, "gl-sbom-report.cdx.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &bom); err != nil {
		t.Fatal(err)
	}
	django := false
	for _, c := range bom.Components {
		if c.Purl == "pkg:pypi/django@5.2.8" {
			django = true
		}
	}
	if bom.BOMFormat != "CycloneDX" || !strings.HasPrefix(bom.SpecVersion, "1.") || !django {
		t.Errorf("the CycloneDX SBOM must list Django 5.2.8 (format %s %s, %d components)", bom.BOMFormat, bom.SpecVersion, len(bom.Components))
	}
}

// TestBuildkitBuildPushesARunnableImage runs buildkit-build's script with
// BuildKit's own buildctl-daemonless.sh, buildkitd and buildctl built
// from source at the default image's version (scripts/buildkit-tools),
// on Debian's runc.
func TestBuildkitBuildPushesARunnableImage(t *testing.T) {
	env := environment(t)
	bin := os.Getenv("BUILDKIT_BIN")
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("BUILDKIT_BIN is not set: make image-test builds BuildKit")
		}
		t.Skip("BUILDKIT_BIN is not set (make image-test builds BuildKit)")
	}
	runc, _ := exec.LookPath("runc")
	// BuildKit cannot mount a host file into RUN steps without a change
	// to the Dockerfile, so its base image carries this machine's CA
	// bundle (the proxy that inspects TLS here).
	base := pushBase(t, env, true)
	state := t.TempDir()
	// buildkitd speaks plain HTTP to 127.0.0.1 unless told otherwise; the
	// registry is HTTPS with the test's CA, as GitLab's is HTTPS.
	config := filepath.Join(state, "buildkitd.toml")
	os.WriteFile(config, []byte(fmt.Sprintf("[registry.%q]\n  http = false\n  ca = [%q]\n", env.registry, env.ca)), 0o644)
	buildAndRun(t, env, builder{
		component: "buildkit-build",
		inputs:    fmt.Sprintf("      image_name: $CI_REGISTRY_IMAGE/bk\n      cache_repo: $CI_REGISTRY_IMAGE/bk/cache\n      build_args: |\n        BASE_IMAGE=%s\n        CI_COMMIT_SHA=$CI_COMMIT_SHA\n", base),
		env: map[string]string{
			"PATH": bin + ":" + os.Getenv("PATH"),
			// buildctl-daemonless.sh starts $BUILDKITD: its state in a
			// directory of the test's, RUN steps on Debian's runc. In the
			// rootless image, buildkitd runs in rootlesskit's user
			// namespace and so in rootless mode, which the component's
			// --oci-worker-no-process-sandbox requires; the test runs as
			// root, so it says --rootless.
			"BUILDKITD": fmt.Sprintf("buildkitd --rootless --config %s --root %s --oci-worker-binary %s", config, filepath.Join(state, "root"), runc),
		},
		repo:      repoPath + "/bk",
		cacheRepo: repoPath + "/bk/cache",
	})
}

// pushBase pushes the base image (make image-test's BASE_IMAGE) to the
// registry, where a job finds its base images; withCA adds this machine's
// CA bundle to it first.
func pushBase(t *testing.T, env setup, withCA bool) string {
	podman := filepath.Join(runner.RepoRoot(), "scripts", "podman")
	local := env.baseImage
	tag := local[strings.LastIndex(local, ":")+1:]
	if withCA {
		ctx := t.TempDir()
		bundle, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(ctx, "ca-certificates.crt"), bundle, 0o644)
		os.WriteFile(filepath.Join(ctx, "Dockerfile"), []byte("ARG BASE\nFROM $BASE\nCOPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt\n"), 0o644)
		tag += "-ca"
		local = "localhost/trustci-base:" + tag
		runner.Step(t, "base image with the CA", func() {
			runCmd(t, nil, podman, "build", "--quiet", "--format", "docker", "--build-arg", "BASE="+env.baseImage, "--tag", local, ctx)
		})
		t.Cleanup(func() { exec.Command(podman, "rmi", local).Run() })
	}
	ref := env.registry + "/mirror/debian-python:" + tag
	runner.Step(t, "push base image", func() {
		runCmd(t, nil, podman, "push", "--quiet", "--cert-dir", env.certDir, "--creds", env.user+":"+env.password, local, "docker://"+ref)
	})
	return ref
}

// buildAndRun renders the component, runs its script for real, checks
// what the registry holds and runs the pushed image.
func buildAndRun(t *testing.T, env setup, b builder) map[string]string {
	reg := newRegistryClient(t, env)
	started := time.Now().UTC().Add(-time.Minute)
	root := runner.RepoRoot()
	podman := filepath.Join(root, "scripts", "podman")

	// The consumer project: the example, at its own root.
	project := t.TempDir()
	copyProject(t, filepath.Join(root, "examples", "django"), project)
	res := runner.Render(t, fmt.Sprintf("stages: [build]\ninclude:\n  - component: %s/%s@1.0.0\n    inputs:\n%s", runner.CatalogPrefix, b.component, b.inputs))
	j := res.Pipeline.Job(b.component)
	if j == nil {
		t.Fatalf("no %s job", b.component)
	}

	// The job's environment: what GitLab predefines on the default branch,
	// the registry's credentials, the test CA for the builder's TLS, and
	// what this machine needs for the tool.
	jobEnv := map[string]string{
		"CI_PROJECT_DIR": project, "CI_PROJECT_URL": projectURL, "CI_COMMIT_SHA": commitSHA,
		"CI_COMMIT_BRANCH": "main", "CI_COMMIT_REF_SLUG": "main", "CI_DEFAULT_BRANCH": "main",
		"CI_PIPELINE_SOURCE": "push", "CI_REGISTRY": env.registry, "CI_REGISTRY_IMAGE": env.registry + "/" + repoPath,
		"CI_REGISTRY_USER": env.user, "CI_REGISTRY_PASSWORD": env.password,
		"HOME": filepath.Join(t.TempDir(), "home"), "PATH": os.Getenv("PATH"),
		"SSL_CERT_FILE": env.caBundle,
	}
	for k, v := range b.env {
		jobEnv[k] = v
	}
	os.MkdirAll(jobEnv["HOME"], 0o755)
	var out string
	runner.Step(t, b.component+" script (real)", func() {
		var code int
		out, code = runner.RunJob(t, j.Node, project, jobEnv, nil)
		if code != 0 {
			t.Fatalf("%s exits %d:\n%s", b.component, code, out)
		}
	})
	if strings.Contains(out, env.password) {
		t.Error("the registry password is in the job log")
	}

	// What build.env says is what the registry holds, under every tag the
	// component's rules give a default-branch pipeline, and no other.
	dotenv := runner.ReadDotenv(t, filepath.Join(project, "build.env"))
	digest := dotenv["IMAGE_DIGEST"]
	image := env.registry + "/" + b.repo
	if !regexp.MustCompile(`^sha256:[0-9a-f]{64}$`).MatchString(digest) {
		t.Fatalf("IMAGE_DIGEST %q", digest)
	}
	if dotenv["IMAGE_REF"] != image+":"+commitSHA || dotenv["IMAGE_REF_DIGEST"] != image+"@"+digest {
		t.Errorf("build.env: %v", dotenv)
	}
	wantTags := []string{commitSHA, "latest", "main"}
	if got := reg.tags(b.repo); strings.Join(got, " ") != strings.Join(wantTags, " ") {
		t.Errorf("tags pushed: %v, want %v", got, wantTags)
	}
	for _, tag := range wantTags {
		if d := reg.digest(b.repo, tag); d != digest {
			t.Errorf("tag %s: the registry's Docker-Content-Digest is %s, build.env says %s", tag, d, digest)
		}
	}
	if b.cacheRepo != "" && len(reg.tags(b.cacheRepo)) == 0 {
		t.Errorf("the cache is on, yet nothing was pushed to %s", b.cacheRepo)
	}

	// The image's configuration: labels, user, healthcheck, command.
	manifest := reg.manifest(b.repo, digest)
	config := reg.blob(b.repo, manifest.Config.Digest)
	if bytes.Contains(config, []byte(env.password)) {
		t.Error("the registry password is in the image's configuration or history")
	}
	var cfg struct {
		Config struct {
			User        string
			Labels      map[string]string
			Cmd         []string
			Env         []string
			Healthcheck *struct{ Test []string }
		} `json:"config"`
	}
	if err := json.Unmarshal(config, &cfg); err != nil {
		t.Fatal(err)
	}
	labels := cfg.Config.Labels
	if labels["org.opencontainers.image.source"] != projectURL || labels["org.opencontainers.image.revision"] != commitSHA ||
		labels["org.opencontainers.image.title"] != "project-status-board" {
		t.Errorf("OCI labels: %v", labels)
	}
	if created, err := time.Parse(time.RFC3339, labels["org.opencontainers.image.created"]); err != nil || created.Before(started) || created.After(time.Now().Add(time.Minute)) {
		t.Errorf("org.opencontainers.image.created = %q: not this build's time (%v)", labels["org.opencontainers.image.created"], err)
	}
	if cfg.Config.User != "10001" {
		t.Errorf("the image runs as %q, want the unprivileged user 10001", cfg.Config.User)
	}
	if cfg.Config.Healthcheck == nil || !strings.Contains(strings.Join(cfg.Config.Healthcheck.Test, " "), "/healthz") {
		t.Errorf("the HEALTHCHECK is lost: %+v", cfg.Config.Healthcheck)
	}
	if len(cfg.Config.Cmd) == 0 || cfg.Config.Cmd[0] != "gunicorn" {
		t.Errorf("CMD %v", cfg.Config.Cmd)
	}
	runImage(t, env, podman, dotenv["IMAGE_REF_DIGEST"])
	return dotenv
}

// runImage pulls the pushed image into a store of its own and runs it as
// the chart does (read-only root filesystem, a writable /tmp, no
// capabilities): migrations, then the web server.
func runImage(t *testing.T, env setup, podman, ref string) {
	store := t.TempDir()
	// Podman wants a runroot of at most 50 characters.
	runroot, err := os.MkdirTemp("", "it-run")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(runroot) })
	p := func(args ...string) []string {
		return append([]string{"--root", filepath.Join(store, "root"), "--runroot", runroot, "--storage-driver", "vfs"}, args...)
	}
	authFile := filepath.Join(store, "auth.json")
	os.WriteFile(authFile, []byte(fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, env.registry, runner.Base64(env.user+":"+env.password))), 0o600)
	runner.Step(t, "podman pull", func() {
		runCmd(t, nil, podman, p("pull", "--quiet", "--cert-dir", env.certDir, "--authfile", authFile, ref)...)
	})
	key := make([]byte, 24)
	rand.Read(key)
	secretKey := "image-test-" + hex.EncodeToString(key)
	hardening := []string{"--network", "host", "--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
		"-e", "DATABASE_URL=" + env.databaseURL, "-e", "DJANGO_SECRET_KEY=" + secretKey, "-e", "DJANGO_ALLOWED_HOSTS=127.0.0.1"}
	runner.Step(t, "migrate (in the image)", func() {
		runCmd(t, nil, podman, p(append(append([]string{"run", "--rm"}, hardening...), ref, "python", "manage.py", "migrate", "--noinput")...)...)
		runCmd(t, nil, podman, p(append(append([]string{"run", "--rm"}, hardening...), ref, "python", "manage.py", "migrate", "--check")...)...)
	})

	port := runner.FreePort(t)
	name := fmt.Sprintf("image-test-%d", port)
	runner.Step(t, "start gunicorn", func() {
		args := append(append([]string{"run", "--detach", "--name", name}, hardening...), ref,
			"gunicorn", "config.wsgi", "--bind", fmt.Sprintf("127.0.0.1:%d", port), "--workers", "2", "--access-logfile", "-")
		runCmd(t, nil, podman, p(args...)...)
	})
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := exec.Command(podman, p("logs", name)...).CombinedOutput()
			t.Logf("container logs:\n%s", logs)
		}
		exec.Command(podman, p("rm", "--force", "--time", "2", name)...).Run()
		exec.Command(podman, p("rmi", "--all", "--force")...).Run()
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	runner.Step(t, "/healthz answers 200", func() {
		deadline := time.Now().Add(60 * time.Second)
		for {
			code, body := runner.Get(base+"/healthz", nil)
			if code == 200 {
				if !strings.Contains(body, `"database": "ok"`) {
					t.Errorf("/healthz: %s", body)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("/healthz never answered 200 (last %d %s)", code, body)
			}
			time.Sleep(300 * time.Millisecond)
		}
	})
	// Behind the ingress, TLS ends at the load balancer, which says so.
	https := map[string]string{"X-Forwarded-Proto": "https"}
	code, page := runner.Get(base+"/", https)
	if code != 200 || !strings.Contains(page, "<html") {
		t.Fatalf("GET /: %d\n%s", code, page)
	}
	// The stylesheet collected at build time is served from the image.
	static := regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindStringSubmatch(page)
	if static == nil {
		t.Errorf("the page links no static file:\n%s", page)
	} else if code, _ := runner.Get(base+static[1], https); code != 200 {
		t.Errorf("GET %s: %d", static[1], code)
	}
	if code, body := runner.Get(base+"/api/milestones/", https); code != 200 || !strings.Contains(body, `"milestones"`) {
		t.Errorf("GET /api/milestones/: %d %s", code, body)
	}

	uid := strings.TrimSpace(runCmd(t, nil, podman, p("exec", name, "id", "-u")...))
	if uid != "10001" {
		t.Errorf("the server runs as uid %s, want 10001", uid)
	}

	// No build secret in the image: neither the registry password nor a
	// registry auth file, anywhere in its filesystem.
	runner.Step(t, "scan image filesystem", func() {
		mount := strings.TrimSpace(runCmd(t, nil, podman, p("image", "mount", ref)...))
		defer exec.Command(podman, p("image", "unmount", ref)...).Run()
		files := 0
		filepath.WalkDir(mount, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return nil
			}
			files++
			if base := d.Name(); base == "auth.json" && strings.Contains(path, "containers") || base == "config.json" && strings.Contains(path, ".docker") {
				t.Errorf("a registry auth file is in the image: %s", strings.TrimPrefix(path, mount))
			}
			if b, err := os.ReadFile(path); err == nil && bytes.Contains(b, []byte(env.password)) {
				t.Errorf("the registry password is in the image: %s", strings.TrimPrefix(path, mount))
			}
			return nil
		})
		if files < 1000 {
			t.Errorf("only %d files in the image's filesystem: the mount is wrong", files)
		}
	})
}

// registryClient reads the registry's API as a client of GitLab's would:
// HTTPS with the CA, basic credentials.
type registryClient struct {
	t          *testing.T
	base       string
	user, pass string
	http       *http.Client
}

func newRegistryClient(t *testing.T, env setup) *registryClient {
	pem, err := os.ReadFile(env.ca)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("no CA certificate in " + env.ca)
	}
	return &registryClient{t: t, base: "https://" + env.registry + "/v2/", user: env.user, pass: env.password,
		http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}}
}

const manifestTypes = "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json"

func (r *registryClient) do(method, path string) (*http.Response, []byte) {
	r.t.Helper()
	req, _ := http.NewRequest(method, r.base+path, nil)
	req.SetBasicAuth(r.user, r.pass)
	req.Header.Set("Accept", manifestTypes)
	resp, err := r.http.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		r.t.Fatalf("%s %s: %s\n%s", method, path, resp.Status, body)
	}
	return resp, body
}

func (r *registryClient) tags(repo string) []string {
	_, body := r.do("GET", repo+"/tags/list")
	var list struct{ Tags []string }
	json.Unmarshal(body, &list)
	sort.Strings(list.Tags)
	return list.Tags
}

func (r *registryClient) digest(repo, tag string) string {
	resp, _ := r.do("HEAD", repo+"/manifests/"+tag)
	return resp.Header.Get("Docker-Content-Digest")
}

type manifest struct {
	MediaType string
	Config    struct{ Digest string }
}

func (r *registryClient) manifest(repo, digest string) manifest {
	_, body := r.do("GET", repo+"/manifests/"+digest)
	if got := fmt.Sprintf("sha256:%x", sha256.Sum256(body)); got != digest {
		r.t.Fatalf("the manifest's content hashes to %s, not %s", got, digest)
	}
	var m manifest
	if err := json.Unmarshal(body, &m); err != nil {
		r.t.Fatal(err)
	}
	if m.MediaType != "application/vnd.docker.distribution.manifest.v2+json" {
		r.t.Errorf("manifest media type %q: the component builds in Docker's format", m.MediaType)
	}
	return m
}

func (r *registryClient) blob(repo, digest string) []byte {
	_, body := r.do("GET", repo+"/blobs/"+digest)
	return body
}

func runCmd(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	if env != nil {
		cmd.Env = env
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", filepath.Base(name), strings.Join(args[:min(len(args), 6)], " "), err, out, stderr.String())
	}
	return string(out)
}

// copyProject copies a project of this repository as a job's checkout:
// without dot folders, caches, collected static files and coverage data.
func copyProject(t *testing.T, src, dst string) {
	t.Helper()
	runner.CopyTree(t, src, dst, func(rel string) bool {
		name := filepath.Base(rel)
		if info, err := os.Lstat(filepath.Join(src, rel)); err == nil && info.IsDir() {
			return strings.HasPrefix(name, ".") || name == "__pycache__" || name == "staticfiles"
		}
		return strings.HasSuffix(name, ".pyc") || strings.HasPrefix(name, ".coverage")
	})
}
