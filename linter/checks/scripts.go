package checks

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/internal/lazyre"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/pipeline"
	"gitlab.com/trustci/cicd/linter/rules"
)

// scriptKeys are the job keywords whose lines the runner gives to a shell.
func scriptKeys() []string { return []string{"before_script", "script", "after_script"} }

// ScriptLine is one script entry: the text the shell runs and the node it
// was written as.
type ScriptLine struct {
	Job  string
	Key  string
	Node *load.Node
}

// ScriptGroup is one script as the runner writes it for a shell: a job's
// before_script and script items together (gitlab-runner's
// shells/abstract.go writeUserScript puts them into one script), its
// after_script, and each hook on its own.
type ScriptGroup struct {
	Job   *pipeline.Job
	Items []ScriptLine
	sig   string // signature, worked out once
}

// maxScriptNesting is how deeply GitLab lets script lists nest
// (Entry::Commands MAX_NESTING_LEVEL, lib/gitlab/ci/config/entry/commands.rb):
// the outer list counts as one level.
const maxScriptNesting = 10

// ScriptGroups lists every job's scripts, the items of nested lists
// flattened in order, as GitLab flattens them. They are worked out once
// per Context: script-syntax and ShellCheck both read them.
func ScriptGroups(c *Context) []ScriptGroup {
	if c.groups == nil {
		c.groups = scriptGroups(c)
	}
	return c.groups
}

func scriptGroups(c *Context) []ScriptGroup {
	out := []ScriptGroup{}
	for _, j := range c.P.Jobs {
		main := ScriptGroup{Job: j}
		for _, k := range []string{"before_script", "script"} {
			main.Items = append(main.Items, scriptItems(j.Name, k, j.Node.Get(k))...)
		}
		groups := []ScriptGroup{main, {Job: j, Items: scriptItems(j.Name, "after_script", j.Node.Get("after_script"))}}
		if h := j.Node.Get("hooks"); h != nil && h.Kind == load.Map {
			groups = append(groups, ScriptGroup{Job: j, Items: scriptItems(j.Name, "hooks:pre_get_sources_script", h.Get("pre_get_sources_script"))})
		}
		for _, g := range groups {
			if len(g.Items) > 0 {
				g.sig = g.signature()
				out = append(out, g)
			}
		}
	}
	return out
}

func scriptItems(job, key string, n *load.Node) []ScriptLine {
	var out []ScriptLine
	var add func(n *load.Node, depth int)
	add = func(n *load.Node, depth int) {
		switch {
		case n == nil:
		case n.Kind == load.String:
			out = append(out, ScriptLine{Job: job, Key: key, Node: n})
		case n.Kind == load.Seq && depth <= maxScriptNesting:
			for _, it := range n.Items {
				add(it, depth+1)
			}
		}
	}
	add(n, 0)
	return out
}

// signature identifies a group by the nodes it is made of: jobs that share
// their scripts (through default:, anchors or extends) are checked once.
func (g ScriptGroup) signature() string {
	if g.sig != "" {
		return g.sig
	}
	var b strings.Builder
	for _, it := range g.Items {
		fmt.Fprintf(&b, "%p,", it.Node)
	}
	return b.String()
}

// joined is the group's items from the from-th on as one script, the way
// the runner joins them: each item on lines of its own, with a command
// between items (the runner echoes each command before running it), so
// an `if`, a loop or a `case` opened in one item may close in a later one
// and a body is never empty for it. starts[i] is the line item from+i
// starts at.
func (g ScriptGroup) joined(from int) (string, []int) {
	var b strings.Builder
	var starts []int
	line := 1
	for _, it := range g.Items[from:] {
		b.WriteString(":\n")
		line++
		starts = append(starts, line)
		text := strings.TrimRight(Shellable(it.Node.Text), " \t\r\n")
		b.WriteString(text)
		b.WriteByte('\n')
		line += strings.Count(text, "\n") + 1
	}
	return b.String(), starts
}

