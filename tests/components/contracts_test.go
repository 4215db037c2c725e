package components_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/tests/internal/runner"
)

func setupBuild(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644)
	os.MkdirAll(filepath.Join(dir, "kaniko", ".docker"), 0o755)
	return dir
}

func TestKanikoBuild(t *testing.T) {
	res := runner.Render(t, `stages: [build]
include:
  - component: gitlab.com/trustci/components/kaniko-build@1.0.0
    inputs:
      build_args: |
        BUILD_ENVIRONMENT=production
        GIT_SHA=$CI_COMMIT_SHA
      target: production
  - component: gitlab.com/trustci/components/kaniko-build@1.0.0
    inputs:
      job_name: dry-build
      push: false
      cache: false
`)
	fakes, _ := filepath.Abs("fakes")
	t.Run("default branch", func(t *testing.T) {
		dir := setupBuild(t)
		env := ciEnv(dir)
		out, code := run(t, job(t, res, "kaniko-build"), dir, env, map[string]string{"KANIKO_DIR": fakesKaniko(t, fakes, dir)})
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		log := fakeLog(t, dir)
		mustContain(t, "executor call", log,
			"--destination registry.example.com/agency/shop:0123456789abcdef0123456789abcdef01234567",
			"--destination registry.example.com/agency/shop:main",
			"--destination registry.example.com/agency/shop:latest",
			"--build-arg BUILD_ENVIRONMENT=production",
			"--build-arg GIT_SHA=0123456789abcdef0123456789abcdef01234567",
			"--target production", "--cache=true --cache-repo registry.example.com/agency/shop/cache",
			"--label org.opencontainers.image.source=https://gitlab.example.com/agency/shop",
			"--label org.opencontainers.image.revision=0123456789abcdef0123456789abcdef01234567",
			"--label org.opencontainers.image.created=")
		digest := "sha256:" + strings.Repeat("0", 62) + "42"
		mustContain(t, "build.env", readFile(t, filepath.Join(dir, "build.env")),
			"IMAGE_REF=registry.example.com/agency/shop:0123456789abcdef0123456789abcdef01234567\n",
			"IMAGE_DIGEST="+digest+"\n",
			"IMAGE_REF_DIGEST=registry.example.com/agency/shop@"+digest+"\n")
		if strings.Contains(out, "registry-password-do-not-print") {
			t.Error("the registry password is in the job log")
		}
		auth := readFile(t, filepath.Join(dir, "kaniko", ".docker", "config.json"))
		mustContain(t, "auth file", auth, `"registry.example.com":{"auth":"Z2l0bGFiLWNpLXRva2VuOnJlZ2lzdHJ5LXBhc3N3b3JkLWRvLW5vdC1wcmludA=="}`)
	})
	t.Run("tag pipeline", func(t *testing.T) {
		dir := setupBuild(t)
		env := ciEnv(dir)
		delete(env, "CI_COMMIT_BRANCH")
		env["CI_COMMIT_TAG"] = "v1.2.0"
		env["CI_COMMIT_REF_SLUG"] = "v1-2-0"
		if out, code := run(t, job(t, res, "kaniko-build"), dir, env, map[string]string{"KANIKO_DIR": fakesKaniko(t, fakes, dir)}); code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		log := fakeLog(t, dir)
		mustContain(t, "executor call", log, "shop:v1.2.0")
		if strings.Contains(log, ":latest") || strings.Contains(log, ":v1-2-0") {
			t.Errorf("a tag pipeline pushes the commit and the tag only:\n%s", log)
		}
	})
	t.Run("feature branch, no push", func(t *testing.T) {
		dir := setupBuild(t)
		env := ciEnv(dir)
		env["CI_COMMIT_BRANCH"], env["CI_COMMIT_REF_SLUG"] = "feature/x", "feature-x"
		if out, code := run(t, job(t, res, "dry-build"), dir, env, map[string]string{"KANIKO_DIR": fakesKaniko(t, fakes, dir)}); code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		log := fakeLog(t, dir)
		mustContain(t, "executor call", log, "shop:feature-x", "--no-push")
		if strings.Contains(log, ":latest") || strings.Contains(log, "--cache=true") {
			t.Errorf("latest only on the default branch, cache off:\n%s", log)
		}
	})
}

