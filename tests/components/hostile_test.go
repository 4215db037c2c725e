package components_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/lint"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/tests/internal/runner"
)

// commandInputs are the inputs that are commands by design: the job runs
// what they say (each says so in its description). Every other string
// input is data and must never run.
var commandInputs = map[string]bool{
	"django-test/install_command":       true,
	"django-test/test_command":          true,
	"review-app/migrate_command":        true,
	"django-migrations/install_command": true,
}

// hostileValues try every way a value spliced into a script could become
// code: command substitution, quote breakouts, a line that ends each
// heredoc the templates use, a Python string breakout. MARK is replaced by
// the marker file's path.
var hostileValues = []string{
	"$(touch MARK)",
	"`touch MARK`",
	`"; touch MARK; echo "`,
	`'; touch MARK; echo '`,
	"x\nBUILD_ARGS\nSET_VALUES\nDJANGO_TEST_ENV\nWAIT_FOR_POSTGRES\ntouch MARK\n",
	`"), __import__("os").system("touch MARK"), ("`,
}

// TestInputsAreData renders every component with each hostile value in
// each string input and runs the rendered jobs' scripts with the fakes:
// the marker file must never appear. A value cilint refuses (an input's
// regex or options) is also safe: GitLab refuses that pipeline.
func TestInputsAreData(t *testing.T) {
	root := runner.RepoRoot()
	templates, _ := filepath.Glob(filepath.Join(root, "components", "templates", "*", "template.yml"))
	if len(templates) == 0 {
		t.Fatal("no templates")
	}
	var ran, refused atomic.Int32
	t.Cleanup(func() {
		t.Logf("%d job runs with hostile inputs, %d values refused as GitLab would refuse them", ran.Load(), refused.Load())
	})
	for _, path := range templates {
		name := filepath.Base(filepath.Dir(path))
		spec := specInputs(t, path)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runs := 0 // this component's: a component whose scripts never ran proves nothing
			defer func() {
				if runs == 0 && !t.Failed() {
					t.Error("no script of this component ran with a hostile input")
				}
			}()
			for _, in := range spec {
				if in.typ != "string" || commandInputs[name+"/"+in.name] {
					continue
				}
				for i, value := range hostileValues {
					dir := t.TempDir()
					mark := filepath.Join(dir, "MARK")
					inputs := requiredInputs(spec)
					inputs[in.name] = strings.ReplaceAll(value, "MARK", mark)
					res := lintComponent(t, name, inputs)
					if refusedInput(res) {
						refused.Add(1)
						continue
					}
					if res.Pipeline == nil {
						t.Errorf("%s=%q: no pipeline:\n%v", in.name, value, res.Findings)
						continue
					}
					for _, j := range res.Pipeline.Jobs {
						if strings.HasPrefix(j.Name, ".") {
							continue
						}
						setupHostile(t, name, dir)
						out, _ := run(t, j.Node, dir, hostileEnv(t, name, dir), hostileOverrides(t, name, dir))
						ran.Add(1)
						runs++
						if _, err := os.Stat(mark); err == nil {
							t.Errorf("input %s, value %d (%q): job %s ran it as code:\n%s", in.name, i, value, j.Name, out)
							os.Remove(mark)
						}
					}
				}
			}
		})
	}
}

type specInput struct {
	name, typ string
	required  bool
}

// specInputs reads a template's spec:inputs.
func specInputs(t *testing.T, path string) []specInput {
	t.Helper()
	f, findings, err := load.Read(path, load.DefaultLimits())
	if err != nil || finding.HasErrors(findings) || f.Header == nil {
		t.Fatalf("%s: %v %v", path, err, findings)
	}
	var out []specInput
	for _, p := range f.Header.Get("spec").Get("inputs").Pairs {
		in := specInput{name: p.Key.Name(), typ: "string", required: p.Value.Pair("default") == nil}
		if ty := p.Value.Get("type"); ty != nil {
			in.typ = ty.Text
		}
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// requiredInputs gives each input without a default a plain value.
func requiredInputs(spec []specInput) map[string]string {
	plain := map[string]string{"agent": "agency/k8s-agents:review", "base_domain": "review.example.com"}
	out := map[string]string{}
	for _, in := range spec {
		if in.required {
			v, ok := plain[in.name]
			if !ok {
				v = "value"
			}
			out[in.name] = v
		}
	}
	return out
}

// lintComponent renders one component with the given inputs (written as
// YAML strings, so any text survives).
func lintComponent(t *testing.T, name string, inputs map[string]string) *lint.Result {
	t.Helper()
	var b strings.Builder
	b.WriteString("stages: [build, test, review, deploy, lint]\ninclude:\n")
	fmt.Fprintf(&b, "  - component: %s/%s@1.0.0\n    inputs:\n", runner.CatalogPrefix, name)
	keys := make([]string, 0, len(inputs))
	for k := range inputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "      %s: %s\n", k, yamlString(inputs[k]))
	}
	if needsBuild[name] {
		// They need the build job's dotenv.
		fmt.Fprintf(&b, "  - component: %s/kaniko-build@1.0.0\n", runner.CatalogPrefix)
	}
	res := runner.Lint(t, b.String())
	if needsBuild[name] {
		// Only the component under test runs.
		jobs := res.Pipeline.Jobs[:0:0]
		for _, j := range res.Pipeline.Jobs {
			if j.Name != "kaniko-build" {
				jobs = append(jobs, j)
			}
		}
		res.Pipeline.Jobs = jobs
	}
	return res
}

