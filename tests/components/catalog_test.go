package components_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/tests/internal/runner"
)

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// sourceRepo is a git repository holding this checkout's components/,
// examples/django/ and LICENSE (as the working tree has them), with some
// history before them.
func sourceRepo(t *testing.T) string {
	t.Helper()
	root := runner.RepoRoot()
	src := t.TempDir()
	git(t, src, "init", "-q", "-b", "main")
	os.WriteFile(filepath.Join(src, "HISTORY"), []byte("before the catalog\n"), 0o644)
	git(t, src, "add", "-A")
	git(t, src, "commit", "-q", "-m", "history")
	files := git(t, root, "ls-files", "-co", "--exclude-standard", "components", "examples/django", "LICENSE")
	for _, f := range strings.Split(files, "\n") {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			continue // deleted in the working tree
		}
		os.MkdirAll(filepath.Join(src, filepath.Dir(f)), 0o755)
		os.WriteFile(filepath.Join(src, f), b, 0o644)
	}
	git(t, src, "add", "-A")
	git(t, src, "commit", "-q", "-m", "catalog")
	return src
}

// shallowClone is what a GitLab job gets: a clone of depth 1.
func shallowClone(t *testing.T, src string) string {
	t.Helper()
	work := filepath.Join(t.TempDir(), "work")
	git(t, filepath.Dir(work), "clone", "-q", "--depth", "1", "file://"+src, work)
	if git(t, work, "rev-parse", "--is-shallow-repository") != "true" {
		t.Fatal("the clone is not shallow")
	}
	return work
}

// TestPublishCatalog runs the publish-catalog job's real script, with real
// git, from a shallow clone (what the job gets) to a local bare repository
// standing for the catalog project: the published tree is a catalog
// project (templates/ at its root, README, LICENSE, its pipeline, the
// example it tests on), each release is one commit on top of the last,
// a retry pushes nothing new, and a tag is never moved.
func TestPublishCatalog(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is needed")
	}
	res := runner.RenderRepoFile(t, ".gitlab-ci.yml")
	publish := job(t, res, "publish-catalog")
	if e := publish.Get("image").Get("entrypoint"); e == nil || len(e.Items) != 1 || e.Items[0].Text != "" {
		t.Errorf("alpine/git's entrypoint is git: the job must override it, entrypoint %v", e)
	}
	if strings.Contains(runner.ScriptOf(publish), "subtree") {
		t.Error("git subtree is not in alpine/git, and needs full history")
	}
	target := filepath.Join(t.TempDir(), "components.git")
	git(t, filepath.Dir(target), "init", "-q", "--bare", target)
	src := sourceRepo(t)
	publishAt := func(work, tag string) (string, int) {
		env := ciEnv(work)
		delete(env, "CI_COMMIT_BRANCH")
		env["CI_COMMIT_TAG"] = tag
		env["CI_COMMIT_SHA"] = git(t, work, "rev-parse", "HEAD")
		env["CI_COMMIT_TIMESTAMP"] = "2026-11-30T10:00:00Z"
		env["CI_SERVER_URL"], env["CI_SERVER_HOST"] = "https://gitlab.example.com", "gitlab.example.com"
		env["CATALOG_REMOTE"] = target
		return run(t, publish, work, env, nil)
	}

	out, code := publishAt(shallowClone(t, src), "1.0.0")
	if code != 0 {
		t.Fatalf("publish 1.0.0: exit %d:\n%s", code, out)
	}
	first := git(t, target, "rev-parse", "refs/tags/1.0.0")
	if main := git(t, target, "rev-parse", "refs/heads/main"); main != first {
		t.Errorf("main %s, tag %s", main, first)
	}
	published := strings.Split(git(t, target, "ls-tree", "-r", "--name-only", "1.0.0"), "\n")
	has := map[string]bool{}
	for _, f := range published {
		has[f] = true
	}
	templates, _ := filepath.Glob(filepath.Join(runner.RepoRoot(), "components", "templates", "*", "template.yml"))
	want := []string{"README.md", "LICENSE", ".gitlab-ci.yml", "example/manage.py", "example/Dockerfile", "charts/django-app/Chart.yaml", "charts/django-app/values.yaml"}
	for _, tmpl := range templates {
		name := filepath.Base(filepath.Dir(tmpl))
		want = append(want, "templates/"+name+"/template.yml", "templates/"+name+"/README.md")
	}
	for _, f := range want {
		if !has[f] {
			t.Errorf("the published catalog lacks %s", f)
		}
	}
	for _, f := range published {
		if strings.HasPrefix(f, "components/") || f == "HISTORY" || strings.HasPrefix(f, "linter/") {
			t.Errorf("the published catalog holds %s, which is not the catalog's", f)
		}
	}
	license, _ := os.ReadFile(filepath.Join(runner.RepoRoot(), "LICENSE"))
	if got := git(t, target, "show", "1.0.0:LICENSE"); got != strings.TrimSpace(string(license)) {
		t.Error("the published LICENSE is not the repository's")
	}

	// The next release, from a new commit: one commit on top of 1.0.0.
	os.WriteFile(filepath.Join(src, "components", "CHANGELOG.md"), []byte("## 1.1.0\n"), 0o644)
	git(t, src, "add", "-A")
	git(t, src, "commit", "-q", "-m", "changelog")
	work := shallowClone(t, src)
	if out, code := publishAt(work, "1.1.0"); code != 0 {
		t.Fatalf("publish 1.1.0: exit %d:\n%s", code, out)
	}
	second := git(t, target, "rev-parse", "refs/tags/1.1.0")
	if parent := git(t, target, "rev-parse", "1.1.0^"); parent != first {
		t.Errorf("1.1.0's parent is %s, want 1.0.0 (%s)", parent, first)
	}
	if n := git(t, target, "rev-list", "--count", "main"); n != "2" {
		t.Errorf("main has %s commits, want 2", n)
	}
	// A retried job pushes nothing new.
	if out, code := publishAt(work, "1.1.0"); code != 0 {
		t.Fatalf("retry 1.1.0: exit %d:\n%s", code, out)
	}
	if got := git(t, target, "rev-parse", "main"); got != second {
		t.Errorf("a retry moved main to %s", got)
	}
	// An existing tag with other content is never moved.
	if out, code := publishAt(work, "1.0.0"); code == 0 || !strings.Contains(out, "already has a tag 1.0.0") {
		t.Errorf("republishing 1.0.0 with other content: exit %d:\n%s", code, out)
	}
	if got := git(t, target, "rev-parse", "refs/tags/1.0.0"); got != first {
		t.Errorf("tag 1.0.0 moved to %s", got)
	}

	// Without the push token the job says what to set.
	env := ciEnv(work)
	env["CI_COMMIT_TAG"], env["CI_COMMIT_SHA"] = "1.2.0", git(t, work, "rev-parse", "HEAD")
	if out, code := run(t, publish, work, env, nil); code == 0 || !strings.Contains(out, "CATALOG_PUSH_TOKEN") {
		t.Errorf("no token: exit %d:\n%s", code, out)
	}
}

