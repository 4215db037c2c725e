package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"gitlab.com/trustci/cicd/linter/cond"
	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/repo"
	"gitlab.com/trustci/cicd/linter/report"
	"gitlab.com/trustci/cicd/linter/simulate"
)

// runJobs prints which jobs a pipeline of one kind gets.
func runJobs(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fl := newFlags("cilint jobs", "Usage: cilint jobs [flags] FILE\n\nShows which jobs a pipeline of one kind gets (workflow:rules, each job's\nrules or only/except) and the needs GitLab would then refuse. What depends\non a value not given is shown as maybe.\n\nFlags:\n", stderr)
	var of optionFlags
	of.register(fl)
	event := fl.String("event", "merge_request", "the kind of pipeline: "+strings.Join(simulate.EventNames(), ", "))
	var vars pairsFlag
	fl.Var(&vars, "var", "NAME=VALUE: a variable's value in that pipeline, such as CI_COMMIT_BRANCH=main (repeatable)")
	var changed filesFlag
	fl.Var(&changed, "changed", "PATH: a file the merge request or push changes, for rules:changes (repeatable; one value may hold several, one per line, as git diff --name-only prints them)")
	format := fl.String("format", "text", "output format: text or json")
	if code, ok := parseFlags(fl, args); !ok {
		return code
	}
	ev, ok := simulate.Events()[*event]
	if fl.NArg() != 1 || !ok || (*format != "text" && *format != "json") {
		if !ok {
			say(stderr, "cilint jobs: unknown --event %q (%s)\n", *event, strings.Join(simulate.EventNames(), ", "))
		}
		fl.Usage()
		return exitUsage
	}
	opts := of.options(getenv)
	early := simulate.NewVariables(ev, nil, vars.m)
	opts.Vars = early.Lookup
	l, res, code := buildPipeline("jobs", opts, fl.Arg(0), stderr)
	if res == nil {
		return code
	}
	known := simulate.NewVariables(ev, res.Pipeline.Config, vars.m).WithFiles(repo.NewCheckout(l.Root(fl.Arg(0))).Exists)
	if len(changed) > 0 && !ev.ChangesAlways {
		known = known.WithChanges(repo.Changes(changed))
	}
	sim := simulate.Run(res.Pipeline, ev.Name, known)
	sim.Findings = res.Settle(sim.Findings)
	var err error
	if *format == "json" {
		err = jobsJSON(stdout, sim)
	} else {
		err = jobsText(stdout, sim, fl.Arg(0))
		report.Text(stdout, sim.Findings, res.Sources(), report.TextOptions{OneLine: true})
	}
	if err != nil {
		say(stderr, "cilint: %v\n", err)
		return exitUsage
	}
	if finding.HasErrors(sim.Findings) {
		return exitFindings
	}
	return code
}

func jobsText(w io.Writer, sim *simulate.Result, path string) error {
	created := map[cond.Outcome]string{cond.In: "created", cond.Out: "not created", cond.Maybe: "maybe created"}[sim.Workflow.Outcome]
	fmt.Fprintf(w, "%s pipeline of %s: %s (%s)\n", sim.Event, path, created, sim.Workflow.Why)
	if sim.Workflow.Outcome == cond.Out {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STAGE\tJOB\tRUNS\tWHEN\tWHY")
	count := map[cond.Outcome]int{}
	for _, j := range sim.Jobs {
		count[j.Outcome]++
		when := j.When
		if when == "" {
			when = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", j.Stage, j.Name, j.Outcome, when, j.Why)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d jobs run, %d maybe, %d do not\n", count[cond.In], count[cond.Maybe], count[cond.Out])
	return err
}

func jobsJSON(w io.Writer, sim *simulate.Result) error {
	type jobOut struct {
		Name   string `json:"name"`
		Stage  string `json:"stage"`
		Runs   string `json:"runs"`
		When   string `json:"when,omitempty"`
		Reason string `json:"reason"`
	}
	out := struct {
		Event    string            `json:"event"`
		Created  string            `json:"created"`
		Reason   string            `json:"reason"`
		Jobs     []jobOut          `json:"jobs"`
		Findings []finding.Finding `json:"-"`
		Problems []string          `json:"problems"`
	}{Event: sim.Event, Created: sim.Workflow.Outcome.String(), Reason: sim.Workflow.Why, Jobs: []jobOut{}, Problems: []string{}}
	for _, j := range sim.Jobs {
		out.Jobs = append(out.Jobs, jobOut{j.Name, j.Stage, j.Outcome.String(), j.When, j.Why})
	}
	for _, f := range sim.Findings {
		out.Problems = append(out.Problems, fmt.Sprintf("%s:%d:%d: %s [%s]", f.Pos.File, f.Pos.Line, f.Pos.Col, f.Message, f.Rule))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// filesFlag collects file paths: repeated flags, and lines within one.
type filesFlag []string

func (f *filesFlag) String() string { return strings.Join(*f, ",") }

func (f *filesFlag) Set(v string) error {
	for _, line := range strings.Split(v, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			*f = append(*f, strings.TrimPrefix(line, "./"))
		}
	}
	return nil
}
