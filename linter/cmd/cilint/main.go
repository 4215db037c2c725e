// Command cilint lints GitLab CI/CD configuration: YAML with positions, our
// JSON Schema, and (as they land) includes, components and GitLab's
// pipeline-creation rules.
//
// Exit status: 0 when no errors were found (warnings alone do not fail),
// 1 when errors were found, 2 for a usage or internal error.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/gitlabapi"
	"gitlab.com/trustci/cicd/linter/gitlabversion"
	"gitlab.com/trustci/cicd/linter/lint"
	"gitlab.com/trustci/cicd/linter/remote"
	"gitlab.com/trustci/cicd/linter/render"
	"gitlab.com/trustci/cicd/linter/repo"
	"gitlab.com/trustci/cicd/linter/report"
	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/linter/simulate"
	"gitlab.com/trustci/cicd/linter/tree"
)

const (
	exitOK       = 0
	exitFindings = 1
	exitUsage    = 2
)

const usage = `cilint checks GitLab CI/CD pipelines before GitLab does.

Usage:
  cilint lint [flags] FILE...   lint pipeline files
  cilint render [flags] FILE    print the merged configuration (includes, extends, !reference)
  cilint jobs [flags] FILE      which jobs a merge request, push, tag or schedule pipeline gets
  cilint graph [flags] FILE     draw the pipeline as Mermaid, DOT or SVG (with --base: what a change does)
  cilint catalog list|show|docs browse a component catalog, keep README inputs tables current
  cilint catalog lint [DIR]     lint every component of a catalog across its inputs
  cilint impact [flags] ...     which consumer pipelines a catalog change breaks ('cilint impact -h')
  cilint lsp [flags]            serve the Language Server Protocol on stdin/stdout (docs/lsp.md)
  cilint rules                  list the rules and their IDs
  cilint version                print the version

Run 'cilint lint -h' for the lint flags.
`

