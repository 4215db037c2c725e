package expr

import "regexp"

// Truth is a three-valued result: offline, most variables are unknown.
type Truth uint8

const (
	Unknown Truth = iota
	False
	True
)

// Vars looks up a variable; ok is false when its value is not known.
// A known-but-undefined variable is reported as ("", true, false).
type Vars func(name string) (value string, known, defined bool)

// value is an operand's value: null, a string, or unknown.
type value struct {
	known   bool
	null    bool
	text    string
	pattern *Expr
}

// Eval evaluates e with what vars knows.
func Eval(e *Expr, vars Vars) Truth {
	switch e.Kind {
	case And:
		return Both(Eval(e.Left, vars), Eval(e.Right, vars))
	case Or:
		return Either(Eval(e.Left, vars), Eval(e.Right, vars))
	case Equal, NotEqual:
		l, r := operand(e.Left, vars), operand(e.Right, vars)
		if !l.known || !r.known {
			return Unknown
		}
		eq := l.null == r.null && l.text == r.text
		if l.pattern != nil || r.pattern != nil {
			eq = false
		}
		return Of(eq == (e.Kind == Equal))
	case Match, NoMatch:
		l, r := operand(e.Left, vars), operand(e.Right, vars)
		if !l.known || !r.known || r.pattern == nil {
			return Unknown
		}
		re, err := regexp.Compile(goFlags(r.pattern.Flags) + r.pattern.Text)
		if err != nil {
			return Unknown
		}
		return Of((!l.null && re.MatchString(l.text)) == (e.Kind == Match))
	}
	v := operand(e, vars)
	if !v.known {
		return Unknown
	}
	return Of(!v.null && v.text != "")
}

func operand(e *Expr, vars Vars) value {
	switch e.Kind {
	case String:
		return value{known: true, text: e.Text}
	case Null:
		return value{known: true, null: true}
	case Pattern:
		return value{known: true, pattern: e, text: e.Text}
	case Variable:
		v, known, defined := vars(e.Text)
		if !known {
			return value{}
		}
		return value{known: true, null: !defined, text: v}
	}
	// A comparison used as an operand: GitLab compares its boolean.
	switch Eval(e, vars) {
	case True:
		return value{known: true, text: "true"}
	case False:
		return value{known: true, text: "false"}
	}
	return value{}
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

func goFlags(flags string) string {
	f := ""
	for _, c := range flags {
		switch c {
		case 'i', 'm', 's':
			f += string(c)
		}
	}
	if f == "" {
		return ""
	}
	return "(?" + f + ")"
}
