package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

var updateGraph = flag.Bool("update-graph", false, "rewrite testdata/graph's golden graphs from the current output")

const graphData = "testdata/graph"

// graphGoldens are the golden graphs: each case in Mermaid and in DOT.
var graphGoldens = []struct {
	name string
	args []string
}{
	{"names.all", []string{"names.yml"}},
	{"names.push", []string{"--event", "push", "names.yml"}},
	{"marks.all", []string{"marks.yml"}},
	{"marks.merge_request", []string{"--event", "merge_request", "marks.yml"}},
	{"marks.tag", []string{"--event", "tag", "marks.yml"}},
	{"diff.all", []string{"--base-file", "base.yml", "head.yml"}},
	{"diff.push", []string{"--event", "push", "--base-file", "base.yml", "head.yml"}},
}

// graphArgs runs from the package folder with the test data as the
// repository root, so titles and child paths are short and stable.
func graphArgs(format string, args []string) []string {
	out := []string{"graph", "--offline", "--root", graphData, "--format", format}
	for i, a := range args {
		if strings.HasSuffix(a, ".yml") && (i == len(args)-1 || args[i-1] == "--base-file") {
			a = filepath.Join(graphData, a)
		}
		out = append(out, a)
	}
	return out
}

func TestGraphGolden(t *testing.T) {
	for _, tt := range graphGoldens {
		for _, format := range []string{"mermaid", "dot"} {
			ext := map[string]string{"mermaid": ".mmd", "dot": ".dot"}[format]
			t.Run(tt.name+ext, func(t *testing.T) {
				code, out, errOut := runCLI(graphArgs(format, tt.args), nil)
				if code != exitOK {
					t.Fatalf("exit %d:\n%s", code, errOut)
				}
				path := filepath.Join(graphData, tt.name+ext)
				if *updateGraph {
					if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (go test ./linter/cmd/cilint -run TestGraphGolden -update-graph writes it)", err)
				}
				if out != string(want) {
					t.Errorf("%s differs (-update-graph rewrites it); got:\n%s", path, out)
				}
			})
		}
	}
}

// namesJobs are names.yml's job and stage names, which every renderer
// must read back exactly.
var namesJobs = []string{"compile: linux/amd64", `say "hi"`, "🚀 rocket [x] {y} (z)", "a#b; c & <d> | e `f` \\ g",
	"end", "style:#x; %% not a comment", "--> ==> -.->", "#quot; #35; &amp;"}
var namesStages = []string{"build: all", "test/unit", "deploy #1; [eu]"}

// needTool returns the path of a renderer the test needs, skipping
// without it on a contributor's machine and failing in CI, which
// installs it (.ci/run).
func needTool(t *testing.T, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed: %s (.ci/run installs it)", name, install)
		}
		t.Skipf("%s is not installed: %s", name, install)
	}
	return p
}

// mermaidCheck is tests/mermaid's check.mjs, or a skip (a failure in CI)
// when its packages are not installed.
func mermaidCheck(t *testing.T) (node, script string) {
	t.Helper()
	node = needTool(t, "node", "apt-get install nodejs")
	dir, err := filepath.Abs("../../../tests/mermaid")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "mermaid")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tests/mermaid has no node_modules: run npm ci there (.ci/run does)")
		}
		t.Skip("tests/mermaid has no node_modules: cd tests/mermaid && npm ci")
	}
	return node, filepath.Join(dir, "check.mjs")
}

