package main

import (
	"io"

	"gitlab.com/trustci/cicd/linter/cataloglint"
	"gitlab.com/trustci/cicd/linter/lint"
	"gitlab.com/trustci/cicd/linter/report"
)

// runCatalogLint is `cilint catalog lint [DIR]`: every component of the
// catalog linted as GitLab would instantiate it (package cataloglint).
func runCatalogLint(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fl := newFlags("cilint catalog lint", "Usage: cilint catalog lint [flags] [DIR]\n\nLints every component of the catalog project DIR (default ./components) with its defaults,\neach value of its options, each boolean both ways and placeholders for required inputs.\n\nFlags:\n", stderr)
	format := fl.String("format", "text", "output format: "+formatHelp())
	oneLine := fl.Bool("oneline", false, "text format without the source snippet")
	shellcheck := fl.Bool("shellcheck", false, "also run ShellCheck (on PATH) over every script of every instantiation")
	gitlabVersion := fl.String("gitlab-version", "", "lint against this GitLab release's features (default: $CI_SERVER_VERSION, else the newest cilint knows)")
	if code, ok := parseFlags(fl, args); !ok {
		return code
	}
	if fl.NArg() > 1 {
		fl.Usage()
		return exitUsage
	}
	write, ok := formatOf(*format)
	if !ok {
		say(stderr, "cilint catalog lint: unknown --format %q (%s)\n", *format, formatHelp())
		return exitUsage
	}
	dir, err := catalogDir(fl.Arg(0))
	if err != nil {
		say(stderr, "cilint catalog: %v\n", err)
		return exitUsage
	}
	opts := lint.Options{Shellcheck: *shellcheck, GitLabVersion: *gitlabVersion, InstanceVersion: getenv("CI_SERVER_VERSION")}
	res, err := cataloglint.Lint(cataloglint.Options{Dir: dir, Lint: opts})
	if err != nil {
		say(stderr, "cilint catalog lint: %v\n", err)
		return exitUsage
	}
	in := reportInput{findings: res.Findings, sources: res.Sources, text: report.TextOptions{OneLine: *oneLine}}
	for p := range res.Sources {
		in.files = append(in.files, p)
	}
	if err := write(stdout, in); err != nil {
		say(stderr, "cilint catalog lint: %v\n", err)
		return exitUsage
	}
	say(stderr, "cilint catalog lint: %s, %s, %s\n", plural(res.Components, "component"), plural(res.Instances, "instantiation"), plural(len(res.Findings), "finding"))
	if res.Errors() > 0 {
		return exitFindings
	}
	return exitOK
}
