package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/finding"
)

// Text from the pipeline must not reach a terminal as control
// characters: not in the message, the file name or the snippet, and the
// caret stays under the offending text.
func TestControlCharactersAreShownNotObeyed(t *testing.T) {
	hostile := "job\x1b[2J\x1b]0;pwned\x07\u009b31m\u202eevil"
	src := "\"" + hostile + "\":\n  script: x\n"
	f := finding.Finding{Pos: finding.Pos{File: "ci\x1b[1m.yml", Line: 1, Col: 2}, EndCol: 5, Severity: finding.Error, Rule: "schema",
		Message: "job `" + hostile + "` is bad"}
	var b bytes.Buffer
	if err := Text(&b, []finding.Finding{f}, Sources{f.Pos.File: []byte(src)}, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, r := range out {
		if r != '\n' && (r < 0x20 || r == 0x7f || dangerous(r)) {
			t.Fatalf("raw control character %U in the text report:\n%q", r, out)
		}
	}
	if !strings.Contains(out, "␛[2J") {
		t.Errorf("the escape should be shown as a symbol:\n%s", out)
	}
	lines := strings.Split(out, "\n")
	if len(lines) < 3 || strings.Index(lines[2], "^") != strings.Index(lines[1], "|")+2+1 {
		t.Errorf("caret not under column 2:\n%s", out)
	}

	var junit bytes.Buffer
	if err := JUnit(&junit, []finding.Finding{f}, []string{f.Pos.File}); err != nil {
		t.Fatal(err)
	}
	for _, r := range junit.String() {
		if r != '\n' && (r < 0x20 || r == 0x7f || dangerous(r)) {
			t.Errorf("junit: raw control character %U", r)
		}
	}
	for name, write := range map[string]func(*bytes.Buffer) error{
		"json":        func(b *bytes.Buffer) error { return JSON(b, []finding.Finding{f}) },
		"codequality": func(b *bytes.Buffer) error { return CodeQuality(b, []finding.Finding{f}, nil) },
		"sarif":       func(b *bytes.Buffer) error { return SARIF(b, []finding.Finding{f}, "test") },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, r := range b.String() {
			if r != '\n' && (r < 0x20 || r == 0x7f || dangerous(r)) {
				t.Errorf("%s: raw control character %U", name, r)
			}
		}
		var v any
		if err := json.Unmarshal(b.Bytes(), &v); err != nil {
			t.Errorf("%s: not JSON any more: %v", name, err)
		}
		if !strings.Contains(mustString(t, v), hostile) {
			t.Errorf("%s: the data must survive the escaping", name)
		}
	}
}

// mustString flattens a decoded JSON value to the strings it holds.
func mustString(t *testing.T, v any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			b.WriteString(x + "\n")
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return b.String()
}
