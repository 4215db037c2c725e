package checks

import (
	"bytes"
	"regexp"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
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

// Scripts lists every script entry of the pipeline once (defaults and
// anchors share nodes), in job order.
func Scripts(c *Context) []ScriptLine {
	var out []ScriptLine
	seen := map[*load.Node]bool{}
	var add func(job, key string, n *load.Node)
	add = func(job, key string, n *load.Node) {
		switch {
		case n == nil || seen[n]:
		case n.Kind == load.String:
			seen[n] = true
			out = append(out, ScriptLine{Job: job, Key: key, Node: n})
		case n.Kind == load.Seq:
			for _, it := range n.Items {
				add(job, key, it)
			}
		}
	}
	for _, j := range c.P.Jobs {
		for _, k := range scriptKeys() {
			add(j.Name, k, j.Node.Get(k))
		}
		if h := j.Node.Get("hooks"); h != nil && h.Kind == load.Map {
			add(j.Name, "hooks:pre_get_sources_script", h.Get("pre_get_sources_script"))
		}
	}
	return out
}

var interpolation = regexp.MustCompile(`\$\[\[.*?\]\]|\$\{\{.*?\}\}`)

func hasInterpolation(s string) bool { return strings.Contains(s, "$[[") || strings.Contains(s, "${{") }

// Shellable replaces GitLab interpolations ($[[ inputs.x ]], ${{ inputs.x }})
// with a word of the same length, so a shell parser sees plain text and
// columns still line up.
func Shellable(s string) string {
	return interpolation.ReplaceAllStringFunc(s, func(m string) string { return "X" + strings.Repeat("x", len(m)-1) })
}

func checkScripts(c *Context) {
	parser := syntax.NewParser(syntax.Variant(syntax.LangBash))
	for _, s := range Scripts(c) {
		src := Shellable(s.Node.Text)
		file, err := parser.Parse(strings.NewReader(src), "")
		if err == nil {
			if at, what := emptyBody(file); what != "" {
				c.Report(ScriptPos(s.Node, int(at.Line()), int(at.Col()), c.Sources[s.Node.Pos.File]), rules.ScriptSyntax,
					"job `%s`: this `%s` line is not valid shell: %s must be followed by a command (a comment is not one)", s.Job, s.Key, what)
			}
			continue
		}
		var line, col int
		msg := err.Error()
		if pe, ok := err.(syntax.ParseError); ok {
			line, col, msg = int(pe.Pos.Line()), int(pe.Pos.Col()), pe.Text
		} else if pe, ok := err.(*syntax.ParseError); ok {
			line, col, msg = int(pe.Pos.Line()), int(pe.Pos.Col()), pe.Text
		}
		c.Report(ScriptPos(s.Node, line, col, c.Sources[s.Node.Pos.File]), rules.ScriptSyntax,
			"job `%s`: this `%s` line is not valid shell: %s", s.Job, s.Key, msg)
	}
}

// emptyBody finds the first compound command with no command in its body,
// which the parser accepts (a comment can stand there) but bash refuses
// as a syntax error: `then` with only a comment, `else`, `do`, `{ }`, `( )`.
func emptyBody(f *syntax.File) (syntax.Pos, string) {
	var at syntax.Pos
	what := ""
	syntax.Walk(f, func(n syntax.Node) bool {
		if what != "" {
			return false
		}
		switch n := n.(type) {
		case *syntax.IfClause:
			switch {
			case len(n.Then) > 0:
			case len(n.Cond) > 0:
				at, what = n.ThenPos, "`then`"
			default: // an else branch
				at, what = n.Position, "`else`"
			}
		case *syntax.WhileClause:
			if len(n.Do) == 0 {
				at, what = n.DoPos, "`do`"
			}
		case *syntax.ForClause:
			if len(n.Do) == 0 {
				at, what = n.DoPos, "`do`"
			}
		case *syntax.Block:
			if len(n.Stmts) == 0 {
				at, what = n.Lbrace, "`{`"
			}
		case *syntax.Subshell:
			if len(n.Stmts) == 0 {
				at, what = n.Lparen, "`(`"
			}
		}
		return what == ""
	})
	return at, what
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
