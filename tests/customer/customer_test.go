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
//     the image then runs with Podman as the rendered review release
//     runs it (tests/chart's cmd/review-release renders it with the real
//     Helm from the review-deploy job's recorded helm call)
//     (TestProductionImageBuildsAndServes).
//
// The django-test layouts and the image build run in parallel (go test
// -parallel 3 in make customer-test), each with its own databases.
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
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
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
			for _, job := range []string{"cilint:", "pre-commit:", "django-lint:", "django-test:", "django-migrations:", "pip-audit:", "buildah-build:", "trivy-scan:", "review-deploy:", "review-stop:"} {
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
		{"merge_request", nil, []string{"pre-commit", "django-lint", "django-test", "django-migrations", "pip-audit", "buildah-build", "trivy-scan", "review-deploy", "review-stop"}, nil},
		{"push", []string{"CI_COMMIT_BRANCH=main", "CI_DEFAULT_BRANCH=main"}, []string{"pre-commit", "django-lint", "django-test", "pip-audit", "buildah-build", "trivy-scan"}, []string{"review-deploy", "django-migrations"}},
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
		{"django-migrations installs in the production Dockerfile's Python", res.Pipeline.Job("django-migrations").Node.Get("image").Name() == "python:"+from[1]},
		{"django-migrations uses config/settings/test.py", vars(res.Pipeline.Job("django-migrations").Node)["INPUT_SETTINGS_MODULE"] == "config.settings.test" &&
			fileExists(filepath.Join(project, "config", "settings", "test.py"))},
		{"django-lint reads the [tool.ruff] of pyproject.toml at project_dir", vars(res.Pipeline.Job("django-lint").Node)["INPUT_PROJECT_DIR"] == "." &&
			strings.Contains(read(t, filepath.Join(project, "pyproject.toml")), "\n[tool.ruff]\n")},
		{"pre-commit skips exactly the project's Ruff hooks", skipsHooks(read(t, filepath.Join(project, ".pre-commit-config.yaml")), vars(res.Pipeline.Job("pre-commit").Node)["SKIP"])},
		{"pip-audit's requirements/local.txt includes production.txt, which includes base.txt", vars(res.Pipeline.Job("pip-audit").Node)["INPUT_REQUIREMENTS_FILES"] == "requirements/local.txt" &&
			regexp.MustCompile(`(?m)^-r production\.txt$`).MatchString(read(t, filepath.Join(project, "requirements", "local.txt"))) &&
			regexp.MustCompile(`(?m)^-r base\.txt$`).MatchString(read(t, filepath.Join(project, "requirements", "production.txt")))},
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

// skipsHooks reports whether skip (pre-commit's SKIP, comma-separated
// hook ids) names exactly the ruff-pre-commit hooks of the configuration.
func skipsHooks(config, skip string) bool {
	start := strings.Index(config, "repo: https://github.com/astral-sh/ruff-pre-commit")
	if start < 0 {
		return false
	}
	repo := config[start:]
	if next := strings.Index(repo[1:], "- repo:"); next >= 0 {
		repo = repo[:next+1]
	}
	var ids []string
	for _, m := range regexp.MustCompile(`(?m)^\s+- id: (\S+)`).FindAllStringSubmatch(repo, -1) {
		ids = append(ids, m[1])
	}
	return len(ids) > 0 && strings.Join(ids, ",") == skip
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
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
	name string
	// db is the PostgreSQL database and redisDB the Redis database the
	// job gets: the layouts run in parallel, and pytest --reuse-db
	// keeps test_<db>.
	db, redisDB string
	derive      func(t *testing.T, project string, s services)
	installer   string // what the job's log says it used
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
		{name: "requirements", db: "app", redisDB: "0", installer: "pip"},
		{name: "uv", db: "app_uv", redisDB: "1", derive: toUV, installer: "Installing with uv"},
	}
	// Independent of each other and of TestProductionImageBuildsAndServes
	// (which migrates the database app itself, not test_app).
	t.Parallel()
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			s := s
			s.db, s.redis = withDatabase(t, s, l.db), withRedisDB(t, s.redis, l.redisDB)
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

// withDatabase is the services' DATABASE_URL with database name, which
// it creates if it is not there (the role of make customer-test's
// PostgreSQL may create databases).
func withDatabase(t *testing.T, s services, name string) *url.URL {
	t.Helper()
	u := *s.db
	if strings.TrimPrefix(u.Path, "/") == name {
		return &u
	}
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Fatalf("psql is needed to create the database %s: %v", name, err)
	}
	out, err := exec.Command(psql, s.db.String(), "-X", "-q", "-c", `CREATE DATABASE "`+name+`"`).CombinedOutput()
	if err != nil && !strings.Contains(string(out), "already exists") {
		t.Fatalf("psql: CREATE DATABASE %s: %v\n%s", name, err, out)
	}
	u.Path = "/" + name
	return &u
}

