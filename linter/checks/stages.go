package checks

import (
	"strings"

	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/linter/suggest"
)

func checkStages(c *Context) {
	names := c.P.StageNames()
	for _, j := range c.P.Jobs {
		if c.P.StageIndex(j.Stage) >= 0 || strings.Contains(j.Stage, "$[[") {
			continue
		}
		pos := j.Key.Pos
		if j.StageNode != nil {
			pos = j.StageNode.Pos
		}
		msg := "job `" + j.Name + "` uses stage `" + j.Stage + "`, which is not defined; the stages are " + strings.Join(names, ", ")
		if j.StageNode == nil {
			msg = "job `" + j.Name + "` has no stage, so it is in `test`, which `stages` does not list; the stages are " + strings.Join(names, ", ")
		}
		if s := suggest.Closest(j.Stage, names); s != "" {
			msg += "; did you mean `" + s + "`?"
		}
		if c.P.Template && c.P.StagesDeclared {
			// A pipeline with inputs that declares its stages must use them.
			c.Report(pos, rules.StageUndefined, "%s", msg)
			continue
		}
		c.Missing(pos, rules.StageUndefined, "%s", msg)
	}
}