// With registry_mirror, base images come through the mirror; with the
// group's Dependency Proxy as the mirror, its credentials are in the auth
// file too.
func TestBuildsUseTheRegistryMirror(t *testing.T) {
	res := runner.Render(t, `stages: [build]
include:
  - component: gitlab.com/trustci/components/kaniko-build@1.0.0
    inputs:
      registry_mirror: $CI_DEPENDENCY_PROXY_DIRECT_GROUP_IMAGE_PREFIX
  - component: gitlab.com/trustci/components/buildkit-build@1.0.0
    inputs:
      registry_mirror: $CI_DEPENDENCY_PROXY_DIRECT_GROUP_IMAGE_PREFIX
  - component: gitlab.com/trustci/components/kaniko-build@1.0.0
    inputs:
      job_name: kaniko-hostile-mirror
      registry_mirror: 'mirror.example.com"]'
`)
	fakes, _ := filepath.Abs("fakes")
	proxyEnv := func(dir string) map[string]string {
		env := ciEnv(dir)
		env["CI_DEPENDENCY_PROXY_SERVER"] = "gitlab.example.com:443"
		env["CI_DEPENDENCY_PROXY_DIRECT_GROUP_IMAGE_PREFIX"] = "gitlab.example.com:443/agency/dependency_proxy/containers"
		env["CI_DEPENDENCY_PROXY_USER"] = "gitlab-ci-token"
		env["CI_DEPENDENCY_PROXY_PASSWORD"] = "proxy-password"
		return env
	}
	proxyAuth := "Z2l0bGFiLWNpLXRva2VuOnByb3h5LXBhc3N3b3Jk" // gitlab-ci-token:proxy-password
	t.Run("kaniko", func(t *testing.T) {
		dir := setupBuild(t)
		out, code := run(t, job(t, res, "kaniko-build"), dir, proxyEnv(dir), map[string]string{"KANIKO_DIR": fakesKaniko(t, fakes, dir)})
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		mustContain(t, "executor call", fakeLog(t, dir), "--registry-mirror gitlab.example.com:443/agency/dependency_proxy/containers")
		mustContain(t, "auth file", readFile(t, filepath.Join(dir, "kaniko", ".docker", "config.json")),
			`"registry.example.com":{"auth":`, `"gitlab.example.com:443":{"auth":"`+proxyAuth+`"}`, `"gitlab.example.com":{"auth":"`+proxyAuth+`"}`)
	})
	t.Run("buildkit", func(t *testing.T) {
		dir := setupBuild(t)
		home := t.TempDir()
		out, code := run(t, job(t, res, "buildkit-build"), dir, proxyEnv(dir), map[string]string{"HOME": home})
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		toml := filepath.Join(home, ".config", "buildkit", "buildkitd.toml")
		mustContain(t, "buildkitd.toml", readFile(t, toml), "[registry.\"docker.io\"]\n  mirrors = [\"gitlab.example.com:443/agency/dependency_proxy/containers\"]\n")
		mustContain(t, "buildkitd flags", fakeLog(t, dir), "buildkitd --oci-worker-no-process-sandbox --config="+toml)
		mustContain(t, "Docker config", readFile(t, filepath.Join(home, ".docker", "config.json")), `"gitlab.example.com:443":{"auth":"`+proxyAuth+`"}`)
	})
	t.Run("a mirror that is not a host is refused", func(t *testing.T) {
		dir := setupBuild(t)
		out, code := run(t, job(t, res, "kaniko-hostile-mirror"), dir, ciEnv(dir), map[string]string{"KANIKO_DIR": fakesKaniko(t, fakes, dir)})
		if code == 0 || !strings.Contains(out, "is not a host or host/path") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
	})
}

// fakesKaniko lays out a kaniko directory: the fake executor and the
// folder for the auth file.
func fakesKaniko(t *testing.T, fakes, dir string) string {
	t.Helper()
	k := filepath.Join(dir, "kaniko")
	src, _ := os.ReadFile(filepath.Join(fakes, "executor"))
	os.WriteFile(filepath.Join(k, "executor"), src, 0o755)
	return k
}

