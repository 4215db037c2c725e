package graph

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// DOT writes g in Graphviz's DOT language: stages are clusters, laid out
// left to right; node IDs are generated and every name is a quoted,
// escaped string (dotString).
func DOT(w io.Writer, g *Graph) error {
	b := bufio.NewWriter(w)
	b.WriteString("digraph pipeline {\n")
	fmt.Fprintf(b, "  graph [rankdir=LR, compound=true, fontname=\"Helvetica\", labelloc=t, label=%s];\n", dotString(heading(g)))
	b.WriteString("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\", fontsize=11];\n")
	b.WriteString("  edge [color=\"#4b5563\", fontname=\"Helvetica\", fontsize=9];\n")
	dotBody(b, g, "  ")
	b.WriteString("}\n")
	return b.Flush()
}

func dotBody(b *bufio.Writer, g *Graph, indent string) {
	if len(g.Stages) == 0 {
		text := "no jobs"
		if !g.Created {
			text = "no pipeline"
		}
		fmt.Fprintf(b, "%s%sempty [label=%s, shape=plaintext, style=\"\"];\n", indent, g.prefix, dotString(text))
	}
	for _, s := range g.Stages {
		fmt.Fprintf(b, "%ssubgraph cluster_%s {\n", indent, s.ID)
		fmt.Fprintf(b, "%s  label=%s; style=\"rounded\"; color=\"#9ca3af\";\n", indent, dotString(s.Name))
		for _, n := range s.Nodes {
			fmt.Fprintf(b, "%s  %s [label=%s%s];\n", indent, n.ID, dotString(strings.Join(lines(n), "\n")), dotNodeStyle(n))
		}
		fmt.Fprintf(b, "%s}\n", indent)
	}
	for _, n := range g.Nodes() {
		if n.Child == nil {
			continue
		}
		cluster := "cluster_" + strings.TrimSuffix(n.Child.prefix, "_")
		fmt.Fprintf(b, "%ssubgraph %s {\n", indent, cluster)
		fmt.Fprintf(b, "%s  label=%s; style=\"dashed\"; color=\"#6b7280\";\n", indent, dotString(n.Child.Title))
		dotBody(b, n.Child, indent+"  ")
		fmt.Fprintf(b, "%s}\n", indent)
		first := n.Child.prefix + "empty"
		if ns := n.Child.Nodes(); len(ns) > 0 {
			first = ns[0].ID
		}
		fmt.Fprintf(b, "%s%s -> %s [lhead=%s, style=bold];\n", indent, n.ID, first, cluster)
	}
	for _, e := range g.Edges {
		var attrs []string
		switch e.Kind {
		case StageOrder:
			attrs = append(attrs, "style=dotted")
		case OnStop:
			attrs = append(attrs, "style=dashed", "constraint=false")
		}
		if e.Optional {
			attrs = append(attrs, "style=dashed")
		}
		switch e.Change {
		case Added:
			attrs = append(attrs, `color="#16a34a"`, "penwidth=2")
		case Removed:
			attrs = append(attrs, `color="#dc2626"`, "style=dashed")
		}
		if l := edgeLabel(e); l != "" {
			attrs = append(attrs, "label="+dotString(l))
		}
		from := ""
		if e.FromStage != nil {
			// An edge from a cluster: drawn from its first job, clipped
			// at the cluster's border.
			from = e.FromStage.Nodes[0].ID
			attrs = append(attrs, "ltail=cluster_"+e.FromStage.ID)
		} else {
			from = e.From.ID
		}
		fmt.Fprintf(b, "%s%s -> %s", indent, from, e.To.ID)
		if len(attrs) > 0 {
			fmt.Fprintf(b, " [%s]", strings.Join(attrs, ", "))
		}
		b.WriteString(";\n")
	}
}

// dotNodeStyle is a node's attributes beyond its label: its marks as
// colours and line styles (the label says them in words too).
func dotNodeStyle(n *Node) string {
	style := []string{"rounded", "filled"}
	var attrs []string
	if n.Trigger {
		attrs = append(attrs, "shape=box3d")
	}
	for _, c := range classes(n) {
		switch c {
		case "added":
			attrs = append(attrs, `fillcolor="#dcfce7"`, `color="#16a34a"`)
		case "removed":
			attrs = append(attrs, `fillcolor="#fee2e2"`, `color="#dc2626"`, `fontcolor="#7f1d1d"`)
			style = append(style, "dashed")
		case "changed":
			attrs = append(attrs, `fillcolor="#fef9c3"`, `color="#ca8a04"`)
		case "maybe":
			style = append(style, "dashed")
		case "manual":
			attrs = append(attrs, `fillcolor="#eef2ff"`)
		case "delayed":
			attrs = append(attrs, `fillcolor="#f5f3ff"`)
		case "allowfail":
			attrs = append(attrs, `color="#d97706"`, "penwidth=2")
		}
	}
	if len(style) > 2 {
		attrs = append(attrs, dedupeStyle(style))
	}
	if len(attrs) == 0 {
		return ""
	}
	return ", " + strings.Join(attrs, ", ")
}

func dedupeStyle(style []string) string {
	seen := map[string]bool{}
	var out []string
	for _, s := range style {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return `style="` + strings.Join(out, ",") + `"`
}

// dotString quotes s as a DOT string whose label shows s as written: a
// backslash is doubled (Graphviz reads \n, \l, \N and friends in labels),
// a quote escaped, a line break written as \n (centred), other control
// characters dropped to spaces.
func dotString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '"':
			b.WriteString(`\"`)
		case r == '\n':
			b.WriteString(`\n`)
		case r < ' ' || r == 0x7f:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
