package main

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/internal/fakegitlab"
)

func write(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func runCLI(args []string, env map[string]string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut, func(k string) string { return env[k] })
	return code, out.String(), errOut.String()
}

func TestExitCodes(t *testing.T) {
	clean := write(t, "clean.yml", "build:\n  script: make\n")
	warnOnly := write(t, "warn.yml", "build:\n  script: make\n  script: make all\n")
	broken := write(t, "broken.yml", "build:\n  scripts: make\n")
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"clean", []string{"lint", clean}, 0},
		{"warnings alone do not fail", []string{"lint", warnOnly}, 0},
		{"errors", []string{"lint", broken}, 1},
		{"errors in one of several files", []string{"lint", clean, broken}, 1},
		{"no command", nil, 2},
		{"unknown command", []string{"frobnicate"}, 2},
		{"no file", []string{"lint"}, 2},
		{"missing file", []string{"lint", filepath.Join(t.TempDir(), "nope.yml")}, 2},
		{"bad format", []string{"lint", "--format", "xml", clean}, 2},
		{"bad color", []string{"lint", "--color", "pink", clean}, 2},
		{"unknown flag", []string{"lint", "--frob", clean}, 2},
		{"offline with allow-remote", []string{"lint", "--offline", "--allow-remote", clean}, 2},
		{"offline with remote", []string{"lint", "--offline", "--remote", clean}, 2},
		{"unknown event", []string{"lint", "--event", "nightly", clean}, 2},
		{"bad var", []string{"lint", "--var", "NOEQUALS", clean}, 2},
		{"event and var", []string{"lint", "--offline", "--event", "tag", "--var", "KIND=docs", clean}, 0},
		{"help", []string{"lint", "-h"}, 0},
		{"rules", []string{"rules"}, 0},
		{"version", []string{"version"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(tt.args, nil)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errOut)
			}
			if strings.Contains(out+errOut, "goroutine ") {
				t.Errorf("output has a stack trace:\n%s%s", out, errOut)
			}
		})
	}
}

// TestJSONContract checks the --format json fields and that each kind of
// problem comes back at the right line and column.
func TestJSONContract(t *testing.T) {
	tests := []struct {
		name, src      string
		line, col      int
		rule, contains string
	}{
		{"syntax error", "build:\n  script: echo: hi\n", 2, 15, "yaml-syntax", "mapping values"},
		{"unknown key", "build:\n  stage: test\n  scripts: make\n", 3, 3, "schema", "did you mean `script`"},
		{"wrong type", "build:\n  script: make\n  tags: linux\n", 3, 9, "schema", "must be a list"},
		{"bad enum", "build:\n  script: make\n  when: sometimes\n", 3, 9, "schema", "must be one of on_success"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := write(t, "ci.yml", tt.src)
			code, out, _ := runCLI([]string{"lint", "--format", "json", path}, nil)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			var got []map[string]any
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("not a JSON array: %v\n%s", err, out)
			}
			if len(got) != 1 {
				t.Fatalf("want one finding, got %v", got)
			}
			f := got[0]
			for _, k := range []string{"file", "line", "column", "severity", "rule", "message"} {
				if _, ok := f[k]; !ok {
					t.Errorf("finding lacks %q: %v", k, f)
				}
			}
			if f["file"] != path || f["line"] != float64(tt.line) || f["column"] != float64(tt.col) ||
				f["severity"] != "error" || f["rule"] != tt.rule || !strings.Contains(f["message"].(string), tt.contains) {
				t.Errorf("got %v, want %s:%d:%d %s containing %q", f, path, tt.line, tt.col, tt.rule, tt.contains)
			}
		})
	}
	clean := write(t, "clean.yml", "build:\n  script: make\n")
	if _, out, _ := runCLI([]string{"lint", "--format", "json", clean}, nil); strings.TrimSpace(out) != "[]" {
		t.Errorf("no findings must print [], got %q", out)
	}
}

func TestTextReport(t *testing.T) {
	path := write(t, "ci.yml", "build:\n  scripts: make\n")
	_, out, _ := runCLI([]string{"lint", path}, nil)
	want := path + ":2:3: error: job `build`: unknown key `scripts`; did you mean `script`? [schema]\n" +
		"   2 |   scripts: make\n" +
		"     |   ^~~~~~~\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	if _, out, _ := runCLI([]string{"lint", "--color", "always", path}, nil); !strings.Contains(out, "\x1b[31merror") {
		t.Errorf("--color always must colour: %q", out)
	}
	if _, out, _ := runCLI([]string{"lint", path}, map[string]string{"NO_COLOR": "1"}); strings.Contains(out, "\x1b[") {
		t.Errorf("NO_COLOR must disable colour: %q", out)
	}
	if _, out, _ := runCLI([]string{"lint", "--oneline", path}, nil); strings.Count(out, "\n") != 1 {
		t.Errorf("--oneline must print one line per finding: %q", out)
	}
}

