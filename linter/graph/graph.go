// Package graph is a pipeline as a picture: stages as columns, jobs as
// nodes, `needs` (or, without needs, stage order) as edges, built from
// the configuration package pipeline builds and the simulations package
// simulate runs, and written as Mermaid (which GitLab renders in
// Markdown) or DOT (Graphviz). Compare marks what a change adds, removes
// and changes relative to a base revision's graph.
package graph

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"gitlab.com/trustci/cicd/linter/cond"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/pipeline"
	"gitlab.com/trustci/cicd/linter/render"
	"gitlab.com/trustci/cicd/linter/simulate"
)

// Change is how a job or edge differs from the base revision's graph.
type Change uint8

const (
	Same Change = iota
	Added
	Removed
	Changed
)

func (c Change) String() string {
	return [...]string{"", "added", "removed", "changed"}[c]
}

// EdgeKind says why one job follows another.
type EdgeKind uint8

const (
	// Needs: the later job lists the earlier one in `needs`.
	Needs EdgeKind = iota
	// StageOrder: the later job has no `needs`, so it waits for the jobs
	// of the stages before its own; the edge comes from each job of the
	// closest earlier stage that has jobs.
	StageOrder
	// OnStop: the job's environment is stopped by the other job.
	OnStop
	// Child: a trigger job starts the child pipeline drawn as a subgraph.
	Child
)

func (k EdgeKind) String() string {
	return [...]string{"needs", "stage", "on_stop", "child"}[k]
}

// Node is one job: a parallel or matrix job is one node with a count.
type Node struct {
	ID          string // unique in the whole drawing, set by number
	Name, Stage string
	// Maybe: in the pipeline of Graph.Event, the job's rules depend on a
	// value not known.
	Maybe bool
	// When is manual, delayed, always, on_failure or on_success.
	When, StartIn string
	AllowFailure  bool
	Instances     int // parallel count, 1 without parallel
	// Environment is the environment's name; Action is its action when
	// not start (stop, prepare, verify, access).
	Environment, Action string
	Trigger             bool
	// Events are the pipelines the job runs in, and MaybeEvents the ones
	// it may run in: set when the graph is drawn for all events.
	Events, MaybeEvents []string
	Change              Change
	// Child is the child pipeline a trigger job starts from a file.
	Child *Graph
	// signature is the job's configuration as JSON, for Compare.
	signature string
}

// Edge is one arrow, between jobs of the same Graph, or from a whole
// stage (FromStage, From nil) to a job.
type Edge struct {
	From, To *Node
	// FromStage is set instead of From for a job without needs after a
	// stage of more than maxFanIn jobs: one arrow from the stage stands
	// for one from each of its jobs, so the drawing stays readable and
	// its size linear in the jobs.
	FromStage *Stage
	Kind      EdgeKind
	Optional  bool // an optional need
	Change    Change
}

// Stage is one column: a stage that has jobs in this graph.
type Stage struct {
	ID    string // set by number
	Name  string
	Nodes []*Node
}

// Graph is one pipeline's drawing.
type Graph struct {
	// Title says what the drawing is of.
	Title string
	// Event is the kind of pipeline drawn, or "" for every job with the
	// events it runs in.
	Event string
	// Created is false when workflow:rules create no pipeline of Event.
	Created bool
	Stages  []*Stage
	Edges   []*Edge
	// prefix makes node IDs unique across nested child graphs.
	prefix string
}

// Nodes lists the graph's jobs in stage order.
func (g *Graph) Nodes() []*Node {
	var out []*Node
	for _, s := range g.Stages {
		out = append(out, s.Nodes...)
	}
	return out
}

// Node returns the job named name, or nil.
func (g *Graph) Node(name string) *Node {
	for _, s := range g.Stages {
		for _, n := range s.Nodes {
			if n.Name == name {
				return n
			}
		}
	}
	return nil
}

// Input is one pipeline to draw.
type Input struct {
	Title    string
	Pipeline *pipeline.Pipeline
	// Runs are simulations of the pipeline: one, to draw that event's
	// pipeline; several (one per event), to draw every job with the
	// events it runs in.
	Runs []*simulate.Result
	// Children are the child pipelines of trigger jobs, by job name.
	Children map[string]*Graph
}

