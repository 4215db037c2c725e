package lint

import (
	"fmt"
	"slices"
	"strings"

	"gitlab.com/trustci/cicd/linter/cond"
	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/include"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
)

// maxVariants bounds how many configurations one file is linted as when
// include:rules cannot be decided: each is a full lint.
const maxVariants = 32

// variant is one consistent choice of the conditionally included files
// and what linting the configuration it gives found.
type variant struct {
	choice   []bool            // per conditional include, in the order of keys
	findings []finding.Finding // without repeats
	files    map[string]bool
}

// variants lints file once per consistent choice of the files whose
// include:rules cannot be decided offline (DECISIONS.md, "Includes that
// depend on the pipeline"), and replaces res's findings with what holds
// whichever of them are in: a finding present in every configuration
// where its own file is read (or its include is in) is kept; one that depends on the choice is
// at most a warning that names the include and its condition. res (the
// lint with every such file included) is the first lint; when that
// combination cannot happen (alternatives) its findings count for
// nothing.
func (l *Linter) variants(res *Result, file *load.File, loadFindings []finding.Finding, opts include.Options, depth int, rn *lintRun) {
	var conds []include.Conditional
	for _, c := range res.conditional {
		if !slices.ContainsFunc(conds, func(d include.Conditional) bool { return d.Key == c.Key }) {
			conds = append(conds, c)
		}
	}
	lists := make([]*load.Node, len(conds))
	for i, c := range conds {
		lists[i] = c.Rules
	}
	facts := cond.Facts{Vars: opts.Vars, Exists: opts.Cache.Repo(opts.Root).Exists, Exprs: opts.Cache.Exprs()}
	combos, exact := cond.Combinations(lists, facts, 4*maxVariants)
	if exact {
		combos = normalize(combos, conds)
		exact = len(combos) <= maxVariants
	}
	if !exact {
		combos = normalize(fallbackCombos(len(conds)), conds)
	}
	if len(combos) == 0 || len(combos) == 1 && !slices.Contains(combos[0], false) {
		return // nothing varies: every such file is in whenever it is met
	}
	var vs []variant
	for _, c := range combos {
		r := res
		if slices.Contains(c, false) {
			o := opts
			o.Assume = map[string]bool{}
			for i, in := range c {
				o.Assume[conds[i].Key] = in
			}
			r = &Result{Findings: slices.Clone(loadFindings)}
			l.resolveAndCheck(r, file, o, rn)
			if r.Pipeline != nil {
				l.children(r, o, depth, rn)
			}
		}
		v := variant{choice: c, files: map[string]bool{}}
		finding.Sort(r.Findings)
		v.findings = finding.Dedupe(r.Findings)
		for _, f := range r.Files {
			v.files[f.Path] = true
		}
		vs = append(vs, v)
		res.addFiles(r.Files)
	}
	res.Findings = mergeVariants(vs, conds, exact)
}

// normalize leaves out the includes that cannot be met in a combination
// (the file that holds them is out) and drops the repeats that leaves.
func normalize(combos [][]bool, conds []include.Conditional) [][]bool {
	index := map[string]int{}
	for i, c := range conds {
		index[c.Key] = i
	}
	var out [][]bool
	seen := map[string]bool{}
	for _, c := range combos {
		c = slices.Clone(c)
		for i := range conds {
			for p, hops := conds[i].Parent, 0; p != "" && hops <= len(conds); p, hops = conds[index[p]].Parent, hops+1 {
				if j, ok := index[p]; !ok || !c[j] {
					c[i] = false
					break
				}
			}
		}
		key := fmt.Sprint(c)
		if !seen[key] {
			seen[key] = true
			out = append(out, c)
		}
	}
	return out
}

// fallbackCombos are the choices linted when the consistent ones are too
// many or cannot be worked out: none of the files, each alone, and all.
func fallbackCombos(n int) [][]bool {
	out := [][]bool{make([]bool, n)}
	if n+2 <= maxVariants {
		for i := range n {
			c := make([]bool, n)
			c[i] = true
			out = append(out, c)
		}
	}
	all := make([]bool, n)
	for i := range all {
		all[i] = true
	}
	return append(out, all)
}