func TestCatalogDocsCheck(t *testing.T) {
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "templates", "hello", "template.yml")
	os.MkdirAll(filepath.Dir(tmpl), 0o755)
	os.WriteFile(tmpl, []byte("spec:\n  description: Says hello.\n  inputs:\n    name:\n      default: world\n      description: Who to greet.\n---\nhello:\n  script: echo hello $[[ inputs.name ]]\n"), 0o644)
	readme := filepath.Join(dir, "templates", "hello", "README.md")
	os.WriteFile(readme, []byte("# hello\n\n## Inputs\n\n"+"<!-- cilint:inputs:start (generated by `cilint catalog docs`; do not edit) -->\nstale\n<!-- cilint:inputs:end -->\n\nMore text.\n"), 0o644)
	if code, out, _ := runCLI([]string{"catalog", "docs", "--check", dir}, nil); code != 1 || !strings.Contains(out, "out of date") {
		t.Fatalf("--check on a stale table: exit %d, %q", code, out)
	}
	if code, _, _ := runCLI([]string{"catalog", "docs", dir}, nil); code != 0 {
		t.Fatalf("docs: exit %d", code)
	}
	if code, out, _ := runCLI([]string{"catalog", "docs", "--check", dir}, nil); code != 0 {
		t.Fatalf("--check after docs: exit %d, %q", code, out)
	}
	got, _ := os.ReadFile(readme)
	if !strings.Contains(string(got), "| `name` | string | `world` |  | Who to greet. |") || !strings.HasSuffix(string(got), "More text.\n") {
		t.Errorf("README:\n%s", got)
	}
	if code, out, _ := runCLI([]string{"catalog", "list", dir}, nil); code != 0 || !strings.Contains(out, "hello") || !strings.Contains(out, "Says hello.") {
		t.Errorf("list: exit %d, %q", code, out)
	}
	if code, out, _ := runCLI([]string{"catalog", "show", "--dir", dir, "hello"}, nil); code != 0 || !strings.Contains(out, "`name`") {
		t.Errorf("show: exit %d, %q", code, out)
	}
}

func TestCatalogListRemote(t *testing.T) {
	f := fakegitlab.New(t, "")
	const sha = "1111111111111111111111111111111111111111"
	f.Projects["agency/catalog"] = &fakegitlab.FakeProject{
		Tags:  map[string]string{"1.0.0": sha},
		Files: map[string]map[string]string{sha: {"templates/deploy/template.yml": "spec:\n  description: Deploys.\n---\ndeploy:\n  script: x\n", "templates/lint.yml": "lint:\n  script: x\n"}},
	}
	u, _ := url.Parse(f.URL)
	env := map[string]string{"CI_SERVER_URL": f.URL}
	code, out, errOut := runCLI([]string{"catalog", "list", u.Host + "/agency/catalog"}, env)
	if code != 0 || !strings.Contains(out, "deploy  1.0.0   Deploys.") || !strings.Contains(out, "lint") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}

// TestTokenNeverPrinted runs cilint with GITLAB_TOKEN set against a
// server that refuses it, fails, and succeeds: the token must appear in
// no output, whatever happens.
func TestTokenNeverPrinted(t *testing.T) {
	const token = "glpat-never-print-me-42"
	f := fakegitlab.New(t, "another-token")
	f.Projects["agency/private"] = &fakegitlab.FakeProject{Private: true}
	f.Projects["agency/flaky"] = &fakegitlab.FakeProject{}
	f.Fail["/api/v4/projects/agency%2Fflaky"] = []int{500, 500, 500, 500, 500, 500, 500, 500}
	u, _ := url.Parse(f.URL)
	path := write(t, "ci.yml", "include:\n  - component: "+u.Host+"/agency/private/x@1.0.0\n  - component: "+u.Host+"/agency/flaky/y@1.0.0\ntest:\n  script: x\n")
	env := map[string]string{"GITLAB_TOKEN": token, "CI_SERVER_URL": f.URL}
	for _, format := range []string{"text", "json"} {
		_, out, errOut := runCLI([]string{"lint", "--format", format, path}, env)
		if strings.Contains(out+errOut, token) {
			t.Errorf("%s output shows the token:\n%s%s", format, out, errOut)
		}
		if !strings.Contains(out, "401") {
			t.Errorf("%s output must say the token was refused:\n%s", format, out)
		}
	}
}

