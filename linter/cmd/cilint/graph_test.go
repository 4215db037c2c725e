package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
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
		ID    string   `json:"id"`
		Title string   `json:"title"`
		Nodes []string `json:"nodes"`
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

// TestGraphMatchesJobs: for the pipelines this repository ships, the
// graph Mermaid's parser reads has exactly the jobs `cilint jobs` says
// each kind of pipeline gets (certain or maybe), and exactly the edges
// the rendered configuration implies: each need, each on_stop, and for a
// job without needs every job of the closest earlier stage that has jobs.
func TestGraphMatchesJobs(t *testing.T) {
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	type graphCase struct {
		name, src   string
		jobs, edges []string
	}
	var cases []graphCase
	tmp := t.TempDir()
	for _, file := range []string{"examples/django/.gitlab-ci.yml", "examples/cookiecutter-django/.gitlab-ci.yml", ".gitlab-ci.yml"} {
		path := filepath.Join(root, file)
		code, rendered, errOut := runCLI([]string{"render", "--offline", "--format", "json", path}, nil)
		if code != exitOK {
			t.Fatalf("render %s: exit %d: %s", file, code, errOut)
		}
		var config map[string]json.RawMessage
		if err := json.Unmarshal([]byte(rendered), &config); err != nil {
			t.Fatal(err)
		}
		for _, event := range []string{"merge_request", "push", "tag", "schedule"} {
			code, out, errOut := runCLI([]string{"jobs", "--offline", "--format", "json", "--event", event, path}, nil)
			if code != exitOK {
				t.Fatalf("jobs %s %s: exit %d: %s", file, event, code, errOut)
			}
			var sim struct {
				Created string `json:"created"`
				Jobs    []struct{ Name, Stage, Runs string }
			}
			if err := json.Unmarshal([]byte(out), &sim); err != nil {
				t.Fatal(err)
			}
			c := graphCase{name: file + "/" + event}
			var stages [][]string // jobs present, by stage, in stage order
			for _, j := range sim.Jobs {
				if sim.Created == "no" || j.Runs == "no" {
					continue
				}
				c.jobs = append(c.jobs, j.Name)
				if len(stages) == 0 || jobStage(sim.Jobs, stages[len(stages)-1][0]) != j.Stage {
					stages = append(stages, nil)
				}
				stages[len(stages)-1] = append(stages[len(stages)-1], j.Name)
			}
			c.edges = expectedEdges(t, config, stages)
			code, mmd, errOut := runCLI([]string{"graph", "--offline", "--event", event, path}, nil)
			if code != exitOK {
				t.Fatalf("graph %s %s: exit %d: %s", file, event, code, errOut)
			}
			// dot reads the DOT drawing of the same pipeline, with one box
			// per job besides the child pipelines'.
			code, dotSrc, errOut := runCLI([]string{"graph", "--offline", "--format", "dot", "--event", event, path}, nil)
			if code != exitOK {
				t.Fatalf("graph --format dot %s %s: exit %d: %s", file, event, code, errOut)
			}
			boxes := 0
			for _, o := range parseDOT(t, []byte(dotSrc)).Objects {
				if o.Nodes == nil && strings.HasPrefix(o.Name, "j") {
					boxes++
				}
			}
			if boxes != len(c.jobs) {
				t.Errorf("%s: dot reads %d jobs, want %d", c.name, boxes, len(c.jobs))
			}
			c.src = filepath.Join(tmp, fmt.Sprintf("%d.mmd", len(cases)))
			if err := os.WriteFile(c.src, []byte(mmd), 0o644); err != nil {
				t.Fatal(err)
			}
			cases = append(cases, c)
		}
	}
	srcs := make([]string, len(cases))
	for i, c := range cases {
		srcs[i] = c.src
	}
	// One Node process for all: starting Mermaid takes seconds.
	parsed := parseMermaid(t, srcs...)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := parsed[i]
			if !r.OK {
				t.Fatalf("Mermaid refuses it: %s", r.Error)
			}
			byID := map[string]string{}
			var got []string
			for _, v := range r.Vertices {
				if strings.HasPrefix(v.ID, "c") || v.ID == "empty" {
					continue // a child pipeline's jobs, or the empty marker
				}
				name, _, _ := strings.Cut(v.Lines[0], " ×")
				byID[v.ID] = name
				got = append(got, name)
			}
			if !sameSet(got, c.jobs) {
				t.Errorf("jobs drawn %q, cilint jobs says %q", got, c.jobs)
			}
			// An edge from a stage (s2) stands for one from each of its jobs.
			stageJobs := map[string][]string{}
			for _, sg := range r.Subgraphs {
				if strings.HasPrefix(sg.ID, "s") {
					stageJobs[sg.ID] = sg.Nodes
				}
			}
			var gotEdges []string
			for _, e := range r.Edges {
				froms := []string{e.Start}
				if ids, ok := stageJobs[e.Start]; ok {
					froms = ids
				}
				for _, from := range froms {
					if byID[from] == "" || byID[e.End] == "" {
						continue // to or inside a child pipeline
					}
					gotEdges = append(gotEdges, byID[from]+" -> "+byID[e.End])
				}
			}
			if !sameSet(gotEdges, c.edges) {
				t.Errorf("edges drawn %q, want %q", gotEdges, c.edges)
			}
			if len(c.jobs) == 0 {
				t.Log("no jobs in this pipeline")
			}
		})
	}
}

