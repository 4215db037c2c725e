package checks

import (
	"fmt"
	"strings"

	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/matrixref"
	"gitlab.com/trustci/cicd/linter/pipeline"
	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/linter/suggest"
)

// maxNeeds is GitLab's ci_needs_size_limit.
const maxNeeds = 50

func jobNames(p *pipeline.Pipeline) []string {
	names := make([]string, len(p.Jobs))
	for i, j := range p.Jobs {
		names[i] = j.Name
	}
	return names
}

func checkNeeds(c *Context) {
	p := c.P
	graph := map[*pipeline.Job][]edge{}
	for _, j := range p.Jobs {
		lists := []*load.Node{j.Node.Get("needs")}
		if rl := j.Node.Get("rules"); rl != nil {
			for _, r := range flatRules(rl) {
				lists = append(lists, r.Get("needs"))
			}
		}
		for li, list := range lists {
			needs := pipeline.NeedsOf(list)
			if li == 0 && list != nil && list.Kind == load.Seq && len(list.Items) > maxNeeds {
				c.Report(keyPos(j.Node, "needs"), rules.NeedsTooMany, "job `%s` needs %d jobs; GitLab allows at most %d", j.Name, len(list.Items), maxNeeds)
			}
			seen := map[string]bool{}
			for _, n := range needs {
				if usesMatrixExpressions(n) {
					if li > 0 {
						// GitLab interpolates the job's needs only, not
						// those of its rules: cilint cannot tell what
						// these resolve to.
						continue
					}
					if t := checkNeedsMatrixExpressions(c, j, n); t != nil {
						graph[j] = append(graph[j], edge{to: t, at: n.Node})
					}
					continue
				}
				if strings.Contains(n.Name, "$[[") {
					continue
				}
				key := n.Name + "|" + matrixKey(n.Matrix)
				if seen[key] {
					c.Report(n.Node.Pos, rules.NeedsDuplicate, "job `%s` needs `%s` more than once", j.Name, n.Name)
					continue
				}
				seen[key] = true
				target := p.Job(n.Name)
				if target == nil {
					if n.Optional {
						continue
					}
					msg := fmt.Sprintf("job `%s` needs `%s`, which is not a job of this pipeline", j.Name, n.Name)
					if s := suggest.Closest(n.Name, jobNames(p)); s != "" {
						msg += fmt.Sprintf("; did you mean `%s`?", s)
					} else {
						msg += "; mark the need `optional: true` if the job only exists sometimes"
					}
					c.Missing(n.Node.Pos, rules.NeedsUnknown, "%s", msg)
					continue
				}
				if p.StageIndex(target.Stage) > p.StageIndex(j.Stage) && p.StageIndex(j.Stage) >= 0 {
					c.Report(n.Node.Pos, rules.NeedsLaterStage, "job `%s` (stage %s) needs `%s`, which is in the later stage %s; a job can only need jobs of its own or earlier stages",
						j.Name, j.Stage, n.Name, target.Stage)
				}
				if n.Matrix != nil {
					checkNeedsMatrix(c, j, n, target, pipeline.MatrixCombinations(n.Matrix))
				}
				checkNeedNameLength(c, j, n, target, pipeline.MatrixCombinations(n.Matrix))
				if li == 0 {
					graph[j] = append(graph[j], edge{to: target, at: n.Node})
				}
			}
		}
	}
	reportCycles(c, graph)
}

// flatRules lists rule mappings, flattening nested lists (GitLab flattens
// rules that come from !reference).
func flatRules(n *load.Node) []*load.Node {
	var out []*load.Node
	if n == nil || n.Kind != load.Seq {
		return nil
	}
	for _, it := range n.Items {
		switch {
		case it == nil:
		case it.Kind == load.Map:
			out = append(out, it)
		case it.Kind == load.Seq:
			out = append(out, flatRules(it)...)
		}
	}
	return out
}

func matrixKey(m *load.Node) string {
	if m == nil {
		return ""
	}
	var parts []string
	for _, combo := range pipeline.MatrixCombinations(m) {
		parts = append(parts, fmt.Sprint(combo))
	}
	return strings.Join(parts, ";")
}

// checkNeedsMatrix: every combination a need names must be one the needed
// job's parallel:matrix generates.
func checkNeedsMatrix(c *Context, j *pipeline.Job, n pipeline.Need, target *pipeline.Job, wants []pipeline.Combination) {
	par := target.Node.Get("parallel")
	var have []pipeline.Combination
	if par != nil && par.Kind == load.Map {
		have = pipeline.MatrixCombinations(par.Get("matrix"))
	}
	if len(have) == 0 {
		c.Report(n.Node.Pos, rules.NeedsMatrix, "job `%s` needs `%s` with parallel:matrix, but `%s` has no parallel:matrix", j.Name, target.Name, target.Name)
		return
	}
	for _, want := range wants {
		found := false
		for _, h := range have {
			if sameCombination(want, h) {
				found = true
				break
			}
		}
		if !found {
			c.Report(n.Node.Pos, rules.NeedsMatrix, "job `%s` needs %s, which `%s`'s parallel:matrix does not generate", j.Name,
				pipeline.MatrixName(target.Name, want), target.Name)
		}
	}
}

// maxNeedName is Ci::BuildNeed::MAX_JOB_NAME_LENGTH: yaml_processor.rb
// validate_job_dependency! checks it again on the names a need expands to
// (the parallel jobs it means), since expansion makes them longer.
const maxNeedName = 255

