// Package inputs implements GitLab's CI/CD inputs: the `spec:inputs`
// declarations of a header (spec.go), the values an include or a pipeline
// passes for them (values.go), and `$[[ … ]]` interpolation of a body with
// those values (interpolate.go).
package inputs

import (
	"fmt"
	"regexp"

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
	If      *load.Node // nil: always matches
	Options []*load.Node
	Default *load.Node
	HasDef  bool
}

// Required reports whether the input needs a value from its user.
func (in *Input) Required() bool { return in.Default == nil && len(in.Rules) == 0 }

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
				re, err := regexp.Compile(r.Text)
				if err != nil {
					fs = append(fs, finding.Finding{Pos: r.Pos, Severity: finding.Error, Rule: rules.InputSpec,
						Message: fmt.Sprintf("input `%s`: regex %q is not a valid RE2 regular expression: %v", in.Name, r.Text, err)})
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
		if in.Default != nil && in.Default.Kind != load.Null {
			fs = append(fs, checkValue(in, in.Default, in.Options, "its default")...)
		}
	}
	return s, fs
}

// orNull returns v, or a null node at the key's position for `default:`.
func orNull(v, key *load.Node) *load.Node {
	if v != nil {
		return v
	}
	return &load.Node{Kind: load.Null, Pos: key.Pos}
}
