// Package render prints a configuration tree: as YAML, in the order GitLab
// keeps (what its pipeline editor calls the full configuration), or as
// JSON for tools. Both are stable: the same input gives the same bytes.
package render

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"

	"gopkg.in/yaml.v3"

	"gitlab.com/trustci/cicd/linter/load"
)

// YAML writes n as YAML with two-space indentation. A mapping is written
// one entry at a time (each entry of a block mapping prints the same
// alone as within the whole), so only one job's yaml.v3 tree exists at
// once, not a second copy of the whole configuration.
func YAML(w io.Writer, n *load.Node) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if n == nil || n.Kind != load.Map || len(n.Pairs) == 0 {
		if err := encodeYAML(bw, toYAML(n)); err != nil {
			return err
		}
		return bw.Flush()
	}
	for _, p := range n.Pairs {
		one := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{toYAML(p.Key), toYAML(p.Value)}}
		if err := encodeYAML(bw, one); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// encodeYAML writes one document without a start marker.
func encodeYAML(w io.Writer, n *yaml.Node) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	return nil
}

func toYAML(n *load.Node) *yaml.Node {
	if n == nil {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	}
	switch n.Kind {
	case load.Map:
		out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, p := range n.Pairs {
			out.Content = append(out.Content, toYAML(p.Key), toYAML(p.Value))
		}
		return out
	case load.Seq:
		out := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, it := range n.Items {
			out.Content = append(out.Content, toYAML(it))
		}
		return out
	case load.Reference:
		// An unresolved reference (already reported) is printed as written.
		out := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!reference", Style: yaml.FlowStyle | yaml.TaggedStyle}
		for _, it := range n.Items {
			out.Content = append(out.Content, toYAML(it))
		}
		return out
	case load.Null:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	case load.Bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(n.Bool)}
	case load.Int:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(n.Int, 10)}
	case load.Float:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: floatText(n.Float)}
	}
	s := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: n.Text}
	if !load.PlainIsString(n.Text) {
		s.Style = yaml.DoubleQuotedStyle
	}
	if bytes.ContainsRune([]byte(n.Text), '\n') {
		s.Style = yaml.LiteralStyle
	}
	return s
}

func floatText(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	case math.IsNaN(f):
		return ".nan"
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !bytes.ContainsAny([]byte(s), ".e") {
		s += ".0"
	}
	return s
}

// JSON writes n as indented JSON, keeping mapping order. encoding/json
// writes it: each value is an ordered node (a json.Marshaler) given to
// json.MarshalIndent, and a top-level mapping is written one entry at a
// time, as YAML is, so only one job's text is held at once, not a copy of
// the whole output.
func JSON(w io.Writer, n *load.Node) error {
	b := bufio.NewWriterSize(w, 64<<10)
	if err := writeJSON(b, n); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if err := b.Flush(); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	return nil
}

func writeJSON(b *bufio.Writer, n *load.Node) error {
	if n == nil || n.Kind != load.Map || len(n.Pairs) == 0 {
		out, err := json.MarshalIndent(ordered{n}, "", "  ")
		if err != nil {
			return err
		}
		b.Write(out)
		b.WriteByte('\n')
		return nil
	}
	b.WriteString("{\n")
	for i, p := range n.Pairs {
		key, err := json.Marshal(p.Key.Name())
		if err != nil {
			return err
		}
		value, err := json.MarshalIndent(ordered{p.Value}, "  ", "  ")
		if err != nil {
			return err
		}
		b.WriteString("  ")
		b.Write(key)
		b.WriteString(": ")
		b.Write(value)
		if i < len(n.Pairs)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}\n")
	return nil
}

// ordered is a node as JSON with its mappings in their order (a Go map
// would sort the keys).
type ordered struct{ n *load.Node }

func (o ordered) MarshalJSON() ([]byte, error) {
	return appendJSON(nil, o.n)
}

// appendJSON appends n as compact JSON; json.MarshalIndent indents it.
func appendJSON(b []byte, n *load.Node) ([]byte, error) {
	if n == nil {
		return append(b, "null"...), nil
	}
	var err error
	switch n.Kind {
	case load.Map:
		b = append(b, '{')
		for i, p := range n.Pairs {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendScalar(b, p.Key.Name()); err != nil {
				return nil, err
			}
			b = append(b, ':')
			if b, err = appendJSON(b, p.Value); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case load.Seq, load.Reference:
		b = append(b, '[')
		for i, it := range n.Items {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSON(b, it); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case load.Null:
		return append(b, "null"...), nil
	case load.Bool:
		return appendScalar(b, n.Bool)
	case load.Int:
		return appendScalar(b, n.Int)
	case load.Float:
		if math.IsInf(n.Float, 0) || math.IsNaN(n.Float) {
			return appendScalar(b, floatText(n.Float))
		}
		// Go's shortest form, as cilint has always printed floats
		// (encoding/json would write 1e+08 as 100000000).
		return strconv.AppendFloat(b, n.Float, 'g', -1, 64), nil
	}
	return appendScalar(b, n.Text)
}

// appendScalar appends v as encoding/json writes it (strings escaped,
// HTML characters included).
func appendScalar(b []byte, v any) ([]byte, error) {
	enc, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, enc...), nil
}