func main() {
	if os.Getenv("GOGC") == "" {
		// cilint is short-lived and allocates a tree per file: trading
		// memory for fewer collections makes large pipelines about 20%
		// faster (DECISIONS.md, Performance).
		debug.SetGCPercent(400)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// run is main without the process: it returns the exit status, and never
// lets a panic escape as a stack trace.
func run(args []string, stdout, stderr io.Writer, getenv func(string) string) (code int) {
	defer func() {
		if r := recover(); r != nil {
			say(stderr, "cilint: internal error: %v\nPlease report this with the file that caused it.\n", r)
			code = exitUsage
		}
	}()
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "lint":
		return runLint(args[1:], stdout, stderr, getenv)
	case "render":
		return runRender(args[1:], stdout, stderr, getenv)
	case "jobs":
		return runJobs(args[1:], stdout, stderr, getenv)
	case "graph":
		return runGraph(args[1:], stdout, stderr, getenv)
	case "catalog":
		return runCatalog(args[1:], stdout, stderr, getenv)
	case "impact":
		return runImpact(args[1:], stdout, stderr, getenv)
	case "lsp":
		return runLSP(args[1:], stderr, getenv)
	case "rules":
		for _, r := range rules.All() {
			fmt.Fprintf(stdout, "%-20s %-8s %s\n", r.ID, r.Severity, r.Summary)
		}
		return exitOK
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "cilint", version())
		fmt.Fprintln(stdout, "lints for GitLab up to", gitlabversion.Newest(), "(the default --gitlab-version)")
		return exitOK
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	say(stderr, "cilint: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}

// buildVersion is set at release builds with -ldflags -X.
var buildVersion = ""

func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "devel"
}

// optionFlags are the flags lint and render share: they decide what the
// configuration is.
type optionFlags struct {
	root, configPath, serverFQDN, gitlabURL, caFile string
	maxIncludes                                     int
	offline, allowRemote                            bool
	catalogs, inputs                                pairsFlag
	networkTimeout                                  time.Duration
}

func (o *optionFlags) register(fl *flag.FlagSet) {
	fl.StringVar(&o.root, "root", "", "repository root for include:local (default: the git top level of each file)")
	fl.StringVar(&o.configPath, "config", "", "settings file (default: .cilint.yml at the repository root)")
	fl.StringVar(&o.serverFQDN, "server-fqdn", "", "what $CI_SERVER_FQDN means in component references (default: $CI_SERVER_FQDN, $CI_SERVER_HOST, else gitlab.com)")
	fl.IntVar(&o.maxIncludes, "max-includes", 0, "the instance's ci_max_includes, when it is not GitLab's default of 150")
	fl.Var(&o.catalogs, "catalog", "PREFIX=DIR: read components <PREFIX>/<name>@<version> from the catalog project in DIR (repeatable)")
	fl.Var(&o.inputs, "input", "NAME=VALUE: a value for the linted file's own spec:inputs (repeatable)")
	fl.BoolVar(&o.offline, "offline", false, "never use the network: project, template and remote includes, and components without a local catalog, are not read")
	fl.BoolVar(&o.allowRemote, "allow-remote", false, "fetch include:remote URLs (HTTPS only, size-limited)")
	fl.StringVar(&o.gitlabURL, "gitlab-url", "", "the GitLab instance: for --remote, and for components on its host (default: $CI_SERVER_URL; other hosts: https://HOST)")
	fl.StringVar(&o.caFile, "ca-file", "", "PEM certificate authority of a self-managed GitLab with a private CA")
	fl.DurationVar(&o.networkTimeout, "network-timeout", 2*time.Minute, "the most time all reads from GitLab and URLs may take together in one run (each request also times out after 15s)")
}

func (o *optionFlags) options(getenv func(string) string) lint.Options {
	fqdn := serverFQDN(o.serverFQDN, getenv)
	opts := lint.Options{Root: o.root, MaxIncludes: o.maxIncludes, ConfigPath: o.configPath,
		Catalogs: o.catalogs.m, Inputs: o.inputs.m, ServerFQDN: fqdn}
	if o.gitlabURL == "" || o.gitlabURL == getenv("CI_SERVER_URL") {
		opts.InstanceVersion = getenv("CI_SERVER_VERSION") // the instance this CI job runs on
	}
	if !o.offline {
		opts.Remote = runRemote(o.gitlabURL, o.caFile, getenv)
		opts.Remote.AllowRemote = o.allowRemote
		opts.Remote.Context = runDeadline(o.networkTimeout)
	}
	return opts
}

// runRemote is how this run reaches GitLab, from its flags and
// environment: every GitLab client of the run (lint's, `cilint catalog
// list`'s) is built from it (lint.Remote.Catalog and the clients inside
// lint), so they share the instance, the tokens' scope, --ca-file, the
// cache and the timeouts.
func runRemote(gitlabURL, caFile string, getenv func(string) string) *lint.Remote {
	token, job := gitlabapi.TokensFromEnv(getenv)
	if gitlabURL == "" {
		gitlabURL = getenv("CI_SERVER_URL")
	}
	return &lint.Remote{GitLabURL: gitlabURL, Token: token, JobToken: job, CacheDir: gitlabapi.DefaultCacheDir(), Timeout: 15 * time.Second, CAFile: caFile}
}

// serverFQDN is what $CI_SERVER_FQDN means: --server-fqdn, else
// $CI_SERVER_FQDN, else $CI_SERVER_HOST ("" for gitlab.com).
func serverFQDN(flagValue string, getenv func(string) string) string {
	fqdn := flagValue
	for _, v := range []string{"CI_SERVER_FQDN", "CI_SERVER_HOST"} {
		if fqdn == "" {
			fqdn = getenv(v)
		}
	}
	return fqdn
}

// runDeadline is the context every network read of one run shares: past
// it, what is left is reported as not read instead of waited for. The
// process ends with the run, so the timer needs no cancelling.
func runDeadline(d time.Duration) context.Context {
	if d <= 0 {
		return context.Background()
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	_ = cancel // released when the process exits
	return ctx
}

func runLint(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fl := newFlags("cilint lint", "Usage: cilint lint [flags] FILE...\n\nFlags:\n", stderr)
	var of optionFlags
	of.register(fl)
	format := fl.String("format", "text", "output format: "+formatHelp())
	schemaOnly := fl.Bool("schema-only", false, "only YAML and schema checks: no include resolution, no cross-job checks")
	color := fl.String("color", "auto", "colour the text output: auto (on a terminal, unless NO_COLOR is set), always or never")
	noColor := fl.Bool("no-color", false, "same as --color=never")
	oneLine := fl.Bool("oneline", false, "text format without the source snippet")
	shellcheck := fl.Bool("shellcheck", false, "also run ShellCheck (on PATH) over every script, in batches")
	useRemote := fl.Bool("remote", false, "also send the configuration to the project's GitLab CI lint API and merge its answer (token in GITLAB_TOKEN, api scope)")
	project := fl.String("project", "", "--remote: project path or ID (default: $CI_PROJECT_ID, else the git remote origin)")
	tokenFile := fl.String("token-file", "", "--remote: read the token from this file instead of GITLAB_TOKEN")
	dryRun := fl.Bool("dry-run", false, "--remote: simulate pipeline creation on --ref (a pushed ref) instead of a static lint")
	ref := fl.String("ref", "", "--remote --dry-run: the branch or tag to simulate (default: the default branch)")
	gitlabVersion := fl.String("gitlab-version", "", "lint against this GitLab release's features, for example 17.5 (default: .cilint.yml's gitlab_version, $CI_SERVER_VERSION, the version of the --remote or --gitlab-url instance, else "+gitlabversion.Newest().String()+")")
	event := fl.String("event", "", "decide include:rules for this kind of pipeline: "+strings.Join(simulate.EventNames(), ", ")+" (default: any)")
	var vars pairsFlag
	fl.Var(&vars, "var", "NAME=VALUE: a variable's value in the pipeline, for include:rules (repeatable)")
	if code, ok := parseFlags(fl, args); !ok {
		return code
	}
	if fl.NArg() == 0 {
		fmt.Fprintln(stderr, "cilint lint: no file given")
		fl.Usage()
		return exitUsage
	}
	write, ok := formatOf(*format)
	if !ok {
		say(stderr, "cilint lint: unknown --format %q (%s)\n", *format, formatHelp())
		return exitUsage
	}
	if of.offline && (of.allowRemote || *useRemote) {
		fmt.Fprintln(stderr, "cilint lint: --offline forbids the network; it cannot go with --allow-remote or --remote")
		return exitUsage
	}
	useColor := false
	switch {
	case *noColor || *color == "never":
	case *color == "always":
		useColor = true
	case *color == "auto":
		useColor = getenv("NO_COLOR") == "" && isTerminal(stdout)
	default:
		say(stderr, "cilint lint: unknown --color %q (auto, always or never)\n", *color)
		return exitUsage
	}
	opts := of.options(getenv)
	opts.SchemaOnly, opts.Shellcheck = *schemaOnly, *shellcheck
	if of.root == "" && !repo.Installed() {
		fmt.Fprintln(stderr, "cilint: info: git is not installed, so each file's folder is taken as its repository root (pass --root)")
	}
	opts.GitLabVersion = *gitlabVersion // lint.New resolves it
	var remoteOpts *remote.Options
	if *useRemote {
		ro, err := remoteOptions(&of, *project, *tokenFile, *dryRun, *ref, getenv)
		if err != nil {
			say(stderr, "cilint lint: %v\n", err)
			return exitUsage
		}
		remoteOpts = ro
		if opts.Remote != nil {
			// --remote's instance and token also say which release it runs.
			opts.Remote.VersionURL, opts.Remote.VersionToken = ro.BaseURL, ro.Token
		}
	}
	if *event != "" || vars.m != nil {
		// include:rules then see the event's predefined variables and
		// the user's; what stays unknown is linted both ways.
		ev, ok := simulate.Events()[*event]
		if !ok && *event != "" {
			say(stderr, "cilint lint: unknown --event %q (%s)\n", *event, strings.Join(simulate.EventNames(), ", "))
			return exitUsage
		}
		opts.Vars = simulate.NewVariables(ev, nil, vars.m).Lookup
	}
	l, err := lint.New(opts)
	if err != nil {
		say(stderr, "cilint lint: %v\n", err)
		return exitUsage
	}
	if note := l.GitLabVersionNote(); note != "" {
		say(stderr, "cilint: info: %s\n", note)
	}
	var runs [][]finding.Finding
	sources := report.Sources{}
	jobs := 0
	remoteFailed := false
	results := lintFiles(l, fl.Args())
	for i, path := range fl.Args() {
		res, err := results[i].res, results[i].err
		if err != nil {
			say(stderr, "cilint: %v\n", err)
			return exitUsage
		}
		if f, bad := res.BadGitLabVersion(); bad {
			say(stderr, "cilint lint: %s:%d:%d: %s\n", f.Pos.File, f.Pos.Line, f.Pos.Col, f.Message)
			return exitUsage
		}
		for name, src := range res.Sources() {
			sources[name] = src
		}
		runs = append(runs, res.Findings)
		if res.Pipeline != nil {
			jobs += len(res.Pipeline.Jobs)
		}
		if remoteOpts != nil {
			// Within the run's network deadline (--network-timeout), and
			// at most two minutes for this file.
			parent := context.Background()
			if opts.Remote != nil && opts.Remote.Context != nil {
				parent = opts.Remote.Context
			}
			ctx, cancel := context.WithTimeout(parent, 2*time.Minute)
			out, err := remote.Check(ctx, res, path, *remoteOpts)
			cancel()
			if err != nil {
				// The local findings are still printed; the run says why
				// GitLab could not be asked, and exits 2.
				say(stderr, "cilint: --remote: %v\n", err)
				remoteFailed = true
				continue
			}
			say(stderr, "cilint: --remote: %s: GitLab says the configuration is %s\n", out.Mode, map[bool]string{true: "valid", false: "invalid"}[out.Valid])
			runs[len(runs)-1] = append(runs[len(runs)-1], res.Settle(out.Findings)...)
		}
	}
	all := lint.DedupeChildren(runs)
	finding.Sort(all)
	// A child pipeline given on the command line is also linted through
	// its parent: report each finding once.
	all = finding.Dedupe(all)
	err = write(stdout, reportInput{findings: all, sources: sources, files: fl.Args(),
		text: report.TextOptions{Color: useColor, OneLine: *oneLine}})
	if err != nil {
		say(stderr, "cilint: write report: %v\n", err)
		return exitUsage
	}
	if *format == "text" && isTerminal(stderr) {
		// A person at a terminal sees that something was checked; scripts
		// and machine formats get the report alone.
		say(stderr, "cilint: %s\n", summary(len(fl.Args()), len(sources), jobs, all))
	}
	if n := unreadComponents(all); n > 0 {
		// Exit 0 must not read as "checked": say once what was not.
		say(stderr, "cilint: %d component include(s) were not read (pass --catalog PREFIX=DIR, set catalogs: in .cilint.yml, or lint online); the jobs they define were not checked\n", n)
	}
	if remoteFailed {
		return exitUsage
	}
	if finding.HasErrors(all) {
		return exitFindings
	}
	return exitOK
}

// linted is what linting one FILE argument gave.
type linted struct {
	res *lint.Result
	err error
}

// lintFiles lints the files at the same time, up to GOMAXPROCS at once,
// with the one Linter (one compiled schema, one GitLab client cache), and
// returns the results in the order of paths, so the report does not
// depend on which lint ends first. Files after one that cannot be read
// are not started: the run stops there, as it did one file at a time.
func lintFiles(l *lint.Linter, paths []string) []linted {
	out := make([]linted, len(paths))
	if len(paths) == 1 {
		out[0].res, out[0].err = l.File(paths[0])
		return out
	}
	var (
		mu       sync.Mutex
		next     int
		failed   = len(paths) // the first path that could not be read
		panicked any          // handed to run's recover, on this goroutine
	)
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next >= len(paths) || next > failed || panicked != nil {
			return 0, false
		}
		next++
		return next - 1, true
	}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(paths)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					mu.Lock()
					panicked = p
					mu.Unlock()
				}
			}()
			for {
				i, ok := take()
				if !ok {
					return
				}
				res, err := l.File(paths[i])
				mu.Lock()
				out[i] = linted{res, err}
				if err != nil && i < failed {
					failed = i
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if panicked != nil {
		panic(panicked)
	}
	return out
}

// reportInput is everything an output format may use.
type reportInput struct {
	findings []finding.Finding
	sources  report.Sources
	files    []string
	text     report.TextOptions
}

// outputFormat is one --format: its name, what it is, and its writer.
type outputFormat struct {
	name, about string
	write       func(io.Writer, reportInput) error
}

// formats are the --format values, in the order the help lists them.
func formats() []outputFormat {
	return []outputFormat{
		{"text", "", func(w io.Writer, in reportInput) error { return report.Text(w, in.findings, in.sources, in.text) }},
		{"json", "", func(w io.Writer, in reportInput) error { return report.JSON(w, in.findings) }},
		{"codequality", "GitLab's Code Quality report", func(w io.Writer, in reportInput) error {
			return report.CodeQuality(w, in.findings, in.sources)
		}},
		{"sarif", "2.1.0", func(w io.Writer, in reportInput) error { return report.SARIF(w, in.findings, version()) }},
		{"junit", "", func(w io.Writer, in reportInput) error { return report.JUnit(w, in.findings, in.files) }},
	}
}

func formatOf(name string) (func(io.Writer, reportInput) error, bool) {
	for _, f := range formats() {
		if f.name == name {
			return f.write, true
		}
	}
	return nil, false
}

// formatHelp lists the formats: "text, json, codequality (...), sarif
// (2.1.0) or junit".
func formatHelp() string {
	var names []string
	for _, f := range formats() {
		n := f.name
		if f.about != "" {
			n += " (" + f.about + ")"
		}
		names = append(names, n)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// summary is one line on what a run checked and found.
func summary(pipelines, files, jobs int, fs []finding.Finding) string {
	count := map[finding.Severity]int{}
	for _, f := range fs {
		count[f.Severity]++
	}
	return fmt.Sprintf("%s, %s read, %s: %s, %s", plural(pipelines, "pipeline"), plural(files, "file"), plural(jobs, "job"),
		plural(count[finding.Error], "error"), plural(count[finding.Warning], "warning"))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// unreadComponents counts the component includes a run could not read
// (offline, no catalog, unreachable), from their include-offline findings.
func unreadComponents(fs []finding.Finding) int {
	n := 0
	for _, f := range fs {
		if f.Rule == rules.IncludeOffline && strings.HasPrefix(f.Message, "include:component ") {
			n++
		}
	}
	return n
}

// remoteOptions gathers what --remote needs: the instance, the project and
// the token, from flags, the CI environment and the git remote.
func remoteOptions(of *optionFlags, project, tokenFile string, dryRun bool, ref string, getenv func(string) string) (*remote.Options, error) {
	o := &remote.Options{Project: project, DryRun: dryRun, Ref: ref, CAFile: of.caFile}
	o.BaseURL = of.gitlabURL
	if o.BaseURL == "" {
		o.BaseURL = getenv("CI_SERVER_URL")
	}
	if o.Project == "" {
		o.Project = getenv("CI_PROJECT_ID")
	}
	if o.Project == "" || o.BaseURL == "" {
		dir := of.root
		if dir == "" {
			dir = "."
		}
		host, path := remote.ProjectFromGit(dir)
		if o.Project == "" {
			o.Project = path
		}
		if o.BaseURL == "" && host != "" {
			o.BaseURL = "https://" + host
		}
	}
	o.Token, o.JobToken = gitlabapi.TokensFromEnv(getenv)
	if tokenFile != "" {
		// A token is a line of text: a regular file, small. Its content
		// is never shown, whatever it holds.
		b, err := tree.ReadRegular(tokenFile, maxTokenBytes)
		if err != nil {
			return nil, fmt.Errorf("--token-file: %w", err)
		}
		if len(b) > maxTokenBytes {
			return nil, fmt.Errorf("--token-file %s is over %d bytes: not a token file", tokenFile, maxTokenBytes)
		}
		o.Token = strings.TrimSpace(string(b))
	}
	return o, nil
}

// maxTokenBytes bounds --token-file: GitLab tokens are tens of bytes.
const maxTokenBytes = 4096

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func runRender(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fl := newFlags("cilint render", "Usage: cilint render [flags] FILE\n\nPrints the configuration GitLab builds from FILE: includes merged,\nextends and !reference resolved, in GitLab's order.\n\nFlags:\n", stderr)
	var of optionFlags
	of.register(fl)
	format := fl.String("format", "yaml", "output format: yaml or json")
	if code, ok := parseFlags(fl, args); !ok {
		return code
	}
	if fl.NArg() != 1 || (*format != "yaml" && *format != "json") {
		fl.Usage()
		return exitUsage
	}
	_, res, code := buildPipeline("render", of.options(getenv), fl.Arg(0), stderr)
	if res == nil {
		return code
	}
	// With errors the configuration is still printed (it is what a user
	// needs to see why), but the exit status says it is not valid.
	if getenv("GOGC") == "" {
		// The whole pipeline stays live while printing makes garbage per
		// entry: collecting at Go's default pace keeps the peak lint's.
		debug.SetGCPercent(100)
	}
	var err error
	if *format == "json" {
		err = render.JSON(stdout, res.Pipeline.Config)
	} else {
		err = render.YAML(stdout, res.Pipeline.Config)
	}
	if err != nil {
		say(stderr, "cilint: %v\n", err)
		return exitUsage
	}
	return code
}

// buildPipeline lints path for a command that works on the pipeline it
// builds (render, jobs). With no pipeline to work on it prints why and
// returns a nil result and the exit status; with errors it prints them
// on standard error and goes on with what could be built, returning
// exitFindings so that a script cannot take the output for a valid
// pipeline.
func buildPipeline(cmd string, opts lint.Options, path string, stderr io.Writer) (*lint.Linter, *lint.Result, int) {
	l, err := lint.New(opts)
	if err != nil {
		say(stderr, "cilint: %v\n", err)
		return nil, nil, exitUsage
	}
	res, err := l.File(path)
	if err != nil {
		say(stderr, "cilint: %v\n", err)
		return nil, nil, exitUsage
	}
	if res.Pipeline == nil || res.Pipeline.Config == nil {
		report.Text(stderr, res.Findings, res.Sources(), report.TextOptions{OneLine: true})
		say(stderr, "cilint %s: the configuration could not be built\n", cmd)
		return nil, nil, exitFindings
	}
	if finding.HasErrors(res.Findings) {
		var errs []finding.Finding
		for _, f := range res.Findings {
			if f.Severity == finding.Error {
				errs = append(errs, f)
			}
		}
		report.Text(stderr, errs, res.Sources(), report.TextOptions{OneLine: true})
		say(stderr, "cilint %s: the configuration has the errors above; using what could be built\n", cmd)
		return l, res, exitFindings
	}
	return l, res, exitOK
}

// pairsFlag collects repeated NAME=VALUE flags.
type pairsFlag struct{ m map[string]string }

func (p *pairsFlag) String() string { return "" }

func (p *pairsFlag) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return fmt.Errorf("%q is not NAME=VALUE", s)
	}
	if p.m == nil {
		p.m = map[string]string{}
	}
	p.m[name] = value
	return nil
}