// TestCodeQualityReport checks the Code Quality contract: the fields GitLab
// reads, severities it knows, and fingerprints stable across runs and
// across line moves.
func TestCodeQualityReport(t *testing.T) {
	src := "build:\n  scripts: make\n  image: python\n"
	path := write(t, "ci.yml", src)
	run1 := func() []map[string]any {
		_, out, _ := runCLI([]string{"lint", "--format", "codequality", path}, nil)
		var got []map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		return got
	}
	a, b := run1(), run1()
	if len(a) != 2 {
		t.Fatalf("want 2 issues, got %v", a)
	}
	for i, issue := range a {
		for _, k := range []string{"description", "check_name", "fingerprint", "severity", "location"} {
			if issue[k] == nil {
				t.Errorf("issue lacks %s: %v", k, issue)
			}
		}
		sev := issue["severity"].(string)
		if sev != "info" && sev != "minor" && sev != "major" && sev != "critical" && sev != "blocker" {
			t.Errorf("severity %q is not one GitLab knows", sev)
		}
		loc := issue["location"].(map[string]any)
		if loc["path"] != path || loc["lines"].(map[string]any)["begin"] == nil {
			t.Errorf("location: %v", loc)
		}
		if issue["fingerprint"] != b[i]["fingerprint"] {
			t.Errorf("fingerprints must be stable across runs")
		}
	}
	// A comment added above moves the lines, not the fingerprints.
	os.WriteFile(path, []byte("# a new first line\n"+src), 0o644)
	c := run1()
	if c[0]["fingerprint"] != a[0]["fingerprint"] || c[0]["location"].(map[string]any)["lines"].(map[string]any)["begin"] == a[0]["location"].(map[string]any)["lines"].(map[string]any)["begin"] {
		t.Errorf("moving lines must keep fingerprints and change line numbers")
	}
}

// TestRemoteFlag runs --remote against a fake GitLab: the mode is said,
// GitLab's findings are merged, an unusable server gives exit 2 with the
// local findings still printed, and the token never shows.
func TestRemoteFlag(t *testing.T) {
	const token = "glpat-cli-remote-secret-9"
	f := fakegitlab.New(t, token)
	f.Projects["agency/shop"] = &fakegitlab.FakeProject{LintAnswer: `{"valid":false,"errors":["build job: chosen stage deploy-x does not exist; available stages are .pre, build, test, deploy, .post"],"warnings":[]}`}
	path := write(t, "ci.yml", "build:\n  stage: build\n  script: make\n  image: python\n")
	env := map[string]string{"GITLAB_TOKEN": token, "CI_SERVER_URL": f.URL, "CI_PROJECT_ID": "agency/shop"}
	code, out, errOut := runCLI([]string{"lint", "--oneline", "--remote", path}, env)
	if code != 1 || !strings.Contains(out, "[gitlab-lint]") || !strings.Contains(errOut, "static lint") || !strings.Contains(out, "image `python`") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	for _, format := range []string{"text", "json", "sarif", "junit", "codequality"} {
		env["CI_PROJECT_ID"] = "agency/none"
		code, out, errOut := runCLI([]string{"lint", "--format", format, "--remote", path}, env)
		if code != 2 || !strings.Contains(errOut, "not found") || !strings.Contains(out, "python") {
			t.Errorf("%s: an unusable server must exit 2 after the local findings: exit %d\n%s%s", format, code, out, errOut)
		}
		if strings.Contains(out+errOut, token) {
			t.Errorf("%s: the token shows", format)
		}
	}
	if code, _, errOut := runCLI([]string{"lint", "--remote", path}, map[string]string{"CI_JOB_TOKEN": "job", "CI_SERVER_URL": f.URL, "CI_PROJECT_ID": "agency/shop"}); code != 2 || !strings.Contains(errOut, "does not accept CI_JOB_TOKEN") {
		t.Errorf("job token only: exit %d %s", code, errOut)
	}
}

