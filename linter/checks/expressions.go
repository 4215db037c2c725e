package checks

import (
	"gitlab.com/trustci/cicd/linter/expr"
	"gitlab.com/trustci/cicd/linter/include"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
)

// checkExpressions parses every rules:if of jobs and of workflow:rules.
func checkExpressions(c *Context) {
	if wf := c.P.Config.Get("workflow"); wf != nil && wf.Kind == load.Map {
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
	}
}

func checkIf(c *Context, rule *load.Node, what string) {
	n := rule.Get("if")
	if n == nil || n.Kind != load.String || n.Text == "" {
		return
	}
	src := n.Text
	if hasInterpolation(src) {
		return // inputs are interpolated before GitLab parses the expression
	}
	if _, err := expr.Parse(src); err != nil {
		se := err.(*expr.SyntaxError)
		c.Report(include.ExprPos(n, se.Offset), rules.Expression, "%s is not a valid expression: %s", what, se.Msg)
	}
}