func TestBuildkitBuild(t *testing.T) {
	res := runner.Render(t, `stages: [build]
include:
  - component: gitlab.com/trustci/components/buildkit-build@1.0.0
    inputs:
      dockerfile: docker/app.Dockerfile
      build_args: |
        BUILD_ENVIRONMENT=production
`)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "docker"), 0o755)
	os.WriteFile(filepath.Join(dir, "docker", "app.Dockerfile"), []byte("FROM scratch\n"), 0o644)
	out, code := run(t, job(t, res, "buildkit-build"), dir, ciEnv(dir), nil)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	log := fakeLog(t, dir)
	mustContain(t, "buildctl call", log,
		"--local dockerfile="+filepath.Join(dir, "docker"), "--opt filename=app.Dockerfile",
		`--output type=image,"name=registry.example.com/agency/shop:0123456789abcdef0123456789abcdef01234567,registry.example.com/agency/shop:main,registry.example.com/agency/shop:latest",push=true,oci-mediatypes=false`,
		"--opt build-arg:BUILD_ENVIRONMENT=production", "--export-cache type=registry,ref=registry.example.com/agency/shop/cache,mode=max")
	digest := "sha256:" + strings.Repeat("0", 63) + "7"
	mustContain(t, "build.env", readFile(t, filepath.Join(dir, "build.env")),
		"IMAGE_DIGEST="+digest+"\n", "IMAGE_REF_DIGEST=registry.example.com/agency/shop@"+digest+"\n")
	if strings.Contains(out, "registry-password-do-not-print") {
		t.Error("the registry password is in the job log")
	}
}