// The catalog's README follows GitLab's layout for a catalog project: a
// `## Components` section with a `### <name>` part per component, each
// linking to its README.
func TestCatalogReadmeLayout(t *testing.T) {
	root := runner.RepoRoot()
	readme := readFile(t, filepath.Join(root, "components", "README.md"))
	if !regexp.MustCompile(`(?m)^## Components$`).MatchString(readme) {
		t.Fatal("components/README.md has no `## Components` section")
	}
	section := readme[strings.Index(readme, "\n## Components\n"):]
	if next := regexp.MustCompile(`(?m)^## `).FindAllStringIndex(section[1:], 2); len(next) > 1 {
		section = section[:next[1][0]+1]
	}
	templates, _ := filepath.Glob(filepath.Join(root, "components", "templates", "*", "template.yml"))
	for _, tmpl := range templates {
		name := filepath.Base(filepath.Dir(tmpl))
		if !regexp.MustCompile(`(?m)^### \[` + regexp.QuoteMeta(name) + `\]\(templates/` + regexp.QuoteMeta(name) + `/\)$`).MatchString(section) {
			t.Errorf("## Components has no `### [%s](templates/%s/)`", name, name)
		}
	}
}

// TestCatalogPipelineTestsItself: the catalog project's pipeline includes
// every component from itself at the commit under test, lints clean, and
// its merge-request pipelines run jobs.
func TestCatalogPipelineTestsItself(t *testing.T) {
	root := runner.RepoRoot()
	src := readFile(t, filepath.Join(root, "components", ".gitlab-ci.yml"))
	templates, _ := filepath.Glob(filepath.Join(root, "components", "templates", "*", "template.yml"))
	for _, tmpl := range templates {
		name := filepath.Base(filepath.Dir(tmpl))
		if !strings.Contains(src, "component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/"+name+"@$CI_COMMIT_SHA\n") {
			t.Errorf("the catalog pipeline does not include %s from itself at $CI_COMMIT_SHA", name)
		}
	}
	res := runner.RenderRepoFile(t, "components/.gitlab-ci.yml")
	for _, name := range []string{"lint-pipeline", "example-django-test", "example-kaniko", "example-buildkit", "example-buildah",
		"example-scan", "example-promote", "review-deploy", "review-stop", "create-release"} {
		job(t, res, name)
	}
	bin := filepath.Join(cilintDir(t), "cilint")
	for _, file := range []string{"components/.gitlab-ci.yml", ".gitlab-ci.yml"} {
		cmd := exec.Command(bin, "jobs", "--offline", file)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("cilint jobs %s: %v\n%s", file, err, out)
		}
		m := regexp.MustCompile(`(?m)^(\d+) jobs run`).FindStringSubmatch(string(out))
		if m == nil || m[1] == "0" {
			t.Errorf("the merge-request pipeline of %s runs no job:\n%s", file, out)
		}
	}
}
