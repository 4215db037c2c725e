// Package report prints findings: as text for people (with the source line
// and a caret under the problem) or as JSON for tools.
package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"gitlab.com/trustci/cicd/linter/finding"
)

// Sources gives the text of each file by path, for the snippets.
type Sources map[string][]byte

// TextOptions tune the text format.
type TextOptions struct {
	Color   bool // ANSI colours; only when writing to a terminal
	OneLine bool // no source snippet
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiGray   = "\x1b[90m"
	ansiGreen  = "\x1b[32m"
)

// Text writes `file:line:col: severity: message [rule]`, then the source
// line and a caret, for each finding.
func Text(w io.Writer, fs []finding.Finding, src Sources, opt TextOptions) error {
	paint := func(code, s string) string {
		if !opt.Color {
			return s
		}
		return code + s + ansiReset
	}
	var b bytes.Buffer
	for _, f := range fs {
		sevColor := map[finding.Severity]string{finding.Error: ansiRed, finding.Warning: ansiYellow, finding.Info: ansiCyan}[f.Severity]
		via := ""
		for _, v := range f.Pos.Chain() {
			via += " (included from " + clean(Location(v)) + ")"
		}
		fmt.Fprintf(&b, "%s: %s: %s%s %s\n",
			paint(ansiBold, clean(Location(f.Pos))), paint(sevColor, f.Severity.String()), clean(f.Message), via, paint(ansiGray, "["+f.Rule+"]"))
		if opt.OneLine || f.Pos.Line < 1 {
			continue
		}
		line, ok := sourceLine(src[f.Pos.File], f.Pos.Line)
		if !ok {
			continue
		}
		line = clean(strings.ReplaceAll(line, "\t", " "))
		gutter := fmt.Sprintf("%4d | ", f.Pos.Line)
		fmt.Fprintf(&b, "%s%s\n", paint(ansiGray, gutter), line)
		col := max(f.Pos.Col, 1)
		width := 1
		if f.EndCol > col {
			width = f.EndCol - col
		}
		if lineLen := utf8.RuneCountInString(line); col+width-1 > lineLen {
			width = max(1, lineLen-col+1)
		}
		caret := "^" + strings.Repeat("~", width-1)
		fmt.Fprintf(&b, "%s%s%s\n", paint(ansiGray, strings.Repeat(" ", len(gutter)-2)+"| "), strings.Repeat(" ", col-1), paint(ansiGreen, caret))
	}
	_, err := w.Write(b.Bytes())
	return err
}

// Location is `file:line:col`, or just the file for whole-file findings.
func Location(p finding.Pos) string {
	if p.Line < 1 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, max(p.Col, 1))
}

func sourceLine(src []byte, line int) (string, bool) {
	for i := 1; i < line; i++ {
		j := bytes.IndexByte(src, '\n')
		if j < 0 {
			return "", false
		}
		src = src[j+1:]
	}
	if j := bytes.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	s := strings.TrimRight(string(src), "\r")
	if len(s) > 400 {
		s = s[:400]
	}
	return s, true
}

// jsonFinding is the JSON contract: stable field names for tools.
type jsonFinding struct {
	File         string    `json:"file"`
	Line         int       `json:"line"`
	Column       int       `json:"column"`
	EndColumn    int       `json:"end_column,omitempty"`
	Severity     string    `json:"severity"`
	Rule         string    `json:"rule"`
	Message      string    `json:"message"`
	IncludedFrom []jsonPos `json:"included_from,omitempty"`
}

type jsonPos struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

// JSON writes the findings as one JSON array ([] when there are none).
func JSON(w io.Writer, fs []finding.Finding) error {
	out := make([]jsonFinding, 0, len(fs))
	for _, f := range fs {
		jf := jsonFinding{File: f.Pos.File, Line: f.Pos.Line, Column: f.Pos.Col, EndColumn: f.EndCol,
			Severity: f.Severity.String(), Rule: f.Rule, Message: f.Message}
		for _, v := range f.Pos.Chain() {
			jf.IncludedFrom = append(jf.IncludedFrom, jsonPos{File: v.File, Line: v.Line, Column: v.Col})
		}
		out = append(out, jf)
	}
	return encodeJSON(w, out)
}
