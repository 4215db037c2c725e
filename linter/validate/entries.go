package validate

import (
	"fmt"
	"strings"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
)

// Checks GitLab's entries make that the schema cannot express: they depend
// on a key's YAML type, on a job's name, or on keys written without a value
// (which the schema never sees, see toJSON).

// entryFindings checks the top-level entries of root.
func entryFindings(root *load.Node) []finding.Finding {
	if root == nil || root.Kind != load.Map {
		return nil
	}
	out := variableValueFindings(root)
	for _, p := range root.Pairs {
		if jobKeyInvalid(p.Key) {
			continue // checks' job-name reports it
		}
		name := p.Key.Name()
		switch {
		case name == "variables":
			out = append(out, valuesInOptions(p.Value)...)
		case name == "workflow":
			out = append(out, emptyRules(p.Value.Get("rules"), "", "workflow:rules")...)
		case name == "include":
			out = append(out, emptyIncludeRules(p.Value)...)
		case isGlobal(name) || len(name) > 0 && name[0] == '.' || p.Value == nil || p.Value.Kind != load.Map:
			// Hidden jobs are templates: GitLab validates only what extends them.
		default:
			out = append(out, emptyRules(p.Value.Get("rules"), name, "rules")...)
			out = append(out, publishOutsidePages(name, p.Value)...)
			out = append(out, scriptAndRun(name, p.Value)...)
		}
	}
	return out
}

// jobKeyInvalid reports a top-level key GitLab cannot take as a job
// name (an empty key, or one YAML reads as a number, boolean or null):
// the job-name check in package checks reports it, once.
func jobKeyInvalid(key *load.Node) bool {
	switch key.Kind {
	case load.String:
		return key.Text == ""
	case load.Null, load.Bool, load.Int, load.Float:
		return true
	}
	return false
}

// isBlank is Ruby's blank? for a string: empty or only whitespace.
func isBlank(s string) bool {
	for _, r := range s {
		switch r {
		case ' ', '\t', '\n', '\v', '\f', '\r', '\u00a0', '\u2000', '\u3000':
		default:
			return false
		}
	}
	return true
}

// emptyRules reports rules written as an empty mapping:
// lib/gitlab/ci/config/entry/rules/rule.rb validates a rule's presence (a
// rule whose keys are all empty is present, so it passes). list is a job's or workflow's rules: value; nested lists count
// as flattened (rules.rb).
func emptyRules(list *load.Node, job, path string) []finding.Finding {
	if list == nil || list.Kind != load.Seq {
		return nil
	}
	var out []finding.Finding
	var walk func(n *load.Node, path string, depth int)
	walk = func(n *load.Node, path string, depth int) {
		if depth > maxRuleNesting {
			return
		}
		for i, it := range n.Items {
			at := fmt.Sprintf("%s[%d]", path, i)
			switch {
			case it == nil:
			case it.Kind == load.Seq:
				walk(it, at, depth+1)
			case it.Kind == load.Map && len(it.Pairs) == 0:
				msg := fmt.Sprintf("`%s` is an empty rule; a rule needs if, changes, exists or when", at)
				if job != "" {
					msg = fmt.Sprintf("job `%s`: %s", job, msg)
				}
				out = append(out, rules.New(rules.Schema, it.Pos, msg))
			}
		}
	}
	walk(list, path, 0)
	return out
}

// maxRuleNesting is processable.rb's MAX_NESTING_LEVEL for rules.
const maxRuleNesting = 10

// emptyIncludeRules checks the rules of each include (include/rules/rule.rb
// validates presence too).
func emptyIncludeRules(inc *load.Node) []finding.Finding {
	items := []*load.Node{inc}
	if inc != nil && inc.Kind == load.Seq {
		items = inc.Items
	}
	var out []finding.Finding
	for i, it := range items {
		if it == nil || it.Kind != load.Map {
			continue
		}
		path := "include:rules"
		if inc.Kind == load.Seq {
			path = fmt.Sprintf("include[%d]:rules", i)
		}
		out = append(out, emptyRules(it.Get("rules"), "", path)...)
	}
	return out
}

// publishOutsidePages reports publish: on a job that is not a pages job:
// lib/gitlab/ci/config/entry/job.rb allows it only when pages: is set, or
// the job is named pages and does not say pages: false.
func publishOutsidePages(name string, job *load.Node) []finding.Finding {
	p := job.Pair("publish")
	if p == nil || isNull(p.Value) {
		return nil
	}
	pages := job.Get("pages")
	if present(pages) || (name == "pages" && !(pages != nil && pages.Kind == load.Bool && !pages.Bool)) {
		return nil
	}
	return []finding.Finding{rules.Newf(rules.Schema, p.Key.Pos,
		"job `%s`: `publish` only works in a pages job; name the job pages or set `pages:` (or use `pages:publish`)", name).Until(spanEnd(p.Key))}
}

// valuesInOptions reports global variables whose value is not one of their
// options: lib/gitlab/ci/config/entry/variable.rb adds "value must be
// present in options" when options are given (a missing value is not
// among them either). Ruby compares the loaded values, so the boolean
// true is not the option "true".
func valuesInOptions(vars *load.Node) []finding.Finding {
	if vars == nil || vars.Kind != load.Map {
		return nil
	}
	var out []finding.Finding
next:
	for _, p := range vars.Pairs {
		v := p.Value
		if v == nil || v.Kind != load.Map {
			continue
		}
		opts := v.Get("options")
		if opts == nil || opts.Kind != load.Seq || len(opts.Items) == 0 {
			continue
		}
		var texts []string
		found := false
		val := v.Get("value")
		for _, o := range opts.Items {
			if o == nil || o.Kind != load.String || opaque(o) {
				continue next // not strings: the schema reports it; interpolated: unknown
			}
			texts = append(texts, o.Text)
			found = found || (val != nil && val.Kind == load.String && val.Text == o.Text)
		}
		if found || opaque(val) {
			continue
		}
		at, got := v.Pair("options").Key, "no value"
		if vp := v.Pair("value"); vp != nil && !isNull(vp.Value) {
			at, got = vp.Value, valueText(vp.Value)
		}
		out = append(out, rules.Newf(rules.Schema, at.Pos, "`variables:%s:value` must be one of its options (%s); got %s", p.Key.Name(), strings.Join(texts, ", "), got).Until(spanEnd(at)))
	}
	return out
}

// scriptAndRun reports a job with both script and run: job.rb validates
// them as mutually exclusive keys (written at all, even empty).
func scriptAndRun(name string, job *load.Node) []finding.Finding {
	run := job.Pair("run")
	if run == nil || job.Pair("script") == nil {
		return nil
	}
	return []finding.Finding{rules.Newf(rules.Schema, run.Key.Pos,
		"job `%s`: `run` and `script` cannot be used together; a job runs either steps or a script", name).Until(spanEnd(run.Key))}
}

// present is Ruby's present? for a keyword value: not nil, false, an empty
// string, list or mapping.
func present(n *load.Node) bool {
	if n == nil {
		return false
	}
	switch n.Kind {
	case load.Null:
		return false
	case load.Bool:
		return n.Bool
	case load.String:
		return !isBlank(n.Text)
	case load.Seq:
		return len(n.Items) > 0
	case load.Map:
		return len(n.Pairs) > 0
	}
	return true
}
