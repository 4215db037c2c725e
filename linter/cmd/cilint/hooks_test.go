package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The pre-commit hook must name a cilint command that works: run it the
// way pre-commit does, from the repository root, and check that its file
// pattern picks the files it is meant for.
func TestPreCommitHook(t *testing.T) {
	src, err := os.ReadFile("../../../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var hooks []struct {
		ID            string   `yaml:"id"`
		Entry         string   `yaml:"entry"`
		Args          []string `yaml:"args"`
		Language      string   `yaml:"language"`
		Files         string   `yaml:"files"`
		PassFilenames *bool    `yaml:"pass_filenames"`
	}
	if err := yaml.Unmarshal(src, &hooks); err != nil {
		t.Fatal(err)
	}
	if len(hooks) != 1 || hooks[0].ID != "cilint" || hooks[0].Language != "golang" {
		t.Fatalf("hooks = %+v", hooks)
	}
	h := hooks[0]
	files := regexp.MustCompile(h.Files)
	for path, want := range map[string]bool{
		".gitlab-ci.yml": true, "sub/.gitlab-ci.yml": true, ".gitlab/ci/build.yml": true,
		"templates/django-test/template.yml": true, "ci/deploy.yaml": true,
		"docker-compose.yml": false, "app/settings.py": false, "chart/values.yaml": false,
	} {
		if files.MatchString(path) != want {
			t.Errorf("files pattern on %s: got %v", path, !want)
		}
	}
	args := append(strings.Fields(h.Entry), h.Args...)
	if args[0] != "cilint" {
		t.Fatalf("entry %q does not run cilint", h.Entry)
	}
	t.Chdir("../../..")
	if code, out, errOut := runCLI(args[1:], nil); code != 0 {
		t.Errorf("the hook fails on this repository (exit %d):\n%s%s", code, out, errOut)
	}
}