func jobStage(jobs []struct{ Name, Stage, Runs string }, name string) string {
	for _, j := range jobs {
		if j.Name == name {
			return j.Stage
		}
	}
	return ""
}

// expectedEdges derives the edges from the rendered configuration, on
// its own terms: needs (by job name, or a parallel instance's name),
// environment:on_stop, and stage order for jobs without needs.
func expectedEdges(t *testing.T, config map[string]json.RawMessage, stages [][]string) []string {
	t.Helper()
	present := map[string]int{}
	for i, s := range stages {
		for _, n := range s {
			present[n] = i
		}
	}
	base := func(need string) string {
		if _, ok := present[need]; ok {
			return need
		}
		for n := range present {
			if strings.HasPrefix(need, n+": [") || strings.HasPrefix(need, n+" ") {
				return n
			}
		}
		return ""
	}
	var out []string
	for name, i := range present {
		var job struct {
			Needs       *[]json.RawMessage `json:"needs"`
			Environment json.RawMessage    `json:"environment"`
		}
		if err := json.Unmarshal(config[name], &job); err != nil {
			t.Fatalf("job %s: %v", name, err)
		}
		switch {
		case job.Needs != nil:
			seen := map[string]bool{}
			for _, raw := range *job.Needs {
				var need string
				if json.Unmarshal(raw, &need) != nil {
					var m struct{ Job string }
					_ = json.Unmarshal(raw, &m)
					need = m.Job
				}
				if from := base(need); from != "" && from != name && !seen[from] {
					seen[from] = true
					out = append(out, from+" -> "+name)
				}
			}
		case i > 0:
			for _, from := range stages[i-1] {
				out = append(out, from+" -> "+name)
			}
		}
		var env struct {
			OnStop string `json:"on_stop"`
		}
		if json.Unmarshal(job.Environment, &env) == nil && env.OnStop != "" {
			if _, ok := present[env.OnStop]; ok && env.OnStop != name {
				out = append(out, name+" -> "+env.OnStop)
			}
		}
	}
	return out
}

// A base whose configuration cannot be built counts as empty: every job
// is added.
func TestGraphBaseBroken(t *testing.T) {
	broken := write(t, "base.yml", "build: [unclosed\n")
	head := write(t, "head.yml", "build:\n  script: make\n")
	code, out, errOut := runCLI([]string{"graph", "--offline", "--event", "push", "--base-file", broken, head}, nil)
	if code != exitOK || !strings.Contains(out, `["build<br/>added"]`) || !strings.Contains(errOut, "1 added") {
		t.Errorf("exit %d\n%s\n%s", code, out, errOut)
	}
}