func TestTrivyScan(t *testing.T) {
	res := runner.Render(t, `stages: [build, test]
include:
  - component: gitlab.com/trustci/components/kaniko-build@1.0.0
  - component: gitlab.com/trustci/components/trivy-scan@1.0.0
  - component: gitlab.com/trustci/components/trivy-scan@1.0.0
    inputs:
      job_name: report-only
      fail_on: ""
      ignore_unfixed: true
  - component: gitlab.com/trustci/components/trivy-scan@1.0.0
    inputs:
      job_name: image-only
      config_scan: false
  - component: gitlab.com/trustci/components/trivy-scan@1.0.0
    inputs:
      job_name: chart-values
      helm_set: existingSecret=app-env,ingress.host=shop.example.com
`)
	image := "registry.example.com/agency/shop@sha256:" + strings.Repeat("ab", 32)
	tests := []struct {
		name, job, severity string
		configSeverity      string // of the repository's misconfiguration
		ignorefile          bool
		wantCode            bool
	}{
		{"critical finding fails the default gate", "trivy-scan", "CRITICAL", "", false, true},
		{"high finding passes a CRITICAL gate", "trivy-scan", "HIGH", "HIGH", false, false},
		{"no finding passes", "trivy-scan", "", "", true, false},
		{"report-only never fails", "report-only", "CRITICAL", "CRITICAL", false, false},
		{"critical misconfiguration fails the default gate", "trivy-scan", "", "CRITICAL", false, true},
		{"critical misconfiguration and vulnerability fail", "trivy-scan", "CRITICAL", "CRITICAL", false, true},
		{"no misconfiguration scan when it is off", "image-only", "", "CRITICAL", false, false},
		{"chart values reach the misconfiguration scan", "chart-values", "", "", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.ignorefile {
				os.WriteFile(filepath.Join(dir, ".trivyignore"), []byte("CVE-2024-0001\n"), 0o644)
			}
			env := ciEnv(dir)
			env["IMAGE_REF_DIGEST"] = image // from kaniko-build's dotenv
			env["FAKE_TRIVY_IMAGE"] = image
			env["FAKE_TRIVY_SEVERITY"] = tt.severity
			env["FAKE_TRIVY_CONFIG_SEVERITY"] = tt.configSeverity
			out, code := run(t, job(t, res, tt.job), dir, env, nil)
			log := fakeLog(t, dir)
			switch tt.job {
			case "image-only":
				if strings.Contains(log, "trivy config") {
					t.Errorf("config_scan: false, yet trivy config ran:\n%s", log)
				}
			default:
				mustContain(t, "trivy calls", log, "trivy config --skip-check-update --skip-dirs .trivycache --format table")
				if tt.job != "report-only" {
					mustContain(t, "trivy calls", log, "--exit-code 1 --severity CRITICAL .")
				}
				if tt.ignorefile {
					mustContain(t, "trivy calls", log, "trivy config --skip-check-update --skip-dirs .trivycache --format table --ignorefile .trivyignore")
				}
			}
			if tt.job == "chart-values" {
				mustContain(t, "trivy calls", log, "--helm-set existingSecret=app-env,ingress.host=shop.example.com")
			}
			if (code != 0) != tt.wantCode {
				t.Fatalf("exit %d, want failure=%v:\n%s", code, tt.wantCode, out)
			}
			var report map[string]any
			if err := json.Unmarshal([]byte(readFile(t, filepath.Join(dir, "gl-container-scanning-report.json"))), &report); err != nil || report["version"] != "15.0.7" {
				t.Errorf("container scanning report: %v %v", report, err)
			}
			mustContain(t, "SBOM", readFile(t, filepath.Join(dir, "gl-sbom-report.cdx.json")), `"bomFormat":"CycloneDX"`)
			mustContain(t, "job log", out, "Scanning "+image, "Total: 1")
			if tt.ignorefile {
				mustContain(t, "trivy calls", log, "--ignorefile .trivyignore")
			}
			if tt.job == "report-only" {
				mustContain(t, "trivy calls", log, "--ignore-unfixed")
			}
		})
	}
	// A TRIVY_PASSWORD CI/CD variable and a database mirror: the
	// credentials still reach Trivy for $CI_REGISTRY only.
	t.Run("db mirror, TRIVY_PASSWORD variable", func(t *testing.T) {
		mirrored := runner.Render(t, `stages: [build, test]
include:
  - component: gitlab.com/trustci/components/kaniko-build@1.0.0
  - component: gitlab.com/trustci/components/trivy-scan@1.0.0
    inputs:
      db_repository: mirror.example.com/trivy-db:2
`)
		dir := t.TempDir()
		env := ciEnv(dir)
		env["IMAGE_REF_DIGEST"], env["FAKE_TRIVY_IMAGE"] = image, image
		env["TRIVY_USERNAME"], env["TRIVY_PASSWORD"] = "someone", "a-password-for-every-registry"
		out, code := run(t, job(t, mirrored, "trivy-scan"), dir, env, nil)
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		mustContain(t, "trivy calls", fakeLog(t, dir), "--db-repository mirror.example.com/trivy-db:2")
	})
	// Unprotected refs never write the cache protected refs read.
	cache := job(t, res, "trivy-scan").Get("cache")
	if k := cache.Get("key"); k == nil || !strings.Contains(k.Text, "$CI_COMMIT_REF_PROTECTED") {
		t.Errorf("the database cache key must depend on $CI_COMMIT_REF_PROTECTED: %v", k)
	}
	if u := cache.Get("unprotect"); u == nil || u.Bool {
		t.Errorf("cache:unprotect must be false: %v", u)
	}
	// The scan waits for the build and gets its dotenv.
	needs := job(t, res, "trivy-scan").Get("needs")
	if needs.Items[0].Get("job").Text != "kaniko-build" || !needs.Items[0].Get("artifacts").Bool {
		t.Errorf("needs: %v", needs)
	}
}

