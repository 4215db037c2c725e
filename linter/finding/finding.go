// Package finding holds the one type every stage of cilint produces: a
// problem found at a position in a file, with a severity and a rule ID.
package finding

import (
	"cmp"
	"slices"
)

// Severity orders findings: only errors make cilint exit with 1.
type Severity uint8

const (
	Info Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	default:
		return "info"
	}
}

// ParseSeverity is the inverse of String.
func ParseSeverity(s string) (Severity, bool) {
	switch s {
	case "error":
		return Error, true
	case "warning":
		return Warning, true
	case "info":
		return Info, true
	}
	return Info, false
}

// Pos is a place in a source file. Line and Col are 1-based; Col counts
// characters (runes), as YAML parsers report them. A zero Line means the
// whole file.
type Pos struct {
	File string
	Line int
	Col  int
	// Via is where the file was included from, for values that come from
	// a component or a file included with inputs: the same template lines
	// mean different things for each include. Nil otherwise.
	Via *Pos
}

// Chain lists the include positions p came through, innermost first.
func (p Pos) Chain() []Pos {
	var out []Pos
	for v := p.Via; v != nil && len(out) < 100; v = v.Via {
		out = append(out, *v)
	}
	return out
}

// Finding is one problem. EndCol, when larger than Col, marks the end
// (exclusive) of the offending text on the same line, for the caret span.
type Finding struct {
	Pos      Pos
	EndCol   int
	Severity Severity
	Rule     string
	Message  string
	// Softened says why Severity is below the rule's catalogue severity
	// (a rules.Softening); empty when it is the rule's. Only rules.Soften
	// sets it.
	Softened string
}

// Until marks where the offending text ends on f's line (exclusive).
func (f Finding) Until(endCol int) Finding {
	f.EndCol = endCol
	return f
}

// Sort orders findings by file, line, column, then rule and message, so
// output is stable whatever order the checks ran in.
func Sort(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Message, b.Message),
		)
	})
}

// Dedupe drops repeats of the same finding (same place, rule and
// message) from a sorted slice: a value shared by several jobs, through
// anchors, defaults or extends, is reported once.
func Dedupe(fs []Finding) []Finding {
	out := fs[:0]
	for i, f := range fs {
		if i > 0 && same(f, fs[i-1]) {
			continue
		}
		out = append(out, f)
	}
	return out
}

// same compares findings as output shows them: why one was softened is
// not part of it.
func same(a, b Finding) bool {
	a.Softened = b.Softened
	return a == b
}

// HasErrors reports whether any finding is an error.
func HasErrors(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == Error {
			return true
		}
	}
	return false
}
