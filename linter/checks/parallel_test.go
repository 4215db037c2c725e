package checks

import (
	"strings"
	"testing"
)

// Translated from spec/lib/gitlab/ci/config/entry/product/parallel_spec.rb
// (1.5 "must be an integer") and product/matrix_spec.rb ("generates too
// many jobs": 10 x 21 values), with the edges around 200.
func TestCheckParallel(t *testing.T) {
	values := func(n int) string {
		v := make([]string, n)
		for i := range v {
			v[i] = itoa(i)
		}
		return "[" + strings.Join(v, ", ") + "]"
	}
	tests := []struct {
		name string
		job  string
		want string
	}{
		{"whole number", "parallel: 5", ""},
		{"decimal whole", "parallel: 2.0", "whole number such as 2"},
		{"matrix 200", "parallel: {matrix: [{A: " + values(10) + ", B: " + values(20) + "}]}", ""},
		{"matrix 210", "parallel: {matrix: [{A: " + values(10) + ", B: " + values(21) + "}]}", "makes 210 jobs"},
		{"entries add up", "parallel: {matrix: [{A: " + values(100) + "}, {B: " + values(101) + "}]}", "makes 201 jobs"},
		{"scalars count one", "parallel: {matrix: [{A: x, B: y, C: " + values(200) + "}]}", ""},
		{"trigger number", "parallel: 3", "trigger jobs take only `parallel:matrix`"},
		{"trigger matrix", "parallel: {matrix: [{A: [1, 2]}]}", ""},
		{"need matrix", "needs: [{job: other, parallel: {matrix: [{A: " + values(201) + "}]}}]", "`needs:parallel:matrix` makes 201 jobs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "other:\n  script: make\njob:\n  script: make\n  " + tt.job + "\n"
			if strings.HasPrefix(tt.name, "trigger") {
				src = "other:\n  script: make\njob:\n  trigger: {include: child.yml}\n  " + tt.job + "\n"
			}
			got := run(t, src, "parallel")
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("want nothing, got %q", got)
			case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
				t.Errorf("want one finding with %q, got %q", tt.want, got)
			}
		})
	}
}

// processable.rb validates the name's presence and type.
func TestCheckJobName(t *testing.T) {
	tests := []struct {
		key  string
		want string
	}{
		{"build", ""},
		{`"123"`, ""},
		{"123", "whole number"},
		{"on", "boolean"},
		{"0.5", "decimal number"},
		{`""`, "empty name"},
		{strings.Repeat("x", 255), ""},
		{strings.Repeat("x", 256), "256 characters"},
	}
	for _, tt := range tests {
		got := run(t, tt.key+":\n  script: make\n", "job-name")
		switch {
		case tt.want == "" && len(got) > 0:
			t.Errorf("%s: want nothing, got %q", tt.key, got)
		case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
			t.Errorf("%s: want one finding with %q, got %q", tt.key, tt.want, got)
		}
	}
}

// The matrix expression cases follow doc/ci/yaml/matrix_expressions.md and
// MatrixInterpolator (lib/gitlab/ci/config/interpolation/matrix_interpolator.rb).
func TestNeedsMatrixExpressions(t *testing.T) {
	const build = "build:\n  stage: build\n  script: make\n  parallel:\n    matrix:\n      - OS: [linux, mac]\n        ARCH: [amd64, arm64]\n"
	tests := []struct {
		name string
		job  string
		rule string
		want string
	}{
		{"one to one", "parallel: {matrix: [{OS: [linux, mac], ARCH: [amd64, arm64]}]}\n  needs: [{job: build, parallel: {matrix: [{OS: '$[[ matrix.OS ]]', ARCH: ['$[[ matrix.ARCH ]]']}]}}]",
			"needs-matrix", ""},
		{"mixed with a fixed value", "parallel: {matrix: [{OS: [linux, mac]}]}\n  needs: [{job: build, parallel: {matrix: [{OS: '$[[matrix.OS]]', ARCH: amd64}]}}]",
			"needs-matrix", ""},
		{"a value build does not make", "parallel: {matrix: [{OS: [linux, windows]}]}\n  needs: [{job: build, parallel: {matrix: [{OS: '$[[ matrix.OS ]]', ARCH: amd64}]}}]",
			"needs-matrix", "build: [windows, amd64]"},
		{"unknown variable", "parallel: {matrix: [{OS: [linux]}]}\n  needs: [{job: build, parallel: {matrix: [{OS: '$[[ matrix.SYSTEM ]]', ARCH: amd64}]}}]",
			"needs-matrix", "has no SYSTEM"},
		{"no own matrix: not judged", "needs: [{job: build, parallel: {matrix: [{OS: '$[[ matrix.OS ]]', ARCH: amd64}]}}]",
			"needs-matrix", ""},
		{"resolved job name", "parallel: {matrix: [{T: [build]}]}\n  needs: [{job: '$[[ matrix.T ]]'}]", "needs-unknown", ""},
		{"resolved job name unknown", "parallel: {matrix: [{T: [bulid]}]}\n  needs: [{job: '$[[ matrix.T ]]'}]", "needs-unknown", "needs `bulid`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "stages: [build, test]\n" + build + "job:\n  stage: test\n  script: make\n  " + tt.job + "\n"
			got := run(t, src, tt.rule)
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("want nothing, got %q", got)
			case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
				t.Errorf("want one finding with %q, got %q", tt.want, got)
			}
		})
	}
}
