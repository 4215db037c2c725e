package load

import (
	"strconv"
	"strings"
)

// Canonical is the text of what a value means, not how it is written:
// kinds and values, with strings and keys quoted so different values never
// share a text, and no positions. Two includes with the same inputs, or two
// jobs with the same keyword value, have the same Canonical. Its cost is
// bounded by the loader's limits on nesting and expanded size.
func Canonical(n *Node) string {
	var b strings.Builder
	WriteCanonical(&b, n)
	return b.String()
}

// WriteCanonical writes Canonical(n) to b, for callers that reuse a buffer.
func WriteCanonical(b *strings.Builder, n *Node) {
	if n == nil {
		b.WriteByte('~')
		return
	}
	b.WriteByte(byte('a' + n.Kind))
	switch n.Kind {
	case Bool:
		b.WriteString(strconv.FormatBool(n.Bool))
	case Int:
		b.WriteString(strconv.FormatInt(n.Int, 10))
	case Float:
		b.WriteString(strconv.FormatFloat(n.Float, 'g', -1, 64))
	case String, Reference:
		b.WriteString(strconv.Quote(n.Text))
		for _, it := range n.Items {
			WriteCanonical(b, it)
		}
	case Seq:
		b.WriteByte('[')
		for _, it := range n.Items {
			WriteCanonical(b, it)
			b.WriteByte(',')
		}
		b.WriteByte(']')
	case Map:
		b.WriteByte('{')
		for _, p := range n.Pairs {
			b.WriteString(strconv.Quote(p.Key.Name()))
			b.WriteByte(':')
			WriteCanonical(b, p.Value)
			b.WriteByte(',')
		}
		b.WriteByte('}')
	}
}
