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
	"regexp"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/strvals"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

const chartDir = "../../components/charts/django-app"

// digest stands for the digest the build job hands on (IMAGE_REF_DIGEST).
const digest = "sha256:4303f3ea45ba45c1c966da256e4f2626fb965380704eba592a08e6d153bd73fb"

// deployment is one pipeline's `helm upgrade --install`: its release,
// namespace and --set flags, written as the script writes them with
// the CI variables filled in.
type deployment struct {
	name, release, namespace string
	sets                     []string
}

// The --set flags of examples/django/.gitlab-ci.yml (.deploy) and of the
// review-app component's script; TestDeploymentsMatchThePipelines keeps
// this table in step with them.
var deployments = []deployment{
	{"review", "review-feat-x-abc123", "review-review-feat-x-abc123", []string{
		"image.repository=registry.example.com/agency/project", "image.digest=" + digest,
		"existingSecret=review-feat-x-abc123-env", "ingress.host=review-feat-x-abc123.review.example.com",
		"imagePullSecrets[0].name=review-feat-x-abc123-registry", "ingress.tls=true", "ingress.tlsSecretName=review-feat-x-abc123-tls",
		`ingress.annotations.cert-manager\.io/cluster-issuer=letsencrypt`}},
	{"staging", "project-board", "staging", []string{
		"image.repository=registry.example.com/agency/project", "image.digest=" + digest,
		"existingSecret=project-board-env", "ingress.host=staging.example.com"}},
	{"production", "project-board", "production", []string{
		"image.repository=registry.example.com/agency/project", "image.digest=" + digest,
		"existingSecret=project-board-env", "ingress.host=app.example.com"}},
}

func (d deployment) values(t *testing.T, extra ...string) map[string]any {
	t.Helper()
	vals := map[string]any{}
	for _, s := range append(append([]string{}, d.sets...), extra...) {
		if err := strvals.ParseInto(s, vals); err != nil {
			t.Fatalf("--set %s: %v", s, err)
		}
	}
	return vals
}

// set is the value the deployment gives key, or "".
func (d deployment) set(key string) string {
	for _, s := range d.sets {
		if k, v, _ := strings.Cut(s, "="); k == key {
			return v
		}
	}
	return ""
}

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
type objects struct {
	deployments []appsv1.Deployment
	services    []corev1.Service
	ingresses   []networkingv1.Ingress
	jobs        []batchv1.Job
	configMaps  []corev1.ConfigMap
}

