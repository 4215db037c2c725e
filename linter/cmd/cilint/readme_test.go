package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The example README shows `cilint jobs` tables for a merge request, a
// push to main and a tag: they must be what cilint prints today.
func TestExampleReadmeJobs(t *testing.T) {
	src, err := os.ReadFile("../../../examples/django/README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)<!-- cilint:jobs ([^>]*?) -->\\s*```text\\n(.*?)```").FindAllStringSubmatch(string(src), -1)
	if len(blocks) != 3 {
		t.Fatalf("want 3 cilint:jobs blocks, found %d", len(blocks))
	}
	t.Chdir("../../..")
	for _, b := range blocks {
		fields := strings.Fields(b[1])
		args := []string{"jobs", "--offline", "--event", fields[0]}
		for _, v := range fields[1:] {
			args = append(args, "--var", v)
		}
		args = append(args, "examples/django/.gitlab-ci.yml")
		code, out, errOut := runCLI(args, nil)
		if code != 0 || out != b[2] {
			t.Errorf("%s: exit %d; the README shows\n%s\ncilint prints\n%s%s", b[1], code, b[2], out, errOut)
		}
	}
}
