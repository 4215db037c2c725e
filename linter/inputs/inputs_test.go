package inputs

import (
	"math"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/load"
)

// TestParseBlock follows Block (MAX_FUNCTIONS), FunctionsStack (split last)
// and the function patterns of lib/gitlab/ci/config/interpolation/
// functions/*.rb and their specs (posix_quote_spec.rb: no arguments).
func TestParseBlock(t *testing.T) {
	good := []string{
		"inputs.stage", " inputs.stage ", "component.name", "inputs.a-b_c",
		"inputs.x | truncate(0,8)", "inputs.x|truncate( 1 , 2 )",
		"inputs.x | truncate(0,8", // the closing parenthesis is optional in truncate.rb's pattern
		"inputs.x | truncate(9223372036854775807,9223372036854775807)",
		"inputs.x|expand_vars|posix_escape",
		"inputs.x | posix_quote",
		"inputs.x | split(',')",
		"inputs.x | truncate(0,20) | split(' ')",
	}
	for _, s := range good {
		if _, err := parseBlock(s); err != nil {
			t.Errorf("parseBlock(%q): %v", s, err)
		}
	}
	bad := map[string]string{
		"input.stage":                                 "is not inputs.NAME",
		"inputs":                                      "is not inputs.NAME",
		"inputs.x | upper":                            "no function",
		"inputs.x | truncate(1)":                      "two whole numbers",
		"inputs.x | truncate(a,b)":                    "two whole numbers",
		"inputs.x | truncate(-1,2)":                   "two whole numbers",
		"inputs.x | truncate (0,1)":                   "two whole numbers",
		"inputs.x | truncate(0,99999999999999999999)": "less than 2^63",
		"inputs.x | expand_vars(1)":                   "no arguments",
		"inputs.x | posix_quote()":                    "no arguments",
		"inputs.x | split(\",\")":                     "single quotes",
		"inputs.x | split('')":                        "cannot be empty",
		"inputs.x | split(',') | posix_escape":        "split must be the last",
		"inputs.x | posix_escape | posix_escape | posix_escape | posix_escape": "at most 3",
		"inputs.x | expnd_vars":  "did you mean expand_vars",
		"inputs.x | posix_qoute": "did you mean posix_quote",
	}
	for s, want := range bad {
		if _, err := parseBlock(s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseBlock(%q) = %v, want %q", s, err, want)
		}
	}
}

func TestFunctions(t *testing.T) {
	tests := []struct {
		f        fn
		in, want string
	}{
		{fn{name: "truncate", args: []int{0, 3}}, "abcdef", "abc"},
		{fn{name: "truncate", args: []int{2, 10}}, "abcdef", "cdef"},
		{fn{name: "truncate", args: []int{10, 2}}, "abc", ""},
		{fn{name: "truncate", args: []int{0, 2}}, "héllo", "hé"},
		{fn{name: "truncate", args: []int{3, 3}}, "abc", ""},
		{fn{name: "truncate", args: []int{1, math.MaxInt}}, "abc", "bc"}, // no wrap-around
		{fn{name: "truncate", args: []int{math.MaxInt, math.MaxInt}}, "abc", ""},
		{fn{name: "posix_quote"}, "file.txt; rm -rf /", `file.txt\;\ rm\ -rf\ /`}, // posix_quote_spec.rb
		{fn{name: "posix_quote"}, "file.txt\nwget x", "file.txt'\n'wget\\ x"},
		{fn{name: "posix_escape"}, "my app (prod)", `my\ app\ \(prod\)`},
		{fn{name: "posix_escape"}, "a;b&&$c", `a\;b\&\&\$c`},
		{fn{name: "posix_escape"}, "", "''"},
		{fn{name: "posix_escape"}, "safe-/path_1.2:3+@x,", "safe-/path_1.2:3+@x,"},
		{fn{name: "expand_vars"}, "$CI_PROJECT_NAME", "$CI_PROJECT_NAME"},
	}
	for _, tt := range tests {
		if got := apply(tt.f, tt.in); got != tt.want {
			t.Errorf("%s(%q) = %q, want %q", tt.f.name, tt.in, got, tt.want)
		}
	}
}

func parseFile(t *testing.T, src string) *load.File {
	t.Helper()
	f, fs := load.Parse("t.yml", []byte(src), load.DefaultLimits())
	if len(fs) > 0 {
		t.Fatal(fs)
	}
	return f
}

