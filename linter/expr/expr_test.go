package expr

import (
	"strings"
	"testing"
)

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
		`"literal"`,
		`$CI_PIPELINE_SOURCE == "merge_request_event" && $CI_MERGE_REQUEST_TARGET_BRANCH_NAME == "main"`,
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
		{`${CI_COMMIT_BRANCH} == "main"`, 0, "${NAME}"},
		{`! $VAR`, 0, "! is not an operator"},
		{`($VAR`, 5, "not closed with )"},
		{`$VAR == true`, 8, `compare with the string "true"`},
		{`$A and $B`, 3, "use &&"},
		{`$A = "x"`, 3, "use =="},
		{`$A == "x`, 6, "string is not closed"},
		{`$A =~ /x`, 6, "not closed with /"},
		{`$A =~ /(/`, 6, "invalid regular expression"},
		{`$A =~ /x/q`, 9, "unknown regular expression flag"},
		{`$A =~ "x"`, 6, "right side of =~"},
		{`$A $B`, 3, "operator"},
		{`$A ==`, 5, "ends where a value"},
		{`== $A`, 0, "where a value"},
		{`$A && || $B`, 6, "where a value"},
		{`$`, 0, "variable name"},
		{strings.Repeat("(", 200) + "$A" + strings.Repeat(")", 200), 100, "nested too deeply"},
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

func TestEval(t *testing.T) {
	known := map[string]string{"BRANCH": "main", "EMPTY": "", "TAG": "v1.2.3"}
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
		{`$BRANCH == "main"`, True},
		{`$BRANCH != "main"`, False},
		{`$BRANCH`, True},
		{`$EMPTY`, False},
		{`$UNDEFINED`, False},
		{`$UNDEFINED == null`, True},
		{`$TAG =~ /^v\d+/`, True},
		{`$TAG =~ /^V\d+/i`, True},
		{`$TAG !~ /^v/`, False},
		{`$UNKNOWN == "x"`, Unknown},
		{`$UNKNOWN == "x" && $BRANCH == "dev"`, False},
		{`$UNKNOWN == "x" || $BRANCH == "main"`, True},
		{`$UNKNOWN || $EMPTY`, Unknown},
		{`"a" == "a"`, True},
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

func FuzzParse(f *testing.F) {
	for _, s := range []string{`$A == "b"`, `($A || $B) && $C =~ /x/i`, `${A}`, `!`, `((`} {
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
	})
}
