package include

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/load"
)

// Resolutions that share a Cache (the variants and children of one lint)
// get what each would get alone: the same merged configuration, files and
// findings, in the same order, while every file is read once and the
// files of one include: list are read at the same time.
func TestSharedCache(t *testing.T) {
	root := t.TempDir()
	var inc strings.Builder
	inc.WriteString("include:\n")
	for i := range 20 {
		name := fmt.Sprintf("ci/part%02d.yml", i)
		body := fmt.Sprintf("job%d:\n  script: echo %d\n", i, i)
		switch i {
		case 3:
			body = "job3: [unclosed\n" // a syntax error, reported in each resolution
		case 5:
			body = "include: ci/part06.yml\n" + body // nested, and repeated below
		}
		if err := os.MkdirAll(filepath.Join(root, "ci"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&inc, "  - local: %s\n", name)
		if i == 7 {
			inc.WriteString("  - local: ci/missing.yml\n  - local: ci/*.yml\n")
		}
	}
	inc.WriteString("  - local: ci/part01.yml\n    rules:\n      - if: $CI_COMMIT_BRANCH == \"main\"\n")
	main, fs := load.Parse(filepath.Join(root, ".gitlab-ci.yml"), []byte(inc.String()+"main:\n  script: m\n"), load.DefaultLimits())
	if len(fs) > 0 {
		t.Fatal(fs)
	}
	alone := Resolve(main, DefaultOptions(root))
	opts := DefaultOptions(root)
	opts.Cache = NewCache()
	for i := range 3 {
		shared := Resolve(main, opts)
		if !reflect.DeepEqual(shared.Findings, alone.Findings) || !reflect.DeepEqual(shared.Conditional, alone.Conditional) ||
			load.Canonical(shared.Config) != load.Canonical(alone.Config) || len(shared.Files) != len(alone.Files) {
			t.Fatalf("resolution %d with a shared cache differs:\n%v\n%v", i, shared.Findings, alone.Findings)
		}
		for j := range shared.Files {
			if shared.Files[j].Path != alone.Files[j].Path {
				t.Fatalf("file %d: %s, want %s", j, shared.Files[j].Path, alone.Files[j].Path)
			}
		}
	}
	if n := len(opts.Cache.reads); n != 21 { // 20 parts and the missing one
		t.Errorf("%d files read, want each of the 21 named once", n)
	}
}
