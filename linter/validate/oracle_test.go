package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/schema"
)

// The library the validator replaced (github.com/santhosh-tekuri/
// jsonschema/v5, draft 2019-09) stays as the oracle the tests compare our
// validator with: same verdict, same tree of violations, same findings,
// on every input the tests have and on generated ones (FuzzValidate,
// TestOracleMutations). It also checks the schema against its metaschema,
// which New no longer does at run time.

// oracle is the library's compiled schema.
type oracle struct {
	compiled *jsonschema.Schema
}

func newOracle(tb testing.TB) *oracle {
	tb.Helper()
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2019
	if err := c.AddResource(schema.URL, bytes.NewReader(schema.JSON)); err != nil {
		tb.Fatal(err)
	}
	// Compile checks the schema against the 2019-09 metaschema.
	compiled, err := c.Compile(schema.URL)
	if err != nil {
		tb.Fatal(err)
	}
	return &oracle{compiled: compiled}
}

// check is what Validator.check returns, computed by the library.
func (o *oracle) check(tb testing.TB, doc *load.Node) *failure {
	err := o.compiled.Validate(toJSON(doc, map[*load.Node]any{}))
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		tb.Fatalf("library: %v", err)
	}
	return fromLibrary(ve)
}

func fromLibrary(ve *jsonschema.ValidationError) *failure {
	_, frag, _ := strings.Cut(ve.AbsoluteKeywordLocation, "#")
	f := &failure{abs: "#" + frag, inst: ve.InstanceLocation, group: ve.Message == ""}
	for _, c := range ve.Causes {
		f.causes = append(f.causes, fromLibrary(c))
	}
	return f
}

// treeText writes a tree of violations in one canonical form: the
// library visits properties in map order, so causes are sorted, except
// an anyOf's, whose order (the branches') the explanations read.
func treeText(f *failure) string {
	if f == nil {
		return "valid"
	}
	var kids []string
	for _, c := range f.causes {
		kids = append(kids, treeText(c))
	}
	if !strings.HasSuffix(f.abs, "/anyOf") {
		slices.Sort(kids)
	}
	return fmt.Sprintf("%s @%q group=%v [%s]", f.abs, f.inst, f.group, strings.Join(kids, ", "))
}

// explainTree is validateDoc's explanation of a tree.
func (v *Validator) explainTree(top *failure, root *load.Node) []finding.Finding {
	if top == nil {
		return nil
	}
	e := &explainer{doc: v.doc, root: root, explanations: v.explanations}
	fs := e.findings(e.collect(top))
	finding.Sort(fs)
	return fs
}

// compare checks doc (validated as part of root) with both validators.
func compare(t testing.TB, v *Validator, o *oracle, name string, doc, root *load.Node) {
	t.Helper()
	ours, theirs := v.check(doc), o.check(t, doc)
	if got, want := treeText(ours), treeText(theirs); got != want {
		t.Errorf("%s: violations differ from the library's\nours:    %s\nlibrary: %s", name, got, want)
		return
	}
	got, want := v.explainTree(ours, root), v.explainTree(theirs, root)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s: findings differ from the library's\nours:    %v\nlibrary: %v", name, got, want)
	}
}

// compareFile compares the validators on a file's body and on each of its
// top-level entries (what validate does on large files).
func compareFile(t testing.TB, v *Validator, o *oracle, name string, src []byte) {
	t.Helper()
	file, _ := load.Parse(name, src, load.DefaultLimits())
	if file.Body == nil {
		return
	}
	compare(t, v, o, name, file.Body, file.Body)
	if file.Body.Kind != load.Map {
		return
	}
	for i, p := range file.Body.Pairs {
		one := &load.Node{Kind: load.Map, Pos: file.Body.Pos, Pairs: file.Body.Pairs[i : i+1]}
		compare(t, v, o, name+"#"+p.Key.Name(), one, file.Body)
		if p.Value != nil {
			// The entry's value on its own: the schema's root applied to
			// a job, a list, a scalar.
			compare(t, v, o, name+"#"+p.Key.Name()+" alone", p.Value, p.Value)
		}
	}
}

// oracleInputs are the YAML files the tests have: every testdata file of
// the linter, and the corpus and GitLab's conformance suite when
// ../shared is there.
func oracleInputs(t *testing.T) []string {
	var files []string
	add := func(dir string) {
		_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".yml") || strings.HasSuffix(path, ".yaml")) {
				files = append(files, path)
			}
			return nil
		})
	}
	matches, _ := filepath.Glob("../*/testdata")
	for _, m := range append(matches, "../testdata") {
		add(m)
	}
	for _, dir := range []string{"../../../shared/corpus", "../../../shared/conformance", "../../components", "../../examples"} {
		add(dir)
	}
	if len(files) < 100 {
		t.Fatalf("found only %d YAML files to compare on", len(files))
	}
	return files
}

// TestOracle compares our validator with the library on every YAML file
// the tests have.
func TestOracle(t *testing.T) {
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	o := newOracle(t)
	files := oracleInputs(t)
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		compareFile(t, v, o, path, src)
	}
	t.Logf("compared on %d files", len(files))
}

