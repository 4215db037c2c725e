package validate

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
)

// Validating each distinct keyword value once must give exactly the
// findings of validating every entry in full, whatever is repeated where.
func TestDedupeKeepsEveryFinding(t *testing.T) {
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	job := func(i int, extra string) string {
		return fmt.Sprintf("job-%d:\n  image: python:3.13\n  stage: test\n  script: [make]\n  rules:\n    - if: $CI_COMMIT_BRANCH\n%s", i, extra)
	}
	tests := []struct {
		name  string
		extra func(i int) string
		want  int // findings
	}{
		{"all clean", func(int) string { return "" }, 0},
		{"the same bad value everywhere", func(int) string { return "  when: sometimes\n" }, 100},
		{"a bad value only in the first job", func(i int) string {
			if i == 0 {
				return "  scripts: oops\n"
			}
			return ""
		}, 1},
		{"a bad value only in the last job", func(i int) string {
			if i == 99 {
				return "  retry: 7\n"
			}
			return ""
		}, 1},
		{"shared value, unrelated error in the job that validated it", func(i int) string {
			if i == 0 {
				return "  timeout: 3\n"
			}
			return "  interruptible: true\n"
		}, 1},
		{"a bad shared value among good ones", func(i int) string {
			if i%10 == 3 {
				return "  allow_failure: maybe\n"
			}
			return "  allow_failure: true\n"
		}, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			b.WriteString("stages: [test]\n.hidden:\n  anything: goes\n")
			for i := range 100 {
				b.WriteString(job(i, tt.extra(i)))
			}
			f, fs := load.Parse("ci.yml", []byte(b.String()), load.DefaultLimits())
			if len(fs) > 0 {
				t.Fatal(fs)
			}
			got := v.Validate(f.Body)
			var want []finding.Finding
			for i := range f.Body.Pairs {
				one := &load.Node{Kind: load.Map, Pos: f.Body.Pos, Pairs: f.Body.Pairs[i : i+1]}
				want = append(want, v.validateDoc(one, f.Body)...)
			}
			finding.Sort(got)
			finding.Sort(want)
			if len(got) != tt.want || !slices.EqualFunc(got, want, func(a, b finding.Finding) bool { return a.Pos == b.Pos && a.Message == b.Message }) {
				t.Errorf("with dedupe %d findings, in full %d (want %d):\n%v\n%v", len(got), len(want), tt.want, got, want)
			}
		})
	}
}

func TestPlainJobSchema(t *testing.T) {
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if v.globals == nil {
		t.Fatal("the job schema is no longer plain keywords: dedupe is off (see plainJobSchema)")
	}
	crossKey := map[string]any{
		"additionalProperties": map[string]any{"$ref": "#/$defs/job"},
		"$defs": map[string]any{"job": map[string]any{"type": "object", "additionalProperties": false,
			"properties": map[string]any{}, "dependentRequired": map[string]any{"when": []any{"start_in"}}}},
	}
	if plainJobSchema(crossKey) {
		t.Error("a constraint spanning keywords must turn dedupe off")
	}
}