func TestSARIFAndJUnit(t *testing.T) {
	path := write(t, "ci.yml", "build:\n  scripts: make\n  image: python\n")
	_, out, _ := runCLI([]string{"lint", "--format", "sarif", path}, nil)
	var sarif struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &sarif); err != nil || sarif.Version != "2.1.0" || len(sarif.Runs) != 1 {
		t.Fatalf("SARIF: %v\n%s", err, out)
	}
	run := sarif.Runs[0]
	if run.Tool.Driver.Name != "cilint" || len(run.Tool.Driver.Rules) < 50 || len(run.Results) != 2 ||
		run.Results[0].Level != "error" || run.Results[0].Locations[0].PhysicalLocation.Region.StartLine != 2 {
		t.Errorf("SARIF content: %+v", run.Results)
	}
	_, out, _ = runCLI([]string{"lint", "--format", "junit", path}, nil)
	if !strings.Contains(out, `<testsuite name="`+path+`" tests="2" failures="1">`) || !strings.Contains(out, "<failure") || !strings.Contains(out, "<skipped") {
		t.Errorf("JUnit:\n%s", out)
	}
}

// TestJobs simulates the example project's pipelines: a merge request
// gets the tests, the image, the scan and the review app; a tag gets the
// production deploy behind a manual gate; include:rules read the event.
func TestJobs(t *testing.T) {
	example := "../../../examples/django/.gitlab-ci.yml"
	code, out, errOut := runCLI([]string{"jobs", "--offline", example}, nil)
	for _, want := range []string{"merge_request pipeline", ": created", "review-deploy", "8 jobs run, 1 maybe, 7 do not"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("exit %d, want %q in:\n%s%s", code, want, out, errOut)
		}
	}
	code, out, _ = runCLI([]string{"jobs", "--offline", "--event", "tag", "--format", "json", example}, nil)
	var sim struct {
		Created string
		Jobs    []struct{ Name, Runs, When string }
	}
	if err := json.Unmarshal([]byte(out), &sim); err != nil || code != 0 || sim.Created != "yes" {
		t.Fatalf("json: %v %d\n%s", err, code, out)
	}
	for _, j := range sim.Jobs {
		if j.Name == "deploy-production" && (j.Runs != "yes" || j.When != "manual") {
			t.Errorf("production in a tag pipeline: %+v", j)
		}
	}
	// include:rules are decided with the event's variables.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "mr.yml"), []byte("mr-job:\n  script: make\n  rules:\n    - when: always\n"), 0o644)
	main := write(t, "ci.yml", "include:\n  - local: mr.yml\n    rules:\n      - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\nbuild:\n  script: make\n")
	os.Rename(main, filepath.Join(dir, ".gitlab-ci.yml"))
	_, mr, _ := runCLI([]string{"jobs", "--offline", "--root", dir, filepath.Join(dir, ".gitlab-ci.yml")}, nil)
	_, push, _ := runCLI([]string{"jobs", "--offline", "--event", "push", "--root", dir, filepath.Join(dir, ".gitlab-ci.yml")}, nil)
	if !strings.Contains(mr, "mr-job") || strings.Contains(push, "mr-job") {
		t.Errorf("include:rules with the event:\n%s\n%s", mr, push)
	}
	// rules:changes with the merge request's files.
	_, ci, _ := runCLI([]string{"jobs", "--offline", "--changed", "README.md\n.gitlab-ci.yml", example}, nil)
	_, code2, _ := runCLI([]string{"jobs", "--offline", "--changed", "board/views.py", example}, nil)
	if !regexp.MustCompile(`cilint +yes`).MatchString(ci) || !regexp.MustCompile(`cilint +no`).MatchString(code2) {
		t.Errorf("--changed:\n%s\n%s", ci, code2)
	}
	if code, _, _ := runCLI([]string{"jobs", "--event", "nightly", example}, nil); code != 2 {
		t.Errorf("unknown event: exit %d", code)
	}
	// A need on a job the rules leave out fails with exit 1.
	bad := write(t, "needs.yml", "build:\n  script: make\n  rules:\n    - if: $CI_COMMIT_BRANCH\ntest:\n  script: make\n  needs: [build]\n  rules:\n    - if: $CI_MERGE_REQUEST_IID\n")
	if code, out, _ := runCLI([]string{"jobs", "--offline", bad}, nil); code != 1 || !strings.Contains(out, "[needs-not-in-pipeline]") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// render and jobs print what they can build from a configuration with
