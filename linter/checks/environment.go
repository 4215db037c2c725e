package checks

import (
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/pipeline"
	"gitlab.com/trustci/cicd/linter/rules"
)

// envName returns the environment name of a job and where it is written.
func envName(j *pipeline.Job) (string, *load.Node) {
	env := j.Node.Get("environment")
	switch {
	case env == nil:
		return "", nil
	case env.Kind == load.String:
		return env.Text, env
	case env.Kind == load.Map:
		if n := env.Get("name"); n != nil && n.IsScalar() {
			return n.Name(), n
		}
	}
	return "", env
}

func checkEnvironments(c *Context) {
	for _, j := range c.P.Jobs {
		env := j.Node.Get("environment")
		if env == nil || env.Kind != load.Map {
			continue
		}
		onStop := env.Get("on_stop")
		if onStop == nil || onStop.Kind != load.String {
			continue
		}
		name, _ := envName(j)
		stop := c.P.Job(onStop.Text)
		if stop == nil {
			c.Missing(onStop.Pos, rules.EnvironmentOnStop, "job `%s` stops its environment with `%s`, which is not a job of this pipeline", j.Name, onStop.Text)
			continue
		}
		stopName, stopNode := envName(stop)
		switch {
		case stopNode == nil:
			c.Report(onStop.Pos, rules.EnvironmentOnStop, "on_stop job `%s` has no environment; it needs `environment: {name: %s, action: stop}`", stop.Name, name)
			continue
		case stopName != name:
			c.Report(stopNode.Pos, rules.EnvironmentOnStop, "on_stop job `%s` is for environment `%s`, but job `%s` deploys to `%s`; the names must be the same", stop.Name, stopName, j.Name, name)
		}
		stopEnv := stop.Node.Get("environment")
		action := ""
		if stopEnv.Kind == load.Map {
			if a := stopEnv.Get("action"); a != nil && a.Kind == load.String {
				action = a.Text
			}
		}
		if action != "stop" {
			c.Report(stopEnv.Pos, rules.EnvironmentOnStop, "on_stop job `%s` needs `action: stop` in its environment", stop.Name)
		}
		if neverRuns(stop.Node) {
			at := keyPos(stop.Node, "rules")
			if stop.Node.Get("rules") == nil {
				at = keyPos(stop.Node, "when")
			}
			c.Report(at, rules.StopNeverRuns, "on_stop job `%s` can never run (when: never), so environment `%s` is never stopped", stop.Name, name)
		}
	}
}

// neverRuns reports whether a job is excluded from every pipeline: `when:
// never`, or rules that all end in when: never.
func neverRuns(job *load.Node) bool {
	if w := job.Get("when"); w != nil && w.Kind == load.String && w.Text == "never" && job.Get("rules") == nil {
		return true
	}
	rl := flatRules(job.Get("rules"))
	if len(rl) == 0 {
		return false
	}
	for _, r := range rl {
		if w := r.Get("when"); w == nil || w.Kind != load.String || w.Text != "never" {
			return false
		}
	}
	return true
}
