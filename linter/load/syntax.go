package load

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"

	"gitlab.com/trustci/cicd/linter/internal/lazyre"
)

var yamlErrLine = lazyre.New(`^yaml: line (\d+): `)

// syntaxPos turns a yaml.v3 error into a line, a column and a message.
// yaml.v3 reports only a line (and none for line 1), so the column is found
// from what the message says went wrong on that line: the second `: ` for
// "mapping values are not allowed", the tab for "cannot start any token",
// the alias for an unknown anchor, else the first non-blank character.
func syntaxPos(msg string, src []byte) (int, int, string) {
	line := 1
	if m := yamlErrLine().FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	lines := bytes.Split(src, []byte{'\n'})
	if line > len(lines) {
		line = len(lines)
	}
	if line < 1 {
		line = 1
	}
	text := ""
	if len(lines) > 0 {
		text = strings.TrimRight(string(lines[line-1]), "\r")
	}
	col := firstNonBlank(text)
	switch {
	case strings.Contains(msg, "mapping values are not allowed"):
		if i := secondMappingColon(text); i >= 0 {
			col = runeCol(text, i)
		}
	case strings.Contains(msg, "cannot start any token"):
		if i := strings.IndexAny(text, "\t@`"); i >= 0 {
			col = runeCol(text, i)
			if text[i] == '\t' {
				msg += " (a tab; YAML indentation must use spaces)"
			}
		}
	case strings.Contains(msg, "did not find expected ',' or ']'"), strings.Contains(msg, "did not find expected ',' or '}'"):
		open := byte('[')
		if strings.HasSuffix(msg, "'}'") {
			open = '{'
		}
		if l, c, ok := unclosedBracket(lines, line, open); ok {
			line, col = l, c
			msg = "this " + string(open) + " is never closed (" + msg + ")"
		}
	case strings.Contains(msg, "did not find expected key"):
		if l, ok := badDedent(lines, line); ok {
			line, text = l, strings.TrimRight(string(lines[l-1]), "\r")
			col = firstNonBlank(text)
			msg = "this line is indented less than the line before it, but not as far back as any enclosing level (" + msg + ")"
		}
	case strings.Contains(msg, "found unexpected end of stream"):
		if i := unclosedQuote(text); i >= 0 {
			col = runeCol(text, i)
			msg = "this quoted string is never closed (" + msg + ")"
		}
	case strings.HasPrefix(msg, "unknown anchor"):
		name := strings.TrimSuffix(strings.TrimPrefix(msg, "unknown anchor '"), "' referenced")
		for i, l := range lines {
			if j := strings.Index(string(l), "*"+name); j >= 0 {
				line, text, col = i+1, string(l), runeCol(string(l), j)
				break
			}
		}
		msg = "alias *" + name + " refers to an anchor &" + name + " that is not defined before it"
	}
	_ = text
	return line, col, msg
}

func firstNonBlank(s string) int {
	for i, r := range s {
		if r != ' ' && r != '\t' {
			return runeCol(s, i)
		}
	}
	return 1
}

func runeCol(s string, byteIndex int) int { return 1 + utf8.RuneCountInString(s[:byteIndex]) }

// secondMappingColon returns the byte index of the `:` that starts a second
// mapping value on one line (as in `script: echo: hi`), skipping quoted text.
func secondMappingColon(s string) int {
	seen, at := 0, -1
	eachPlain(s, func(i int) bool {
		if s[i] == ':' && (i+1 == len(s) || s[i+1] == ' ' || s[i+1] == '\t') {
			seen++
			if seen == 2 {
				at = i
				return false
			}
		}
		return true
	})
	return at
}

// eachPlain calls fn with the index of each byte of the line s that is
// outside quoted text and comments, in order, until fn returns false.
func eachPlain(s string, fn func(i int) bool) {
	var quote byte
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			}
		case (ch == '"' || ch == '\'') && tokenStart(s, i):
			quote = ch
		case ch == '#' && (i == 0 || s[i-1] == ' '):
			return
		default:
			if !fn(i) {
				return
			}
		}
	}
}