// errors, but exit 1 and show the errors on standard error, so a script
// cannot take their output for a valid pipeline.
func TestRenderAndJobsExitOneOnErrors(t *testing.T) {
	bad := write(t, "bad.yml", "test:\n  stage: nope\n  script: pytest\n")
	good := write(t, "good.yml", "test:\n  script: pytest\n")
	for _, cmd := range []string{"render", "jobs"} {
		code, out, errOut := runCLI([]string{cmd, "--offline", bad}, nil)
		if code != 1 || out == "" || !strings.Contains(errOut, "[stage-undefined]") {
			t.Errorf("%s with an error: exit %d\nstdout:\n%s\nstderr:\n%s", cmd, code, out, errOut)
		}
		if code, _, errOut := runCLI([]string{cmd, "--offline", good}, nil); code != 0 {
			t.Errorf("%s of a valid file: exit %d\n%s", cmd, code, errOut)
		}
	}
}

// A lint that could not read a component says so on standard error, so
// exit 0 is not taken for "checked".
func TestUnreadComponentsSaid(t *testing.T) {
	path := write(t, "ci.yml", "include:\n  - component: gitlab.com/acme/cat/deploy@1.0.0\ntest:\n  script: pytest\n")
	code, out, errOut := runCLI([]string{"lint", "--offline", "--format", "json", path}, nil)
	if code != 0 || !strings.Contains(errOut, "1 component include(s) were not read") || !strings.Contains(out, "include-offline") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	clean := write(t, "clean.yml", "test:\n  script: pytest\n")
	if _, _, errOut := runCLI([]string{"lint", "--offline", clean}, nil); strings.Contains(errOut, "were not read") {
		t.Errorf("nothing unread, nothing said: %s", errOut)
	}
}

func TestSummary(t *testing.T) {
	fs := []finding.Finding{{Severity: finding.Error}, {Severity: finding.Warning}, {Severity: finding.Warning}, {Severity: finding.Info}}
	if got := summary(1, 3, 12, fs); got != "1 pipeline, 3 files read, 12 jobs: 1 error, 2 warnings" {
		t.Errorf("summary = %q", got)
	}
}

// .cilint.yml applies to every command's findings: cilint jobs' too.
func TestSettingsApplyToJobs(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".gitlab-ci.yml"), []byte("build:\n  script: make\n  rules:\n    - if: $CI_COMMIT_BRANCH\ntest:\n  script: make\n  needs: [build]\n  rules:\n    - if: $CI_MERGE_REQUEST_IID\n"), 0o644)
	if code, out, _ := runCLI([]string{"jobs", "--offline", "--root", dir, filepath.Join(dir, ".gitlab-ci.yml")}, nil); code != 1 || !strings.Contains(out, "needs-not-in-pipeline") {
		t.Fatalf("without settings: exit %d\n%s", code, out)
	}
	os.WriteFile(filepath.Join(dir, ".cilint.yml"), []byte("rules:\n  needs-not-in-pipeline: off\n"), 0o644)
	if code, out, _ := runCLI([]string{"jobs", "--offline", "--root", dir, filepath.Join(dir, ".gitlab-ci.yml")}, nil); code != 0 || strings.Contains(out, "needs-not-in-pipeline") {
		t.Errorf("turned off in .cilint.yml: exit %d\n%s", code, out)
	}
}

// .cilint.yml applies to what --remote adds: GitLab's findings and the
// disagreements.
func TestSettingsApplyToRemote(t *testing.T) {
	const token = "glpat-cli-remote-settings-1"
	f := fakegitlab.New(t, token)
	f.Projects["agency/shop"] = &fakegitlab.FakeProject{LintAnswer: `{"valid":false,"errors":["build job: chosen stage deploy-x does not exist; available stages are .pre, build, test, deploy, .post"],"warnings":[]}`}
	dir := t.TempDir()
	path := filepath.Join(dir, ".gitlab-ci.yml")
	os.WriteFile(path, []byte("build:\n  stage: build\n  script: make\n"), 0o644)
	env := map[string]string{"GITLAB_TOKEN": token, "CI_SERVER_URL": f.URL, "CI_PROJECT_ID": "agency/shop"}
	if code, out, _ := runCLI([]string{"lint", "--oneline", "--remote", "--root", dir, path}, env); code != 1 || !strings.Contains(out, "[gitlab-lint]") {
		t.Fatalf("without settings: exit %d\n%s", code, out)
	}
	os.WriteFile(filepath.Join(dir, ".cilint.yml"), []byte("rules:\n  gitlab-lint: warning\n  remote-disagreement: off\n"), 0o644)
	code, out, _ := runCLI([]string{"lint", "--oneline", "--remote", "--root", dir, path}, env)
	if code != 0 || !strings.Contains(out, "warning:") || strings.Contains(out, "remote-disagreement") {
		t.Errorf("settings must apply to --remote's findings: exit %d\n%s", code, out)
	}
}
