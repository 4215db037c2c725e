// Package chart_test lints and renders the example Helm chart with Helm
// itself (its Go packages, as `helm lint --strict` and `helm template`
// run them), with the values each pipeline passes, and decodes every
// rendered object strictly (unknown fields are errors) into the
// Kubernetes API types of k8s.io/api v0.37 (Kubernetes 1.37, the version
// Helm v3.22 is built against). It lives in a module of its own so that
// cilint's module does not carry Helm and Kubernetes.
package chart_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/strvals"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"gitlab.com/trustci/cicd/tests/chart/internal/release"
)

const chartDir = "../../components/charts/django-app"

// digest stands for the digest the build job hands on (IMAGE_REF_DIGEST).
const digest = "sha256:4303f3ea45ba45c1c966da256e4f2626fb965380704eba592a08e6d153bd73fb"

func loadChart(t *testing.T) *chart.Chart {
	t.Helper()
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// template renders as `helm template RELEASE CHART --namespace NS --set ...`
// does: the manifests, then the hooks.
func template(t *testing.T, release, namespace string, vals map[string]any) (string, error) {
	t.Helper()
	install := action.NewInstall(&action.Configuration{Log: func(string, ...any) {}})
	install.DryRun, install.DryRunOption, install.Replace, install.ClientOnly = true, "true", true, true
	install.ReleaseName, install.Namespace = release, namespace
	rel, err := install.Run(loadChart(t), vals)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(rel.Manifest)
	for _, h := range rel.Hooks {
		fmt.Fprintf(&b, "\n---\n# Source: %s\n%s\n", h.Path, h.Manifest)
	}
	return b.String(), nil
}

// objects are the rendered objects, decoded strictly into their types.
type objects = release.Objects

func decode(t *testing.T, manifest string) objects {
	t.Helper()
	objs, err := release.Decode(manifest)
	if err != nil {
		t.Errorf("%v", err)
	}
	return objs
}

// chartValues are the chart's own defaults (values.yaml), read as Helm
// reads them: what the rendered objects must carry.
func chartValues(t *testing.T) map[string]any {
	return loadChart(t).Values
}

func valuesAt(v map[string]any, path ...string) any {
	var cur any = v
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

// everything is a release with every switch of the chart on.
var everything = []string{
	"existingSecret=app-env", "image.repository=registry.example.com/agency/project", "image.digest=" + digest,
	"imagePullSecrets[0].name=registry-credentials", "command[0]=/start", "args[0]=--check",
	"envFrom[0].secretRef.name=mailgun", "envFrom[1].configMapRef.name=shared-settings",
	"staticFiles.path=/app/staticfiles", "staticFiles.collect=true",
	"worker.enabled=true", "worker.args[0]=/start-celeryworker", "beat.enabled=true", "beat.args[0]=/start-celerybeat",
	"redis.enabled=true",
}

func setValues(t *testing.T, sets ...string) map[string]any {
	t.Helper()
	vals := map[string]any{}
	for _, s := range sets {
		if err := strvals.ParseInto(s, vals); err != nil {
			t.Fatalf("--set %s: %v", s, err)
		}
	}
	return vals
}

func TestLintStrict(t *testing.T) {
	for name, sets := range map[string][]string{"defaults": {"existingSecret=app-env"}, "everything": everything} {
		t.Run(name, func(t *testing.T) {
			lint := action.NewLint()
			lint.Strict, lint.Namespace = true, "review-x"
			res := lint.Run([]string{chartDir}, setValues(t, sets...))
			for _, m := range res.Messages {
				t.Logf("helm lint: %s", m)
			}
			if len(res.Errors) > 0 {
				t.Errorf("helm lint --strict fails: %v", res.Errors)
			}
		})
	}
	// Helm lints in "lint mode", where a missing `required` value is only
	// logged: TestChartRefusesToRenderWithoutASecret checks that one.
}

func checkName(t *testing.T, kind, name string) {
	t.Helper()
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		t.Errorf("%s name %q: %v", kind, name, errs)
	}
}

// checkPod checks what the chart promises every pod: the image by digest,
// non-root with the values' user, seccomp, a read-only root filesystem,
// no privilege escalation or capabilities, pull secrets, secrets from the
// existing Secret.
func checkPod(t *testing.T, what string, pod corev1.PodSpec, defaults map[string]any, image, secret, pull string) {
	t.Helper()
	sc := pod.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Errorf("%s: the pod must run as non-root", what)
	} else if want, _ := valuesAt(defaults, "podSecurityContext", "runAsUser").(float64); sc.RunAsUser == nil || float64(*sc.RunAsUser) != want {
		t.Errorf("%s: runAsUser %v, values.yaml says %v", what, sc.RunAsUser, want)
	}
	if sc == nil || sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: the pod must use the runtime's default seccomp profile", what)
	}
	if want := "[{" + pull + "}]"; pull == "" && len(pod.ImagePullSecrets) != 0 || pull != "" && fmt.Sprint(pod.ImagePullSecrets) != want {
		t.Errorf("%s: imagePullSecrets %s, want %q", what, fmt.Sprint(pod.ImagePullSecrets), pull)
	}
	for _, c := range append(append([]corev1.Container{}, pod.InitContainers...), pod.Containers...) {
		if c.Image != image {
			t.Errorf("%s: image %q, want it by digest %q", what, c.Image, image)
		}
		s := c.SecurityContext
		if s == nil || s.ReadOnlyRootFilesystem == nil || !*s.ReadOnlyRootFilesystem {
			t.Errorf("%s: container %s must have a read-only root filesystem", what, c.Name)
		}
		if s == nil || s.AllowPrivilegeEscalation == nil || *s.AllowPrivilegeEscalation {
			t.Errorf("%s: container %s must not escalate privileges", what, c.Name)
		}
		if s == nil || s.Capabilities == nil || fmt.Sprint(s.Capabilities.Drop) != "[ALL]" {
			t.Errorf("%s: container %s must drop all capabilities", what, c.Name)
		}
		fromSecret := false
		for _, f := range c.EnvFrom {
			fromSecret = fromSecret || f.SecretRef != nil && f.SecretRef.Name == secret
		}
		if !fromSecret {
			t.Errorf("%s: container %s must read its secrets from the Secret %s: %+v", what, c.Name, secret, c.EnvFrom)
		}
		for _, e := range c.Env {
			if strings.Contains(e.Name, "SECRET") || strings.Contains(e.Name, "PASSWORD") || e.Name == "DATABASE_URL" {
				t.Errorf("%s: %s is set as a plain value", what, e.Name)
			}
		}
	}
}