func TestInterpolateTypes(t *testing.T) {
	f := parseFile(t, `spec:
  inputs:
    n: {type: number, default: 3}
    b: {type: boolean, default: true}
    a: {type: array, default: [x, y]}
    s: {default: hello}
    req: {}
---
job:
  parallel: $[[ inputs.n ]]
  allow_failure: $[[ inputs.b ]]
  tags: $[[ inputs.a ]]
  script: echo $[[ inputs.s ]] $[[ inputs.n ]] $[[ inputs.b ]] $[[ inputs.a ]]
  stage: $[[ inputs.req ]]
`)
	spec, fs := ParseSpec(f.Header)
	if len(fs) > 0 {
		t.Fatal(fs)
	}
	vals, _ := Resolve(spec, &load.Node{Kind: load.Map}, f.Body.Pos, "t.yml")
	res := Interpolate(f.Body, Context{Spec: spec, Values: vals})
	job := res.Body.Get("job")
	if p := job.Get("parallel"); p.Kind != load.Int || p.Int != 3 {
		t.Errorf("number stays a number: %+v", p)
	}
	if b := job.Get("allow_failure"); b.Kind != load.Bool || !b.Bool {
		t.Errorf("boolean stays a boolean: %+v", b)
	}
	if a := job.Get("tags"); a.Kind != load.Seq || len(a.Items) != 2 {
		t.Errorf("array stays an array: %+v", a)
	}
	if s := job.Get("script").Text; s != `echo hello 3 true ["x","y"]` {
		t.Errorf("inside a string: %q", s)
	}
	if s := job.Get("stage").Text; s != "$[[ inputs.req ]]" {
		t.Errorf("a required input without value stays as written: %q", s)
	}
	if len(res.Findings) != 0 {
		t.Errorf("findings: %v", res.Findings)
	}
}

func TestInputRules(t *testing.T) {
	f := parseFile(t, `spec:
  inputs:
    env:
      default: dev
    tier:
      rules:
        - if: $[[ inputs.env ]] == "prod"
          options: [large, xlarge]
          default: large
        - default: small
---
job:
  script: echo $[[ inputs.tier ]]
`)
	spec, _ := ParseSpec(f.Header)
	for env, want := range map[string]string{"dev": "small", "prod": "large"} {
		given := parseFile(t, "env: "+env+"\n").Body
		vals, fs := Resolve(spec, given, f.Body.Pos, "t.yml")
		if len(fs) > 0 || Text(vals["tier"]) != want {
			t.Errorf("env=%s: tier = %q (%v), want %q", env, Text(vals["tier"]), fs, want)
		}
	}
	given := parseFile(t, "env: prod\ntier: small\n").Body
	if _, fs := Resolve(spec, given, f.Body.Pos, "t.yml"); len(fs) != 1 || fs[0].Rule != "input-options" {
		t.Errorf("a rule's options apply: %v", fs)
	}
}

// TestOptionalAndFunctions follows lib/ci/inputs/base_input.rb (required?
// tests the `default` key; has_default_through_rules?), functions/split.rb
// and matrix_interpolator.rb.
func TestOptionalAndFunctions(t *testing.T) {
	f := parseFile(t, `spec:
  inputs:
    suffix: {default: null}
    list: {default: " a, b ,, c "}
    req: {}
    ruled:
      rules:
        - if: $[[ inputs.suffix ]] == "x"
          default: one
    fallback:
      rules:
        - options: [a, b]
    onlyif:
      rules:
        - if: $[[ inputs.suffix ]] == "x"
          options: [a]
---
job:
  script: echo "[$[[ inputs.suffix ]]]"
  tags: $[[ inputs.list | split(',') ]]
  needs:
    - job: build
      parallel:
        matrix:
          - OS: $[[ matrix.OS ]]
  variables:
    A: $[[ inputs.req ]] $[[ inputs.ruled ]] $[[ inputs.fallback ]] $[[ inputs.onlyif ]]
`)
	spec, fs := ParseSpec(f.Header)
	if len(fs) > 0 {
		t.Fatal(fs)
	}
	required := map[string]bool{"suffix": false, "list": false, "req": true, "ruled": false, "fallback": false, "onlyif": true}
	for name, want := range required {
		if got := spec.Lookup(name).Required(); got != want {
			t.Errorf("input %s: Required() = %v, want %v", name, got, want)
		}
	}
	vals, vfs := Resolve(spec, &load.Node{Kind: load.Map}, f.Body.Pos, "t.yml")
	for _, f := range vfs {
		if !strings.Contains(f.Message, "`req`") && !strings.Contains(f.Message, "`onlyif`") {
			t.Errorf("unexpected finding: %v", f)
		}
	}
	res := Interpolate(f.Body, Context{Spec: spec, Values: vals})
	job := res.Body.Get("job")
	if s := job.Get("script").Text; s != "echo \"[]\"" {
		t.Errorf("default: null interpolates as empty text: %q", s)
	}
	tags := job.Get("tags")
	if tags.Kind != load.Seq || len(tags.Items) != 3 || tags.Items[0].Text != "a" || tags.Items[2].Text != "c" {
		t.Errorf("split: %+v", tags)
	}
	os := job.Get("needs").Items[0].Get("parallel").Get("matrix").Items[0].Get("OS")
	if os.Text != "$[[ matrix.OS ]]" {
		t.Errorf("matrix block left for the pipeline: %q", os.Text)
	}
	if len(res.Findings) != 0 {
		t.Errorf("findings: %v", res.Findings)
	}
}

