package inputs

import (
	"encoding/json"
	"fmt"
	"strings"

	"gitlab.com/trustci/cicd/linter/expr"
	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/linter/suggest"
)

// Values are the resolved inputs of one use of a file: name to value.
// A missing required input has no entry: interpolations of it stay as
// written (opaque), so nothing else is reported about them.
type Values map[string]*load.Node

// Resolve checks the inputs given to one use of a file (given is the
// `inputs:` mapping, or nil) against spec, and returns the values to
// interpolate. at is where the file is used (the include entry); what
// names the file for messages.
func Resolve(spec *Spec, given *load.Node, at finding.Pos, what string) (Values, []finding.Finding) {
	var fs []finding.Finding
	report := func(pos finding.Pos, rule, format string, args ...any) {
		fs = append(fs, rules.Newf(rule, pos, format, args...))
	}
	vals := Values{}
	provided := map[string]*load.Node{}
	if given != nil && given.Kind == load.Map {
		for _, p := range given.Pairs {
			name := p.Key.Name()
			if spec.Lookup(name) == nil {
				switch {
				case !spec.Present:
					report(p.Key.Pos, rules.InputUnknown, "%s has no spec:inputs header, so it takes no inputs; `%s` is not used", what, name)
				default:
					msg := fmt.Sprintf("%s has no input `%s`", what, name)
					if s := suggest.Closest(name, spec.Names()); s != "" {
						msg += fmt.Sprintf("; did you mean `%s`?", s)
					} else if len(spec.Inputs) > 0 {
						msg += "; its inputs are " + strings.Join(spec.Names(), ", ")
					}
					report(p.Key.Pos, rules.InputUnknown, "%s", msg)
				}
				continue
			}
			provided[name] = orNull(p.Value, p.Key)
		}
	}
	for _, in := range spec.Inputs {
		options := in.Options
		var def *load.Node
		if in.Default != nil {
			def = in.Default
		}
		if len(in.Rules) > 0 {
			lookup := func(name string) (*load.Node, bool) {
				if v, ok := vals[name]; ok {
					return v, true
				}
				v, ok := provided[name]
				return v, ok
			}
			if r := matchRule(in.Rules, lookup); r != nil {
				options = r.Options
				if r.HasDef {
					def = r.Default
				}
			}
		}
		v, ok := provided[in.Name]
		if !ok {
			switch {
			case def != nil:
				vals[in.Name] = def // `default: null` too: the input is optional
			case in.Required():
				report(at, rules.InputMissing, "%s needs input `%s`%s, and no value is given", what, in.Name, describe(in))
			}
			continue
		}
		fs = append(fs, checkValue(in, v, options, "the value")...)
		vals[in.Name] = v
	}
	return vals, fs
}

func describe(in *Input) string {
	if in.Description != "" {
		return " (" + in.Description + ")"
	}
	return ""
}

// matchRule returns the first input rule whose `if` holds (a rule without
// `if` always does), as Ci::Inputs::RulesEvaluator finds it: the `if` is an
// expression whose $[[ inputs.NAME ]] lexemes are the typed values GitLab
// knows at that point, the given values and those resolved before
// (Ci::Inputs::Builder: params.merge(resolved_inputs)). A block inside
// quotes is only text there, since the header is not interpolated. An `if`
// cilint cannot decide does not match.
func matchRule(rs []Rule, lookup func(name string) (*load.Node, bool)) *Rule {
	inputs := func(name string) (any, bool) {
		v, ok := lookup(name)
		if !ok || v == nil {
			return nil, false
		}
		switch v.Kind {
		case load.String:
			return v.Text, true
		case load.Bool:
			return v.Bool, true
		case load.Null:
			return nil, true
		}
		return Plain(v), true // numbers and arrays: equal only to themselves
	}
	for i := range rs {
		r := &rs[i]
		if r.If == nil || r.If.Kind != load.String {
			return r
		}
		e, err := r.cond, r.condErr
		if err != nil {
			continue
		}
		if expr.EvalInputs(e, nil, inputs) == expr.True {
			return r
		}
	}
	return nil
}

// typeOK reports whether v has the input type t.
func typeOK(t string, v *load.Node) bool {
	switch t {
	case "number":
		return v.Kind == load.Int || v.Kind == load.Float
	case "boolean":
		return v.Kind == load.Bool
	case "array":
		return v.Kind == load.Seq
	}
	return v.Kind == load.String
}

