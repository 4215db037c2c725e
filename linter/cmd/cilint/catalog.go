package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"gitlab.com/trustci/cicd/linter/component"
	"gitlab.com/trustci/cicd/linter/config"
	"gitlab.com/trustci/cicd/linter/lint"
)

const catalogUsage = `Usage:
  cilint catalog list [DIR|PREFIX]          components with description and latest release
                      [--gitlab-url URL] [--ca-file FILE] for a PREFIX read through GitLab
  cilint catalog show [--dir DIR] NAME      a component's inputs
  cilint catalog docs [--check] [DIR]       write (or check) each component README's inputs table
  cilint catalog lint [flags] [DIR]         lint every component across its inputs (cilint catalog lint -h)

DIR is a catalog project (with templates/); PREFIX is a catalog configured in
.cilint.yml. The default is ./components, else the first catalog in .cilint.yml.
`

func runCatalog(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, catalogUsage)
		return exitUsage
	}
	if args[0] == "lint" {
		return runCatalogLint(args[1:], stdout, stderr, getenv)
	}
	fl := flag.NewFlagSet("cilint catalog "+args[0], flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, catalogUsage) }
	check := fl.Bool("check", false, "docs: fail when a README's inputs table is out of date, change nothing")
	dirFlag := fl.String("dir", "", "show: the catalog project directory")
	gitlabURL := fl.String("gitlab-url", "", "list: the GitLab instance the token belongs to (default: $CI_SERVER_URL; other hosts: https://HOST, anonymously)")
	caFile := fl.String("ca-file", "", "list: PEM certificate authority of a self-managed GitLab with a private CA")
	if code, ok := parseFlags(fl, args[1:]); !ok {
		return code
	}
	switch args[0] {
	case "list":
		dir, err := catalogDir(fl.Arg(0))
		if err != nil && looksLikePrefix(fl.Arg(0)) {
			return remoteList(fl.Arg(0), runRemote(*gitlabURL, *caFile, getenv), stdout, stderr, getenv)
		}
		if err != nil {
			say(stderr, "cilint catalog: %v\n", err)
			return exitUsage
		}
		return catalogList(component.Local{Dir: dir}, stdout, stderr)
	case "show":
		if fl.NArg() != 1 {
			fmt.Fprint(stderr, catalogUsage)
			return exitUsage
		}
		dir, err := catalogDir(*dirFlag)
		if err != nil {
			say(stderr, "cilint catalog: %v\n", err)
			return exitUsage
		}
		info, err := component.Describe(component.Local{Dir: dir}, fl.Arg(0))
		if err != nil {
			say(stderr, "cilint catalog: %v\n", err)
			return exitUsage
		}
		fmt.Fprintf(stdout, "%s: %s\n\n%s", info.Name, info.Description, component.InputsTable(info.Spec))
		return exitOK
	case "docs":
		dir, err := catalogDir(fl.Arg(0))
		if err != nil {
			say(stderr, "cilint catalog: %v\n", err)
			return exitUsage
		}
		changed, err := component.Docs(component.Local{Dir: dir}, *check)
		if err != nil {
			say(stderr, "cilint catalog docs: %v\n", err)
			return exitUsage
		}
		for _, p := range changed {
			if *check {
				fmt.Fprintf(stdout, "%s: the inputs table is out of date; run cilint catalog docs\n", p)
			} else {
				fmt.Fprintf(stdout, "updated %s\n", p)
			}
		}
		if *check && len(changed) > 0 {
			return exitFindings
		}
		return exitOK
	}
	say(stderr, "cilint catalog: unknown command %q\n\n%s", args[0], catalogUsage)
	return exitUsage
}

// catalogDir turns the DIR|PREFIX argument into a catalog directory.
func catalogDir(arg string) (string, error) {
	if arg != "" {
		if st, err := os.Stat(arg); err == nil && st.IsDir() {
			return arg, nil
		}
	}
	cfg, _, err := config.Load(config.FileName)
	if err != nil {
		return "", err
	}
	if arg != "" {
		if dir, ok := cfg.Catalogs[arg]; ok {
			return dir, nil
		}
		return "", fmt.Errorf("%s is neither a directory nor a catalog in %s", arg, config.FileName)
	}
	if st, err := os.Stat("components"); err == nil && st.IsDir() {
		return "components", nil
	}
	prefixes := make([]string, 0, len(cfg.Catalogs))
	for p := range cfg.Catalogs {
		prefixes = append(prefixes, p)
	}
	sort.Strings(prefixes)
	if len(prefixes) > 0 {
		return cfg.Catalogs[prefixes[0]], nil
	}
	return "", fmt.Errorf("no catalog given, no ./components and no catalogs in %s", config.FileName)
}

func catalogList(l component.Local, stdout, stderr io.Writer) int {
	names, err := l.Components()
	if err != nil {
		say(stderr, "cilint catalog: %v\n", err)
		return exitUsage
	}
	latest := "-"
	if rel, _ := l.Releases(); len(rel) > 0 {
		if v, ok := component.Resolve("~latest", rel); ok {
			latest = v
		}
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tLATEST\tDESCRIPTION")
	for _, n := range names {
		desc := ""
		if info, err := component.Describe(l, n); err == nil {
			desc = info.Description
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", n, latest, strings.ReplaceAll(desc, "\n", " "))
	}
	w.Flush()
	fmt.Fprintf(stdout, "\n%d components in %s\n", len(names), filepath.Clean(l.Dir))
	return exitOK
}

// looksLikePrefix tells <host>/<group>/<project> from a directory name.
func looksLikePrefix(s string) bool {
	host, project, ok := strings.Cut(s, "/")
	return ok && strings.Contains(host, ".") && strings.Contains(project, "/") || ok && strings.Contains(host, ":")
}

// remoteList lists a catalog project on its GitLab instance through the
// REST API: the templates folder at the latest release, each template's
// spec:description.
func remoteList(prefix string, rm *lint.Remote, stdout, stderr io.Writer, getenv func(string) string) int {
	r, err := rm.Catalog(lint.InstanceURL(rm, serverFQDN("", getenv)), prefix)
	if err != nil {
		say(stderr, "cilint catalog: %v\n", err)
		return exitUsage
	}
	names, err := r.Components()
	if err != nil {
		say(stderr, "cilint catalog: %v\n", err)
		return exitUsage
	}
	rel, _ := r.Releases()
	latest, _ := component.Resolve("~latest", rel)
	if latest == "" {
		latest = "-"
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tLATEST\tDESCRIPTION")
	for _, n := range names {
		desc := ""
		if latest != "-" {
			if t, err := r.Template(n, latest); err == nil {
				desc = component.DescriptionOf(t.Source)
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", n, latest, desc)
	}
	w.Flush()
	return exitOK
}
