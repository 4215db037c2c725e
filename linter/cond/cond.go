// Package cond evaluates a `rules:` list (of a job, of workflow, of an
// include) the way GitLab does, with three-valued logic: what depends on a
// value nobody knows is Maybe, never a guess. include decides
// include:rules with it, simulate a whole pipeline's jobs.
package cond

import (
	"fmt"
	"slices"
	"strings"

	"gitlab.com/trustci/cicd/linter/expr"
	"gitlab.com/trustci/cicd/linter/load"
)

// Facts are what an evaluation knows. A nil field knows nothing.
type Facts struct {
	Vars    expr.Vars
	Exists  func(*load.Node) expr.Truth // rules:exists against the repository
	Changes func(*load.Node) expr.Truth // rules:changes against the changed files
	// Exprs parses each `if` once (nil: every time).
	Exprs *expr.Memo
}

func (f Facts) lookup(name string) (string, bool, bool) {
	if f.Vars == nil {
		return "", false, false
	}
	return f.Vars(name)
}

// Outcome is whether something is in the pipeline.
type Outcome uint8

const (
	Maybe Outcome = iota // depends on something not known
	Out
	In
)

func (o Outcome) String() string {
	return [...]string{"maybe", "no", "yes"}[o]
}

// Decision is the outcome of a rules list, with the `when` that applies
// and the reason, in words.
type Decision struct {
	Outcome Outcome
	When    string
	Why     string
	// Rule is the rule that matched, when one did.
	Rule *load.Node
	// IfError is set when a rule's `if` does not parse (the outcome is then
	// Maybe); IfNode is that `if`, to report the error at.
	IfError *expr.SyntaxError
	IfNode  *load.Node
}

// Rules evaluates a rules: list. Rules are tried in order; the first whose
// conditions all hold decides (`when: never` leaves the thing out,
// anything else puts it in, with defaultWhen unless the rule says);
// when none holds, it is out.
func Rules(list *load.Node, f Facts, defaultWhen string) Decision {
	if list == nil || list.Kind != load.Seq {
		return Decision{Outcome: Maybe, Why: "rules cilint cannot read"}
	}
	for i, rule := range list.Items {
		if rule == nil || rule.Kind != load.Map {
			return Decision{Outcome: Maybe, Why: fmt.Sprintf("rule %d is not a mapping", i+1)}
		}
		t := expr.True
		if n := rule.Get("if"); n != nil && n.Kind == load.String {
			e, err := f.Exprs.Parse(n.Text)
			if err != nil {
				se, _ := err.(*expr.SyntaxError)
				return Decision{Outcome: Maybe, Why: fmt.Sprintf("rule %d: the if does not parse", i+1), IfError: se, IfNode: n}
			}
			t = expr.Eval(e, f.lookup)
		}
		t = expr.Both(t, known(rule.Get("exists"), f.Exists))
		t = expr.Both(t, known(rule.Get("changes"), f.Changes))
		switch t {
		case expr.Unknown:
			return Decision{Outcome: Maybe, Why: fmt.Sprintf("rule %d depends on %s", i+1, unknownPart(rule, f))}
		case expr.True:
			when := defaultWhen
			if w := rule.Get("when"); w != nil && w.Kind == load.String {
				when = w.Text
			}
			if when == "never" {
				return Decision{Outcome: Out, When: when, Why: fmt.Sprintf("rule %d matches with when: never", i+1), Rule: rule}
			}
			return Decision{Outcome: In, When: when, Why: fmt.Sprintf("rule %d matches", i+1), Rule: rule}
		}
	}
	return Decision{Outcome: Out, Why: "no rule matches"}
}

// known decides a rule's exists: or changes: with decide; True when the
// rule has none.
func known(n *load.Node, decide func(*load.Node) expr.Truth) expr.Truth {
	switch {
	case n == nil:
		return expr.True
	case decide == nil:
		return expr.Unknown
	}
	return decide(n)
}

// unknownPart names what a rule depends on, for the reason.
func unknownPart(rule *load.Node, f Facts) string {
	var parts []string
	if n := rule.Get("if"); n != nil && n.Kind == load.String {
		if e, err := f.Exprs.Parse(n.Text); err == nil {
			for _, name := range variables(e) {
				if _, ok, _ := f.lookup(name); !ok && !slices.Contains(parts, "$"+name) {
					parts = append(parts, "$"+name)
				}
			}
		}
	}
	if n := rule.Get("changes"); n != nil && known(n, f.Changes) == expr.Unknown {
		parts = append(parts, "changes (give --changed)")
	}
	if n := rule.Get("exists"); n != nil && known(n, f.Exists) == expr.Unknown {
		parts = append(parts, "exists")
	}
	if len(parts) == 0 {
		return "values not known"
	}
	return strings.Join(parts, ", ")
}

// variables lists the variables an expression reads.
func variables(e *expr.Expr) []string {
	if e == nil {
		return nil
	}
	if e.Kind == expr.Variable {
		return []string{e.Text}
	}
	return append(variables(e.Left), variables(e.Right)...)
}
