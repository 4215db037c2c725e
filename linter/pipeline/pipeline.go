// Package pipeline builds the configuration GitLab runs from the
// include-merged document: `extends` (extends.go), `!reference`
// (reference.go), `default:` and `inherit:` (default.go), stages, and job
// names after `parallel` expansion (matrix.go). Every value keeps the
// position it was written at, whichever file that was.
package pipeline

import (
	"fmt"
	"slices"
	"strings"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/linter/unresolved"
)

// GlobalKeywords are the top-level keys that are not jobs.
func GlobalKeywords() []string {
	return []string{"default", "include", "stages", "variables", "workflow", "spec",
		"image", "services", "cache", "before_script", "after_script"}
}

// Stage is one stage with where it was declared (nil for the built-in
// .pre, .post and the default stages).
type Stage struct {
	Name string
	Node *load.Node
}

// Job is one visible job.
type Job struct {
	Name string
	Key  *load.Node // the job's key, where it is named
	// Node is the job's mapping after extends, !reference and defaults.
	Node *load.Node
	// Stage is the job's stage ("test" when not set); StageNode is the
	// value it came from, or nil.
	Stage     string
	StageNode *load.Node
	// Names are the job names after parallel expansion (just Name without
	// parallel).
	Names []string
	// Trigger is true for trigger (bridge) jobs.
	Trigger bool
}

// Pipeline is the configuration as GitLab sees it when it creates a
// pipeline.
type Pipeline struct {
	// Config is the merged configuration after includes, extends and
	// !reference, before defaults are applied: what `cilint render` prints
	// and the schema validates.
	Config         *load.Node
	Stages         []Stage
	stageIndex     map[string]int // the first position of each stage name
	StagesDeclared bool
	Jobs           []*Job
	jobIndex       map[string]*Job
	topIndex       map[string]*load.Pair // Config's entries by name
	// Unresolved lists includes whose content is unknown.
	Unresolved []unresolved.Include
	// Template is true when the linted file has a spec: header: a
	// component or a pipeline with inputs, whose stages may be declared by
	// the pipelines that include it.
	Template bool
	// ExtendsFailed names the entries whose extends could not be applied
	// (already reported): checks on their content would only repeat it.
	ExtendsFailed map[string]bool
	Findings      []finding.Finding
}

// Job returns the visible job named name, or nil. Names after parallel
// expansion ("build 1/2", "test: [a]") return their job too.
func (p *Pipeline) Job(name string) *Job { return p.jobIndex[name] }

// StageIndex is the position of stage name in the pipeline, or -1.
func (p *Pipeline) StageIndex(name string) int {
	if p.stageIndex == nil {
		// A Pipeline built by hand (tests) has no index yet.
		return slices.IndexFunc(p.Stages, func(s Stage) bool { return s.Name == name })
	}
	if i, ok := p.stageIndex[name]; ok {
		return i
	}
	return -1
}

// Top is the top-level entry name of the configuration, or nil, found
// through an index: checks look global keywords up once per job.
func (p *Pipeline) Top(name string) *load.Node {
	if e := p.TopPair(name); e != nil {
		return e.Value
	}
	return nil
}

// TopPair is the top-level entry name (key and value), or nil.
func (p *Pipeline) TopPair(name string) *load.Pair {
	if p.topIndex == nil {
		return p.Config.Pair(name)
	}
	return p.topIndex[name]
}

// StageNames lists the stages in order.
func (p *Pipeline) StageNames() []string {
	out := make([]string, len(p.Stages))
	for i, s := range p.Stages {
		out[i] = s.Name
	}
	return out
}

// Hidden reports whether a top-level key is a hidden job (a template).
func Hidden(name string) bool { return strings.HasPrefix(name, ".") }

// Build turns the include-merged configuration into a Pipeline.
func Build(config *load.Node, unresolved []unresolved.Include) *Pipeline {
	p := &Pipeline{Unresolved: unresolved, jobIndex: map[string]*Job{}, ExtendsFailed: map[string]bool{}}
	if config == nil || config.Kind != load.Map {
		return p
	}
	b := &builder{p: p}
	config = b.extends(config)
	config = b.references(config)
	p.Config = config
	p.topIndex = topIndex(config)
	b.stages()
	b.jobs()
	return p
}

type builder struct {
	p *Pipeline
}

func (b *builder) report(pos finding.Pos, rule, format string, args ...any) {
	b.p.Findings = append(b.p.Findings, rules.Newf(rule, pos, format, args...))
}

