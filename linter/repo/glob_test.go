package repo

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"gitlab.com/trustci/cicd/linter/expr"
	"gitlab.com/trustci/cicd/linter/load"
)

// TestWildcard: include:local's dialect (app/models/repository.rb,
// search_files_by_wildcard_path), where it differs from doublestar's.
func TestWildcard(t *testing.T) {
	for _, tt := range []struct {
		pattern, path string
		want          bool
	}{
		{"ci/*.yml", "ci/a.yml", true},
		{"ci/*.yml", "ci/sub/a.yml", false},
		{"/ci/*.yml", "ci/a.yml", true}, // leading slashes dropped
		{"ci/**/*.yml", "ci/a.yml", true},
		{"ci/**/*.yml", "ci/a/b/c.yml", true},
		{"**/*.yml", "a.yml", true},
		// `**` inside a segment matches across directories (`.*?`);
		// doublestar reads it as `*`.
		{"ci/**.yml", "ci/a/b.yml", true},
		{"ci/**.yml", "ci/b.yml", true},
		{"ci/a**", "ci/ab/c.yml", true},
		// `**/` after other characters is `(.*?/)?`: nothing, or text
		// ending in a slash.
		{"ci/a**/b.yml", "ci/ab.yml", true},
		{"ci/a**/b.yml", "ci/ax/y/b.yml", true},
		{"ci/a**/b.yml", "ci/b.yml", false},
		// `ci/**` needs a character after `ci/`; doublestar's matches `ci`.
		{"ci/**", "ci", false},
		{"ci/**", "ci/x/y.yml", true},
		{"***.yml", "a/b.yml", true},
		// A run of stars before / ends in `**/` (GitLab replaces `**/`
		// first): `***/` is `[^/]*?(.*?/)?`.
		{"***/", "x", true},
		{"a***/", "ab", true},
		{"a***/b", "ax/y/b", true},
		{"****/**", "xx", true},
		// A final `(.*?/)?` can only be nothing: no file's path ends in /.
		{"/.**/", ".bxb", false},
		{"/.**/", ".", true},
		// Only `*` is special: doublestar's ?, [ ], { } and \ are literal.
		{"ci/?.yml", "ci/a.yml", false},
		{"ci/?.yml", "ci/?.yml", true},
		{"ci/[ab].yml", "ci/a.yml", false},
		{"ci/[ab].yml", "ci/[ab].yml", true},
		{"ci/{a,b}.yml", "ci/{a,b}.yml", true},
		{`ci/\*.yml`, `ci/\x.yml`, true},
		{"ci/*.yml", "ci/.hidden.yml", true},
	} {
		t.Run(fmt.Sprintf("%s~%s", tt.pattern, tt.path), func(t *testing.T) {
			g, err := Compile(Wildcard, tt.pattern)
			if err != nil {
				t.Fatal(err)
			}
			if got := g.Match(tt.path); got != tt.want {
				t.Errorf("got %v, want %v (as %q)", got, tt.want, g.alts)
			}
		})
	}
	if _, err := Compile(Wildcard, "a**b**c**d**e**f**g**"); err == nil {
		t.Error("a pattern of 2^7 alternatives must be refused")
	}
}

// TestFnmatch: rules:exists' and rules:changes' dialect, Ruby's
// File.fnmatch? with FNM_PATHNAME | FNM_DOTMATCH | FNM_EXTGLOB
// (lib/gitlab/ci/build/rules/rule/clause/exists.rb, changes.rb).
func TestFnmatch(t *testing.T) {
	for _, tt := range []struct {
		pattern, path string
		want          bool
	}{
		{"Dockerfile", "Dockerfile", true},
		{"Dockerfile", "app/Dockerfile", false},
		{"*.py", "manage.py", true},
		{"*.py", "app/views.py", false},
		{"**/*.py", "manage.py", true},
		{"**/*.py", "app/board/views.py", true},
		{"app/**/*.html", "app/templates/board/list.html", true},
		{"app/**/*.html", "app/list.html", true},
		{"src/**", "src/a.go", true},
		// `**` not before `/` is `*` in Ruby; doublestar's final `/**` is
		// recursive.
		{"src/**", "src/a/b.go", false},
		{"**", "a/b", false},
		{".***", ".", true},
		{"**.****", ".", true},
		{"***/a", "x/a", true},
		{"***/a", "x/y/a", false}, // `***/` is no `**/`
		// A pattern ending in / names folders; files never match it.
		{"?**/", "b", false},
		{"src/**/", "src/a", false},
		{"*.{yml,yaml}", "ci.yaml", true},
		{"*.{yml,yaml}", "ci.json", false},
		{"{a,b/{c,d}}.txt", "b/d.txt", true},
		{"file?.txt", "file1.txt", true},
		{"file?.txt", "file/.txt", false},
		{"[abc].txt", "b.txt", true},
		{"[!abc].txt", "d.txt", true},
		{"[^abc].txt", "a.txt", false},
		{"a[!b]c", "a/c", false}, // FNM_PATHNAME: a set never matches /
		{"*", ".env", true},      // FNM_DOTMATCH
		{"**/*.yml", ".gitlab/ci.yml", true},
		{`\*.txt`, "*.txt", true},
		{`\*.txt`, "a.txt", false},
		{"a+b(c).txt", "a+b(c).txt", true},
		// A `[` without `]` is literal in Ruby, an error in doublestar.
		{"[unclosed", "[unclosed", true},
		// A `]` first ends the set in Ruby's dir.c: `[]` is empty, `[!]`
		// any character but /; doublestar refuses both.
		{"[]a].txt", "].txt", false},
		{"[]a].txt", "a].txt", false},
		{"[!]a].txt", "ba].txt", true},
		{"[!]a].txt", "/a].txt", false},
		{"[!]a].txt", "b.txt", false},
	} {
		t.Run(fmt.Sprintf("%s~%s", tt.pattern, tt.path), func(t *testing.T) {
			g, err := Compile(Fnmatch, tt.pattern)
			if err != nil {
				t.Fatal(err)
			}
			if got := g.Match(tt.path); got != tt.want {
				t.Errorf("got %v, want %v (as %q)", got, tt.want, g.alts)
			}
		})
	}
	if _, err := Compile(Fnmatch, "{a,b"); err == nil {
		t.Error("an unclosed brace must be an error")
	}
}