// tokenStart says whether a quote or bracket at s[i] starts a token: at the
// line's start or after a space or flow punctuation, not inside a plain
// scalar such as it's.
func tokenStart(s string, i int) bool {
	return i == 0 || strings.IndexByte(" \t[{,:-", s[i-1]) >= 0
}

// unclosedBracket finds the flow collection yaml.v3 gave up on: scanning
// from line (1-based), outside quotes and comments, the innermost open
// bracket when a closer does not match it or the text ends. It returns its
// line and column when that bracket is an open.
func unclosedBracket(lines [][]byte, line int, open byte) (int, int, bool) {
	type at struct {
		ch        byte
		line, col int
	}
	var stack []at
	top := func() (int, int, bool) {
		if len(stack) == 0 || stack[len(stack)-1].ch != open {
			return 0, 0, false
		}
		t := stack[len(stack)-1]
		return t.line, t.col, true
	}
	mismatch := false
	for n := line - 1; n < len(lines) && !mismatch; n++ {
		s := string(lines[n])
		eachPlain(s, func(i int) bool {
			switch ch := s[i]; ch {
			case '[', '{':
				stack = append(stack, at{ch, n + 1, runeCol(s, i)})
			case ']', '}':
				want := byte('[')
				if ch == '}' {
					want = '{'
				}
				if len(stack) == 0 || stack[len(stack)-1].ch != want {
					mismatch = true
					return false
				}
				stack = stack[:len(stack)-1]
			}
			return true
		})
	}
	return top()
}

// unclosedQuote returns the byte index of a quote on the line that starts
// a quoted scalar and is not closed on it, or -1.
func unclosedQuote(s string) int {
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch == '#' && (i == 0 || s[i-1] == ' ') {
			return -1
		}
		if (ch != '"' && ch != '\'') || !tokenStart(s, i) {
			continue
		}
		j := i + 1
		for ; j < len(s); j++ {
			if ch == '"' && s[j] == '\\' {
				j++
				continue
			}
			if s[j] == ch {
				if ch == '\'' && j+1 < len(s) && s[j+1] == '\'' {
					j++ // '' is a quote inside single quotes
					continue
				}
				break
			}
		}
		if j >= len(s) {
			return i
		}
		i = j
	}
	return -1
}

// indentOf returns a line's indentation, and false for blank and comment
// lines, which YAML's indentation rules ignore.
func indentOf(l []byte) (int, bool) {
	t := bytes.TrimLeft(l, " ")
	t = bytes.TrimRight(t, "\r")
	if len(t) == 0 || t[0] == '#' {
		return 0, false
	}
	return len(l) - len(bytes.TrimLeft(l, " ")), true
}

// badDedent finds, from line (1-based) on, the first line that goes back
// to an indentation no enclosing line has: yaml.v3 reports such an error
// at the line where the mapping started, not where the indentation broke.
func badDedent(lines [][]byte, line int) (int, bool) {
	if line < 1 || line > len(lines) {
		return 0, false
	}
	// The enclosing levels: the reported line's and, going back, each
	// line less indented than the last one taken.
	var levels []int
	if n, ok := indentOf(lines[line-1]); ok {
		levels = append(levels, n)
	}
	for i := line - 2; i >= 0; i-- {
		if n, ok := indentOf(lines[i]); ok && (len(levels) == 0 || n < levels[0]) {
			levels = append([]int{n}, levels...)
		}
	}
	for i := line; i < len(lines); i++ {
		n, ok := indentOf(lines[i])
		if !ok {
			continue
		}
		for len(levels) > 0 && levels[len(levels)-1] > n {
			levels = levels[:len(levels)-1]
		}
		if len(levels) == 0 || levels[len(levels)-1] < n {
			if len(levels) > 0 && prevIndent(lines, i) > n {
				return i + 1, true
			}
			levels = append(levels, n)
		}
	}
	return 0, false
}

// prevIndent is the indentation of the last non-blank line before i.
func prevIndent(lines [][]byte, i int) int {
	for j := i - 1; j >= 0; j-- {
		if n, ok := indentOf(lines[j]); ok {
			return n
		}
	}
	return 0
}