// $[[ inputs.NAME[i] ]] (GitLab 18.10, interpolation/access.rb) picks
// an element of an array input, .key a key of a mapping element; an index
// past the end or into a non-array is an error.
func TestArrayIndex(t *testing.T) {
	f := parseFile(t, "spec:\n  inputs:\n    a:\n      type: array\n      default: [{host: h1, ports: [80, 443]}, x]\n---\n"+
		"job:\n  script: echo $[[ inputs.a[0].host ]] $[[ inputs.a[0].ports[1] ]] $[[ inputs.a[1] ]]\n  bad1: $[[ inputs.a[2] ]]\n  bad2: $[[ inputs.a[1][0] ]]\n  bad3: $[[ inputs.a[0].nope ]]\n")
	spec, fs := ParseSpec(f.Header)
	if len(fs) > 0 {
		t.Fatal(fs)
	}
	vals, _ := Resolve(spec, &load.Node{Kind: load.Map}, f.Body.Pos, "t.yml")
	res := Interpolate(f.Body, Context{Spec: spec, Values: vals})
	if got := res.Body.Get("job").Get("script").Text; got != "echo h1 443 x" {
		t.Errorf("script = %q", got)
	}
	want := []string{"past the end of an array of 2", "indexes the string \"x\", not an array", "no key `nope`"}
	if len(res.Findings) != len(want) {
		t.Fatalf("findings %v, want %d", res.Findings, len(want))
	}
	for i, w := range want {
		if !strings.Contains(res.Findings[i].Message, w) {
			t.Errorf("finding %d = %q, want %q", i, res.Findings[i].Message, w)
		}
	}
}

func TestDeclarationChecks(t *testing.T) {
	tests := []struct {
		decl string
		says string // "" for no finding
	}{
		{"{type: boolean, options: [true, false]}", "options` only on string, number and (from 19.0) array"},
		// GitLab 19.0 takes options on arrays (issue 566155); the version
		// check refuses them for an older target.
		{"{type: array, options: [a, b], default: [a]}", ""},
		{"{type: array, options: [a, b], default: [a, c]}", "its default has the item \"c\""},
		{"{type: number, options: [1, 2], default: 1}", ""},
		{"{options: [a, b], default: a}", ""},
		{"{type: number, regex: '^1'}", "regex` only on string"},
		{"{regex: '^a', default: abc}", ""},
		{"{type: number, default: null}", "default is null"},
		{"{type: boolean, default: null}", "default is null"},
		{"{default: null}", ""},
		{"{type: number, default: '3'}", "newer GitLab versions convert it"},
		{"{type: number, default: 'three'}", "is a number, but its default"},
		{"{default: 3}", "newer GitLab versions convert it"},
		{"{options: [" + strings.Repeat("x, ", 50) + "y], default: y}", "at most 50"},
		{"{options: [" + strings.TrimSuffix(strings.Repeat("x, ", 50), ", ") + "], default: x}", ""},
		{"{rules: [{if: '$[[ inputs.b ]] = \"x\"', default: b}]}", "not a valid expression"},
		{"{rules: [{if: '$[[ inputs.b ]] == \"x\"', default: b}]}", ""},
		{"{rules: [{if: '$[[ inputs.b ]] == \"x\"', options: [b, c], default: d}]}", "not one of its options"},
		{"{rules: [{options: [b, c], default: c}]}", ""},
		{"{type: number, rules: [{options: [1, 2], default: \"1\"}]}", "not one of its options"},
		{"{rules: [{if: '$[[ inputs.nope ]] == \"x\"', default: b}]}", "not declared: nope"},
		{"{rules: [{if: '$[[ inputs.a ]] == \"x\"', default: b}, {default: c}]}", "in a circle: a → a"},
	}
	for _, tt := range tests {
		f := parseFile(t, "spec:\n  inputs:\n    b: {default: x}\n    a: "+tt.decl+"\n---\njob:\n  script: echo $[[ inputs.a ]] $[[ inputs.b ]]\n")
		_, fs := ParseSpec(f.Header)
		switch {
		case tt.says == "" && len(fs) > 0:
			t.Errorf("%s: unexpected %v", tt.decl, fs)
		case tt.says != "" && (len(fs) != 1 || !strings.Contains(fs[0].Message, tt.says)):
			t.Errorf("%s: got %v, want one finding saying %q", tt.decl, fs, tt.says)
		}
	}
}

