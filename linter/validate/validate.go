// Package validate checks a loaded configuration against cilint's JSON
// Schema (package schema) and turns each violation into one finding in
// plain words, at the line and column of the offending key or value.
package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/schema"
)

// Validator holds the compiled schema. Compile it once per process with
// New; it is safe for concurrent use.
type Validator struct {
	compiled *jsonschema.Schema
	doc      any // the schema as plain JSON, to explain violations
	// globals are the top-level keywords; every other non-hidden entry is
	// a job.
	globals map[string]bool
	// explanations is explain's table from schema keyword to message,
	// never written after New.
	explanations map[string]explanation
}

// New compiles the embedded schema.
func New() (*Validator, error) {
	var doc any
	if err := json.Unmarshal(schema.JSON, &doc); err != nil {
		return nil, fmt.Errorf("embedded schema is not JSON: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2019
	if err := c.AddResource(schema.URL, bytes.NewReader(schema.JSON)); err != nil {
		return nil, fmt.Errorf("load embedded schema: %w", err)
	}
	compiled, err := c.Compile(schema.URL)
	if err != nil {
		return nil, fmt.Errorf("compile embedded schema: %w", err)
	}
	globals := map[string]bool{}
	if top, ok := doc.(map[string]any); ok {
		if props, ok := top["properties"].(map[string]any); ok {
			for k := range props {
				globals[k] = true
			}
		}
	}
	if !plainJobSchema(doc) {
		globals = nil // no dedupe: see plan
	}
	return &Validator{compiled: compiled, doc: doc, globals: globals, explanations: explanations()}, nil
}

// Validate checks root, the body (or header) of one configuration file,
// and returns the schema findings, each in the file root came from, after
// the entry checks the schema cannot express (entries.go).
func (v *Validator) Validate(root *load.Node) []finding.Finding {
	if root == nil {
		return nil
	}
	return append(entryFindings(root), v.validate(root)...)
}

// validate checks root against the schema. The top-level schema has no
// constraint that spans two keys, so each top-level entry is validated on
// its own, in parallel on large files: the validator allocates per value,
// and a pipeline of thousands of jobs is where that shows.
func (v *Validator) validate(root *load.Node) []finding.Finding {
	if root.Kind == load.Map {
		if fs, rest := jobsNamedLikeKeywords(root); fs != nil {
			return append(fs, v.validate(rest)...)
		}
	}
	if root.Kind != load.Map || len(root.Pairs) < parallelThreshold {
		return v.validateDoc(root, root)
	}
	plans := v.plan(root)
	workers := min(runtime.GOMAXPROCS(0), len(root.Pairs)/parallelThreshold+1)
	results := make([][]finding.Finding, len(root.Pairs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = v.validateDoc(plans[i].doc, root)
			}
		}()
	}
	for i := range root.Pairs {
		next <- i
	}
	close(next)
	wg.Wait()
	var out []finding.Finding
	for i, r := range results {
		for _, rep := range plans[i].reps {
			if len(results[rep]) > 0 {
				// A value this entry skipped may be what failed there.
				r = v.validateDoc(plans[i].full, root)
				break
			}
		}
		out = append(out, r...)
	}
	return out
}

// plainJobSchema reports whether jobs are validated by a schema of
// independent keywords (`properties`, `additionalProperties: false`),
// which is what validating each distinct keyword value once relies on. A
// schema edit that adds a constraint spanning keywords turns it off.
func plainJobSchema(doc any) bool {
	top, _ := doc.(map[string]any)
	addl, _ := top["additionalProperties"].(map[string]any)
	defs, _ := top["$defs"].(map[string]any)
	job, _ := defs["job"].(map[string]any)
	if addl == nil || addl["$ref"] != "#/$defs/job" || len(addl) != 1 || job == nil || job["additionalProperties"] != false {
		return false
	}
	for k := range job {
		switch k {
		case "type", "properties", "additionalProperties", "description", "$comment":
		default:
			return false
		}
	}
	return true
}

// jobsNamedLikeKeywords finds top-level global keywords written as jobs
// (`image:` with a script): one clear finding each, instead of an unknown
// key for every job keyword in it. It returns the rest of root to validate.
func jobsNamedLikeKeywords(root *load.Node) ([]finding.Finding, *load.Node) {
	var fs []finding.Finding
	rest := root
	for _, p := range root.Pairs {
		name := p.Key.Name()
		if !slices.Contains([]string{"image", "cache", "workflow", "include", "spec"}, name) || p.Value == nil || p.Value.Kind != load.Map || p.Value.Get("script") == nil {
			continue
		}
		fs = append(fs, rules.Newf(rules.Schema, p.Key.Pos, "`%s` is a global keyword, so GitLab does not read it as a job (it has a script); rename the job", name).Until(spanEnd(p.Key)))
		rest = load.Without(rest, name)
	}
	return fs, rest
}

// parallelThreshold is the number of top-level entries below which one
// goroutine validates the whole document.
const parallelThreshold = 64

// validateDoc validates doc and explains the violations; root is the
// document the instance locations are walked in (doc, or the file's
// mapping when doc holds one of its entries).
func (v *Validator) validateDoc(doc, root *load.Node) []finding.Finding {
	err := v.compiled.Validate(toJSON(doc, map[*load.Node]any{}))
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []finding.Finding{rules.New(rules.Schema, root.Pos, "internal error while validating: "+err.Error())}
	}
	e := &explainer{doc: v.doc, root: root, explanations: v.explanations}
	return e.findings(e.collect(ve))
}