// Missing reports that name, which something refers to, does not exist.
// It is an error unless an unresolved include could define it: then it is a
// warning that names those includes.
func (p *Pipeline) Missing(pos finding.Pos, rule, msg string) finding.Finding {
	f := rules.New(rule, pos, msg)
	if p.Template {
		// A template linted on its own refers to what the pipelines that
		// include it define.
		f.Message += " (pipelines that include this file must define it)"
		return rules.Soften(f, finding.Warning, rules.Unresolved)
	}
	if len(p.Unresolved) > 0 {
		f = rules.Soften(f, finding.Warning, rules.Unresolved)
		names := make([]string, 0, len(p.Unresolved))
		for _, u := range p.Unresolved {
			names = append(names, u.String())
		}
		if len(names) > 3 {
			names = append(names[:3], fmt.Sprintf("and %d more", len(names)-3))
		}
		f.Message += " (it may come from " + strings.Join(names, ", ") + ", which cilint did not read)"
	}
	return f
}

func (b *builder) stages() {
	p := b.p
	p.Stages = []Stage{{Name: ".pre"}}
	if s := p.Top("stages"); s != nil && s.Kind == load.Seq {
		p.StagesDeclared = true
		var flatten func(n *load.Node)
		flatten = func(n *load.Node) {
			switch {
			case n == nil:
			case n.Kind == load.Seq:
				for _, it := range n.Items {
					flatten(it)
				}
			case n.IsScalar() && n.Kind != load.Null:
				if n.Name() != ".pre" && n.Name() != ".post" {
					p.Stages = append(p.Stages, Stage{Name: n.Name(), Node: n})
				}
			}
		}
		flatten(s)
	} else {
		for _, name := range []string{"build", "test", "deploy"} {
			p.Stages = append(p.Stages, Stage{Name: name})
		}
	}
	p.Stages = append(p.Stages, Stage{Name: ".post"})
	p.stageIndex = make(map[string]int, len(p.Stages))
	for i, s := range p.Stages {
		if _, ok := p.stageIndex[s.Name]; !ok {
			p.stageIndex[s.Name] = i
		}
	}
}

func (b *builder) jobs() {
	p := b.p
	defaults := defaultsOf(p.Config)
	globals := map[string]bool{}
	for _, k := range GlobalKeywords() {
		globals[k] = true
	}
	size := &sizer{memo: map[*load.Node]int{}}
	total := 0
	for _, pair := range p.Config.Pairs {
		name := pair.Key.Name()
		if Hidden(name) || globals[name] || pair.Value == nil || pair.Value.Kind != load.Map {
			continue
		}
		j := &Job{Name: name, Key: pair.Key, Stage: "test", Node: pair.Value}
		j.Trigger = j.Node.Get("trigger") != nil
		if !j.Trigger {
			// Trigger jobs take none of the job defaults.
			j.Node = applyDefaults(pair.Value, defaults)
		}
		if s := j.Node.Get("stage"); s != nil && s.IsScalar() && s.Kind != load.Null {
			j.Stage, j.StageNode = s.Name(), s
		}
		j.Names = expandNames(name, j.Node.Get("parallel"))
		// Every check walks every job: jobs that share one large base
		// through extends would make that work grow with jobs × base.
		if total += size.of(j.Node); total > maxJobsSize {
			b.report(pair.Key.Pos, rules.Extends,
				"with `%s`, the jobs expand to more than %d values (through extends, !reference and default:), more than GitLab can build a pipeline from; cilint checks only the jobs before it", name, maxJobsSize)
			return
		}
		p.Jobs = append(p.Jobs, j)
		p.jobIndex[name] = j
		for _, n := range j.Names {
			p.jobIndex[n] = j
		}
	}
}

// maxJobsSize bounds the values of all jobs together once extends,
// !reference and default: are applied, counting a shared value once per
// job that has it (the work every check does). It is the same bound as
// the values references may add (maxReferenceExpansion): real pipelines
// of thousands of jobs stay far below it.
const maxJobsSize = maxReferenceExpansion

// sizer counts the values under a node, each distinct node once (shared
// subtrees are measured once and counted wherever they appear).
type sizer struct {
	memo map[*load.Node]int
}

func (s *sizer) of(n *load.Node) int {
	if n == nil {
		return 0
	}
	if v, ok := s.memo[n]; ok {
		return v
	}
	total := 1
	for _, it := range n.Items {
		total = min(total+s.of(it), maxJobsSize+1)
	}
	for _, p := range n.Pairs {
		total = min(total+1+s.of(p.Value), maxJobsSize+1)
	}
	s.memo[n] = total
	return total
}
