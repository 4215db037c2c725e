// Package release records the `helm upgrade --install` call of a
// pipeline's deploy job and renders it with the real helm: the job's
// script runs as a runner runs it, with tests/components' fakes of
// kubectl and helm on PATH (the helm fake records its exact argument
// list, the kubectl fake its calls without secret values), and the
// recorded call is run again as `helm template` with the same arguments,
// whose output decodes strictly into Kubernetes' types. tests/chart's
// tests and cmd/review-release (for tests/customer) share it.
package release

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/tests/internal/runner"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/yaml"
)

// Call is one recorded helm invocation, its arguments exactly as passed.
type Call []string

// Flag is the value of the last --name in the call, or "".
func (c Call) Flag(name string) string {
	v := ""
	for i, a := range c {
		if a == name && i+1 < len(c) {
			v = c[i+1]
		} else if s, ok := strings.CutPrefix(a, name+"="); ok {
			v = s
		}
	}
	return v
}

// Record runs deploy job j's script in a fresh folder under tmp with the
// fakes on PATH and env as its environment (CI_PROJECT_DIR set to that
// folder); it returns the helm calls and the fakes' log.
func Record(j *load.Node, env map[string]string, tmp string) ([]Call, string, error) {
	dir, err := os.MkdirTemp(tmp, "job-")
	if err != nil {
		return nil, "", err
	}
	env = copyEnv(env)
	env["CI_PROJECT_DIR"] = filepath.Join(dir, "project")
	env["FAKE_HELM_ARGS"] = filepath.Join(dir, "helm.args")
	os.MkdirAll(env["CI_PROJECT_DIR"], 0o755)
	os.MkdirAll(filepath.Join(dir, "home"), 0o755)
	if v := j.Get("variables"); v != nil && v.Get("KUBE_CONTEXT") != nil {
		env["FAKE_KUBE_CONTEXT"] = runner.ExpandVariable(v.Get("KUBE_CONTEXT").Text, env)
	}
	fakes := filepath.Join(runner.RepoRoot(), "tests", "components", "fakes")
	logPath := filepath.Join(dir, "fake.log")
	script := filepath.Join(dir, "job.sh")
	if err := os.WriteFile(script, []byte(runner.JobScript(j, env, nil)), 0o755); err != nil {
		return nil, "", err
	}
	cmd := exec.Command("sh", script)
	cmd.Dir = env["CI_PROJECT_DIR"]
	cmd.Env = []string{"PATH=" + fakes + ":" + os.Getenv("PATH"), "HOME=" + filepath.Join(dir, "home"), "FAKE_LOG=" + logPath}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, "", fmt.Errorf("the deploy job fails: %v:\n%s", err, out)
	}
	raw, _ := os.ReadFile(env["FAKE_HELM_ARGS"])
	var calls []Call
	for _, rec := range strings.Split(string(raw), "\x00\n") {
		if rec != "" {
			calls = append(calls, strings.Split(rec, "\x00"))
		}
	}
	log, _ := os.ReadFile(logPath)
	return calls, string(log), nil
}

func copyEnv(env map[string]string) map[string]string {
	c := map[string]string{}
	for k, v := range env {
		c[k] = v
	}
	return c
}

// Template runs a recorded `helm upgrade --install RELEASE CHART
// FLAGS...` as `helm template RELEASE CHART FLAGS...` with the helm
// command helm, in dir (where the job's relative chart and values paths
// point), with env added to the environment: every flag is the job's
// own, parsed by Helm.
func Template(helm string, call Call, dir string, env []string) (string, error) {
	if len(call) < 4 || call[0] != "upgrade" || call[1] != "--install" {
		return "", fmt.Errorf("not a helm upgrade --install: %q", call)
	}
	args := append([]string{"template"}, call[2:]...)
	cmd := exec.Command(helm, args...)
	cmd.Dir = dir
	cmd.Env = append(env, "PATH="+os.Getenv("PATH"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("helm %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// HelmEnv keeps helm's cache, configuration and data under home.
func HelmEnv(home string) []string {
	return []string{"HOME=" + home, "HELM_CACHE_HOME=" + filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME=" + filepath.Join(home, "config"), "HELM_DATA_HOME=" + filepath.Join(home, "data")}
}

// BuildHelm builds the helm command of this module's Helm (go.mod's
// tool) into dir and returns its path.
func BuildHelm(dir string) (string, error) {
	bin := filepath.Join(dir, "helm")
	build := exec.Command("go", "build", "-o", bin, "helm.sh/helm/v3/cmd/helm")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build helm: %v\n%s", err, out)
	}
	return bin, nil
}

// Objects are the rendered objects, decoded strictly into their types.
type Objects struct {
	Deployments []appsv1.Deployment
	Services    []corev1.Service
	Ingresses   []networkingv1.Ingress
	Jobs        []batchv1.Job
	ConfigMaps  []corev1.ConfigMap
}

// Decode decodes a rendered manifest strictly (unknown fields are
// errors); a kind it does not know is an error too.
func Decode(manifest string) (Objects, error) {
	var objs Objects
	var errs []string
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(manifest, -1) {
		if strings.TrimSpace(regexp.MustCompile(`(?m)^#.*$`).ReplaceAllString(doc, "")) == "" {
			continue
		}
		var meta struct{ APIVersion, Kind string }
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			return objs, fmt.Errorf("not YAML: %v\n%s", err, doc)
		}
		var target any
		switch meta.APIVersion + " " + meta.Kind {
		case "apps/v1 Deployment":
			target = grow(&objs.Deployments)
		case "v1 Service":
			target = grow(&objs.Services)
		case "networking.k8s.io/v1 Ingress":
			target = grow(&objs.Ingresses)
		case "v1 ConfigMap":
			target = grow(&objs.ConfigMaps)
		case "batch/v1 Job":
			target = grow(&objs.Jobs)
		default:
			return objs, fmt.Errorf("the chart renders %s %s, which this package does not know: add its type", meta.APIVersion, meta.Kind)
		}
		if err := yaml.UnmarshalStrict([]byte(doc), target); err != nil {
			errs = append(errs, fmt.Sprintf("%s does not decode strictly into Kubernetes' type: %v\n%s", meta.Kind, err, doc))
		}
	}
	if len(errs) > 0 {
		return objs, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return objs, nil
}

// SecretKeys are the keys of the generic Secrets the job created, by
// name, read from the kubectl fake's log (`kubectl ... create secret
// generic NAME --from-literal=KEY=<redacted> ...`).
func SecretKeys(log string) map[string][]string {
	keys := map[string][]string{}
	for _, line := range strings.Split(log, "\n") {
		m := regexp.MustCompile(`^kubectl .*\bcreate secret generic (\S+) (.*)$`).FindStringSubmatch(line)
		if m == nil {
			continue
		}
		keys[m[1]] = nil
		for _, k := range regexp.MustCompile(`--from-literal=([A-Za-z_][A-Za-z0-9_]*)=`).FindAllStringSubmatch(m[2], -1) {
			keys[m[1]] = append(keys[m[1]], k[1])
		}
	}
	return keys
}

// grow appends a zero element to *list and returns it, for a decoder to
// fill before the next append.
func grow[T any](list *[]T) *T {
	*list = append(*list, *new(T))
	return &(*list)[len(*list)-1]
}
