package cond

import (
	"regexp"
	"slices"
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

func TestCombinations(t *testing.T) {
	parse := func(src string) *load.Node {
		f, _ := load.Parse("t.yml", []byte(src), load.DefaultLimits())
		return f.Body
	}
	tests := []struct {
		name  string
		lists []string
		want  []string // one string per combination, 1 for in
		ok    bool
	}{
		{"alternatives on one variable", []string{
			"- if: $KIND == \"a\"\n", "- if: $KIND == \"b\"\n", "- if: '$KIND == \"c\"'\n"},
			[]string{"100", "010", "001", "000"}, true},
		{"negation and fallback", []string{
			"- if: $KIND == \"a\"\n", "- if: $KIND != \"a\"\n"},
			[]string{"10", "01"}, true},
		{"independent variables", []string{"- if: $A\n", "- if: $B == \"x\"\n"},
			[]string{"11", "01", "10", "00"}, true},
		{"pattern", []string{"- if: $CI_COMMIT_BRANCH =~ /^release\\/v[0-9]+$/\n", "- if: $CI_COMMIT_BRANCH == \"main\"\n"},
			[]string{"10", "01", "00"}, true},
		{"changes is free", []string{"- changes: [a]\n"}, []string{"1", "0"}, true},
		{"always", []string{"- when: always\n", "- if: $X\n  when: never\n- when: always\n"}, []string{"11", "10"}, true},
		{"two variables compared", []string{"- if: $A == $B\n"}, []string{"1", "0"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lists []*load.Node
			for _, src := range tt.lists {
				lists = append(lists, parse(src))
			}
			combos, ok := Combinations(lists, Facts{}, 64)
			if ok != tt.ok {
				t.Fatalf("ok = %v", ok)
			}
			var got []string
			for _, c := range combos {
				got = append(got, fmtBools(c))
			}
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
	many := parse("- if: $A == \"1\" && $B == \"2\" && $C == \"3\" && $D == \"4\" && $E == \"5\" && $F == \"6\"\n")
	if _, ok := Combinations([]*load.Node{many}, Facts{}, 2); ok {
		t.Errorf("more worlds than the limit must not be ok")
	}
	// Undecidable lists double the combinations in every world: bounded.
	var free []*load.Node
	for range 40 {
		free = append(free, parse("- changes: [a]\n"))
	}
	if _, ok := Combinations(free, Facts{}, 32); ok {
		t.Errorf("2^40 combinations must not be ok")
	}
}

func TestSample(t *testing.T) {
	for _, p := range []string{`^release/v\d+\.\d+$`, `main|master`, `^(feature|fix)-.+`, `[A-Z]{3}-[0-9]+`, `\bdocs\b`, ``} {
		s, ok := Sample(p, "")
		if !ok {
			t.Errorf("%s: no sample", p)
			continue
		}
		if !regexp.MustCompile(p).MatchString(s) {
			t.Errorf("%s: sample %q does not match", p, s)
		}
	}
	if _, ok := Sample(`[`, ""); ok {
		t.Errorf("a bad pattern has no sample")
	}
}
