package lint

import (
	"path/filepath"
	"testing"

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
