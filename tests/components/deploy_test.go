package components_test

import (
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/tests/internal/runner"
)

// deployPipeline renders deploy (and the build it needs) with extra
// inputs, one "key: value" line each.
func deployPipeline(t *testing.T, inputs ...string) (deploy, rollback *load.Node) {
	t.Helper()
	var b strings.Builder
	b.WriteString(`stages: [build, deploy]
include:
  - component: gitlab.com/trustci/components/kaniko-build@1.0.0
  - component: gitlab.com/trustci/components/deploy@1.0.0
    inputs:
      agent: agency/k8s-agents:staging
      environment_name: staging
      host: staging.example.com
      namespace: staging
      release: shop
`)
	for _, in := range inputs {
		b.WriteString("      " + in + "\n")
	}
	res := runner.Render(t, b.String())
	return job(t, res, "deploy"), job(t, res, "deploy-rollback")
}

func deployEnv(dir string, extra map[string]string) map[string]string {
	e := ciEnv(dir)
	e["IMAGE_REF_DIGEST"] = "registry.example.com/agency/shop@sha256:" + strings.Repeat("cd", 32)
	e["FAKE_KUBE_CONTEXT"] = "agency/k8s-agents:staging"
	for k, v := range extra {
		e[k] = v
	}
	return e
}

// The deploy installs the digest atomically with every input's flag, and
// refuses an image that is not a digest or is missing.
func TestDeploy(t *testing.T) {
	digest := "sha256:" + strings.Repeat("cd", 32)
	for _, tt := range []struct {
		name   string
		inputs []string
		env    map[string]string
		code   int
		want   []string
	}{
		{"defaults", nil, nil, 0, []string{
			"kubectl config use-context agency/k8s-agents:staging\n",
			"helm upgrade --install shop ./chart --namespace staging --atomic --wait --timeout 10m " +
				"--set image.repository=registry.example.com/agency/shop --set image.digest=" + digest + " --set ingress.host=staging.example.com\n"}},
		{"every input", []string{
			"chart: django-app", "chart_repository: https://charts.example.com", "chart_version: 1.2.3",
			"values_file: deploy/staging.yaml", "existing_secret: shop-env", "helm_timeout: 5m", "history_max: 3",
			`set_values: "replicaCount=3\nenv.DJANGO_LOG_LEVEL=$LOG_LEVEL\n"`,
		}, map[string]string{"LOG_LEVEL": "DEBUG"}, 0, []string{
			"helm upgrade --install shop django-app --namespace staging --atomic --wait --timeout 5m " +
				"--set image.repository=registry.example.com/agency/shop --set image.digest=" + digest + " --set ingress.host=staging.example.com " +
				"--set existingSecret=shop-env --repo https://charts.example.com --version 1.2.3 --values deploy/staging.yaml " +
				"--set replicaCount=3 --set env.DJANGO_LOG_LEVEL=DEBUG\n"}},
		{"a tag, not a digest", nil, map[string]string{"IMAGE_REF_DIGEST": "registry.example.com/agency/shop:main"}, 1, nil},
		{"no image", nil, map[string]string{"IMAGE_REF_DIGEST": ""}, 1, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			deploy, _ := deployPipeline(t, tt.inputs...)
			dir := t.TempDir()
			out, code := run(t, deploy, dir, deployEnv(dir, tt.env), nil)
			// ${VAR:?} exits 2 in dash, 1 in BusyBox's sh: any failure.
			if (code != 0) != (tt.code != 0) {
				t.Fatalf("exit %d, want %d:\n%s", code, tt.code, out)
			}
			log := fakeLog(t, dir)
			if tt.code != 0 && strings.Contains(log, "helm ") {
				t.Errorf("helm ran with a bad image:\n%s", log)
			}
			mustContain(t, "calls", log, tt.want...)
		})
	}
}

