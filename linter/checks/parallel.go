package checks

import (
	"math"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/pipeline"
	"gitlab.com/trustci/cicd/linter/rules"
)

// checkParallel: `parallel: N` must be a whole number from 1 to 200 (the
// schema checks the range; GitLab's numericality only_integer also
// refuses 2.0, which JSON Schema calls an integer), and a parallel:matrix,
// of a job or of a need, may make at most 200 jobs
// (lib/gitlab/ci/config/entry/product/parallel.rb, product/matrix.rb:
// "generates too many jobs"). cilint's job names stop at 200; GitLab
// refuses the whole configuration. Trigger jobs take parallel:matrix only
// (bridge.rb@f5c3f32975addd56fe8659f1c346d0e56f0b23d9: allowed_strategies
// matrix; parallel_spec.rb "when :numeric is not allowed").
func checkParallel(c *Context) {
	seen := map[*load.Node]bool{}
	for _, j := range c.P.Jobs {
		par := j.Node.Get("parallel")
		switch {
		case par == nil || seen[par]:
		case j.Trigger && par.Kind == load.Int:
			// Bridges take only the matrix strategy
			// (lib/gitlab/ci/config/entry/bridge.rb, allowed_strategies).
			seen[par] = true
			c.Report(par.Pos, rules.Parallel, "trigger job `%s` cannot use `parallel: %s`; trigger jobs take only `parallel:matrix`", j.Name, par.Text)
		case par.Kind == load.Float && par.Float == math.Trunc(par.Float) && par.Float >= 1 && par.Float <= pipeline.MaxParallel:
			// Other decimals the schema refuses already.
			seen[par] = true
			c.Report(par.Pos, rules.Parallel, "job `%s`: `parallel` must be a whole number such as %d; GitLab does not take %s", j.Name, int64(par.Float), par.Text)
		case par.Kind == load.Map:
			seen[par] = true
			checkMatrixSize(c, j.Name, "parallel:matrix", par.Get("matrix"), keyPos(par, "matrix"))
		}
		lists := []*load.Node{j.Node.Get("needs")}
		for _, r := range flatRules(j.Node.Get("rules")) {
			lists = append(lists, r.Get("needs"))
		}
		for _, list := range lists {
			for _, n := range pipeline.NeedsOf(list) {
				if n.Matrix != nil && !seen[n.Matrix] {
					seen[n.Matrix] = true
					checkMatrixSize(c, j.Name, "needs:parallel:matrix", n.Matrix, n.Matrix.Pos)
				}
			}
		}
	}
}

func checkMatrixSize(c *Context, job, what string, matrix *load.Node, at finding.Pos) {
	if size := pipeline.MatrixSize(matrix); size > pipeline.MaxParallel {
		c.Report(at, rules.Parallel, "job `%s`: `%s` makes %d jobs; GitLab allows at most %d", job, what, size, pipeline.MaxParallel)
	}
}