func checkNeedNameLength(c *Context, j *pipeline.Job, n pipeline.Need, target *pipeline.Job, wants []pipeline.Combination) {
	names := target.Names
	if len(wants) > 0 {
		names = nil
		for _, w := range wants {
			names = append(names, pipeline.MatrixName(target.Name, w))
		}
	}
	for _, name := range names {
		if l := len([]rune(name)); l > maxNeedName {
			c.Report(n.Node.Pos, rules.JobName, "job `%s` needs `%s`, whose parallel job names are %d characters long (such as `%s…`); GitLab allows needs of at most %d",
				j.Name, target.Name, l, string([]rune(name)[:40]), maxNeedName)
			return
		}
	}
}

func usesMatrixExpressions(n pipeline.Need) bool {
	if matrixref.In(n.Name) {
		return true
	}
	for _, combo := range pipeline.MatrixCombinations(n.Matrix) {
		for _, kv := range combo {
			if matrixref.In(kv[1]) {
				return true
			}
		}
	}
	return false
}

// interpolateMatrix replaces the matrix expressions in s with the values
// of one matrix job, as MatrixInterpolator does; it returns the names it
// did not find.
func interpolateMatrix(s string, vars pipeline.Combination) (string, []string) {
	var missing []string
	out := matrixref.Replace(s, func(name string) (string, bool) {
		for _, kv := range vars {
			if kv[0] == name {
				return kv[1], true
			}
		}
		missing = append(missing, name)
		return "", false
	})
	return out, missing
}

// checkNeedsMatrixExpressions resolves a need written with matrix
// expressions for each job the needing job's parallel:matrix makes (the
// Config::Normalizer interpolates the needs of every matrix job with that
// job's values), then checks what it names like any need. A job without a
// matrix of its own resolves them from its variables, which cilint leaves
// alone. It returns the needed job, if there is one.
func checkNeedsMatrixExpressions(c *Context, j *pipeline.Job, n pipeline.Need) *pipeline.Job {
	par := j.Node.Get("parallel")
	if par == nil || par.Kind != load.Map {
		return nil
	}
	var target *pipeline.Job
	reported := false
	for _, inst := range pipeline.MatrixCombinations(par.Get("matrix")) {
		name, missing := interpolateMatrix(n.Name, inst)
		var wants []pipeline.Combination
		for _, combo := range pipeline.MatrixCombinations(n.Matrix) {
			var want pipeline.Combination
			for _, kv := range combo {
				v, m := interpolateMatrix(kv[1], inst)
				missing = append(missing, m...)
				want = append(want, [2]string{kv[0], v})
			}
			wants = append(wants, want)
		}
		if len(missing) > 0 {
			c.Report(n.Node.Pos, rules.NeedsMatrix, "job `%s` needs `%s` with `$[[ matrix.%s ]]`, but its own parallel:matrix job %s has no %s",
				j.Name, n.Name, missing[0], pipeline.MatrixName(j.Name, inst), missing[0])
			return nil
		}
		t := c.P.Job(name)
		if t == nil {
			if !n.Optional {
				c.Missing(n.Node.Pos, rules.NeedsUnknown, "job `%s` (as %s) needs `%s`, which is not a job of this pipeline", j.Name, pipeline.MatrixName(j.Name, inst), name)
			}
			return nil
		}
		target = t
		if reported {
			continue
		}
		before := len(c.findings)
		if n.Matrix != nil {
			checkNeedsMatrix(c, j, n, t, wants)
		}
		checkNeedNameLength(c, j, n, t, wants)
		reported = len(c.findings) > before
	}
	if target != nil && c.P.StageIndex(target.Stage) > c.P.StageIndex(j.Stage) && c.P.StageIndex(j.Stage) >= 0 {
		c.Report(n.Node.Pos, rules.NeedsLaterStage, "job `%s` (stage %s) needs `%s`, which is in the later stage %s; a job can only need jobs of its own or earlier stages",
			j.Name, j.Stage, target.Name, target.Stage)
	}
	return target
}

func sameCombination(a, b pipeline.Combination) bool {
	if len(a) != len(b) {
		return false
	}
	m := make(map[string]string, len(b))
	for _, kv := range b {
		m[kv[0]] = kv[1]
	}
	for _, kv := range a {
		if v, ok := m[kv[0]]; !ok || v != kv[1] {
			return false
		}
	}
	return true
}

type edge struct {
	to *pipeline.Job
	at *load.Node
}

// reportCycles finds cycles in the needs graph and reports each once, with
// its path.
func reportCycles(c *Context, graph map[*pipeline.Job][]edge) {
	const (
		unseen = iota
		active
		finished
	)
	state := map[*pipeline.Job]int{}
	var stack []*pipeline.Job
	var visit func(j *pipeline.Job)
	visit = func(j *pipeline.Job) {
		state[j] = active
		stack = append(stack, j)
		for _, e := range graph[j] {
			switch state[e.to] {
			case unseen:
				visit(e.to)
			case active:
				var path []string
				for i := len(stack) - 1; i >= 0; i-- {
					path = append([]string{stack[i].Name}, path...)
					if stack[i] == e.to {
						break
					}
				}
				path = append(path, e.to.Name)
				c.Report(e.at.Pos, rules.NeedsCycle, "needs form a cycle: %s; GitLab cannot order these jobs", strings.Join(path, " -> "))
			}
		}
		stack = stack[:len(stack)-1]
		state[j] = finished
	}
	for _, j := range c.P.Jobs {
		if state[j] == unseen {
			visit(j)
		}
	}
}
