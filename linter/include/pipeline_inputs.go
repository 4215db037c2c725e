package include

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/inputs"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/linter/suggest"
)

// pipelineInputs interpolates the main file's own spec:inputs: values from
// --input, else defaults. A required input without a value stays as
// written (and is reported as info): the pipeline gets it when it runs.
// This is also how a component template is linted on its own.
func (r *Resolver) pipelineInputs(main *load.File, body *load.Node) *load.Node {
	spec, sfs := inputs.ParseSpecWith(main.Header, r.opts.Cache.regexes)
	r.res.Findings = append(r.res.Findings, sfs...)
	vals := inputs.Values{}
	names := make([]string, 0, len(r.opts.PipelineInputs))
	for name := range r.opts.PipelineInputs {
		names = append(names, name)
	}
	sort.Strings(names)
	at := finding.Pos{File: main.Path, Line: 1, Col: 1}
	for _, name := range names {
		in := spec.Lookup(name)
		if in == nil {
			msg := fmt.Sprintf("--input %s: %s declares no input `%s`", name, main.Path, name)
			if s := suggest.Closest(name, spec.Names()); s != "" {
				msg += fmt.Sprintf("; did you mean `%s`?", s)
			}
			r.report(at, rules.InputUnknown, "%s", msg)
			continue
		}
		v, err := typedValue(in.Type, r.opts.PipelineInputs[name])
		if err != nil {
			r.report(at, rules.InputType, "--input %s: %v", name, err)
			continue
		}
		v.Pos = at
		vals[name] = v
	}
	for _, in := range spec.Inputs {
		if _, ok := vals[in.Name]; ok {
			continue
		}
		if in.Default != nil { // `default: null` too: the input is optional
			vals[in.Name] = in.Default
			continue
		}
		if in.Required() {
			r.add(rules.Soften(rules.Newf(rules.InputMissing, in.Key.Pos,
				"input `%s` has no default; its uses are not checked (pass --input %s=VALUE to check them)", in.Name, in.Name), finding.Info, rules.Note))
		}
	}
	given := &load.Node{Kind: load.Map}
	for _, name := range names {
		if v, ok := vals[name]; ok {
			given.Pairs = append(given.Pairs, load.Pair{Key: &load.Node{Kind: load.String, Text: name, Pos: at}, Value: v})
		}
	}
	checked, vfs := inputs.Resolve(spec, given, at, main.Path)
	for _, f := range vfs {
		if f.Rule != rules.InputMissing { // reported above, as info
			r.res.Findings = append(r.res.Findings, f)
		}
	}
	res := inputs.Interpolate(body, inputs.Context{Spec: spec, Values: checked, Component: nil})
	r.res.Findings = append(r.res.Findings, res.Findings...)
	r.res.Findings = append(r.res.Findings, inputs.Unused(spec, res.Used)...)
	return res.Body
}

// typedValue reads a --input value as the input's type: numbers and
// booleans from their text, arrays as JSON (as GitLab's API takes them).
func typedValue(typ, text string) (*load.Node, error) {
	switch typ {
	case "number":
		if i, err := strconv.ParseInt(text, 10, 64); err == nil {
			return &load.Node{Kind: load.Int, Int: i, Text: text}, nil
		}
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", text)
		}
		return &load.Node{Kind: load.Float, Float: f, Text: text}, nil
	case "boolean":
		b, err := strconv.ParseBool(text)
		if err != nil || (text != "true" && text != "false") {
			return nil, fmt.Errorf("%q is not true or false", text)
		}
		return &load.Node{Kind: load.Bool, Bool: b, Text: text}, nil
	case "array":
		var raw []any
		if err := json.Unmarshal([]byte(text), &raw); err != nil {
			return nil, fmt.Errorf("%q is not a JSON array", text)
		}
		f, fs := load.Parse("--input", []byte(text), load.DefaultLimits())
		if len(fs) > 0 || f.Body == nil {
			return nil, fmt.Errorf("%q is not a JSON array", text)
		}
		return f.Body, nil
	}
	return &load.Node{Kind: load.String, Text: text}, nil
}
