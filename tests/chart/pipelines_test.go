package chart_test

// The Helm calls of every pipeline that deploys the chart, replayed into
// the real helm: each deploy job's script runs as a runner runs it, with
// tests/components' fakes of kubectl and helm on PATH (the helm fake
// records its exact argument list), and each recorded `helm upgrade
// --install` is run again as `helm template` with the same arguments by
// the helm command of Helm v3.22.0 (go.mod's tool), whose output is
// decoded strictly. The chart comes from where the job says: a path, or
// the catalog's Helm package registry, which a fake of GitLab's Helm API
// serves after the catalog's publish-chart job has pushed it there.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"gitlab.com/trustci/cicd/linter/lint"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/tests/internal/runner"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/cli/values"
	"helm.sh/helm/v3/pkg/getter"
	"helm.sh/helm/v3/pkg/repo"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"gitlab.com/trustci/cicd/tests/chart/internal/release"
)

// helm is the real helm of go.mod's Helm, built once per package run.
var helm runner.Binary

func TestMain(m *testing.M) {
	code := m.Run()
	helm.Remove()
	os.Exit(code)
}

// helmBin is the path of the helm command of go.mod's Helm.
func helmBin(t *testing.T) string {
	t.Helper()
	return helm.Path(t, "", "helm.sh/helm/v3/cmd/helm", "helm")
}

// helmEnv keeps helm's cache, configuration and data in the test's
// folders.
func helmEnv(t *testing.T) []string { return release.HelmEnv(t.TempDir()) }

func jobNode(t *testing.T, res *lint.Result, name string) *load.Node {
	t.Helper()
	j := res.Pipeline.Job(name)
	if j == nil {
		t.Fatalf("no job %s", name)
	}
	return j.Node
}

// helmRegistry is a fake of GitLab's Helm API for one project
// (doc/user/packages/helm_repository, doc/api/packages/helm.md): a chart
// is pushed with POST projects/:id/packages/helm/api/:channel/charts, a
// multipart form whose field chart is the .tgz, with the job token as
// the password of gitlab-ci-token; the channel's index.yaml and the
// charts are read with GET projects/:id/packages/helm/:channel/...
// (a public project: no credentials). The project is named by its ID or
// its URL-encoded path.
type helmRegistry struct {
	t         *testing.T
	ids       []string // the project's ID and URL-encoded path
	token     string
	mu        sync.Mutex
	charts    map[string][]byte // file name -> .tgz, channel stable
	index     *repo.IndexFile
	uploads   int
	rejected  []string
	serverURL string
}

func newHelmRegistry(t *testing.T, token string, ids ...string) *helmRegistry {
	r := &helmRegistry{t: t, ids: ids, token: token, charts: map[string][]byte{}, index: repo.NewIndexFile()}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	r.serverURL = srv.URL
	return r
}

func (r *helmRegistry) reject(w http.ResponseWriter, code int, why string) {
	r.rejected = append(r.rejected, why)
	w.WriteHeader(code)
	fmt.Fprintf(w, `{"message":%q}`, why)
}

