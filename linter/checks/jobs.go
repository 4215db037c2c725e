package checks

import (
	"slices"
	"strings"
	"time"

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
		if len([]rune(j.Name)) > 255 {
			c.Report(j.Key.Pos, rules.JobName, "job name is %d characters long; GitLab allows at most 255", len([]rune(j.Name)))
		}
		if j.Trigger {
			for _, p := range n.Pairs {
				if !slices.Contains(triggerKeys(), p.Key.Name()) {
					c.Report(p.Key.Pos, rules.TriggerKeys, "job `%s` is a trigger job, which cannot use `%s`; trigger jobs accept %s",
						j.Name, p.Key.Name(), strings.Join(triggerKeys(), ", "))
				}
			}
		} else if n.Get("script") == nil && n.Get("run") == nil && !misspeltScript(n) && !c.P.ExtendsFailed[j.Name] {
			msg := "job `" + j.Name + "` has no script, run or trigger, so GitLab cannot run it"
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

// checkDelayed: `when: delayed` needs start_in (at most one week), and
// start_in means nothing without it.
func checkDelayed(c *Context, job string, n *load.Node) {
	when := n.Get("when")
	start := n.Get("start_in")
	delayed := when != nil && when.Kind == load.String && when.Text == "delayed"
	switch {
	case delayed && start == nil:
		c.Report(when.Pos, rules.Delayed, "job `%s` is `when: delayed` but has no `start_in`", job)
	case start != nil && !delayed && n.Get("rules") == nil:
		c.Report(keyPos(n, "start_in"), rules.Delayed, "job `%s` sets `start_in` without `when: delayed`; GitLab refuses it", job)
	case start != nil && n.Get("rules") != nil:
		c.Report(keyPos(n, "start_in"), rules.RulesExclusive, "job `%s` uses `start_in` with `rules`; set start_in inside the rule instead", job)
	case delayed && start.Kind == load.String:
		if d, ok := parseDuration(start.Text); ok && d > 7*24*time.Hour {
			c.Report(start.Pos, rules.Delayed, "job `%s` starts in %s; GitLab allows at most one week", job, start.Text)
		}
	}
}

// parseDuration reads GitLab's human durations ("1 hour 30 minutes",
// "2h", "1 week", "30", "1 day and 2 hours").
func parseDuration(s string) (time.Duration, bool) {
	units := map[string]time.Duration{
		"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
		"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
		"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
		"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
		"w": 7 * 24 * time.Hour, "wk": 7 * 24 * time.Hour, "week": 7 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
		"mo": 30 * 24 * time.Hour, "month": 30 * 24 * time.Hour, "months": 30 * 24 * time.Hour,
		"y": 365 * 24 * time.Hour, "year": 365 * 24 * time.Hour, "years": 365 * 24 * time.Hour,
	}
	var total time.Duration
	num := -1.0
	fields := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ' ' || r == ',' })
	for _, f := range fields {
		if f == "and" {
			continue
		}
		i := 0
		for i < len(f) && (f[i] >= '0' && f[i] <= '9' || f[i] == '.') {
			i++
		}
		if i > 0 {
			var v float64
			for _, ch := range f[:i] {
				if ch == '.' {
					return 0, false
				}
				v = v*10 + float64(ch-'0')
			}
			num = v
		}
		if unit := f[i:]; unit != "" {
			d, ok := units[unit]
			if !ok || num < 0 {
				return 0, false
			}
			total += time.Duration(num * float64(d))
			num = -1
		}
	}
	if num >= 0 {
		total += time.Duration(num) * time.Second
	}
	return total, len(fields) > 0
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
