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
// pipelines are left out.
func NeedsOf(list *load.Node) []Need {
	if list == nil || list.Kind != load.Seq {
		return nil
	}
	var out []Need
	for _, it := range list.Items {
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

// VariableValue is the value of a variables: entry, written either as the
// value itself or as a mapping with value: (and description:, expand:).
func VariableValue(entry *load.Node) *load.Node {
	if entry != nil && entry.Kind == load.Map {
		return entry.Get("value")
	}
	return entry
}
