// Package simulate answers which jobs a pipeline of a given kind (a merge
// request, a push to a branch, a tag, a schedule) gets: it evaluates
// workflow:rules, each job's rules (with package cond) or only/except, and
// the `needs` that pipeline creation then checks, with the variables GitLab
// predefines for that kind and the ones the user gives. What depends on a
// variable nobody gave stays "maybe": the answer is never a guess.
package simulate

import (
	"maps"
	"slices"
	"strings"

	"gitlab.com/trustci/cicd/linter/cond"
	"gitlab.com/trustci/cicd/linter/expr"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/pipeline"
)

// Event is a kind of pipeline with the variables GitLab predefines for it.
type Event struct {
	Name string
	// Vars are known values; Undefined are variables GitLab does not set
	// for this kind (so `$CI_COMMIT_TAG` is false in a branch pipeline).
	Vars      map[string]string
	Undefined []string
	// ChangesAlways is true where GitLab has no push to compare with (tags,
	// schedules): there rules:changes always holds.
	ChangesAlways bool
}

// Events are the kinds cilint knows, by name. Branch names are examples a
// user overrides with --var (CI_COMMIT_BRANCH=main for a push to main).
func Events() map[string]Event {
	common := map[string]string{"CI_DEFAULT_BRANCH": "main", "CI": "true", "GITLAB_CI": "true"}
	with := func(m map[string]string) map[string]string {
		out := maps.Clone(common)
		maps.Copy(out, m)
		return out
	}
	return map[string]Event{
		"merge_request": {Name: "merge_request", Vars: with(map[string]string{
			"CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": "1", "CI_MERGE_REQUEST_ID": "1",
			"CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "feature", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
			"CI_MERGE_REQUEST_EVENT_TYPE": "detached", "CI_COMMIT_REF_NAME": "feature"}),
			Undefined: []string{"CI_COMMIT_BRANCH", "CI_COMMIT_TAG"}},
		"push": {Name: "push", Vars: with(map[string]string{
			"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "feature", "CI_COMMIT_REF_NAME": "feature"}),
			Undefined: []string{"CI_COMMIT_TAG", "CI_MERGE_REQUEST_IID", "CI_MERGE_REQUEST_ID"}},
		"tag": {Name: "tag", Vars: with(map[string]string{
			"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_TAG": "v1.0.0", "CI_COMMIT_REF_NAME": "v1.0.0"}),
			Undefined: []string{"CI_COMMIT_BRANCH", "CI_MERGE_REQUEST_IID", "CI_MERGE_REQUEST_ID", "CI_OPEN_MERGE_REQUESTS"}, ChangesAlways: true},
		"schedule": {Name: "schedule", Vars: with(map[string]string{
			"CI_PIPELINE_SOURCE": "schedule", "CI_COMMIT_BRANCH": "main", "CI_COMMIT_REF_NAME": "main"}),
			Undefined: []string{"CI_COMMIT_TAG", "CI_MERGE_REQUEST_IID", "CI_MERGE_REQUEST_ID", "CI_OPEN_MERGE_REQUESTS"}, ChangesAlways: true},
	}
}

// EventNames lists the events, sorted, for messages.
func EventNames() []string { return slices.Sorted(maps.Keys(Events())) }

// Variables are what an evaluation knows: variables and, when given, the
// repository's files (for rules:exists).
type Variables struct {
	values    map[string]string
	undefined map[string]bool
	exists    func(*load.Node) expr.Truth
	// changes decides rules:changes; nil means unknown.
	changes func(*load.Node) expr.Truth
}

// WithChanges lets rules:changes be decided by changes: files changed in
// the merge request or push, matched by repo.Changes.
func (v Variables) WithChanges(changes func(*load.Node) expr.Truth) Variables {
	v.changes = changes
	return v
}

// WithFiles lets rules:exists be decided by exists (repo.Checkout.Exists).
func (v Variables) WithFiles(exists func(*load.Node) expr.Truth) Variables {
	v.exists = exists
	return v
}

// NewVariables combines an event's variables, the pipeline's own global
// variables with literal values, and the user's (last wins). A user value
// that refers to the branch also sets CI_COMMIT_REF_NAME.
func NewVariables(ev Event, config *load.Node, user map[string]string) Variables {
	v := Variables{values: maps.Clone(ev.Vars), undefined: map[string]bool{}}
	if ev.ChangesAlways {
		v.changes = func(*load.Node) expr.Truth { return expr.True }
	}
	if v.values == nil {
		v.values = map[string]string{}
	}
	for _, name := range ev.Undefined {
		v.undefined[name] = true
	}
	if config != nil {
		literals(config.Get("variables"), v.values)
	}
	for k, val := range user {
		v.values[k] = val
		delete(v.undefined, k)
		if k == "CI_COMMIT_BRANCH" || k == "CI_COMMIT_TAG" {
			v.values["CI_COMMIT_REF_NAME"] = val
		}
	}
	return v
}

// literals copies the variables of a variables: mapping that have literal
// values (no reference to another variable) into into.
func literals(vars *load.Node, into map[string]string) {
	if vars == nil || vars.Kind != load.Map {
		return
	}
	for _, p := range vars.Pairs {
		val := pipeline.VariableValue(p.Value)
		if val != nil && val.Kind != load.Map && val.Kind != load.Seq && !strings.Contains(val.Name(), "$") {
			into[p.Key.Name()] = val.Name()
		}
	}
}

// ForJob is what a job's rules see: v, then the job's own variables
// (GitLab evaluates rules:if with them), with parallel:matrix variables
// unknown, since they differ between the job's instances.
func (v Variables) ForJob(job *load.Node) Variables {
	vars, par := job.Get("variables"), job.Get("parallel")
	if vars == nil && par == nil {
		return v
	}
	out := Variables{values: maps.Clone(v.values), undefined: maps.Clone(v.undefined), exists: v.exists, changes: v.changes}
	literals(vars, out.values)
	if par != nil && par.Kind == load.Map {
		if m := par.Get("matrix"); m != nil && m.Kind == load.Seq {
			for _, combo := range m.Items {
				if combo == nil || combo.Kind != load.Map {
					continue
				}
				for _, p := range combo.Pairs {
					delete(out.values, p.Key.Name())
					delete(out.undefined, p.Key.Name())
				}
			}
		}
	}
	return out
}

// withWorkflow adds the variables of the workflow rule that matched:
// GitLab sets them for every job of the pipeline.
func (v Variables) withWorkflow(rule *load.Node) Variables {
	if rule == nil || rule.Get("variables") == nil {
		return v
	}
	out := Variables{values: maps.Clone(v.values), undefined: maps.Clone(v.undefined), exists: v.exists, changes: v.changes}
	literals(rule.Get("variables"), out.values)
	for k := range out.values {
		delete(out.undefined, k)
	}
	return out
}

// Lookup is the expr.Vars view of v.
func (v Variables) Lookup(name string) (string, bool, bool) {
	if val, ok := v.values[name]; ok {
		return val, true, true
	}
	if v.undefined[name] {
		return "", true, false
	}
	return "", false, false
}

// Get returns a known value.
func (v Variables) Get(name string) (string, bool) {
	val, ok := v.values[name]
	return val, ok
}

// Facts is what rules evaluation knows from v.
func (v Variables) Facts() cond.Facts {
	return cond.Facts{Vars: v.Lookup, Exists: v.exists, Changes: v.changes}
}
