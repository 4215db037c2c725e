package components_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/tests/internal/runner"
)

// toolBin is a tool make component-test installs from PyPI at the
// version of its component's default image (tests/components/
// requirements-tools.txt); without it the test is skipped, in CI it fails.
func toolBin(t *testing.T, name string) string {
	t.Helper()
	dir := os.Getenv("COMPONENT_TOOLS_BIN")
	if dir == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs COMPONENT_TOOLS_BIN (make component-test) for the real %s", name)
		}
		t.Skipf("needs COMPONENT_TOOLS_BIN with %s: run make component-test", name)
	}
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// codeQualityIssue is one entry of GitLab's Code Quality report
// (doc/ci/testing/code_quality.md, "Code Quality report format": the
// fields GitLab reads).
type codeQualityIssue struct {
	Description string `json:"description"`
	CheckName   string `json:"check_name"`
	Fingerprint string `json:"fingerprint"`
	Severity    string `json:"severity"`
	Location    struct {
		Path  string `json:"path"`
		Lines *struct {
			Begin int `json:"begin"`
		} `json:"lines"`
		Positions *struct {
			Begin struct {
				Line int `json:"line"`
			} `json:"begin"`
		} `json:"positions"`
	} `json:"location"`
}

// readCodeQuality decodes a report and checks each issue has what GitLab
// needs to show it: a description, a fingerprint, a known severity, a
// path and a line.
func readCodeQuality(t *testing.T, path string) []codeQualityIssue {
	t.Helper()
	var issues []codeQualityIssue
	if err := json.Unmarshal([]byte(readFile(t, path)), &issues); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	severities := map[string]bool{"info": true, "minor": true, "major": true, "critical": true, "blocker": true}
	for _, i := range issues {
		line := 0
		if i.Location.Lines != nil {
			line = i.Location.Lines.Begin
		} else if i.Location.Positions != nil {
			line = i.Location.Positions.Begin.Line
		}
		if i.Description == "" || i.Fingerprint == "" || !severities[i.Severity] || i.Location.Path == "" || line == 0 {
			t.Errorf("%s: an issue GitLab cannot show: %+v", filepath.Base(path), i)
		}
	}
	return issues
}

// TestDjangoLintRunsRuffForReal runs django-lint's script with the real
// Ruff of its default image's version on the example project: clean as
// shipped; with a file that has an unused import and is not formatted,
// the job fails and both reports name that file, by its path from the
// repository root, as the merge request widget needs.
func TestDjangoLintRunsRuffForReal(t *testing.T) {
	ruff := toolBin(t, "ruff")
	for _, tt := range []struct {
		name   string
		inputs string
		bad    bool
		code   int
		lint   []string // check names expected in each report
		format []string
	}{
		{"the example as shipped", "", false, 0, nil, nil},
		{"a bad file", "", true, 1, []string{"I001", "F401"}, []string{"unformatted"}},
		{"both checks off", "\n      lint: false\n      format_check: false", true, 0, nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := runner.Render(t, `stages: [test]
include:
  - component: gitlab.com/trustci/components/django-lint@1.0.0
    inputs:
      project_dir: proj`+tt.inputs+`
`)
			dir := copyExample(t)
			if tt.bad {
				os.WriteFile(filepath.Join(dir, "proj", "board", "bad.py"), []byte("import os\nx=1\n"), 0o644)
			}
			out, code := run(t, job(t, res, "django-lint"), dir, ciEnv(dir), map[string]string{"PATH": filepath.Dir(ruff) + ":" + os.Getenv("PATH")})
			if code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tt.code, out)
			}
			mustContain(t, "job log", out, "ruff 0.16.4")
			for file, want := range map[string][]string{"gl-code-quality-ruff-check.json": tt.lint, "gl-code-quality-ruff-format.json": tt.format} {
				issues := readCodeQuality(t, filepath.Join(dir, file))
				var got []string
				for _, i := range issues {
					if i.Location.Path != "proj/board/bad.py" {
						t.Errorf("%s: %s in %s, want only proj/board/bad.py", file, i.CheckName, i.Location.Path)
					}
					got = append(got, i.CheckName)
				}
				if strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("%s: checks %v, want %v", file, got, want)
				}
			}
			if tt.code != 0 {
				mustContain(t, "job log", out, "F401", "+x = 1")
			}
		})
	}
}
