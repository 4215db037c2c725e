// Package render prints a configuration tree: as YAML, in the order GitLab
// keeps (what its pipeline editor calls the full configuration), or as
// JSON for tools. Both are stable: the same input gives the same bytes.
package render

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"strconv"

	"gopkg.in/yaml.v3"

	"gitlab.com/trustci/cicd/linter/load"
)

// YAML writes n as YAML with two-space indentation.
func YAML(w io.Writer, n *load.Node) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(toYAML(n)); err != nil {
		return err
	}
	return enc.Close()
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

// JSON writes n as indented JSON, keeping mapping order.
func JSON(w io.Writer, n *load.Node) error {
	var b bytes.Buffer
	writeJSON(&b, n, "")
	b.WriteByte('\n')
	_, err := w.Write(b.Bytes())
	return err
}

func writeJSON(b *bytes.Buffer, n *load.Node, indent string) {
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

func writeString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s)
	b.Write(enc)
}