// itemAt finds the item a line of a joined script is in, and the line
// inside that item.
func itemAt(starts []int, line int) (int, int) {
	i := sort.Search(len(starts), func(i int) bool { return starts[i] > line }) - 1
	if i < 0 {
		return 0, 1
	}
	return i, line - starts[i] + 1
}

var interpolation = lazyre.New(`\$\[\[.*?\]\]|\$\{\{.*?\}\}`)

func hasInterpolation(s string) bool { return strings.Contains(s, "$[[") || strings.Contains(s, "${{") }

// Shellable replaces GitLab interpolations ($[[ inputs.x ]], ${{ inputs.x }})
// with a word of the same length, so a shell parser sees plain text and
// columns still line up.
func Shellable(s string) string {
	if !hasInterpolation(s) {
		return s // the usual case, without running the expression
	}
	return interpolation().ReplaceAllStringFunc(s, func(m string) string { return "X" + strings.Repeat("x", len(m)-1) })
}

func checkScripts(c *Context) {
	parser := newScriptParser(c.Scripts)
	done := map[string]bool{}
	reported := map[finding.Pos]bool{}
	report := func(it ScriptLine, line, col int, msg string) {
		pos := ScriptPos(it.Node, line, col, c.Sources[it.Node.Pos.File])
		if reported[pos] {
			return // a default or anchored script shared by several jobs
		}
		reported[pos] = true
		c.Report(pos, rules.ScriptSyntax, "job `%s`: this `%s` line is not valid shell: %s", it.Job, it.Key, msg)
	}
	nested := map[*load.Node]bool{}
	for _, j := range c.P.Jobs {
		checkNesting(c, j, nested)
	}
	for _, g := range ScriptGroups(c) {
		if !c.shellOf(g.Job).POSIX || done[g.signature()] {
			continue
		}
		done[g.signature()] = true
		// Parse the joined script; after an error, go on from the item
		// after the one it is in, so every broken item is reported once.
		for from := 0; from < len(g.Items); {
			src, starts := g.joined(from)
			empties, err := parser.parse(src, true)
			if err == nil {
				for _, e := range empties {
					i, l := itemAt(starts, int(e.at.Line()))
					report(g.Items[from+i], l, int(e.at.Col()), e.what+" must be followed by a command (a comment is not one)")
				}
				break
			}
			line, col, msg := parseErrorAt(err)
			i, l := itemAt(starts, line)
			// A quote left open in an earlier item swallows the items
			// after it, and the shell stumbles somewhere further on: say
			// where the quote opens instead. (An if, loop or case that
			// spans items is fine; a quote that does is not worth the
			// confusion it causes.)
			for k := 0; k < i; k++ {
				one, _ := ScriptGroup{Items: g.Items[from+k : from+k+1]}.joined(0)
				if _, e := parser.parse(one, false); e != nil && syntax.IsIncomplete(e) && strings.Contains(e.Error(), "quote") {
					ql, qc, qm := parseErrorAt(e)
					line, col, msg, i, l = ql, qc, qm, k, ql-1
					break
				}
			}
			if k := sort.SearchInts(starts, line+1); k < len(starts) && starts[k] == line+1 {
				// The error is at the command between two items: what the
				// previous item opened cannot go on in the next one (the
				// patterns of a case, a quote, a line continuation).
				i, l, col = k, 1, 1
				msg += " (the runner runs a command between two script items, so the previous item cannot go on in this one)"
			}
			report(g.Items[from+i], l, col, msg)
			from += i + 1
		}
	}
}

// parseErrorAt is where a parse error is in the joined script, and what
// it says.
func parseErrorAt(err error) (line, col int, msg string) {
	var pe syntax.ParseError
	var ppe *syntax.ParseError
	switch {
	case errors.As(err, &pe):
		return int(pe.Pos.Line()), int(pe.Pos.Col()), pe.Text
	case errors.As(err, &ppe):
		return int(ppe.Pos.Line()), int(ppe.Pos.Col()), ppe.Text
	}
	return 0, 0, err.Error()
}

