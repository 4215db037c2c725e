// Package inputs implements GitLab's CI/CD inputs: the `spec:inputs`
// declarations of a header (spec.go), the values an include or a pipeline
// passes for them (values.go), and `$[[ … ]]` interpolation of a body with
// those values (interpolate.go).
package inputs

import (
	"regexp"
	"slices"
	"strings"

	"gitlab.com/trustci/cicd/linter/expr"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
)

// Input is one declared input.
type Input struct {
	Name        string
	Key         *load.Node // where it is declared
	Type        string     // string (also when omitted), number, boolean or array
	Default     *load.Node // nil: the input is required (unless Rules give one)
	Description string
	Options     []*load.Node
	Regex       *regexp.Regexp
	RegexText   string
	Rules       []Rule
}

// Rule is one entry of spec:inputs:<name>:rules.
type Rule struct {
	If *load.Node // nil: always matches
	// cond is If parsed once, when it is a string (condErr when it does
	// not parse).
	cond    *expr.Expr
	condErr error
	Options []*load.Node
	Default *load.Node
	HasDef  bool
}

// Required reports whether the input needs a value from its user: GitLab
// tests for the `default` key (lib/ci/inputs/base_input.rb required?:
// `default: null` is optional), or a rule that gives a default or has no
// `if` (has_default_through_rules?).
func (in *Input) Required() bool {
	if in.Default != nil {
		return false
	}
	for _, r := range in.Rules {
		if r.HasDef || r.If == nil {
			return false
		}
	}
	return true
}

// maxOptions is Header::Input::ALLOWED_OPTIONS_LIMIT.
const maxOptions = 50

// Spec is a file's header: its inputs in declaration order, and the
// component fields it asks for (spec:component).
type Spec struct {
	Inputs    []*Input
	byName    map[string]*Input
	Component []string
	// Present is true when the file has a spec: header at all.
	Present bool
}

// Lookup returns the input named name.
func (s *Spec) Lookup(name string) *Input {
	if s == nil {
		return nil
	}
	return s.byName[name]
}

// Names lists the declared input names.
func (s *Spec) Names() []string {
	out := make([]string, len(s.Inputs))
	for i, in := range s.Inputs {
		out[i] = in.Name
	}
	return out
}

// ParseSpec reads the spec: of a header document (nil header: no spec).
// Shapes are the schema's to check; ParseSpec reports what the schema
// cannot see: regexes that are not RE2 and defaults that break their own
// options or regex.
func ParseSpec(header *load.Node) (*Spec, []finding.Finding) {
	return ParseSpecWith(header, nil)
}

