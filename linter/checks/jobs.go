package checks

import (
	"slices"
	"strings"

	"gitlab.com/trustci/cicd/linter/duration"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/pipeline"
	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/linter/suggest"
)

// triggerKeys are the keywords a trigger (bridge) job accepts.
func triggerKeys() []string {
	return []string{"trigger", "stage", "extends", "only", "except", "rules", "variables", "inherit",
		"allow_failure", "when", "needs", "resource_group", "environment", "parallel", "interruptible",
		"start_in", "manual_confirmation", "dependencies"}
}

func checkJobs(c *Context) {
	if len(c.P.Jobs) == 0 && c.P.Config != nil {
		if len(c.P.Unresolved) > 0 {
			c.Missing(c.P.Config.Pos, rules.NoVisibleJob, "the pipeline has no visible job (hidden jobs, starting with a dot, are only templates)")
		} else {
			c.Report(c.P.Config.Pos, rules.NoVisibleJob, "the pipeline has no visible job (hidden jobs, starting with a dot, are only templates)")
		}
	}
	for _, j := range c.P.Jobs {
		n := j.Node
		checkJobName(c, j)
		if j.Trigger {
			for _, p := range n.Pairs {
				if !slices.Contains(triggerKeys(), p.Key.Name()) {
					c.Report(p.Key.Pos, rules.TriggerKeys, "job `%s` is a trigger job, which cannot use `%s`; trigger jobs accept %s",
						j.Name, p.Key.Name(), strings.Join(triggerKeys(), ", "))
				}
			}
		} else if n.Get("script") == nil && n.Get("run") == nil && !misspeltScript(n) && !c.P.ExtendsFailed[j.Name] {
			msg := "job `" + j.Name + "` has no script, run or trigger, so GitLab cannot run it"
			if len(c.P.Unresolved) > 0 {
				// Softened below to a warning: say what is known, not
				// what only holds if the unread includes do not help.
				msg = "job `" + j.Name + "` has no script, run or trigger in the files cilint read; without one GitLab cannot run it"
			}
			if g := suggest.Closest(j.Name, pipeline.GlobalKeywords()); g != "" {
				msg += "; did you mean the global keyword `" + g + "`?"
			}
			c.Missing(j.Key.Pos, rules.JobNoScript, "%s", msg)
		}
		if given(n, "rules") {
			for _, k := range []string{"only", "except"} {
				if given(n, k) {
					c.Report(keyPos(n, k), rules.RulesExclusive, "job `%s` uses both `rules` and `%s`; GitLab allows only one of them", j.Name, k)
				}
			}
		}
		checkDelayed(c, j.Name, n)
	}
}

// given reports whether key has a value in n: GitLab takes a key written
// without one as not given (processable.rb checks rules against only and
// except with ignore_nil and has_rules_value?).
func given(n *load.Node, key string) bool {
	v := n.Get(key)
	return v != nil && v.Kind != load.Null
}

// checkJobName: GitLab wants a job name to be a non-blank string of at
// most 255 characters (lib/gitlab/ci/config/entry/processable.rb:
// `validates :name, presence: true`, `type: Symbol`, `length: { maximum:
// 255 }`). YAML keys that are not strings stay what they are when GitLab
// symbolizes the keys (a number, a boolean, null), so they fail the type.
func checkJobName(c *Context, j *pipeline.Job) {
	switch k := j.Key; {
	case k.Kind == load.Null || k.Kind == load.String && k.Text == "":
		c.Report(k.Pos, rules.JobName, "a job has an empty name; GitLab needs a name")
	case k.Kind != load.String:
		c.Report(k.Pos, rules.JobName, "job name `%s` is read by YAML as %s, and GitLab takes only text as a job name; quote it: \"%s\"",
			k.Text, article(k.Kind), k.Text)
	case len([]rune(j.Name)) > 255:
		c.Report(k.Pos, rules.JobName, "job name is %d characters long; GitLab allows at most 255", len([]rune(j.Name)))
	}
}

func article(k load.Kind) string {
	switch k {
	case load.Int:
		return "a whole number"
	case load.Float:
		return "a decimal number"
	case load.Bool:
		return "a boolean"
	}
	return "a " + k.String()
}

// checkDelayed: `when: delayed` needs a start_in of at most one week, and
// start_in means nothing without it; with rules, start_in belongs in the
// rule (lib/gitlab/ci/config/entry/job.rb and processable.rb: `duration:
// { limit: '1 week' }, if: :delayed?`, `absence: true, if: -> { has_rules?
// || !delayed? }`; rules/rule.rb the same per rule).
func checkDelayed(c *Context, job string, n *load.Node) {
	when := n.Get("when")
	start := n.Get("start_in")
	if blank(start) {
		start = nil // absence and disallowed_keys(ignore_nil) accept null and ""
	}
	delayed := when != nil && when.Kind == load.String && when.Text == "delayed"
	switch {
	case start != nil && n.Get("rules") != nil:
		c.Report(keyPos(n, "start_in"), rules.RulesExclusive, "job `%s` uses `start_in` with `rules`; set start_in inside the rule instead", job)
	case delayed && n.Get("rules") != nil:
		// start_in must be there (delayed) and must not (rules): only the
		// rule can delay the job.
		c.Report(when.Pos, rules.Delayed, "job `%s` is `when: delayed` and has `rules`; put `when: delayed` and `start_in` in the rule instead", job)
	case delayed && start == nil:
		c.Report(when.Pos, rules.Delayed, "job `%s` is `when: delayed` but has no `start_in`", job)
	case start != nil && !delayed:
		c.Report(keyPos(n, "start_in"), rules.Delayed, "job `%s` sets `start_in` without `when: delayed`; GitLab refuses it", job)
	case delayed:
		checkStartIn(c, job, "start_in", start)
	}
	for _, r := range flatRules(n.Get("rules")) {
		rw, rs := r.Get("when"), r.Get("start_in")
		if blank(rs) {
			rs = nil
		}
		rdelayed := rw != nil && rw.Kind == load.String && rw.Text == "delayed"
		switch {
		case rdelayed && rs == nil:
			c.Report(rw.Pos, rules.Delayed, "job `%s`: a rule with `when: delayed` needs `start_in`", job)
		case rs != nil && !rdelayed:
			c.Report(keyPos(r, "start_in"), rules.Delayed, "job `%s`: a rule sets `start_in` without `when: delayed`; GitLab refuses it", job)
		case rdelayed:
			checkStartIn(c, job, "rules:start_in", rs)
		}
	}
}

func blank(n *load.Node) bool {
	return n != nil && (n.Kind == load.Null || n.Kind == load.String && n.Text == "")
}

// checkStartIn reads a start_in with ChronicDuration (no `never`): at
// most one week.
func checkStartIn(c *Context, job, key string, v *load.Node) {
	checkDuration(c, nil, job, v, durationKind{key: key, chronic: true, limit: duration.MaxStartIn, rule: rules.Delayed,
		examples: "`30 minutes` or `2 hours`", overLimit: "job `%s` starts in %s; GitLab allows at most one week"})
}

// misspeltScript reports a key that is a typo of script, run or trigger:
// the schema already says "did you mean", so "no script" would repeat it.
func misspeltScript(job *load.Node) bool {
	for _, p := range job.Pairs {
		if suggest.Closest(p.Key.Name(), []string{"script", "run", "trigger"}) != "" {
			return true
		}
	}
	return false
}
