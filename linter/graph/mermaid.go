package graph

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Mermaid writes g as a Mermaid flowchart, the dialect GitLab renders in
// Markdown (```mermaid blocks). Stages are subgraphs laid out left to
// right; node and subgraph IDs are generated, and job names appear only
// inside quoted labels with every character Mermaid gives a meaning there
// written as an entity code (mermaidText).
func Mermaid(w io.Writer, g *Graph) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "%%%% %s\n", oneLine(heading(g)))
	b.WriteString("flowchart LR\n")
	var edges []*Edge
	mermaidBody(b, g, "  ", &edges)
	for i, e := range edges {
		switch e.Change {
		case Added:
			fmt.Fprintf(b, "  linkStyle %d stroke:#16a34a,stroke-width:2px\n", i)
		case Removed:
			fmt.Fprintf(b, "  linkStyle %d stroke:#dc2626,stroke-dasharray:4 3\n", i)
		}
	}
	// Only the classes used are defined: GitLab's Markdown renderer
	// draws long diagrams only after a click (a character limit in its
	// render_sandboxed_mermaid), so every line counts.
	used := map[string]bool{}
	var classed func(g *Graph)
	classed = func(g *Graph) {
		for _, n := range g.Nodes() {
			for _, c := range classes(n) {
				used[c] = true
			}
			if n.Child != nil {
				classed(n.Child)
			}
		}
	}
	classed(g)
	for _, c := range mermaidClasses() {
		if used[c[0]] {
			fmt.Fprintf(b, "  classDef %s %s\n", c[0], c[1])
		}
	}
	var assign func(g *Graph)
	assign = func(g *Graph) {
		for _, n := range g.Nodes() {
			for _, c := range classes(n) {
				fmt.Fprintf(b, "  class %s %s\n", n.ID, c)
			}
			if n.Child != nil {
				assign(n.Child)
			}
		}
	}
	assign(g)
	return b.Flush()
}

// mermaidClasses are the node styles, by class name (see classes).
func mermaidClasses() [][2]string {
	return [][2]string{
		{"added", "fill:#dcfce7,stroke:#16a34a"},
		{"removed", "fill:#fee2e2,stroke:#dc2626,stroke-dasharray:4 3"},
		{"changed", "fill:#fef9c3,stroke:#ca8a04"},
		{"maybe", "stroke-dasharray:5 5"},
		{"manual", "fill:#eef2ff,stroke:#4f46e5"},
		{"delayed", "fill:#f5f3ff,stroke:#7c3aed"},
		{"allowfail", "stroke:#d97706,stroke-width:2px"},
	}
}

// mermaidBody writes g's stages, its children and its edges; edges
// collects every edge in the order written, for linkStyle's indexes.
func mermaidBody(b *bufio.Writer, g *Graph, indent string, edges *[]*Edge) {
	if len(g.Stages) == 0 {
		text := "no jobs"
		if !g.Created {
			text = "no pipeline"
		}
		fmt.Fprintf(b, "%s%sempty[\"%s\"]\n", indent, g.prefix, text)
	}
	for _, s := range g.Stages {
		fmt.Fprintf(b, "%ssubgraph %s[\"%s\"]\n", indent, s.ID, mermaidText(s.Name))
		fmt.Fprintf(b, "%s  direction TB\n", indent)
		for _, n := range s.Nodes {
			fmt.Fprintf(b, "%s  %s[\"%s\"]\n", indent, n.ID, mermaidLines(lines(n)))
		}
		fmt.Fprintf(b, "%send\n", indent)
	}
	for _, n := range g.Nodes() {
		if n.Child == nil {
			continue
		}
		sub := strings.TrimSuffix(n.Child.prefix, "_")
		fmt.Fprintf(b, "%ssubgraph %s[\"%s\"]\n", indent, sub, mermaidText(n.Child.Title))
		fmt.Fprintf(b, "%s  direction LR\n", indent)
		mermaidBody(b, n.Child, indent+"  ", edges)
		fmt.Fprintf(b, "%send\n", indent)
		fmt.Fprintf(b, "%s%s ==> %s\n", indent, n.ID, sub)
		*edges = append(*edges, &Edge{From: n, Kind: Child})
	}
	for _, e := range g.Edges {
		arrow := "-->"
		if e.Kind != Needs || e.Optional || e.Change == Removed {
			arrow = "-.->"
		}
		if l := edgeLabel(e); l != "" {
			arrow += "|" + mermaidText(l) + "|"
		}
		from := ""
		if e.FromStage != nil {
			from = e.FromStage.ID
		} else {
			from = e.From.ID
		}
		fmt.Fprintf(b, "%s%s %s %s\n", indent, from, arrow, e.To.ID)
		*edges = append(*edges, e)
	}
}

func mermaidLines(ls []string) string {
	for i, l := range ls {
		ls[i] = mermaidText(l)
	}
	return strings.Join(ls, "<br/>")
}

// mermaidText makes s safe inside a quoted Mermaid label: quotes, the
// characters of HTML and of Mermaid's own entity codes (#name;), the
// statement separator, the colon (Mermaid's style-line heuristics look
// for one) and backticks (a Markdown string) become entity codes, which
// Mermaid turns back into the characters when it draws. Line breaks and
// other control characters become spaces.
func mermaidText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString("#quot;")
		case r == '#' || r == ';' || r == ':' || r == '`' || r == '&' || r == '<' || r == '>' || r == '|' || r == '\\':
			fmt.Fprintf(&b, "#%d;", r)
		case r < ' ' || r == 0x7f:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// oneLine keeps s on one line (for a %% comment).
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
