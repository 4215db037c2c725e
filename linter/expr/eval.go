package expr

import (
	"fmt"
	"strings"
	"unicode"
)

// Evaluation follows the lexemes' evaluate methods, which are Ruby:
//   - a variable is its string value, or nil when undefined;
//   - && and || return one of their operands (Ruby's `a && b`, `a || b`),
//     where only nil and false are false, so `"" && "x"` is "x";
//   - == and != compare with Ruby's ==, except that a boolean and a
//     string compare as strings (`true == "true"`: compare_with_coercion);
//   - =~ and !~ match the left side, as a string (nil is ""), against the
//     right side: a /pattern/, or a string that reads as one (a variable
//     holding "/^v/"); any other string is searched for the left side as
//     a substring (`"23" =~ "1234"` is true); a nil right side never
//     matches;
//   - ! and the final result use Rails' present?: nil, false, and strings
//     of only whitespace are false.
//
// Offline most variables are unknown, so every result can be Unknown.

// Truth is a three-valued result: offline, most variables are unknown.
type Truth uint8

const (
	Unknown Truth = iota
	False
	True
)

// Vars looks up a variable; known is false when its value is not known.
// A known-but-undefined variable is reported as ("", true, false). An
// $[[ inputs.NAME ]] lexeme is looked up as "inputs.NAME".
type Vars func(name string) (value string, known, defined bool)

type vkind uint8

const (
	vUnknown vkind = iota
	vNil
	vString
	vBool
	vRegexp
	vOther // a number or an array from an input: equal only to the same value
)

// value is an operand's value.
type value struct {
	kind vkind
	s    string // string value, or the regexp's source
	b    bool
	e    *Expr // the pattern, for vRegexp
}

// InputVars looks up the typed value of an $[[ inputs.NAME ]] lexeme, as
// Ci::Inputs::RulesEvaluator hands the resolved inputs to the expression:
// a string, a bool, nil for null, or any other value (a number, an array),
// which equals only the same value and never a string. known is false when
// the value is not known.
type InputVars func(name string) (v any, known bool)

type env struct {
	vars   Vars
	inputs InputVars
}

// Eval evaluates e with what vars knows: is the expression's value present?
// $[[ inputs.NAME ]] lexemes are looked up in vars as "inputs.NAME".
func Eval(e *Expr, vars Vars) Truth { return truth(e, env{vars: vars}) }

// EvalInputs evaluates e with typed input values for its
// $[[ inputs.NAME ]] lexemes (spec:inputs:rules) and vars for the rest.
func EvalInputs(e *Expr, vars Vars, inputs InputVars) Truth {
	return truth(e, env{vars: vars, inputs: inputs})
}

func truth(e *Expr, env env) Truth {
	switch e.Kind {
	case And:
		return Both(truth(e.Left, env), truth(e.Right, env))
	case Or:
		return Either(truth(e.Left, env), truth(e.Right, env))
	case Not:
		return negate(truth(e.Left, env))
	}
	return present(eval(e, env))
}

func negate(t Truth) Truth {
	switch t {
	case True:
		return False
	case False:
		return True
	}
	return Unknown
}

func eval(e *Expr, env env) value {
	vars := env.vars
	switch e.Kind {
	case String:
		return value{kind: vString, s: e.Text}
	case Null:
		return value{kind: vNil}
	case Boolean:
		return value{kind: vBool, b: e.Text == "true"}
	case Pattern:
		return value{kind: vRegexp, s: e.Text, e: e}
	case Variable, Input:
		name := e.Text
		if e.Kind == Input {
			if env.inputs != nil {
				return inputValue(env.inputs(e.Text))
			}
			name = "inputs." + name
		}
		if vars == nil {
			return value{}
		}
		v, known, defined := vars(name)
		switch {
		case !known:
			return value{}
		case !defined:
			return value{kind: vNil}
		}
		return value{kind: vString, s: v}
	case And, Or:
		l := eval(e.Left, env)
		if l.kind == vUnknown {
			return l
		}
		if truthy(l) == (e.Kind == And) {
			return eval(e.Right, env)
		}
		return l
	case Not:
		switch present(eval(e.Left, env)) {
		case True:
			return value{kind: vBool, b: false}
		case False:
			return value{kind: vBool, b: true}
		}
		return value{}
	case Equal, NotEqual:
		l, r := eval(e.Left, env), eval(e.Right, env)
		if l.kind == vUnknown || r.kind == vUnknown {
			return value{}
		}
		return value{kind: vBool, b: equal(l, r) == (e.Kind == Equal)}
	case Match, NoMatch:
		t := match(eval(e.Left, env), eval(e.Right, env))
		if t == Unknown {
			return value{}
		}
		return value{kind: vBool, b: (t == True) == (e.Kind == Match)}
	}
	return value{}
}

