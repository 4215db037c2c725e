package include

import (
	"os"
	"path/filepath"
	"testing"

	"gitlab.com/trustci/cicd/linter/expr"
	"gitlab.com/trustci/cicd/linter/load"
)

func TestFnmatch(t *testing.T) {
	tests := []struct {
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
		{"src/**", "src/a/b.go", false}, // ** not before / is *
		{"*.{yml,yaml}", "ci.yaml", true},
		{"*.{yml,yaml}", "ci.json", false},
		{"{a,b/{c,d}}.txt", "b/d.txt", true},
		{"file?.txt", "file1.txt", true},
		{"file?.txt", "file/.txt", false},
		{"[abc].txt", "b.txt", true},
		{"[!abc].txt", "d.txt", true},
		{"[!abc].txt", "a.txt", false},
		{"*", ".env", true}, // FNM_DOTMATCH
		{`\*.txt`, "*.txt", true},
		{`\*.txt`, "a.txt", false},
		{"a+b(c).txt", "a+b(c).txt", true},
		{"[unclosed", "[unclosed", true},
	}
	for _, tt := range tests {
		re, err := fnmatchRegexp(tt.pattern)
		if err != nil {
			t.Errorf("%s: %v", tt.pattern, err)
			continue
		}
		if got := re.MatchString(tt.path); got != tt.want {
			t.Errorf("%q on %q = %v, want %v (%s)", tt.pattern, tt.path, got, tt.want, re)
		}
	}
	if _, err := fnmatchRegexp("{a,b"); err == nil {
		t.Error("an unclosed brace must be an error")
	}
}

func TestRepoExists(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "app", ".git"), 0o755)
	os.WriteFile(filepath.Join(dir, "app", "manage.py"), nil, 0o644)
	repo := NewRepo(dir)
	list := func(items ...string) *load.Node {
		n := &load.Node{Kind: load.Seq}
		for _, s := range items {
			n.Items = append(n.Items, &load.Node{Kind: load.String, Text: s})
		}
		return n
	}
	tests := []struct {
		value *load.Node
		want  expr.Truth
	}{
		{list("**/manage.py"), expr.True},
		{list("manage.py"), expr.False},
		{list("nope", "app/*.py"), expr.True},
		{list("$DIR/*.py"), expr.Unknown},
		{&load.Node{Kind: load.Map, Pairs: []load.Pair{{Key: &load.Node{Kind: load.String, Text: "paths"}, Value: list("app/manage.py")}}}, expr.True},
		{&load.Node{Kind: load.Map, Pairs: []load.Pair{
			{Key: &load.Node{Kind: load.String, Text: "paths"}, Value: list("app/manage.py")},
			{Key: &load.Node{Kind: load.String, Text: "project"}, Value: &load.Node{Kind: load.String, Text: "a/b"}}}}, expr.Unknown},
	}
	for i, tt := range tests {
		if got := repo.Exists(tt.value); got != tt.want {
			t.Errorf("%d: got %v, want %v", i, got, tt.want)
		}
	}
}
