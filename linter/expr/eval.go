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
		l, r := Eval(e.Left, vars), Eval(e.Right, vars)
		switch {
		case l == False || r == False:
			return False
		case l == True && r == True:
			return True
		}
		return Unknown
	case Or:
		l, r := Eval(e.Left, vars), Eval(e.Right, vars)
		switch {
		case l == True || r == True:
			return True
		case l == False && r == False:
			return False
		}
		return Unknown
	case Equal, NotEqual:
		l, r := operand(e.Left, vars), operand(e.Right, vars)
		if !l.known || !r.known {
			return Unknown
		}
		eq := l.null == r.null && l.text == r.text
		if l.pattern != nil || r.pattern != nil {
			eq = false
		}
		return truth(eq == (e.Kind == Equal))
	case Match, NoMatch:
		l, r := operand(e.Left, vars), operand(e.Right, vars)
		if !l.known || !r.known || r.pattern == nil {
			return Unknown
		}
		re, err := regexp.Compile(goFlags(r.pattern.Flags) + r.pattern.Text)
		if err != nil {
			return Unknown
		}
		return truth((!l.null && re.MatchString(l.text)) == (e.Kind == Match))
	}
	v := operand(e, vars)
	if !v.known {
		return Unknown
	}
	return truth(!v.null && v.text != "")
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

func truth(b bool) Truth {
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
