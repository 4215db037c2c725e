package graph

import (
	"fmt"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/pipeline"
	"gitlab.com/trustci/cicd/linter/simulate"
)

// build draws src's pipeline for event ("" for every event).
func build(t *testing.T, src, event string) *Graph {
	t.Helper()
	f, fs := load.Parse("ci.yml", []byte(src), load.DefaultLimits())
	if f == nil || len(fs) > 0 {
		t.Fatalf("parse: %v", fs)
	}
	p := pipeline.Build(f.Body, nil)
	in := Input{Title: "ci.yml", Pipeline: p}
	names := simulate.EventNames()
	if event != "" {
		names = []string{event}
	}
	for _, name := range names {
		ev := simulate.Events()[name]
		in.Runs = append(in.Runs, simulate.Run(p, name, simulate.NewVariables(ev, p.Config, nil)))
	}
	return Build(in)
}

func TestMermaidText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"build", "build"},
		{`say "hi"`, "say #quot;hi#quot;"},
		{"a#b;c", "a#35;b#59;c"},
		{"deploy: eu", "deploy#58; eu"},
		{"<b>&`x`|\\", "#60;b#62;#38;#96;x#96;#124;#92;"},
		{"line\nbreak\ttab", "line break tab"},
		{"🚀 [x] {y} (z) / end", "🚀 [x] {y} (z) / end"},
	} {
		if got := mermaidText(tt.in); got != tt.want {
			t.Errorf("mermaidText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDotString(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"build", `"build"`},
		{`say "hi"`, `"say \"hi\""`},
		{`a\nb`, `"a\\nb"`},
		{"two\nlines", `"two\nlines"`},
		{"tab\there", `"tab here"`},
		{"🚀 {x} ; # -> [y]", `"🚀 {x} ; # -> [y]"`},
	} {
		if got := dotString(tt.in); got != tt.want {
			t.Errorf("dotString(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestMarks(t *testing.T) {
	g := build(t, `
build:
  stage: build
  script: make
  parallel: 2
manual:
  stage: test
  script: make
  when: manual
ruled-manual:
  stage: test
  script: make
  rules:
    - when: manual
later:
  stage: deploy
  script: make
  when: delayed
  start_in: 5 minutes
  environment: {name: prod, on_stop: stop}
stop:
  stage: deploy
  script: make
  environment: {name: prod, action: stop}
  allow_failure: {exit_codes: [3]}
`, "push")
	want := map[string]string{
		"build":        "build ×2",
		"manual":       "manual\nmanual, allowed to fail",
		"ruled-manual": "ruled-manual\nmanual",
		"later":        "later\ndelayed 5 minutes\nenv prod",
		"stop":         "stop\nallowed to fail\nstop prod",
	}
	for name, label := range want {
		n := g.Node(name)
		if n == nil {
			t.Errorf("no node %s", name)
			continue
		}
		if got := strings.Join(lines(n), "\n"); got != label {
			t.Errorf("%s: label %q, want %q", name, got, label)
		}
	}
	var onStop int
	for _, e := range g.Edges {
		if e.Kind == OnStop && e.From.Name == "later" && e.To.Name == "stop" {
			onStop++
		}
	}
	if onStop != 1 {
		t.Errorf("%d on_stop edges from later to stop, want 1", onStop)
	}
}

// A hostile pipeline with wide stages still draws in linear size: jobs
// without needs after a stage of many jobs get one arrow from the stage.
func TestWideStagesStayLinear(t *testing.T) {
	var b strings.Builder
	b.WriteString("stages: [a, b]\n")
	const n = 300
	for i := range n {
		fmt.Fprintf(&b, "a%d:\n  stage: a\n  script: x\nb%d:\n  stage: b\n  script: x\n", i, i)
	}
	g := build(t, b.String(), "push")
	if len(g.Edges) != n {
		t.Fatalf("%d edges, want %d (one from stage a to each job of b)", len(g.Edges), n)
	}
	for _, e := range g.Edges {
		if e.FromStage == nil || e.FromStage.Name != "a" {
			t.Fatalf("edge %+v not from stage a", e)
		}
	}
	var out strings.Builder
	if err := Mermaid(&out, g); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "s0 -.-> j300") {
		t.Errorf("no stage edge in:\n%.500s", out.String())
	}
}

func TestCompare(t *testing.T) {
	base := build(t, `
a:
  stage: build
  script: make
b:
  stage: test
  script: make test
gone:
  stage: test
  script: old
`, "push")
	head := build(t, `
a:
  stage: build
  script: make
b:
  stage: test
  script: make test -j2
new:
  stage: deploy
  needs: [a]
  script: new
`, "push")
	g := Compare(base, head)
	got := map[string]Change{}
	for _, n := range g.Nodes() {
		got[n.Name] = n.Change
	}
	want := map[string]Change{"a": Same, "b": Changed, "gone": Removed, "new": Added}
	for name, c := range want {
		if got[name] != c {
			t.Errorf("%s: %v, want %v", name, got[name], c)
		}
	}
	if s := Summary(g); s != "1 added, 1 removed, 1 changed" {
		t.Errorf("summary %q", s)
	}
	var added, removed int
	for _, e := range g.Edges {
		switch e.Change {
		case Added:
			added++
		case Removed:
			removed++
		}
	}
	// Added: a -> new. Removed: a -> gone (stage order).
	if added != 1 || removed != 1 {
		t.Errorf("%d edges added, %d removed; want 1 and 1", added, removed)
	}
	if same := Compare(base, base); Summary(same) != "no job added, removed or changed" {
		t.Errorf("a graph compared with itself: %s", Summary(same))
	}
}

func TestNoPipeline(t *testing.T) {
	g := build(t, "workflow:\n  rules:\n    - if: $CI_COMMIT_TAG\nbuild:\n  script: make\n", "push")
	if g.Created || len(g.Nodes()) != 0 {
		t.Fatalf("created %v, %d nodes", g.Created, len(g.Nodes()))
	}
	var out strings.Builder
	if err := DOT(&out, g); err != nil || !strings.Contains(out.String(), `empty [label="no pipeline"`) {
		t.Errorf("%v\n%s", err, out.String())
	}
}
