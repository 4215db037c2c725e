package lsp

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	protocol "github.com/tliron/glsp/protocol_3_16"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/internal/lazyre"
)

// LSP positions count UTF-16 code units from 0; cilint's count
// characters (runes) from 1. These functions convert between them on the
// line's text.

// lineOf returns line n (0-based) of text, without its newline.
func lineOf(text string, n int) string {
	for i := 0; i < n; i++ {
		j := strings.IndexByte(text, '\n')
		if j < 0 {
			return ""
		}
		text = text[j+1:]
	}
	if j := strings.IndexByte(text, '\n'); j >= 0 {
		text = text[:j]
	}
	return strings.TrimSuffix(text, "\r")
}

// utf16Len counts the UTF-16 units of s.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += len(utf16.Encode([]rune{r}))
	}
	return n
}

// runeCol converts a 1-based character column on line into an LSP
// character.
func runeCol(line string, col int) int {
	if col <= 1 {
		return 0
	}
	i, n := 0, 0
	for i < len(line) && n < col-1 {
		_, w := utf8.DecodeRuneInString(line[i:])
		i += w
		n++
	}
	return utf16Len(line[:i]) + (col - 1 - n) // past the end: as many as asked
}

// byteCol converts an LSP character on line into a byte offset in it.
func byteCol(line string, ch int) int {
	n := 0
	for i, r := range line {
		if n >= ch {
			return i
		}
		n += len(utf16.Encode([]rune{r}))
	}
	return len(line)
}

// offsetOf is the byte offset of an LSP position in text.
func offsetOf(text string, p protocol.Position) int {
	off := 0
	for i := 0; i < int(p.Line); i++ {
		j := strings.IndexByte(text[off:], '\n')
		if j < 0 {
			return len(text)
		}
		off += j + 1
	}
	line := text[off:]
	if j := strings.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	return off + byteCol(line, int(p.Character))
}

// findingRange is a finding's range: its caret span, else the word at
// its position; the whole first line for a finding about the file.
func findingRange(f finding.Finding, src []byte) protocol.Range {
	if f.Pos.Line <= 0 {
		return protocol.Range{}
	}
	line := lineOf(string(src), f.Pos.Line-1)
	start := runeCol(line, f.Pos.Col)
	end := start
	if f.EndCol > f.Pos.Col {
		end = runeCol(line, f.EndCol)
	} else {
		b := byteCol(line, start)
		rest := line[b:]
		w := strings.IndexAny(rest, " \t,]}")
		if w < 0 {
			w = len(rest)
		}
		if w == 0 && len(rest) > 0 {
			w = 1
		}
		end = start + utf16Len(rest[:w])
	}
	ln := protocol.UInteger(f.Pos.Line - 1)
	return protocol.Range{Start: protocol.Position{Line: ln, Character: protocol.UInteger(start)}, End: protocol.Position{Line: ln, Character: protocol.UInteger(end)}}
}

// cursor is what the text says around a position, read from the lines
// and their indentation rather than from a parse: while the user types,
// the file is often not valid YAML.
type cursor struct {
	// Path are the mapping keys enclosing the position, outermost first;
	// for a position in a key's value (on the key's line or below it),
	// the key is the last element.
	Path []string
	// Key is true when the position is where a mapping key is written.
	Key bool
	// Word is the word under the position, Prefix the part of it before
	// the position; Start and End its LSP characters on the line.
	Word, Prefix string
	Start, End   int
	// Line is the line's text, Row its number.
	Line string
	Row  int
	// Reference is true inside a !reference [..] list.
	Reference bool
}

var keyLine = lazyre.New(`^(\s*)((?:-\s+)*)([^\s#:'"\[\]{},][^:#]*?|"[^"]*"|'[^']*'):(\s|$)`)

// keyAt is the mapping key written on line, with the column its key
// starts at (bytes; indentation and "- " included), if any.
func keyAt(line string) (key string, col int, ok bool) {
	m := keyLine().FindStringSubmatchIndex(line)
	if m == nil {
		return "", 0, false
	}
	key = strings.Trim(line[m[6]:m[7]], `"'`)
	return key, m[6], true
}

// indentOf is the column where line's content starts ("- " counted as
// indentation, as YAML nests a sequence item's mapping there), and
// whether the line has content at all.
func indentOf(line string) (int, bool) {
	t := strings.TrimLeft(line, " ")
	if t == "" || strings.HasPrefix(t, "#") {
		return 0, false
	}
	i := len(line) - len(t)
	for strings.HasPrefix(t, "- ") || t == "-" {
		t2 := strings.TrimLeft(t[1:], " ")
		i += len(t) - len(t2)
		t = t2
	}
	return i, true
}