// needsBuild are the components whose job needs kaniko-build by default.
var needsBuild = map[string]bool{"trivy-scan": true, "review-app": true, "deploy": true}

// yamlString writes s as a double-quoted YAML scalar.
func yamlString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

// refusedInput reports whether the value makes GitLab refuse the
// pipeline (an input's regex or options, a stage that does not exist...),
// so no script runs. Script errors are cilint's own checks, not GitLab's:
// GitLab would run that script, so it is run.
func refusedInput(res *lint.Result) bool {
	for _, f := range res.Findings {
		if f.Severity == finding.Error && f.Rule != "script-syntax" {
			return true
		}
	}
	return false
}

// setupHostile lays out what each component's script reads from the
// project directory.
func setupHostile(t *testing.T, name, dir string) {
	t.Helper()
	switch name {
	case "kaniko-build", "buildkit-build", "buildah-build":
		os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644)
		os.MkdirAll(filepath.Join(dir, "kaniko", ".docker"), 0o755)
	case "cilint":
		os.WriteFile(filepath.Join(dir, ".gitlab-ci.yml"), []byte("build:\n  script: make\n"), 0o644)
	}
}

// hostileEnv is the job environment that lets each script get as far as
// it can.
func hostileEnv(t *testing.T, name, dir string) map[string]string {
	env := ciEnv(dir)
	env["IMAGE_REF_DIGEST"] = "registry.example.com/agency/shop@sha256:" + strings.Repeat("cd", 32)
	env["FAKE_TRIVY_IMAGE"] = env["IMAGE_REF_DIGEST"]
	env["DJANGO_SECRET_KEY"] = "django-secret"
	env["REVIEW_DB_ADMIN_URL"] = "postgres://admin:pw@db.internal:5432/postgres"
	env["FAKE_KUBE_CONTEXT"] = "agency/k8s-agents:review"
	if name == "deploy" {
		env["FAKE_KUBE_CONTEXT"] = "value"
	}
	return env
}

// hostileOverrides puts extra fakes first on PATH: a cilint, an apt-get
// and a python that run nothing (python runs only what a script feeds it
// on standard input, with the real interpreter, so a Python breakout
// would show), and kaniko's executor.
func hostileOverrides(t *testing.T, name, dir string) map[string]string {
	t.Helper()
	bin := filepath.Join(dir, "bin")
	os.MkdirAll(bin, 0o755)
	shims := map[string]string{
		"cilint":  "#!/bin/sh\necho \"cilint $*\" >> \"$FAKE_LOG\"\necho '[]'\n",
		"apt-get": "#!/bin/sh\necho \"apt-get $*\" >> \"$FAKE_LOG\"\n",
		// python - runs the script's Python for real, with connections
		// that always succeed.
		"python": "#!/bin/sh\necho \"python $*\" >> \"$FAKE_LOG\"\nif [ \"$1\" = - ]; then exec python3 -c 'import socket, sys\nclass C:\n    def close(self): pass\nsocket.create_connection = lambda *a, **k: C()\nexec(sys.stdin.read())'; fi\n",
	}
	for n, body := range shims {
		os.WriteFile(filepath.Join(bin, n), []byte(body), 0o755)
	}
	fakes, _ := filepath.Abs("fakes")
	o := map[string]string{"PATH": bin + ":" + fakes + ":" + os.Getenv("PATH")}
	if name == "kaniko-build" {
		o["KANIKO_DIR"] = fakesKaniko(t, fakes, dir)
	}
	return o
}