// TestOracleMutations compares the validators on generated variations of
// the real inputs: each value in turn replaced by a value of every other
// kind, and each mapping entry in turn left out. Most variations are
// invalid, so this drives the trees of violations (and the explanations'
// choice among anyOf branches) through most of the schema.
func TestOracleMutations(t *testing.T) {
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	o := newOracle(t)
	budget := 40000
	if testing.Short() {
		budget = 4000
	}
	n := 0
	for _, path := range oracleInputs(t) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		file, _ := load.Parse(path, src, load.DefaultLimits())
		if file.Body == nil || file.Body.Kind != load.Map {
			continue
		}
		for i, p := range file.Body.Pairs {
			if n >= budget {
				t.Logf("compared %d variations", n)
				return
			}
			entry := &load.Node{Kind: load.Map, Pos: file.Body.Pos, Pairs: file.Body.Pairs[i : i+1]}
			mutate(entry, func(doc *load.Node) {
				n++
				compare(t, v, o, fmt.Sprintf("%s#%s variation %d", path, p.Key.Name(), n), doc, doc)
			}, 60)
		}
	}
	t.Logf("compared %d variations", n)
}

// mutate calls try with copies of doc, each with one change, at most limit
// times.
func mutate(doc *load.Node, try func(*load.Node), limit int) {
	replacements := []*load.Node{
		{Kind: load.Null},
		{Kind: load.Bool, Bool: true, Text: "true", Plain: true},
		{Kind: load.Int, Int: -3, Text: "-3", Plain: true},
		{Kind: load.Float, Float: 2.5, Text: "2.5", Plain: true},
		{Kind: load.String, Text: "x y", Plain: true},
		{Kind: load.String, Text: "", Plain: false},
		{Kind: load.Seq},
		{Kind: load.Seq, Items: []*load.Node{{Kind: load.String, Text: "a", Plain: true}}},
		{Kind: load.Map},
		{Kind: load.Map, Pairs: []load.Pair{{Key: &load.Node{Kind: load.String, Text: "when", Plain: true}, Value: &load.Node{Kind: load.String, Text: "never", Plain: true}}}},
	}
	count := 0
	// rebuild returns doc with the node at path replaced by repl (nil:
	// the mapping entry at the end of path left out).
	var visit func(n *load.Node, set func(*load.Node) *load.Node, depth int)
	visit = func(n *load.Node, set func(*load.Node) *load.Node, depth int) {
		if n == nil || count >= limit || depth > 12 {
			return
		}
		for _, r := range replacements {
			if r.Kind == n.Kind || count >= limit {
				continue
			}
			count++
			try(set(r))
		}
		switch n.Kind {
		case load.Map:
			for i := range n.Pairs {
				i := i
				if count < limit {
					count++
					c := *n
					c.Pairs = slices.Delete(slices.Clone(n.Pairs), i, i+1)
					try(set(&c))
				}
				visit(n.Pairs[i].Value, func(r *load.Node) *load.Node {
					c := *n
					c.Pairs = slices.Clone(n.Pairs)
					c.Pairs[i].Value = r
					return set(&c)
				}, depth+1)
			}
		case load.Seq:
			for i := range n.Items {
				i := i
				visit(n.Items[i], func(r *load.Node) *load.Node {
					c := *n
					c.Items = slices.Clone(n.Items)
					c.Items[i] = r
					return set(&c)
				}, depth+1)
			}
		}
	}
	visit(doc, func(r *load.Node) *load.Node { return r }, 0)
}

// FuzzValidate compares our validator with the library on arbitrary
// YAML (make fuzz runs it with an execution budget).
func FuzzValidate(f *testing.F) {
	for _, seed := range []string{
		"build: {script: x}\n",
		"build:\n  script: [a, b]\n  rules: [{if: '$A', when: never}]\n  cache: {key: {files: [a]}, paths: [b]}\n",
		"stages: [a, null]\nworkflow: {rules: [{when: always}]}\n",
		"spec: {inputs: {a: {type: number, default: 1}, b: {options: [x]}}}\n",
		"a:\n  trigger: {include: x.yml}\n  parallel: {matrix: [{A: [1, 2]}]}\n",
		"include: [{local: a.yml, rules: [{exists: {paths: null}}]}]\n",
		"j: {script: x, artifacts: {reports: {junit: a}, when: on_success}, retry: {max: 3, when: [script_failure]}}\n",
		"j: {script: x, needs: [{job: a, artifacts: false}], id_tokens: {T: {aud: x}}, secrets: {S: {vault: a/b@c}}}\n",
	} {
		f.Add([]byte(seed))
	}
	v, err := New()
	if err != nil {
		f.Fatal(err)
	}
	o := newOracle(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		compareFile(t, v, o, "fuzz.yml", src)
	})
}

// TestSchemaMetaschema checks the embedded schema against the draft
// 2019-09 metaschema, the check New leaves to this test.
func TestSchemaMetaschema(t *testing.T) {
	meta, err := jsonschema.Compile("https://json-schema.org/draft/2019-09/schema")
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(schema.JSON, &doc); err != nil {
		t.Fatal(err)
	}
	if err := meta.Validate(doc); err != nil {
		t.Errorf("the schema does not validate against its metaschema: %#v", err)
	}
	newOracle(t) // compiling checks it too
}