// The job's GitLab keywords: the environment with its tier and agent,
// one deploy at a time, the needs given; the rollback manual, in the same
// resource group, without a deployment record.
func TestDeployJobs(t *testing.T) {
	deploy, rollback := deployPipeline(t, "deployment_tier: staging", "manual_confirmation: Deploy to staging?")
	env := deploy.Get("environment")
	for key, want := range map[string]string{"name": "staging", "url": "https://staging.example.com", "deployment_tier": "staging"} {
		if got := env.Get(key); got == nil || got.Text != want {
			t.Errorf("environment.%s = %v, want %s", key, got, want)
		}
	}
	if a := env.Get("kubernetes").Get("agent"); a == nil || a.Text != "agency/k8s-agents:staging" {
		t.Errorf("environment.kubernetes.agent = %v", a)
	}
	if n := deploy.Get("needs"); len(n.Items) != 1 || n.Items[0].Text != "kaniko-build" {
		t.Errorf("needs = %v", n)
	}
	if c := deploy.Get("manual_confirmation"); c == nil || c.Text != "Deploy to staging?" {
		t.Errorf("manual_confirmation = %v", c)
	}
	for key, want := range map[string]string{"when": "manual", "allow_failure": "true", "resource_group": "staging"} {
		if got := rollback.Get(key); got == nil || got.Text != want {
			t.Errorf("rollback %s = %v, want %s", key, got, want)
		}
	}
	for _, j := range []*load.Node{deploy, rollback} {
		if h := j.Get("variables").Get("HELM_MAX_HISTORY"); h == nil || h.Text != "10" {
			t.Errorf("HELM_MAX_HISTORY (helm's default for --history-max) = %v, want history_max", h)
		}
	}
	if got := deploy.Get("resource_group"); got == nil || got.Text != "staging" {
		t.Errorf("deploy resource_group = %v", got)
	}
	if a := rollback.Get("environment").Get("action"); a == nil || a.Text != "access" {
		t.Errorf("rollback environment.action = %v, want access", a)
	}
	if n := rollback.Get("needs"); n == nil || len(n.Items) != 0 {
		t.Errorf("rollback needs = %v, want []", n)
	}
}

// The rollback goes back one revision, or to ROLLBACK_REVISION, and
// refuses anything but a revision number.
func TestDeployRollback(t *testing.T) {
	_, rollback := deployPipeline(t, "helm_timeout: 4m")
	for _, tt := range []struct {
		name, revision string
		code           int
		want           string
	}{
		{"previous", "", 0, "helm rollback shop --namespace staging --wait --timeout 4m --cleanup-on-fail\n"},
		{"given", "7", 0, "helm rollback shop 7 --namespace staging --wait --timeout 4m --cleanup-on-fail\n"},
		{"zero", "0", 1, ""},
		{"not a number", "7; touch x", 1, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			out, code := run(t, rollback, dir, deployEnv(dir, nil), map[string]string{"ROLLBACK_REVISION": tt.revision})
			if code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tt.code, out)
			}
			log := fakeLog(t, dir)
			if tt.code != 0 {
				if strings.Contains(log, "helm rollback") {
					t.Errorf("rolled back with ROLLBACK_REVISION=%q:\n%s", tt.revision, log)
				}
				return
			}
			mustContain(t, "calls", log, "kubectl config use-context agency/k8s-agents:staging\n",
				"helm history shop --namespace staging --max 10\n", tt.want)
			mustContain(t, "job log", out, "2\tdeployed\tUpgrade complete")
		})
	}
}

// The example's staging and production deploys are two includes of the
// component (no hand-written deploy job), production gated and asking.
func TestExampleDeploysWithTheComponent(t *testing.T) {
	res := runner.RenderRepoFile(t, filepath.Join("examples", "django", ".gitlab-ci.yml"))
	for _, name := range []string{"deploy-staging", "deploy-staging-rollback", "deploy-production", "deploy-production-rollback"} {
		job(t, res, name)
	}
	src := readFile(t, filepath.Join(runner.RepoRoot(), "examples", "django", ".gitlab-ci.yml"))
	if strings.Contains(src, "helm ") || strings.Contains(src, ".deploy:") {
		t.Error("the example still has a hand-written deploy job")
	}
	prod := job(t, res, "deploy-production")
	if r := prod.Get("rules"); len(r.Items) != 1 || r.Items[0].Get("when").Text != "manual" {
		t.Errorf("production must be a manual deploy: %v", r)
	}
	if c := prod.Get("manual_confirmation"); c == nil || c.Text == "" {
		t.Error("production asks before deploying")
	}
	if n := prod.Get("needs"); n.Items[0].Get("job").Text != "image-promote" || n.Items[2].Get("job").Text != "db-backup" {
		t.Errorf("production deploys the promoted digest after the backup: needs %v", n)
	}
}