type mermaidParsed struct {
	File     string `json:"file"`
	OK       bool   `json:"ok"`
	Error    string `json:"error"`
	Vertices []struct {
		ID    string   `json:"id"`
		Lines []string `json:"lines"`
	} `json:"vertices"`
	Edges []struct {
		Start string `json:"start"`
		End   string `json:"end"`
	} `json:"edges"`
	Subgraphs []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"subgraphs"`
}

// parseMermaid runs Mermaid's own parser over files.
func parseMermaid(t *testing.T, files ...string) []mermaidParsed {
	t.Helper()
	node, script := mermaidCheck(t)
	out, err := exec.Command(node, append([]string{script}, files...)...).Output()
	if err != nil {
		t.Fatalf("mermaid check: %v", err)
	}
	var res []mermaidParsed
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("mermaid check output: %v\n%s", err, out)
	}
	return res
}

type dotParsed struct {
	Objects []struct {
		ID    int    `json:"_gvid"`
		Name  string `json:"name"`
		Label string `json:"label"`
		Nodes []int  `json:"nodes"`
	} `json:"objects"`
	Edges []struct {
		Tail int `json:"tail"`
		Head int `json:"head"`
	} `json:"edges"`
}

// parseDOT has Graphviz's dot read src and give back its graph (-Tjson:
// names, labels as dot read them, edges).
func parseDOT(t *testing.T, src []byte) dotParsed {
	t.Helper()
	dot := needTool(t, "dot", "apt-get install graphviz")
	cmd := exec.Command(dot, "-Tjson0")
	cmd.Stdin = bytes.NewReader(src)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("dot refuses the graph: %v\n%s", err, stderr.String())
	}
	var g dotParsed
	if err := json.Unmarshal(out, &g); err != nil {
		t.Fatalf("dot -Tjson0: %v", err)
	}
	return g
}

// TestGraphGoldensMermaidParses: Mermaid's own parser accepts every golden
// Mermaid graph, and reads names.yml's names back as written.
func TestGraphGoldensMermaidParses(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(graphData, "*.mmd"))
	if len(files) < len(graphGoldens) {
		t.Fatalf("%d Mermaid goldens, want %d", len(files), len(graphGoldens))
	}
	for _, r := range parseMermaid(t, files...) {
		if !r.OK {
			t.Errorf("%s: Mermaid refuses it: %s", r.File, r.Error)
			continue
		}
		if !strings.Contains(r.File, "names.") {
			continue
		}
		var names, stages []string
		for _, v := range r.Vertices {
			names = append(names, v.Lines[0])
		}
		for _, s := range r.Subgraphs {
			stages = append(stages, s.Title)
		}
		if !sameSet(names, namesJobs) || !sameSet(stages, namesStages) {
			t.Errorf("%s: Mermaid reads the jobs %q in the stages %q", r.File, names, stages)
		}
	}
}

// TestGraphGoldensDotRenders: Graphviz's dot reads every golden DOT graph
// without a warning, names.yml's names come back as written, and SVG
// renders.
func TestGraphGoldensDotRenders(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(graphData, "*.dot"))
	if len(files) < len(graphGoldens) {
		t.Fatalf("%d DOT goldens, want %d", len(files), len(graphGoldens))
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		g := parseDOT(t, src)
		if !strings.Contains(f, "names.") {
			continue
		}
		var names, stages []string
		for _, o := range g.Objects {
			first, _, _ := strings.Cut(o.Label, "\\n")
			if strings.HasPrefix(o.Name, "cluster_") {
				stages = append(stages, dotLabel(first))
			} else if o.Nodes == nil {
				names = append(names, dotLabel(first))
			}
		}
		if !sameSet(names, namesJobs) || !sameSet(stages, namesStages) {
			t.Errorf("%s: dot reads the jobs %q in the stages %q", f, names, stages)
		}
	}
	code, out, errOut := runCLI(graphArgs("svg", []string{"marks.yml"}), nil)
	if code != exitOK || !strings.Contains(out, "<svg") || !strings.Contains(out, "child pipeline of e2e") {
		t.Errorf("--format svg: exit %d\n%s\n%.300s", code, errOut, out)
	}
}

// dotLabel is a label as drawn: Graphviz's escString keeps \\ as one
// backslash.
func dotLabel(s string) string { return strings.ReplaceAll(s, `\\`, `\`) }

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}

func TestGraphSVGWithoutGraphviz(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	code, _, errOut := runCLI(graphArgs("svg", []string{"names.yml"}), nil)
	if code != exitUsage || !strings.Contains(errOut, "apt-get install graphviz") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

func TestGraphUsage(t *testing.T) {
	for _, args := range [][]string{
		{"graph"},
		{"graph", "--format", "png", "x.yml"},
		{"graph", "--event", "nightly", "x.yml"},
		{"graph", "--base", "main", "--base-file", "a.yml", "x.yml"},
	} {
		if code, _, _ := runCLI(args, nil); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
}

// TestGraphBaseRevision: --base REF reads the pipeline, and its local
// include, as they were at REF.
func TestGraphBaseRevision(t *testing.T) {
	needTool(t, "git", "apt-get install git")
	dir := t.TempDir()
	gitIn := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	writeIn := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gitIn("init", "-q")
	writeIn(".gitlab-ci.yml", "include: ci/test.yml\nbuild:\n  script: make\n")
	writeIn("ci/test.yml", "unit:\n  stage: test\n  script: make test\nold:\n  script: make old\n")
	gitIn("add", ".")
	gitIn("commit", "-qm", "base")
	writeIn("ci/test.yml", "unit:\n  stage: test\n  script: make test -j4\nnew:\n  script: make new\n")
	code, out, errOut := runCLI([]string{"graph", "--offline", "--base", "HEAD", filepath.Join(dir, ".gitlab-ci.yml")}, nil)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{`["new<br/>added<br/>`, `["old<br/>removed<br/>`, `["unit<br/>changed<br/>`, `["build<br/>runs in`} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s in:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "1 added, 1 removed, 1 changed") {
		t.Errorf("summary: %s", errOut)
	}
	if code, _, errOut := runCLI([]string{"graph", "--offline", "--base", "no-such-ref", filepath.Join(dir, ".gitlab-ci.yml")}, nil); code != exitUsage || !strings.Contains(errOut, "no-such-ref") {
		t.Errorf("unknown ref: exit %d: %s", code, errOut)
	}
}
