// Package validate checks a loaded configuration against cilint's JSON
// Schema (package schema) and turns each violation into one finding in
// plain words, at the line and column of the offending key or value.
package validate

import (
	"encoding/json"
	"fmt"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/schema"
)

// Validator holds the compiled schema. Compile it once per process with
// New; it is safe for concurrent use.
type Validator struct {
	root *subschema // the compiled schema (compile.go)
	doc  any        // the schema as plain JSON, to explain violations
	// explanations is explain's table from schema keyword to message,
	// never written after New.
	explanations map[string]explanation
}

// New compiles the embedded schema. It is not checked against its
// metaschema here: a test does that (schema_test.go).
func New() (*Validator, error) {
	var doc any
	if err := json.Unmarshal(schema.JSON, &doc); err != nil {
		return nil, fmt.Errorf("embedded schema is not JSON: %w", err)
	}
	root, err := compileSchema(doc)
	if err != nil {
		return nil, fmt.Errorf("compile embedded schema: %w", err)
	}
	return &Validator{root: root, doc: doc, explanations: explanations()}, nil
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
// its own, in parallel on large files: a pipeline of thousands of jobs is
// where validation shows.
func (v *Validator) validate(root *load.Node) []finding.Finding {
	if root.Kind == load.Map {
		if fs, rest := jobsNamedLikeKeywords(root); fs != nil {
			return append(fs, v.validate(rest)...)
		}
	}
	if root.Kind != load.Map || len(root.Pairs) < parallelThreshold {
		return v.validateDoc(root, root)
	}
	workers := min(runtime.GOMAXPROCS(0), len(root.Pairs)/parallelThreshold+1)
	results := make([][]finding.Finding, len(root.Pairs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				one := &load.Node{Kind: load.Map, Pos: root.Pos, Pairs: root.Pairs[i : i+1]}
				results[i] = v.validateDoc(one, root)
			}
		}()
	}
	for i := range root.Pairs {
		next <- i
	}
	close(next)
	wg.Wait()
	var out []finding.Finding
	for _, r := range results {
		out = append(out, r...)
	}
	return out
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
	top := v.check(doc)
	if top == nil {
		return nil
	}
	e := &explainer{doc: v.doc, root: root, explanations: v.explanations}
	return e.findings(e.collect(top))
}

// check validates doc and returns the tree of violations under a root
// failure for the whole document, or nil when doc is valid. The first
// pass allocates nothing; only an invalid document is checked again to
// build the tree.
func (v *Validator) check(doc *load.Node) *failure {
	in := documentOf(doc)
	var e evaluator
	if ok, _ := e.check(v.root, in); ok {
		return nil
	}
	e.explain = true
	_, f := e.check(v.root, in)
	top := &failure{abs: v.root.loc}
	if f.group {
		top.causes = f.causes
	} else {
		top.causes = []*failure{f}
	}
	return top
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
		tok = unescapeToken(tok)
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
