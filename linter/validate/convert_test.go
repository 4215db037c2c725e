package validate

import (
	"encoding/json"
	"testing"

	"gitlab.com/trustci/cicd/linter/load"
)

// TestToJSONNulls pins which nulls the schema sees: GitLab treats a key
// written without a value as not given, except where nullMode says
// otherwise. toJSON is the oracle's view (oracle_test.go); TestOracle
// holds our validator to it.
func TestToJSONNulls(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"global keyword", "image:\nbuild: {script: x}\n", `{"build":{"script":"x"}}`},
		{"job without a value", "build:\n", `{"build":null}`},
		{"job keywords", "build: {script: x, artifacts: null, needs: ~}\n", `{"build":{"script":"x"}}`},
		{"nested", "build: {script: x, cache: {key: null, paths: [a]}}\n", `{"build":{"cache":{"paths":["a"]},"script":"x"}}`},
		{"script", "build: {script: null}\n", `{"build":{"script":null}}`},
		{"trigger", "build: {trigger: null}\n", `{"build":{"trigger":null}}`},
		{"trigger keys", "build: {trigger: {project: a/b, branch: null}}\n", `{"build":{"trigger":{"project":"a/b"}}}`},
		{"matrix", "build: {script: x, parallel: {matrix: [{A: null}]}}\n", `{"build":{"parallel":{"matrix":[{"A":null}]},"script":"x"}}`},
		{"id token", "build: {script: x, id_tokens: {T: null, U: {aud: a, x: null}}}\n", `{"build":{"id_tokens":{"T":null,"U":{"aud":"a"}},"script":"x"}}`},
		{"exists paths", "b: {script: x, rules: [{exists: {paths: null, project: null}}]}\n", `{"b":{"rules":[{"exists":{"paths":[]}}],"script":"x"}}`},
		{"list items stay", "stages: [a, null]\n", `{"stages":["a",null]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file, _ := load.Parse("t.yml", []byte(tt.src), load.DefaultLimits())
			got, err := json.Marshal(toJSON(file.Body, map[*load.Node]any{}))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// toJSON turns a Node tree into the values the library (the oracle)
// takes; our validator reads the tree the same way (check.go). Shared (aliased) subtrees are converted once.
//
// A key written without a value (null) is left out: GitLab builds no entry
// for a nil value (lib/gitlab/config/entry/factory.rb makes it Unspecified,
// so a default applies) and its attribute validations allow nil, so null
// means "not given" nearly everywhere. The exceptions keep their null, for
// the schema to refuse it: see nullMode. At the top level only global
// keywords lose a null; a job written without a value is an error.
func toJSON(root *load.Node, memo map[*load.Node]any) any {
	c := &converter{memo: [4]map[*load.Node]any{memo, {}, {}, {}}}
	if root == nil || root.Kind != load.Map {
		return c.value(root, dropNulls)
	}
	m := make(map[string]any, len(root.Pairs))
	for _, p := range root.Pairs {
		name := p.Key.Name()
		if isNull(p.Value) && isGlobal(name) {
			continue
		}
		m[name] = c.value(p.Value, nullMode(name))
	}
	return m
}

type converter struct {
	memo [4]map[*load.Node]any // per nulls mode
}

func (c *converter) value(n *load.Node, mode nulls) any {
	if n == nil {
		return nil
	}
	memo := c.memo[mode]
	if v, ok := memo[n]; ok {
		return v
	}
	below := mode
	if mode == keepChildren || mode == existsPaths {
		below = dropNulls
	}
	var v any
	switch n.Kind {
	case load.Null, load.Reference:
		// A !reference is unresolved here: it is opaque, and errors at it
		// are dropped (see opaque).
		v = nil
	case load.Bool:
		v = n.Bool
	case load.Int:
		v = n.Int
	case load.Float:
		v = finite(n.Float)
	case load.String:
		v = n.Text
	case load.Seq:
		items := make([]any, len(n.Items))
		for i, item := range n.Items {
			items[i] = c.value(item, mode)
		}
		v = items
	case load.Map:
		m := make(map[string]any, len(n.Pairs))
		for _, p := range n.Pairs {
			name := p.Key.Name()
			if isNull(p.Value) && mode == existsPaths && name == "paths" {
				m[name] = []any{}
				continue
			}
			if isNull(p.Value) && (mode == dropNulls || mode == existsPaths) && !keepsNull(name) {
				continue
			}
			sub := below
			if sub == dropNulls {
				sub = nullMode(name)
			}
			m[name] = c.value(p.Value, sub)
		}
		v = m
	}
	memo[n] = v
	return v
}
