// Package customer_test runs our first customer's pipeline
// (examples/cookiecutter-django/.gitlab-ci.yml) against their project, a
// cookiecutter-django project kept as third-party test input in
// ../shared/fixtures/cookiecutter-django (issue 14). Each test copies the
// project to a temporary folder, makes it a git repository and drops the
// example pipeline in, as the customer does; then:
//
//   - cilint lints it against the local catalog, and the components are
//     really read (TestExampleLintsAgainstTheLocalCatalog);
//   - the rendered django-test job's script runs for real against
//     PostgreSQL and Redis, with the project as generated (requirements/)
//     and as newer cookiecutter-django generates it (uv), and the
//     project's 23 tests pass (TestDjangoTestRunsTheCustomersTests);
//   - the rendered buildah-build job's script builds the production
//     image with the real Buildah and pushes it to a local TLS registry;
//     the image then runs with Podman as a review app would run it
//     (TestProductionImageBuildsAndServes).
//
// `make customer-test` provides what they need: PostgreSQL, Redis, the
// registry, a Python 3.12 (CUSTOMER_PYTHON) and the stand-in for the
// official python image (PYTHON_IMAGE, scripts/python-image). Without
// ../shared the tests skip, except in CI (CI=true), where they fail.
package customer_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/tests/internal/runner"
)

const (
	commitSHA  = "7c2e4a6b8d0f1e3a5c7b9d1f3e5a7c9b2d4f6a8c"
	projectURL = "https://gitlab.example.com/client/my-awesome-project"
	repoPath   = "client/my-awesome-project"
	// The fixture's FIXTURE.md: 23 tests pass.
	fixtureTests = 23
)

var cilint string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "customer-cilint")
	if err != nil {
		panic(err)
	}
	cilint = filepath.Join(dir, "cilint")
	build := exec.Command("go", "build", "-o", cilint, "./linter/cmd/cilint")
	build.Dir = runner.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build cilint: %v\n%s", err, out)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// fixture is the customer's project, or the test is skipped (failed in CI)
// when ../shared is not beside the repository.
func fixture(t *testing.T) string {
	t.Helper()
	shared := os.Getenv("TRUSTCI_SHARED")
	if shared == "" {
		shared = filepath.Join(runner.RepoRoot(), "..", "shared")
	}
	dir := filepath.Join(shared, "fixtures", "cookiecutter-django")
	if _, err := os.Stat(filepath.Join(dir, "manage.py")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the customer project is not at %s: CI has ../shared", dir)
		}
		t.Skipf("the customer project is not at %s (../shared is absent)", dir)
	}
	return dir
}

// customerProject copies the fixture to a fresh folder, puts the example
// pipeline at its root in place of the generated one, and commits it all
// in a new git repository, as the customer's repository would be.
func customerProject(t *testing.T) string {
	t.Helper()
	src := fixture(t)
	dst := filepath.Join(t.TempDir(), "my_awesome_project")
	runner.CopyTree(t, src, dst, func(rel string) bool { return rel == "FIXTURE.md" })
	example, err := os.ReadFile(filepath.Join(runner.RepoRoot(), "examples", "cookiecutter-django", ".gitlab-ci.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dst, ".gitlab-ci.yml"), example, 0o644); err != nil {
		t.Fatal(err)
	}
	gitCommit(t, dst, "The project, with the trustci pipeline")
	return dst
}

func gitCommit(t *testing.T, dir, message string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, ".git")); err != nil {
		runner.Run(t, dir, nil, "git", "init", "--quiet", "--initial-branch=main")
	}
	runner.Run(t, dir, nil, "git", "add", "--all")
	runner.Run(t, dir, nil, "git", "-c", "user.name=Customer", "-c", "user.email=dev@example.com",
		"commit", "--quiet", "--no-verify", "-m", message)
}

