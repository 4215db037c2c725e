package chart_test

// What the chart offers to serve any Django image (cookiecutter-django's
// production image in particular), each switch rendered by Helm and
// decoded strictly.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

func render(t *testing.T, sets ...string) objects {
	t.Helper()
	manifest, err := template(t, "app", "review-x", setValues(t, append([]string{"existingSecret=app-env"}, sets...)...))
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, manifest)
}

func renderFails(t *testing.T, want string, sets ...string) {
	t.Helper()
	_, err := template(t, "app", "review-x", setValues(t, append([]string{"existingSecret=app-env"}, sets...)...))
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("--set %v must fail on %q, got %v", sets, want, err)
	}
}

func findDeployment(t *testing.T, objs objects, name string) appsv1.Deployment {
	t.Helper()
	var names []string
	for _, d := range objs.Deployments {
		if d.Name == name {
			return d
		}
		names = append(names, d.Name)
	}
	t.Fatalf("no Deployment %s; there are %v", name, names)
	return appsv1.Deployment{}
}

func header(hs []corev1.HTTPHeader, name string) string {
	for _, h := range hs {
		if h.Name == name {
			return h.Value
		}
	}
	return ""
}

func envValue(env []corev1.EnvVar, name string) string {
	for _, e := range env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func configMapValue(objs objects, name string) string {
	for _, c := range objs.ConfigMaps {
		if v, ok := c.Data[name]; ok {
			return v
		}
	}
	return ""
}

func mountsEmptyDir(pod corev1.PodSpec, c corev1.Container, path string) bool {
	for _, m := range c.VolumeMounts {
		if m.MountPath != path {
			continue
		}
		for _, v := range pod.Volumes {
			if v.Name == m.Name && v.EmptyDir != nil {
				return true
			}
		}
	}
	return false
}

// checkSelectors: each Deployment's selector matches its own pods and no
// other workload's, and the Service reaches only the web pods (a worker
// with no port behind it would fail requests).
func checkSelectors(t *testing.T, objs objects) {
	t.Helper()
	type podOf struct {
		owner  string
		labels labels.Set
	}
	var pods []podOf
	for _, d := range objs.Deployments {
		pods = append(pods, podOf{"Deployment " + d.Name, d.Spec.Template.Labels})
	}
	for _, j := range objs.Jobs {
		pods = append(pods, podOf{"Job " + j.Name, j.Spec.Template.Labels})
	}
	for _, d := range objs.Deployments {
		sel := labels.SelectorFromSet(d.Spec.Selector.MatchLabels)
		for _, p := range pods {
			if matches := sel.Matches(p.labels); matches != (p.owner == "Deployment "+d.Name) {
				t.Errorf("Deployment %s's selector %s matches %s: %v", d.Name, sel, p.owner, matches)
			}
		}
	}
	for _, s := range objs.Services {
		sel := labels.SelectorFromSet(s.Spec.Selector)
		n := 0
		for _, p := range pods {
			if sel.Matches(p.labels) {
				n++
				if want := s.Name; p.owner != "Deployment "+want {
					t.Errorf("Service %s selects %s", s.Name, p.owner)
				}
			}
		}
		if n != 1 {
			t.Errorf("Service %s selects %d workloads", s.Name, n)
		}
	}
}

// appContainers are every container of the app's image: web, its init
// containers, worker, beat and the migration Job.
func appContainers(objs objects) map[string]corev1.Container {
	cs := map[string]corev1.Container{}
	for _, d := range objs.Deployments {
		if strings.HasSuffix(d.Name, "-redis") {
			continue
		}
		for _, c := range append(d.Spec.Template.Spec.InitContainers, d.Spec.Template.Spec.Containers...) {
			cs[d.Name+"/"+c.Name] = c
		}
	}
	for _, j := range objs.Jobs {
		for _, c := range j.Spec.Template.Spec.Containers {
			cs[j.Name+"/"+c.Name] = c
		}
	}
	return cs
}

// Defect 1: cookiecutter-django's image has ENTRYPOINT /entrypoint and no
// CMD, so the chart must set the command or the arguments; by default it
// keeps the image's own.
func TestCommandAndArgs(t *testing.T) {
	web := findDeployment(t, render(t), "app-django-app").Spec.Template.Spec.Containers[0]
	if web.Command != nil || web.Args != nil {
		t.Errorf("by default the image's ENTRYPOINT and CMD run: %v %v", web.Command, web.Args)
	}
	web = findDeployment(t, render(t, "command[0]=/start"), "app-django-app").Spec.Template.Spec.Containers[0]
	if fmt.Sprint(web.Command) != "[/start]" || web.Args != nil {
		t.Errorf("command: %v %v", web.Command, web.Args)
	}
	web = findDeployment(t, render(t, "args={/start,--verbose}"), "app-django-app").Spec.Template.Spec.Containers[0]
	if web.Command != nil || fmt.Sprint(web.Args) != "[/start --verbose]" {
		t.Errorf("args keep the ENTRYPOINT: %v %v", web.Command, web.Args)
	}
}

// Defect 2: the app's environment comes from the release's Secret, a
// ConfigMap of the non-secret values, and any existing Secrets or
// ConfigMaps; the migration hook, which runs before the ConfigMap exists
// on a first install, gets the values inline.
func TestEnvironmentSources(t *testing.T) {
	objs := render(t, append(everything, "env.DJANGO_SETTINGS_MODULE=config.settings.production", "env.CONN_MAX_AGE=60")...)
	if len(objs.ConfigMaps) != 1 || objs.ConfigMaps[0].Data["DJANGO_SETTINGS_MODULE"] != "config.settings.production" || objs.ConfigMaps[0].Data["CONN_MAX_AGE"] != "60" {
		t.Fatalf("the ConfigMap holds %+v", objs.ConfigMaps)
	}
	cm := objs.ConfigMaps[0].Name
	for name, c := range appContainers(objs) {
		var from []string
		for _, f := range c.EnvFrom {
			switch {
			case f.SecretRef != nil:
				from = append(from, "secret/"+f.SecretRef.Name)
			case f.ConfigMapRef != nil:
				from = append(from, "configmap/"+f.ConfigMapRef.Name)
			}
		}
		want := "[configmap/" + cm + " secret/app-env secret/mailgun configmap/shared-settings]"
		if strings.HasSuffix(name, "-migrate/migrate") {
			want = "[secret/app-env secret/mailgun configmap/shared-settings]"
			if envValue(c.Env, "DJANGO_SETTINGS_MODULE") != "config.settings.production" {
				t.Errorf("%s: the hook must get env inline: %v", name, c.Env)
			}
		}
		if fmt.Sprint(from) != want {
			t.Errorf("%s reads %v, want %s", name, from, want)
		}
	}
	a := findDeployment(t, objs, "app-django-app").Spec.Template.Annotations["checksum/env"]
	b := findDeployment(t, render(t, append(everything, "env.DJANGO_SETTINGS_MODULE=config.settings.other")...), "app-django-app").Spec.Template.Annotations["checksum/env"]
	if a == "" || a == b {
		t.Error("a change of env must roll the pods (checksum/env)")
	}
	if objs := render(t, "env=null"); len(objs.ConfigMaps) != 0 {
		t.Error("no env, no ConfigMap")
	}
}

// Defect 3: probes reach the app with a Host it accepts (ALLOWED_HOSTS
// holds the ingress host, the pod's IP gets 400 DisallowedHost), at a
// configurable path, or by TCP where there is no health view.
func TestProbes(t *testing.T) {
	probes := func(objs objects) []*corev1.Probe {
		c := findDeployment(t, objs, "app-django-app").Spec.Template.Spec.Containers[0]
		return []*corev1.Probe{c.ReadinessProbe, c.LivenessProbe}
	}
	for _, p := range probes(render(t, "ingress.host=review-x.example.com", "probes.path=/")) {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/" || header(p.HTTPGet.HTTPHeaders, "Host") != "review-x.example.com" ||
			header(p.HTTPGet.HTTPHeaders, "X-Forwarded-Proto") != "https" {
			t.Errorf("HTTP probe: %+v", p)
		}
	}
	for _, p := range probes(render(t, "ingress.tls=false", "probes.host=internal.example.com")) {
		if p == nil || p.HTTPGet == nil || header(p.HTTPGet.HTTPHeaders, "Host") != "internal.example.com" || header(p.HTTPGet.HTTPHeaders, "X-Forwarded-Proto") != "" {
			t.Errorf("probes.host, plain http: %+v", p)
		}
	}
	for _, p := range probes(render(t, "probes.type=tcp")) {
		if p == nil || p.TCPSocket == nil || p.HTTPGet != nil || p.TCPSocket.Port.String() != "http" {
			t.Errorf("TCP probe: %+v", p)
		}
	}
	for _, p := range probes(render(t, "probes.type=none")) {
		if p != nil {
			t.Errorf("probes.type=none: %+v", p)
		}
	}
	renderFails(t, "probes.type must be http, tcp or none", "probes.type=exec")
}

// Defect 4: static files with a read-only root filesystem: an emptyDir
// at STATIC_ROOT for a start script that collects (cookiecutter-django's
// /start), or an init container that collects into it.
func TestStaticFiles(t *testing.T) {
	pod := findDeployment(t, render(t), "app-django-app").Spec.Template.Spec
	if len(pod.InitContainers) != 0 || len(pod.Volumes) != 1 {
		t.Errorf("by default (static files in the image) nothing is added: %+v %+v", pod.InitContainers, pod.Volumes)
	}
	pod = findDeployment(t, render(t, "staticFiles.path=/app/staticfiles"), "app-django-app").Spec.Template.Spec
	if len(pod.InitContainers) != 0 || !mountsEmptyDir(pod, pod.Containers[0], "/app/staticfiles") {
		t.Errorf("staticFiles.path: an emptyDir at STATIC_ROOT: %+v", pod)
	}
	pod = findDeployment(t, render(t, "staticFiles.path=/app/staticfiles", "staticFiles.collect=true", "image.digest="+digest), "app-django-app").Spec.Template.Spec
	if len(pod.InitContainers) != 1 {
		t.Fatalf("staticFiles.collect: want one init container, got %+v", pod.InitContainers)
	}
	init := pod.InitContainers[0]
	if fmt.Sprint(init.Command) != "[python manage.py collectstatic --noinput]" || init.Image != pod.Containers[0].Image ||
		!mountsEmptyDir(pod, init, "/app/staticfiles") || !mountsEmptyDir(pod, pod.Containers[0], "/app/staticfiles") {
		t.Errorf("the init container must collect into the web container's volume: %+v", init)
	}
	if init.SecurityContext == nil || init.SecurityContext.ReadOnlyRootFilesystem == nil || !*init.SecurityContext.ReadOnlyRootFilesystem || init.Resources.Limits.Memory().IsZero() {
		t.Errorf("the init container must be as locked down and bounded as the app: %+v", init)
	}
	renderFails(t, "staticFiles.path", "staticFiles.collect=true")
}

// Defect 5: the migration Job has requests and limits, is not a pod of
// the web Deployment (whose labels the review-app component's exec
// selects), and is off when the pipeline migrates itself.
func TestMigrationJob(t *testing.T) {
	objs := render(t, "image.digest="+digest)
	if len(objs.Jobs) != 1 {
		t.Fatalf("want the hook Job: %d", len(objs.Jobs))
	}
	j := objs.Jobs[0]
	checkResources(t, j.Spec.Template.Spec.Containers[0].Resources, valuesAt(chartValues(t), "migrations", "resources"))
	if j.Spec.Template.Labels["app.kubernetes.io/component"] != "migrate" {
		t.Errorf("the hook's pods must not carry the web pods' labels: %v", j.Spec.Template.Labels)
	}
	web := findDeployment(t, objs, "app-django-app")
	if web.Spec.Template.Labels["app.kubernetes.io/component"] != "web" {
		t.Errorf("the web pods must carry app.kubernetes.io/component=web (review-app's pod_selector): %v", web.Spec.Template.Labels)
	}
	checkSelectors(t, objs)
	if objs := render(t, "migrations.enabled=false"); len(objs.Jobs) != 0 {
		t.Error("migrations.enabled=false must render no Job")
	}
}

// Defect 6: Celery's worker and beat from the app's image with their own
// commands, and a small in-cluster Redis whose URL the app gets.
func TestCeleryAndRedis(t *testing.T) {
	objs := render(t, "worker.enabled=true", "worker.args[0]=/start-celeryworker", "worker.replicaCount=3",
		"beat.enabled=true", "beat.command[0]=/start-celerybeat", "beat.replicaCount=4", "redis.enabled=true")
	checkSelectors(t, objs)
	w := findDeployment(t, objs, "app-django-app-worker")
	if fmt.Sprint(w.Spec.Template.Spec.Containers[0].Args) != "[/start-celeryworker]" || *w.Spec.Replicas != 3 {
		t.Errorf("worker: %v x%d", w.Spec.Template.Spec.Containers[0].Args, *w.Spec.Replicas)
	}
	b := findDeployment(t, objs, "app-django-app-beat")
	if fmt.Sprint(b.Spec.Template.Spec.Containers[0].Command) != "[/start-celerybeat]" || *b.Spec.Replicas != 1 || b.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("beat must run once, replaced rather than rolled: %v x%d %s", b.Spec.Template.Spec.Containers[0].Command, *b.Spec.Replicas, b.Spec.Strategy.Type)
	}
	for _, d := range []appsv1.Deployment{w, b} {
		c := d.Spec.Template.Spec.Containers[0]
		if c.ReadinessProbe != nil || len(c.Ports) != 0 || c.Resources.Limits.Memory().IsZero() {
			t.Errorf("%s: no port or probe, bounded resources: %+v", d.Name, c)
		}
	}
	r := findDeployment(t, objs, "app-django-app-redis")
	rc := r.Spec.Template.Spec.Containers[0]
	img := valuesAt(chartValues(t), "redis", "image").(map[string]any)
	if want := fmt.Sprintf("%s:%s@%s", img["repository"], img["tag"], img["digest"]); rc.Image != want || !strings.Contains(rc.Image, "@sha256:") {
		t.Errorf("Redis image %s, want %s, pinned by digest", rc.Image, want)
	}
	sc := r.Spec.Template.Spec.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || rc.SecurityContext == nil || !*rc.SecurityContext.ReadOnlyRootFilesystem || !mountsEmptyDir(r.Spec.Template.Spec, rc, "/data") {
		t.Errorf("Redis must run as non-root on a read-only root with /data an emptyDir: %+v", r.Spec.Template.Spec)
	}
	for name, c := range appContainers(objs) {
		for _, v := range []string{"REDIS_URL", "CELERY_BROKER_URL"} {
			if got := envValue(c.Env, v); got != "redis://app-django-app-redis:6379/0" {
				t.Errorf("%s: %s=%q, want the review Redis's Service", name, v, got)
			}
		}
	}
	if objs := render(t); len(objs.Deployments) != 1 || envValue(objs.Deployments[0].Spec.Template.Spec.Containers[0].Env, "REDIS_URL") != "" {
		t.Error("worker, beat and Redis are off by default (an external REDIS_URL comes from the Secret)")
	}
	renderFails(t, "worker.enabled needs worker.command or worker.args", "worker.enabled=true")
}