// ParseSpecWith is ParseSpec compiling the inputs' regexes through
// regexes (nil: compile each).
func ParseSpecWith(header *load.Node, regexes *RegexMemo) (*Spec, []finding.Finding) {
	s := &Spec{byName: map[string]*Input{}}
	var fs []finding.Finding
	spec := header.Get("spec")
	if header == nil || header.Pair("spec") == nil {
		return s, nil
	}
	s.Present = true
	if spec == nil || spec.Kind != load.Map {
		return s, nil
	}
	if c := spec.Get("component"); c != nil && c.Kind == load.Seq {
		for _, it := range c.Items {
			if it != nil && it.Kind == load.String {
				s.Component = append(s.Component, it.Text)
			}
		}
	}
	ins := spec.Get("inputs")
	if ins == nil || ins.Kind != load.Map {
		return s, nil
	}
	for _, p := range ins.Pairs {
		in := &Input{Name: p.Key.Name(), Key: p.Key, Type: "string"}
		if d := p.Value; d != nil && d.Kind == load.Map {
			if t := d.Get("type"); t != nil && t.Kind == load.String {
				in.Type = t.Text
			}
			if dp := d.Pair("default"); dp != nil {
				in.Default = orNull(dp.Value, dp.Key)
			}
			if t := d.Get("description"); t != nil && t.Kind == load.String {
				in.Description = t.Text
			}
			if o := d.Get("options"); o != nil && o.Kind == load.Seq {
				in.Options = o.Items
			}
			if r := d.Get("regex"); r != nil && r.Kind == load.String {
				in.RegexText = r.Text
				re, err := regexes.Compile(r.Text)
				if err != nil {
					fs = append(fs, rules.Newf(rules.InputSpec, r.Pos, "input `%s`: regex %q is not a valid RE2 regular expression: %v", in.Name, r.Text, err))
				} else {
					in.Regex = re
				}
			}
			if rl := d.Get("rules"); rl != nil && rl.Kind == load.Seq {
				for _, r := range rl.Items {
					if r == nil || r.Kind != load.Map {
						continue
					}
					rule := Rule{If: r.Get("if")}
					if rule.If != nil && rule.If.Kind == load.String {
						rule.cond, rule.condErr = expr.Parse(rule.If.Text)
					}
					if o := r.Get("options"); o != nil && o.Kind == load.Seq {
						rule.Options = o.Items
					}
					if dp := r.Pair("default"); dp != nil {
						rule.Default, rule.HasDef = orNull(dp.Value, dp.Key), true
					}
					in.Rules = append(in.Rules, rule)
				}
			}
		}
		s.Inputs = append(s.Inputs, in)
		s.byName[in.Name] = in
		fs = append(fs, checkDeclaration(in, p.Value)...)
		if in.Default != nil && in.Default.Kind != load.Null {
			fs = append(fs, checkValue(in, in.Default, in.Options, "its default")...)
		}
	}
	return s, append(fs, checkRuleReferences(s)...)
}

// checkRuleReferences is Header::Inputs::Validator: a rule's `if` may only
// name declared inputs, and inputs may not depend on each other in a
// circle through their rules.
func checkRuleReferences(s *Spec) []finding.Finding {
	var fs []finding.Finding
	deps := map[string][]string{}
	for _, in := range s.Inputs {
		for i, r := range in.Rules {
			if r.If == nil || r.If.Kind != load.String {
				continue
			}
			e, err := r.cond, r.condErr
			if err != nil {
				continue // reported as an invalid expression
			}
			var undefined []string
			for _, name := range expr.InputNames(e) {
				deps[in.Name] = append(deps[in.Name], name)
				if s.Lookup(name) == nil && !slices.Contains(undefined, name) {
					undefined = append(undefined, name)
				}
			}
			if len(undefined) > 0 {
				fs = append(fs, rules.Newf(rules.InputSpec, r.If.Pos, "rule %d of input `%s` names inputs that are not declared: %s", i+1, in.Name, strings.Join(undefined, ", ")))
			}
		}
	}
	if cycle := findCycle(s, deps); len(cycle) > 0 {
		fs = append(fs, rules.New(rules.InputSpec, s.Lookup(cycle[0]).Key.Pos, "the rules of these inputs depend on each other in a circle: "+strings.Join(cycle, " → ")))
	}
	return fs
}

// findCycle returns one circle of dependencies (its first input repeated
// at the end), or nil.
func findCycle(s *Spec, deps map[string][]string) []string {
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(string) []string
	visit = func(n string) []string {
		state[n] = active
		path = append(path, n)
		for _, d := range deps[n] {
			switch state[d] {
			case active:
				i := slices.Index(path, d)
				return append(slices.Clone(path[i:]), d)
			case unseen:
				if s.Lookup(d) != nil {
					if c := visit(d); c != nil {
						return c
					}
				}
			}
		}
		path = path[:len(path)-1]
		state[n] = done
		return nil
	}
	for _, in := range s.Inputs {
		if state[in.Name] == unseen {
			if c := visit(in.Name); c != nil {
				return c
			}
		}
	}
	return nil
}

