package checks

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/internal/corpus"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/pipeline"
)

// TestScriptMemoSameFindings runs the checks on every test pipeline
// without a memo and then twice with one (the second run answered from
// it, after a sweep, as cilint lsp's next lint is): the findings must be
// the same each time.
func TestScriptMemoSameFindings(t *testing.T) {
	files := corpus.Files(t, "ok", "err")
	// Scripts with each kind of script-syntax finding: an error, an item
	// that cannot go on in the next, a quote left open, empty bodies; and a
	// PowerShell job, which has none.
	files = append(files, corpus.File{Name: "memo-scripts.yml", Src: []byte(`a:
  script:
    - if true; then
    - fi
    - echo "open
    - echo closed
b:
  script:
    - |
      if true; then
        # only a comment
      fi
    - |
      for x in 1; do
      done
c:
  script: "echo $[[ inputs.x ]] && ("
d:
  script:
    - Write-Host "PowerShell, not judged as shell" (
`)})
	memo := NewScriptMemo()
	for _, f := range files {
		file, fs := load.Parse(f.Name, f.Src, load.DefaultLimits())
		if len(fs) > 0 || file.Body == nil {
			if f.Name == "memo-scripts.yml" {
				t.Fatalf("memo-scripts.yml: %v", fs)
			}
			continue
		}
		sources := map[string][]byte{f.Name: f.Src}
		run := func(m *ScriptMemo) any {
			found, err := Run(context.Background(), pipeline.Build(file.Body, nil), sources, "", nil, m)
			if err != nil {
				t.Fatal(err)
			}
			return found
		}
		want := run(nil)
		if f.Name == "memo-scripts.yml" && len(want.([]finding.Finding)) < 4 {
			t.Fatalf("memo-scripts.yml: %d findings, want one per broken script: %v", len(want.([]finding.Finding)), want)
		}
		for i := 0; i < 2; i++ {
			if got := run(memo); !reflect.DeepEqual(got, want) {
				t.Errorf("%s, run %d with the memo:\n got %v\nwant %v", f.Name, i+1, got, want)
			}
			memo.Sweep()
		}
	}
}

// TestScriptMemoBoundsAndSweep checks what the memo keeps: what the runs
// since the last sweep used, within its bounds.
func TestScriptMemoBoundsAndSweep(t *testing.T) {
	k := func(s string) scriptKey { return scriptKey{src: s} }
	tests := []struct {
		name   string
		do     func(m *ScriptMemo)
		kept   []string
		absent []string
	}{
		{"kept until two sweeps pass it by", func(m *ScriptMemo) {
			m.put(k("a"), &scriptParse{})
			m.Sweep()
		}, []string{"a"}, nil},
		{"dropped when unused since the previous sweep", func(m *ScriptMemo) {
			m.put(k("a"), &scriptParse{})
			m.Sweep()
			m.Sweep()
		}, nil, []string{"a"}},
		{"a use carries it over", func(m *ScriptMemo) {
			m.put(k("a"), &scriptParse{})
			m.Sweep()
			m.get(k("a"))
			m.Sweep()
		}, []string{"a"}, nil},
		{"no text past the byte bound", func(m *ScriptMemo) {
			m.put(k(strings.Repeat("x", maxScriptMemoBytes)), &scriptParse{})
			m.put(k("y"), &scriptParse{})
		}, []string{strings.Repeat("x", maxScriptMemoBytes)}, []string{"y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewScriptMemo()
			tt.do(m)
			for _, s := range tt.kept {
				if _, ok := m.get(k(s)); !ok {
					t.Errorf("%.10q not kept", s)
				}
			}
			for _, s := range tt.absent {
				if _, ok := m.get(k(s)); ok {
					t.Errorf("%.10q kept", s)
				}
			}
		})
	}
	m := NewScriptMemo()
	for i := 0; i < maxScriptMemo+10; i++ {
		m.put(k(itoa(i)), &scriptParse{})
	}
	if len(m.cur) != maxScriptMemo {
		t.Errorf("%d entries, bound %d", len(m.cur), maxScriptMemo)
	}
}