// TestNotBlocks follows Interpolation::Template::BLOCK_REGEXP: a block's
// content starts and ends with a non-space character.
func TestNotBlocks(t *testing.T) {
	f := parseFile(t, "spec:\n  inputs:\n    a: {default: x}\n---\njob:\n  script:\n    - echo '$[[ ]]'\n    - echo '$[[ y ]]'\n    - echo $[[ inputs.a ]]\n")
	spec, _ := ParseSpec(f.Header)
	vals, _ := Resolve(spec, &load.Node{Kind: load.Map}, f.Body.Pos, "t.yml")
	res := Interpolate(f.Body, Context{Spec: spec, Values: vals})
	script := res.Body.Get("job").Get("script")
	// (On one line with a later block, GitLab's regexp runs on to that
	// block's ]], as this one does.)
	if s := script.Items[0].Text + "|" + script.Items[1].Text + "|" + script.Items[2].Text; s != "echo '$[[ ]]'|echo '$[[ y ]]'|echo x" {
		t.Errorf("got %q", s)
	}
	if len(res.Findings) != 0 {
		t.Errorf("findings: %v", res.Findings)
	}
	if _, err := parseBlock("inputs." + strings.Repeat("a", 1100)); err == nil || !strings.Contains(err.Error(), "1024 bytes") {
		t.Errorf("a long name: %v", err)
	}
}

// TestInputRules follows Ci::Inputs::RulesEvaluator and Builder: the first
// matching rule gives the options and default; the `if` sees typed values,
// given values of inputs declared later too, and a quoted block is only text.
func TestInputRulesAsGitLab(t *testing.T) {
	f := parseFile(t, `spec:
  inputs:
    debug: {type: boolean, default: false}
    size:
      rules:
        - if: $[[ inputs.debug ]]
          default: big
        - if: '"$[[ inputs.env ]]" == "prod"'
          default: quoted
        - if: $[[ inputs.env ]] == "prod"
          options: [large, huge]
          default: large
        - default: small
    env: {default: dev}
---
job:
  script: echo $[[ inputs.size ]] $[[ inputs.env ]] $[[ inputs.debug ]]
`)
	spec, fs := ParseSpec(f.Header)
	if len(fs) > 0 {
		t.Fatal(fs)
	}
	tests := []struct {
		given string
		want  string
		bad   string // a finding's text, "" for none
	}{
		{"{}", "small", ""},
		{"{env: prod}", "large", ""},
		{"{env: prod, size: tiny}", "", "must be one of large, huge"},
		{"{debug: true}", "big", ""},
	}
	for _, tt := range tests {
		g := parseFile(t, tt.given)
		vals, vfs := Resolve(spec, g.Body, f.Body.Pos, "t.yml")
		switch {
		case tt.bad == "" && len(vfs) > 0:
			t.Errorf("%s: unexpected %v", tt.given, vfs)
		case tt.bad != "" && (len(vfs) != 1 || !strings.Contains(vfs[0].Message, tt.bad)):
			t.Errorf("%s: got %v, want %q", tt.given, vfs, tt.bad)
		case tt.want != "" && vals["size"].Text != tt.want:
			t.Errorf("%s: size = %q, want %q", tt.given, vals["size"].Text, tt.want)
		}
	}
}
