package components_test

import (
	"encoding/xml"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/tests/internal/runner"
)

// realDjango is what a real django-test run needs from make
// component-test: the throw-away PostgreSQL (its URL and password) and the
// virtualenv's Python. Without them (`make unit`) the test is skipped.
func realDjango(t *testing.T) (u *url.URL, password, python string) {
	t.Helper()
	var dbURL string
	dbURL, python = os.Getenv("DATABASE_URL"), os.Getenv("DJANGO_TEST_PYTHON")
	if dbURL == "" || python == "" {
		t.Skip("needs DATABASE_URL and DJANGO_TEST_PYTHON: run make component-test")
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	password, _ = u.User.Password()
	return u, password, python
}

// TestDjangoTestRunsForReal runs the django-test component's rendered
// script, unchanged, against examples/django with a real PostgreSQL server
// and the Python packages from PyPI: `make component-test` provides both
// (DATABASE_URL from scripts/with-postgres, DJANGO_TEST_PYTHON from the
// virtualenv).
func TestDjangoTestRunsForReal(t *testing.T) {
	u, password, python := realDjango(t)
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
	res := runner.Render(t, pipeline)
	root := runner.RepoRoot()
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

// TestDjangoTestCoverageWithAnyRunner runs the django-test component for
// real on copies of examples/django: with Django's own runner (python
// manage.py test, no coverage in the command) coverage.xml is written from
// the measured run; with a failing test (plain pytest) the job fails and
// still writes report.xml and coverage.xml, so the merge request shows both.
func TestDjangoTestCoverageWithAnyRunner(t *testing.T) {
	u, password, python := realDjango(t)
	component := func(jobName, testCommand string) string {
		return `  - component: gitlab.com/trustci/components/django-test@1.0.0
    inputs:
      job_name: ` + jobName + `
      project_dir: proj
      requirements_file: requirements-dev.txt
      db_host: ` + u.Hostname() + `
      db_port: ` + u.Port() + `
      postgres_user: ` + u.User.Username() + `
      postgres_password: ` + password + `
      postgres_db: ` + strings.TrimPrefix(u.Path, "/") + `
      test_command: ` + testCommand + `
      env: |
        DJANGO_SECRET_KEY=component-test-only-0f3b9c1d7e5a2b8c4d6e0f1a3b5c7d9e
        DJANGO_ALLOWED_HOSTS=localhost
`
	}
	res := runner.Render(t, "stages: [test]\ninclude:\n"+
		component("django-runner", "python manage.py test tests.test_django_runner")+
		component("failing-tests", "pytest --junitxml=report.xml"))
	pathEnv := map[string]string{"PATH": filepath.Dir(python) + ":" + os.Getenv("PATH")}

	type cobertura struct {
		LineRate float64 `xml:"line-rate,attr"`
		Classes  []struct {
			Filename string `xml:"filename,attr"`
		} `xml:"packages>package>classes>class"`
	}
	readCobertura := func(t *testing.T, path string) cobertura {
		t.Helper()
		var c cobertura
		if err := xml.Unmarshal([]byte(readFile(t, path)), &c); err != nil {
			t.Fatalf("coverage.xml is not Cobertura: %v", err)
		}
		return c
	}

	t.Run("python manage.py test", func(t *testing.T) {
		root := copyExample(t)
		os.WriteFile(filepath.Join(root, "proj", "tests", "test_django_runner.py"), []byte(`from django.test import TestCase

from board.models import Milestone, Task


class MilestoneTest(TestCase):
    def test_progress(self):
        m = Milestone.objects.create(name="Runner")
        Task.objects.create(milestone=m, title="Done", status=Task.Status.DONE)
        self.assertEqual(m.progress, 100)
`), 0o644)
		env := ciEnv(root)
		env["PATH"] = pathEnv["PATH"]
		out, code := run(t, job(t, res, "django-runner"), root, env, pathEnv)
		if code != 0 {
			t.Fatalf("django-test with manage.py test failed (exit %d):\n%s", code, out)
		}
		mustContain(t, "job log", out, "Ran 1 test", "TOTAL")
		c := readCobertura(t, filepath.Join(root, "proj", "coverage.xml"))
		var models bool
		for _, cl := range c.Classes {
			models = models || strings.HasSuffix(cl.Filename, "models.py")
		}
		if c.LineRate <= 0.5 || !models {
			t.Errorf("coverage of Django's runner: %+v", c)
		}
	})

	t.Run("failing test keeps both reports", func(t *testing.T) {
		root := copyExample(t)
		os.WriteFile(filepath.Join(root, "proj", "tests", "test_fails.py"), []byte("def test_fails():\n    assert 1 + 1 == 3\n"), 0o644)
		env := ciEnv(root)
		env["PATH"] = pathEnv["PATH"]
		out, code := run(t, job(t, res, "failing-tests"), root, env, pathEnv)
		if code == 0 {
			t.Fatalf("a failing test must fail the job:\n%s", out)
		}
		mustContain(t, "job log", out, "report.xml and coverage.xml are kept")
		var junit struct {
			Suites []struct {
				Tests    int `xml:"tests,attr"`
				Failures int `xml:"failures,attr"`
			} `xml:"testsuite"`
		}
		if err := xml.Unmarshal([]byte(readFile(t, filepath.Join(root, "proj", "report.xml"))), &junit); err != nil || len(junit.Suites) == 0 {
			t.Fatalf("report.xml is not JUnit: %v", err)
		}
		if s := junit.Suites[0]; s.Failures != 1 || s.Tests < 10 {
			t.Errorf("JUnit: %+v", s)
		}
		if c := readCobertura(t, filepath.Join(root, "proj", "coverage.xml")); c.LineRate < 0.9 {
			t.Errorf("Cobertura of the failing run: %+v", c)
		}
	})
}

// copyExample copies examples/django (sources only) to proj/ in a fresh
// directory and returns that directory.
func copyExample(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	src := filepath.Join(runner.RepoRoot(), "examples", "django")
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		name := d.Name()
		if d.IsDir() && (name == "__pycache__" || name == ".pytest_cache" || name == "staticfiles" || name == "chart") {
			return filepath.SkipDir
		}
		dst := filepath.Join(root, "proj", rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		if name == ".coverage" || name == "coverage.xml" || name == "report.xml" || !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return root
}