// Build draws in.
func Build(in Input) *Graph {
	g := &Graph{Title: in.Title, Created: true}
	p := in.Pipeline
	if p == nil {
		return g
	}
	decisions := make([]map[string]cond.Decision, len(in.Runs))
	for i, r := range in.Runs {
		decisions[i] = map[string]cond.Decision{}
		for _, j := range r.Jobs {
			decisions[i][j.Name] = j.Decision
		}
	}
	if len(in.Runs) == 1 {
		g.Event = in.Runs[0].Event
		g.Created = in.Runs[0].Workflow.Outcome != cond.Out
	}
	byJob := map[*pipeline.Job]*Node{}
	stages := map[string]*Stage{}
	for _, stage := range p.StageNames() {
		for _, j := range p.Jobs {
			if j.Stage != stage {
				continue
			}
			n := &Node{Name: j.Name, Stage: j.Stage, Instances: max(1, len(j.Names)), Trigger: j.Trigger}
			var chosen *cond.Decision
			for i, r := range in.Runs {
				d, ok := decisions[i][j.Name]
				if !ok || r.Workflow.Outcome == cond.Out {
					continue
				}
				switch d.Outcome {
				case cond.In:
					n.Events = append(n.Events, r.Event)
				case cond.Maybe:
					n.MaybeEvents = append(n.MaybeEvents, r.Event)
				default:
					continue
				}
				if chosen == nil || (chosen.Outcome == cond.Maybe && d.Outcome == cond.In) {
					chosen = &d
				}
			}
			if g.Event != "" {
				if !g.Created || chosen == nil {
					continue // not in this pipeline
				}
				n.Maybe = chosen.Outcome == cond.Maybe
				n.Events, n.MaybeEvents = nil, nil
			}
			describe(n, j.Node, chosen)
			n.Child = in.Children[j.Name]
			if n.Child != nil {
				n.Child.Title = "child pipeline of " + j.Name
			}
			st := stages[stage]
			if st == nil {
				st = &Stage{Name: stage}
				stages[stage] = st
				g.Stages = append(g.Stages, st)
			}
			st.Nodes = append(st.Nodes, n)
			byJob[j] = n
		}
	}
	g.edges(p, byJob)
	g.number()
	return g
}

// describe sets what a node shows of the job: when, allow_failure,
// environment; d is the decision of the pipeline drawn (nil when the job
// is in none).
func describe(n *Node, job *load.Node, d *cond.Decision) {
	n.When = "on_success"
	if w := job.Get("when"); w != nil && w.Kind == load.String {
		n.When = w.Text
	}
	var rule *load.Node
	if d != nil {
		rule = d.Rule
		if d.When != "" {
			n.When = d.When
		}
	}
	if s := firstString(rule.Get("start_in"), job.Get("start_in")); s != "" {
		n.StartIn = s
	}
	// A rule's allow_failure wins over the job's; a manual job outside
	// rules is allowed to fail unless it says otherwise (GitLab's
	// default), one made manual by a rule is not.
	switch af := firstNonNil(rule.Get("allow_failure"), job.Get("allow_failure")); {
	case af != nil:
		n.AllowFailure = (af.Kind == load.Bool && af.Bool) || af.Kind == load.Map
	default:
		n.AllowFailure = n.When == "manual" && job.Get("rules") == nil
	}
	if env := job.Get("environment"); env != nil {
		switch env.Kind {
		case load.String:
			n.Environment = env.Text
		case load.Map:
			n.Environment = firstString(env.Get("name"))
			if a := firstString(env.Get("action")); a != "" && a != "start" {
				n.Action = a
			}
		}
	}
	var buf bytes.Buffer
	if err := render.JSON(&buf, job); err == nil {
		n.signature = buf.String()
	}
	if d != nil {
		n.signature += "\x00" + d.Outcome.String() + "\x00" + n.When
	}
}

func firstString(ns ...*load.Node) string {
	for _, n := range ns {
		if n != nil && n.Kind == load.String && n.Text != "" {
			return n.Text
		}
	}
	return ""
}

func firstNonNil(ns ...*load.Node) *load.Node {
	for _, n := range ns {
		if n != nil {
			return n
		}
	}
	return nil
}

// maxFanIn is the most jobs of a stage drawn as one arrow each to a job
// without needs; past it the arrow comes from the stage.
const maxFanIn = 4

// edges adds needs, stage order, on_stop and child edges between the
// jobs drawn.
func (g *Graph) edges(p *pipeline.Pipeline, byJob map[*pipeline.Job]*Node) {
	stageOf := map[*Node]int{}
	for i, s := range g.Stages {
		for _, n := range s.Nodes {
			stageOf[n] = i
		}
	}
	for _, j := range p.Jobs {
		to := byJob[j]
		if to == nil {
			continue
		}
		if needs := j.Node.Get("needs"); needs != nil && needs.Kind != load.Null {
			seen := map[*Node]bool{}
			for _, need := range pipeline.NeedsOf(needs) {
				from := byJob[p.Job(need.Name)]
				if from == nil || from == to || seen[from] {
					continue
				}
				seen[from] = true
				g.Edges = append(g.Edges, &Edge{From: from, To: to, Kind: Needs, Optional: need.Optional})
			}
		} else if i := stageOf[to]; i > 0 && len(g.Stages[i-1].Nodes) > maxFanIn {
			g.Edges = append(g.Edges, &Edge{FromStage: g.Stages[i-1], To: to, Kind: StageOrder})
		} else if i > 0 {
			for _, from := range g.Stages[i-1].Nodes {
				g.Edges = append(g.Edges, &Edge{From: from, To: to, Kind: StageOrder})
			}
		}
		if env := j.Node.Get("environment"); env != nil && env.Kind == load.Map {
			if stop := byJob[p.Job(firstString(env.Get("on_stop")))]; stop != nil && stop != to {
				g.Edges = append(g.Edges, &Edge{From: to, To: stop, Kind: OnStop})
			}
		}
	}
}

