package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/graph"
	"gitlab.com/trustci/cicd/linter/lint"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/repo"
	"gitlab.com/trustci/cicd/linter/report"
	"gitlab.com/trustci/cicd/linter/simulate"
)

// maxGraphChildren bounds the child pipelines one graph draws (each is
// linted and simulated), as lint bounds the ones it lints.
const maxGraphChildren = 20

// runGraph draws a pipeline: the jobs of one kind of pipeline, or every
// job with the pipelines it runs in, optionally compared with another
// revision's.
func runGraph(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fl := newFlags("cilint graph", "Usage: cilint graph [flags] FILE\n\nDraws the pipeline: stages as columns, jobs as nodes, needs (or stage\norder) as edges; manual, delayed, allowed-to-fail and maybe jobs marked,\nchild pipelines as subgraphs. Mermaid renders in GitLab's Markdown.\n\nFlags:\n", stderr)
	var of optionFlags
	of.register(fl)
	event := fl.String("event", "", "draw the pipeline of one kind ("+strings.Join(simulate.EventNames(), ", ")+"); default: every job, with the pipelines it runs in")
	var vars pairsFlag
	fl.Var(&vars, "var", "NAME=VALUE: a variable's value in that pipeline, such as CI_COMMIT_BRANCH=main (repeatable)")
	var changed filesFlag
	fl.Var(&changed, "changed", "PATH: a file the merge request or push changes, for rules:changes (repeatable, or one per line)")
	format := fl.String("format", "mermaid", "output format: mermaid, dot or svg (svg needs Graphviz's dot)")
	base := fl.String("base", "", "REF: mark the jobs added, removed and changed since the pipeline of this git revision")
	baseFile := fl.String("base-file", "", "FILE: mark the jobs added, removed and changed since the pipeline in FILE")
	if code, ok := parseFlags(fl, args); !ok {
		return code
	}
	var events []simulate.Event
	if *event != "" {
		ev, ok := simulate.Events()[*event]
		if !ok {
			say(stderr, "cilint graph: unknown --event %q (%s)\n", *event, strings.Join(simulate.EventNames(), ", "))
			return exitUsage
		}
		events = []simulate.Event{ev}
	} else {
		for _, name := range simulate.EventNames() {
			events = append(events, simulate.Events()[name])
		}
	}
	switch {
	case fl.NArg() != 1:
		fl.Usage()
		return exitUsage
	case *format != "mermaid" && *format != "dot" && *format != "svg":
		say(stderr, "cilint graph: unknown --format %q (mermaid, dot or svg)\n", *format)
		return exitUsage
	case *base != "" && *baseFile != "":
		fmt.Fprintln(stderr, "cilint graph: --base and --base-file exclude each other")
		return exitUsage
	}
	if *format == "svg" {
		// Said before any work: the one thing svg needs that cilint lacks.
		if _, err := exec.LookPath("dot"); err != nil {
			say(stderr, "cilint graph: %v\n", graph.ErrNoGraphviz)
			return exitUsage
		}
	}
	path := fl.Arg(0)
	d := drawer{of: &of, getenv: getenv, events: events, vars: vars.m, changed: changed, stderr: stderr}
	g, code := d.draw(path, "", path)
	if g == nil {
		return code
	}
	if *base != "" || *baseFile != "" {
		bg, bcode := d.drawBase(path, *base, *baseFile)
		switch {
		case bg == nil && bcode == exitFindings:
			// The base's configuration could not be built (said above):
			// against nothing, every job is added.
			bg = &graph.Graph{Title: path, Created: true}
		case bg == nil:
			return bcode
		}
		g = graph.Compare(bg, g)
		say(stderr, "cilint graph: compared with %s: %s\n", baseName(*base, *baseFile), graph.Summary(g))
	}
	var err error
	switch *format {
	case "dot":
		err = graph.DOT(stdout, g)
	case "svg":
		err = graph.SVG(context.Background(), stdout, g)
	default:
		err = graph.Mermaid(stdout, g)
	}
	if err != nil {
		say(stderr, "cilint graph: %v\n", err)
		return exitUsage
	}
	return code
}

func baseName(ref, file string) string {
	if ref != "" {
		return ref
	}
	return file
}

// drawer lints, simulates and draws pipelines with one run's flags.
type drawer struct {
	of       *optionFlags
	getenv   func(string) string
	events   []simulate.Event
	vars     map[string]string
	changed  []string
	stderr   io.Writer
	children int
}

