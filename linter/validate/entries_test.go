package validate

import (
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/load"
)

// TestEntryFindings pins the checks the schema cannot express, one case
// per GitLab rule and one accepted neighbour each.
func TestEntryFindings(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // substrings of the messages, in order
	}{
		{"string name", "build: {script: x}\n", nil},
		// Names GitLab refuses are the job-name check's (package checks);
		// their entries are not checked again here.
		{"number name", "1: {script: x, rules: [{}]}\n", nil},
		{"null name", "~: {script: x, rules: [{}]}\n", nil},
		{"hidden job rules", ".t: {rules: [{}]}\n", nil},
		{"empty rule", "b: {script: x, rules: [{}]}\n", []string{"`rules[0]` is an empty rule"}},
		{"rule with empty keys", "b: {script: x, rules: [{if: null}]}\n", nil},
		{"nested empty rule", "b: {script: x, rules: [[{if: $A}, {}]]}\n", []string{"`rules[0][1]`"}},
		{"workflow", "workflow: {rules: [{}]}\n", []string{"`workflow:rules[0]`"}},
		{"include", "include: [{local: a.yml, rules: [{}]}]\n", []string{"`include[0]:rules[0]`"}},
		{"publish elsewhere", "b: {script: x, publish: out}\n", []string{"only works in a pages job"}},
		{"publish in pages", "pages: {script: x, publish: out}\n", nil},
		{"publish, pages false", "pages: {script: x, publish: out, pages: false}\n", []string{"only works in a pages job"}},
		{"publish with pages:", "b: {script: x, publish: out, pages: {path_prefix: a}}\n", nil},
		{"value in options", "variables: {A: {value: b, options: [a, b]}}\n", nil},
		{"value not in options", "variables: {A: {value: c, options: [a, b]}}\n", []string{"must be one of its options (a, b); got \"c\""}},
		{"after options that are not text", "variables: {N: {value: '1', options: [1]}, A: {value: c, options: [a]}}\n", []string{"`variables:A:value`"}},
		{"no value for options", "variables: {A: {options: [a, b]}}\n", []string{"got no value"}},
		{"boolean value, text options", "variables: {A: {value: true, options: [\"true\"]}}\n", []string{"got true"}},
		{"script and run", "b: {script: x, run: [{name: a, script: b}]}\n", []string{"`run` and `script` cannot be used together"}},
		{"run alone", "b: {run: [{name: a, script: b}]}\n", nil},
		{"publish with empty pages:", "b: {script: x, publish: out, pages: {}}\n", []string{"only works in a pages job"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file, _ := load.Parse("t.yml", []byte(tt.src), load.DefaultLimits())
			fs := entryFindings(file.Body)
			if len(fs) != len(tt.want) {
				t.Fatalf("got %d findings %v, want %d", len(fs), fs, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(fs[i].Message, w) {
					t.Errorf("finding %d is %q, want it to contain %q", i, fs[i].Message, w)
				}
			}
		})
	}
}

// TestRubyFloat pins Ruby's Float#to_s, the text GitLab gives a decimal
// variable value.
func TestRubyFloat(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{3.1, "3.1"}, {1000, "1000.0"}, {0, "0.0"}, {0.0001, "0.0001"}, {0.00001, "1.0e-05"},
		{1e15, "1000000000000000.0"}, {1e16, "1.0e+16"}, {1.5e20, "1.5e+20"}, {-2.5, "-2.5"},
	}
	for _, tt := range tests {
		if got := rubyFloat(tt.in); got != tt.want {
			t.Errorf("rubyFloat(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