// coerced reports whether GitLab's newer input classes accept v for an
// input of type t by converting it: any scalar becomes a string input's
// text (StringInput#coerced_value is to_s), and a string that is the
// JSON of a number, boolean or array becomes that (BaseInput#coerced_value
// parses JSON).
func coerced(t string, v *load.Node) bool {
	switch {
	case t == "string":
		return v.IsScalar() && v.Kind != load.Null
	case v.Kind != load.String:
		return false
	}
	var x any
	if err := json.Unmarshal([]byte(v.Text), &x); err != nil {
		return false
	}
	switch x.(type) {
	case float64:
		return t == "number"
	case bool:
		return t == "boolean"
	case []any:
		return t == "array"
	}
	return false
}

// checkValue checks one value against an input's type, options and regex.
func checkValue(in *Input, v *load.Node, options []*load.Node, what string) []finding.Finding {
	var fs []finding.Finding
	rule := rules.InputType
	if what == "its default" {
		rule = rules.InputSpec
	}
	report := func(r, format string, args ...any) {
		fs = append(fs, rules.Newf(r, v.Pos, format, args...))
	}
	if strings.Contains(v.Text, "$[[") && v.Kind == load.String {
		return nil // an input passed on from the including file's own inputs
	}
	if !typeOK(in.Type, v) {
		// The schema refuses a default of any other shape.
		if what == "its default" && !(v.Kind == load.String || in.Type == "string" && v.IsScalar()) {
			return nil
		}
		msg := fmt.Sprintf("input `%s` is a %s, but %s is %s", in.Name, in.Type, what, kindWords(v))
		if v.Plain && in.Type == "string" && v.IsScalar() && v.Kind != load.Null {
			msg += fmt.Sprintf("; YAML reads the unquoted %s as %s, so quote it", v.Text, kindWords(v))
		}
		if coerced(in.Type, v) {
			// lib/ci/inputs/*_input.rb convert such a value (to_s for a
			// string input, JSON for the others); the older input classes
			// of lib/gitlab/ci/config/interpolation/inputs/ refuse it.
			msg += "; newer GitLab versions convert it, older ones refuse it"
			fs = append(fs, rules.Soften(rules.New(rule, v.Pos, msg), finding.Warning, rules.Unconfirmed))
			return fs
		}
		report(rule, "%s", msg)
		return fs
	}
	if len(options) > 0 {
		var names []string
		allowed := func(v *load.Node) bool {
			found := false
			for _, o := range options {
				// A string input compares options as text
				// (options.map(&:to_s)), a number input as numbers, an
				// array input (19.0) each item.
				if o != nil && (Text(o) == Text(v) && (o.Kind == v.Kind || in.Type == "string" || in.Type == "array") || in.Type == "number" && sameNumber(o, v)) {
					found = true
				}
			}
			return found
		}
		for _, o := range options {
			if o != nil {
				names = append(names, Text(o))
			}
		}
		found, bad, verb := true, v, "is"
		if in.Type == "array" && v.Kind == load.Seq {
			for _, it := range v.Items {
				if it != nil && !allowed(it) {
					found, bad, verb = false, it, "has the item"
					break
				}
			}
		} else {
			found = allowed(v)
		}
		if !found {
			r := rules.InputOptions
			if what == "its default" {
				r = rules.InputSpec
			}
			msg := fmt.Sprintf("input `%s` must be one of %s; %s %s %s", in.Name, strings.Join(names, ", "), what, verb, quoteText(bad))
			if s := suggest.Closest(Text(bad), names); s != "" {
				msg += fmt.Sprintf("; did you mean %s?", s)
			}
			report(r, "%s", msg)
		}
	}
	if in.Regex != nil && v.Kind == load.String && !in.Regex.MatchString(v.Text) {
		r := rules.InputRegex
		if what == "its default" {
			r = rules.InputSpec
		}
		report(r, "input `%s` must match the regex %s; %s %s does not", in.Name, in.RegexText, what, quoteText(v))
	}
	return fs
}

func kindWords(v *load.Node) string {
	switch v.Kind {
	case load.String:
		return fmt.Sprintf("the string %q", v.Text)
	case load.Int, load.Float:
		return "the number " + v.Name()
	case load.Bool:
		return "the boolean " + v.Name()
	case load.Seq:
		return "a list"
	case load.Map:
		return "a mapping"
	case load.Null:
		return "empty"
	}
	return v.Kind.String()
}

func quoteText(v *load.Node) string {
	if v.Kind == load.String {
		return fmt.Sprintf("%q", v.Text)
	}
	return Text(v)
}

func sameNumber(a, b *load.Node) bool {
	num := func(n *load.Node) (float64, bool) {
		switch n.Kind {
		case load.Int:
			return float64(n.Int), true
		case load.Float:
			return n.Float, true
		}
		return 0, false
	}
	x, ok1 := num(a)
	y, ok2 := num(b)
	return ok1 && ok2 && x == y
}
