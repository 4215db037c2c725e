package components_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/tests/internal/runner"
)

// The cilint job draws the merge request pipeline into pipeline-graph.md
// (a Mermaid block Mermaid's own parser reads, marking what the merge
// request changes when its base commit is in the clone) and
// pipeline-graph.svg when Graphviz's dot is on PATH; graph: false draws
// nothing. The artifacts expose both as "Pipeline graph".
func TestCilintComponentGraph(t *testing.T) {
	bin := cilintDir(t)
	on := runner.Render(t, "include:\n  - component: gitlab.com/trustci/components/cilint@1.0.0\nbuild:\n  script: make\n")
	off := runner.Render(t, "include:\n  - component: gitlab.com/trustci/components/cilint@1.0.0\n    inputs:\n      graph: false\nbuild:\n  script: make\n")
	art := job(t, on, "cilint").Get("artifacts")
	if e := art.Get("expose_as"); e == nil || e.Text != "Pipeline graph" {
		t.Errorf("artifacts:expose_as = %v", e)
	}
	var paths []string
	for _, p := range art.Get("paths").Items {
		paths = append(paths, p.Text)
	}
	if strings.Join(paths, " ") != "pipeline-graph.md pipeline-graph.svg" {
		t.Errorf("exposed paths %q", paths)
	}

	const base = "build:\n  script: make\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n"
	const head = base + "\"deploy: review\":\n  stage: deploy\n  needs: [build]\n  script: make review\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n      when: manual\n"
	dir := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	os.WriteFile(filepath.Join(dir, ".gitlab-ci.yml"), []byte(base), 0o644)
	git("init", "-q")
	git("add", ".")
	git("commit", "-qm", "base")
	sha := git("rev-parse", "HEAD")
	os.WriteFile(filepath.Join(dir, ".gitlab-ci.yml"), []byte(head), 0o644)
	env := ciEnv(dir)
	env["CI_PIPELINE_SOURCE"], env["CI_MERGE_REQUEST_DIFF_BASE_SHA"] = "merge_request_event", sha
	out, code := run(t, job(t, on, "cilint"), dir, env, map[string]string{"PATH": bin + ":" + os.Getenv("PATH")})
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	md := readFile(t, filepath.Join(dir, "pipeline-graph.md"))
	block, ok := mermaidBlock(md)
	if !ok {
		t.Fatalf("no mermaid block in pipeline-graph.md:\n%s", md)
	}
	for _, want := range []string{`["build"]`, `["deploy#58; review<br/>added, manual"]`, "j0 -->|added| j1"} {
		if !strings.Contains(block, want) {
			t.Errorf("no %s in the graph:\n%s", want, block)
		}
	}
	checkMermaid(t, block)
	svg := filepath.Join(dir, "pipeline-graph.svg")
	if _, err := exec.LookPath("dot"); err == nil {
		if s := readFile(t, svg); !strings.Contains(s, "<svg") || !strings.Contains(s, "deploy: review") {
			t.Errorf("pipeline-graph.svg:\n%.400s", s)
		}
	} else if _, err := os.Stat(svg); err == nil {
		t.Error("pipeline-graph.svg written without Graphviz")
	}

	offDir := t.TempDir()
	os.WriteFile(filepath.Join(offDir, ".gitlab-ci.yml"), []byte(head), 0o644)
	if out, code := run(t, job(t, off, "cilint"), offDir, ciEnv(offDir), map[string]string{"PATH": bin + ":" + os.Getenv("PATH")}); code != 0 {
		t.Fatalf("graph: false: exit %d:\n%s", code, out)
	}
	for _, f := range []string{"pipeline-graph.md", "pipeline-graph.svg"} {
		if _, err := os.Stat(filepath.Join(offDir, f)); err == nil {
			t.Errorf("graph: false wrote %s", f)
		}
	}
}

// mermaidBlock is the first ```mermaid block of a Markdown text.
func mermaidBlock(md string) (string, bool) {
	_, rest, ok := strings.Cut(md, "```mermaid\n")
	if !ok {
		return "", false
	}
	block, _, ok := strings.Cut(rest, "```")
	return block, ok
}

// checkMermaid has Mermaid's own parser (tests/mermaid, installed by
// .ci/run) read a diagram; without it, the test skips, and fails in CI.
func checkMermaid(t *testing.T, diagram string) {
	t.Helper()
	dir := filepath.Join(runner.RepoRoot(), "tests", "mermaid")
	node, err := exec.LookPath("node")
	if _, serr := os.Stat(filepath.Join(dir, "node_modules", "mermaid")); err != nil || serr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("Node or tests/mermaid's packages are missing (.ci/run installs them)")
		}
		t.Log("Mermaid's parser not installed (cd tests/mermaid && npm ci): the diagram is not parsed")
		return
	}
	src := filepath.Join(t.TempDir(), "graph.mmd")
	os.WriteFile(src, []byte(diagram), 0o644)
	out, err := exec.Command(node, filepath.Join(dir, "check.mjs"), src).Output()
	if err != nil {
		t.Fatalf("mermaid check: %v", err)
	}
	var res []struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res) != 1 || !res[0].OK {
		t.Errorf("Mermaid refuses the graph: %s\n%s", out, diagram)
	}
}

// graph_args reaches cilint graph, so a pipeline drawn needs the flags
// that change what it is (here an input of its own spec) only once; args
// stays lint's.
func TestCilintComponentGraphArgs(t *testing.T) {
	bin := cilintDir(t)
	const pipeline = "spec:\n  inputs:\n    name:\n      default: build\n---\n\"$[[ inputs.name ]]\":\n  script: make\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n"
	for _, tt := range []struct {
		name, inputs   string
		drawn, undrawn string
	}{
		{"no graph_args", "", `["build"]`, `["release"]`},
		{"an input through graph_args", "    inputs:\n      graph_args: --input name=release\n", `["release"]`, `["build"]`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := runner.Render(t, "include:\n  - component: gitlab.com/trustci/components/cilint@1.0.0\n"+tt.inputs+"build:\n  script: make\n")
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, ".gitlab-ci.yml"), []byte(pipeline), 0o644); err != nil {
				t.Fatal(err)
			}
			env := ciEnv(dir)
			env["CI_PIPELINE_SOURCE"] = "merge_request_event"
			out, code := run(t, job(t, p, "cilint"), dir, env, map[string]string{"PATH": bin + ":" + os.Getenv("PATH")})
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			block, ok := mermaidBlock(readFile(t, filepath.Join(dir, "pipeline-graph.md")))
			if !ok {
				t.Fatal("no mermaid block in pipeline-graph.md")
			}
			if !strings.Contains(block, tt.drawn) || strings.Contains(block, tt.undrawn) {
				t.Errorf("want %s and no %s in the graph:\n%s", tt.drawn, tt.undrawn, block)
			}
		})
	}
}
