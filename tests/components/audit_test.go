package components_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"gitlab.com/trustci/cicd/tests/internal/runner"
	"gopkg.in/yaml.v3"
)

// validateDependencyScanning validates a report against GitLab's
// dependency-scanning schema of the version the report declares
// (testdata/schemas); a version not vendored there fails. Nothing is
// fetched: the schema's references are all internal.
func validateDependencyScanning(t *testing.T, report []byte) {
	t.Helper()
	if err := dependencyScanningError(report); err != nil {
		t.Error(err)
	}
}

func dependencyScanningError(report []byte) error {
	var head struct{ Version string }
	if err := json.Unmarshal(report, &head); err != nil {
		return fmt.Errorf("the report is not JSON: %w", err)
	}
	path := filepath.Join("testdata", "schemas", "gitlab-"+head.Version, "dependency-scanning-report-format.json")
	schemaText, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("no GitLab dependency-scanning schema %q is vendored (%w): vendor it with its licence", head.Version, err)
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	c.LoadURL = func(url string) (io.ReadCloser, error) { return nil, fmt.Errorf("%s is not vendored", url) }
	if err := c.AddResource("dependency-scanning.json", bytes.NewReader(schemaText)); err != nil {
		return err
	}
	schema, err := c.Compile("dependency-scanning.json")
	if err != nil {
		return err
	}
	var doc any
	json.Unmarshal(report, &doc)
	if err := schema.Validate(doc); err != nil {
		return fmt.Errorf("the report does not match GitLab's dependency-scanning schema %s: %#v", head.Version, err)
	}
	return nil
}

