package lint

import (
	"reflect"
	"testing"

	"gitlab.com/trustci/cicd/linter/internal/corpus"
)

// TestReuseParsesSameFindings lints every err and ok pipeline with a
// Linter that keeps parses and parsed scripts across lints (cilint lsp's)
// twice in a row, as an editor's next change does, so the second lint is
// answered from what the first kept, and holds both to a fresh Linter's
// findings.
func TestReuseParsesSameFindings(t *testing.T) {
	for _, dir := range []string{"err", "ok"} {
		fresh := rootedLinter(t, corpus.Dir(dir))
		reuse, err := New(Options{Root: corpus.Dir(dir), ReuseParses: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range corpus.Files(t, dir) {
			want := fresh.Source(f.Name, f.Src).Findings
			for lint := 1; lint <= 2; lint++ {
				if got := reuse.Source(f.Name, f.Src).Findings; !reflect.DeepEqual(got, want) {
					t.Errorf("%s/%s, lint %d:\n got %v\nwant %v", dir, f.Name, lint, got, want)
				}
			}
		}
	}
}
