// Command review-release prints, as JSON, what the rendered review
// release gives the web container of a project's review app and the
// chart's migration hook: command, args, env, the ConfigMap and Secret
// sources of envFrom (the ConfigMap's data as rendered; a Secret's keys
// as the deploy job created it), the port, the readiness probe's path
// and headers, the read-only root and the emptyDir mounts.
//
//	go run ./cmd/review-release -dir PROJECT [-pipeline .gitlab-ci.yml] [-job review-deploy]
//
// It renders the project's pipeline against this checkout's catalog,
// runs the deploy job's script with tests/components' fakes of kubectl
// and helm (internal/release), and replays the recorded helm call into
// the real `helm template` of go.mod's Helm. A chart the job takes from
// a Helm repository (--repo) is rendered from this checkout's
// components/charts/NAME instead, with the job's other flags: the
// catalog publishes that folder (tests/chart's TestPublishChart and
// TestPipelinesRenderWithTheRealHelm render the published package).
// The CI/CD variables the job reads (secret_variables, the superuser's,
// the review database's admin URL) are set to placeholders: only the
// Secret's keys are printed, never a value.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/lint"
	"gitlab.com/trustci/cicd/tests/chart/internal/release"
	"gitlab.com/trustci/cicd/tests/internal/runner"
	corev1 "k8s.io/api/core/v1"
)

// Container is what a container of the release runs with.
type Container struct {
	Command []string `json:"command"`
	Args    []string `json:"args"`
	// Env is the container's env, in order (values only: the chart sets
	// no valueFrom).
	Env []EnvVar `json:"env"`
	// EnvFrom is the container's envFrom, in order.
	EnvFrom []EnvSource `json:"envFrom"`
	// Port is the first containerPort, 0 for none.
	Port  int32  `json:"port"`
	Probe *Probe `json:"readinessProbe,omitempty"`
	// ReadOnlyRoot is securityContext.readOnlyRootFilesystem.
	ReadOnlyRoot bool `json:"readOnlyRootFilesystem"`
	// EmptyDirs are the mount paths of the pod's emptyDir volumes.
	EmptyDirs []string `json:"emptyDirs"`
}

type EnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// EnvSource is a ConfigMap (its rendered data) or a Secret (the keys
// the deploy job created it with).
type EnvSource struct {
	ConfigMap string            `json:"configMap,omitempty"`
	Data      map[string]string `json:"data,omitempty"`
	Secret    string            `json:"secret,omitempty"`
	Keys      []string          `json:"keys,omitempty"`
}

type Probe struct {
	Path    string            `json:"path"`
	Port    string            `json:"port"`
	Headers map[string]string `json:"headers"`
}

// Summary is the command's output.
type Summary struct {
	Release string `json:"release"`
	Chart   string `json:"chart"`
	// Host is the ingress host.
	Host    string     `json:"host"`
	Web     Container  `json:"web"`
	Migrate *Container `json:"migrate,omitempty"`
}