// TestExampleLintsAgainstTheLocalCatalog lints the example in the
// customer's repository the two ways its README gives, and checks that
// the components were read, not skipped: exit 0 with no include-offline
// finding and no "were not read" line. It also checks what the README
// says each kind of pipeline runs.
func TestExampleLintsAgainstTheLocalCatalog(t *testing.T) {
	catalog := filepath.Join(runner.RepoRoot(), "components")
	config := func(path string) func(t *testing.T, project string) {
		return func(t *testing.T, project string) {
			conf := fmt.Sprintf("catalogs:\n  %s: %s\n", runner.CatalogPrefix, path)
			os.WriteFile(filepath.Join(project, ".cilint.yml"), []byte(conf), 0o644)
		}
	}
	cases := []struct {
		name  string
		args  []string
		setup func(t *testing.T, project string)
	}{
		{name: "--catalog flag", args: []string{"--catalog", runner.CatalogPrefix + "=" + catalog}},
		// The README's recipe: the catalog project cloned beside the project.
		{name: "--catalog flag, clone beside", args: []string{"--catalog", runner.CatalogPrefix + "=../components"}},
		{name: ".cilint.yml catalogs:", setup: config(catalog)},
		{name: ".cilint.yml catalogs:, clone beside", setup: config("../components")},
	}
	project := customerProject(t)
	runner.CopyTree(t, catalog, filepath.Join(filepath.Dir(project), "components"), nil)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			os.Remove(filepath.Join(project, ".cilint.yml"))
			if c.setup != nil {
				c.setup(t, project)
			}
			out, errOut, code := cilintRun(t, project, append(append([]string{"lint"}, c.args...), ".gitlab-ci.yml")...)
			if code != 0 || strings.Contains(errOut, "were not read") || strings.Contains(out, "include-offline") {
				t.Fatalf("cilint lint exits %d; the components must be read:\n%s%s", code, out, errOut)
			}
			rendered, errOut, code := cilintRun(t, project, append(append([]string{"render"}, c.args...), ".gitlab-ci.yml")...)
			if code != 0 {
				t.Fatalf("cilint render exits %d:\n%s", code, errOut)
			}
			for _, job := range []string{"cilint:", "pre-commit:", "django-test:", "buildah-build:", "trivy-scan:", "review-deploy:", "review-stop:"} {
				if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(job)).MatchString(rendered) {
					t.Errorf("the rendered pipeline has no job %s", job)
				}
			}
		})
	}
	// What each kind of pipeline runs, as the README says.
	jobs := []struct {
		event string
		vars  []string
		want  []string
		not   []string
	}{
		{"merge_request", nil, []string{"pre-commit", "django-test", "buildah-build", "trivy-scan", "review-deploy", "review-stop"}, nil},
		{"push", []string{"CI_COMMIT_BRANCH=main", "CI_DEFAULT_BRANCH=main"}, []string{"pre-commit", "django-test", "buildah-build", "trivy-scan"}, []string{"review-deploy"}},
	}
	for _, c := range jobs {
		t.Run("jobs "+c.event, func(t *testing.T) {
			args := []string{"jobs", "--event", c.event, "--catalog", runner.CatalogPrefix + "=" + catalog}
			for _, v := range c.vars {
				args = append(args, "--var", v)
			}
			out, errOut, code := cilintRun(t, project, append(args, ".gitlab-ci.yml")...)
			if code != 0 {
				t.Fatalf("cilint jobs exits %d:\n%s%s", code, out, errOut)
			}
			for _, job := range c.want {
				if !regexp.MustCompile(`(?m)^\S+\s+` + regexp.QuoteMeta(job) + `\s+yes\s`).MatchString(out) {
					t.Errorf("a %s pipeline must run %s:\n%s", c.event, job, out)
				}
			}
			for _, job := range c.not {
				if !regexp.MustCompile(`(?m)^\S+\s+` + regexp.QuoteMeta(job) + `\s+no\s`).MatchString(out) {
					t.Errorf("a %s pipeline must not run %s:\n%s", c.event, job, out)
				}
			}
		})
	}
}

