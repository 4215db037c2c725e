package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMessagesAboutPathsAreClean: a path given on the command line
// reaches cilint's own messages (a file that cannot be read, a catalog
// folder); its control characters must not reach the terminal.
func TestMessagesAboutPathsAreClean(t *testing.T) {
	dir := t.TempDir()
	hostile := filepath.Join(dir, "a\x1b[2J\x1b]0;owned\x07\u202e.yml")
	catalog := filepath.Join(dir, "catalog") // for impact, which checks it first
	if err := os.MkdirAll(filepath.Join(catalog, "templates"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"lint", hostile},
		{"lint", "--format", "json", hostile},
		{"render", hostile},
		{"jobs", hostile},
		{"catalog", "list", hostile},
		{"lint", "--color", "\x1b[31m", hostile},
		{"graph", hostile},
		{"catalog", "lint", hostile},
		{"impact", "--offline", "--catalog", "gitlab.com/a/b=" + catalog, hostile},
		{"impact", "merge", hostile},
	} {
		t.Run(strings.Join(args[:min(len(args)-1, 2)], " "), func(t *testing.T) {
			_, _, stderr := runCLI(args, nil)
			if stderr == "" {
				t.Fatal("no message on standard error")
			}
			if strings.ContainsAny(stderr, "\x1b\x07\u202e") {
				t.Errorf("a control character reached standard error: %q", stderr)
			}
			if !strings.Contains(stderr, "␛") {
				t.Errorf("the escape is not shown as a visible symbol: %q", stderr)
			}
		})
	}
}

func TestSay(t *testing.T) {
	var b strings.Builder
	say(&b, "cilint: %s: %v (%d)\n", "a\x1bb", errString("c\u009bd"), 3)
	if got, want := b.String(), "cilint: a␛b: c\ufffdd (3)\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

type errString string

func (e errString) Error() string { return string(e) }