// withRedisDB is the Redis URL with database number n.
func withRedisDB(t *testing.T, redis, n string) string {
	t.Helper()
	u, err := url.Parse(redis)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + n
	return u.String()
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
// PostgreSQL and Redis as the rendered review release runs it
// (runProductionImage): the chart's migration hook, the web container's
// command, its readiness probe answered with the probe's own headers,
// pages with the review host, not as root.
//
// The Dockerfile starts FROM docker.io/python:3.12.x-slim-bookworm, which
// cannot be pulled here: the registry serves scripts/python-image under
// that name, and Buildah reaches it through a registries.conf mirror, as
// a runner with a registry mirror does (DECISIONS.md).
func TestProductionImageBuildsAndServes(t *testing.T) {
	s := needServices(t)
	// Independent of the django-test runs, beside which it runs.
	t.Parallel()
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
	// The review release, rendered while the image builds (cache: false
	// is an input of buildah-build's include only).
	release := renderRelease(t, project)
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
	runProductionImage(t, s, reg, podman, dotenv["IMAGE_REF_DIGEST"], release())
}

// reviewRelease is what tests/chart's cmd/review-release prints: what the
// rendered review release gives the web container and the chart's
// migration hook.
type reviewRelease struct {
	Release, Chart, Host string
	Web                  releaseContainer
	Migrate              *releaseContainer
}

type releaseContainer struct {
	Command, Args []string
	Env           []struct{ Name, Value string }
	EnvFrom       []struct {
		ConfigMap string
		Data      map[string]string
		Secret    string
		Keys      []string
	}
	Port  int
	Probe *struct {
		Path, Port string
		Headers    map[string]string
	} `json:"readinessProbe"`
	ReadOnlyRoot bool `json:"readOnlyRootFilesystem"`
	EmptyDirs    []string
}

// renderRelease starts recording the project's review-deploy job's helm
// call and rendering it with the real Helm (tests/chart's
// cmd/review-release, run in its own module, which carries Helm and
// Kubernetes' types; building it and helm takes a while, so it runs
// beside the image build); the function it returns waits for the
// release.
func renderRelease(t *testing.T, project string) func() reviewRelease {
	t.Helper()
	cmd := exec.Command("go", "run", "./cmd/review-release", "-dir", project, "-job", "review-deploy")
	cmd.Dir = filepath.Join(runner.RepoRoot(), "tests", "chart")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return func() reviewRelease {
		t.Helper()
		var rel reviewRelease
		runner.Step(t, "render the review release (wait)", func() { rel = waitRelease(t, cmd, &stdout, &stderr) })
		return rel
	}
}

func waitRelease(t *testing.T, cmd *exec.Cmd, stdout, stderr *bytes.Buffer) reviewRelease {
	t.Helper()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("review-release: %v\n%s", err, stderr.String())
	}
	out := stdout.Bytes()
	var rel reviewRelease
	if err := json.Unmarshal(out, &rel); err != nil {
		t.Fatalf("review-release prints no release: %v\n%s", err, out)
	}
	if rel.Web.Probe == nil || rel.Web.Port == 0 || rel.Migrate == nil {
		t.Fatalf("the review release's web container has no readiness probe or port, or no migration hook: %s", out)
	}
	t.Logf("review release %s: chart %s", rel.Release, rel.Chart)
	return rel
}

// containerEnv is the environment Kubernetes gives container c: its
// envFrom sources in order, then its env, which wins. A Secret's values
// are the test's (secrets); the review Redis's in-cluster URL becomes
// the test's Redis.
func containerEnv(t *testing.T, rel reviewRelease, c releaseContainer, secrets map[string]string, redis string) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, src := range c.EnvFrom {
		for k, v := range src.Data {
			env[k] = v
		}
		for _, k := range src.Keys {
			v, ok := secrets[k]
			if !ok {
				t.Fatalf("the Secret %s has %s, which this test gives no value: add one", src.Secret, k)
			}
			env[k] = v
		}
	}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	inCluster := regexp.MustCompile(`^redis://` + regexp.QuoteMeta(rel.Release) + `-django-app-redis:6379/`)
	for k, v := range env {
		if inCluster.MatchString(v) {
			// The review Redis (redis.enabled) is a Service in the
			// cluster; here it is make customer-test's Redis.
			env[k] = redis
		}
	}
	return env
}