// TestExampleMatchesTheProject checks the facts the example's comments
// and README state about the customer's project.
func TestExampleMatchesTheProject(t *testing.T) {
	project := customerProject(t)
	res := runner.RenderFile(t, filepath.Join(project, ".gitlab-ci.yml"), project)
	dockerfile := read(t, filepath.Join(project, "compose", "production", "django", "Dockerfile"))
	from := regexp.MustCompile(`(?m)^FROM docker\.io/python:(\S+)`).FindStringSubmatch(dockerfile)
	if from == nil {
		t.Fatal("the production Dockerfile starts from no python image")
	}
	testJob := res.Pipeline.Job("django-test")
	build := res.Pipeline.Job("buildah-build")
	if testJob == nil || build == nil {
		t.Fatal("no django-test or buildah-build job")
	}
	vars := func(j *load.Node) map[string]string {
		m := map[string]string{}
		for _, p := range j.Get("variables").Pairs {
			m[p.Key.Name()] = p.Value.Name()
		}
		return m
	}
	claims := []struct {
		claim string
		ok    bool
	}{
		{"Django 5.1 (requirements/base.txt)", regexp.MustCompile(`(?m)^django==5\.1\.`).MatchString(read(t, filepath.Join(project, "requirements", "base.txt")))},
		{"Python 3.12 (.python-version)", strings.TrimSpace(read(t, filepath.Join(project, ".python-version"))) == "3.12"},
		{"the tests run in the production Dockerfile's Python (" + from[1] + ")", testJob.Node.Get("image").Name() == "python:"+from[1]},
		{"the pre-commit job too", res.Pipeline.Job("pre-commit").Node.Get("image").Name() == "python:"+from[1]},
		{"the image is built from compose/production/django/Dockerfile", vars(build.Node)["INPUT_DOCKERFILE"] == "compose/production/django/Dockerfile"},
		{"the settings read REDIS_URL, which env sets", strings.Contains(read(t, filepath.Join(project, "config", "settings", "base.py")), `env("REDIS_URL"`) &&
			strings.Contains(vars(testJob.Node)["INPUT_ENV"], "REDIS_URL=redis://redis:6379/0")},
		{"requirements/local.txt holds the test tools", regexp.MustCompile(`(?m)^pytest==`).MatchString(read(t, filepath.Join(project, "requirements", "local.txt"))) &&
			regexp.MustCompile(`(?m)^pytest-django==`).MatchString(read(t, filepath.Join(project, "requirements", "local.txt")))},
		{"trivy-scan takes the image from buildah-build", needsJob(res.Pipeline.Job("trivy-scan").Node, "buildah-build")},
		{"review-app deploys the image from buildah-build", needsJob(res.Pipeline.Job("review-deploy").Node, "buildah-build")},
	}
	for _, c := range claims {
		if !c.ok {
			t.Errorf("not so: %s", c.claim)
		}
	}

	// The README's table of review variables and the example's
	// secret_variables are the variables TestProductionImageBuildsAndServes
	// serves the image with (and the review database's admin URL).
	readme := read(t, filepath.Join(runner.RepoRoot(), "examples", "cookiecutter-django", "README.md"))
	section := readme[strings.Index(readme, "### CI/CD variables"):]
	section = section[:strings.Index(section, "\n## ")]
	var listed []string
	for _, m := range regexp.MustCompile("(?m)^\\| ((?:`[A-Z_]+`(?:, )?)+) \\|").FindAllStringSubmatch(section, -1) {
		for _, name := range regexp.MustCompile("`([A-Z_]+)`").FindAllStringSubmatch(m[1], -1) {
			listed = append(listed, name[1])
		}
	}
	if want := strings.Join(append(append([]string{}, reviewSecrets...), "REVIEW_DB_ADMIN_URL"), " "); strings.Join(listed, " ") != want {
		t.Errorf("the README's CI/CD variables are %v, want %s", listed, want)
	}
	secrets := regexp.MustCompile(`(?m)^      secret_variables: (.+)$`).FindStringSubmatch(read(t, filepath.Join(project, ".gitlab-ci.yml")))
	if secrets == nil || secrets[1] != strings.Join(reviewSecrets, " ") {
		t.Errorf("the example's secret_variables are %v, want %s", secrets, strings.Join(reviewSecrets, " "))
	}
}

// reviewSecrets are the secret settings config.settings.production reads
// from the environment (DJANGO_SETTINGS_MODULE, MAILGUN_DOMAIN and the
// bucket's name are env_values; DATABASE_URL, REDIS_URL and
// DJANGO_ALLOWED_HOSTS come from the deployment itself).
var reviewSecrets = []string{"DJANGO_SECRET_KEY", "DJANGO_ADMIN_URL", "MAILGUN_API_KEY",
	"DJANGO_AWS_ACCESS_KEY_ID", "DJANGO_AWS_SECRET_ACCESS_KEY"}

// services is what make customer-test hands the tests: PostgreSQL and
// Redis, and the Python 3.12 the job's image would have.
type services struct {
	db                *url.URL
	dbPassword, redis string
	python            string
}