func (r *helmRegistry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	path := req.URL.EscapedPath()
	var rest string
	for _, id := range r.ids {
		if p, ok := strings.CutPrefix(path, "/api/v4/projects/"+id+"/packages/helm/"); ok {
			rest = p
		}
	}
	if rest == "" {
		r.reject(w, http.StatusNotFound, "404 Project Not Found: "+path)
		return
	}
	switch {
	case rest == "api/stable/charts":
		if req.Method != http.MethodPost {
			r.reject(w, http.StatusMethodNotAllowed, req.Method+" on the upload endpoint")
			return
		}
		if user, pass, ok := req.BasicAuth(); !ok || user != "gitlab-ci-token" || pass != r.token {
			r.reject(w, http.StatusUnauthorized, "401 Unauthorized")
			return
		}
		file, header, err := req.FormFile("chart")
		if err != nil {
			r.reject(w, http.StatusBadRequest, "chart is missing: "+err.Error())
			return
		}
		b, _ := io.ReadAll(file)
		ch, err := loader.LoadArchive(bytes.NewReader(b))
		if err != nil {
			r.reject(w, http.StatusBadRequest, "not a chart: "+err.Error())
			return
		}
		name := fmt.Sprintf("%s-%s.tgz", ch.Metadata.Name, ch.Metadata.Version)
		if header.Filename != name {
			r.reject(w, http.StatusBadRequest, "file "+header.Filename+" holds "+name)
			return
		}
		sum := sha256.Sum256(b)
		r.charts[name] = b
		if err := r.index.MustAdd(ch.Metadata, "charts/"+name, "", hex.EncodeToString(sum[:])); err != nil {
			r.reject(w, http.StatusBadRequest, err.Error())
			return
		}
		r.uploads++
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"message":"201 Created"}`)
	case req.Method == http.MethodGet && rest == "stable/index.yaml":
		r.index.SortEntries()
		b, _ := yaml.Marshal(r.index)
		w.Write(b)
	case req.Method == http.MethodGet && strings.HasPrefix(rest, "stable/charts/"):
		b, ok := r.charts[strings.TrimPrefix(rest, "stable/charts/")]
		if !ok {
			r.reject(w, http.StatusNotFound, "404 Not Found")
			return
		}
		w.Write(b)
	default:
		r.reject(w, http.StatusNotFound, "404 Not Found: "+req.Method+" "+path)
	}
}

// ciEnv is what GitLab predefines for the job, the secrets the pipelines
// name, and what the fakes need.
func ciEnv(dir, apiURL string) map[string]string {
	return map[string]string{
		"CI_PROJECT_DIR": dir, "CI_PROJECT_ID": "4242", "CI_PROJECT_PATH": "trustci/components",
		"CI_PROJECT_URL": "https://gitlab.example.com/trustci/components", "CI_API_V4_URL": apiURL,
		"CI_COMMIT_SHA": "0123456789abcdef0123456789abcdef01234567", "CI_COMMIT_REF_SLUG": "feat-x",
		"CI_REGISTRY": "registry.example.com", "CI_JOB_TOKEN": "job-token-do-not-print",
		"CI_ENVIRONMENT_SLUG": "review-feat-x-abc123", "CI_PIPELINE_SOURCE": "merge_request_event",
		"IMAGE_REF_DIGEST":  "registry.example.com/agency/project@" + digest,
		"DJANGO_SECRET_KEY": "s", "DJANGO_ADMIN_URL": "s", "MAILGUN_API_KEY": "s",
		"DJANGO_AWS_ACCESS_KEY_ID": "s", "DJANGO_AWS_SECRET_ACCESS_KEY": "s",
		"DJANGO_SUPERUSER_USERNAME": "pm", "DJANGO_SUPERUSER_EMAIL": "pm@example.com", "DJANGO_SUPERUSER_PASSWORD": "s",
		"REVIEW_DB_ADMIN_URL": "postgres://admin:s@db.internal:5432/postgres",
	}
}

// runJob runs a job's script with the PATH given first and returns its
// output and status.
func runJob(t *testing.T, j *load.Node, dir string, env map[string]string, path string) (string, int) {
	t.Helper()
	script := filepath.Join(t.TempDir(), "job.sh")
	if err := os.WriteFile(script, []byte(runner.JobScript(j, env, nil)), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", script)
	cmd.Dir = dir
	cmd.Env = append(helmEnv(t), "PATH="+path+":"+os.Getenv("PATH"), "FAKE_LOG="+filepath.Join(t.TempDir(), "fake.log"))
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return runner.Output(t, cmd)
}

// publish runs the catalog project's publish-chart job at a tag, with
// the real helm and curl, against the registry.
func publish(t *testing.T, reg *helmRegistry, tag string) {
	t.Helper()
	j := jobNode(t, runner.RenderRepoFile(t, "components/.gitlab-ci.yml"), "publish-chart")
	// The catalog project's tree: components/ is its root.
	dir := t.TempDir()
	if out, err := exec.Command("cp", "-R", filepath.Join(runner.RepoRoot(), "components", "charts"), dir).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	env := ciEnv(dir, reg.serverURL+"/api/v4")
	env["CI_COMMIT_TAG"] = tag
	env["CI_JOB_TOKEN"] = reg.token
	out, code := runJob(t, j, dir, env, filepath.Dir(helmBin(t)))
	if code != 0 {
		t.Fatalf("publish-chart %s: exit %d:\n%s\nrejected: %v", tag, code, out, reg.rejected)
	}
	if strings.Contains(out, reg.token) {
		t.Error("the job token shows in the job log")
	}
}

// TestPublishChart pushes the chart as the catalog's release pipeline
// does: the request is the documented one (POST, the project's Helm API
// path, the job token, the multipart field chart), the .tgz is a chart
// Helm loads, and its version is the catalog's tag, whatever Chart.yaml
// says. A wrong token is refused and fails the job (curl
// --fail-with-body).
func TestPublishChart(t *testing.T) {
	reg := newHelmRegistry(t, "job-token-do-not-print", "4242", "trustci%2Fcomponents")
	for _, tag := range []string{"1.0.0", "1.4.2"} {
		publish(t, reg, tag)
		b, ok := reg.charts["django-app-"+tag+".tgz"]
		if !ok {
			t.Fatalf("no django-app-%s.tgz pushed; got %d uploads, rejected %v", tag, reg.uploads, reg.rejected)
		}
		ch, err := loader.LoadArchive(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if ch.Metadata.Name != "django-app" || ch.Metadata.Version != tag {
			t.Errorf("pushed %s %s, want django-app %s", ch.Metadata.Name, ch.Metadata.Version, tag)
		}
		if len(ch.Templates) == 0 || ch.Values["existingSecret"] == nil {
			t.Errorf("the pushed chart lacks its templates or values")
		}
	}
	if reg.uploads != 2 || len(reg.rejected) != 0 {
		t.Errorf("%d uploads, rejected %v", reg.uploads, reg.rejected)
	}

	t.Run("wrong token", func(t *testing.T) {
		bad := newHelmRegistry(t, "another-token", "4242")
		j := jobNode(t, runner.RenderRepoFile(t, "components/.gitlab-ci.yml"), "publish-chart")
		dir := t.TempDir()
		exec.Command("cp", "-R", filepath.Join(runner.RepoRoot(), "components", "charts"), dir).Run()
		env := ciEnv(dir, bad.serverURL+"/api/v4")
		env["CI_COMMIT_TAG"] = "1.0.0"
		out, code := runJob(t, j, dir, env, filepath.Dir(helmBin(t)))
		if code == 0 || bad.uploads != 0 || !strings.Contains(out, "401") {
			t.Errorf("a refused upload must fail the job: exit %d, %d uploads:\n%s", code, bad.uploads, out)
		}
	})
}

// helmCall is one recorded helm invocation.
type helmCall []string

// recordHelm runs a deploy job with the fakes and returns its helm
// calls (exactly as passed) and the fakes' log.
func recordHelm(t *testing.T, j *load.Node, env map[string]string) ([]helmCall, string) {
	t.Helper()
	recorded, log, err := release.Record(j, env, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var calls []helmCall
	for _, c := range recorded {
		calls = append(calls, helmCall(c))
	}
	return calls, log
}

// replay runs a recorded `helm upgrade --install RELEASE CHART FLAGS...`
// as `helm template RELEASE CHART FLAGS...` with the real helm in dir
// (where the job's relative chart and values paths point): every flag is
// the job's own, parsed by Helm.
func replay(t *testing.T, call helmCall, dir string) string {
	t.Helper()
	out, err := release.Template(helmBin(t), release.Call(call), dir, helmEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// flag is the value of the last --name in a call, or "".
func (c helmCall) flag(name string) string { return release.Call(c).Flag(name) }

// values are the values the call's --set, --set-string and
// --set-literal flags give, merged by Helm's own values.Options (as
// `helm template` merges them, files aside): what the rendered objects
// must carry.
func (c helmCall) values(t *testing.T) map[string]any {
	t.Helper()
	var opts values.Options
	for i := 0; i+1 < len(c); i++ {
		switch c[i] {
		case "--set":
			opts.Values = append(opts.Values, c[i+1])
		case "--set-string":
			opts.StringValues = append(opts.StringValues, c[i+1])
		case "--set-literal":
			opts.LiteralValues = append(opts.LiteralValues, c[i+1])
		}
	}
	vals, err := opts.MergeValues(getter.Providers{})
	if err != nil {
		t.Fatalf("the job's values: %v", err)
	}
	return vals
}

// str is the value at a path, as a string ("" when unset).
func str(vals map[string]any, path ...string) string {
	if v := valuesAt(vals, path...); v != nil {
		return fmt.Sprint(v)
	}
	return ""
}

// pipelineDeploy is one job that deploys the chart.
type pipelineDeploy struct {
	file, job string
	// dir is where the job's relative paths point: the project's root.
	dir string
}

var pipelineDeploys = []pipelineDeploy{
	{"examples/django/.gitlab-ci.yml", "review-deploy", "examples/django"},
	{"examples/django/.gitlab-ci.yml", "deploy-staging", "examples/django"},
	{"examples/django/.gitlab-ci.yml", "deploy-production", "examples/django"},
	{"examples/cookiecutter-django/.gitlab-ci.yml", "review-deploy", "examples/cookiecutter-django"},
	// The catalog project tests the chart at the commit: components/ is
	// that project's root.
	{"components/.gitlab-ci.yml", "review-deploy", "components"},
	{"components/.gitlab-ci.yml", "example-deploy", "components"},
}

// TestPipelinesRenderWithTheRealHelm replays every deploy job's helm
// call into the real helm and checks what each promises: the recorded
// image, Secret, host and pull secret on every pod, probes that send the
// ingress host to the smoke check's path, one migration path with
// resources, and (cookiecutter-django) the start scripts, port, static
// volume, Celery and Redis.
func TestPipelinesRenderWithTheRealHelm(t *testing.T) {
	reg := newHelmRegistry(t, "job-token-do-not-print", "4242", "trustci%2Fcomponents")
	publish(t, reg, "1.0.0")
	defaults := chartValues(t)
	for _, p := range pipelineDeploys {
		t.Run(p.file+"/"+p.job, func(t *testing.T) {
			j := jobNode(t, runner.RenderRepoFile(t, p.file), p.job)
			calls, log := recordHelm(t, j, ciEnv("", reg.serverURL+"/api/v4"))
			if len(calls) != 1 {
				t.Fatalf("want one helm call, got %d: %q", len(calls), calls)
			}
			call := calls[0]
			if strings.HasPrefix(call[3], "charts/") || strings.HasPrefix(call[3], "./") {
				// A path: the chart of this checkout.
			} else if repoURL := call.flag("--repo"); repoURL != reg.serverURL+"/api/v4/projects/trustci%2Fcomponents/packages/helm/stable" {
				t.Fatalf("chart %s from %q, not the catalog's Helm registry", call[3], repoURL)
			}
			manifest := replay(t, call, filepath.Join(runner.RepoRoot(), p.dir))
			objs := decode(t, manifest)
			vals := call.values(t)
			checkRelease(t, call, vals, objs, defaults, log)
			if p.file == "examples/cookiecutter-django/.gitlab-ci.yml" {
				checkCookiecutter(t, objs)
			}
		})
	}
}

// checkRelease checks what every deployment of the chart promises.
func checkRelease(t *testing.T, call helmCall, vals map[string]any, objs objects, defaults map[string]any, log string) {
	t.Helper()
	release := call[2]
	host, secret := str(vals, "ingress", "host"), str(vals, "existingSecret")
	image := str(vals, "image", "repository") + "@" + str(vals, "image", "digest")
	if host == "" || secret == "" || str(vals, "image", "digest") != digest {
		t.Fatalf("the job must pass the host, the Secret and the image by digest: %v", vals)
	}
	web := findDeployment(t, objs, release+"-django-app")
	pods := map[string]corev1.PodSpec{"Deployment web": web.Spec.Template.Spec}
	for _, d := range objs.Deployments {
		if d.Name != web.Name && !strings.HasSuffix(d.Name, "-redis") {
			pods["Deployment "+d.Name] = d.Spec.Template.Spec
		}
	}
	// One migration path: the chart's hook, or the job's migrate_command
	// (exec'd after the rollout), never both.
	execMigrate := regexp.MustCompile(`(?m)^kubectl -n \S+ exec \S+ -- .*\bmigrate\b`).MatchString(log)
	if execMigrate == (len(objs.Jobs) == 1) || len(objs.Jobs) > 1 {
		t.Errorf("migrations must run exactly once: %d hook Job(s), migrate_command exec'd %v", len(objs.Jobs), execMigrate)
	}
	for _, j := range objs.Jobs {
		pods["Job "+j.Name] = j.Spec.Template.Spec
		checkResources(t, j.Spec.Template.Spec.Containers[0].Resources, valuesAt(defaults, "migrations", "resources"))
	}
	pull := ""
	if ps, ok := vals["imagePullSecrets"].([]any); ok && len(ps) == 1 {
		pull = str(ps[0].(map[string]any), "name")
	}
	for what, pod := range pods {
		checkPod(t, what, pod, defaults, image, secret, pull)
	}
	c := web.Spec.Template.Spec.Containers[0]
	path := str(vals, "probes", "path")
	if path == "" {
		path = valuesAt(defaults, "probes", "path").(string)
	}
	probeType := str(vals, "probes", "type")
	if probeType == "" {
		probeType = "http"
	}
	for name, probe := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		switch {
		case probeType == "http" && (probe == nil || probe.HTTPGet == nil):
			t.Errorf("%s probe: want an HTTP GET, got %+v", name, probe)
		case probeType == "http":
			if probe.HTTPGet.Path != path || probe.HTTPGet.Port.String() != c.Ports[0].Name {
				t.Errorf("%s probe GETs %s on %s; the smoke check reads %s", name, probe.HTTPGet.Path, probe.HTTPGet.Port.String(), path)
			}
			if h := header(probe.HTTPGet.HTTPHeaders, "Host"); h != host {
				t.Errorf("%s probe sends Host %q; Django accepts only the ingress host %s", name, h, host)
			}
		case probeType == "tcp" && (probe == nil || probe.TCPSocket == nil):
			t.Errorf("%s probe: want a TCP probe, got %+v", name, probe)
		}
	}
	if strings.Contains(log, "curl ") && !strings.Contains(log, host+path+"\n") {
		t.Errorf("the smoke check does not read %s%s:\n%s", host, path, log)
	}
	if env := envValue(c.Env, "DJANGO_ALLOWED_HOSTS"); env != host {
		t.Errorf("DJANGO_ALLOWED_HOSTS %q, want %s", env, host)
	}
	if len(objs.Ingresses) != 1 || objs.Ingresses[0].Spec.Rules[0].Host != host {
		t.Errorf("the Ingress must serve %s", host)
	}
	if issuer := str(vals, "ingress", "annotations", "cert-manager.io/cluster-issuer"); issuer != "" {
		ing := objs.Ingresses[0]
		secretName := str(vals, "ingress", "tlsSecretName")
		if ing.Annotations["cert-manager.io/cluster-issuer"] != issuer || len(ing.Spec.TLS) != 1 || ing.Spec.TLS[0].SecretName != secretName {
			t.Errorf("the Ingress must ask %s for its certificate in %s: %v %+v", issuer, secretName, ing.Annotations, ing.Spec.TLS)
		}
	}
	checkSelectors(t, objs)
	if env, ok := vals["env"].(map[string]any); ok {
		for name, v := range env {
			if configMapValue(objs, name) != fmt.Sprint(v) {
				t.Errorf("env.%s=%v is not in the ConfigMap the containers read", name, v)
			}
		}
	}
}

// checkCookiecutter checks the production image of cookiecutter-django
// is served as its Dockerfile and settings need.
func checkCookiecutter(t *testing.T, objs objects) {
	t.Helper()
	release := "review-feat-x-abc123"
	web := findDeployment(t, objs, release+"-django-app")
	c := web.Spec.Template.Spec.Containers[0]
	if fmt.Sprint(c.Command) != "[/start]" || c.Ports[0].ContainerPort != 5000 {
		t.Errorf("the web container must run /start (the image has ENTRYPOINT /entrypoint, no CMD) on gunicorn's port 5000: %v %v", c.Command, c.Ports)
	}
	if !mountsEmptyDir(web.Spec.Template.Spec, c, "/app/staticfiles") {
		t.Error("/start's collectstatic needs STATIC_ROOT (/app/staticfiles) writable: an emptyDir there")
	}
	for component, start := range map[string]string{"worker": "/start-celeryworker", "beat": "/start-celerybeat"} {
		d := findDeployment(t, objs, release+"-django-app-"+component)
		if got := d.Spec.Template.Spec.Containers[0].Command; fmt.Sprint(got) != "["+start+"]" {
			t.Errorf("%s runs %v, want %s", component, got, start)
		}
	}
	redis := findDeployment(t, objs, release+"-django-app-redis")
	if img := redis.Spec.Template.Spec.Containers[0].Image; !strings.Contains(img, "@sha256:") {
		t.Errorf("the review Redis image %s is not pinned by digest", img)
	}
	url := envValue(c.Env, "REDIS_URL")
	found := false
	for _, s := range objs.Services {
		found = found || url == "redis://"+s.Name+":6379/0" && s.Spec.Selector["app.kubernetes.io/component"] == "redis"
	}
	if !found {
		t.Errorf("REDIS_URL %q is not the review Redis's Service", url)
	}
	for _, name := range []string{"DJANGO_SETTINGS_MODULE", "DJANGO_AWS_STORAGE_BUCKET_NAME", "MAILGUN_DOMAIN"} {
		if configMapValue(objs, name) == "" {
			t.Errorf("%s, which config/settings/production.py reads, is not set", name)
		}
	}
	if len(objs.Ingresses[0].Spec.TLS) != 1 {
		t.Error("production settings set secure cookies: the review app must be served over TLS")
	}
}

// TestMigrateCommandTurnsTheHookOff: a review app that migrates with
// migrate_command gets no migration hook from the chart (rendered by the
// real helm from the job's own flags), and the command runs once, in the
// web pod.
func TestMigrateCommandTurnsTheHookOff(t *testing.T) {
	res := runner.Render(t, `stages: [build, review]
include:
  - component: gitlab.com/trustci/components/kaniko-build@1.0.0
  - component: gitlab.com/trustci/components/review-app@1.0.0
    inputs:
      agent: agency/k8s-agents:review
      base_domain: review.example.com
      chart: charts/django-app
      migrate_command: python manage.py migrate --noinput
`)
	calls, log := recordHelm(t, jobNode(t, res, "review-deploy"), ciEnv("", "http://127.0.0.1:9/api/v4"))
	if len(calls) != 1 {
		t.Fatalf("want one helm call: %q", calls)
	}
	objs := decode(t, replay(t, calls[0], filepath.Join(runner.RepoRoot(), "components")))
	if len(objs.Jobs) != 0 {
		t.Errorf("migrate_command and the chart's hook would both migrate: %d Job(s)", len(objs.Jobs))
	}
	if n := len(regexp.MustCompile(`(?m)^kubectl -n \S+ exec \S+ -- python manage.py migrate --noinput$`).FindAllString(log, -1)); n != 1 {
		t.Errorf("migrate_command ran %d times:\n%s", n, log)
	}
}