// The schema check refuses what GitLab would refuse.
func TestDependencyScanningSchemaRefusesBadReports(t *testing.T) {
	valid := `{"version":"15.0.7","scan":{"analyzer":{"id":"a","name":"a","version":"1","vendor":{"name":"v"}},
"scanner":{"id":"a","name":"a","version":"1","vendor":{"name":"v"}},"type":"dependency_scanning","status":"success",
"start_time":"2026-01-01T00:00:00","end_time":"2026-01-01T00:00:01"},"dependency_files":[],"vulnerabilities":[]}`
	if err := dependencyScanningError([]byte(valid)); err != nil {
		t.Fatalf("a minimal valid report: %v", err)
	}
	for name, bad := range map[string]string{
		"no scan":                  `{"version":"15.0.7","dependency_files":[],"vulnerabilities":[]}`,
		"a bad severity":           strings.Replace(valid, `"vulnerabilities":[]`, `"vulnerabilities":[{"id":"x","severity":"Severe","identifiers":[{"type":"cve","name":"c","value":"c"}],"location":{"file":"r.txt","dependency":{"package":{"name":"p"},"version":"1"}}}]`, 1),
		"a version never vendored": strings.Replace(valid, "15.0.7", "99.0.0", 1),
	} {
		if dependencyScanningError([]byte(bad)) == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// osvAPI is a fake of OSV's query API (osv.dev, "POST /v1/query": a
// package's name and ecosystem and a version in, the advisories whose
// affected versions list it out, {} when none) serving the advisory
// records in testdata/osv, unchanged copies of PyPA's advisory database.
// OSV itself is not reachable from CI; pip-audit, which queries it, runs
// for real.
type osvAPI struct {
	t       *testing.T
	records []map[string]any
	mu      sync.Mutex
	queries []string // name==version, in order
}

func newOSVAPI(t *testing.T) (*osvAPI, string) {
	t.Helper()
	api := &osvAPI{t: t}
	files, _ := filepath.Glob(filepath.Join("testdata", "osv", "*.yaml"))
	for _, f := range files {
		var rec map[string]any
		if err := yaml.Unmarshal([]byte(readFile(t, f)), &rec); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		api.records = append(api.records, rec)
	}
	if len(api.records) == 0 {
		t.Fatal("no advisories in testdata/osv")
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return api, srv.URL + "/v1/query"
}

func (a *osvAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/query" {
		http.Error(w, `{"code":5,"message":"Not Found"}`, http.StatusNotFound)
		return
	}
	var q struct {
		Package struct{ Name, Ecosystem string }
		Version string
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err := json.Unmarshal(body, &q); err != nil || q.Package.Name == "" || q.Version == "" {
		http.Error(w, `{"code":3,"message":"Invalid query."}`, http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	a.queries = append(a.queries, q.Package.Name+"=="+q.Version)
	a.mu.Unlock()
	var vulns []map[string]any
	for _, rec := range a.records {
		if affects(rec, q.Package.Ecosystem, q.Package.Name, q.Version) {
			vulns = append(vulns, rec)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if len(vulns) == 0 {
		w.Write([]byte("{}"))
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"vulns": vulns})
}

// affects reports whether an OSV record lists the version as affected
// for the package (PyPI names compared in their normalized form).
func affects(rec map[string]any, ecosystem, name, version string) bool {
	norm := func(s string) string { return strings.NewReplacer("_", "-", ".", "-").Replace(strings.ToLower(s)) }
	affected, _ := rec["affected"].([]any)
	for _, a := range affected {
		a, _ := a.(map[string]any)
		pkg, _ := a["package"].(map[string]any)
		if pkg["ecosystem"] != ecosystem || norm(pkg["name"].(string)) != norm(name) {
			continue
		}
		versions, _ := a["versions"].([]any)
		for _, v := range versions {
			if v == version {
				return true
			}
		}
	}
	return false
}

// dependencyScanningReport is what the test reads of the report.
type dependencyScanningReport struct {
	Version string `json:"version"`
	Scan    struct {
		Type    string `json:"type"`
		Status  string `json:"status"`
		Scanner struct{ ID, Version string }
	} `json:"scan"`
	DependencyFiles []struct {
		Path         string `json:"path"`
		Dependencies []struct {
			Package struct{ Name string } `json:"package"`
			Version string                `json:"version"`
		} `json:"dependencies"`
	} `json:"dependency_files"`
	Vulnerabilities []struct {
		Name        string `json:"name"`
		Severity    string `json:"severity"`
		Solution    string `json:"solution"`
		Identifiers []struct{ Type, Value string }
		Location    struct {
			File       string `json:"file"`
			Dependency struct {
				Package struct{ Name string } `json:"package"`
				Version string                `json:"version"`
			} `json:"dependency"`
		} `json:"location"`
	} `json:"vulnerabilities"`
}

// TestPipAuditForReal runs pip-audit's script, unchanged, with the real
// pip-audit of its default version (from PyPI, make component-test)
// against requirements files with a vulnerable Django pin and a safe
// one, querying the fake OSV API: the vulnerable pin is in GitLab's
// dependency-scanning report, valid against GitLab's schema, and fails
// the job as fail_on says. pip-audit --disable-pip ignores -r lines, so
// the job follows them: listing only the file that includes the others
// audits them all, each once, and a missing include fails the job.
func TestPipAuditForReal(t *testing.T) {
	tools := toolBin(t, "pip-audit")
	const both = "requirements.txt requirements-dev.txt"
	for _, tt := range []struct {
		name, files, django, inputs string
		// what requirements-dev.txt holds besides its pytest pin
		devInclude  string
		code, vulns int
		depFiles    []string // the report's dependency files, in order
		log         string   // in the job log
	}{
		{"a vulnerable pin", both, "5.0.8", "", "-r requirements.txt", 1, 1, []string{"app/requirements.txt", "app/requirements-dev.txt"}, ""},
		{"fail_on never", both, "5.0.8", "\n      fail_on: never", "-r requirements.txt", 0, 1, []string{"app/requirements.txt", "app/requirements-dev.txt"}, ""},
		{"ignored after review", both, "5.0.8", "\n      ignore_vulns: PYSEC-0000-CVE-2024-45230", "-r requirements.txt", 0, 0, []string{"app/requirements.txt", "app/requirements-dev.txt"}, ""},
		// The including file only: its -r line brings requirements.txt.
		{"a fixed pin", "requirements-dev.txt", "5.0.9", "", "-r requirements.txt", 0, 0, []string{"app/requirements-dev.txt", "app/requirements.txt"}, ""},
		{"--requirement=, a comment, a URL", "requirements-dev.txt", "5.0.8", "", "--requirement=sub/../requirements.txt  # runtime\n-r https://example.com/r.txt", 1, 1,
			[]string{"app/requirements-dev.txt", "app/requirements.txt"}, "https://example.com/r.txt is not a local file: not audited"},
		{"a missing include", "requirements-dev.txt", "5.0.8", "", "-r nowhere.txt", 1, -1, nil, "nowhere.txt: no such requirements file (included by requirements-dev.txt)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each case has its own OSV API and folder
			api, url := newOSVAPI(t)
			res := runner.Render(t, `stages: [test]
include:
  - component: gitlab.com/trustci/components/pip-audit@1.0.0
    inputs:
      project_dir: app
      requirements_files: `+tt.files+`
      osv_url: `+url+tt.inputs+`
`)
			dir := t.TempDir()
			os.MkdirAll(filepath.Join(dir, "app", "sub"), 0o755)
			os.WriteFile(filepath.Join(dir, "app", "requirements.txt"), []byte("# runtime\nDjango=="+tt.django+"\nwhitenoise==6.11.0\n"), 0o644)
			os.WriteFile(filepath.Join(dir, "app", "requirements-dev.txt"), []byte(tt.devInclude+"\npytest==8.4.2\n"), 0o644)
			// pip-audit's own virtualenv first: its python already has
			// pip-audit at the pinned version, so pip installs nothing.
			out, code := run(t, job(t, res, "pip-audit"), dir, ciEnv(dir), map[string]string{"PATH": filepath.Dir(tools) + ":" + os.Getenv("PATH")})
			if code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tt.code, out)
			}
			mustContain(t, "job log", out, tt.log)
			if tt.vulns < 0 {
				// Stopped before any audit: no report, and OSV never asked.
				if _, err := os.Stat(filepath.Join(dir, "gl-dependency-scanning-report.json")); err == nil {
					t.Error("a report was written")
				}
				if len(api.queries) != 0 {
					t.Errorf("OSV was asked %v", api.queries)
				}
				return
			}
			raw := readFile(t, filepath.Join(dir, "gl-dependency-scanning-report.json"))
			validateDependencyScanning(t, []byte(raw))
			var rep dependencyScanningReport
			if err := json.Unmarshal([]byte(raw), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Scan.Type != "dependency_scanning" || rep.Scan.Scanner.ID != "pip-audit" || rep.Scan.Scanner.Version != "2.10.1" {
				t.Errorf("scan: %+v", rep.Scan)
			}
			// pip-audit --no-deps --disable-pip reads each file's own pins
			// only: each dependency file lists its own.
			ownPins := map[string]string{"app/requirements.txt": "django whitenoise", "app/requirements-dev.txt": "pytest"}
			var paths []string
			for _, f := range rep.DependencyFiles {
				paths = append(paths, f.Path)
				var names []string
				for _, d := range f.Dependencies {
					names = append(names, strings.ToLower(d.Package.Name))
				}
				if strings.Join(names, " ") != ownPins[f.Path] {
					t.Errorf("%s's dependencies: %v, want %s", f.Path, names, ownPins[f.Path])
				}
			}
			if strings.Join(paths, " ") != strings.Join(tt.depFiles, " ") {
				t.Errorf("dependency files %v, want %v", paths, tt.depFiles)
			}
			if len(rep.Vulnerabilities) != tt.vulns {
				t.Fatalf("%d vulnerabilities, want %d:\n%s", len(rep.Vulnerabilities), tt.vulns, raw)
			}
			for _, v := range rep.Vulnerabilities {
				d := v.Location.Dependency
				if !strings.EqualFold(d.Package.Name, "django") || d.Version != "5.0.8" || v.Severity != "Unknown" ||
					v.Location.File != "app/requirements.txt" ||
					v.Identifiers[0].Value != "PYSEC-0000-CVE-2024-45230" || v.Identifiers[1].Value != "CVE-2024-45230" ||
					!strings.Contains(v.Solution, "5.0.9") {
					t.Errorf("vulnerability: %+v", v)
				}
			}
			api.mu.Lock()
			defer api.mu.Unlock()
			want := []string{"pytest==8.4.2"}
			if len(tt.depFiles) > 1 {
				want = append(want, "django=="+tt.django, "whitenoise==6.11.0")
			}
			mustContain(t, "OSV queries", strings.Join(api.queries, " "), want...)
		})
	}
}