// draw builds the graph of the pipeline in path; root, when not "",
// is the repository root to read it in (another revision's files).
func (d *drawer) draw(path, root, title string) (*graph.Graph, int) {
	opts := d.of.options(d.getenv)
	if root != "" {
		opts.Root = root
	}
	if len(d.events) == 1 {
		opts.Vars = simulate.NewVariables(d.events[0], nil, d.vars).Lookup
	}
	l, res, code := buildPipeline("graph", opts, path, d.stderr)
	if res == nil {
		return nil, code
	}
	in, fs := d.simulate(l, res, path, d.vars)
	in.Title = title
	if len(fs) > 0 {
		report.Text(d.stderr, res.Settle(fs), res.Sources(), report.TextOptions{OneLine: true})
		if finding.HasErrors(res.Settle(fs)) {
			code = exitFindings
		}
	}
	in.Children = d.childGraphs(l, res, path, 1)
	return graph.Build(in), code
}

// simulate runs the pipeline once per event.
func (d *drawer) simulate(l *lint.Linter, res *lint.Result, path string, user map[string]string) (graph.Input, []finding.Finding) {
	in := graph.Input{Pipeline: res.Pipeline}
	var fs []finding.Finding
	files := repo.NewCheckout(l.Root(path)).Exists
	for _, ev := range d.events {
		known := simulate.NewVariables(ev, res.Pipeline.Config, user).WithFiles(files)
		if len(d.changed) > 0 && !ev.ChangesAlways {
			known = known.WithChanges(repo.Changes(d.changed))
		}
		sim := simulate.Run(res.Pipeline, ev.Name, known)
		in.Runs = append(in.Runs, sim)
		if len(d.events) == 1 {
			fs = append(fs, sim.Findings...)
		}
	}
	return in, fs
}

// childGraphs draws the child pipelines that trigger jobs start from one
// local file (trigger:include: path, or a list of one local entry), as
// pipelines whose CI_PIPELINE_SOURCE is parent_pipeline; children from
// components, other projects or artifacts are not drawn (the trigger job
// is). GitLab nests two levels of children.
func (d *drawer) childGraphs(l *lint.Linter, res *lint.Result, path string, depth int) map[string]*graph.Graph {
	if depth > 2 {
		return nil
	}
	out := map[string]*graph.Graph{}
	root := l.Root(path)
	for _, j := range res.Pipeline.Jobs {
		if !j.Trigger || d.children >= maxGraphChildren {
			continue
		}
		local := childFile(j.Node.Get("trigger"))
		if local == "" {
			continue
		}
		file := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(local, "/")))
		if _, err := os.Stat(file); err != nil {
			continue // lint reports it
		}
		d.children++
		cres, err := l.File(file)
		if err != nil || cres.Pipeline == nil || cres.Pipeline.Config == nil {
			continue
		}
		user := map[string]string{"CI_PIPELINE_SOURCE": "parent_pipeline"}
		for k, v := range d.vars {
			user[k] = v
		}
		in, _ := d.simulate(l, cres, file, user)
		in.Children = d.childGraphs(l, cres, file, depth+1)
		out[j.Name] = graph.Build(in)
	}
	return out
}

// childFile is the one local file a trigger includes, or "".
func childFile(tr *load.Node) string {
	inc := tr.Get("include")
	if inc == nil {
		return ""
	}
	if inc.Kind == load.String {
		return inc.Text
	}
	if inc.Kind == load.Seq && len(inc.Items) == 1 {
		inc = inc.Items[0]
	}
	if inc.Kind == load.String {
		return inc.Text
	}
	if l := inc.Get("local"); l != nil && l.Kind == load.String && len(inc.Pairs) == 1 {
		return l.Text
	}
	return ""
}

// drawBase draws the base revision's pipeline: the same file at git
// revision ref (its files extracted to a temporary folder, so its local
// includes are read as they were), or baseFile.
func (d *drawer) drawBase(path, ref, baseFile string) (*graph.Graph, int) {
	if baseFile != "" {
		return d.draw(baseFile, "", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		say(d.stderr, "cilint graph: %v\n", err)
		return nil, exitUsage
	}
	r, err := repo.Find(filepath.Dir(abs))
	if err != nil {
		say(d.stderr, "cilint graph: --base needs a git repository: %v\n", err)
		return nil, exitUsage
	}
	rel, err := filepath.Rel(r.Root, abs)
	if err != nil || !filepath.IsLocal(rel) {
		say(d.stderr, "cilint graph: %s is not inside the repository %s\n", path, r.Root)
		return nil, exitUsage
	}
	tmp, err := os.MkdirTemp("", "cilint-base-")
	if err != nil {
		say(d.stderr, "cilint graph: %v\n", err)
		return nil, exitUsage
	}
	defer os.RemoveAll(tmp)
	if err := r.Extract(ref, tmp); err != nil {
		say(d.stderr, "cilint graph: --base %s: %v\n", ref, err)
		return nil, exitUsage
	}
	file := filepath.Join(tmp, rel)
	if _, err := os.Stat(file); err != nil {
		// The file is new in this revision: everything is added.
		return &graph.Graph{Title: path, Created: true}, exitOK
	}
	g, code := d.draw(file, tmp, path)
	if code == exitFindings {
		code = exitOK // the base's own errors are not this change's
	}
	return g, code
}