// checkNesting reports script lists nested deeper than GitLab accepts
// (Entry::Commands validates string_or_nested_array_of_strings with
// max_level 10; deeper lists are refused, not flattened).
func checkNesting(c *Context, j *pipeline.Job, seen map[*load.Node]bool) {
	for _, k := range scriptKeys() {
		if n := j.Node.Get(k); n != nil {
			if deep := tooDeep(n, 1); deep != nil && !seen[deep] {
				seen[deep] = true
				c.Report(deep.Pos, rules.Schema, "job `%s`: `%s` nests lists more than %d levels deep; GitLab flattens at most %d", j.Name, k, maxScriptNesting, maxScriptNesting)
			}
		}
	}
}

// tooDeep is the first list at a nesting level over maxScriptNesting (the
// outer list is level 1).
func tooDeep(n *load.Node, level int) *load.Node {
	if n == nil || n.Kind != load.Seq {
		return nil
	}
	if level > maxScriptNesting {
		return n
	}
	for _, it := range n.Items {
		if d := tooDeep(it, level+1); d != nil {
			return d
		}
	}
	return nil
}

type emptyBody struct {
	at   syntax.Pos
	what string
}

// emptyBodies finds the compound commands with no command in their body,
// which the parser accepts (a comment can stand there) but bash refuses
// as a syntax error: `then` with only a comment, `else`, `do`, `{ }`, `( )`.
func emptyBodies(f *syntax.File) []emptyBody {
	var out []emptyBody
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.IfClause:
			switch {
			case len(n.Then) > 0:
			case len(n.Cond) > 0:
				out = append(out, emptyBody{n.ThenPos, "`then`"})
			default: // an else branch
				out = append(out, emptyBody{n.Position, "`else`"})
			}
		case *syntax.WhileClause:
			if len(n.Do) == 0 {
				out = append(out, emptyBody{n.DoPos, "`do`"})
			}
		case *syntax.ForClause:
			if len(n.Do) == 0 {
				out = append(out, emptyBody{n.DoPos, "`do`"})
			}
		case *syntax.Block:
			if len(n.Stmts) == 0 {
				out = append(out, emptyBody{n.Lbrace, "`{`"})
			}
		case *syntax.Subshell:
			if len(n.Stmts) == 0 {
				out = append(out, emptyBody{n.Lparen, "`(`"})
			}
		}
		return true
	})
	return out
}

// ScriptPos maps a 1-based line and column inside a script entry to the
// position in the YAML file: block scalars (| and >) start on the line
// after their indicator, at the block's indentation; quoted scalars one
// column after the quote.
func ScriptPos(n *load.Node, line, col int, src []byte) finding.Pos {
	pos := n.Pos
	if line < 1 {
		line = 1
	}
	if col < 1 {
		col = 1
	}
	text := sourceLine(src, pos.Line)
	runes := []rune(text)
	at := pos.Col - 1
	if at >= 0 && at < len(runes) && (runes[at] == '|' || runes[at] == '>') {
		pos.Line += line
		body := sourceLine(src, pos.Line)
		indent := len(body) - len(strings.TrimLeft(body, " "))
		pos.Col = indent + col
		return pos
	}
	if at >= 0 && at < len(runes) && (runes[at] == '"' || runes[at] == '\'') {
		pos.Col++
	}
	if line > 1 {
		pos.Line += line - 1
		pos.Col = col
		return pos
	}
	pos.Col += col - 1
	return pos
}

func sourceLine(src []byte, line int) string {
	for i := 1; i < line; i++ {
		j := bytes.IndexByte(src, '\n')
		if j < 0 {
			return ""
		}
		src = src[j+1:]
	}
	if j := bytes.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	return string(src)
}
