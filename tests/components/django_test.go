package components_test

import (
	"encoding/xml"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDjangoTestRunsForReal runs the django-test component's rendered
// script, unchanged, against examples/django with a real PostgreSQL server
// and the Python packages from PyPI: `make component-test` provides both
// (DATABASE_URL from scripts/with-postgres, DJANGO_TEST_PYTHON from the
// virtualenv).
func TestDjangoTestRunsForReal(t *testing.T) {
	dbURL, python := os.Getenv("DATABASE_URL"), os.Getenv("DJANGO_TEST_PYTHON")
	if dbURL == "" || python == "" {
		t.Skip("needs DATABASE_URL and DJANGO_TEST_PYTHON: run make component-test")
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	password, _ := u.User.Password()
	pipeline := `stages: [test]
include:
  - component: gitlab.com/trustci/components/django-test@1.0.0
    inputs:
      project_dir: examples/django
      requirements_file: requirements-dev.txt
      db_host: ` + u.Hostname() + `
      db_port: ` + u.Port() + `
      postgres_user: ` + u.User.Username() + `
      postgres_password: ` + password + `
      postgres_db: ` + strings.TrimPrefix(u.Path, "/") + `
      deploy_check: true
      coverage_threshold: 90
      env: |
        DJANGO_SECRET_KEY=component-test-only-0f3b9c1d7e5a2b8c4d6e0f1a3b5c7d9e
        DJANGO_ALLOWED_HOSTS=localhost
  - component: gitlab.com/trustci/components/django-test@1.0.0
    inputs:
      job_name: django-test-strict
      project_dir: examples/django
      requirements_file: requirements-dev.txt
      db_host: ` + u.Hostname() + `
      db_port: ` + u.Port() + `
      postgres_user: ` + u.User.Username() + `
      postgres_password: ` + password + `
      postgres_db: ` + strings.TrimPrefix(u.Path, "/") + `
      coverage_threshold: 100
      env: DJANGO_SECRET_KEY=component-test-only
`
	res := renderPipeline(t, pipeline)
	root := repoRoot(t)
	project := filepath.Join(root, "examples", "django")
	for _, f := range []string{"report.xml", "coverage.xml"} {
		os.Remove(filepath.Join(project, f))
	}
	env := ciEnv(root)
	env["PATH"] = filepath.Dir(python) + ":" + os.Getenv("PATH")
	out, code := run(t, job(t, res, "django-test"), root, env, map[string]string{"PATH": filepath.Dir(python) + ":" + os.Getenv("PATH")})
	if code != 0 {
		t.Fatalf("django-test failed (exit %d):\n%s", code, out)
	}
	mustContain(t, "job log", out, "System check identified no issues", "No changes detected", "TOTAL")

	var junit struct {
		Suites []struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Errors   int `xml:"errors,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(readFile(t, filepath.Join(project, "report.xml"))), &junit); err != nil || len(junit.Suites) == 0 {
		t.Fatalf("report.xml is not JUnit: %v", err)
	}
	if s := junit.Suites[0]; s.Tests < 10 || s.Failures+s.Errors > 0 {
		t.Errorf("JUnit: %+v", s)
	}
	var cobertura struct {
		XMLName  xml.Name `xml:"coverage"`
		LineRate float64  `xml:"line-rate,attr"`
		Packages []struct {
			Name string `xml:"name,attr"`
		} `xml:"packages>package"`
	}
	if err := xml.Unmarshal([]byte(readFile(t, filepath.Join(project, "coverage.xml"))), &cobertura); err != nil {
		t.Fatalf("coverage.xml is not Cobertura: %v", err)
	}
	if cobertura.LineRate < 0.9 || len(cobertura.Packages) == 0 {
		t.Errorf("Cobertura: %+v", cobertura)
	}

	// The same job fails when the coverage gate is not met.
	out, code = run(t, job(t, res, "django-test-strict"), root, env, map[string]string{"PATH": filepath.Dir(python) + ":" + os.Getenv("PATH")})
	if code == 0 || !strings.Contains(out, "Coverage failure") {
		t.Errorf("a 100%% coverage gate must fail (exit %d):\n%s", code, out)
	}
}