// mergeVariants keeps what is certain across the variants and softens the
// rest. Findings are grouped by position, rule, severity and the child
// pipeline they are about: the same
// problem can be worded differently in two variants (a list of stages),
// and is reported once, worded as in the first variant that has it.
func mergeVariants(vs []variant, conds []include.Conditional, exact bool) []finding.Finding {
	type key struct {
		pos   finding.Pos
		rule  string
		sev   finding.Severity
		label string // which child pipeline's, if any
	}
	keyOf := func(f finding.Finding) key {
		return key{f.Pos, f.Rule, f.Severity, f.Message[:len(f.Message)-len(stripLabels(f.Message))]}
	}
	var order []key
	members := map[key][]finding.Finding{} // from the first variant that has the key
	in := map[key][]bool{}
	anyFile := map[string]bool{}
	for _, v := range vs {
		for f := range v.files {
			anyFile[f] = true
		}
	}
	for i, v := range vs {
		first := map[key]bool{}
		for _, f := range v.findings {
			k := keyOf(f)
			if in[k] == nil {
				in[k] = make([]bool, len(vs))
				order = append(order, k)
				first[k] = true
			}
			if first[k] {
				members[k] = append(members[k], f)
			}
			in[k][i] = true
		}
	}
	// A finding at a conditional include (its file is missing, say) is
	// at home where that include is in.
	at := map[finding.Pos]int{}
	for i, c := range conds {
		at[c.Pos] = i
	}
	var out []finding.Finding
	for _, k := range order {
		home := make([]bool, len(vs))
		certain := true
		for i, v := range vs {
			home[i] = v.files[k.pos.File] || !anyFile[k.pos.File]
			if c, ok := at[k.pos]; ok {
				home[i] = v.choice[c]
			}
			if home[i] && !in[k][i] {
				certain = false
			}
		}
		for _, f := range members[k] {
			if !certain && f.Severity != finding.Info {
				f.Message += "; " + describeVariants(vs, in[k], home, conds, exact)
				f = rules.Soften(f, finding.Warning, rules.Conditional)
			}
			out = append(out, f)
		}
	}
	return out
}

// describeVariants says in words in which pipelines a finding happens:
// the fewest include conditions that single out the variants it is in.
func describeVariants(vs []variant, in, home []bool, conds []include.Conditional, exact bool) string {
	type constraint struct {
		i  int
		in bool
	}
	var pos, neg []constraint
	for i := range conds {
		val, constant, varies := false, true, false
		first := true
		for v := range vs {
			if !in[v] {
				continue
			}
			if first {
				val, first = vs[v].choice[i], false
			} else if vs[v].choice[i] != val {
				constant = false
			}
		}
		for v := range vs {
			if home[v] && vs[v].choice[i] != val {
				varies = true
			}
		}
		if constant && varies {
			if val {
				pos = append(pos, constraint{i, true})
			} else {
				neg = append(neg, constraint{i, false})
			}
		}
	}
	singles := func(cs []constraint) bool {
		for v := range vs {
			if !home[v] {
				continue
			}
			match := true
			for _, c := range cs {
				if vs[v].choice[c.i] != c.in {
					match = false
				}
			}
			if match != in[v] {
				return false
			}
		}
		return true
	}
	chosen := slices.Clone(pos)
	for _, c := range neg {
		if singles(chosen) {
			break
		}
		chosen = append(chosen, c)
	}
	if len(chosen) == 0 || !singles(chosen) || len(chosen) > 3 {
		var names []string
		for _, c := range conds {
			if !slices.Contains(names, c.Location) {
				names = append(names, c.Location)
			}
		}
		if len(names) > 3 {
			names = append(names[:3:3], fmt.Sprintf("and %d more", len(names)-3))
		}
		if !exact {
			return fmt.Sprintf("found with only some of the combinations cilint tried of the files with undecided include:rules (%s)", strings.Join(names, ", "))
		}
		return fmt.Sprintf("only in some pipelines, depending on which of the files with undecided include:rules are included (%s)", strings.Join(names, ", "))
	}
	var parts []string
	for _, c := range chosen {
		verb := "is included"
		if !c.in {
			verb = "is not included"
		}
		parts = append(parts, fmt.Sprintf("%s %s (%s)", conds[c.i].Location, verb, condText(conds[c.i].Rules)))
	}
	if !exact {
		return "in the combinations cilint tried, only where " + strings.Join(parts, " and ")
	}
	return "only in pipelines where " + strings.Join(parts, " and ")
}

// condText is an include's rules in short: its `if`s.
func condText(list *load.Node) string {
	var ifs []string
	if list != nil {
		for _, r := range list.Items {
			if r == nil || r.Kind != load.Map {
				continue
			}
			text := ""
			if n := r.Get("if"); n != nil && n.Kind == load.String {
				text = "if: " + n.Text
			}
			for _, k := range []string{"changes", "exists"} {
				if r.Get(k) != nil {
					text = strings.TrimPrefix(text+", "+k, ", ")
				}
			}
			if w := r.Get("when"); w != nil && w.Text == "never" && text != "" {
				text += " (never)"
			}
			if text != "" {
				ifs = append(ifs, text)
			}
		}
	}
	if len(ifs) == 0 {
		return "its rules"
	}
	return strings.Join(ifs, " or ")
}
