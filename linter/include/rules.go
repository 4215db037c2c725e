package include

import (
	"strings"

	"gitlab.com/trustci/cicd/linter/cond"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
)

type decision uint8

const (
	included decision = iota
	excluded
	undecided
)

// decide evaluates include:rules with package cond: the first rule whose
// conditions all hold decides (when: never excludes, anything else
// includes); when none holds the file is excluded. `exists` is decided on
// this repository, `if` only with known variables (none, unless cilint jobs
// gives an event's), `changes` never. A rule whose `if` does not parse is
// reported here, and the file counted as included: no second word.
// why says, for an undecided list, what it depends on.
func (r *Resolver) decide(list *load.Node) (decision, string) {
	d := cond.Rules(list, cond.Facts{Vars: r.opts.Vars, Exists: r.repo.Exists, Exprs: r.opts.Cache.exprs}, "always")
	switch {
	case d.IfError != nil:
		r.res.Findings = append(r.res.Findings, rules.New(rules.Expression, d.IfNode.TextPos(d.IfError.Offset),
			"include:rules:if is not a valid expression: "+d.IfError.Msg))
		return included, ""
	case d.Outcome == cond.In:
		return included, ""
	case d.Outcome == cond.Out:
		return excluded, ""
	}
	return undecided, strings.Replace(d.Why, "rule ", "its include:rules rule ", 1)
}