// number gives every node a unique ID (j0, j1, … and c3_j0 inside the
// child pipeline of j3), in drawing order: IDs never contain a job's
// name, so no name can break the syntax around them.
func (g *Graph) number() {
	for i, s := range g.Stages {
		s.ID = fmt.Sprintf("%ss%d", g.prefix, i)
	}
	for i, n := range g.Nodes() {
		n.ID = fmt.Sprintf("%sj%d", g.prefix, i)
		if n.Child != nil {
			n.Child.prefix = fmt.Sprintf("%sc%d_", g.prefix, i)
			n.Child.number()
		}
	}
}

// Compare marks head's jobs and edges added or changed relative to base
// and adds base's removed ones, marked removed, to their stage.
func Compare(base, head *Graph) *Graph {
	out := &Graph{Title: head.Title, Event: head.Event, Created: head.Created}
	baseNodes := map[string]*Node{}
	for _, n := range base.Nodes() {
		baseNodes[n.Name] = n
	}
	copies := map[*Node]*Node{}
	stages := map[string]*Stage{}
	stageFor := func(name string) *Stage {
		if s := stages[name]; s != nil {
			return s
		}
		s := &Stage{Name: name}
		stages[name] = s
		out.Stages = append(out.Stages, s)
		return s
	}
	for _, s := range head.Stages {
		st := stageFor(s.Name)
		for _, n := range s.Nodes {
			c := *n
			switch b := baseNodes[n.Name]; {
			case b == nil:
				c.Change = Added
			case b.signature != n.signature || b.Stage != n.Stage:
				c.Change = Changed
			}
			if b := baseNodes[n.Name]; b != nil && b.Child != nil && n.Child != nil {
				c.Child = Compare(b.Child, n.Child)
			}
			copies[n] = &c
			st.Nodes = append(st.Nodes, &c)
		}
	}
	byName := map[string]*Node{}
	for _, c := range copies {
		byName[c.Name] = c
	}
	for _, s := range base.Stages {
		for _, n := range s.Nodes {
			if byName[n.Name] != nil {
				continue
			}
			c := *n
			c.Change = Removed
			copies[n] = &c
			byName[c.Name] = &c
			st := stageFor(s.Name)
			st.Nodes = append(st.Nodes, &c)
		}
	}
	// Stages new in head stay where head has them; a stage only base has
	// goes after the last stage it preceded in base.
	order := stageOrder(base, head)
	slices.SortStableFunc(out.Stages, func(a, b *Stage) int { return order[a.Name] - order[b.Name] })
	key := func(e *Edge) string {
		if e.FromStage != nil {
			return "stage\x00" + e.FromStage.Name + "\x00" + e.To.Name
		}
		return e.From.Name + "\x00" + e.To.Name + "\x00" + e.Kind.String()
	}
	baseEdges := map[string]bool{}
	for _, e := range base.Edges {
		baseEdges[key(e)] = true
	}
	headEdges := map[string]bool{}
	for _, e := range head.Edges {
		headEdges[key(e)] = true
		c := *e
		c.From, c.To = copies[e.From], copies[e.To]
		if e.FromStage != nil {
			c.FromStage = stageFor(e.FromStage.Name)
		}
		if !baseEdges[key(e)] {
			c.Change = Added
		}
		out.Edges = append(out.Edges, &c)
	}
	for _, e := range base.Edges {
		if headEdges[key(e)] {
			continue
		}
		to := byName[e.To.Name]
		c := *e
		if e.FromStage != nil {
			c.FromStage = stageFor(e.FromStage.Name)
		} else if c.From = byName[e.From.Name]; c.From == nil {
			continue
		}
		if to == nil {
			continue
		}
		c.To, c.Change = to, Removed
		out.Edges = append(out.Edges, &c)
	}
	out.number()
	return out
}

// stageOrder ranks the stages of head, then those only base has right
// after their predecessor in base.
func stageOrder(base, head *Graph) map[string]int {
	order := map[string]int{}
	for i, s := range head.Stages {
		order[s.Name] = i * 2
	}
	last := -1
	for _, s := range base.Stages {
		if r, ok := order[s.Name]; ok {
			last = r
			continue
		}
		order[s.Name] = last + 1
	}
	return order
}

// Summary counts what Compare marked, for a line under the drawing.
func Summary(g *Graph) string {
	count := map[Change]int{}
	for _, n := range g.Nodes() {
		count[n.Change]++
	}
	var parts []string
	for _, c := range []Change{Added, Removed, Changed} {
		if count[c] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", count[c], c))
		}
	}
	if len(parts) == 0 {
		return "no job added, removed or changed"
	}
	return strings.Join(parts, ", ")
}
