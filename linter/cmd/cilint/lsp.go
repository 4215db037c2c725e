package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"gitlab.com/trustci/cicd/linter/lsp"
)

// runLSP serves the Language Server Protocol on standard input and
// output until the client exits. It lints offline: a keystroke must not
// wait for GitLab, so components come from local catalogs (.cilint.yml's
// catalogs:, --catalog) and project, template and remote includes are
// recorded, not read, as with lint --offline.
func runLSP(args []string, stderr io.Writer, getenv func(string) string) int {
	fl := newFlags("cilint lsp", "Usage: cilint lsp [flags]\n\nServe the Language Server Protocol on standard input and output (docs/lsp.md).\n", stderr)
	var o optionFlags
	fl.StringVar(&o.root, "root", "", "repository root for include:local (default: the git top level of each file)")
	fl.StringVar(&o.configPath, "config", "", "settings file (default: .cilint.yml at the repository root)")
	fl.StringVar(&o.serverFQDN, "server-fqdn", "", "what $CI_SERVER_FQDN means in component references (default: $CI_SERVER_FQDN, $CI_SERVER_HOST, else gitlab.com)")
	fl.Var(&o.catalogs, "catalog", "PREFIX=DIR: read components <PREFIX>/<name>@<version> from the catalog project in DIR (repeatable)")
	gitlabVersion := fl.String("gitlab-version", "", "lint against this GitLab release (default: .cilint.yml's gitlab_version, else the newest known)")
	debounce := fl.Duration("debounce", lsp.DefaultDebounce, "how long to wait after a change before linting")
	if code, ok := parseFlags(fl, args); !ok {
		return code
	}
	if fl.NArg() > 0 {
		fmt.Fprintln(stderr, "cilint lsp: takes no arguments; the client names the files")
		return exitUsage
	}
	o.offline = true
	opts := o.options(getenv)
	opts.GitLabVersion = *gitlabVersion
	s, err := lsp.New(lsp.Options{Lint: opts, Debounce: *debounce, Version: version()})
	if err != nil {
		say(stderr, "cilint lsp: %v\n", err)
		return exitUsage
	}
	if err := s.Serve(context.Background(), stdio{}); err != nil {
		say(stderr, "cilint lsp: %v\n", err)
		return exitUsage
	}
	return exitOK
}

// stdio is standard input and output as the one stream the client talks
// on.
type stdio struct{}

func (stdio) Read(p []byte) (int, error)  { return os.Stdin.Read(p) }
func (stdio) Write(p []byte) (int, error) { return os.Stdout.Write(p) }
func (stdio) Close() error                { return os.Stdin.Close() }