// dashOf is the column of a line's first "- " (a sequence item), or -1.
func dashOf(line string) int {
	t := strings.TrimLeft(line, " ")
	if strings.HasPrefix(t, "- ") || t == "-" {
		return len(line) - len(t)
	}
	return -1
}

const wordChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./$@~{}:"

// cursorAt reads the context of pos in text.
func cursorAt(text string, pos protocol.Position) cursor {
	row := int(pos.Line)
	line := lineOf(text, row)
	b := byteCol(line, int(pos.Character))
	c := cursor{Line: line, Row: row}
	// The word under the cursor; a trailing ':' (a key) is not part of it.
	s := b
	for s > 0 && strings.IndexByte(wordChars, line[s-1]) >= 0 {
		s--
	}
	e := b
	for e < len(line) && strings.IndexByte(wordChars, line[e]) >= 0 {
		e++
	}
	word := line[s:e]
	prefix := line[s:b]
	if strings.HasSuffix(word, ":") && !strings.Contains(word, "/") {
		word = strings.TrimRight(word, ":")
	}
	if i := strings.LastIndex(prefix, ": "); i >= 0 {
		prefix = prefix[i+2:]
	}
	c.Word, c.Prefix = word, prefix
	c.Start, c.End = utf16Len(line[:s]), utf16Len(line[:s])+utf16Len(word)

	key, kcol, hasKey := keyAt(line)
	ind, _ := indentOf(line)
	if !hasKey {
		ind = b
		if i, ok := indentOf(line); ok && i < b {
			ind = i
		}
	}
	c.Path = parents(text, row, ind, dashOf(line))
	switch {
	case hasKey && b > kcol+len(key):
		// In the key's value.
		c.Path = append(c.Path, key)
	case hasKey:
		c.Key = true
	default:
		t := strings.TrimSpace(line)
		c.Key = !strings.HasPrefix(t, "-") && !strings.ContainsAny(t, "[]")
	}
	before := line[:b]
	if i := strings.LastIndex(before, "!reference"); i >= 0 && !strings.Contains(before[i:], "]") {
		c.Reference = true
	}
	return c
}

// parents are the keys of the mappings enclosing a line whose content
// starts at column ind (dash: its "- " column, or -1), found upwards.
func parents(text string, row, ind, dash int) []string {
	var out []string
	limit := ind
	if dash >= 0 {
		limit = dash + 1 // the item's own key is at ind; parents are left of the dash
	}
	lines := strings.Split(text, "\n")
	for r := min(row, len(lines)) - 1; r >= 0 && limit > 0; r-- {
		l := strings.TrimSuffix(lines[r], "\r")
		i, ok := indentOf(l)
		if !ok {
			continue
		}
		key, _, hasKey := keyAt(l)
		d := dashOf(l)
		switch {
		case i < limit && hasKey:
			out = append(out, key)
			limit = i
			if d >= 0 {
				limit = d
			}
		case d >= 0 && d < limit:
			limit = d
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// sibling is the value of key in the sequence item or mapping that holds
// row's key (for example the component: next to inputs:), if written on
// one line.
func sibling(text string, row int, key string) string {
	lines := strings.Split(text, "\n")
	if row >= len(lines) {
		return ""
	}
	ind, _ := indentOf(lines[row])
	valueOf := func(l string) (string, bool) {
		k, c, ok := keyAt(l)
		if !ok || k != key || c != ind {
			return "", false
		}
		v := strings.TrimSpace(l[c+len(k)+1:])
		if i := strings.Index(v, " #"); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
		return strings.Trim(v, `"'`), true
	}
	for r := row; r >= 0; r-- {
		l := strings.TrimSuffix(lines[r], "\r")
		i, ok := indentOf(l)
		if !ok {
			continue
		}
		if v, ok := valueOf(l); ok {
			return v
		}
		if i < ind || (i == ind && dashOf(l) >= 0 && r != row) {
			break
		}
	}
	for r := row + 1; r < len(lines); r++ {
		l := strings.TrimSuffix(lines[r], "\r")
		i, ok := indentOf(l)
		if !ok {
			continue
		}
		if i < ind || dashOf(l) >= 0 && i == ind {
			break
		}
		if v, ok := valueOf(l); ok {
			return v
		}
	}
	return ""
}
