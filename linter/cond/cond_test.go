package cond

import (
	"testing"

	"gitlab.com/trustci/cicd/linter/expr"
	"gitlab.com/trustci/cicd/linter/load"
)

func TestRules(t *testing.T) {
	vars := func(name string) (string, bool, bool) {
		if name == "CI_PIPELINE_SOURCE" {
			return "push", true, true
		}
		return "", false, false
	}
	yes := func(*load.Node) expr.Truth { return expr.True }
	tests := []struct {
		name, src string
		facts     Facts
		want      Outcome
		when, why string
	}{
		{"first match wins", "- if: $CI_PIPELINE_SOURCE == \"push\"\n  when: manual\n- when: always\n", Facts{Vars: vars}, In, "manual", "rule 1 matches"},
		{"never", "- if: $CI_PIPELINE_SOURCE == \"push\"\n  when: never\n- when: always\n", Facts{Vars: vars}, Out, "never", "rule 1 matches with when: never"},
		{"no match", "- if: $CI_PIPELINE_SOURCE == \"schedule\"\n", Facts{Vars: vars}, Out, "", "no rule matches"},
		{"unknown variable", "- if: $DEPLOY\n", Facts{Vars: vars}, Maybe, "", "rule 1 depends on $DEPLOY"},
		{"nothing known", "- if: $CI_PIPELINE_SOURCE == \"push\"\n", Facts{}, Maybe, "", "rule 1 depends on $CI_PIPELINE_SOURCE"},
		{"false if beats unknown exists", "- if: $CI_PIPELINE_SOURCE == \"schedule\"\n  exists: [Dockerfile]\n", Facts{Vars: vars}, Out, "", "no rule matches"},
		{"exists unknown", "- exists: [Dockerfile]\n", Facts{}, Maybe, "", "rule 1 depends on exists"},
		{"exists known", "- exists: [Dockerfile]\n", Facts{Exists: yes}, In, "on_success", "rule 1 matches"},
		{"changes unknown", "- changes: [a]\n", Facts{Exists: yes}, Maybe, "", "rule 1 depends on changes (give --changed)"},
		{"not a list", "when: always\n", Facts{}, Maybe, "", "rules cilint cannot read"},
		// GitLab's semantics (lib/gitlab/ci/pipeline/expression/lexeme/*.rb): a
		// string after =~ is searched for the left side, ! is "not present".
		{"substring match", "- if: $CI_PIPELINE_SOURCE =~ \"pushes\"\n", Facts{Vars: vars}, In, "on_success", "rule 1 matches"},
		{"substring no match", "- if: $CI_PIPELINE_SOURCE =~ \"merge_request_event\"\n", Facts{Vars: vars}, Out, "", "no rule matches"},
		{"negation", "- if: '!$CI_PIPELINE_SOURCE'\n", Facts{Vars: vars}, Out, "", "no rule matches"},
		{"boolean comparison", "- if: ($CI_PIPELINE_SOURCE == \"push\") == true\n", Facts{Vars: vars}, In, "on_success", "rule 1 matches"},
	}
	for _, tt := range tests {
		f, fs := load.Parse("r.yml", []byte(tt.src), load.DefaultLimits())
		if len(fs) > 0 {
			t.Fatal(fs)
		}
		d := Rules(f.Body, tt.facts, "on_success")
		if d.Outcome != tt.want || d.When != tt.when || d.Why != tt.why {
			t.Errorf("%s: got %v %q %q, want %v %q %q", tt.name, d.Outcome, d.When, d.Why, tt.want, tt.when, tt.why)
		}
	}
	f, _ := load.Parse("r.yml", []byte("- if: $A ==\n"), load.DefaultLimits())
	if d := Rules(f.Body, Facts{}, "on_success"); d.Outcome != Maybe || d.IfError == nil || d.IfNode == nil {
		t.Errorf("a broken if: %+v", d)
	}
}