func needServices(t *testing.T) services {
	t.Helper()
	s := services{redis: os.Getenv("REDIS_URL"), python: os.Getenv("CUSTOMER_PYTHON")}
	raw := os.Getenv("DATABASE_URL")
	if raw == "" || s.redis == "" || s.python == "" {
		t.Skip("needs DATABASE_URL, REDIS_URL and CUSTOMER_PYTHON: run make customer-test")
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	s.db = u
	s.dbPassword, _ = u.User.Password()
	return s
}

// layout is one way a cookiecutter-django project keeps its dependencies.
type layout struct {
	name      string
	derive    func(t *testing.T, project string, s services)
	installer string // what the job's log says it used
}

// TestDjangoTestRunsTheCustomersTests runs the example's django-test job,
// as cilint renders it, for real: the project's checks, its 23 tests and
// the reports, against PostgreSQL and Redis, with the project as
// cookiecutter-django 2025.09.02 generated it (requirements/) and as
// newer releases generate it (pyproject.toml and uv.lock), unchanged
// pipeline both times.
func TestDjangoTestRunsTheCustomersTests(t *testing.T) {
	s := needServices(t)
	layouts := []layout{
		{name: "requirements", installer: "pip"},
		{name: "uv", derive: toUV, installer: "Installing with uv"},
	}
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			project := customerProject(t)
			if l.derive != nil {
				runner.Step(t, "derive the "+l.name+" project", func() { l.derive(t, project, s) })
			}
			res := runner.RenderFile(t, filepath.Join(project, ".gitlab-ci.yml"), project)
			j := res.Pipeline.Job("django-test")
			if j == nil {
				t.Fatal("no django-test job")
			}
			out := runDjangoTest(t, j.Node, project, s)
			if l.installer == "pip" {
				if strings.Contains(out, "Installing with uv") {
					t.Errorf("installer auto took uv for a project without uv.lock:\n%s", out)
				}
			} else if !strings.Contains(out, l.installer) {
				t.Errorf("the job's log does not say %q:\n%s", l.installer, out)
			}
			for _, want := range []string{"System check identified no issues", "No changes detected", "TOTAL"} {
				if !strings.Contains(out, want) {
					t.Errorf("the job's log has no %q:\n%s", want, out)
				}
			}
			checkReports(t, project)
		})
	}
}

// toUV turns the project into what newer cookiecutter-django generates
// (its post-generation hook): a [project] table, the production
// requirements as dependencies and the local ones in the dev group, with
// uv (from PyPI, the version django-test installs), then requirements/
// deleted.
func toUV(t *testing.T, project string, s services) {
	uv := uvTool(t, s)
	pyproject := filepath.Join(project, "pyproject.toml")
	head := "[project]\nname = \"my_awesome_project\"\nversion = \"0.1.0\"\nrequires-python = \"==3.12.*\"\ndependencies = []\n\n"
	os.WriteFile(pyproject, []byte(head+read(t, pyproject)), 0o644)
	env := []string{"UV_PYTHON_DOWNLOADS=never", "UV_PYTHON=" + s.python, "UV_CACHE_DIR=" + filepath.Join(jobCache(t), "uv")}
	runner.Run(t, project, env, uv, "add", "--quiet", "--no-sync", "-r", "requirements/production.txt")
	runner.Run(t, project, env, uv, "add", "--quiet", "--no-sync", "--dev", "-r", "requirements/local.txt")
	if err := os.RemoveAll(filepath.Join(project, "requirements")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(project, "uv.lock")); err != nil {
		t.Fatal("uv add wrote no uv.lock")
	}
	gitCommit(t, project, "Move to uv")
}

