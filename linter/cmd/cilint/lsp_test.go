package main

import (
	"strings"
	"testing"
)

// The server itself is tested through the protocol in linter/lsp and
// tests/lsp; these are the command's own arguments.
func TestLSPArguments(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"lsp", "pipeline.yml"}, exitUsage, "takes no arguments"},
		{[]string{"lsp", "--no-such-flag"}, exitUsage, "flag provided but not defined"},
		{[]string{"lsp", "-h"}, exitOK, "Serve the Language Server Protocol"},
		{[]string{"lsp", "--gitlab-version", "not-a-version"}, exitUsage, "--gitlab-version"},
	} {
		code, _, stderr := runCLI(tc.args, nil)
		if code != tc.code || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, tc.code, tc.stderr)
		}
	}
}