func TestReviewApp(t *testing.T) {
	res := runner.Render(t, `stages: [build, review]
include:
  - component: gitlab.com/trustci/components/kaniko-build@1.0.0
  - component: gitlab.com/trustci/components/review-app@1.0.0
    inputs:
      agent: agency/k8s-agents:review
      base_domain: review.example.com
      set_values: |
        replicaCount=1
      migrate_command: python manage.py migrate --noinput
`)
	secrets := map[string]string{
		"DJANGO_SECRET_KEY":   "django-secret-do-not-print",
		"REVIEW_DB_ADMIN_URL": "postgres://admin:db-password-do-not-print@db.internal:5432/postgres",
		"IMAGE_REF_DIGEST":    "registry.example.com/agency/shop@sha256:" + strings.Repeat("cd", 32),
		"FAKE_KUBE_CONTEXT":   "agency/k8s-agents:review",
	}
	deploy := job(t, res, "review-deploy")
	env := func(dir string, extra map[string]string) map[string]string {
		e := ciEnv(dir)
		for k, v := range secrets {
			e[k] = v
		}
		for k, v := range extra {
			e[k] = v
		}
		return e
	}
	t.Run("deploy", func(t *testing.T) {
		dir := t.TempDir()
		out, code := run(t, deploy, dir, env(dir, nil), nil)
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		log := fakeLog(t, dir)
		mustContain(t, "calls", log,
			"kubectl config use-context agency/k8s-agents:review",
			"kubectl create namespace review-review-feat-x-abc123 --dry-run=client -o yaml",
			"kubectl -n review-review-feat-x-abc123 run review-feat-x-abc123-db --image=postgres:17-alpine@sha256:",
			`sql: SELECT 'CREATE DATABASE "review_review_feat_x_abc123" OWNER "review_review_feat_x_abc123"'`,
			"kubectl -n review-review-feat-x-abc123 create secret generic review-feat-x-abc123-env --from-literal=DJANGO_SECRET_KEY=<redacted> --from-literal=DATABASE_URL=<redacted>",
			"helm upgrade --install review-feat-x-abc123 ./chart --namespace review-review-feat-x-abc123 --wait --timeout 10m",
			"--set image.repository=registry.example.com/agency/shop --set image.digest=sha256:"+strings.Repeat("cd", 32),
			"--set existingSecret=review-feat-x-abc123-env --set ingress.host=review-feat-x-abc123.review.example.com",
			"--set imagePullSecrets[0].name=review-feat-x-abc123-registry --set ingress.tls=false --set replicaCount=1",
			"rollout status deployment -l app.kubernetes.io/instance=review-feat-x-abc123",
			"--set probes.type=http --set probes.path=/healthz --set migrations.enabled=false",
			"exec app-7d9f-abcde -- python manage.py migrate --noinput",
			"curl http://review-feat-x-abc123.review.example.com/healthz")
		mustContain(t, "review.env", readFile(t, filepath.Join(dir, "review.env")),
			"DYNAMIC_ENVIRONMENT_URL=http://review-feat-x-abc123.review.example.com\n", "REVIEW_APP_URL=http://review-feat-x-abc123.review.example.com\n")
		for _, secret := range []string{"django-secret-do-not-print", "db-password-do-not-print"} {
			if strings.Contains(out+log, secret) {
				t.Errorf("a secret is in the job log or the calls: %s", secret)
			}
		}
	})
	t.Run("missing secret variable", func(t *testing.T) {
		dir := t.TempDir()
		out, code := run(t, deploy, dir, env(dir, map[string]string{"DJANGO_SECRET_KEY": ""}), nil)
		if code == 0 || !strings.Contains(out, "CI/CD variable DJANGO_SECRET_KEY is not set") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
	})
	t.Run("failing health check", func(t *testing.T) {
		dir := t.TempDir()
		if out, code := run(t, deploy, dir, env(dir, map[string]string{"FAKE_CURL_FAIL": "1"}), nil); code == 0 {
			t.Fatalf("a failing health check must fail the deploy:\n%s", out)
		}
	})
	t.Run("stop", func(t *testing.T) {
		dir := t.TempDir()
		stop := job(t, res, "review-stop")
		out, code := run(t, stop, dir, env(dir, nil), nil)
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		mustContain(t, "calls", fakeLog(t, dir),
			"helm uninstall review-feat-x-abc123 --namespace review-review-feat-x-abc123 --wait",
			`sql: DROP DATABASE IF EXISTS "review_review_feat_x_abc123" WITH (FORCE);`,
			`sql: DROP ROLE IF EXISTS "review_review_feat_x_abc123";`,
			"kubectl delete namespace review-review-feat-x-abc123 --ignore-not-found")
		if v := stop.Get("variables").Get("GIT_STRATEGY"); v == nil || v.Text != "none" {
			t.Error("the stop job must not check out the (maybe deleted) branch")
		}
		if stop.Get("stage").Text != deploy.Get("stage").Text {
			t.Error("deploy and stop must share a stage")
		}
	})
}

func TestCilintComponent(t *testing.T) {
	bin := cilintDir(t)
	res := runner.Render(t, "include:\n  - component: gitlab.com/trustci/components/cilint@1.0.0\nbuild:\n  script: make\n")
	for _, tt := range []struct {
		name, pipeline string
		fails          bool
	}{
		{"clean pipeline", "build:\n  script: make\n", false},
		{"broken pipeline", "build:\n  scripts: make\n  stage: biuld\n", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, ".gitlab-ci.yml"), []byte(tt.pipeline), 0o644)
			out, code := run(t, job(t, res, "cilint"), dir, ciEnv(dir), map[string]string{"PATH": bin + ":" + os.Getenv("PATH")})
			if (code != 0) != tt.fails {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			var issues []map[string]any
			if err := json.Unmarshal([]byte(readFile(t, filepath.Join(dir, "gl-code-quality-report.json"))), &issues); err != nil {
				t.Fatalf("code quality report: %v", err)
			}
			if (len(issues) > 0) != tt.fails {
				t.Errorf("issues: %v", issues)
			}
		})
	}
}

