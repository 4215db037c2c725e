package pipeline

import "gitlab.com/trustci/cicd/linter/load"

// Keyword values that several stages read the same way.

// Need is one entry of a job's needs that names a job of this pipeline.
type Need struct {
	Name     string
	Node     *load.Node // where the name is written
	Optional bool
	Matrix   *load.Node // needs:parallel:matrix, or nil
}

// NeedsOf lists the in-pipeline needs in list; needs of other projects or
// pipelines are left out. Like GitLab (ComposableArray: [@config].flatten),
// it takes one need written as a mapping instead of a list, and lists
// nested in the list.
func NeedsOf(list *load.Node) []Need {
	if list == nil || (list.Kind != load.Seq && list.Kind != load.Map) {
		return nil
	}
	var out []Need
	for _, it := range flatItems(list, 0) {
		switch {
		case it == nil:
		case it.Kind == load.String:
			out = append(out, Need{Name: it.Text, Node: it})
		case it.Kind == load.Map:
			if it.Get("project") != nil || it.Get("pipeline") != nil {
				continue
			}
			j := it.Get("job")
			if j == nil || j.Kind != load.String {
				continue
			}
			n := Need{Name: j.Text, Node: j}
			if o := it.Get("optional"); o != nil && o.Kind == load.Bool {
				n.Optional = o.Bool
			}
			if par := it.Get("parallel"); par != nil {
				n.Matrix = par.Get("matrix")
			}
			out = append(out, n)
		}
	}
	return out
}

// maxFlatten bounds the nesting flatItems follows; the loader already
// refuses documents deeper than 150.
const maxFlatten = 150

// flatItems is n's items with nested lists flattened in place, or n itself
// when it is not a list (GitLab's [config].flatten).
func flatItems(n *load.Node, depth int) []*load.Node {
	if n == nil || n.Kind != load.Seq {
		return []*load.Node{n}
	}
	if depth > maxFlatten {
		return nil
	}
	var out []*load.Node
	for _, it := range n.Items {
		if it != nil && it.Kind == load.Seq {
			out = append(out, flatItems(it, depth+1)...)
			continue
		}
		out = append(out, it)
	}
	return out
}

// VariableValue is the value of a variables: entry, written either as the
// value itself or as a mapping with value: (and description:, expand:).
func VariableValue(entry *load.Node) *load.Node {
	if entry != nil && entry.Kind == load.Map {
		return entry.Get("value")
	}
	return entry
}
