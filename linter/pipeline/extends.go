package pipeline

import (
	"fmt"
	"strings"

	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
)

// maxExtendsDepth is GitLab's MAX_NESTING_LEVELS for extends.
const maxExtendsDepth = 10

// extends resolves `extends` for every top-level entry: the bases, each
// resolved first, are deep-merged in order (a later base wins), then the
// entry itself on top. Hashes merge key by key; lists and scalars are
// replaced.
func (b *builder) extends(config *load.Node) *load.Node {
	x := &extender{b: b, config: config, done: map[string]resolved{}, failed: map[string]bool{}, index: topIndex(config)}
	var pairs []load.Pair // a copy of config's entries, made on the first change
	for i, p := range config.Pairs {
		if p.Value == nil || p.Value.Kind != load.Map || p.Value.Get("extends") == nil {
			continue
		}
		if v := x.resolve(p.Key.Name(), nil); v.node != nil {
			if pairs == nil {
				pairs = append([]load.Pair(nil), config.Pairs...)
			}
			pairs[i].Value = v.node
		}
	}
	if pairs == nil {
		return config
	}
	out := *config
	out.Pairs = pairs
	return &out
}

// topIndex maps each top-level name to its entry (the first of a name, as
// Node.Get finds it), so that lookups made once per job (extends bases,
// !reference targets) do not scan the whole mapping each time.
func topIndex(config *load.Node) map[string]*load.Pair {
	index := make(map[string]*load.Pair, len(config.Pairs))
	for i := range config.Pairs {
		if name := config.Pairs[i].Key.Name(); index[name] == nil {
			index[name] = &config.Pairs[i]
		}
	}
	return index
}

type extender struct {
	b      *builder
	config *load.Node
	done   map[string]resolved
	failed map[string]bool
	// index finds a top-level entry by name without scanning the
	// mapping: every job's extends looks its bases up.
	index map[string]*load.Pair
}

// get is the top-level entry name, or nil.
func (x *extender) get(name string) *load.Node {
	if p := x.index[name]; p != nil {
		return p.Value
	}
	return nil
}

// resolved is an entry with extends applied, and its deepest chain of
// bases (itself first), whose length GitLab limits.
type resolved struct {
	node  *load.Node
	chain []string
}

// resolve returns entry name with its extends applied, or a nil node when
// that failed (already reported). chain is the entries being resolved, to
// find loops.
func (x *extender) resolve(name string, chain []string) resolved {
	if v, ok := x.done[name]; ok {
		return v
	}
	if x.failed[name] {
		return resolved{}
	}
	entry := x.get(name)
	ext := entry.Get("extends")
	if ext == nil {
		return resolved{node: entry, chain: []string{name}}
	}
	at := ext.Pos
	for i, c := range chain {
		if c == name {
			x.b.report(at, rules.Extends, "`%s` extends itself through %s", name, strings.Join(append(chain[i:], name), " -> "))
			x.failed[name] = true
			x.b.p.ExtendsFailed[name] = true
			return resolved{}
		}
	}
	var bases []*load.Node
	switch ext.Kind {
	case load.String:
		bases = []*load.Node{ext}
	case load.Seq:
		bases = ext.Items
	default:
		return resolved{node: entry, chain: []string{name}} // the schema reports the type
	}
	var merged *load.Node
	var deepest []string
	ok := true
	for _, bn := range bases {
		if bn == nil || bn.Kind != load.String {
			continue
		}
		base := x.get(bn.Text)
		switch {
		case x.index[bn.Text] == nil:
			msg := fmt.Sprintf("`%s` extends `%s`, which is not defined", name, bn.Text)
			if s := closestKey(x.config, bn.Text); s != "" {
				msg += fmt.Sprintf("; did you mean `%s`?", s)
			}
			x.b.p.Findings = append(x.b.p.Findings, x.b.p.Missing(bn.Pos, rules.Extends, msg))
			ok = false
			continue
		case base == nil || base.Kind != load.Map:
			x.b.report(bn.Pos, rules.Extends, "`%s` extends `%s`, which is not a mapping of keywords", name, bn.Text)
			ok = false
			continue
		}
		base2 := x.resolve(bn.Text, append(chain, name))
		if base2.node == nil {
			ok = false
			continue
		}
		if len(base2.chain) > len(deepest) {
			deepest = base2.chain
		}
		merged = load.DeepMerge(merged, base2.node)
	}
	if !ok {
		x.b.p.ExtendsFailed[name] = true
	}
	if !ok && merged == nil {
		x.failed[name] = true
		return resolved{}
	}
	full := append([]string{name}, deepest...)
	if len(full)-1 > maxExtendsDepth {
		x.b.report(at, rules.Extends, "`%s` extends through %d levels (%s); GitLab allows %d", name, len(full)-1, strings.Join(full, " -> "), maxExtendsDepth)
		x.failed[name] = true
		x.b.p.ExtendsFailed[name] = true
		return resolved{}
	}
	out := resolved{node: load.DeepMerge(merged, entry), chain: full}
	x.done[name] = out
	return out
}
