package pipeline

import (
	"fmt"
	"strings"

	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
)

// maxReferenceDepth is how deeply !reference tags may nest in GitLab.
const maxReferenceDepth = 10

// maxReferenceExpansion bounds the values !reference tags add to a
// configuration. Every reference expands its target again, so ten
// references to ten references to ... grow tenfold per level: a 2 kB file
// reaches 10^9 values, which GitLab cannot build either (it checks each
// file's size when loading it, not the size after references; such a
// pipeline fails to be created). The bound is five times the loader's
// bound on one alias-expanded file (load.DefaultLimits().MaxNodes), so
// that only such growth reaches it: a real pipeline of thousands of jobs
// adds tens of thousands of values through references.
const maxReferenceExpansion = 5_000_000

// references replaces every !reference tag with the value it names, looked
// up in the configuration after extends. Referenced values may hold
// references themselves, up to GitLab's nesting limit. Nodes are copied on
// the way up, never changed in place: loaded nodes can be shared.
func (b *builder) references(config *load.Node) *load.Node {
	r := &referencer{b: b, config: config, memo: map[*load.Node]*load.Node{}, budget: maxReferenceExpansion}
	return r.walk(config, 0, nil)
}

type referencer struct {
	b      *builder
	config *load.Node
	memo   map[*load.Node]*load.Node // nodes already walked (shared subtrees)
	// index finds a top-level entry without scanning the mapping (every
	// reference starts there); built on the first reference.
	index map[string]*load.Pair
	// budget bounds the values references add (see
	// maxReferenceExpansion); the configuration's own values are walked
	// once each and bounded by the loader.
	budget int
	visits int
	over   bool
	outer  *load.Node // the reference written in a job that is being expanded
}

func refText(n *load.Node) string {
	names := make([]string, len(n.Items))
	for i, it := range n.Items {
		if it != nil {
			names[i] = it.Name()
		}
	}
	return "!reference [" + strings.Join(names, ", ") + "]"
}

func (r *referencer) walk(n *load.Node, depth int, chain []string) *load.Node {
	if n == nil || r.over {
		return n
	}
	if depth == 0 {
		if v, ok := r.memo[n]; ok {
			return v
		}
	}
	if depth > 0 {
		r.visits++
	}
	if r.visits > r.budget {
		r.over = true
		at := n
		if r.outer != nil {
			at = r.outer
		}
		r.b.report(at.Pos, rules.Reference, "%s expands the configuration past %d values, more than GitLab can build a pipeline from (the expansion stops here)", refText(at), r.budget)
		return n
	}
	out := n
	switch n.Kind {
	case load.Reference:
		if depth == 0 {
			r.outer = n
		}
		out = r.resolve(n, depth, chain)
	case load.Seq:
		var items []*load.Node
		for i, it := range n.Items {
			v := r.walk(it, depth, chain)
			if v != it && items == nil {
				items = append(make([]*load.Node, 0, len(n.Items)), n.Items[:i]...)
			}
			if items != nil {
				items = append(items, v)
			}
		}
		if items != nil {
			c := *n
			c.Items = items
			out = &c
		}
	case load.Map:
		var pairs []load.Pair
		for i, p := range n.Pairs {
			v := r.walk(p.Value, depth, chain)
			if v != p.Value && pairs == nil {
				pairs = append(make([]load.Pair, 0, len(n.Pairs)), n.Pairs[:i]...)
			}
			if pairs != nil {
				pairs = append(pairs, load.Pair{Key: p.Key, Value: v})
			}
		}
		if pairs != nil {
			c := *n
			c.Pairs = pairs
			out = &c
		}
	}
	if depth == 0 {
		r.memo[n] = out
	}
	return out
}

// resolve looks a reference up; on failure it reports and leaves the
// reference in place (it stays opaque for the schema).
func (r *referencer) resolve(ref *load.Node, depth int, chain []string) *load.Node {
	text := refText(ref)
	for _, it := range ref.Items {
		if it == nil || !it.IsScalar() || it.Kind == load.Null {
			return ref // malformed: yaml-reference already reported it
		}
	}
	if len(ref.Items) == 0 {
		return ref
	}
	for i, c := range chain {
		if c == text {
			r.b.report(ref.Pos, rules.Reference, "%s is part of a circular chain: %s", text, strings.Join(append(chain[i:], text), " -> "))
			return ref
		}
	}
	if depth >= maxReferenceDepth {
		r.b.report(ref.Pos, rules.Reference, "!reference tags are nested more than %d levels deep", maxReferenceDepth)
		return ref
	}
	cur := r.config
	for i, it := range ref.Items {
		entry := r.lookup(cur, i, it.Name())
		if entry == nil {
			where := "the configuration"
			if i > 0 {
				where = "`" + joinNames(ref.Items[:i]) + "`"
			}
			msg := fmt.Sprintf("%s cannot be resolved: %s has no `%s`", text, where, it.Name())
			if i == 0 {
				if s := closestKey(r.config, it.Name()); s != "" {
					msg += fmt.Sprintf("; did you mean `%s`?", s)
				}
				r.b.p.Findings = append(r.b.p.Findings, r.b.p.Missing(ref.Pos, rules.Reference, msg))
			} else {
				r.b.report(ref.Pos, rules.Reference, "%s", msg)
			}
			return ref
		}
		cur = entry.Value
	}
	return r.walk(cur, depth+1, append(chain, text))
}

// lookup is the entry name in cur, the configuration itself at step 0
// (through the index), or nil.
func (r *referencer) lookup(cur *load.Node, step int, name string) *load.Pair {
	if step > 0 {
		return cur.Pair(name)
	}
	if r.config.Kind != load.Map {
		return nil
	}
	if r.index == nil {
		r.index = topIndex(r.config)
	}
	return r.index[name]
}

func joinNames(items []*load.Node) string {
	names := make([]string, len(items))
	for i, it := range items {
		names[i] = it.Name()
	}
	return strings.Join(names, ":")
}
