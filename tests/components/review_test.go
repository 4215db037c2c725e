package components_test

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/tests/internal/runner"
)

// reviewPipeline renders review-app (and the build it needs) with extra
// inputs, one "key: value" line each.
func reviewPipeline(t *testing.T, inputs ...string) (deploy, stop *load.Node) {
	t.Helper()
	var b strings.Builder
	b.WriteString(`stages: [build, review]
include:
  - component: gitlab.com/trustci/components/kaniko-build@1.0.0
  - component: gitlab.com/trustci/components/review-app@1.0.0
    inputs:
      agent: agency/k8s-agents:review
      base_domain: review.example.com
`)
	for _, in := range inputs {
		b.WriteString("      " + in + "\n")
	}
	res := runner.Render(t, b.String())
	return job(t, res, "review-deploy"), job(t, res, "review-stop")
}

func reviewEnv(dir string, extra map[string]string) map[string]string {
	e := ciEnv(dir)
	e["DJANGO_SECRET_KEY"] = "django-secret-do-not-print"
	e["REVIEW_DB_ADMIN_URL"] = "postgres://admin:db-password-do-not-print@db.internal:5432/postgres?sslmode=require&connect_timeout=5"
	e["IMAGE_REF_DIGEST"] = "registry.example.com/agency/shop@sha256:" + strings.Repeat("cd", 32)
	e["FAKE_KUBE_CONTEXT"] = "agency/k8s-agents:review"
	e["FAKE_SECRETS"] = filepath.Join(dir, "secrets")
	for k, v := range extra {
		e[k] = v
	}
	return e
}

// secretValue reads what the fake cluster stored for a Secret's key.
func secretValue(t *testing.T, dir, secret, key string) string {
	t.Helper()
	b, _ := os.ReadFile(filepath.Join(dir, "secrets"))
	value := ""
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, secret+" "+key+"="); ok {
			value = v
		}
	}
	return value
}

// The certificate input decides the ingress's TLS and the smoke check's
// scheme: https only when a certificate is configured.
func TestReviewAppTLS(t *testing.T) {
	for _, tt := range []struct {
		name, input, scheme string
		want                []string
	}{
		{"none", "", "http", []string{"--set ingress.tls=false"}},
		{"cert-manager", "tls_cluster_issuer: letsencrypt-prod", "https", []string{
			"--set ingress.tls=true --set ingress.tlsSecretName=review-feat-x-abc123-tls",
			`--set ingress.annotations.cert-manager\.io/cluster-issuer=letsencrypt-prod`}},
		{"wildcard secret", "tls_secret: wildcard-review-tls", "https", []string{
			"--set ingress.tls=true --set ingress.tlsSecretName=wildcard-review-tls"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var inputs []string
			if tt.input != "" {
				inputs = append(inputs, tt.input)
			}
			deploy, _ := reviewPipeline(t, inputs...)
			dir := t.TempDir()
			out, code := run(t, deploy, dir, reviewEnv(dir, nil), nil)
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			u := tt.scheme + "://review-feat-x-abc123.review.example.com"
			mustContain(t, "calls", fakeLog(t, dir), append(tt.want, "curl "+u+"/healthz")...)
			mustContain(t, "review.env", readFile(t, filepath.Join(dir, "review.env")), "DYNAMIC_ENVIRONMENT_URL="+u+"\n")
		})
	}
}