// keywordOf splits an absolute keyword location into the failing keyword and
// the pointer (into the schema document) of the schema object holding it.
// The keyword is "false" when a `false` schema failed.
func keywordOf(abs string) (keyword, schemaPtr string) {
	_, frag, _ := strings.Cut(abs, "#")
	toks := []string{}
	if frag != "" {
		toks = strings.Split(strings.TrimPrefix(frag, "/"), "/")
	}
	// Walk the pointer, knowing which tokens are keywords and which are
	// names or indexes inside a keyword's value.
	const (
		inSchema = iota
		inSchemaMap
		inSchemaList
		inStringListMap
		inTerminal
	)
	state := inSchema
	schemaStart := 0
	keyword = "false"
	for i, tok := range toks {
		switch state {
		case inSchema:
			keyword, schemaStart = tok, i
			switch tok {
			case "properties", "patternProperties", "$defs", "dependentSchemas":
				state = inSchemaMap
			case "allOf", "anyOf", "oneOf", "prefixItems":
				state = inSchemaList
			case "dependentRequired":
				state = inStringListMap
			case "items", "additionalProperties", "not", "if", "then", "else", "propertyNames", "contains":
				state = inSchema
			default:
				state = inTerminal
			}
			if state == inSchema && i == len(toks)-1 {
				// The pointer ends on a keyword whose value is a schema:
				// that keyword failed as a whole (for example items: false).
				return tok, "/" + strings.Join(toks[:i], "/")
			}
		case inSchemaMap, inSchemaList:
			state = inSchema
			if i == len(toks)-1 {
				// The pointer ends on a subschema itself: a false schema.
				return "false", "/" + strings.Join(toks[:i+1], "/")
			}
		case inStringListMap:
			state = inTerminal
		case inTerminal:
		}
	}
	return keyword, "/" + strings.Join(toks[:schemaStart], "/")
}

// schemaAt returns the value at a pointer in the schema document.
func schemaAt(doc any, ptr string) any {
	cur := doc
	if ptr == "" || ptr == "/" {
		return cur
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		if u, err := url.PathUnescape(tok); err == nil {
			tok = u
		}
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch c := cur.(type) {
		case map[string]any:
			cur = c[tok]
		case []any:
			var i int
			if _, err := fmt.Sscanf(tok, "%d", &i); err != nil || i < 0 || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}