// orNull returns v, or a null node at the key's position for `default:`.
func orNull(v, key *load.Node) *load.Node {
	if v != nil {
		return v
	}
	return &load.Node{Kind: load.Null, Pos: key.Pos}
}

// checkDeclaration reports what GitLab refuses in one input's declaration
// whenever the input is used: the input classes validate the default of
// every optional input on each use (run_validations(default) in
// lib/gitlab/ci/config/interpolation/inputs/base_input.rb and
// lib/ci/inputs/base_input.rb), options only for string, number and
// (19.0) array inputs, regex only for strings, and Header::Input allows at most 50
// options.
func checkDeclaration(in *Input, d *load.Node) []finding.Finding {
	if d == nil || d.Kind != load.Map {
		return nil
	}
	var fs []finding.Finding
	report := func(at *load.Node, format string, args ...any) {
		fs = append(fs, rules.Newf(rules.InputSpec, at.Pos, format, args...))
	}
	known := in.Type == "string" || in.Type == "number" || in.Type == "boolean" || in.Type == "array"
	if dp := d.Pair("default"); known && dp != nil && (dp.Value == nil || dp.Value.Kind == load.Null) && in.Type != "string" {
		report(dp.Key, "input `%s` is %s, and its default is null, which GitLab refuses whenever the input is used; give %s or remove `default` to make the input required", in.Name, article(in.Type), article(in.Type))
	}
	// Array inputs take options from GitLab 19.0 (issue 566155; the
	// version check reports them for an older target), so only boolean
	// options are refused here.
	if op := d.Pair("options"); op != nil && known && in.Type == "boolean" {
		report(op.Key, "input `%s` is %s; GitLab allows `options` only on string, number and (from 19.0) array inputs", in.Name, article(in.Type))
	}
	if rp := d.Pair("regex"); rp != nil && known && in.Type != "string" {
		report(rp.Key, "input `%s` is %s; GitLab allows `regex` only on string inputs", in.Name, article(in.Type))
	}
	if o := d.Get("options"); o != nil && o.Kind == load.Seq && len(o.Items) > maxOptions {
		report(d.Pair("options").Key, "input `%s` has %d options; GitLab allows at most %d", in.Name, len(o.Items), maxOptions)
	}
	if rl := d.Get("rules"); rl != nil && rl.Kind == load.Seq {
		for _, r := range rl.Items {
			if r == nil || r.Kind != load.Map {
				continue
			}
			if o := r.Get("options"); o != nil && o.Kind == load.Seq && len(o.Items) > maxOptions {
				report(r.Pair("options").Key, "a rule of input `%s` has %d options; GitLab allows at most %d", in.Name, len(o.Items), maxOptions)
			}
			// Rules::Rule: "default must be one of the options" (Ruby's ==,
			// so 1 and "1" differ).
			if o, dp := r.Get("options"), r.Pair("default"); o != nil && o.Kind == load.Seq && len(o.Items) > 0 && dp != nil && dp.Value != nil && dp.Value.IsScalar() {
				found := false
				for _, it := range o.Items {
					if it != nil && it.Kind == dp.Value.Kind && Text(it) == Text(dp.Value) {
						found = true
					}
				}
				if !found {
					report(dp.Value, "a rule of input `%s` has the default %s, which is not one of its options", in.Name, quoteText(dp.Value))
				}
			}
			// Header::Input::Rules::Rule validates `if` as an expression.
			if n := r.Get("if"); n != nil && n.Kind == load.String && strings.TrimSpace(n.Text) != "" {
				if _, err := expr.Parse(n.Text); err != nil {
					se := err.(*expr.SyntaxError)
					fs = append(fs, rules.Newf(rules.Expression, n.TextPos(se.Offset), "input `%s`: rules:if is not a valid expression: %s", in.Name, se.Msg))
				}
			}
		}
	}
	return fs
}

func article(t string) string {
	if t == "array" {
		return "an array"
	}
	return "a " + t
}
