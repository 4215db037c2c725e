package gitlabversion

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/pipeline"
)

// TestDetect pins what each detector sees and, above all, what it must
// not: a key that only looks like a keyword (a variable named run, a job
// named run), hidden jobs nothing extends, $[[ ]] in a file without a
// spec: header (GitLab leaves it as text), the old environment:kubernetes:
// namespace.
func TestDetect(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // feature IDs, in table order
	}{
		{"variable named run", "variables:\n  run: x\n  hooks: y\nj:\n  script: s\n  variables:\n    run: z\n", nil},
		{"job named run", "run:\n  script: s\n", nil},
		{"run keyword", "j:\n  run:\n    - name: a\n      script: s\n", []string{"run"}},
		{"hidden job unused", ".t:\n  run: [{name: a, script: s}]\n  artifacts: {access: none}\nj:\n  script: s\n", nil},
		{"hidden job extended", ".t:\n  artifacts: {access: none}\nj:\n  extends: .t\n  script: s\n", []string{"artifacts-access"}},
		{"needs as names", "a:\n  script: s\nb:\n  needs: [a]\n  script: s\n", nil},
		{"needs matrix", "a:\n  parallel: {matrix: [{X: [1, 2]}]}\n  script: s\nb:\n  needs: [{job: a, parallel: {matrix: [{X: '1'}]}}]\n  script: s\n", []string{"needs-parallel-matrix"}},
		{"full component version", "include:\n  - component: gitlab.com/g/p/c@1.2.3\nj:\n  script: s\n", []string{"include-component"}},
		{"partial component version", "include:\n  - component: gitlab.com/g/p/c@1.2\nj:\n  script: s\n", []string{"include-component", "component-partial-version"}},
		{"latest and sha", "include:\n  - component: gitlab.com/g/p/c@~latest\n  - component: gitlab.com/g/p/d@$CI_COMMIT_SHA\nj:\n  script: s\n", []string{"include-component", "include-component"}},
		{"include as a string", "include: a.yml\nj:\n  script: s\n", nil},
		{"function without header", "j:\n  script: echo $[[ inputs.x | truncate(1,2) ]]\n", nil},
		{"function with header", "spec:\n  inputs:\n    x:\n      default: abc\n---\nj:\n  script: echo $[[ inputs.x | expand_vars | truncate(1,2) ]]\n", []string{"spec-inputs", "function-truncate", "function-expand-vars", "pipeline-inputs"}},
		{"function name in text", "spec:\n  inputs:\n    x:\n      default: abc\n---\nj:\n  script: echo truncate $[[ inputs.x ]]\n", []string{"spec-inputs", "pipeline-inputs"}},
		{"changes as a list", "j:\n  script: s\n  rules:\n    - changes: [a]\n", nil},
		{"changes paths", "j:\n  script: s\n  rules:\n    - changes: {paths: [a], compare_to: main}\n", []string{"rules-changes-paths", "rules-changes-compare-to"}},
		{"kubernetes namespace", "j:\n  script: s\n  environment: {name: e, kubernetes: {namespace: n}}\n", nil},
		{"services as names", "j:\n  script: s\n  services: [postgres:16]\n", nil},
		{"one of several caches", "j:\n  script: s\n  cache:\n    - {key: a, paths: [a]}\n    - {key: b, paths: [b], unprotect: true}\n", []string{"cache-unprotect"}},
		{"parallel 50 and 51", "a:\n  parallel: 50\n  script: s\nb:\n  parallel: 51\n  script: s\n", []string{"parallel-over-50"}},
		{"stages flat", "stages: [build, test]\nj:\n  stage: build\n  script: s\n", nil},
		{"environment in a normal job", "j:\n  script: s\n  environment: production\n", nil},
		{"array input options", "spec:\n  inputs:\n    a:\n      type: array\n      options: [x]\n      default: [x]\n---\nj:\n  script: s\n", []string{"spec-inputs", "input-options", "input-type-array", "pipeline-inputs", "input-array-options"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file, fs := load.Parse("ci.yml", []byte(tt.src), load.DefaultLimits())
			if finding.HasErrors(fs) {
				t.Fatalf("test YAML does not load: %v", fs)
			}
			body := load.Without(file.Body, "include")
			p := pipeline.Build(body, nil)
			var got []string
			for _, u := range Detect([]*load.File{file}, p) {
				got = append(got, u.Feature.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("detected %v, want %v", got, tt.want)
			}
		})
	}
}

// TestCheck: uses at or below the target are fine; above it they are
// errors naming the release, or warnings for uses an older GitLab may
// still accept.
func TestCheck(t *testing.T) {
	src := "include:\n  - component: gitlab.com/g/p/c@1\nj:\n  script: s\n  artifacts: {access: none, paths: [a]}\n"
	file, _ := load.Parse("ci.yml", []byte(src), load.DefaultLimits())
	uses := Detect([]*load.File{file}, pipeline.Build(load.Without(file.Body, "include"), nil))
	tests := []struct {
		target Version
		want   []string
	}{
		{Version{16, 11}, nil},
		{Version{16, 10}, []string{
			"ci.yml:5:15 error `artifacts:access` (who may download a job's artifacts) was introduced in GitLab 16.11, newer than the target GitLab 16.10",
			"ci.yml:2:16 warning partial component version (a version such as @1 or @1.2 that picks the latest matching release) was introduced in GitLab 16.11, newer than the target GitLab 16.10; it works on GitLab 16.10 only if the component project has a tag or branch of exactly that name",
		}},
		{Version{15, 11}, []string{"include:component", "artifacts:access", "partial component"}},
	}
	for _, tt := range tests {
		got := Check(tt.target, uses)
		if len(got) != len(tt.want) {
			t.Errorf("%s: %d findings %v, want %d", tt.target, len(got), got, len(tt.want))
			continue
		}
		for i, f := range got {
			line := f.Pos.File + ":" + strconv.Itoa(f.Pos.Line) + ":" + strconv.Itoa(f.Pos.Col) + " " + f.Severity.String() + " " + f.Message
			if !strings.Contains(line, tt.want[i]) {
				t.Errorf("%s: finding %d\n got %s\nwant %s", tt.target, i, line, tt.want[i])
			}
		}
	}
}

// TestWithin places a use inside a one-line scalar only where the source
// shows the text unchanged.
func TestWithin(t *testing.T) {
	tests := []struct {
		line, text string
		col, i     int
		want       int
	}{
		{`  script: echo $[[ inputs.x | truncate(1,2) ]]`, `echo $[[ inputs.x | truncate(1,2) ]]`, 11, 20, 31},
		{`  script: "echo $[[ inputs.x | truncate(1,2) ]]"`, `echo $[[ inputs.x | truncate(1,2) ]]`, 11, 20, 32},
		{`  script: "a\tb $[[ inputs.x | truncate(1,2) ]]"`, "a\tb $[[ inputs.x | truncate(1,2) ]]", 11, 19, 11},
		{`  script: é $[[ inputs.x | truncate(1,2) ]]`, `é $[[ inputs.x | truncate(1,2) ]]`, 11, 18, 28},
		{`  script: short`, `something else`, 11, 4, 11},
	}
	for _, tt := range tests {
		got := within(finding.Pos{File: "f", Line: 1, Col: tt.col}, tt.text, tt.i, []byte(tt.line+"\n"))
		if got.Col != tt.want {
			t.Errorf("%s: col %d, want %d", tt.line, got.Col, tt.want)
		}
	}
}
