package gitlabversion

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/gitlab-versions.md from the table")

// TestTable keeps the table well-formed: unique kebab-case IDs, releases
// cilint lints for, a source for every row, and places that start at a
// root Detect knows.
func TestTable(t *testing.T) {
	id := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	roots := map[string]bool{"job": true, "trigger-job": true, "default": true, "workflow": true, "variables": true,
		"stages": true, "image": true, "services": true, "cache": true, "include": true, "spec": true, "main-spec": true, "interpolated": true}
	seen := map[string]bool{}
	releases := map[Version]bool{}
	for _, f := range Features() {
		if !id.MatchString(f.ID) || seen[f.ID] {
			t.Errorf("feature ID %q is not kebab-case or repeats", f.ID)
		}
		seen[f.ID] = true
		releases[f.Since] = true
		if f.Since.Less(Oldest()) || Newest().Less(f.Since) {
			t.Errorf("%s: since %s is outside %s..%s", f.ID, f.Since, Oldest(), Newest())
		}
		if f.Name == "" || f.What == "" || f.Source == "" || len(f.Where) == 0 {
			t.Errorf("%s: name, what, source and where are all needed", f.ID)
		}
		for _, w := range f.Where {
			root, _, _ := strings.Cut(w, ":")
			if !roots[root] {
				t.Errorf("%s: place %q starts at an unknown root", f.ID, w)
			}
			if root == "interpolated" && f.Match == nil {
				t.Errorf("%s: every string is interpolated; the feature needs a Match", f.ID)
			}
		}
	}
	if len(seen) < 20 || len(releases) < 6 {
		t.Errorf("the table has %d features of %d releases; want at least 20 of 6", len(seen), len(releases))
	}
}

// TestDocs keeps docs/gitlab-versions.md generated from the table.
func TestDocs(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "gitlab-versions.md")
	want := Markdown()
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != want {
		t.Errorf("docs/gitlab-versions.md is stale: run go test ./linter/gitlabversion -update (%v)", err)
	}
}