// runProductionImage runs the pushed image as the rendered review
// release runs it (tests/chart's cmd/review-release): the migration
// hook's command with its environment, then the web container's command
// with its env and envFrom (the ConfigMap as rendered, the Secret's keys
// as the deploy job creates it, with test values; DATABASE_URL and the
// review Redis's URL pointing at make customer-test's PostgreSQL and
// Redis), its read-only root and emptyDirs, on its containerPort; then
// the readiness probe's path is fetched with exactly the probe's
// headers, and real pages with the same Host.
func runProductionImage(t *testing.T, s services, reg runner.Registry, podman, ref string, rel reviewRelease) {
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
	// Registered first, so it runs last, after the containers' removal.
	t.Cleanup(func() { exec.Command(podman, p("rmi", "--all", "--force")...).Run() })
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

	// The Secret the review-app script creates: secret_variables (the
	// README's CI/CD variables, with test values) and DATABASE_URL.
	var keys []string
	for _, src := range rel.Web.EnvFrom {
		keys = append(keys, src.Keys...)
	}
	if want := append(append([]string{}, reviewSecrets...), "DATABASE_URL"); !sameSet(keys, want) {
		t.Errorf("the review Secret has %v, want %v", keys, want)
	}
	key := make([]byte, 24)
	rand.Read(key)
	admin := "admin-" + hex.EncodeToString(key[:4]) + "/"
	// The mail and storage credentials are placeholders: a page view
	// sends no mail and builds static URLs without calling S3.
	secrets := map[string]string{
		"DATABASE_URL":                 s.db.String(),
		"DJANGO_SECRET_KEY":            "customer-test-" + hex.EncodeToString(key),
		"DJANGO_ADMIN_URL":             admin,
		"MAILGUN_API_KEY":              "customer-test-not-a-key",
		"DJANGO_AWS_ACCESS_KEY_ID":     "customer-test-not-a-key",
		"DJANGO_AWS_SECRET_ACCESS_KEY": "customer-test-not-a-secret",
	}
	probe := rel.Web.Probe
	host := probe.Headers["Host"]
	if host == "" || host != rel.Host || probe.Port != "http" {
		t.Fatalf("the readiness probe must send the ingress host %s to the http port: %+v", rel.Host, probe)
	}
	hardening := []string{"--network", "host", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"}
	// podman run arguments for container c: its root, its emptyDirs, its
	// environment, its command (Kubernetes' command replaces the image's
	// ENTRYPOINT, args its CMD).
	run := func(c releaseContainer, env map[string]string, command []string, args ...string) []string {
		a := append([]string{}, hardening...)
		if c.ReadOnlyRoot {
			a = append(a, "--read-only", "--read-only-tmpfs=false")
			for _, dir := range c.EmptyDirs {
				a = append(a, "--tmpfs", dir+":rw,mode=1777")
			}
		}
		for k, v := range env {
			a = append(a, "-e", k+"="+v)
		}
		entrypoint, _ := json.Marshal(command)
		a = append(a, "--entrypoint", string(entrypoint), ref)
		return append(a, args...)
	}

	migrate := *rel.Migrate
	migrateEnv := containerEnv(t, rel, migrate, secrets, s.redis)
	runner.Step(t, "migrate (the chart's hook: "+strings.Join(migrate.Command, " ")+")", func() {
		runner.Run(t, "", nil, podman, p(append([]string{"run", "--rm"}, run(migrate, migrateEnv, migrate.Command, migrate.Args...)...)...)...)
		runner.Run(t, "", nil, podman, p(append([]string{"run", "--rm"}, run(migrate, migrateEnv, []string{"python", "manage.py", "migrate", "--check"})...)...)...)
	})

	web := rel.Web
	webEnv := containerEnv(t, rel, web, secrets, s.redis)
	if webEnv["DJANGO_ALLOWED_HOSTS"] != host {
		t.Errorf("DJANGO_ALLOWED_HOSTS is %q, the probe's Host %s", webEnv["DJANGO_ALLOWED_HOSTS"], host)
	}
	if l, err := net.Listen("tcp", fmt.Sprintf(":%d", web.Port)); err != nil {
		t.Fatalf("the container's port %d is taken on this machine (the test runs it on the host's network): %v", web.Port, err)
	} else {
		l.Close()
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", web.Port)
	var code int
	var page string
	// start runs command detached and waits for the probe path to answer
	// 200 with the probe's headers; it returns false if the container
	// stops first, with its logs.
	start := func(name string, command []string, args ...string) (bool, string) {
		runner.Run(t, "", nil, podman, p(append([]string{"run", "--detach", "--name", name}, run(web, webEnv, command, args...)...)...)...)
		t.Cleanup(func() {
			if t.Failed() {
				logs, _ := exec.Command(podman, p("logs", name)...).CombinedOutput()
				t.Logf("container %s logs:\n%s", name, logs)
			}
			exec.Command(podman, p("rm", "--force", "--time", "2", name)...).Run()
		})
		deadline := time.Now().Add(120 * time.Second)
		for {
			code, page = runner.Get(base+probe.Path, probe.Headers)
			if code == 200 {
				return true, ""
			}
			state, _ := exec.Command(podman, p("inspect", "--format", "{{.State.Running}}", name)...).Output()
			if strings.TrimSpace(string(state)) == "false" || time.Now().After(deadline) {
				logs, _ := exec.Command(podman, p("logs", name)...).CombinedOutput()
				exec.Command(podman, p("rm", "--force", "--time", "2", name)...).Run()
				return false, string(logs)
			}
			time.Sleep(300 * time.Millisecond)
		}
	}
	name := fmt.Sprintf("customer-test-%s", hex.EncodeToString(key[4:8]))
	var served bool
	running := name
	runner.Step(t, "the web container's command ("+strings.Join(append(web.Command, web.Args...), " ")+")", func() {
		var logs string
		served, logs = start(name, web.Command, web.Args...)
		if served {
			return
		}
		// /start runs collectstatic first, which uploads to the review
		// bucket (config.settings.production's STORAGES: S3): without
		// the bucket and its credentials, which this machine has not, it
		// stops there. That is the documented requirement (README: the
		// DJANGO_AWS_* variables); anything else is a failure.
		bucket := webEnv["DJANGO_AWS_STORAGE_BUCKET_NAME"]
		if !regexp.MustCompile(`(?m)^botocore\.exceptions\.\w+: .*https://` + regexp.QuoteMeta(bucket) + `\.s3\.amazonaws\.com/`).MatchString(logs) {
			t.Fatalf("%v stopped, and not for want of the S3 bucket:\n%s", web.Command, logs)
		}
		t.Logf("%v stops in collectstatic for want of the S3 bucket (DJANGO_AWS_STORAGE_BUCKET_NAME %s and its credentials, which a review app needs):\n%s",
			web.Command, webEnv["DJANGO_AWS_STORAGE_BUCKET_NAME"], lastLines(logs, 6))
	})
	if !served {
		// What /start runs after collectstatic: its last line, exec'd.
		script := runner.Run(t, "", nil, podman, p("run", "--rm", "--entrypoint", "cat", ref, web.Command[0])...)
		lines := strings.Split(strings.TrimSpace(script), "\n")
		last := strings.Fields(lines[len(lines)-1])
		if len(last) < 2 || last[0] != "exec" || !strings.Contains(strings.Join(last, " "), fmt.Sprintf("0.0.0.0:%d", web.Port)) {
			t.Fatalf("%s does not end by exec'ing a server on the container's port %d:\n%s", web.Command[0], web.Port, script)
		}
		runner.Step(t, "the server "+web.Command[0]+" starts ("+strings.Join(last[1:], " ")+")", func() {
			var logs string
			running = name + "-server"
			if served, logs = start(running, last[1:2], last[2:]...); !served {
				t.Fatalf("%v does not serve %s with the probe's headers: %d\n%s\n%s", last[1:], probe.Path, code, page, logs)
			}
		})
	}
	if !strings.Contains(page, "My Awesome Project") {
		t.Errorf("GET %s with the probe's headers %v answers 200 without the project's page:\n%s", probe.Path, probe.Headers, page)
	}
	pages := []struct {
		name    string
		path    string
		headers map[string]string
		code    int
		has     string
	}{
		{"the sign-in page renders its form", "/accounts/login/", probe.Headers, 200, `name="password"`},
		{"the admin answers at DJANGO_ADMIN_URL", "/" + admin, probe.Headers, 302, ""},
		{"plain HTTP is redirected to HTTPS", "/", map[string]string{"Host": host}, 301, ""},
		{"another host is refused", "/", map[string]string{"Host": "evil.example.com", "X-Forwarded-Proto": "https"}, 400, ""},
	}
	for _, c := range pages {
		code, body := runner.Get(base+c.path, c.headers)
		if code != c.code || !strings.Contains(body, c.has) {
			t.Errorf("%s: GET %s answers %d, want %d with %q", c.name, c.path, code, c.code, c.has)
		}
	}
	uid := strings.TrimSpace(runner.Run(t, "", nil, podman, p("exec", running, "id", "-u")...))
	if uid == "0" || uid == "" {
		t.Errorf("the server runs as uid %q: it must not be root", uid)
	}
}

func sameSet(a, b []string) bool {
	x, y := append([]string{}, a...), append([]string{}, b...)
	sort.Strings(x)
	sort.Strings(y)
	return strings.Join(x, " ") == strings.Join(y, " ")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
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
