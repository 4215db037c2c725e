package checks

import (
	"fmt"
	"strings"

	"gitlab.com/trustci/cicd/linter/load"
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
					checkNeedsMatrix(c, j, n, target)
				}
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
func checkNeedsMatrix(c *Context, j *pipeline.Job, n pipeline.Need, target *pipeline.Job) {
	par := target.Node.Get("parallel")
	var have []pipeline.Combination
	if par != nil && par.Kind == load.Map {
		have = pipeline.MatrixCombinations(par.Get("matrix"))
	}
	if len(have) == 0 {
		c.Report(n.Node.Pos, rules.NeedsMatrix, "job `%s` needs `%s` with parallel:matrix, but `%s` has no parallel:matrix", j.Name, n.Name, n.Name)
		return
	}
	for _, want := range pipeline.MatrixCombinations(n.Matrix) {
		found := false
		for _, h := range have {
			if sameCombination(want, h) {
				found = true
				break
			}
		}
		if !found {
			c.Report(n.Node.Pos, rules.NeedsMatrix, "job `%s` needs %s, which `%s`'s parallel:matrix does not generate", j.Name,
				pipeline.MatrixName(n.Name, want), n.Name)
		}
	}
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
