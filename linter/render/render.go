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

// JSON writes n as indented JSON, keeping mapping order, as it goes
// (through a buffer, not a copy of the whole output).
func JSON(w io.Writer, n *load.Node) error {
	b := bufio.NewWriterSize(w, 64<<10)
	writeJSON(b, n, "")
	b.WriteByte('\n')
	if err := b.Flush(); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	return nil
}

func writeJSON(b *bufio.Writer, n *load.Node, indent string) {
	if n == nil {
		b.WriteString("null")
		return
	}
	inner := indent + "  "
	switch n.Kind {
	case load.Map:
		if len(n.Pairs) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{\n")
		for i, p := range n.Pairs {
			b.WriteString(inner)
			writeString(b, p.Key.Name())
			b.WriteString(": ")
			writeJSON(b, p.Value, inner)
			if i < len(n.Pairs)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "}")
	case load.Seq, load.Reference:
		if len(n.Items) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for i, it := range n.Items {
			b.WriteString(inner)
			writeJSON(b, it, inner)
			if i < len(n.Items)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "]")
	case load.Null:
		b.WriteString("null")
	case load.Bool:
		b.WriteString(strconv.FormatBool(n.Bool))
	case load.Int:
		b.WriteString(strconv.FormatInt(n.Int, 10))
	case load.Float:
		if math.IsInf(n.Float, 0) || math.IsNaN(n.Float) {
			writeString(b, floatText(n.Float))
		} else {
			b.WriteString(strconv.FormatFloat(n.Float, 'g', -1, 64))
		}
	default:
		writeString(b, n.Text)
	}
}

func writeString(b *bufio.Writer, s string) {
	enc, _ := json.Marshal(s)
	b.Write(enc)
}
