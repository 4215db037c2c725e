package validate

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
)

// variableValueFindings warns about unquoted variable values that YAML
// reads as something other than what is written. GitLab accepts any
// scalar and keeps Ruby's to_s of it (lib/gitlab/ci/config/entry/
// variable.rb), so `3.10` becomes "3.1", `010` becomes "8" and `yes`
// becomes "true": the pipeline runs, with another value.
func variableValueFindings(root *load.Node) []finding.Finding {
	if root == nil || root.Kind != load.Map {
		return nil
	}
	var out []finding.Finding
	seen := map[*load.Node]bool{}
	walked := map[*load.Node]bool{} // variables mappings already checked (shared through extends)
	check := func(vars *load.Node, job string) {
		if vars == nil || vars.Kind != load.Map || walked[vars] {
			return
		}
		walked[vars] = true
		for _, p := range vars.Pairs {
			v := p.Value
			if v != nil && v.Kind == load.Map {
				v = v.Get("value")
			}
			if v == nil || seen[v] || !v.Plain {
				continue
			}
			got, ok := rubyText(v)
			if !ok || got == v.Text {
				continue
			}
			seen[v] = true
			msg := fmt.Sprintf("YAML reads the unquoted %s as %s, so GitLab sets `%s` to %q; quote it (\"%s\") to keep the text", v.Text, kindText(v), p.Key.Name(), got, v.Text)
			if job != "" {
				msg = fmt.Sprintf("job `%s`: %s", job, msg)
			}
			out = append(out, rules.New(rules.VariableValue, v.Pos, msg).Until(spanEnd(v)))
		}
	}
	rulesOf := func(n *load.Node, job string) {
		if n == nil || n.Kind != load.Seq {
			return
		}
		for _, r := range flatItems(n) {
			if r != nil && r.Kind == load.Map {
				check(r.Get("variables"), job)
			}
		}
	}
	for _, p := range root.Pairs {
		name := p.Key.Name()
		switch {
		case name == "variables":
			check(p.Value, "")
		case name == "workflow":
			rulesOf(p.Value.Get("rules"), "")
		case isGlobal(name) || strings.HasPrefix(name, ".") || p.Value == nil || p.Value.Kind != load.Map:
		default:
			check(p.Value.Get("variables"), name)
			rulesOf(p.Value.Get("rules"), name)
			if svc := p.Value.Get("services"); svc != nil && svc.Kind == load.Seq {
				for _, it := range svc.Items {
					if it != nil && it.Kind == load.Map {
						check(it.Get("variables"), name)
					}
				}
			}
		}
	}
	return out
}

// flatItems is a list's items with nested lists flattened (GitLab flattens
// rules), to maxRuleNesting levels.
func flatItems(n *load.Node) []*load.Node {
	var out []*load.Node
	var walk func(n *load.Node, depth int)
	walk = func(n *load.Node, depth int) {
		for _, it := range n.Items {
			if it != nil && it.Kind == load.Seq {
				if depth < maxRuleNesting {
					walk(it, depth+1)
				}
				continue
			}
			out = append(out, it)
		}
	}
	walk(n, 0)
	return out
}

// rubyText is Ruby's to_s of a boolean or number, as GitLab turns a
// variable's value into text; ok is false for other kinds.
func rubyText(n *load.Node) (string, bool) {
	switch n.Kind {
	case load.Bool:
		return strconv.FormatBool(n.Bool), true
	case load.Int:
		return strconv.FormatInt(n.Int, 10), true
	case load.Float:
		return rubyFloat(n.Float), true
	}
	return "", false
}

// rubyFloat is Ruby's Float#to_s: fixed notation with at least one
// decimal for exponents from -4 to 15, else d.de+XX.
func rubyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case math.IsNaN(f):
		return "NaN"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(e, "e")
	x, _ := strconv.Atoi(exp)
	if f == 0 || (x >= -4 && x < 16) {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	sign := "+"
	if x < 0 {
		sign, x = "-", -x
	}
	return fmt.Sprintf("%se%s%02d", mant, sign, x)
}