func main() {
	dir := flag.String("dir", "", "the project's root")
	pipeline := flag.String("pipeline", ".gitlab-ci.yml", "the pipeline file, relative to -dir")
	job := flag.String("job", "review-deploy", "the deploy job")
	flag.Parse()
	if *dir == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: review-release -dir PROJECT [-pipeline FILE] [-job JOB]")
		os.Exit(2)
	}
	s, err := summarize(*dir, *pipeline, *job)
	if err != nil {
		fmt.Fprintln(os.Stderr, "review-release:", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(s)
}

func summarize(dir, pipeline, jobName string) (*Summary, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	l, err := lint.New(lint.Options{Root: dir, ServerFQDN: "gitlab.com",
		Catalogs: map[string]string{runner.CatalogPrefix: filepath.Join(runner.RepoRoot(), "components")}})
	if err != nil {
		return nil, err
	}
	res, err := l.File(filepath.Join(dir, pipeline))
	if err != nil {
		return nil, err
	}
	if finding.HasErrors(res.Findings) || res.Pipeline == nil {
		return nil, fmt.Errorf("cilint finds errors in %s: run cilint lint", pipeline)
	}
	j := res.Pipeline.Job(jobName)
	if j == nil {
		return nil, fmt.Errorf("no job %s", jobName)
	}
	vars := map[string]string{}
	for _, p := range j.Node.Get("variables").Pairs {
		vars[p.Key.Name()] = p.Value.Name()
	}
	env := map[string]string{
		"CI_PROJECT_ID": "4242", "CI_PROJECT_PATH": "client/my-awesome-project",
		"CI_PROJECT_URL": "https://gitlab.example.com/client/my-awesome-project", "CI_API_V4_URL": "https://gitlab.example.com/api/v4",
		"CI_COMMIT_SHA": "0123456789abcdef0123456789abcdef01234567", "CI_COMMIT_REF_SLUG": "feature-x",
		"CI_REGISTRY": "registry.example.com", "CI_JOB_TOKEN": "placeholder",
		"CI_ENVIRONMENT_SLUG": "review-feature-x-3f9a1c", "CI_PIPELINE_SOURCE": "merge_request_event",
		"IMAGE_REF_DIGEST": "registry.example.com/client/my-awesome-project@sha256:" + strings.Repeat("0", 64),
	}
	for _, list := range []string{"INPUT_SECRET_VARIABLES", "INPUT_SUPERUSER_VARIABLES"} {
		for _, name := range strings.Fields(vars[list]) {
			env[name] = "placeholder"
		}
	}
	if v := vars["INPUT_DB_ADMIN_URL_VARIABLE"]; v != "" {
		env[v] = "postgres://admin:placeholder@db.internal:5432/postgres"
	}
	tmp, err := os.MkdirTemp("", "review-release-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	calls, log, err := release.Record(j.Node, env, tmp)
	if err != nil {
		return nil, err
	}
	if len(calls) != 1 {
		return nil, fmt.Errorf("want one helm call, got %d: %q", len(calls), calls)
	}
	call := calls[0]
	chart := call[3]
	templateDir := dir
	if repo := call.Flag("--repo"); repo != "" {
		local := filepath.Join(runner.RepoRoot(), "components", "charts", chart)
		if _, err := os.Stat(filepath.Join(local, "Chart.yaml")); err != nil {
			return nil, fmt.Errorf("chart %s from %s: no %s in this checkout", chart, repo, local)
		}
		note := fmt.Sprintf("components/charts/%s of this checkout, for %s %s from %s", chart, chart, call.Flag("--version"), repo)
		call = withoutFlags(call, "--repo", "--version")
		call[3] = local
		chart = note
	}
	helm, err := release.BuildHelm(tmp)
	if err != nil {
		return nil, err
	}
	manifest, err := release.Template(helm, call, templateDir, release.HelmEnv(filepath.Join(tmp, "helm-home")))
	if err != nil {
		return nil, err
	}
	objs, err := release.Decode(manifest)
	if err != nil {
		return nil, err
	}
	s := &Summary{Release: call[2], Chart: chart}
	if len(objs.Ingresses) == 1 && len(objs.Ingresses[0].Spec.Rules) > 0 {
		s.Host = objs.Ingresses[0].Spec.Rules[0].Host
	}
	secrets := release.SecretKeys(log)
	found := false
	for _, d := range objs.Deployments {
		if d.Name == s.Release+"-django-app" {
			found = true
			if s.Web, err = container(d.Spec.Template.Spec, objs, secrets); err != nil {
				return nil, err
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("no web Deployment %s-django-app", s.Release)
	}
	for _, jb := range objs.Jobs {
		if jb.Labels["app.kubernetes.io/component"] == "migrate" {
			c, err := container(jb.Spec.Template.Spec, objs, secrets)
			if err != nil {
				return nil, err
			}
			s.Migrate = &c
		}
	}
	return s, nil
}

func withoutFlags(c release.Call, names ...string) release.Call {
	var out release.Call
	for i := 0; i < len(c); i++ {
		drop := false
		for _, n := range names {
			if c[i] == n {
				drop = true
				i++
			} else if strings.HasPrefix(c[i], n+"=") {
				drop = true
			}
		}
		if !drop {
			out = append(out, c[i])
		}
	}
	return out
}

// container summarizes a pod's first container.
func container(pod corev1.PodSpec, objs release.Objects, secrets map[string][]string) (Container, error) {
	if len(pod.Containers) == 0 {
		return Container{}, fmt.Errorf("a pod without containers")
	}
	c := pod.Containers[0]
	out := Container{Command: c.Command, Args: c.Args, Env: []EnvVar{}, EnvFrom: []EnvSource{}, EmptyDirs: []string{}}
	for _, e := range c.Env {
		if e.ValueFrom != nil {
			return out, fmt.Errorf("env %s comes from valueFrom, which this command does not resolve", e.Name)
		}
		out.Env = append(out.Env, EnvVar{e.Name, e.Value})
	}
	for _, src := range c.EnvFrom {
		switch {
		case src.Prefix != "":
			return out, fmt.Errorf("envFrom with prefix %q, which this command does not resolve", src.Prefix)
		case src.ConfigMapRef != nil:
			var data map[string]string
			for _, cm := range objs.ConfigMaps {
				if cm.Name == src.ConfigMapRef.Name {
					data = cm.Data
				}
			}
			if data == nil {
				return out, fmt.Errorf("envFrom ConfigMap %s is not in the release", src.ConfigMapRef.Name)
			}
			out.EnvFrom = append(out.EnvFrom, EnvSource{ConfigMap: src.ConfigMapRef.Name, Data: data})
		case src.SecretRef != nil:
			keys, ok := secrets[src.SecretRef.Name]
			if !ok {
				return out, fmt.Errorf("envFrom Secret %s was not created by the deploy job", src.SecretRef.Name)
			}
			sort.Strings(keys)
			out.EnvFrom = append(out.EnvFrom, EnvSource{Secret: src.SecretRef.Name, Keys: keys})
		}
	}
	if len(c.Ports) > 0 {
		out.Port = c.Ports[0].ContainerPort
	}
	if p := c.ReadinessProbe; p != nil && p.HTTPGet != nil {
		out.Probe = &Probe{Path: p.HTTPGet.Path, Port: p.HTTPGet.Port.String(), Headers: map[string]string{}}
		for _, h := range p.HTTPGet.HTTPHeaders {
			out.Probe.Headers[h.Name] = h.Value
		}
	}
	if sc := c.SecurityContext; sc != nil && sc.ReadOnlyRootFilesystem != nil {
		out.ReadOnlyRoot = *sc.ReadOnlyRootFilesystem
	}
	empty := map[string]bool{}
	for _, v := range pod.Volumes {
		if v.EmptyDir != nil {
			empty[v.Name] = true
		}
	}
	for _, m := range c.VolumeMounts {
		if empty[m.Name] {
			out.EmptyDirs = append(out.EmptyDirs, m.MountPath)
		}
	}
	return out, nil
}
