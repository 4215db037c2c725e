package checks

import (
	"strings"
	"testing"
)

// Cases from the duration validator's users: artifacts_spec.rb (expire_in,
// "never"), job_spec.rb and rules/rule_spec.rb (start_in over a week),
// timeout via Project::MAX_BUILD_TIMEOUT.
func TestCheckDurations(t *testing.T) {
	tests := []struct {
		name string
		job  string
		want string // a part of the one expected message, or "" for none
	}{
		{"expire_in words", "artifacts: {paths: [a], expire_in: 2 weeks 3 days}", ""},
		{"expire_in never", "artifacts: {paths: [a], expire_in: never}", ""},
		{"expire_in typo", "artifacts: {paths: [a], expire_in: 2 wekks}", `"wekks" is not a unit of time`},
		{"expire_in number", "artifacts: {paths: [a], expire_in: 3600}", "bare number"},
		{"expire_in zero", "artifacts: {paths: [a], expire_in: 0 days}", "no time at all"},
		{"expire_in spelled out: unsure", "artifacts: {paths: [a], expire_in: two weeks}", ""},
		{"expire_in input", "artifacts: {paths: [a], expire_in: '$[[ inputs.keep ]]'}", ""},
		{"pages expire_in", "pages: {expire_in: 1 dya}", `"dya"`},
		{"timeout fine", "timeout: 3h 30m", ""},
		{"timeout limit", "timeout: 1 mo 10 hrs 29 mins 6 secs", ""},
		{"timeout over", "timeout: 1 mo 11 hrs", "at most 30 days"},
		{"timeout never", "timeout: never", `"never"`},
		{"auto_stop_in variable", "environment: {name: r, auto_stop_in: $STOP}", ""},
		{"auto_stop_in typo", "environment: {name: r, auto_stop_in: 1 wek}", "deployment will fail"},
		{"auto_stop_in empty", "environment: {name: r, auto_stop_in: ''}", ""},
		{"auto_stop_in zero", "environment: {name: r, auto_stop_in: '0'}", ""},
		{"start_in fine", "when: delayed\n  start_in: 7 days", ""},
		{"start_in over", "when: delayed\n  start_in: 7 days 1 second", "at most one week"},
		{"start_in never", "when: delayed\n  start_in: never", `"never"`},
		{"rule start_in without delayed", "rules: [{if: $X, start_in: 1 day}]", "without `when: delayed`"},
		{"rule delayed fine", "rules: [{if: $X, when: delayed, start_in: 1 day}]", ""},
		{"rule delayed missing", "rules: [{if: $X, when: delayed}]", "needs `start_in`"},
		{"start_in null", "start_in: null", ""},
		{"job delayed with rules", "when: delayed\n  rules: [{if: $X}]", "put `when: delayed` and `start_in` in the rule"},
		{"rule needs with matrix expressions not judged", "rules: [{if: $X, needs: [{job: a, parallel: {matrix: [{A: '$[[ matrix.A ]]'}]}}]}]", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "job:\n  script: make\n  " + tt.job + "\n"
			got := append(run(t, src, "duration"), run(t, src, "delayed")...)
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("want nothing, got %q", got)
			case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
				t.Errorf("want one finding with %q, got %q", tt.want, got)
			}
		})
	}
}
