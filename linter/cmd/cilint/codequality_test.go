package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// The example project's pipeline with two injected errors gives a Code
// Quality report that matches GitLab's documented format (our schema of
// it, testdata/codequality.schema.json), the same bytes on every run, and
// one issue per problem at the right line.
func TestCodeQualityOfTheExample(t *testing.T) {
	src, err := os.ReadFile("../../../examples/django/.gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(src), "coverage_threshold: 90", "coverage_threshold: ninety", 1)
	if bad == string(src) {
		t.Fatal("the example no longer sets coverage_threshold: inject the error elsewhere")
	}
	bad += "\nextra-lint:\n  stage: lint\n  script: ruff check\n"
	catalog, _ := filepath.Abs("../../../components")
	schema, err := jsonschema.Compile("testdata/codequality.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".gitlab-ci.yml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	args := []string{"lint", "--offline", "--format", "codequality", "--root", ".",
		"--catalog", "gitlab.com/trustci/components=" + catalog, ".gitlab-ci.yml"}
	code, first, errOut := runCLI(args, nil)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, first, errOut)
	}
	_, second, _ := runCLI(args, nil)
	if first != second {
		t.Errorf("two runs differ:\n%s\n%s", first, second)
	}
	var doc any
	if err := json.Unmarshal([]byte(first), &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Errorf("not GitLab's format: %v\n%s", err, first)
	}
	var issues []struct {
		CheckName   string `json:"check_name"`
		Fingerprint string `json:"fingerprint"`
		Severity    string `json:"severity"`
		Location    struct {
			Path  string `json:"path"`
			Lines struct {
				Begin int `json:"begin"`
			} `json:"lines"`
		} `json:"location"`
	}
	json.Unmarshal([]byte(first), &issues)
	lines := strings.Split(bad, "\n")
	want := map[string]string{"input-type": "coverage_threshold: ninety", "stage-undefined": "stage: lint"}
	seen := map[string]bool{}
	for _, is := range issues {
		if seen[is.Fingerprint] {
			t.Errorf("fingerprint %s repeats", is.Fingerprint)
		}
		seen[is.Fingerprint] = true
		text, ok := want[is.CheckName]
		if !ok {
			t.Errorf("unexpected issue %+v", is)
			continue
		}
		delete(want, is.CheckName)
		if is.Location.Path != ".gitlab-ci.yml" || is.Severity != "major" || !strings.Contains(lines[is.Location.Lines.Begin-1], text) {
			t.Errorf("%s at %s:%d (%s), want the line with %q", is.CheckName, is.Location.Path, is.Location.Lines.Begin, is.Severity, text)
		}
	}
	for rule := range want {
		t.Errorf("no %s issue", rule)
	}
}