// Every pod pulls with a Secret for $CI_REGISTRY: the deploy token when
// the project has one, else the job token; the chart gets its name.
func TestReviewAppPullSecret(t *testing.T) {
	deploy, _ := reviewPipeline(t)
	for _, tt := range []struct {
		name  string
		extra map[string]string
		user  string
	}{
		{"deploy token", map[string]string{"CI_DEPLOY_USER": "gitlab+deploy-token-7", "CI_DEPLOY_PASSWORD": "deploy-password-do-not-print"}, "gitlab+deploy-token-7"},
		{"job token", nil, "gitlab-ci-token"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			out, code := run(t, deploy, dir, reviewEnv(dir, tt.extra), nil)
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			log := fakeLog(t, dir)
			mustContain(t, "calls", log,
				"create secret docker-registry review-feat-x-abc123-registry --docker-server=registry.example.com --docker-username="+tt.user+" --docker-password=<redacted>",
				"--set imagePullSecrets[0].name=review-feat-x-abc123-registry")
			for _, secret := range []string{"deploy-password-do-not-print", "job-token-do-not-print"} {
				if strings.Contains(out+log, secret) {
					t.Errorf("%s shows", secret)
				}
			}
		})
	}
	t.Run("off", func(t *testing.T) {
		deploy, _ := reviewPipeline(t, "pull_secret: false")
		dir := t.TempDir()
		if out, code := run(t, deploy, dir, reviewEnv(dir, nil), nil); code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		if log := fakeLog(t, dir); strings.Contains(log, "docker-registry") || strings.Contains(log, "imagePullSecrets") {
			t.Errorf("pull_secret: false still creates or passes a pull secret:\n%s", log)
		}
	})
}

// The app gets its own role's URL, with the admin URL's host, port and
// query (sslmode...), never the admin's credentials; the password is
// reused from the Secret an earlier deploy stored.
func TestReviewAppDatabaseURL(t *testing.T) {
	deploy, _ := reviewPipeline(t)
	dir := t.TempDir()
	out, code := run(t, deploy, dir, reviewEnv(dir, nil), nil)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	got := secretValue(t, dir, "review-feat-x-abc123-env", "DATABASE_URL")
	password := secretValue(t, dir, "review-feat-x-abc123-db", "password")
	if !regexp.MustCompile(`^[A-Za-z0-9]{32}$`).MatchString(password) {
		t.Fatalf("the role's password %q is not 32 random letters and digits", password)
	}
	want := "postgres://review_review_feat_x_abc123:" + password + "@db.internal:5432/review_review_feat_x_abc123?sslmode=require&connect_timeout=5"
	if got != want {
		t.Errorf("DATABASE_URL:\n got %s\nwant %s", got, want)
	}
	if strings.Contains(got, "admin") || strings.Contains(got, "db-password-do-not-print") {
		t.Error("the admin's credentials reach the app")
	}
	if strings.Contains(out+fakeLog(t, dir), password) || strings.Contains(out+fakeLog(t, dir), "db-password-do-not-print") {
		t.Error("a database password is in the job log or the calls")
	}

	dir = t.TempDir()
	out, code = run(t, deploy, dir, reviewEnv(dir, map[string]string{"FAKE_DB_PASSWORD": "kept-from-the-first-deploy"}), nil)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if got := secretValue(t, dir, "review-feat-x-abc123-env", "DATABASE_URL"); !strings.Contains(got, ":kept-from-the-first-deploy@") {
		t.Errorf("a redeploy changes the role's password: %s", got)
	}
	if secretValue(t, dir, "review-feat-x-abc123-db", "password") != "" {
		t.Error("a redeploy rewrites the password Secret")
	}
}

// The stop job deletes the namespace (and everything deploy made in it)
// even when the database step fails, and then fails itself.
func TestReviewAppStopAlwaysCleansUp(t *testing.T) {
	_, stop := reviewPipeline(t)
	for _, tt := range []struct {
		name  string
		extra map[string]string
	}{
		{"database pod fails", map[string]string{"FAKE_POD_FAIL": "1"}},
		{"admin URL missing", map[string]string{"REVIEW_DB_ADMIN_URL": ""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			out, code := run(t, stop, dir, reviewEnv(dir, tt.extra), nil)
			if code == 0 {
				t.Errorf("the stop job hides the failure:\n%s", out)
			}
			mustContain(t, "calls", fakeLog(t, dir),
				"helm uninstall review-feat-x-abc123",
				"kubectl delete namespace review-review-feat-x-abc123 --ignore-not-found")
		})
	}
}