func TestGlobsCompileOnce(t *testing.T) {
	gs := NewGlobs()
	a, _ := gs.Compile(Fnmatch, "*.yml")
	b, _ := gs.Compile(Fnmatch, "*.yml")
	if &a.alts[0] != &b.alts[0] {
		t.Error("the second Compile translated the pattern again")
	}
	if c, _ := gs.Compile(Wildcard, "*.yml"); len(gs.done) != 2 || !c.Match("a.yml") {
		t.Error("the dialects must be kept apart")
	}
}

func list(items ...string) *load.Node {
	n := &load.Node{Kind: load.Seq}
	for _, s := range items {
		n.Items = append(n.Items, &load.Node{Kind: load.String, Text: s})
	}
	return n
}

func mapping(pairs ...string) *load.Node {
	n := &load.Node{Kind: load.Map}
	for i := 0; i+1 < len(pairs); i += 2 {
		v := &load.Node{Kind: load.String, Text: pairs[i+1]}
		if pairs[i] == "paths" {
			v = list(pairs[i+1])
		}
		n.Pairs = append(n.Pairs, load.Pair{Key: &load.Node{Kind: load.String, Text: pairs[i]}, Value: v})
	}
	return n
}

func TestExists(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"app/.git/x", "app/manage.py", `back\slash`, "top.yml"} {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := NewCheckout(dir)
	for i, tt := range []struct {
		value *load.Node
		want  expr.Truth
	}{
		{list("**/manage.py"), expr.True},
		{list("manage.py"), expr.False},
		{list("nope", "app/*.py"), expr.True},
		{list("app/.git/x"), expr.False}, // .git is not listed
		{list("$DIR/*.py"), expr.Unknown},
		{list("app/*.py", "$DIR/*.py"), expr.True}, // decided before the variable
		{list("{a,b"), expr.Unknown},
		{list(), expr.False},
		{mapping("paths", "app/manage.py"), expr.True},
		{mapping("paths", "app/manage.py", "project", "a/b"), expr.Unknown},
		// exists.rb compares a pattern without *?[{ as written: a `\`
		// is no escape there.
		{list(`back\slash`), expr.True},
		{list(`back\slas[h]`), expr.False},
		{list("*.yml"), expr.True}, // top-level only: exists.rb's top_level_glob?
	} {
		if got := c.Exists(tt.value); got != tt.want {
			t.Errorf("%d: got %v, want %v", i, got, tt.want)
		}
	}
}

// TestExistsComparisonLimit: past 10,000 pattern comparisons exists.rb
// takes the rule as matching.
func TestExistsComparisonLimit(t *testing.T) {
	c := &Checkout{globs: NewGlobs()}
	c.once.Do(func() {})
	for i := 0; i < 5001; i++ {
		c.files = append(c.files, fmt.Sprintf("d/f%05d.txt", i))
	}
	if got := c.Exists(list("**/*.nope")); got != expr.False {
		t.Errorf("one pattern over 5,001 files: %v, want false", got)
	}
	if got := c.Exists(list("**/*.nope", "**/*.none")); got != expr.True {
		t.Errorf("two patterns over 5,001 files (10,002 comparisons): %v, want true", got)
	}
}

func TestChanges(t *testing.T) {
	many := make([]string, 25_001)
	for i := range many {
		many[i] = fmt.Sprintf("f%d", i)
	}
	for i, tt := range []struct {
		changed []string
		value   *load.Node
		want    expr.Truth
	}{
		{[]string{"app/a.py"}, list("app/**/*.py"), expr.True},
		{[]string{"docs/a.md"}, list("app/**/*.py"), expr.False},
		{nil, list("app/**/*.py"), expr.False},
		{[]string{"docs/a.md"}, mapping("paths", "docs/*", "compare_to", "main"), expr.Unknown},
		// changes.rb compares every pattern, exact or not, with fnmatch.
		{[]string{"ab"}, list(`a\b`), expr.True},
		// More than 50,000 comparisons count as a match (changes.rb).
		{many, list("x", "y"), expr.True},
		{many[:25_000], list("x", "y"), expr.False},
	} {
		if got := Changes(tt.changed)(tt.value); got != tt.want {
			t.Errorf("%d: got %v, want %v", i, got, tt.want)
		}
	}
}
