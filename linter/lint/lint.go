// Package lint runs cilint's stages on a file, from load to findings:
// load (YAML with positions and limits), then the shape of the file (header
// and body), then the schema. Later stages (includes, the merged pipeline,
// cross-job rules) plug in here.
package lint

import (
	"fmt"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/linter/validate"
)

// Options select what a run checks.
type Options struct {
	// SchemaOnly limits a run to the YAML and schema checks: no include
	// resolution and no cross-job checks. Until those stages exist every
	// run is schema-only, and each file is validated on its own.
	SchemaOnly bool
	Limits     load.Limits
}

// Linter lints files. Create it once: it compiles the schema.
type Linter struct {
	opts      Options
	validator *validate.Validator
}

// New prepares a Linter.
func New(opts Options) (*Linter, error) {
	if opts.Limits == (load.Limits{}) {
		opts.Limits = load.DefaultLimits()
	}
	v, err := validate.New()
	if err != nil {
		return nil, fmt.Errorf("prepare schema: %w", err)
	}
	return &Linter{opts: opts, validator: v}, nil
}

// Result is what linting one file produced.
type Result struct {
	File     *load.File
	Findings []finding.Finding
}

// File reads and lints the file at path. The error is for a file that
// cannot be read at all.
func (l *Linter) File(path string) (*Result, error) {
	file, fs, err := load.Read(path, l.opts.Limits)
	if err != nil {
		return nil, err
	}
	return l.finish(file, fs), nil
}

// Source lints src as if read from path.
func (l *Linter) Source(path string, src []byte) *Result {
	file, fs := load.Parse(path, src, l.opts.Limits)
	return l.finish(file, fs)
}

func (l *Linter) finish(file *load.File, fs []finding.Finding) *Result {
	if !finding.HasErrors(fs) || file.Body != nil {
		fs = append(fs, l.checkFile(file)...)
	}
	finding.Sort(fs)
	return &Result{File: file, Findings: fs}
}

func (l *Linter) checkFile(file *load.File) []finding.Finding {
	var fs []finding.Finding
	shape := func(pos finding.Pos, format string, args ...any) {
		fs = append(fs, finding.Finding{Pos: pos, Severity: finding.Error, Rule: rules.ConfigShape, Message: fmt.Sprintf(format, args...)})
	}
	if h := file.Header; h != nil {
		spec := &load.Node{Kind: load.Map, Pos: h.Pos}
		for _, p := range h.Pairs {
			if p.Key.Name() == "spec" {
				spec.Pairs = append(spec.Pairs, p)
				continue
			}
			shape(p.Key.Pos, "the header document may hold only spec:; move `%s` below the --- line", p.Key.Name())
		}
		fs = append(fs, l.validator.Validate(spec)...)
	}
	body := file.Body
	switch {
	case body == nil || body.Kind == load.Null:
		shape(finding.Pos{File: file.Path, Line: 1, Col: 1}, "the configuration is empty; GitLab needs at least one job")
		return fs
	case body.Kind != load.Map:
		shape(body.Pos, "the configuration must be a mapping of global keywords and jobs; got a %s", body.Kind)
		return fs
	}
	if p := body.Pair("spec"); p != nil {
		shape(p.Key.Pos, "spec: must be in its own header document, followed by a line with ---; here GitLab reads it as a job named spec")
		rest := *body
		rest.Pairs = nil
		for _, q := range body.Pairs {
			if q.Key.Name() != "spec" {
				rest.Pairs = append(rest.Pairs, q)
			}
		}
		body = &rest
	}
	return append(fs, l.validator.Validate(body)...)
}