func decode(t *testing.T, manifest string) objects {
	t.Helper()
	var objs objects
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(manifest, -1) {
		if strings.TrimSpace(regexp.MustCompile(`(?m)^#.*$`).ReplaceAllString(doc, "")) == "" {
			continue
		}
		var meta struct{ APIVersion, Kind string }
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatalf("not YAML: %v\n%s", err, doc)
		}
		var target any
		switch meta.APIVersion + " " + meta.Kind {
		case "apps/v1 Deployment":
			objs.deployments = append(objs.deployments, appsv1.Deployment{})
			target = &objs.deployments[len(objs.deployments)-1]
		case "v1 Service":
			objs.services = append(objs.services, corev1.Service{})
			target = &objs.services[len(objs.services)-1]
		case "networking.k8s.io/v1 Ingress":
			objs.ingresses = append(objs.ingresses, networkingv1.Ingress{})
			target = &objs.ingresses[len(objs.ingresses)-1]
		case "v1 ConfigMap":
			objs.configMaps = append(objs.configMaps, corev1.ConfigMap{})
			target = &objs.configMaps[len(objs.configMaps)-1]
		case "batch/v1 Job":
			objs.jobs = append(objs.jobs, batchv1.Job{})
			target = &objs.jobs[len(objs.jobs)-1]
		default:
			t.Fatalf("the chart renders %s %s, which this test does not know: add its type", meta.APIVersion, meta.Kind)
		}
		if err := yaml.UnmarshalStrict([]byte(doc), target); err != nil {
			t.Errorf("%s does not decode strictly into Kubernetes' type: %v\n%s", meta.Kind, err, doc)
		}
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

func TestLintStrict(t *testing.T) {
	for _, d := range deployments {
		t.Run(d.name, func(t *testing.T) {
			lint := action.NewLint()
			lint.Strict, lint.Namespace = true, d.namespace
			res := lint.Run([]string{chartDir}, d.values(t))
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

func TestEveryPipelineRendersWhatTheChartPromises(t *testing.T) {
	defaults := chartValues(t)
	for _, d := range deployments {
		t.Run(d.name, func(t *testing.T) {
			// A pull secret, as a private registry needs: the pipeline's
			// own, else one given here.
			pull := d.set("imagePullSecrets[0].name")
			var extra []string
			if pull == "" {
				pull = "registry-credentials"
				extra = append(extra, "imagePullSecrets[0].name="+pull)
			}
			vals := d.values(t, extra...)
			manifest, err := template(t, d.release, d.namespace, vals)
			if err != nil {
				t.Fatal(err)
			}
			objs := decode(t, manifest)
			host := strings.TrimPrefix(d.sets[3], "ingress.host=")
			secret := strings.TrimPrefix(d.sets[2], "existingSecret=")
			image := "registry.example.com/agency/project@" + digest
			if len(objs.deployments) != 1 || len(objs.services) != 1 {
				t.Fatalf("want one Deployment and one Service:\n%s", manifest)
			}
			if want := valuesAt(defaults, "ingress", "enabled") == true; (len(objs.ingresses) == 1) != want {
				t.Errorf("ingress.enabled is %v, %d Ingress rendered", want, len(objs.ingresses))
			}
			if want := valuesAt(defaults, "migrations", "enabled") == true; (len(objs.jobs) == 1) != want {
				t.Errorf("migrations.enabled is %v, %d Job rendered", want, len(objs.jobs))
			}
			dep := objs.deployments[0]
			checkName(t, "Deployment", dep.Name)
			checkName(t, "Service", objs.services[0].Name)
			pods := map[string]corev1.PodSpec{"Deployment": dep.Spec.Template.Spec}
			for _, j := range objs.jobs {
				checkName(t, "Job", j.Name)
				pods["Job "+j.Name] = j.Spec.Template.Spec
				if j.Annotations["helm.sh/hook"] != "pre-install,pre-upgrade" {
					t.Errorf("migrations must run before the new pods: hook %q", j.Annotations["helm.sh/hook"])
				}
				if c := j.Spec.Template.Spec.Containers; len(c) != 1 || !strings.Contains(strings.Join(c[0].Command, " "), "migrate") {
					t.Errorf("the Job must migrate: %+v", c)
				}
			}
			for what, pod := range pods {
				checkPod(t, what, pod, defaults, image, secret, pull)
			}
			web := dep.Spec.Template.Spec.Containers[0]
			for name, probe := range map[string]*corev1.Probe{"readiness": web.ReadinessProbe, "liveness": web.LivenessProbe} {
				if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != "/healthz" || probe.HTTPGet.Port.String() != web.Ports[0].Name {
					t.Errorf("the %s probe must GET /healthz on the container's port: %+v", name, probe)
				}
			}
			checkResources(t, web.Resources, valuesAt(defaults, "resources"))
			for _, e := range web.Env {
				if e.Name == "DJANGO_ALLOWED_HOSTS" && e.Value != host {
					t.Errorf("DJANGO_ALLOWED_HOSTS %q, want the ingress host %q", e.Value, host)
				}
			}
			svc := objs.services[0]
			for k, v := range svc.Spec.Selector {
				if dep.Spec.Template.Labels[k] != v {
					t.Errorf("the Service selects %s=%s, which the pods do not carry", k, v)
				}
			}
			if dep.Spec.Selector == nil || len(dep.Spec.Selector.MatchLabels) == 0 {
				t.Error("the Deployment has no selector")
			}
			for _, ing := range objs.ingresses {
				checkName(t, "Ingress", ing.Name)
				if len(ing.Spec.Rules) != 1 || ing.Spec.Rules[0].Host != host {
					t.Errorf("the Ingress must serve %s: %+v", host, ing.Spec.Rules)
				}
				tls := d.set("ingress.tls") == "true" || d.set("ingress.tls") == "" && valuesAt(defaults, "ingress", "tls") == true
				if tls && (len(ing.Spec.TLS) != 1 || len(ing.Spec.TLS[0].Hosts) != 1 || ing.Spec.TLS[0].Hosts[0] != host) {
					t.Errorf("ingress.tls is on: the certificate must cover %s: %+v", host, ing.Spec.TLS)
				}
				if name := d.set("ingress.tlsSecretName"); name != "" && (len(ing.Spec.TLS) != 1 || ing.Spec.TLS[0].SecretName != name) {
					t.Errorf("the certificate must be kept in the Secret %s: %+v", name, ing.Spec.TLS)
				}
				if issuer := d.set(`ingress.annotations.cert-manager\.io/cluster-issuer`); issuer != "" && ing.Annotations["cert-manager.io/cluster-issuer"] != issuer {
					t.Errorf("the Ingress must ask cert-manager's %s for its certificate: %v", issuer, ing.Annotations)
				}
				if b := ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service; b == nil || b.Name != svc.Name {
					t.Errorf("the Ingress must route to the Service %s", svc.Name)
				}
			}
		})
	}
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
	if got := fmt.Sprint(pod.ImagePullSecrets); got != "[{"+pull+"}]" {
		t.Errorf("%s: imagePullSecrets %s, want the one given", what, got)
	}
	for _, c := range pod.Containers {
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
	manifest, err := template(t, "prod", "production", deployments[2].values(t, "migrations.enabled=false", "ingress.enabled=false"))
	if err != nil {
		t.Fatal(err)
	}
	objs := decode(t, manifest)
	if len(objs.jobs) != 0 || len(objs.ingresses) != 0 {
		t.Errorf("switches must turn objects off: %d Job, %d Ingress", len(objs.jobs), len(objs.ingresses))
	}
	if strings.Contains(manifest, "kind: Secret") {
		t.Error("the chart must never render a Secret")
	}
}

// TestDeploymentsMatchThePipelines reads the --set flags each pipeline
// passes (the example's .deploy job and the review-app component) so the
// table above cannot drift from them.
func TestDeploymentsMatchThePipelines(t *testing.T) {
	setKey := regexp.MustCompile(`--set "?([A-Za-z0-9_.\[\]\\/-]+)=`)
	keysOf := func(sets []string) string {
		seen := map[string]bool{}
		var k []string
		for _, s := range sets {
			if key := s[:strings.Index(s, "=")]; !seen[key] {
				seen[key] = true
				k = append(k, key)
			}
		}
		sort.Strings(k)
		return strings.Join(k, " ")
	}
	for _, f := range []struct{ path, name string }{
		{"../../examples/django/.gitlab-ci.yml", "staging"},
		{"../../components/templates/review-app/template.yml", "review"},
	} {
		src, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatal(err)
		}
		var found []string
		for _, m := range setKey.FindAllStringSubmatch(string(src), -1) {
			found = append(found, m[1]+"=")
		}
		for _, d := range deployments {
			if d.name == f.name && keysOf(found) != keysOf(d.sets) {
				t.Errorf("%s passes --set %s; the test's %s deployment sets %s", f.path, keysOf(found), d.name, keysOf(d.sets))
			}
		}
	}
}
