package cond

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"

	"gitlab.com/trustci/cicd/linter/expr"
	"gitlab.com/trustci/cicd/linter/load"
)

// other is a value no expression is likely to name: it stands for "any
// value but the ones the rules compare with".
const other = "cilint-any-other-value"

// Combinations returns the combinations of outcomes (true: in) that the
// rules lists can have together in one pipeline, one slice per
// combination, in the order of lists, without repeats. It reasons on the
// variables the lists' `if`s read that f does not know: each takes, in
// turn, every value the expressions compare it with, a value matching
// each pattern, the empty string, another value and no value at all, and
// the lists are evaluated in each such world, so alternatives keyed on one
// variable (`$KIND == "a"`, `$KIND == "b"`) are never both in. What a
// world still cannot decide (rules:changes without --changed) is free:
// both outcomes. ok is false when there are more than limit combinations
// (or 64 times as many worlds), or a pattern for which no matching value was found: then
// the caller must not trust the combinations.
func Combinations(lists []*load.Node, f Facts, limit int) (combos [][]bool, ok bool) {
	if f.Exprs == nil {
		f.Exprs = expr.NewMemo() // each list is evaluated once per world
	}
	cands := map[string][]string{}
	var names []string
	add := func(name, v string) {
		if _, known, _ := f.lookup(name); known {
			return
		}
		if _, seen := cands[name]; !seen {
			names = append(names, name)
		}
		if !slices.Contains(cands[name], v) {
			cands[name] = append(cands[name], v)
		}
	}
	var links [][2]string // variables compared with each other
	for _, list := range lists {
		if list == nil || list.Kind != load.Seq {
			continue
		}
		for _, rule := range list.Items {
			if rule == nil || rule.Kind != load.Map {
				continue
			}
			n := rule.Get("if")
			if n == nil || n.Kind != load.String {
				continue
			}
			e, err := f.Exprs.Parse(n.Text)
			if err != nil {
				continue
			}
			if !collect(e, add, &links) {
				return nil, false
			}
		}
	}
	// A variable compared with another may equal any of its values.
	for range 2 {
		for _, l := range links {
			for _, v := range cands[l[1]] {
				add(l[0], v)
			}
			for _, v := range cands[l[0]] {
				add(l[1], v)
			}
		}
	}
	worlds := 1
	for _, name := range names {
		add(name, "")
		add(name, other)
		worlds *= len(cands[name]) + 1 // and undefined
		if worlds > 64*limit {
			return nil, false
		}
	}
	seen := map[string]bool{}
	world := make([]int, len(names)) // index into cands, or len for undefined
	for {
		vars := func(name string) (string, bool, bool) {
			if i := slices.Index(names, name); i >= 0 {
				if world[i] == len(cands[name]) {
					return "", true, false
				}
				return cands[name][world[i]], true, true
			}
			return f.lookup(name)
		}
		wf := Facts{Vars: vars, Exists: f.Exists, Changes: f.Changes, Exprs: f.Exprs}
		cs, ok := expand(lists, wf, limit)
		if !ok {
			return nil, false
		}
		for _, c := range cs {
			key := fmtBools(c)
			if !seen[key] {
				seen[key] = true
				combos = append(combos, c)
				if len(combos) > limit {
					return nil, false
				}
			}
		}
		// Next world: count in mixed radix.
		i := 0
		for ; i < len(names); i++ {
			world[i]++
			if world[i] <= len(cands[names[i]]) {
				break
			}
			world[i] = 0
		}
		if i == len(names) {
			return combos, true
		}
	}
}

// expand evaluates every list in one world: a list the world cannot
// decide doubles the combinations; more than limit is not ok.
func expand(lists []*load.Node, f Facts, limit int) ([][]bool, bool) {
	out := [][]bool{{}}
	for _, list := range lists {
		d := Rules(list, f, "always")
		var next [][]bool
		for _, c := range out {
			switch {
			case d.IfError != nil || d.Outcome == In:
				next = append(next, append(slices.Clip(c), true))
			case d.Outcome == Out:
				next = append(next, append(slices.Clip(c), false))
			default:
				next = append(next, append(slices.Clip(c), true), append(slices.Clip(c), false))
			}
		}
		out = next
		if len(out) > limit {
			return nil, false
		}
	}
	return out, true
}

func fmtBools(c []bool) string {
	var b strings.Builder
	for _, x := range c {
		if x {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	}
	return b.String()
}

// collect records, for each comparison in e of a variable with a string
// or a pattern, the value that makes it hold; variables compared with
// each other are linked. It returns false for a pattern it finds no
// matching value for.
func collect(e *expr.Expr, add func(name, v string), links *[][2]string) bool {
	if e == nil {
		return true
	}
	switch e.Kind {
	case expr.Variable:
		add(e.Text, "true") // a bare variable: set and not empty
		return true
	case expr.Equal, expr.NotEqual, expr.Match, expr.NoMatch:
		l, r := e.Left, e.Right
		if l == nil || r == nil {
			return true
		}
		if l.Kind != expr.Variable {
			l, r = r, l
		}
		if l.Kind != expr.Variable {
			return collect(e.Left, add, links) && collect(e.Right, add, links)
		}
		switch r.Kind {
		case expr.String:
			add(l.Text, r.Text)
		case expr.Pattern:
			s, ok := Sample(r.Text, r.Flags)
			if !ok {
				return false
			}
			add(l.Text, s)
		case expr.Variable:
			add(l.Text, other)
			add(r.Text, other)
			*links = append(*links, [2]string{l.Text, r.Text})
		case expr.Null:
			add(l.Text, other)
		default:
			return collect(r, add, links)
		}
		return true
	}
	return collect(e.Left, add, links) && collect(e.Right, add, links)
}

// Sample returns a short string that the pattern (GitLab's /pattern/flags,
// read as RE2 like package expr does) matches, and false when it finds
// none.
func Sample(pattern, flags string) (string, bool) {
	f := ""
	for _, c := range flags {
		if strings.ContainsRune("ims", c) {
			f += string(c)
		}
	}
	if f != "" {
		f = "(?" + f + ")"
	}
	re, err := regexp.Compile(f + pattern)
	if err != nil {
		return "", false
	}
	tree, err := syntax.Parse(f+pattern, syntax.Perl)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	if !sample(tree.Simplify(), &b, 0) || !re.MatchString(b.String()) {
		return "", false
	}
	return b.String(), true
}

func sample(re *syntax.Regexp, b *strings.Builder, depth int) bool {
	if depth > 100 || b.Len() > 1000 {
		return false
	}
	switch re.Op {
	case syntax.OpLiteral:
		b.WriteString(string(re.Rune))
	case syntax.OpCharClass:
		if len(re.Rune) < 2 {
			return false
		}
		b.WriteRune(re.Rune[0])
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte('a')
	case syntax.OpCapture:
		return sample(re.Sub[0], b, depth+1)
	case syntax.OpPlus:
		return sample(re.Sub[0], b, depth+1)
	case syntax.OpRepeat:
		for range re.Min {
			if !sample(re.Sub[0], b, depth+1) {
				return false
			}
		}
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if !sample(s, b, depth+1) {
				return false
			}
		}
	case syntax.OpAlternate:
		return sample(re.Sub[0], b, depth+1)
	case syntax.OpStar, syntax.OpQuest, syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine,
		syntax.OpBeginText, syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
	default:
		return false
	}
	return true
}
