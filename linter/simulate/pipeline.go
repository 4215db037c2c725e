package simulate

import (
	"strings"

	"gitlab.com/trustci/cicd/linter/cond"
	"gitlab.com/trustci/cicd/linter/expr"
	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/pipeline"
	"gitlab.com/trustci/cicd/linter/rules"
)

// Job is one job's fate in the simulated pipeline.
type Job struct {
	Name, Stage string
	cond.Decision
}

// Result is the simulated pipeline.
type Result struct {
	Event    string
	Workflow cond.Decision // In: the pipeline is created
	Jobs     []Job         // in stage order, then file order
	// Findings are what GitLab would refuse when it creates this pipeline:
	// a job that needs a job this pipeline does not have.
	Findings []finding.Finding
}

// Run simulates p for an event with vars.
func Run(p *pipeline.Pipeline, event string, vars Variables) *Result {
	res := &Result{Event: event, Workflow: cond.Decision{Outcome: cond.In, When: "always", Why: "no workflow:rules"}}
	if wf := p.Top("workflow"); wf != nil && wf.Kind == load.Map {
		if rl := wf.Get("rules"); rl != nil {
			res.Workflow = cond.Rules(rl, vars.Facts(), "always")
			res.Workflow.Why = "workflow: " + res.Workflow.Why
		}
	}
	if res.Workflow.Outcome == cond.In {
		vars = vars.withWorkflow(res.Workflow.Rule)
	}
	byName := map[*pipeline.Job]cond.Decision{}
	for _, stage := range p.StageNames() {
		for _, j := range p.Jobs {
			if j.Stage != stage {
				continue
			}
			d := job(j, vars.ForJob(j.Node))
			byName[j] = d
			res.Jobs = append(res.Jobs, Job{Name: j.Name, Stage: j.Stage, Decision: d})
		}
	}
	if res.Workflow.Outcome == cond.Out {
		return res
	}
	for _, j := range p.Jobs {
		if byName[j].Outcome != cond.In {
			continue
		}
		for _, n := range pipeline.NeedsOf(j.Node.Get("needs")) {
			target := p.Job(n.Name)
			if target == nil || n.Optional || byName[target].Outcome != cond.Out {
				continue
			}
			res.Findings = append(res.Findings, rules.Newf(rules.NeedsNotInPipeline, n.Node.Pos, "in a %s pipeline, job `%s` needs `%s`, which is not in it (%s); GitLab refuses to create the pipeline: add the same rules to both, or mark the need `optional: true`",
				event, j.Name, n.Name, byName[target].Why))
		}
	}
	return res
}

// job decides one job: rules, else only/except, else GitLab's default
// (only: [branches, tags]).
func job(j *pipeline.Job, vars Variables) cond.Decision {
	when := "on_success"
	if w := j.Node.Get("when"); w != nil && w.Kind == load.String {
		when = w.Text
	}
	if rl := j.Node.Get("rules"); rl != nil {
		return cond.Rules(rl, vars.Facts(), when)
	}
	only, except := j.Node.Get("only"), j.Node.Get("except")
	d := cond.Decision{Outcome: cond.In, When: when, Why: "only: matches"}
	notMatching := "only: does not match"
	if only == nil {
		only = &load.Node{Kind: load.Seq, Items: []*load.Node{{Kind: load.String, Text: "branches"}, {Kind: load.String, Text: "tags"}}}
		d.Why = "no rules: branch and tag pipelines"
		notMatching = "no rules or only:, so only branch and tag pipelines"
	}
	switch filter(only, vars) {
	case expr.False:
		return cond.Decision{Outcome: cond.Out, Why: notMatching}
	case expr.Unknown:
		return cond.Decision{Outcome: cond.Maybe, Why: "only: depends on values not known"}
	}
	if except != nil {
		switch filter(except, vars) {
		case expr.True:
			return cond.Decision{Outcome: cond.Out, Why: "except: matches"}
		case expr.Unknown:
			return cond.Decision{Outcome: cond.Maybe, Why: "except: depends on values not known"}
		}
	}
	if when == "never" {
		return cond.Decision{Outcome: cond.Out, When: when, Why: "when: never"}
	}
	return d
}

// filter evaluates an only: or except: value: refs (a list, or refs:)
// and variables: expressions (any of them).
func filter(f *load.Node, vars Variables) expr.Truth {
	refs := f
	var exprs *load.Node
	if f.Kind == load.Map {
		refs, exprs = f.Get("refs"), f.Get("variables")
		if f.Get("changes") != nil || f.Get("kubernetes") != nil {
			return expr.Unknown
		}
	}
	result := expr.True
	if refs != nil {
		result = anyRef(refs, vars)
	}
	if exprs != nil && result != expr.False {
		v := expr.False
		for _, it := range exprs.Items {
			if it == nil || it.Kind != load.String {
				return expr.Unknown
			}
			e, err := expr.Parse(it.Text)
			if err != nil {
				return expr.Unknown
			}
			v = expr.Either(v, expr.Eval(e, vars.Lookup))
		}
		result = expr.Both(result, v)
	}
	return result
}

// anyRef reports whether one of the refs keywords, names or /patterns/
// matches the pipeline.
func anyRef(refs *load.Node, vars Variables) expr.Truth {
	items := refs.Items
	if refs.Kind == load.String {
		items = []*load.Node{refs}
	}
	source, sourceKnown := vars.Get("CI_PIPELINE_SOURCE")
	result := expr.False
	for _, it := range items {
		if it == nil || it.Kind != load.String {
			return expr.Unknown
		}
		var t expr.Truth
		switch it.Text {
		case "branches":
			t = definedTruth(vars, "CI_COMMIT_BRANCH")
		case "tags":
			t = definedTruth(vars, "CI_COMMIT_TAG")
		case "merge_requests", "schedules", "pushes", "web", "api", "triggers", "pipelines", "external", "chat", "external_pull_requests":
			want := map[string]string{"merge_requests": "merge_request_event", "schedules": "schedule", "pushes": "push",
				"triggers": "trigger", "pipelines": "pipeline", "external_pull_requests": "external_pull_request_event"}[it.Text]
			if want == "" {
				want = it.Text
			}
			t = expr.Unknown
			if sourceKnown {
				t = expr.Of(source == want)
			}
		default:
			t = refName(it.Text, vars)
		}
		result = expr.Either(result, t)
	}
	return result
}

// refName matches a branch or tag name, or a /pattern/, against the ref.
func refName(s string, vars Variables) expr.Truth {
	if b, _, ok := strings.Cut(s, "@"); ok && b != "" {
		return expr.Unknown // another project's refs
	}
	ref, known := vars.Get("CI_COMMIT_REF_NAME")
	if !known {
		return expr.Unknown
	}
	// A /regexp/flags entry, read as GitLab's UntrustedRegexp::RubySyntax.
	if re, matched, err := expr.RubyPattern(s); matched {
		if err != nil {
			return expr.Unknown
		}
		return expr.Of(re.MatchString(ref))
	}
	return expr.Of(s == ref)
}

func definedTruth(vars Variables, name string) expr.Truth {
	_, known, defined := vars.Lookup(name)
	if !known {
		return expr.Unknown
	}
	return expr.Of(defined)
}