// The job image (alpine/k8s) has no PostgreSQL client: psql runs only in
// the database pod.
func TestReviewAppCallsNoPsqlInTheJobImage(t *testing.T) {
	deploy, stop := reviewPipeline(t)
	pod := regexp.MustCompile(`sh -c '[^']*'`)
	for _, j := range []*load.Node{deploy, stop} {
		for _, line := range strings.Split(runner.ScriptOf(j), "\n") {
			code := pod.ReplaceAllString(line, "")
			if i := strings.Index(code, "#"); i >= 0 {
				code = code[:i]
			}
			if regexp.MustCompile(`(^|[\s;|&(])psql\b`).MatchString(code) {
				t.Errorf("the job itself calls psql, which its image lacks: %s", strings.TrimSpace(line))
			}
		}
	}
}

// adminURL is a PostgreSQL URL of a role that may create roles and
// databases: DATABASE_URL's own role if it may, else the server's
// postgres superuser on the same host (scripts/with-postgres trusts local
// connections).
func adminURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv("DATABASE_URL")
	if base == "" {
		// `make unit` runs this package without a database; `make
		// component-test` (part of `make test`) runs it with one.
		t.Skip("DATABASE_URL is not set: run make component-test")
	}
	if _, err := exec.LookPath("psql"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("psql is not installed")
		}
		t.Skip("psql is not installed")
	}
	candidates := []string{base}
	if u, err := url.Parse(base); err == nil {
		u.User = url.User("postgres")
		candidates = append(candidates, u.String())
	}
	for _, c := range candidates {
		out, err := exec.Command("psql", c, "-XtAc", "SELECT rolsuper OR (rolcreaterole AND rolcreatedb) FROM pg_roles WHERE rolname = current_user").Output()
		if err == nil && strings.TrimSpace(string(out)) == "t" {
			return c
		}
	}
	t.Fatalf("no role of %s may create roles and databases", base)
	return ""
}