// checkResources compares the rendered requests and limits with
// values.yaml's, as quantities.
func checkResources(t *testing.T, got corev1.ResourceRequirements, want any) {
	t.Helper()
	for kind, list := range map[string]corev1.ResourceList{"requests": got.Requests, "limits": got.Limits} {
		w, _ := valuesAt(map[string]any{"r": want}, "r", kind).(map[string]any)
		if len(w) == 0 {
			t.Errorf("values.yaml sets no resources.%s", kind)
		}
		for name, v := range w {
			q := resource.MustParse(fmt.Sprint(v))
			if g, ok := list[corev1.ResourceName(name)]; !ok || g.Cmp(q) != 0 {
				t.Errorf("resources.%s.%s: rendered %v, values.yaml %v", kind, name, list[corev1.ResourceName(name)], v)
			}
		}
	}
}

func TestChartRefusesToRenderWithoutASecret(t *testing.T) {
	_, err := template(t, "prod", "production", map[string]any{})
	if err == nil || !strings.Contains(err.Error(), "existingSecret") {
		t.Fatalf("rendering without existingSecret must fail on it, got %v", err)
	}
}

func TestValuesHoldNoSecrets(t *testing.T) {
	raw, _ := os.ReadFile(filepath.Join(chartDir, "values.yaml"))
	for _, word := range []string{"DJANGO_SECRET_KEY:", "DATABASE_URL:", "password:", "PASSWORD"} {
		if bytes.Contains(raw, []byte(word)) {
			t.Errorf("values.yaml sets %s; secrets belong in the existing Secret", word)
		}
	}
	manifest, err := template(t, "prod", "production", setValues(t, append(everything, "migrations.enabled=false", "ingress.enabled=false")...))
	if err != nil {
		t.Fatal(err)
	}
	objs := decode(t, manifest)
	if len(objs.Jobs) != 0 || len(objs.Ingresses) != 0 {
		t.Errorf("switches must turn objects off: %d Job, %d Ingress", len(objs.Jobs), len(objs.Ingresses))
	}
	if strings.Contains(manifest, "kind: Secret") {
		t.Error("the chart must never render a Secret")
	}
}
