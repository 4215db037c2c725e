package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gitlab.com/trustci/cicd/linter/impact"
)

const impactUsage = `Usage:
  cilint impact --catalog PREFIX=NEW_DIR [flags] CONSUMER...
  cilint impact --catalog PREFIX=NEW_DIR --group GROUP [--shard I/N] [flags]
  cilint impact merge [--format text|json] REPORT.json...

Lints each consumer pipeline (a checkout: its .gitlab-ci.yml) with the
catalog PREFIX at the version it pins (read from the git tags of the
repository holding NEW_DIR, else from the GitLab instance) and with NEW_DIR
in its place, and lists the errors the change introduces. --group reads the
group's projects through the GitLab API instead; --shard I/N keeps a stable
part of them (a parallel: N job's CI_NODE_INDEX/CI_NODE_TOTAL), and merge
joins the shards' JSON reports. Exit status 1 when the change introduces an
error in any consumer.

Flags:
`

// runImpact is `cilint impact` (package impact).
func runImpact(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) > 0 && args[0] == "merge" {
		return runImpactMerge(args[1:], stdout, stderr)
	}
	fl := newFlags("cilint impact", impactUsage, stderr)
	var of optionFlags
	of.register(fl)
	format := fl.String("format", "text", "output format: text (a table) or json")
	group := fl.String("group", "", "check the projects of this GitLab group (path or ID, with subgroups) instead of local CONSUMERs")
	shard := fl.String("shard", "", "I/N: check only part I of N of the consumers (a stable split by project path)")
	jobs := fl.Int("jobs", 0, "consumers linted at once (default: the number of CPUs)")
	config := fl.String("ci-config", ".gitlab-ci.yml", "each local consumer's CI/CD configuration file")
	if code, ok := parseFlags(fl, args); !ok {
		return code
	}
	if len(of.catalogs.m) != 1 {
		fmt.Fprintln(stderr, "cilint impact: give the changed catalog once, as --catalog PREFIX=NEW_DIR")
		return exitUsage
	}
	if *format != "text" && *format != "json" {
		say(stderr, "cilint impact: unknown --format %q (text or json)\n", *format)
		return exitUsage
	}
	if (*group == "") == (fl.NArg() == 0) {
		fmt.Fprintln(stderr, "cilint impact: give either CONSUMER folders or --group GROUP")
		return exitUsage
	}
	var prefix, newDir string
	for k, v := range of.catalogs.m {
		prefix, newDir = k, v
	}
	opts := of.options(getenv)
	opts.Catalogs = nil
	iopts := impact.Options{Prefix: prefix, NewDir: newDir, Lint: opts, Workers: *jobs}
	if *shard != "" {
		s, err := impact.ParseShard(*shard)
		if err != nil {
			say(stderr, "cilint impact: %v\n", err)
			return exitUsage
		}
		iopts.Shard = s
	}
	r, err := impact.New(iopts)
	if err != nil {
		say(stderr, "cilint impact: %v\n", err)
		return exitUsage
	}
	defer r.Close()
	var rep *impact.Report
	if *group != "" {
		if opts.Remote == nil {
			fmt.Fprintln(stderr, "cilint impact: --group reads the group through the GitLab API; it cannot go with --offline")
			return exitUsage
		}
		client, ctx, err := opts.Remote.Instance(opts.ServerFQDN)
		if err == nil {
			rep, err = r.RunGroup(impact.Group{Client: client, Ctx: ctx, Path: *group})
		}
		if err != nil {
			say(stderr, "cilint impact: %v\n", err)
			return exitUsage
		}
	} else {
		var consumers []impact.Consumer
		for _, dir := range fl.Args() {
			if st, err := os.Stat(filepath.Join(dir, *config)); err != nil || !st.Mode().IsRegular() {
				say(stderr, "cilint impact: %s has no %s\n", dir, *config)
				return exitUsage
			}
			consumers = append(consumers, impact.Consumer{Name: strings.TrimSuffix(filepath.ToSlash(filepath.Clean(dir)), "/"), Dir: dir, Config: *config})
		}
		rep = r.Run(consumers)
	}
	return writeImpact(rep, *format, stdout, stderr)
}

func writeImpact(rep *impact.Report, format string, stdout, stderr io.Writer) int {
	var err error
	if format == "json" {
		err = rep.JSON(stdout)
	} else {
		err = rep.Text(stdout)
	}
	if err != nil {
		say(stderr, "cilint impact: %v\n", err)
		return exitUsage
	}
	switch {
	case rep.Failed():
		return exitFindings
	case rep.Unlinted() > 0:
		say(stderr, "cilint impact: %s could not be linted\n", plural(rep.Unlinted(), "consumer"))
		return exitUsage
	}
	return exitOK
}

// runImpactMerge is `cilint impact merge`: the shards' reports as one.
func runImpactMerge(args []string, stdout, stderr io.Writer) int {
	fl := newFlags("cilint impact merge", impactUsage, stderr)
	format := fl.String("format", "text", "output format: text (a table) or json")
	if code, ok := parseFlags(fl, args); !ok {
		return code
	}
	if fl.NArg() == 0 || *format != "text" && *format != "json" {
		fl.Usage()
		return exitUsage
	}
	var reports []*impact.Report
	for _, p := range fl.Args() {
		f, err := os.Open(p)
		if err != nil {
			say(stderr, "cilint impact merge: %v\n", err)
			return exitUsage
		}
		rep, err := impact.Decode(f)
		f.Close()
		if err != nil {
			say(stderr, "cilint impact merge: %s: %v\n", p, err)
			return exitUsage
		}
		reports = append(reports, rep)
	}
	merged, err := impact.Merge(reports)
	if err != nil {
		say(stderr, "cilint impact merge: %v\n", err)
		return exitUsage
	}
	return writeImpact(merged, *format, stdout, stderr)
}