func psql(url, sql string) (string, error) {
	out, err := exec.Command("psql", url, "-XqtA", "-v", "ON_ERROR_STOP=1", "-c", sql).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// TestReviewAppDatabaseForReal runs the deploy and stop jobs' SQL, as the
// database pod would, against a real PostgreSQL: each review app's role
// owns its database, cannot reach another review app's, and stop drops
// both.
func TestReviewAppDatabaseForReal(t *testing.T) {
	admin := adminURL(t)
	deploy, stop := reviewPipeline(t)
	u, _ := url.Parse(admin)
	u.RawQuery = "connect_timeout=5"
	adminWithQuery := u.String()
	slugs := []string{"review-real-a-1x2y3z", "review-real-b-4u5v6w"}
	urls := map[string]string{}
	for _, slug := range slugs {
		dir := t.TempDir()
		env := reviewEnv(dir, map[string]string{"REVIEW_DB_ADMIN_URL": adminWithQuery, "CI_ENVIRONMENT_SLUG": slug, "FAKE_POD_EXEC": "1"})
		// Stop first: a leftover of an earlier run goes.
		run(t, stop, t.TempDir(), env, nil)
		out, code := run(t, deploy, dir, env, nil)
		if code != 0 {
			t.Fatalf("deploy %s: exit %d:\n%s", slug, code, out)
		}
		urls[slug] = secretValue(t, dir, slug+"-env", "DATABASE_URL")
		if !strings.HasSuffix(urls[slug], "?connect_timeout=5") {
			t.Errorf("the admin URL's query is lost: %s", urls[slug])
		}
		// A second deploy changes nothing and fails nothing.
		if out, code := run(t, deploy, t.TempDir(), env, map[string]string{"FAKE_DB_PASSWORD": secretValue(t, dir, slug+"-db", "password")}); code != 0 {
			t.Fatalf("redeploy %s: exit %d:\n%s", slug, code, out)
		}
	}
	t.Cleanup(func() {
		for _, slug := range slugs {
			dir := t.TempDir()
			run(t, stop, dir, reviewEnv(dir, map[string]string{"REVIEW_DB_ADMIN_URL": adminWithQuery, "CI_ENVIRONMENT_SLUG": slug, "FAKE_POD_EXEC": "1"}), nil)
		}
	})
	a := urls[slugs[0]]
	if out, err := psql(a, "CREATE TABLE board_item (id int); SELECT current_user, current_database()"); err != nil ||
		out != "review_review_real_a_1x2y3z|review_review_real_a_1x2y3z" {
		t.Fatalf("the review role cannot use its own database: %v %s", err, out)
	}
	if out, err := psql(a, "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user"); err != nil || out != "f|f|f" {
		t.Errorf("the review role has more than its database: %v %s", err, out)
	}
	other, _ := url.Parse(a)
	other.Path = "/review_review_real_b_4u5v6w"
	if out, err := psql(other.String(), "SELECT 1"); err == nil || !strings.Contains(out, "permission denied") {
		t.Errorf("review app a connects to review app b's database: %v %s", err, out)
	}

	dir := t.TempDir()
	env := reviewEnv(dir, map[string]string{"REVIEW_DB_ADMIN_URL": adminWithQuery, "CI_ENVIRONMENT_SLUG": slugs[0], "FAKE_POD_EXEC": "1"})
	if out, code := run(t, stop, dir, env, nil); code != 0 {
		t.Fatalf("stop: exit %d:\n%s", code, out)
	}
	if out, err := psql(admin, "SELECT count(*) FROM pg_database WHERE datname = 'review_review_real_a_1x2y3z'"); err != nil || out != "0" {
		t.Errorf("stop leaves the database: %v %s", err, out)
	}
	if out, err := psql(admin, "SELECT count(*) FROM pg_roles WHERE rolname = 'review_review_real_a_1x2y3z'"); err != nil || out != "0" {
		t.Errorf("stop leaves the role: %v %s", err, out)
	}
}

// One migration path: with migrate_command the chart's hook is turned
// off, without it the hook runs and nothing is exec'd. The command runs
// in a Running and Ready pod of the web Deployment, chosen by its labels:
// never the finished hook pod, a pod still starting or another
// component's.
func TestReviewAppMigratesOnceInAReadyWebPod(t *testing.T) {
	pods := strings.Join([]string{
		"app-django-app-migrate-x1 Succeeded False migrate",
		"app-django-app-worker-w1 Running True worker",
		"app-django-app-7d9f-new1 Running False web",
		"app-django-app-7d9f-ready Running True web",
	}, "\n")
	t.Run("migrate_command", func(t *testing.T) {
		deploy, _ := reviewPipeline(t, "migrate_command: python manage.py migrate --noinput")
		dir := t.TempDir()
		out, code := run(t, deploy, dir, reviewEnv(dir, map[string]string{"FAKE_PODS": pods}), nil)
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		log := fakeLog(t, dir)
		mustContain(t, "calls", log, "--set migrations.enabled=false",
			"get pod -l app.kubernetes.io/instance=review-feat-x-abc123,app.kubernetes.io/component=web --field-selector=status.phase=Running",
			"exec app-django-app-7d9f-ready -- python manage.py migrate --noinput")
		if strings.Count(log, "abc123 exec ") != 1 {
			t.Errorf("migrations must run once:\n%s", log)
		}
	})
	t.Run("hook", func(t *testing.T) {
		deploy, _ := reviewPipeline(t)
		dir := t.TempDir()
		if out, code := run(t, deploy, dir, reviewEnv(dir, nil), nil); code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		if log := fakeLog(t, dir); strings.Contains(log, "migrations.enabled") || strings.Contains(log, "abc123 exec ") {
			t.Errorf("without migrate_command the chart's hook migrates, and only it:\n%s", log)
		}
	})
	t.Run("no ready pod", func(t *testing.T) {
		deploy, _ := reviewPipeline(t, "migrate_command: python manage.py migrate --noinput")
		dir := t.TempDir()
		out, code := run(t, deploy, dir, reviewEnv(dir, map[string]string{"FAKE_PODS": "app-django-app-migrate-x1 Succeeded False migrate\napp-x Running False web"}), nil)
		if code == 0 || !strings.Contains(out, "no Running and Ready pod") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		if strings.Contains(fakeLog(t, dir), "abc123 exec ") {
			t.Error("a command ran in a pod that is not Ready")
		}
	})
}

// Demo data: the fixtures are loaded after the migrations and the
// superuser is created from masked variables whose values reach the
// pod on its standard input only; createsuperuser runs once, and a
// redeploy keeps the existing user.
func TestReviewAppDemoData(t *testing.T) {
	deploy, _ := reviewPipeline(t,
		"migrate_command: python manage.py migrate --noinput",
		"demo_fixtures: board/fixtures/demo.json more/users.json",
		"superuser_variables: PM_USER PM_EMAIL PM_PASSWORD")
	extra := map[string]string{"PM_USER": "pm", "PM_EMAIL": "pm@example.com", "PM_PASSWORD": "superuser-password-do-not-print"}
	dir := t.TempDir()
	out, code := run(t, deploy, dir, reviewEnv(dir, extra), nil)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	log := fakeLog(t, dir)
	migrate := strings.Index(log, "-- python manage.py migrate --noinput")
	load := strings.Index(log, "exec app-7d9f-abcde -- python manage.py loaddata board/fixtures/demo.json more/users.json")
	super := strings.Index(log, "exec -i app-7d9f-abcde -- sh -c")
	if migrate < 0 || load < migrate || super < load {
		t.Errorf("want migrate, then loaddata, then createsuperuser:\n%s", log)
	}
	mustContain(t, "calls", log, "  stdin: 3 lines", "sh python manage.py")
	if strings.Contains(out+log, "superuser-password-do-not-print") || strings.Contains(log, "pm@example.com") {
		t.Error("the superuser's values are in the job log or an argument")
	}

	// For real in the pod's shell: a stand-in for python records what
	// createsuperuser gets, and answers as Django does for a second user
	// of the same name.
	bin := t.TempDir()
	state := filepath.Join(t.TempDir(), "users")
	stub := `#!/bin/sh
[ "$1 $2 $3" = "manage.py createsuperuser --noinput" ] || exit 0
if grep -qx "$DJANGO_SUPERUSER_USERNAME" "` + state + `" 2>/dev/null; then echo "CommandError: Error: That username is already taken." >&2; exit 1; fi
printf '%s\n' "$DJANGO_SUPERUSER_USERNAME" >> "` + state + `"
printf '%s|%s|%s\n' "$DJANGO_SUPERUSER_USERNAME" "$DJANGO_SUPERUSER_EMAIL" "$DJANGO_SUPERUSER_PASSWORD" > "` + state + `.env"
echo "Superuser created successfully."
`
	if err := os.WriteFile(filepath.Join(bin, "python"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"superuser pm created", "superuser pm exists, kept as it is"} {
		dir := t.TempDir()
		env := reviewEnv(dir, extra)
		env["FAKE_EXEC_RUN"] = "1"
		fakes, _ := filepath.Abs("fakes")
		out, code := run(t, deploy, dir, env, map[string]string{"PATH": bin + ":" + fakes + ":" + os.Getenv("PATH")})
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("deploy %d: exit %d, want %q:\n%s", i+1, code, want, out)
		}
	}
	if got := readFile(t, state+".env"); got != "pm|pm@example.com|superuser-password-do-not-print\n" {
		t.Errorf("createsuperuser got %q", got)
	}

	t.Run("missing variable", func(t *testing.T) {
		dir := t.TempDir()
		out, code := run(t, deploy, dir, reviewEnv(dir, map[string]string{"PM_USER": "pm", "PM_EMAIL": "pm@example.com"}), nil)
		if code == 0 || !strings.Contains(out, "CI/CD variable PM_PASSWORD is not set") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
	})
	t.Run("off by default", func(t *testing.T) {
		deploy, _ := reviewPipeline(t)
		dir := t.TempDir()
		if out, code := run(t, deploy, dir, reviewEnv(dir, nil), nil); code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		if log := fakeLog(t, dir); strings.Contains(log, "loaddata") || strings.Contains(log, "createsuperuser") || strings.Contains(log, "get pod") {
			t.Errorf("no demo data unless asked for:\n%s", log)
		}
	})
}

// env_values reach the chart as literal env.NAME values (commas and
// equals signs kept); a line that is not NAME=value fails the job. The
// probe and the smoke check use the same path.
func TestReviewAppEnvValuesAndProbe(t *testing.T) {
	deploy, _ := reviewPipeline(t, "env_values: |\n        DJANGO_SETTINGS_MODULE=config.settings.production\n        DJANGO_ALLOWED_EXTRA=a.example.com,b.example.com\n\n        QUERY=x=1",
		"probe: tcp", "health_path: /")
	dir := t.TempDir()
	out, code := run(t, deploy, dir, reviewEnv(dir, nil), nil)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	mustContain(t, "calls", fakeLog(t, dir),
		"--set probes.type=tcp --set probes.path=/",
		"--set-literal env.DJANGO_SETTINGS_MODULE=config.settings.production --set-literal env.DJANGO_ALLOWED_EXTRA=a.example.com,b.example.com --set-literal env.QUERY=x=1",
		"curl http://review-feat-x-abc123.review.example.com/\n")
	for _, bad := range []string{"not a line", "1ABC=x", "A-B=x"} {
		deploy, _ := reviewPipeline(t, "env_values: "+bad)
		dir := t.TempDir()
		out, code := run(t, deploy, dir, reviewEnv(dir, nil), nil)
		if code == 0 || !strings.Contains(out, "env_values:") {
			t.Errorf("env_values %q: exit %d:\n%s", bad, code, out)
		}
	}
}

// TestReviewAppDemoDataForReal runs the deploy job's app steps (the
// migrate_command, demo_fixtures and superuser_variables of
// examples/django) in "the pod" for real: the fake kubectl runs exec's
// command here, with the example project, its Python and PostgreSQL.
// Twice, as two deploys of one review app: the fixtures load again and
// the superuser is kept.
func TestReviewAppDemoDataForReal(t *testing.T) {
	dbURL, python := os.Getenv("DATABASE_URL"), os.Getenv("DJANGO_TEST_PYTHON")
	if dbURL == "" || python == "" {
		t.Skip("needs DATABASE_URL and DJANGO_TEST_PYTHON: run make component-test")
	}
	deploy, _ := reviewPipeline(t, "database: none", "secret_variables: DJANGO_SECRET_KEY DATABASE_URL",
		"migrate_command: python manage.py migrate --noinput",
		"demo_fixtures: board/fixtures/demo.json",
		"superuser_variables: DJANGO_SUPERUSER_USERNAME DJANGO_SUPERUSER_EMAIL DJANGO_SUPERUSER_PASSWORD")
	app := t.TempDir()
	if out, err := exec.Command("cp", "-R", filepath.Join(runner.RepoRoot(), "examples", "django")+"/.", app).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	bin := t.TempDir()
	// A wrapper, not a link: a virtualenv's Python finds its packages from
	// its own path.
	if err := os.WriteFile(filepath.Join(bin, "python"), []byte("#!/bin/sh\nexec "+runner.ShellQuote(python)+" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	fakes, _ := filepath.Abs("fakes")
	for i, want := range []string{"superuser pm created", "superuser pm exists, kept as it is"} {
		env := reviewEnv(app, map[string]string{"DATABASE_URL": dbURL, "FAKE_EXEC_RUN": "1",
			"DJANGO_SUPERUSER_USERNAME": "pm", "DJANGO_SUPERUSER_EMAIL": "pm@example.com", "DJANGO_SUPERUSER_PASSWORD": "demo-password-do-not-print"})
		out, code := run(t, deploy, app, env, map[string]string{"PATH": bin + ":" + fakes + ":" + os.Getenv("PATH")})
		if code != 0 || !strings.Contains(out, want) || !strings.Contains(out, "Installed 6 object(s) from 1 fixture(s)") {
			t.Fatalf("deploy %d: exit %d, want %q and the fixture loaded:\n%s", i+1, code, want, out)
		}
		if strings.Contains(out, "demo-password-do-not-print") {
			t.Error("the superuser's password is in the job log")
		}
	}
	// The superuser can log in with the password the variable holds.
	check := exec.Command(python, "manage.py", "shell", "-c",
		"from django.contrib.auth import authenticate; print(bool(authenticate(username='pm', password='demo-password-do-not-print')))")
	check.Dir = app
	check.Env = append(os.Environ(), "DJANGO_SECRET_KEY=django-secret-do-not-print")
	if out, err := check.CombinedOutput(); err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "\nTrue") && strings.TrimSpace(string(out)) != "True" {
		t.Errorf("the superuser cannot log in: %v %s", err, out)
	}
}
