package graph

import (
	"fmt"
	"strings"
)

// lines are what a node's box says, one entry a line, in plain text: the
// writers escape them for their format.
func lines(n *Node) []string {
	name := oneLine(n.Name)
	if n.Instances > 1 {
		name = fmt.Sprintf("%s ×%d", name, n.Instances)
	}
	out := []string{name}
	var marks []string
	if n.Change != Same {
		marks = append(marks, n.Change.String())
	}
	if n.Maybe {
		marks = append(marks, "maybe")
	}
	switch n.When {
	case "manual":
		marks = append(marks, "manual")
	case "delayed":
		if n.StartIn != "" {
			marks = append(marks, "delayed "+n.StartIn)
		} else {
			marks = append(marks, "delayed")
		}
	case "always", "on_failure":
		marks = append(marks, "when "+n.When)
	}
	if n.AllowFailure {
		marks = append(marks, "allowed to fail")
	}
	if n.Trigger {
		marks = append(marks, "trigger")
	}
	if len(marks) > 0 {
		out = append(out, strings.Join(marks, ", "))
	}
	if n.Environment != "" {
		if n.Action != "" {
			out = append(out, n.Action+" "+oneLine(n.Environment))
		} else {
			out = append(out, "env "+oneLine(n.Environment))
		}
	}
	// Words only, no colons: the label stays readable in the Mermaid
	// source too, where a colon is written as an entity code.
	if len(n.Events) > 0 {
		out = append(out, "runs in "+strings.Join(n.Events, ", "))
	}
	if len(n.MaybeEvents) > 0 {
		out = append(out, "maybe in "+strings.Join(n.MaybeEvents, ", "))
	}
	return out
}

// classes are the style classes of a node, for the writers' colours.
func classes(n *Node) []string {
	var out []string
	if n.Change != Same {
		out = append(out, n.Change.String())
	}
	if n.Maybe {
		out = append(out, "maybe")
	}
	if n.When == "manual" || n.When == "delayed" {
		out = append(out, n.When)
	}
	if n.AllowFailure {
		out = append(out, "allowfail")
	}
	return out
}

// edgeLabel is an edge's words, "" for a plain need or stage order.
func edgeLabel(e *Edge) string {
	var words []string
	if e.Change != Same {
		words = append(words, e.Change.String())
	}
	if e.Optional {
		words = append(words, "optional")
	}
	if e.Kind == OnStop {
		words = append(words, "on_stop")
	}
	return strings.Join(words, ", ")
}

// heading is the line above a drawing.
func heading(g *Graph) string {
	switch {
	case g.Event == "":
		return g.Title + ": every job, with the pipelines it runs in"
	case !g.Created:
		return g.Title + ": no " + g.Event + " pipeline is created (workflow:rules)"
	}
	return g.Title + ": the " + g.Event + " pipeline"
}
