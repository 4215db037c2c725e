package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The example README shows its merge request and tag pipelines as Mermaid
// blocks: they must be what `cilint graph` draws today (-update-graph
// rewrites them).
func TestExampleReadmeGraphs(t *testing.T) {
	const readme = "../../../examples/django/README.md"
	src, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)(<!-- cilint:graph ([a-z_]+) -->\\s*```mermaid\\n)(.*?)(```)")
	blocks := re.FindAllStringSubmatch(string(src), -1)
	if len(blocks) != 2 {
		t.Fatalf("want 2 cilint:graph blocks, found %d", len(blocks))
	}
	t.Chdir("../../..")
	drawn := map[string]string{}
	for _, b := range blocks {
		code, out, errOut := runCLI([]string{"graph", "--offline", "--event", b[2], "examples/django/.gitlab-ci.yml"}, nil)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", b[2], code, errOut)
		}
		drawn[b[2]] = out
		if out != b[3] && !*updateGraph {
			t.Errorf("%s: the README shows\n%s\ncilint graph draws\n%s(go test ./linter/cmd/cilint -run TestExampleReadmeGraphs -update-graph rewrites it)", b[2], b[3], out)
		}
	}
	if *updateGraph {
		out := re.ReplaceAllStringFunc(string(src), func(m string) string {
			sub := re.FindStringSubmatch(m)
			return sub[1] + drawn[sub[2]] + sub[4]
		})
		if err := os.WriteFile("examples/django/README.md", []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Count(string(src), "cilint:graph") != 2 {
		t.Error("a cilint:graph marker without its block")
	}
}
