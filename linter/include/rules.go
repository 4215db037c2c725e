package include

import (
	"gitlab.com/trustci/cicd/linter/expr"
	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
)

type decision uint8

const (
	included decision = iota
	excluded
	undecided
)

// decide evaluates include:rules offline. Rules are tried in order; the
// first whose conditions all hold decides (when: never excludes, anything
// else includes); when none holds the file is excluded. Only `exists` on
// this repository is known offline; `if` is known only when it uses no
// variables, and `changes` never is.
func (r *Resolver) decide(list *load.Node) decision {
	if list.Kind != load.Seq {
		return undecided
	}
	for _, rule := range list.Items {
		if rule == nil || rule.Kind != load.Map {
			return undecided
		}
		t, broken := r.holds(rule)
		if broken {
			return included // the expression error is reported; no second word
		}
		if t == expr.Unknown {
			return undecided
		}
		if t == expr.True {
			if w := rule.Get("when"); w != nil && w.Kind == load.String && w.Text == "never" {
				return excluded
			}
			return included
		}
	}
	return excluded
}

// holds evaluates one rule's conditions (they all must hold). broken is
// true when its `if` does not parse (and was reported).
func (r *Resolver) holds(rule *load.Node) (truth expr.Truth, broken bool) {
	result := expr.True
	and := func(t expr.Truth) {
		switch {
		case result == expr.False || t == expr.False:
			result = expr.False
		case t == expr.Unknown:
			result = expr.Unknown
		}
	}
	if n := rule.Get("if"); n != nil && n.Kind == load.String {
		e, err := expr.Parse(n.Text)
		if err != nil {
			se := err.(*expr.SyntaxError)
			r.res.Findings = append(r.res.Findings, finding.Finding{Pos: ExprPos(n, se.Offset), Severity: finding.Error,
				Rule: rules.Expression, Message: "include:rules:if is not a valid expression: " + se.Msg})
			return expr.Unknown, true
		}
		vars := r.opts.Vars
		if vars == nil {
			vars = func(string) (string, bool, bool) { return "", false, false }
		}
		and(expr.Eval(e, vars))
	}
	if n := rule.Get("exists"); n != nil {
		and(r.repo.Exists(n))
	}
	if rule.Get("changes") != nil {
		and(expr.Unknown)
	}
	return result, false
}

// ExprPos is the position of byte offset in an expression written as the
// scalar n, assuming it sits on one line (quoted scalars start one column
// later).
func ExprPos(n *load.Node, offset int) finding.Pos {
	pos := n.Pos
	if !n.Plain && n.Kind == load.String && pos.Line > 0 {
		pos.Col++ // the opening quote
	}
	pos.Col += len([]rune(n.Text[:min(offset, len(n.Text))]))
	return pos
}