// uvTool installs uv from PyPI, at django-test's default uv_version, into
// a virtual environment of the test's own.
func uvTool(t *testing.T, s services) string {
	t.Helper()
	spec := read(t, filepath.Join(runner.RepoRoot(), "components", "templates", "django-test", "template.yml"))
	m := regexp.MustCompile(`(?m)^    uv_version:\n      default: (\S+)`).FindStringSubmatch(spec)
	if m == nil {
		t.Fatal("django-test has no uv_version default")
	}
	venv := filepath.Join(t.TempDir(), "uv")
	runner.Run(t, "", nil, s.python, "-m", "venv", venv)
	runner.Run(t, "", nil, filepath.Join(venv, "bin", "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "uv=="+m[1])
	return filepath.Join(venv, "bin", "uv")
}

// jobCache is the folder GitLab's cache: would restore into .cache of the
// project, kept on the machine between runs (as the runner's cache is).
func jobCache(t *testing.T) string {
	base := os.Getenv("TRUSTCI_CACHE")
	if base == "" {
		c, err := os.UserCacheDir()
		if err != nil {
			t.Fatal(err)
		}
		base = filepath.Join(c, "trustci")
	}
	dir := filepath.Join(base, "customer-job-cache")
	os.MkdirAll(dir, 0o755)
	return dir
}

// runDjangoTest runs the django-test job's script as a runner would in
// its image: the image's Python is a fresh virtual environment of
// CUSTOMER_PYTHON; its apt-get is a stand-in that checks the packages are
// installed (.ci/run installs them); the services are at the addresses
// make customer-test started them on, which the overrides give in place
// of the service aliases.
func runDjangoTest(t *testing.T, j *load.Node, project string, s services) string {
	t.Helper()
	image := filepath.Join(t.TempDir(), "image-python")
	runner.Run(t, "", nil, s.python, "-m", "venv", image)
	if err := os.Symlink(jobCache(t), filepath.Join(project, ".cache")); err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	aptGet, _ := filepath.Abs(filepath.Join("testdata", "apt-get"))
	os.Symlink(aptGet, filepath.Join(bin, "apt-get"))
	env := ciEnv(project)
	env["PATH"] = filepath.Join(image, "bin") + ":" + bin + ":" + os.Getenv("PATH")
	env["HOME"] = t.TempDir()
	// This machine's network inspects TLS: its CA bundle, for uv (pip
	// reads the same through its configuration here).
	if bundle := os.Getenv("SSL_CERT_FILE"); bundle != "" {
		env["SSL_CERT_FILE"] = bundle
	}
	jobVars := map[string]string{}
	for _, p := range j.Get("variables").Pairs {
		jobVars[p.Key.Name()] = p.Value.Name()
	}
	overrides := map[string]string{
		"INPUT_DB_HOST": s.db.Hostname(), "INPUT_DB_PORT": s.db.Port(),
		"POSTGRES_USER": s.db.User.Username(), "POSTGRES_PASSWORD": s.dbPassword, "POSTGRES_DB": strings.TrimPrefix(s.db.Path, "/"),
		"INPUT_ENV": strings.ReplaceAll(jobVars["INPUT_ENV"], "redis://redis:6379/0", s.redis),
	}
	var out string
	runner.Step(t, "django-test script (real)", func() {
		var code int
		out, code = runner.RunJob(t, j, project, env, overrides)
		if code != 0 {
			t.Fatalf("django-test exits %d:\n%s", code, out)
		}
	})
	return out
}

// checkReports reads the JUnit and Cobertura reports the job leaves for
// GitLab: every one of the project's tests ran and passed, and coverage
// was measured on the project's own code.
func checkReports(t *testing.T, project string) {
	t.Helper()
	var junit struct {
		Suites []struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Errors   int `xml:"errors,attr"`
			Skipped  int `xml:"skipped,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(read(t, filepath.Join(project, "report.xml"))), &junit); err != nil || len(junit.Suites) == 0 {
		t.Fatalf("report.xml is not JUnit: %v", err)
	}
	tests, bad := 0, 0
	for _, s := range junit.Suites {
		tests += s.Tests
		bad += s.Failures + s.Errors + s.Skipped
	}
	t.Logf("JUnit: %d tests, %d failed, errored or skipped", tests, bad)
	if tests != fixtureTests || bad != 0 {
		t.Errorf("JUnit: %d tests with %d failed, errored or skipped; the project has %d that pass", tests, bad, fixtureTests)
	}
	var cobertura struct {
		XMLName  xml.Name `xml:"coverage"`
		LineRate float64  `xml:"line-rate,attr"`
		Classes  []struct {
			Filename string `xml:"filename,attr"`
		} `xml:"packages>package>classes>class"`
	}
	if err := xml.Unmarshal([]byte(read(t, filepath.Join(project, "coverage.xml"))), &cobertura); err != nil {
		t.Fatalf("coverage.xml is not Cobertura: %v", err)
	}
	t.Logf("Cobertura: line rate %.3f over %d files", cobertura.LineRate, len(cobertura.Classes))
	own := 0
	for _, c := range cobertura.Classes {
		if strings.Contains(c.Filename, ".venv") || strings.Contains(c.Filename, "site-packages") {
			t.Errorf("coverage measures %s, outside the project's code", c.Filename)
		}
		if strings.HasPrefix(c.Filename, "my_awesome_project/") {
			own++
		}
	}
	if cobertura.LineRate < 0.7 || own == 0 {
		t.Errorf("Cobertura: line rate %.2f, %d of the project's files", cobertura.LineRate, own)
	}
}

// ciEnv is what GitLab predefines for a pipeline on the default branch.
func ciEnv(dir string) map[string]string {
	return map[string]string{
		"CI_PROJECT_DIR": dir, "CI_PROJECT_URL": projectURL, "CI_COMMIT_SHA": commitSHA,
		"CI_COMMIT_BRANCH": "main", "CI_COMMIT_REF_SLUG": "main", "CI_DEFAULT_BRANCH": "main",
		"CI_PIPELINE_SOURCE": "push",
	}
}

// TestProductionImageBuildsAndServes builds the customer's production
// image (compose/production/django/Dockerfile, unchanged) with the
// example's buildah-build job, as rendered, and the real Buildah; pushes
// it to the local TLS registry; then runs it with Podman against
// PostgreSQL and Redis with the environment a review app gives it:
// migrations through the project's own entrypoint, gunicorn, a page
// fetched with the review app's Host header, not as root.
//
// The Dockerfile starts FROM docker.io/python:3.12.x-slim-bookworm, which
// cannot be pulled here: the registry serves scripts/python-image under
// that name, and Buildah reaches it through a registries.conf mirror, as
// a runner with a registry mirror does (DECISIONS.md).
func TestProductionImageBuildsAndServes(t *testing.T) {
	s := needServices(t)
	reg := runner.NeedRegistry(t)
	pythonImage := os.Getenv("PYTHON_IMAGE")
	if pythonImage == "" {
		t.Skip("needs PYTHON_IMAGE (scripts/python-image): run make customer-test")
	}
	for _, tool := range []string{"buildah", "podman", "runc"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is needed in CI (.ci/run installs it)", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	root := runner.RepoRoot()
	podman := filepath.Join(root, "scripts", "podman")
	project := customerProject(t)
	work := t.TempDir()

	// The mirror: the stand-in, under the official image's name.
	dockerfile := read(t, filepath.Join(project, "compose", "production", "django", "Dockerfile"))
	from := regexp.MustCompile(`(?m)^FROM docker\.io/python:(\S+)`).FindStringSubmatch(dockerfile)
	if from == nil {
		t.Fatal("the production Dockerfile starts from no docker.io/python image")
	}
	mirror := reg.Host + "/mirror/docker.io"
	runner.Step(t, "push the python stand-in", func() {
		runner.Run(t, "", nil, podman, "push", "--quiet", "--cert-dir", reg.CertDir, "--creds", reg.User+":"+reg.Password,
			pythonImage, "docker://"+mirror+"/library/python:"+from[1])
	})
	registries := filepath.Join(work, "registries.conf")
	os.WriteFile(registries, []byte(fmt.Sprintf("[[registry]]\nprefix = \"docker.io\"\nlocation = \"docker.io\"\n\n[[registry.mirror]]\nlocation = %q\n", mirror)), 0o644)
	storageConf := filepath.Join(work, "storage.conf")
	os.WriteFile(storageConf, []byte(fmt.Sprintf("[storage]\ndriver = \"vfs\"\ngraphroot = %q\nrunroot = %q\n",
		filepath.Join(work, "storage"), filepath.Join(work, "run"))), 0o644)

	// The example's build job, with its layer cache off: with the vfs
	// driver, --layers commits a full copy of the root filesystem at
	// each instruction (DECISIONS.md); tests/components checks the flags.
	pipeline := strings.Replace(read(t, filepath.Join(project, ".gitlab-ci.yml")),
		"      dockerfile: compose/production/django/Dockerfile\n",
		"      dockerfile: compose/production/django/Dockerfile\n      cache: false\n", 1)
	if !strings.Contains(pipeline, "cache: false") {
		t.Fatal("the example's buildah-build include has changed: update this test")
	}
	os.WriteFile(filepath.Join(project, ".gitlab-ci.yml"), []byte(pipeline), 0o644)
	res := runner.RenderFile(t, filepath.Join(project, ".gitlab-ci.yml"), project)
	j := res.Pipeline.Job("buildah-build")
	if j == nil {
		t.Fatal("no buildah-build job")
	}
	env := ciEnv(project)
	for k, v := range map[string]string{
		"CI_REGISTRY": reg.Host, "CI_REGISTRY_IMAGE": reg.Host + "/" + repoPath,
		"CI_REGISTRY_USER": reg.User, "CI_REGISTRY_PASSWORD": reg.Password,
		"HOME": filepath.Join(work, "home"), "PATH": os.Getenv("PATH"), "SSL_CERT_FILE": reg.CABundle,
		"CONTAINERS_STORAGE_CONF": storageConf, "CONTAINERS_REGISTRIES_CONF": registries,
		"CONTAINERS_CONF": filepath.Join(root, "scripts", "containers.conf"),
	} {
		env[k] = v
	}
	os.MkdirAll(env["HOME"], 0o755)
	var out string
	runner.Step(t, "buildah-build script (real)", func() {
		var code int
		out, code = runner.RunJob(t, j.Node, project, env, nil)
		if code != 0 {
			t.Fatalf("buildah-build exits %d:\n%s", code, out)
		}
	})
	if strings.Contains(out, reg.Password) {
		t.Error("the registry password is in the job log")
	}
	if !strings.Contains(out, mirror+"/library/python:"+from[1]) && !strings.Contains(out, "docker.io/library/python:"+from[1]) {
		t.Logf("build log:\n%s", out)
	}
	dotenv := runner.ReadDotenv(t, filepath.Join(project, "build.env"))
	image := reg.Host + "/" + repoPath
	if !regexp.MustCompile(`^sha256:[0-9a-f]{64}$`).MatchString(dotenv["IMAGE_DIGEST"]) || dotenv["IMAGE_REF"] != image+":"+commitSHA {
		t.Fatalf("build.env: %v", dotenv)
	}
	runProductionImage(t, s, reg, podman, dotenv["IMAGE_REF_DIGEST"])
}

// runProductionImage runs the pushed image as a review app would: the
// production settings from the environment, the database migrated by
// the image's own entrypoint, gunicorn on a port, and pages asked for
// with the review app's host name.
func runProductionImage(t *testing.T, s services, reg runner.Registry, podman, ref string) {
	store := t.TempDir()
	// Podman wants a runroot of at most 50 characters.
	runroot, err := os.MkdirTemp("", "ct-run")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(runroot) })
	p := func(args ...string) []string {
		return append([]string{"--root", filepath.Join(store, "root"), "--runroot", runroot, "--storage-driver", "vfs"}, args...)
	}
	authFile := filepath.Join(store, "auth.json")
	os.WriteFile(authFile, []byte(fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, reg.Host, runner.Base64(reg.User+":"+reg.Password))), 0o600)
	runner.Step(t, "podman pull", func() {
		runner.Run(t, "", nil, podman, p("pull", "--quiet", "--cert-dir", reg.CertDir, "--authfile", authFile, ref)...)
	})
	var cfg []struct {
		Config struct {
			User       string
			Entrypoint []string
		}
	}
	if err := json.Unmarshal([]byte(runner.Run(t, "", nil, podman, p("image", "inspect", ref)...)), &cfg); err != nil || len(cfg) != 1 {
		t.Fatalf("podman image inspect: %v", err)
	}
	if u := cfg[0].Config.User; u == "" || u == "root" || u == "0" {
		t.Errorf("the image runs as %q: it must not be root", u)
	}

	key := make([]byte, 24)
	rand.Read(key)
	admin := "admin-" + hex.EncodeToString(key[:4]) + "/"
	host := "review-feature-x-3f9a1c.review.example.com"
	// What a review app gives the container (examples/cookiecutter-django
	// README lists each variable). The mail and storage credentials are
	// placeholders: a page view sends no mail and builds static URLs
	// without calling S3.
	reviewEnv := map[string]string{
		"DJANGO_SETTINGS_MODULE":         "config.settings.production",
		"DATABASE_URL":                   s.db.String(),
		"REDIS_URL":                      s.redis,
		"DJANGO_SECRET_KEY":              "customer-test-" + hex.EncodeToString(key),
		"DJANGO_ADMIN_URL":               admin,
		"DJANGO_ALLOWED_HOSTS":           host,
		"MAILGUN_API_KEY":                "customer-test-not-a-key",
		"MAILGUN_DOMAIN":                 "mg.example.com",
		"DJANGO_AWS_ACCESS_KEY_ID":       "customer-test-not-a-key",
		"DJANGO_AWS_SECRET_ACCESS_KEY":   "customer-test-not-a-secret",
		"DJANGO_AWS_STORAGE_BUCKET_NAME": "my-awesome-project-review",
	}
	for _, name := range reviewSecrets {
		if _, ok := reviewEnv[name]; !ok {
			t.Fatalf("the review environment lacks %s, which the README lists", name)
		}
	}
	// The project's entrypoint builds DATABASE_URL from POSTGRES_* and
	// waits for the server (docker-compose.production.yml's way).
	postgres := map[string]string{
		"POSTGRES_HOST": s.db.Hostname(), "POSTGRES_PORT": s.db.Port(), "POSTGRES_USER": s.db.User.Username(),
		"POSTGRES_PASSWORD": s.dbPassword, "POSTGRES_DB": strings.TrimPrefix(s.db.Path, "/"),
	}
	hardening := []string{"--network", "host", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"}
	envArgs := func(maps ...map[string]string) []string {
		var args []string
		for _, m := range maps {
			for k, v := range m {
				args = append(args, "-e", k+"="+v)
			}
		}
		return args
	}
	runner.Step(t, "migrate (entrypoint)", func() {
		args := append(append(append([]string{"run", "--rm"}, hardening...), envArgs(reviewEnv, postgres)...), ref, "python", "manage.py", "migrate", "--noinput")
		runner.Run(t, "", nil, podman, p(args...)...)
		args = append(append(append([]string{"run", "--rm"}, hardening...), envArgs(reviewEnv, postgres)...), ref, "python", "manage.py", "migrate", "--check")
		runner.Run(t, "", nil, podman, p(args...)...)
	})

	port := freePort(t)
	name := fmt.Sprintf("customer-test-%d", port)
	// As a Kubernetes container with command: set: gunicorn itself, with
	// DATABASE_URL from the environment (no POSTGRES_*).
	runner.Step(t, "start gunicorn", func() {
		args := append(append(append([]string{"run", "--detach", "--name", name, "--entrypoint", "/usr/local/bin/gunicorn"}, hardening...),
			envArgs(reviewEnv)...), ref, "config.wsgi", "--bind", fmt.Sprintf("127.0.0.1:%d", port), "--chdir=/app", "--workers", "2", "--access-logfile", "-")
		runner.Run(t, "", nil, podman, p(args...)...)
	})
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := exec.Command(podman, p("logs", name)...).CombinedOutput()
			t.Logf("container logs:\n%s", logs)
		}
		exec.Command(podman, p("rm", "--force", "--time", "2", name)...).Run()
		exec.Command(podman, p("rmi", "--all", "--force")...).Run()
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	// Behind the ingress: TLS ends at the load balancer, which says so.
	review := map[string]string{"Host": host, "X-Forwarded-Proto": "https"}
	var code int
	var page string
	runner.Step(t, "home page answers 200", func() {
		deadline := time.Now().Add(60 * time.Second)
		for {
			code, page = get(base+"/", review)
			if code == 200 || time.Now().After(deadline) {
				break
			}
			time.Sleep(300 * time.Millisecond)
		}
	})
	if code != 200 || !strings.Contains(page, "My Awesome Project") {
		t.Fatalf("GET / with Host %s: %d\n%s", host, code, page)
	}
	pages := []struct {
		name    string
		path    string
		headers map[string]string
		code    int
		has     string
	}{
		{"the sign-in page renders its form", "/accounts/login/", review, 200, `name="password"`},
		{"the admin answers at DJANGO_ADMIN_URL", "/" + admin, review, 302, ""},
		{"plain HTTP is redirected to HTTPS", "/", map[string]string{"Host": host}, 301, ""},
		{"another host is refused", "/", map[string]string{"Host": "evil.example.com", "X-Forwarded-Proto": "https"}, 400, ""},
	}
	for _, c := range pages {
		code, body := get(base+c.path, c.headers)
		if code != c.code || !strings.Contains(body, c.has) {
			t.Errorf("%s: GET %s answers %d, want %d with %q", c.name, c.path, code, c.code, c.has)
		}
	}
	uid := strings.TrimSpace(runner.Run(t, "", nil, podman, p("exec", name, "id", "-u")...))
	if uid == "0" || uid == "" {
		t.Errorf("gunicorn runs as uid %q: it must not be root", uid)
	}
}

func cilintRun(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(cilint, args...)
	cmd.Dir = dir
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), 0
}

// needsJob says whether job j needs the job named name.
func needsJob(j *load.Node, name string) bool {
	needs := j.Get("needs")
	if needs == nil {
		return false
	}
	for _, n := range needs.Items {
		if n.Kind == load.String && n.Text == name {
			return true
		}
		if job := n.Get("job"); job != nil && job.Name() == name {
			return true
		}
	}
	return false
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// get asks for a page without following redirects.
func get(url string, headers map[string]string) (int, string) {
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range headers {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
