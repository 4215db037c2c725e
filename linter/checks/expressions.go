package checks

import (
	"strings"

	"gitlab.com/trustci/cicd/linter/expr"
	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
)

// checkExpressions parses every rules:if of jobs and of workflow:rules
// (Entry::Rules::Rule validates `if` with the `expression` validator: an
// empty string is invalid too), and the only/except of jobs: each
// `variables` entry must be a valid expression and each `refs` entry that
// looks like /regexp/flags must be valid RE2 (Entry::Policy, with the
// array_of_strings_or_regexps validator of
// lib/gitlab/ci/config/entry/validators.rb).
func checkExpressions(c *Context) {
	if wf := c.P.Top("workflow"); wf != nil && wf.Kind == load.Map {
		for _, r := range flatRules(wf.Get("rules")) {
			checkIf(c, r, "workflow:rules:if")
		}
	}
	seen := map[*load.Node]bool{}
	for _, j := range c.P.Jobs {
		for _, r := range flatRules(j.Node.Get("rules")) {
			if !seen[r] { // rules shared through anchors or !reference: report once
				seen[r] = true
				checkIf(c, r, "rules:if")
			}
		}
		for _, k := range []string{"only", "except"} {
			if p := j.Node.Get(k); p != nil && !seen[p] {
				seen[p] = true
				checkPolicy(c, p, k)
			}
		}
	}
}

func checkIf(c *Context, rule *load.Node, what string) {
	n := rule.Get("if")
	if n == nil || n.Kind != load.String {
		return
	}
	checkExpression(c, n, what)
}

func checkExpression(c *Context, n *load.Node, what string) {
	if strings.TrimSpace(n.Text) == "" || hasInterpolation(n.Text) {
		return // the schema reports an empty string; inputs are interpolated before GitLab parses the expression
	}
	e, err := c.Exprs.Parse(n.Text)
	if err != nil {
		se := err.(*expr.SyntaxError)
		c.Report(n.TextPos(se.Offset), rules.Expression, "%s is not a valid expression: %s", what, se.Msg)
		return
	}
	for _, m := range expr.SubstringMatches(e) {
		op, means := "=~", "whether the left side occurs in %q (so an empty or undefined left side matches too)"
		if m.Kind == expr.NoMatch {
			op, means = "!~", "that the left side does not occur in %q (so an empty or undefined left side never passes)"
		}
		c.findings = append(c.findings, rules.Soften(rules.Newf(rules.Expression, n.TextPos(m.Right.Offset),
			"%s: the quoted string after %s is not a pattern; GitLab checks "+means+"; write /%s/ to match a pattern, or compare with == or !=",
			what, op, m.Right.Text, m.Right.Text), finding.Warning, rules.Accepted))
	}
}

// checkPolicy checks an only: or except: value: a list of refs, or a
// mapping with refs: and variables: lists.
func checkPolicy(c *Context, p *load.Node, key string) {
	switch p.Kind {
	case load.Seq:
		checkRefs(c, p, key)
	case load.Map:
		if refs := p.Get("refs"); refs != nil && refs.Kind == load.Seq {
			checkRefs(c, refs, key+":refs")
		}
		if vars := p.Get("variables"); vars != nil && vars.Kind == load.Seq {
			for _, it := range vars.Items {
				if it != nil && it.Kind == load.String {
					checkExpression(c, it, key+":variables")
				}
			}
		}
	}
}

func checkRefs(c *Context, refs *load.Node, what string) {
	for _, it := range refs.Items {
		if it == nil || it.Kind != load.String || hasInterpolation(it.Text) {
			continue
		}
		if _, matched, err := expr.RubyPattern(it.Text); matched && err != nil {
			c.Report(it.Pos, rules.Expression, "%s entry %s is not a valid RE2 regular expression: %v; GitLab refuses the configuration", what, it.Text, err)
		}
	}
}
