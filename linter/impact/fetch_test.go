package impact

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gitlab.com/trustci/cicd/linter/gitlabapi"
	"gitlab.com/trustci/cicd/linter/internal/fakegitlab"
)

func TestLocalIncludes(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want []string
	}{
		{"include: ci/a.yml\n", []string{"ci/a.yml"}},
		{"include:\n  - /ci/a.yml\n  - local: ./ci/b.yml\n  - local: ci/*.yml\n  - local: $DIR/c.yml\n  - https://example.com/x.yml\n  - project: g/p\n    file: x.yml\n  - component: h/g/p/c@1\n", []string{"ci/a.yml", "ci/b.yml"}},
		{"include:\n  - local: ../../etc/passwd.yml\n", []string{"etc/passwd.yml"}}, // GitLab reads from the root: no way out
		{"include: {local: ci/a.yml}\n", []string{"ci/a.yml"}},
		{"job:\n  script: x\n", nil},
		{"include: [", nil},
	} {
		if got := localIncludes(".gitlab-ci.yml", []byte(tc.src)); !slices.Equal(got, tc.want) {
			t.Errorf("localIncludes(%q) = %q, want %q", tc.src, got, tc.want)
		}
	}
}

// TestFetchBounds: a project whose local files include each other in a
// chain of 300 makes cilint fetch at most 150 of them, and a configuration
// path outside the project is refused without a request.
func TestFetchBounds(t *testing.T) {
	f := fakegitlab.New(t, "")
	files := map[string]string{".gitlab-ci.yml": "include: f0.yml\n" + "include_catalog: gitlab.example.com/acme/components/build@1.0.0\n"}
	for i := range 300 {
		files[fmt.Sprintf("f%d.yml", i)] = fmt.Sprintf("include: f%d.yml\n", i+1)
	}
	const commit = "1111111111111111111111111111111111111111"
	f.Projects["acme/chain"] = &fakegitlab.FakeProject{Branches: map[string]string{"main": commit}, Files: map[string]map[string]string{commit: files}}
	cat := catalogRepo(t)
	r, err := New(Options{Prefix: testPrefix, NewDir: cat, Lint: lintOptions()})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	client, err := gitlabapi.New(gitlabapi.Options{BaseURL: f.URL, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	g := Group{Client: client, Ctx: context.Background(), Path: "acme"}
	c, err := r.fetch(g, gitlabapi.Project{Path: "acme/chain", DefaultBranch: "main"}, t.TempDir())
	if err != nil || c == nil {
		t.Fatalf("fetch: %v, %v", c, err)
	}
	fetched := 0
	for _, req := range f.Requests {
		if strings.Contains(req, "/raw?") {
			fetched++
		}
	}
	if fetched != maxLocalFiles {
		t.Errorf("%d files fetched, want %d", fetched, maxLocalFiles)
	}
	before := len(f.Requests)
	if _, err := r.fetch(g, gitlabapi.Project{Path: "acme/chain", DefaultBranch: "main", CIConfigPath: "../other/.gitlab-ci.yml"}, t.TempDir()); err == nil || len(f.Requests) != before {
		t.Errorf("a configuration outside the project: %v, %d requests", err, len(f.Requests)-before)
	}
}
