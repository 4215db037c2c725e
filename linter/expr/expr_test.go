package expr

import (
	"strings"
	"testing"
)

// The cases follow GitLab's specs of the expression language
// (gitlab-org/gitlab, spec/lib/gitlab/ci/pipeline/expression/: lexer_spec.rb,
// parser_spec.rb, statement_spec.rb, lexeme/pattern_spec.rb) and the
// lexemes in lib/gitlab/ci/pipeline/expression/lexeme/*.rb.

func TestPatternLen(t *testing.T) {
	tests := []struct {
		src  string
		want string // the Pattern lexeme at the start of src, "" for none
	}{
		{`/pattern/`, `/pattern/`},
		{`/pattern/i`, `/pattern/i`},
		{`/pattern/im`, `/pattern/im`},
		{`/pattern/x`, `/pattern/`},                                // pattern_spec.rb: unsupported flags are not part of it
		{`/some .* / pattern/`, `/some .* /`},                      // pattern_spec.rb: eager
		{`/some .* \/ pattern/`, `/some .* \/ pattern/`},           // pattern_spec.rb: \/ is escaped
		{`/some numeric \$ pattern/`, `/some numeric \$ pattern/`}, // pattern_spec.rb
		{`//`, ``},                            // pattern_spec.rb: no empty pattern
		{`/./`, ``},                           // job_rules.md: single characters are not supported
		{`/ab/`, `/ab/`},                      //
		{`/ab//`, `/ab//`},                    // two slashes close it; the body is "ab/"
		{`/\//`, `/\//`},                      // an escaped slash alone
		{`/a\\/`, ``},                         // a backslash may not precede the closing slash
		{`/a\/b/ && $X`, `/a\/b/`},            //
		{`/^v\d+/ || $A =~ /x.*/`, `/^v\d+/`}, //
		{`/no end`, ``},                       //
		{`/a/b/`, ``},                         // "a" is one character
		{`/ab/ms/cd/`, `/ab/ms`},              //
		{`/abc/Ui`, `/abc/Ui`},                //
		{`/x/ == "y"`, ``},                    //
		{`/xy/ == "y"`, `/xy/`},               //
		{`/` + strings.Repeat(`\/`, 50) + `/`, `/` + strings.Repeat(`\/`, 50) + `/`}, // linear, not exponential
	}
	for _, tt := range tests {
		if got := tt.src[:patternLen(tt.src)]; got != tt.want {
			t.Errorf("patternLen(%q) reads %q, want %q", tt.src, got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	valid := []string{
		`$CI_COMMIT_BRANCH`,
		`$CI_COMMIT_BRANCH == "main"`,
		`$CI_COMMIT_BRANCH == 'main'`,
		`$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH`,
		`$CI_COMMIT_TAG =~ /^v\d+\.\d+\.\d+$/`,
		`$CI_COMMIT_MESSAGE =~ /skip ci/i`,
		`$PATH_VAR =~ /^a\/b$/`,
		`$CI_COMMIT_REF_NAME !~ $PROTECTED_PATTERN`,
		`$VAR == null`,
		`null == $VAR`,
		`$A && $B || $C`,
		`($A || $B) && ($C == "x" || $D != "y")`,
		`((($A)))`,
		`"literal"`, // a lone string is valid (statement_spec.rb once said otherwise; the shunting-yard parser accepts it)
		`""`,
		`$EMPTY_VARIABLE == "" && $PRESENT_VARIABLE`, // lexer_spec.rb complex expressions
		`$PRESENT_VARIABLE && null || $EMPTY_VARIABLE == ""`,
		`($PRESENT_VARIABLE && (null || $EMPTY_VARIABLE == ""))`,
		`("string" == ("test" && "string"))`, // statement_spec.rb
		`("string" == ("string" || (("1" == "1") && ("2" == "3"))))`,
		`$CI_PIPELINE_SOURCE == "merge_request_event" && $CI_MERGE_REQUEST_TARGET_BRANCH_NAME == "main"`,
		// A string on the right of =~ is a substring search (job_rules.md, Troubleshooting).
		`$CI_PIPELINE_SOURCE =~ "merge_request_event"`,
		`$A !~ "x"`,
		// Booleans, negation and inputs (lexeme/boolean.rb, not.rb, input.rb).
		`$VAR == true`,
		`false == "true"`,
		`! $VAR`,
		`!$VAR && $B`,
		`!($A == "x" || $B)`,
		`"false" == !$FOO`,
		`$[[ inputs.env ]] == "prod"`,
		`$[[inputs.env]] != 'dev' && $[[ inputs.debug ]] == true`,
		// Chained comparisons: the parser is left-associative.
		`$A == $B == "true"`,
		`$A =~ /xy/ == true`,
		// Forms GitLab's shunting-yard parser accepts although they read oddly.
		`$A $B ==`,
		`== $A $B`,
		`$A !`,
		`$A =~ /pattern/`,
		`/ab//`,
		"\t$VARIABLE ",
		strings.TrimSuffix(strings.Repeat("$A && ", 50), " && "), // 99 tokens
		strings.Repeat("(", 49) + "$A" + strings.Repeat(")", 49), // 99 tokens
	}
	for _, src := range valid {
		if _, err := Parse(src); err != nil {
			t.Errorf("Parse(%q): %v", src, err)
		}
	}
	invalid := []struct {
		src    string
		offset int
		says   string
	}{
		{``, 0, "empty"},
		{`   `, 0, "empty"},
		{`${CI_COMMIT_BRANCH} == "main"`, 0, "${NAME}"},
		{`($VAR`, 5, "not closed with )"},
		{`$VAR)`, 4, `unexpected ")"`},
		{`()`, 1, "where a value"},
		{`$A and $B`, 3, "use &&"},
		{`$A = "x"`, 3, "use =="},
		{`$A & $B`, 3, "use && or ||"},
		{`$VAR == True`, 8, "lower case"},
		{`$A == "x`, 6, "string is not closed"},
		{`$A =~ /x`, 6, "not closed with /"},
		{`$A =~ //`, 6, "empty regular expression"},
		{`$A =~ /./`, 6, "single character"},
		{`$A =~ /(x/`, 6, "invalid regular expression"},
		{`$A =~ / some ( thin/i`, 6, "invalid regular expression"}, // pattern_spec.rb
		{`$A =~ /x/q`, 6, "single character"},
		{`$A =~ /xy/q`, 10, "unknown regular expression flag"},
		{`$A =~ /(?<!x)y/`, 6, "invalid regular expression"}, // RE2 has no lookbehind
		{`$A $B`, 3, "operator"},
		{`$VAR "text"`, 5, "operator"}, // statement_spec.rb: missing operator
		{`$A ==`, 5, "ends where a value"},
		{`== "123"`, 0, "where a value"}, // statement_spec.rb: invalid left side
		{`$A && || $B`, 6, "where a value"},
		{`12345`, 0, "quote them"}, // statement_spec.rb: unknown syntax
		{`$V1 123 $V2`, 4, "quote them"},
		{`$`, 0, "variable name"},
		{`$[[ inputs.my-input ]] == "x"`, 0, "letters, digits and _"},
		{`$A ! $B`, 3, "operator"},
		{`nulls == $A`, 4, `unexpected "s"`},
		{`truex == $A`, 0, `unexpected "truex"`},
		{strings.TrimSuffix(strings.Repeat("$A && ", 51), " && "), 297, "100 or more"}, // at the 100th token
		{strings.Repeat("(", 200) + "$A" + strings.Repeat(")", 200), 99, "100 or more"},
		// lexer.rb fails after its 100th round even when only the end is left.
		{strings.TrimSuffix(strings.Repeat("$A && ", 50), " && ") + " $B", 297, "100 or more"},
		{strings.TrimSuffix(strings.Repeat("$A && ", 50), " && ") + " !", 297, "100 or more"},
	}
	for _, tt := range invalid {
		_, err := Parse(tt.src)
		se, ok := err.(*SyntaxError)
		if !ok {
			t.Errorf("Parse(%q) = %v, want a syntax error", tt.src, err)
			continue
		}
		if se.Offset != tt.offset || !strings.Contains(se.Msg, tt.says) {
			t.Errorf("Parse(%q) = offset %d %q, want offset %d saying %q", tt.src, se.Offset, se.Msg, tt.offset, tt.says)
		}
	}
}

// TestPrecedence checks the tree the parser builds: ! binds tightest,
// then the comparisons, then &&, then ||; equal precedences group to the
// left (parser.rb, lexeme precedences).
func TestPrecedence(t *testing.T) {
	tests := []struct{ src, want string }{
		{`$A || $B && $C`, `(||$A(&&$B$C))`},
		{`$A && $B || $C`, `(||(&&$A$B)$C)`},
		{`!$A == "x"`, `(==(!$A)"x")`},
		{`$A == !$B`, `(==$A(!$B))`},
		{`!($A && $B)`, `(!(&&$A$B))`},
		{`$A == $B == $C`, `(==(==$A$B)$C)`},
		{`$A =~ /xy/ && $B`, `(&&(=~$A/xy/)$B)`},
		{`($A || $B) && $C`, `(&&(||$A$B)$C)`},
		{`$A $B ==`, `(==$A$B)`},
	}
	for _, tt := range tests {
		e, err := Parse(tt.src)
		if err != nil {
			t.Fatalf("%q: %v", tt.src, err)
		}
		if got := show(e); got != tt.want {
			t.Errorf("Parse(%q) = %s, want %s", tt.src, got, tt.want)
		}
	}
}

func show(e *Expr) string {
	switch e.Kind {
	case Variable:
		return "$" + e.Text
	case String:
		return `"` + e.Text + `"`
	case Pattern:
		return "/" + e.Text + "/" + e.Flags
	case Null:
		return "null"
	case Boolean:
		return e.Text
	case Input:
		return "inputs." + e.Text
	case Not:
		return "(!" + show(e.Left) + ")"
	}
	op := map[Kind]string{Equal: "==", NotEqual: "!=", Match: "=~", NoMatch: "!~", And: "&&", Or: "||"}[e.Kind]
	return "(" + op + show(e.Left) + show(e.Right) + ")"
}

func inspect(v value) string {
	switch v.kind {
	case vNil:
		return "nil"
	case vString:
		return `"` + v.s + `"`
	case vBool:
		return v.String()
	case vRegexp:
		return "/" + v.s + "/"
	}
	return "unknown"
}

// TestEvaluate follows statement_spec.rb's #evaluate table (lines 33-123
// of the version with the parenthesised cases), plus the string, boolean
// and negation semantics of lexeme/matches.rb, equals.rb and not.rb.
func TestEvaluate(t *testing.T) {
	known := map[string]string{
		"PRESENT_VARIABLE":   "my variable",
		"PATH_VARIABLE":      "a/path/variable/value",
		"FULL_PATH_VARIABLE": "/a/full/path/variable/value",
		"EMPTY_VARIABLE":     "",
		"PATTERN":            "/^my/",
		"BAD_PATTERN":        "/my (/",
		"SOURCE":             "merge_request_event",
		"SPACES":             "  ",
		"inputs.env":         "prod",
	}
	vars := func(name string) (string, bool, bool) {
		if strings.HasPrefix(name, "UNKNOWN") {
			return "", false, false
		}
		v, ok := known[name]
		return v, true, ok
	}
	tests := []struct{ src, want string }{
		{`$PRESENT_VARIABLE == "my variable"`, `true`},
		{`"my variable" == $PRESENT_VARIABLE`, `true`},
		{`$PRESENT_VARIABLE == null`, `false`},
		{`$EMPTY_VARIABLE == null`, `false`},
		{`"" == $EMPTY_VARIABLE`, `true`},
		{`$EMPTY_VARIABLE`, `""`},
		{`$UNDEFINED_VARIABLE == null`, `true`},
		{`null == $UNDEFINED_VARIABLE`, `true`},
		{`$PRESENT_VARIABLE`, `"my variable"`},
		{`$UNDEFINED_VARIABLE`, `nil`},
		{`$PRESENT_VARIABLE =~ /var.*e$/`, `true`},
		{`$PRESENT_VARIABLE =~ /va\r.*e$/`, `false`},
		{`$PRESENT_VARIABLE =~ /va\/r.*e$/`, `false`},
		{`$PRESENT_VARIABLE =~ /^var.*/`, `false`},
		{`$EMPTY_VARIABLE =~ /var.*/`, `false`},
		{`$UNDEFINED_VARIABLE =~ /var.*/`, `false`},
		{`$PRESENT_VARIABLE =~ /VAR.*/i`, `true`},
		{`$PATH_VARIABLE =~ /path\/variable/`, `true`},
		{`$FULL_PATH_VARIABLE =~ /^\/a\/full\/path\/variable\/value$/`, `true`},
		{`$FULL_PATH_VARIABLE =~ /\\/path\\/variable\\/value$/`, `true`},
		{`$PRESENT_VARIABLE != "my variable"`, `false`},
		{`$PRESENT_VARIABLE != null`, `true`},
		{`$EMPTY_VARIABLE != null`, `true`},
		{`$UNDEFINED_VARIABLE != null`, `false`},
		{`$PRESENT_VARIABLE !~ /var.*e$/`, `false`},
		{`$PRESENT_VARIABLE !~ /^var.*/`, `true`},
		{`$EMPTY_VARIABLE !~ /var.*/`, `true`},
		{`$UNDEFINED_VARIABLE !~ /var.*/`, `true`},
		{`$PRESENT_VARIABLE && "string"`, `"string"`},
		{`$PRESENT_VARIABLE && $EMPTY_VARIABLE`, `""`},
		{`$PRESENT_VARIABLE && null`, `nil`},
		{`$EMPTY_VARIABLE && $PRESENT_VARIABLE`, `"my variable"`},
		{`null && $PRESENT_VARIABLE`, `nil`},
		{`"string" && null`, `nil`},
		{`$PRESENT_VARIABLE && $UNDEFINED_VARIABLE`, `nil`},
		{`$EMPTY_VARIABLE == "" && $PRESENT_VARIABLE`, `"my variable"`},
		{`$EMPTY_VARIABLE == "" && $PRESENT_VARIABLE != "nope"`, `true`},
		{`$PRESENT_VARIABLE =~ /my var/ && $EMPTY_VARIABLE =~ /nope/`, `false`},
		{`$PRESENT_VARIABLE || $UNDEFINED_VARIABLE`, `"my variable"`},
		{`$UNDEFINED_VARIABLE || $PRESENT_VARIABLE`, `"my variable"`},
		{`$UNDEFINED_VARIABLE == null || $PRESENT_VARIABLE`, `true`},
		{`$PRESENT_VARIABLE || $UNDEFINED_VARIABLE == null`, `"my variable"`},
		{`$PRESENT_VARIABLE && null || $EMPTY_VARIABLE == ""`, `true`},
		{`(($PRESENT_VARIABLE && null) || $EMPTY_VARIABLE == "")`, `true`},
		{`("string" || "test") == "string"`, `true`},
		{`(null || ("test" == "string"))`, `false`},
		{`("string" == ("test" && "string"))`, `true`},
		{`("string" == ("test" || "string"))`, `false`},
		{`("string" == "test" || "string")`, `"string"`},
		{`("string" == ("string" || (("1" == "1") && ("2" == "3"))))`, `true`},
		// Strings and variables on the right of =~ (matches.rb, Pattern.build_and_evaluate).
		{`$SOURCE =~ "merge_request_event"`, `true`},
		{`"merge" =~ "merge_request_event"`, `true`},
		{`"23" =~ "1234"`, `true`}, // job_rules.md, Troubleshooting
		{`"23" =~ /1234/`, `false`},
		{`$SOURCE =~ "push"`, `false`},
		{`$UNDEFINED_VARIABLE =~ "anything"`, `true`}, // nil is "", a substring of every string
		{`$PRESENT_VARIABLE =~ $PATTERN`, `true`},
		{`$PRESENT_VARIABLE =~ "/^my/"`, `true`},
		{`"/my (/" =~ $BAD_PATTERN`, `true`}, // not RE2: a substring search
		{`$PRESENT_VARIABLE =~ $UNDEFINED_VARIABLE`, `false`},
		{`$PRESENT_VARIABLE !~ $UNDEFINED_VARIABLE`, `true`},
		{`$UNDEFINED_VARIABLE =~ /a*/`, `true`}, // an empty match is a match
		// Booleans (boolean.rb, compare_with_coercion).
		{`false == "true"`, `false`},
		{`true == "true"`, `true`},
		{`"false" == false`, `true`},
		{`true == true`, `true`},
		{`$PRESENT_VARIABLE =~ /my/ == "true"`, `true`},
		{`($EMPTY_VARIABLE == "") == true`, `true`},
		{`true && "x"`, `"x"`},
		{`false || $EMPTY_VARIABLE`, `""`},
		// Negation (not.rb): !present?.
		{`!$PRESENT_VARIABLE`, `false`},
		{`!$EMPTY_VARIABLE`, `true`},
		{`!$UNDEFINED_VARIABLE`, `true`},
		{`!$SPACES`, `true`},
		{`!$PRESENT_VARIABLE == "false"`, `true`},
		{`"false" == !$PRESENT_VARIABLE`, `true`},
		{`!($PRESENT_VARIABLE == "x" || $EMPTY_VARIABLE)`, `true`}, // false || "" is "", which is blank,
		// Inputs.
		{`$[[ inputs.env ]] == "prod"`, `true`},
		{`$[[ inputs.other ]] == null`, `true`},
		// Unknown values.
		{`$UNKNOWN == "x"`, `unknown`},
		{`$UNKNOWN && "x"`, `unknown`},
		{`null && $UNKNOWN`, `nil`},
		{`"x" || $UNKNOWN`, `"x"`},
		{`$PRESENT_VARIABLE =~ $UNKNOWN`, `unknown`},
		{`$UNKNOWN =~ $UNDEFINED_VARIABLE`, `false`},
	}
	for _, tt := range tests {
		e, err := Parse(tt.src)
		if err != nil {
			t.Fatalf("%q: %v", tt.src, err)
		}
		if got := inspect(eval(e, env{vars: vars})); got != tt.want {
			t.Errorf("evaluate(%q) = %s, want %s", tt.src, got, tt.want)
		}
	}
}

// TestEval follows statement_spec.rb's #truthful? table and checks the
// three-valued result.
func TestEval(t *testing.T) {
	known := map[string]string{"BRANCH": "main", "EMPTY": "", "TAG": "v1.2.3", "PRESENT_VARIABLE": "my variable"}
	vars := func(name string) (string, bool, bool) {
		if name == "UNKNOWN" {
			return "", false, false
		}
		v, ok := known[name]
		return v, true, ok
	}
	tests := []struct {
		src  string
		want Truth
	}{
		{`$PRESENT_VARIABLE == "my variable"`, True},
		{`$PRESENT_VARIABLE == 'no match'`, False},
		{`$UNDEFINED_VARIABLE == null`, True},
		{`$PRESENT_VARIABLE`, True},
		{`$UNDEFINED_VARIABLE`, False},
		{`$EMPTY`, False},
		{`$PRESENT_VARIABLE =~ /var.*/`, True},
		{`$UNDEFINED_VARIABLE =~ /var.*/`, False},
		{`$PRESENT_VARIABLE !~ /var.*/`, False},
		{`$UNDEFINED_VARIABLE !~ /var.*/`, True},
		{`$BRANCH == "main"`, True},
		{`$TAG =~ /^V\d+/i`, True},
		{`$UNKNOWN == "x"`, Unknown},
		{`$UNKNOWN == "x" && $BRANCH == "dev"`, False},
		{`$UNKNOWN == "x" || $BRANCH == "main"`, True},
		{`$UNKNOWN || $EMPTY`, Unknown},
		{`!$UNKNOWN`, Unknown},
		{`!$EMPTY`, True},
		{`"a" == "a"`, True},
		{`""`, False},
	}
	for _, tt := range tests {
		e, err := Parse(tt.src)
		if err != nil {
			t.Fatalf("%q: %v", tt.src, err)
		}
		if got := Eval(e, vars); got != tt.want {
			t.Errorf("Eval(%q) = %v, want %v", tt.src, got, tt.want)
		}
	}
}

// TestEvalInputs follows Ci::Inputs::RulesEvaluator: the inputs keep their
// types (lexeme/input.rb returns the value as is).
func TestEvalInputs(t *testing.T) {
	inputs := func(name string) (any, bool) {
		v, ok := map[string]any{"env": "prod", "debug": false, "on": true, "replicas": int64(3), "none": nil}[name]
		return v, ok || name == "none"
	}
	tests := []struct {
		src  string
		want Truth
	}{
		{`$[[ inputs.env ]] == "prod"`, True},
		{`$[[ inputs.env ]] != "prod"`, False},
		{`$[[ inputs.debug ]]`, False}, // false is not present
		{`$[[ inputs.debug ]] == "false"`, True},
		{`$[[ inputs.on ]] == true`, True},
		{`!$[[ inputs.debug ]]`, True},
		{`$[[ inputs.replicas ]] == "3"`, False}, // a number never equals a string
		{`$[[ inputs.replicas ]]`, True},
		{`$[[ inputs.none ]] == null`, True},
		{`$[[ inputs.missing ]] == "x"`, Unknown},
		{`"$[[ inputs.env ]]" == "prod"`, False}, // inside quotes it is only text
		{`$[[ inputs.env ]] =~ /^pr/`, True},
	}
	for _, tt := range tests {
		e, err := Parse(tt.src)
		if err != nil {
			t.Fatalf("%q: %v", tt.src, err)
		}
		if got := EvalInputs(e, nil, inputs); got != tt.want {
			t.Errorf("EvalInputs(%q) = %v, want %v", tt.src, got, tt.want)
		}
	}
}

func TestRubyPattern(t *testing.T) {
	tests := []struct {
		s                string
		matched, invalid bool
	}{
		{`/^release-.*$/`, true, false},
		{`/^release\/.*$/i`, true, false},
		{`/feature/x`, false, false}, // x is no flag: a plain name
		{`main`, false, false},
		{`/`, false, false},
		{`/(unclosed/`, true, true},
		{`/(?=look)ahead/`, true, true},
		{`//`, true, false},     // an empty regexp is valid RE2 here (refs, not the lexer)
		{`/a\Cb/`, true, false}, // RE2's any-byte escape
	}
	for _, tt := range tests {
		_, matched, err := RubyPattern(tt.s)
		if matched != tt.matched || (err != nil) != tt.invalid {
			t.Errorf("RubyPattern(%q) = matched %v, err %v; want matched %v, invalid %v", tt.s, matched, err, tt.matched, tt.invalid)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`$A == "b"`, `($A || $B) && $C =~ /x/i`, `${A}`, `!`, `((`, `$A $B ==`, `/ab//`, `!$A == true`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Parse(src)
		if err != nil {
			se := err.(*SyntaxError)
			if se.Offset < 0 || se.Offset > len(src) {
				t.Fatalf("offset %d outside %q", se.Offset, src)
			}
			return
		}
		Eval(e, func(string) (string, bool, bool) { return "", false, false })
		Eval(e, func(string) (string, bool, bool) { return "/a/", true, true })
	})
}

func TestSubstringMatches(t *testing.T) {
	tests := []struct {
		src  string
		want int
	}{
		{`$CI_PIPELINE_SOURCE =~ "merge_request_event"`, 1},
		{`$A !~ 'main' && $B =~ "x"`, 2},
		{`$A =~ "/^v\d+/"`, 0}, // reads as a pattern
		{`$A =~ /main/`, 0},
		{`$A =~ $PATTERN`, 0},
		{`$A == "x"`, 0},
	}
	for _, tt := range tests {
		e, err := Parse(tt.src)
		if err != nil {
			t.Fatalf("%q: %v", tt.src, err)
		}
		if got := len(SubstringMatches(e)); got != tt.want {
			t.Errorf("SubstringMatches(%q) = %d, want %d", tt.src, got, tt.want)
		}
	}
}
