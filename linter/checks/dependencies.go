package checks

import (
	"fmt"

	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/pipeline"
	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/linter/suggest"
)

func checkDependencies(c *Context) {
	p := c.P
	for _, j := range p.Jobs {
		deps := j.Node.Get("dependencies")
		if deps == nil || deps.Kind != load.Seq {
			continue
		}
		needsList := j.Node.Get("needs")
		needed := map[string]bool{}
		for _, n := range pipeline.NeedsOf(needsList) {
			needed[n.Name] = true
		}
		for _, d := range deps.Items {
			if d == nil || d.Kind != load.String {
				continue
			}
			target := p.Job(d.Text)
			if target == nil {
				msg := fmt.Sprintf("job `%s` depends on `%s`, which is not a job of this pipeline", j.Name, d.Text)
				if s := suggest.Closest(d.Text, jobNames(p)); s != "" {
					msg += fmt.Sprintf("; did you mean `%s`?", s)
				}
				c.Missing(d.Pos, rules.DependenciesUnknown, "%s", msg)
				continue
			}
			if p.StageIndex(target.Stage) > p.StageIndex(j.Stage) && p.StageIndex(j.Stage) >= 0 {
				c.Report(d.Pos, rules.DependenciesLaterStage, "job `%s` (stage %s) depends on `%s`, which runs later in stage %s", j.Name, j.Stage, d.Text, target.Stage)
			}
			if needsList != nil && needsList.Kind == load.Seq && !needed[d.Text] {
				c.Report(d.Pos, rules.DependenciesNotInNeeds, "job `%s` depends on `%s` but does not need it; with `needs`, every dependency must also be a need", j.Name, d.Text)
			}
		}
	}
}
