// Package checks holds the checks GitLab makes when it creates a pipeline,
// and the hygiene warnings users ask for, each a small function over the
// built pipeline. One file per concern; every rule ID they report is in
// package rules and documented in docs/rules.md.
package checks

import (
	"context"
	"fmt"

	"gitlab.com/trustci/cicd/linter/expr"
	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/pipeline"
	"gitlab.com/trustci/cicd/linter/rules"
)

// Context is what a check sees: the pipeline and the file sources, and
// where it reports.
type Context struct {
	P        *pipeline.Pipeline
	Sources  map[string][]byte
	findings []finding.Finding
	shells   map[*pipeline.Job]Shell // shellOf's answers
	groups   []ScriptGroup           // ScriptGroups' answer
	// Exprs parses each expression once (nil: every time).
	Exprs *expr.Memo
	// Scripts keeps parsed scripts across runs (nil: parse every time).
	Scripts *ScriptMemo
}

// Report adds a finding with the rule's default severity.
func (c *Context) Report(pos finding.Pos, rule, format string, args ...any) {
	c.findings = append(c.findings, rules.Newf(rule, pos, format, args...))
}

// Missing reports a reference to something that does not exist: an
// error, or a warning when an unresolved include could define it.
func (c *Context) Missing(pos finding.Pos, rule, format string, args ...any) {
	c.findings = append(c.findings, c.P.Missing(pos, rule, fmt.Sprintf(format, args...)))
}

// A check inspects the pipeline and reports.
type check func(*Context)

func all() []check {
	return []check{
		checkJobs,
		checkStages,
		checkNeeds,
		checkDependencies,
		checkEnvironments,
		checkExpressions,
		checkScripts,
		checkDurations,
		checkParallel,
		checkHygiene,
	}
}

// Run runs every check. With shellcheck set to ShellCheck's path, it also
// runs ShellCheck over the scripts; the error is for ShellCheck failing.
//
// exprs, when not nil, keeps the expressions parsed for the next run (the
// variants and child pipelines of one lint share it); scripts, when not
// nil, the scripts parsed (a long-lived Linter keeps it across lints).
func Run(ctx context.Context, p *pipeline.Pipeline, sources map[string][]byte, shellcheck string, exprs *expr.Memo, scripts *ScriptMemo) ([]finding.Finding, error) {
	c := &Context{P: p, Sources: sources, Exprs: exprs, Scripts: scripts}
	for _, chk := range all() {
		chk(c)
	}
	if shellcheck != "" {
		if err := Shellcheck(ctx, c, shellcheck); err != nil {
			return c.findings, err
		}
	}
	return c.findings, nil
}

// keyPos is where key name is written in mapping m, or m's position.
func keyPos(m *load.Node, name string) finding.Pos {
	if p := m.Pair(name); p != nil {
		return p.Key.Pos
	}
	return m.Pos
}
