package include

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/load"
)

// GitLab's YAML_ALLOWLIST_EXTENSION (/.+\.(yml|yaml)$/i on the basename,
// lib/gitlab/ci/config/external/file/base.rb; base_spec.rb "some/file/.yml").
func TestYAMLName(t *testing.T) {
	tests := []struct {
		loc  string
		want bool
	}{
		{"ci/build.yml", true},
		{"ci/build.yaml", true},
		{"ci/BUILD.YML", true},
		{"ci/.yml", false},
		{".gitlab-ci.yml", true},
		{"templates/.gitlab-ci.yaml", true},
		{".yaml", false},
		{"ci/..yml", true},
		{"some/file.txt", false},
		{"ci/build.yml/", true}, // File.basename drops trailing slashes
		{"https://example.com/ci.yml", true},
		{"https://example.com/ci.yml?ref=main", false},
		{"https://example.com/raw?file=ci.yml", true},
		{"ci/yml", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := yamlName(tt.loc); got != tt.want {
			t.Errorf("yamlName(%q) = %v, want %v", tt.loc, got, tt.want)
		}
	}
}

// Leading slashes, any number, are removed (file/local.rb, local_spec.rb
// "prefixed with multiple slashes").
func TestRepoPath(t *testing.T) {
	for in, want := range map[string]string{"//file.yml": "file.yml", "/ci/a.yml": "ci/a.yml", "ci/./a.yml": "ci/a.yml", "///a/b.yml": "a/b.yml"} {
		if got := repoPath(in); got != want {
			t.Errorf("repoPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSelfRef(t *testing.T) {
	tests := []struct {
		loc, name, version string
		ok                 bool
	}{
		{"$CI_SERVER_FQDN/$CI_PROJECT_PATH/build@$CI_COMMIT_SHA", "build", "$CI_COMMIT_SHA", true},
		{"${CI_SERVER_HOST}/${CI_PROJECT_PATH}/deploy@1.0.0", "deploy", "1.0.0", true},
		{"gitlab.example.com/$CI_PROJECT_PATH/build@main", "build", "main", true},
		{"other.example.com/$CI_PROJECT_PATH/build@main", "", "", false},
		{"$CI_SERVER_FQDN/group/project/build@1.0.0", "", "", false},
		{"$CI_SERVER_FQDN/$CI_PROJECT_PATH/sub/build@1.0.0", "", "", false},
		{"$CI_SERVER_FQDN/$CI_PROJECT_PATH/build@", "", "", false},
		{"$CI_SERVER_FQDN/$CI_PROJECT_PATH/$NAME@1", "", "", false},
	}
	for _, tt := range tests {
		name, version, ok := selfRef(tt.loc, "gitlab.example.com")
		if ok != tt.ok || name != tt.name || version != tt.version {
			t.Errorf("selfRef(%q) = %q, %q, %v", tt.loc, name, version, ok)
		}
	}
}

// Undecided include:rules are recorded (nested ones with the include that
// holds them), and Assume leaves a file out.
func TestConditionalAndAssume(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a.yml": "include:\n  - local: b.yml\n    rules:\n      - if: $B\na:\n  script: a\n",
		"b.yml": "b:\n  script: b\n",
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	main, _ := load.Parse("main.yml", []byte("include:\n  - local: a.yml\n    rules:\n      - if: $KIND == \"a\"\nmain:\n  script: m\n"), load.DefaultLimits())
	jobs := func(res *Result) []string {
		var out []string
		for _, p := range res.Config.Pairs {
			out = append(out, p.Key.Name())
		}
		slices.Sort(out)
		return out
	}
	all := Resolve(main, DefaultOptions(dir))
	if len(all.Conditional) != 2 {
		t.Fatalf("conditional = %+v, want a.yml and b.yml", all.Conditional)
	}
	if all.Conditional[0].Parent != "" || all.Conditional[1].Parent != all.Conditional[0].Key {
		t.Errorf("b.yml's parent should be a.yml's include: %+v", all.Conditional)
	}
	if got := jobs(all); !slices.Equal(got, []string{"a", "b", "main"}) {
		t.Errorf("all in: jobs %v", got)
	}
	opts := DefaultOptions(dir)
	opts.Assume = map[string]bool{all.Conditional[1].Key: false}
	if got := jobs(Resolve(main, opts)); !slices.Equal(got, []string{"a", "main"}) {
		t.Errorf("b.yml out: jobs %v", got)
	}
	opts.Assume = map[string]bool{all.Conditional[0].Key: false}
	if got := jobs(Resolve(main, opts)); !slices.Equal(got, []string{"main"}) {
		t.Errorf("a.yml out: jobs %v", got)
	}
}

// urlFetcher serves include:remote files from a map.
type urlFetcher map[string]string

func (u urlFetcher) ProjectFile(project, file, ref string) ([]byte, error) { return nil, ErrNotFound }
func (u urlFetcher) Template(name string) ([]byte, error)                  { return nil, ErrNotFound }
func (u urlFetcher) URL(url string) ([]byte, error) {
	if s, ok := u[url]; ok {
		return []byte(s), nil
	}
	return nil, ErrNotFound
}

// Two remote URLs that differ only in what findings redact (the user
// information) are two files: neither is taken for the other or for a cycle,
// and neither's credentials appear in a file name or message.
func TestRemoteURLsRedactedApart(t *testing.T) {
	a := "https://deploy:secret-a@example.com/ci.yml"
	b := "https://deploy:secret-b@example.com/ci.yml"
	main, _ := load.Parse(".gitlab-ci.yml", []byte("include:\n  - remote: "+a+"\n  - remote: "+b+"\n  - remote: https://secret-c@example.com/gone.yml\n"), load.DefaultLimits())
	opts := DefaultOptions(t.TempDir())
	opts.Fetch = urlFetcher{a: "job-a:\n  script: a\n", b: "job-b:\n  script: b\n"}
	res := Resolve(main, opts)
	if res.Config.Get("job-a") == nil || res.Config.Get("job-b") == nil {
		t.Fatalf("both files must be merged: %v", res.Findings)
	}
	for _, f := range res.Findings {
		if f.Rule == "include-cycle" || f.Rule == "include-duplicate" {
			t.Errorf("not a repeat: %v", f)
		}
	}
	var text []string
	for _, f := range res.Files {
		text = append(text, f.Path)
	}
	for _, f := range res.Findings {
		text = append(text, f.Message)
	}
	if s := strings.Join(text, "\n"); strings.Contains(s, "secret-") {
		t.Errorf("a credential shows:\n%s", s)
	}
}
