package components_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/tests/internal/runner"
)

// customerProject copies our first customer's project (the generated
// cookiecutter-django in ../shared/fixtures, third-party test input) to a
// fresh folder. Without ../shared the test is skipped; in CI (CI=true),
// which has it, it fails.
func customerProject(t *testing.T) string {
	t.Helper()
	shared := os.Getenv("TRUSTCI_SHARED")
	if shared == "" {
		shared = filepath.Join(runner.RepoRoot(), "..", "shared")
	}
	src := filepath.Join(shared, "fixtures", "cookiecutter-django")
	if _, err := os.Stat(filepath.Join(src, "manage.py")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the customer project is not at %s: CI has ../shared", src)
		}
		t.Skipf("the customer project is not at %s (../shared is absent)", src)
	}
	dst := filepath.Join(t.TempDir(), "project")
	runner.CopyTree(t, src, dst, func(rel string) bool { return rel == "FIXTURE.md" })
	return dst
}

// customerJob is a job of the customer's pipeline
// (examples/cookiecutter-django/.gitlab-ci.yml) rendered with the local
// catalog, with the inputs the customer commits.
func customerJob(t *testing.T, project, name string) *load.Node {
	t.Helper()
	res := runner.RenderFile(t, filepath.Join(runner.RepoRoot(), "examples", "cookiecutter-django", ".gitlab-ci.yml"), project)
	return job(t, res, name)
}

// TestCustomerDjangoLint runs the customer pipeline's django-lint job
// with the real Ruff of the component's image on the customer's code,
// under the customer's own [tool.ruff] (pyproject.toml). As generated,
// ruff check passes and ruff format --check does not: the job fails and
// the format report names exactly the files Ruff would reformat. After
// `ruff format`, the job passes with two empty reports.
func TestCustomerDjangoLint(t *testing.T) {
	ruff := toolBin(t, "ruff")
	type finding struct {
		check, path string
		line        int
	}
	for _, tt := range []struct {
		name   string
		format bool // run ruff format on the project first
		code   int
		lint   []finding
		fmt    []finding
	}{
		{"as generated", false, 1, nil, []finding{
			{"unformatted", "config/settings/local.py", 32},
			{"unformatted", "manage.py", 3},
			{"unformatted", "my_awesome_project/users/views.py", 31},
		}},
		{"after ruff format", true, 0, nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each case has its own copy
			dir := customerProject(t)
			if tt.format {
				runner.Run(t, dir, nil, ruff, "format", "--no-cache", ".")
			}
			j := customerJob(t, dir, "django-lint")
			out, code := run(t, j, dir, ciEnv(dir), map[string]string{"PATH": filepath.Dir(ruff) + ":" + os.Getenv("PATH")})
			if code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tt.code, out)
			}
			for file, want := range map[string][]finding{"gl-code-quality-ruff-check.json": tt.lint, "gl-code-quality-ruff-format.json": tt.fmt} {
				var got []finding
				for _, i := range readCodeQuality(t, filepath.Join(dir, file)) {
					line := 0
					if i.Location.Lines != nil {
						line = i.Location.Lines.Begin
					} else {
						line = i.Location.Positions.Begin.Line
					}
					got = append(got, finding{i.CheckName, i.Location.Path, line})
				}
				sort.Slice(got, func(a, b int) bool { return got[a].path < got[b].path })
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s: %v, want %v\n%s", file, got, want, out)
				}
			}
		})
	}
}

// pins are the name==version lines of a requirements file itself (not of
// the files it includes), names lower-cased, extras dropped: what OSV is
// asked about.
func pins(t *testing.T, path string) []string {
	t.Helper()
	var out []string
	for _, m := range regexp.MustCompile(`(?m)^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==(\S+)`).FindAllStringSubmatch(readFile(t, path), -1) {
		out = append(out, strings.ToLower(m[1])+"=="+m[2])
	}
	return out
}

// TestCustomerPipAudit runs the customer pipeline's pip-audit job
// (requirements_files: requirements/local.txt) with the real pip-audit
// against the fake OSV API: the job follows local.txt's -r to
// production.txt and its -r to base.txt, so every pin of the three files
// is audited and each file is a dependency file of the report, and a
// vulnerable Django pinned in base.txt, reached only through the -r
// lines, fails the job and is located in base.txt.
func TestCustomerPipAudit(t *testing.T) {
	tools := toolBin(t, "pip-audit")
	for _, tt := range []struct {
		name   string
		django string // replaces base.txt's Django pin ("" keeps it)
		code   int
		vulns  []string // location file and package==version of each finding
	}{
		// Only this case: the fake OSV knows one advisory (Django 5.0.8),
		// so the pins as generated would pass whatever they are; each case
		// costs three pip-audit runs.
		{"a vulnerable Django in base.txt", "5.0.8", 1, []string{"requirements/base.txt django==5.0.8"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each case has its own OSV API and copy
			dir := customerProject(t)
			base := filepath.Join(dir, "requirements", "base.txt")
			if tt.django != "" {
				b := regexp.MustCompile(`(?m)^django==\S+`).ReplaceAllString(readFile(t, base), "django=="+tt.django)
				os.WriteFile(base, []byte(b), 0o644)
			}
			api, url := newOSVAPI(t)
			j := customerJob(t, dir, "pip-audit")
			// pip-audit's own virtualenv first (pip installs nothing), and
			// the fake OSV in place of api.osv.dev, which CI cannot reach.
			out, code := run(t, j, dir, ciEnv(dir), map[string]string{
				"PATH": filepath.Dir(tools) + ":" + os.Getenv("PATH"), "INPUT_OSV_URL": url})
			if code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tt.code, out)
			}
			raw := readFile(t, filepath.Join(dir, "gl-dependency-scanning-report.json"))
			validateDependencyScanning(t, []byte(raw))
			var rep dependencyScanningReport
			if err := json.Unmarshal([]byte(raw), &rep); err != nil {
				t.Fatal(err)
			}
			// In the order the -r lines reach them, each with its own pins.
			order := []string{"requirements/local.txt", "requirements/production.txt", "requirements/base.txt"}
			var all []string
			for i, f := range rep.DependencyFiles {
				if i >= len(order) || f.Path != order[i] {
					t.Errorf("dependency file %d is %s, want the files %v", i, f.Path, order)
					continue
				}
				var got []string
				for _, d := range f.Dependencies {
					got = append(got, strings.ToLower(d.Package.Name)+"=="+d.Version)
				}
				want := pins(t, filepath.Join(dir, f.Path))
				sort.Strings(got)
				sort.Strings(want)
				if strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("%s: dependencies %v, want its pins %v", f.Path, got, want)
				}
				all = append(all, want...)
			}
			if len(rep.DependencyFiles) != len(order) {
				t.Errorf("%d dependency files, want %v", len(rep.DependencyFiles), order)
			}
			var got []string
			for _, v := range rep.Vulnerabilities {
				got = append(got, v.Location.File+" "+strings.ToLower(v.Location.Dependency.Package.Name)+"=="+v.Location.Dependency.Version)
			}
			if strings.Join(got, ",") != strings.Join(tt.vulns, ",") {
				t.Errorf("vulnerabilities %v, want %v\n%s", got, tt.vulns, out)
			}
			api.mu.Lock()
			defer api.mu.Unlock()
			mustContain(t, "OSV queries", " "+strings.Join(api.queries, " ")+" ", func() []string {
				var s []string
				for _, p := range all {
					s = append(s, " "+p+" ")
				}
				return s
			}()...)
		})
	}
}