func inputValue(v any, known bool) value {
	if !known {
		return value{}
	}
	switch x := v.(type) {
	case nil:
		return value{kind: vNil}
	case string:
		return value{kind: vString, s: x}
	case bool:
		return value{kind: vBool, b: x}
	}
	return value{kind: vOther, s: fmt.Sprint(v)}
}

// truthy is Ruby's truthiness: only nil and false are false.
func truthy(v value) bool {
	return v.kind != vNil && !(v.kind == vBool && !v.b)
}

// present is Rails' present? of a value.
func present(v value) Truth {
	switch v.kind {
	case vUnknown:
		return Unknown
	case vNil:
		return False
	case vBool:
		return Of(v.b)
	case vString:
		return Of(strings.TrimFunc(v.s, unicode.IsSpace) != "")
	}
	return True
}

// equal is Lexeme::Equals' compare_with_coercion.
func equal(l, r value) bool {
	if l.kind == vBool && r.kind == vString || l.kind == vString && r.kind == vBool {
		return l.String() == r.String()
	}
	if l.kind != r.kind {
		return false
	}
	switch l.kind {
	case vBool:
		return l.b == r.b
	case vString, vRegexp, vOther:
		return l.s == r.s
	}
	return true // nil == nil
}

// String is Ruby's to_s of a value (nil is "").
func (v value) String() string {
	switch v.kind {
	case vBool:
		if v.b {
			return "true"
		}
		return "false"
	case vString, vOther:
		return v.s
	}
	return ""
}

// match is Lexeme::Matches without its negation: True when the left side
// matches the right.
func match(l, r value) Truth {
	switch r.kind {
	case vUnknown:
		return Unknown
	case vNil:
		return False // `return false unless regexp`
	case vBool:
		if !r.b {
			return False
		}
		return Unknown // GitLab fails on `=~ true`
	}
	if l.kind == vUnknown || l.kind == vRegexp {
		return Unknown
	}
	text := l.String()
	if r.kind == vRegexp {
		return Of(r.e.re.MatchString(text))
	}
	// A string: a pattern if it reads as one, else a substring search.
	if re, ok, err := RubyPattern(unescapeSlashes(r.s)); ok && err == nil {
		return Of(re.MatchString(text))
	}
	return Of(strings.Contains(r.s, text))
}

// Both is three-valued conjunction: False wins, then Unknown.
func Both(a, b Truth) Truth {
	switch {
	case a == False || b == False:
		return False
	case a == True && b == True:
		return True
	}
	return Unknown
}

// Either is three-valued disjunction: True wins, then Unknown.
func Either(a, b Truth) Truth {
	switch {
	case a == True || b == True:
		return True
	case a == False && b == False:
		return False
	}
	return Unknown
}

// Of is the Truth of a known fact.
func Of(b bool) Truth {
	if b {
		return True
	}
	return False
}

// SubstringMatches returns the =~ and !~ of e whose right side is a
// quoted string that does not read as a /pattern/: GitLab does not match
// such a string as a regular expression but searches it for the left side
// (lexeme/matches.rb via Pattern.build_and_evaluate), which is seldom what
// was meant.
func SubstringMatches(e *Expr) []*Expr {
	if e == nil {
		return nil
	}
	var out []*Expr
	if (e.Kind == Match || e.Kind == NoMatch) && e.Right != nil && e.Right.Kind == String {
		if _, ok, err := RubyPattern(unescapeSlashes(e.Right.Text)); !ok || err != nil {
			out = append(out, e)
		}
	}
	return append(append(out, SubstringMatches(e.Left)...), SubstringMatches(e.Right)...)
}

// InputNames lists the inputs an expression's $[[ inputs.NAME ]] lexemes
// name, in order (Statement#input_names).
func InputNames(e *Expr) []string {
	if e == nil {
		return nil
	}
	if e.Kind == Input {
		return []string{e.Text}
	}
	return append(InputNames(e.Left), InputNames(e.Right)...)
}
