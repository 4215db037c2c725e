package load

// DeepMerge returns base with over merged on top, the way GitLab merges
// included files and `extends` (Ruby's Hash#deep_merge): mappings merge
// key by key, recursively; any other value in over replaces the one in
// base. Neither argument is changed: loaded nodes may be shared through
// aliases. Keys keep base's order, new keys follow; a key overridden by
// over takes over's key node, so positions point at the winning text.
func DeepMerge(base, over *Node) *Node {
	if base == nil || base.Kind != Map || over == nil || over.Kind != Map {
		return over
	}
	out := &Node{Kind: Map, Pos: over.Pos, Pairs: make([]Pair, len(base.Pairs), len(base.Pairs)+len(over.Pairs))}
	copy(out.Pairs, base.Pairs)
	index := make(map[string]int, len(out.Pairs))
	for i, p := range out.Pairs {
		index[p.Key.Name()] = i
	}
	for _, p := range over.Pairs {
		name := p.Key.Name()
		if i, ok := index[name]; ok {
			out.Pairs[i] = Pair{Key: p.Key, Value: DeepMerge(out.Pairs[i].Value, p.Value)}
			continue
		}
		index[name] = len(out.Pairs)
		out.Pairs = append(out.Pairs, p)
	}
	return out
}

// Without returns m without the entry named name (m itself when absent).
func Without(m *Node, name string) *Node {
	if m == nil || m.Kind != Map || m.Pair(name) == nil {
		return m
	}
	out := &Node{Kind: Map, Pos: m.Pos, Pairs: make([]Pair, 0, len(m.Pairs)-1)}
	for _, p := range m.Pairs {
		if p.Key.Name() != name {
			out.Pairs = append(out.Pairs, p)
		}
	}
	return out
}

// With returns m with name set to value, replacing an existing entry in
// place or appending a new one.
func With(m *Node, key, value *Node) *Node {
	out := &Node{Kind: Map, Pos: m.Pos, Pairs: make([]Pair, len(m.Pairs), len(m.Pairs)+1)}
	copy(out.Pairs, m.Pairs)
	name := key.Name()
	for i, p := range out.Pairs {
		if p.Key.Name() == name {
			out.Pairs[i] = Pair{Key: p.Key, Value: value}
			return out
		}
	}
	out.Pairs = append(out.Pairs, Pair{Key: key, Value: value})
	return out
}
