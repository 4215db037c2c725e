package validate

import (
	"math"
	"net/url"
	"strconv"
	"strings"

	"gitlab.com/trustci/cicd/linter/load"
)

// How the schema sees a Node tree: a key written without a value (null)
// is left out. GitLab builds no entry for a nil value
// (lib/gitlab/config/entry/factory.rb makes it Unspecified, so a default
// applies) and its attribute validations allow nil, so null means "not
// given" nearly everywhere. The exceptions keep their null, for the schema
// to refuse it: see nullMode. At the top level only global keywords lose a
// null; a job written without a value is an error (topEntries).

// nulls says which nulls a value keeps.
type nulls int

const (
	dropNulls    nulls = iota // every null under the value is left out
	keepChildren              // the value's own entries keep a null; deeper ones do not
	keepAllNulls              // every null under the value is kept
	existsPaths               // like dropNulls, but an empty paths: is an empty list
)

// keepsNull reports whether a key keeps a null value: `script` and
// `trigger` decide what kind of job a mapping is, and GitLab refuses them
// empty (job.rb: validates :script, presence: true; bridge.rb: a bridge
// needs a trigger).
func keepsNull(name string) bool { return name == "script" || name == "trigger" }

// nullMode is how the value under key name treats nulls: matrix variables,
// id tokens and secrets are entries GitLab validates even when empty
// (product/variables.rb; id_token.rb and the secrets entries are built from
// a ComposableHash, which turns nil into an empty mapping).
func nullMode(name string) nulls {
	switch name {
	case "matrix":
		return keepAllNulls
	case "id_tokens", "secrets":
		return keepChildren
	case "exists":
		// rules/rule/exists.rb takes paths: written without a value
		// (required_keys sees the key, allow_nil passes it) as no paths.
		return existsPaths
	}
	return dropNulls
}

func isNull(n *load.Node) bool { return n == nil || n.Kind == load.Null }

// opaque reports whether the schema cannot judge n before later stages
// run: an unresolved !reference, or a string that still holds an input
// interpolation ($[[ inputs.x ]]) or a job input (${{ inputs.x }}).
func opaque(n *load.Node) bool {
	if n == nil {
		return false
	}
	if n.Kind == load.Reference {
		return true
	}
	return n.Kind == load.String && (strings.Contains(n.Text, "$[[") || strings.Contains(n.Text, "${{"))
}

// step is one element on the way from the root to a value: the Node, and
// the mapping key or list index that led to it.
type step struct {
	node  *load.Node
	key   *load.Node // the mapping key, for values in a mapping
	index int        // the list index, for values in a list; -1 otherwise
}

// walk follows a JSON pointer from root. It returns the steps taken (the
// first is the root) and whether the whole pointer was followed, and stops
// early at an opaque node.
func walk(root *load.Node, ptr string) ([]step, bool) {
	steps := []step{{node: root, index: -1}}
	if ptr == "" {
		return steps, true
	}
	cur := root
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		// The validator percent-escapes tokens on top of JSON pointer
		// escaping.
		if u, err := url.PathUnescape(tok); err == nil {
			tok = u
		}
		tok = unescapeToken(tok)
		if cur == nil || opaque(cur) {
			return steps, false
		}
		switch cur.Kind {
		case load.Map:
			p := cur.Pair(tok)
			if p == nil {
				return steps, false
			}
			cur = p.Value
			steps = append(steps, step{node: cur, key: p.Key, index: -1})
		case load.Seq:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(cur.Items) {
				return steps, false
			}
			cur = cur.Items[i]
			steps = append(steps, step{node: cur, index: i})
		default:
			return steps, false
		}
	}
	return steps, true
}

// finite stands in for the floats JSON has no number for (YAML's .inf,
// -.inf and .nan): the validator cannot compare them and would fail. An
// infinity becomes the largest float of its sign, so it still breaks
// every maximum; NaN becomes 0.5, a number that is not whole, so it still
// passes "number" and fails "whole number", as it does in GitLab's Ruby.
func finite(f float64) float64 {
	switch {
	case math.IsInf(f, 1):
		return math.MaxFloat64
	case math.IsInf(f, -1):
		return -math.MaxFloat64
	case math.IsNaN(f):
		return 0.5
	}
	return f
}