// With remote: true the cilint job asks GitLab's CI lint API (here a
// small server answering as GitLab documents it) and fails on what GitLab
// finds, in the log and in the Code Quality report, never showing the
// token.
func TestCilintComponentRemote(t *testing.T) {
	const token = "glpat-component-remote-77"
	bin := cilintDir(t)
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.EscapedPath() != "/api/v4/projects/agency%2Fshop/ci/lint" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("PRIVATE-TOKEN") != token {
			http.Error(w, `{"message":"401 Unauthorized"}`, http.StatusUnauthorized)
			return
		}
		calls++
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"valid":false,"errors":["jobs:build:tags config should be an array of strings"],"warnings":[],"merged_yaml":"","includes":[]}`)
	}))
	defer srv.Close()
	res := runner.Render(t, "include:\n  - component: gitlab.com/trustci/components/cilint@1.0.0\n    inputs:\n      remote: true\nbuild:\n  script: make\n")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".gitlab-ci.yml"), []byte("build:\n  script: make\n"), 0o644)
	env := ciEnv(dir)
	env["CI_SERVER_URL"], env["CI_PROJECT_ID"], env["GITLAB_TOKEN"] = srv.URL, "agency/shop", token
	out, code := run(t, job(t, res, "cilint"), dir, env, map[string]string{"PATH": bin + ":" + os.Getenv("PATH")})
	if code != 1 || !strings.Contains(out, "[gitlab-lint]") || calls != 2 {
		t.Fatalf("exit %d after %d lint calls:\n%s", code, calls, out)
	}
	report := readFile(t, filepath.Join(dir, "gl-code-quality-report.json"))
	if !strings.Contains(report, `"check_name": "gitlab-lint"`) {
		t.Errorf("GitLab's finding is not in the Code Quality report:\n%s", report)
	}
	if strings.Contains(out+report, token) {
		t.Error("the token shows")
	}
}

// TestRetryOnlyInfrastructureFailures: every job is retried after runner, scheduler and API failures and stuck
// jobs only, never after its own script failed, and has a timeout; both
// are inputs.
func TestRetryOnlyInfrastructureFailures(t *testing.T) {
	allowed := map[string]bool{"runner_system_failure": true, "stuck_or_timeout_failure": true, "scheduler_failure": true, "api_failure": true}
	res := runner.Render(t, defaultsPipeline)
	if len(res.Pipeline.Jobs) < 9 {
		t.Fatalf("the defaults pipeline has %d jobs; want every component's", len(res.Pipeline.Jobs))
	}
	// Every job of every component, so a new component cannot be left out.
	for _, pj := range res.Pipeline.Jobs {
		name, j := pj.Name, pj.Node
		retry := j.Get("retry")
		if retry == nil || retry.Get("max") == nil || retry.Get("when") == nil {
			t.Errorf("%s: no retry max/when: %v", name, retry)
			continue
		}
		if max := retry.Get("max").Text; max != "2" {
			t.Errorf("%s: retry max %s, want 2 by default", name, max)
		}
		for _, w := range retry.Get("when").Items {
			if !allowed[w.Text] {
				t.Errorf("%s: retries on %s", name, w.Text)
			}
		}
		if len(retry.Get("when").Items) != len(allowed) {
			t.Errorf("%s: retry when %v", name, retry.Get("when"))
		}
		if j.Get("timeout") == nil {
			t.Errorf("%s: no timeout", name)
		}
	}
	full := runner.Render(t, fullPipeline)
	if got := job(t, full, "build-image").Get("timeout").Text; got != "45m" {
		t.Errorf("the timeout input does not reach the job: %q", got)
	}
	if got := job(t, full, "scan").Get("retry").Get("max").Text; got != "0" {
		t.Errorf("the retry input does not reach the job: %q", got)
	}
}
