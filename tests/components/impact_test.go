package components_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/tests/internal/runner"
)

// impactTemplate is the catalog's one component at a version: the
// change under test renames its input image_tag to tag.
func impactTemplate(tagInput string) string {
	return "spec:\n  inputs:\n    stage:\n      default: build\n      description: Stage.\n" +
		"    " + tagInput + ":\n      default: latest\n      description: Tag.\n---\n" +
		"build-image:\n  stage: $[[ inputs.stage ]]\n  script:\n    - echo $[[ inputs." + tagInput + " ]]\n"
}

func gitIn(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestImpactMergeJob runs the merge job of the shipped example pipeline
// (components/impact.gitlab-ci.yml) as a runner would, on the JSON
// reports of four shards that cilint impact wrote (here over local
// consumers, as the group mode needs an instance; linter/impact tests
// that mode against a fake of GitLab's API): the job fails because the
// change breaks consumers, prints the table, and its impact.json is the
// report an unsharded run writes.
func TestImpactMergeJob(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("needs git")
	}
	bin := cilintDir(t)
	work := t.TempDir()
	cat := filepath.Join(work, "catalog")
	gitIn(t, work, "init", "-q", "-b", "main", cat)
	writeFile(t, filepath.Join(cat, "README.md"), "# Components\n")
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0"} {
		writeFile(t, filepath.Join(cat, "templates", "build", "template.yml"), impactTemplate("image_tag")+"# "+v+"\n")
		gitIn(t, cat, "add", "-A")
		gitIn(t, cat, "commit", "-q", "-m", v)
		gitIn(t, cat, "tag", v)
	}
	writeFile(t, filepath.Join(cat, "templates", "build", "template.yml"), impactTemplate("tag"))
	consumers := filepath.Join(work, "consumers")
	var names []string
	for i, v := range []string{"1.0.0", "1.1.0", "2.0.0", "1", "~latest"} {
		name := fmt.Sprintf("app-%d", i)
		inputs := ""
		if i%2 == 0 {
			inputs = "    inputs:\n      image_tag: v1\n"
		}
		writeFile(t, filepath.Join(consumers, name, ".gitlab-ci.yml"),
			"include:\n  - component: $CI_SERVER_FQDN/acme/components/build@"+v+"\n"+inputs)
		names = append(names, name)
	}
	impact := func(extra ...string) (string, int) {
		args := append([]string{"impact", "--offline", "--server-fqdn", "gitlab.example.com",
			"--catalog", "gitlab.example.com/acme/components=" + cat, "--format", "json"}, extra...)
		cmd := exec.Command(filepath.Join(bin, "cilint"), append(args, names...)...)
		cmd.Dir = consumers
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	whole, code := impact()
	if code != 1 {
		t.Fatalf("unsharded impact exits %d, want 1:\n%s", code, whole)
	}
	jobDir := t.TempDir()
	for i := 1; i <= 4; i++ {
		out, code := impact("--shard", fmt.Sprintf("%d/4", i))
		if code > 1 {
			t.Fatalf("shard %d exits %d", i, code)
		}
		writeFile(t, filepath.Join(jobDir, fmt.Sprintf("impact-%d.json", i)), out)
	}

	res := runner.RenderRepoFile(t, "components/impact.gitlab-ci.yml")
	env := map[string]string{"PATH": bin + ":" + os.Getenv("PATH"), "HOME": t.TempDir()}
	out, code := runner.RunJob(t, job(t, res, "impact-report"), jobDir, env, nil)
	if code != 1 {
		t.Errorf("impact-report exits %d, want 1 (consumers break):\n%s", code, out)
	}
	mustContain(t, "the job log", out, "3 of 5 consumers break with the change", "app-0/.gitlab-ci.yml:4:7: error: component build has no input `image_tag`")
	if merged := readFile(t, filepath.Join(jobDir, "impact.json")); merged != whole {
		t.Errorf("impact.json differs from the unsharded report:\n%s\n---\n%s", merged, whole)
	}
	if strings.Contains(whole, `"shard"`) {
		t.Error("the unsharded report names a shard")
	}
}
