// Package chart_test renders the example Helm chart offline. Helm is not
// available here, so the test renders the templates with Go's text/template
// (which Helm uses) and the handful of Helm functions the chart is limited
// to, then checks the Kubernetes objects that come out.
package chart_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"gopkg.in/yaml.v3"
)

const chartDir = "../../examples/django/chart"

// render renders every template with values (the chart's values.yaml with
// overrides merged on top), the way `helm template` would.
func render(t *testing.T, release string, overrides map[string]any) (map[string]map[string]any, error) {
	t.Helper()
	var values map[string]any
	raw, err := os.ReadFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &values); err != nil {
		t.Fatal(err)
	}
	merge(values, overrides)
	var chart map[string]any
	raw, _ = os.ReadFile(filepath.Join(chartDir, "Chart.yaml"))
	yaml.Unmarshal(raw, &chart)
	data := map[string]any{
		"Values":  values,
		"Release": map[string]any{"Name": release, "Namespace": "review", "Service": "Helm"},
		"Chart":   map[string]any{"Name": chart["name"], "Version": chart["version"], "AppVersion": chart["appVersion"]},
	}
	root := template.New("chart").Option("missingkey=zero")
	root.Funcs(template.FuncMap{
		"include": func(name string, v any) (string, error) {
			var b bytes.Buffer
			err := root.ExecuteTemplate(&b, name, v)
			return b.String(), err
		},
		"toYaml": func(v any) string {
			out, _ := yaml.Marshal(v)
			return strings.TrimSuffix(string(out), "\n")
		},
		"nindent": func(n int, s string) string {
			pad := strings.Repeat(" ", n)
			return "\n" + pad + strings.ReplaceAll(s, "\n", "\n"+pad)
		},
		"quote": func(v any) string { return fmt.Sprintf("%q", fmt.Sprint(v)) },
		"trunc": func(n int, s string) string {
			if len(s) > n {
				return s[:n]
			}
			return s
		},
		"trimSuffix": func(suffix, s string) string { return strings.TrimSuffix(s, suffix) },
		// Sprig's ternary and default, as Helm defines them.
		"ternary": func(yes, no any, cond bool) any {
			if cond {
				return yes
			}
			return no
		},
		"default": func(d, v any) any {
			switch x := v.(type) {
			case nil:
				return d
			case string:
				if x == "" {
					return d
				}
			case bool:
				if !x {
					return d
				}
			case map[string]any:
				if len(x) == 0 {
					return d
				}
			}
			return v
		},
		"required": func(msg string, v any) (any, error) {
			if v == nil || v == "" {
				return nil, fmt.Errorf("required: %s", msg)
			}
			return v, nil
		},
	})
	files, _ := filepath.Glob(filepath.Join(chartDir, "templates", "*"))
	for _, f := range files {
		src, _ := os.ReadFile(f)
		if _, err := root.New(filepath.Base(f)).Parse(string(src)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	objects := map[string]map[string]any{}
	for _, f := range files {
		name := filepath.Base(f)
		if strings.HasPrefix(name, "_") {
			continue
		}
		var b bytes.Buffer
		if err := root.ExecuteTemplate(&b, name, data); err != nil {
			return nil, err
		}
		if strings.TrimSpace(b.String()) == "" {
			continue
		}
		var obj map[string]any
		if err := yaml.Unmarshal(b.Bytes(), &obj); err != nil {
			t.Fatalf("%s renders invalid YAML: %v\n%s", name, err, b.String())
		}
		objects[obj["kind"].(string)] = obj
	}
	return objects, nil
}

func merge(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

func get(obj any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := obj.(map[string]any)
			obj = m[k]
		case int:
			s, _ := obj.([]any)
			if k >= len(s) {
				return nil
			}
			obj = s[k]
		}
	}
	return obj
}

func TestChartRendersAReviewApp(t *testing.T) {
	release := "review-1234-feature-with-a-really-long-branch-name-for-a-slug"
	objs, err := render(t, release, map[string]any{
		"existingSecret": "review-1234-secrets",
		"image":          map[string]any{"digest": "sha256:0123456789abcdef", "tag": "abc123"},
		"ingress":        map[string]any{"host": "mr-1234.review.example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"Deployment", "Service", "Ingress", "Job"} {
		if objs[kind] == nil {
			t.Fatalf("no %s rendered (got %v)", kind, keys(objs))
		}
		if name := get(objs[kind], "metadata", "name").(string); len(name) > 63 || strings.HasSuffix(name, "-") {
			t.Errorf("%s name %q is not a valid DNS label", kind, name)
		}
	}
	c := get(objs["Deployment"], "spec", "template", "spec", "containers", 0)
	if img := get(c, "image"); img != "registry.example.com/agency/project@sha256:0123456789abcdef" {
		t.Errorf("the image must be deployed by digest: %v", img)
	}
	for _, probe := range []string{"readinessProbe", "livenessProbe"} {
		if get(c, probe, "httpGet", "path") != "/healthz" {
			t.Errorf("%s must call /healthz", probe)
		}
	}
	if get(c, "envFrom", 0, "secretRef", "name") != "review-1234-secrets" {
		t.Errorf("secrets must come from the existing Secret")
	}
	if get(c, "securityContext", "readOnlyRootFilesystem") != true || get(objs["Deployment"], "spec", "template", "spec", "securityContext", "runAsNonRoot") != true {
		t.Errorf("the pod must run as non-root with a read-only root filesystem")
	}
	if get(c, "resources", "requests", "cpu") == nil {
		t.Errorf("resources must be set")
	}
	if get(objs["Ingress"], "spec", "rules", 0, "host") != "mr-1234.review.example.com" {
		t.Errorf("the ingress must serve the review host")
	}
	job := objs["Job"]
	if hook := get(job, "metadata", "annotations", "helm.sh/hook"); hook != "pre-install,pre-upgrade" {
		t.Errorf("migrations must be a pre-install/pre-upgrade hook: %v", hook)
	}
	if cmd := fmt.Sprint(get(job, "spec", "template", "spec", "containers", 0, "command")); !strings.Contains(cmd, "migrate") {
		t.Errorf("the job must migrate: %s", cmd)
	}
	env := fmt.Sprint(get(c, "env"))
	if !strings.Contains(env, "DJANGO_ALLOWED_HOSTS") || !strings.Contains(env, "https://mr-1234.review.example.com") {
		t.Errorf("hosts and CSRF origins come from the ingress host: %s", env)
	}
}

func TestChartRefusesToRenderWithoutASecret(t *testing.T) {
	if _, err := render(t, "prod", nil); err == nil || !strings.Contains(err.Error(), "existingSecret") {
		t.Fatalf("rendering without existingSecret must fail, got %v", err)
	}
}

func TestValuesHoldNoSecrets(t *testing.T) {
	raw, _ := os.ReadFile(filepath.Join(chartDir, "values.yaml"))
	for _, word := range []string{"DJANGO_SECRET_KEY:", "DATABASE_URL:", "password:", "PASSWORD"} {
		if bytes.Contains(raw, []byte(word)) {
			t.Errorf("values.yaml sets %s; secrets belong in the existing Secret", word)
		}
	}
	objs, err := render(t, "prod", map[string]any{"existingSecret": "prod-secrets", "migrations": map[string]any{"enabled": false}, "ingress": map[string]any{"enabled": false}})
	if err != nil {
		t.Fatal(err)
	}
	if objs["Job"] != nil || objs["Ingress"] != nil || objs["Secret"] != nil {
		t.Errorf("switches must turn objects off, and no Secret is ever rendered: %v", keys(objs))
	}
}

func keys(m map[string]map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
