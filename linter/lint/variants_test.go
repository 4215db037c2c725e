package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/finding"

	"gitlab.com/trustci/cicd/linter/internal/corpus"
	"gitlab.com/trustci/cicd/linter/simulate"
)

// With --event and --var (cilint lint), include:rules are decided and the
// errors that depended on them are certain again.
func TestProjectsWithVariables(t *testing.T) {
	tests := []struct {
		project, out, event string
		vars                map[string]string
	}{
		{"include-alternatives-errors", "build-push", "push", map[string]string{"PIPELINE_KIND": "build"}},
		{"include-alternatives-errors", "docs-tag", "tag", map[string]string{"PIPELINE_KIND": "docs"}},
		{"include-alternatives-errors", "tag", "tag", nil},
		{"include-alternatives", "docs", "", map[string]string{"PIPELINE_KIND": "docs"}},
	}
	for _, tt := range tests {
		t.Run(tt.project+"/"+tt.out, func(t *testing.T) {
			dir := filepath.Join(corpus.Dir("projects"), tt.project)
			t.Chdir(dir)
			ev := simulate.Events()[tt.event] // the zero Event for none
			l, err := New(Options{Root: ".", ServerFQDN: "gitlab.example.com", Vars: simulate.NewVariables(ev, nil, tt.vars).Lookup})
			if err != nil {
				t.Fatal(err)
			}
			res, err := l.File(".gitlab-ci.yml")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, dir+"."+tt.out+".out", res, false)
		})
	}
}

func TestDedupeChildren(t *testing.T) {
	pos := finding.Pos{File: "ci/child.yml", Line: 3, Col: 5}
	plain := finding.Finding{Pos: pos, Severity: finding.Error, Rule: "needs-unknown", Message: "job `a` needs `b`"}
	labelled := plain
	labelled.Message = "child pipeline of `deploy`: " + plain.Message
	nested := plain
	nested.Message = "child pipeline of `x`: child pipeline of `deploy`: " + plain.Message
	allowed := plain
	allowed.Severity = finding.Warning
	allowed.Message = "child pipeline of `z`: " + plain.Message + allowedSuffix
	other := plain
	other.Message = "job `c` needs `d`"
	tests := []struct {
		name string
		runs [][]finding.Finding
		want int
	}{
		{"plain alone stays", [][]finding.Finding{{plain}}, 1},
		{"labelled in another run wins", [][]finding.Finding{{plain}, {labelled}}, 1},
		{"both in one run stay", [][]finding.Finding{{plain, labelled}}, 2},
		{"nested label", [][]finding.Finding{{nested}, {plain}}, 1},
		{"nested covers the shorter label", [][]finding.Finding{{nested}, {labelled}}, 1},
		{"allowed to fail", [][]finding.Finding{{plain}, {allowed}}, 1},
		{"other message stays", [][]finding.Finding{{labelled}, {other}}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DedupeChildren(tt.runs)
			if len(got) != tt.want {
				t.Errorf("got %d findings %v, want %d", len(got), got, tt.want)
			}
		})
	}
}

// More consistent choices than maxVariants: cilint lints none of the
// files, each alone, and all, keeps what all of them have, and says the
// rest was found with only some of the combinations it tried.
func TestVariantsFallback(t *testing.T) {
	dir := t.TempDir()
	main := "include:\n"
	for i := range 6 {
		name := fmt.Sprintf("ci/f%d.yml", i)
		main += fmt.Sprintf("  - local: %s\n    rules:\n      - if: $V%d\n", name, i)
		src := fmt.Sprintf("job%d:\n  script: echo\n", i)
		if i == 0 {
			src += "  needs: [nowhere]\n" // wrong whenever f0 is in
		}
		os.MkdirAll(filepath.Join(dir, "ci"), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	main += "main:\n  script: make\n  needs: [job1]\nbroken:\n  script: make\n  needs: [missing]\n"
	if err := os.WriteFile(filepath.Join(dir, ".gitlab-ci.yml"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := New(Options{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.File(filepath.Join(dir, ".gitlab-ci.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Findings {
		if f.Rule == "needs-unknown" {
			got = append(got, fmt.Sprintf("%d %s %s", f.Pos.Line, f.Severity, f.Message))
		}
	}
	if len(got) != 3 {
		t.Fatalf("want three needs findings, got:\n%s", strings.Join(got, "\n"))
	}
	joined := strings.Join(got, "\n")
	for _, s := range []string{
		"error job `broken` needs `missing`",
		"error job `job0` needs `nowhere`",
		"warning job `main` needs `job1`",
		"in the combinations cilint tried, only where ci/f1.yml is not included (if: $V1)",
	} {
		if !strings.Contains(joined, s) {
			t.Errorf("missing %q in:\n%s", s, joined)
		}
	}
}
