package checks

import (
	"errors"
	"strings"

	"gitlab.com/trustci/cicd/linter/duration"
	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/pipeline"
	"gitlab.com/trustci/cicd/linter/rules"
)

// The keywords GitLab reads as durations, and how it reads them:
//   - artifacts:expire_in and pages:expire_in: the `duration` validator with
//     Gitlab::Ci::Build::DurationParser, so `never` too
//     (lib/gitlab/ci/config/entry/artifacts.rb, pages.rb);
//   - timeout: ChronicDuration, less than one month
//     (lib/gitlab/ci/config/entry/timeout.rb, limit
//     ChronicDuration.output(Project::MAX_BUILD_TIMEOUT));
//   - start_in, of a job or a rule with `when: delayed`: ChronicDuration, at
//     most one week (job.rb, bridge.rb, rules/rule.rb); checked in jobs.go
//     with the rest of `when: delayed`;
//   - environment:auto_stop_in: only a string to the configuration
//     (environment.rb); it is read with DurationParser when the deployment
//     is created (app/models/environment.rb auto_stop_in=), after variables
//     are expanded, so cilint only warns.
//
// The validator refuses anything that is not a string
// (lib/gitlab/config/entry/legacy_validation_helpers.rb validate_duration:
// `return false unless value.is_a?(String)`), so `expire_in: 3600` is an
// error although it looks like seconds.

type durationKind struct {
	key   string  // what the message calls it
	never bool    // `never` is accepted
	limit float64 // the most seconds it may be, or 0
	// numbers: the schema lets a number through (it is written to accept
	// expire_in as one), so this check says GitLab refuses it; elsewhere
	// the schema already does.
	numbers bool
	// chronic: read by ChronicDuration alone (start_in), where `never` is
	// a word like any other; the others by DurationParser.
	chronic bool
	rule    string // the rule reporting it; rules.Duration when empty
	// examples of what to write instead; empty: by never.
	examples string
	// overLimit is the message for a value past limit, given the job and
	// the value; empty: "`key` is X; GitLab allows at most Y".
	overLimit string
}

func checkDurations(c *Context) {
	seen := map[*load.Node]bool{}
	for _, j := range c.P.Jobs {
		n := j.Node
		if a := n.Get("artifacts"); a != nil && a.Kind == load.Map {
			checkDuration(c, seen, j.Name, a.Get("expire_in"), durationKind{key: "artifacts:expire_in", never: true, numbers: true})
		}
		if pg := n.Get("pages"); pg != nil && pg.Kind == load.Map {
			checkDuration(c, seen, j.Name, pg.Get("expire_in"), durationKind{key: "pages:expire_in", never: true, numbers: true})
		}
		checkDuration(c, seen, j.Name, n.Get("timeout"), durationKind{key: "timeout", limit: duration.MaxTimeout})
		if env := n.Get("environment"); env != nil && env.Kind == load.Map {
			checkAutoStopIn(c, seen, j, env.Get("auto_stop_in"))
		}
	}
}

// opaque values are decided later: inputs not interpolated yet.
func opaque(v *load.Node) bool {
	return v.Kind == load.Reference || v.Kind == load.String && hasInterpolation(v.Text)
}

// checkDuration checks one duration value of job; seen (nil: none) holds
// the values already checked, shared by several jobs.
func checkDuration(c *Context, seen map[*load.Node]bool, job string, v *load.Node, k durationKind) {
	if v == nil || v.Kind == load.Null || seen[v] || opaque(v) {
		return
	}
	if seen != nil {
		seen[v] = true
	}
	rule := k.rule
	if rule == "" {
		rule = rules.Duration
	}
	switch v.Kind {
	case load.String:
	case load.Int, load.Float:
		if !k.numbers {
			return
		}
		c.Report(v.Pos, rule, "job `%s`: `%s` must be text such as `%s seconds` or `1 hour`; GitLab does not read a bare number as a duration",
			job, k.key, v.Name())
		return
	default:
		return // the schema reports the type
	}
	var secs float64
	var err error
	if k.chronic {
		secs, err = duration.Parse(v.Text)
	} else {
		var never bool
		secs, never, err = duration.ParseOrNever(v.Text)
		if never && !k.never {
			err = &duration.Error{Word: v.Text}
		}
	}
	if err != nil {
		if maybeNumber(err) {
			return
		}
		c.Report(v.Pos, rule, "job `%s`: `%s: %s` is not a duration GitLab can read: %s; write it like %s",
			job, k.key, v.Text, durationProblem(err), examples(k))
		return
	}
	// GitLab's limit check is `value.from_now < limit.from_now`, the
	// second clock read coming later: the limit itself passes.
	if k.limit > 0 && secs > k.limit {
		if k.overLimit != "" {
			c.Report(v.Pos, rule, k.overLimit, job, v.Text)
			return
		}
		c.Report(v.Pos, rule, "job `%s`: `%s` is %s; GitLab allows at most %s", job, k.key, duration.Format(secs), duration.Format(k.limit))
	}
}

// checkAutoStopIn warns about an auto_stop_in GitLab will fail to read
// when it creates the deployment; with a variable in it, it cannot tell.
func checkAutoStopIn(c *Context, seen map[*load.Node]bool, j *pipeline.Job, v *load.Node) {
	if v == nil || v.Kind != load.String || seen[v] || opaque(v) || strings.Contains(v.Text, "$") {
		return
	}
	seen[v] = true
	// Only a word ChronicDuration does not know raises; a total of zero
	// (or "") parses as nil, which means no auto-stop
	// (spec/lib/gitlab/ci/build/duration_parser_spec.rb, "with an empty string").
	var de *duration.Error
	if _, _, err := duration.ParseOrNever(v.Text); errors.As(err, &de) && de.Word != "" && !de.MaybeNumber {
		c.findings = append(c.findings, rules.Soften(rules.Newf(rules.Duration, v.Pos,
			"job `%s`: `environment:auto_stop_in: %s` is not a duration GitLab can read: %s; its deployment will fail; write it like `1 week` or `never`",
			j.Name, v.Text, durationProblem(err)), finding.Warning, rules.Accepted))
	}
}

// maybeNumber: a number written out, which older ChronicDuration versions
// read; cilint cannot be sure, so it says nothing.
func maybeNumber(err error) bool {
	var de *duration.Error
	return errors.As(err, &de) && de.MaybeNumber
}

func durationProblem(err error) string {
	var de *duration.Error
	if errors.As(err, &de) {
		return de.Error()
	}
	return err.Error()
}

func examples(k durationKind) string {
	if k.examples != "" {
		return k.examples
	}
	if k.never {
		return "`30 days`, `1 week 2 days` or `never`"
	}
	return "`1 hour`, `90 minutes` or `1h 30m`"
}
