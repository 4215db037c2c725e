package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Messages and snippets carry text from the pipeline (keys, image names,
// GitLab's answers), and a terminal obeys control characters: an escape
// sequence in a job name could rewrite the screen or hide a finding. Text
// output shows each control character as a visible symbol of one column,
// so carets stay aligned; machine formats keep the data but write those
// characters as escapes.

// Clean is clean, for the command's own messages on a terminal: the
// paths and errors they quote come from the command line and the files.
func Clean(s string) string { return clean(s) }

// clean replaces control characters (C0, DEL, C1) and the bidirectional
// overrides that reorder what a terminal shows with visible stand-ins:
// the Unicode control pictures for C0 and DEL, U+FFFD for the rest.
func clean(s string) string {
	if !needsCleaning(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x20:
			b.WriteRune(0x2400 + r)
		case r == 0x7f:
			b.WriteRune(0x2421)
		case dangerous(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func needsCleaning(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || dangerous(r) {
			return true
		}
	}
	return false
}

// dangerous are the C1 controls (a terminal may read U+009B as CSI) and
// the bidirectional embeddings, overrides and isolates.
func dangerous(r rune) bool {
	return r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// encodeJSON writes v as indented JSON with every character clean would
// replace written as a \u escape: the same data, nothing a terminal
// acts on (encoding/json already escapes C0 but not DEL, C1 or the
// bidirectional controls).
func encodeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	out := buf.Bytes()
	// encoding/json has already escaped C0 (its own newlines aside), so
	// only DEL, C1 and the bidirectional controls can be left.
	if bytes.ContainsFunc(out, func(r rune) bool { return r == 0x7f || dangerous(r) }) {
		var b bytes.Buffer
		for _, r := range string(out) {
			// Outside strings JSON holds only ASCII punctuation, digits,
			// letters and whitespace, so every such rune is inside a string.
			if r == 0x7f || dangerous(r) {
				fmt.Fprintf(&b, `\u%04x`, r)
				continue
			}
			b.WriteRune(r)
		}
		out = b.Bytes()
	}
	_, err := w.Write(out)
	return err
}
