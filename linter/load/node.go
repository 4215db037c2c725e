package load

import (
	"strconv"

	"gitlab.com/trustci/cicd/linter/finding"
)

// Kind is what a Node holds, after YAML 1.1 scalar resolution as GitLab's
// Ruby loader (Psych) does it.
type Kind uint8

const (
	Null Kind = iota
	Bool
	Int
	Float
	String
	Seq
	Map
	// Reference is a `!reference [job, key, ...]` tag, kept unresolved: Path
	// holds the names. Resolution happens once the whole configuration is
	// merged.
	Reference
)

func (k Kind) String() string {
	return [...]string{"null", "boolean", "integer", "float", "string", "list", "mapping", "!reference"}[k]
}

// Node is one YAML value with the position it was written at. Aliases share
// the anchored Node, so a Node may appear at several places in a tree; it
// must be treated as immutable once loaded.
type Node struct {
	Kind Kind
	Pos  finding.Pos
	// Text is the scalar as written (for strings, the decoded value).
	Text string
	// Plain is true for unquoted, untagged scalars: the ones whose type YAML
	// guesses, which is where surprises such as `yes` or `3.10` come from.
	Plain bool
	Bool  bool
	Int   int64
	Float float64
	Items []*Node // Seq, and the path elements of a Reference
	Pairs []Pair  // Map, in the order GitLab sees them (Ruby Hash order)
}

// Pair is one mapping entry. Key is always a scalar Node.
type Pair struct {
	Key   *Node
	Value *Node
}

// Name is the key as GitLab sees it once the YAML is loaded: Ruby's to_s of
// the resolved scalar (so `123` and `on` become "123" and "true").
func (n *Node) Name() string {
	switch n.Kind {
	case Null:
		return ""
	case Bool:
		return strconv.FormatBool(n.Bool)
	case Int:
		return strconv.FormatInt(n.Int, 10)
	case Float:
		return strconv.FormatFloat(n.Float, 'g', -1, 64)
	}
	return n.Text
}

// Get returns the value under key name in a mapping, or nil.
func (n *Node) Get(name string) *Node {
	if p := n.Pair(name); p != nil {
		return p.Value
	}
	return nil
}

// Pair returns the entry for key name in a mapping, or nil.
func (n *Node) Pair(name string) *Pair {
	if n == nil || n.Kind != Map {
		return nil
	}
	for i := range n.Pairs {
		// Name without the call for the usual string key: this loop is
		// the hottest in a lint.
		if k := n.Pairs[i].Key; k.Kind >= String && k.Text == name || k.Kind < String && k.Name() == name {
			return &n.Pairs[i]
		}
	}
	return nil
}

// IsScalar reports whether n is neither a collection nor a reference.
func (n *Node) IsScalar() bool { return n.Kind <= String }

// TextPos is the position of byte offset in the text of the string n,
// assuming it sits on one line (a quoted scalar's text starts one column
// after its position, past the opening quote). Expression errors use it to
// point into `if:` values; the offset is clamped to the text.
func (n *Node) TextPos(offset int) finding.Pos {
	pos := n.Pos
	if !n.Plain && n.Kind == String && pos.Line > 0 {
		pos.Col++ // the opening quote
	}
	pos.Col += len([]rune(n.Text[:min(max(offset, 0), len(n.Text))]))
	return pos
}