// Every name stays a DNS label with the longest release review-app makes
// (CI_ENVIRONMENT_SLUG, 24 characters) and a much longer one.
func TestNamesAreDNSLabels(t *testing.T) {
	for _, release := range []string{"review-feat-x-abc123-xyz", strings.Repeat("r", 53)} {
		manifest, err := template(t, release, "review-x", setValues(t, everything...))
		if err != nil {
			t.Fatal(err)
		}
		objs := decode(t, manifest)
		for _, d := range objs.Deployments {
			checkName(t, "Deployment", d.Name)
		}
		for _, s := range objs.Services {
			checkName(t, "Service", s.Name)
		}
		for _, c := range objs.ConfigMaps {
			checkName(t, "ConfigMap", c.Name)
		}
		for _, j := range objs.Jobs {
			checkName(t, "Job", j.Name)
		}
		checkSelectors(t, objs)
	}
}

// The chart's Redis image is recorded in components/IMAGES.md, where
// each image's source and digest are.
func TestChartImagesAreRecorded(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "components", "IMAGES.md"))
	if err != nil {
		t.Fatal(err)
	}
	img := valuesAt(chartValues(t), "redis", "image").(map[string]any)
	for _, want := range []string{fmt.Sprint(img["repository"]), fmt.Sprint(img["tag"]), fmt.Sprint(img["digest"])} {
		if !strings.Contains(string(raw), "`"+want+"`") {
			t.Errorf("components/IMAGES.md does not record %s of the chart's Redis image", want)
		}
	}
}
