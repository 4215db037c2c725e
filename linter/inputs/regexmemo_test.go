package inputs

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// TestRegexMemo compiles patterns in turn through one memo, each twice,
// and checks every answer against regexp.Compile's: a memo that returned
// an earlier pattern's regex (keyed wrongly, or leaking across patterns)
// or lost an error fails here.
func TestRegexMemo(t *testing.T) {
	cases := []struct {
		pattern string
		match   []string // must match
		reject  []string // must not
	}{
		{pattern: `^v\d+$`, match: []string{"v1", "v22"}, reject: []string{"1", "v1a"}},
		{pattern: `^v\d+`, match: []string{"v1a"}, reject: []string{"x"}},
		{pattern: `^(dev|prod)$`, match: []string{"dev", "prod"}, reject: []string{"devprod", "staging"}},
		{pattern: `^(dev|prod|staging)$`, match: []string{"staging"}, reject: []string{"test"}},
		{pattern: ``, match: []string{"", "anything"}},
		{pattern: `(?i)^abc$`, match: []string{"ABC"}, reject: []string{"abcd"}},
		{pattern: `^abc$`, match: []string{"abc"}, reject: []string{"ABC"}},
		{pattern: `(?!lookahead)`}, // not RE2
		{pattern: `[unclosed`},     // not RE2
		{pattern: `\p{NotAClass}`}, // not RE2
	}
	m := NewRegexMemo()
	for round := range 2 {
		for _, c := range cases {
			t.Run(fmt.Sprintf("round%d/%q", round, c.pattern), func(t *testing.T) {
				want, wantErr := regexp.Compile(c.pattern)
				got, err := m.Compile(c.pattern)
				if fmt.Sprint(err) != fmt.Sprint(wantErr) {
					t.Fatalf("error %v, want %v", err, wantErr)
				}
				if wantErr != nil {
					if got != nil {
						t.Fatalf("regex %q for an invalid pattern", got)
					}
					return
				}
				if got.String() != want.String() {
					t.Fatalf("regex %q, want %q", got, want)
				}
				for _, s := range c.match {
					if !got.MatchString(s) {
						t.Errorf("%q does not match %q", got, s)
					}
				}
				for _, s := range c.reject {
					if got.MatchString(s) {
						t.Errorf("%q matches %q", got, s)
					}
				}
				if again, _ := m.Compile(c.pattern); again != got {
					t.Errorf("second Compile of %q compiled again", c.pattern)
				}
			})
		}
	}
	if n := m.len(); n != len(cases) {
		t.Errorf("memo keeps %d patterns, want %d", n, len(cases))
	}
}

// TestRegexMemoSweep: a pattern used since the previous Sweep survives
// the next one (still the same compiled regex); one unused for a whole
// generation is dropped; a nil memo compiles every time.
func TestRegexMemoSweep(t *testing.T) {
	m := NewRegexMemo()
	a, _ := m.Compile(`^a$`)
	m.Compile(`^b$`)
	m.Sweep()
	if got, _ := m.Compile(`^a$`); got != a { // moved back from prev
		t.Errorf("^a$ was compiled again after one Sweep")
	}
	m.Sweep() // ^b$ unused for a generation: gone
	if n := m.len(); n != 0 {
		t.Errorf("after Sweep cur has %d patterns, want 0", n)
	}
	if _, ok := m.prev[`^b$`]; ok {
		t.Errorf("^b$ kept after a generation unused")
	}
	if got, _ := m.Compile(`^a$`); got != a {
		t.Errorf("^a$ was compiled again though used in the last generation")
	}

	var nilMemo *RegexMemo
	x, _ := nilMemo.Compile(`^x$`)
	y, _ := nilMemo.Compile(`^x$`)
	if x == nil || x == y || !x.MatchString("x") {
		t.Errorf("nil memo: %p %p, want two fresh compiles of ^x$", x, y)
	}
	nilMemo.Sweep()
}

// TestRegexMemoBounds: past maxRegexMemo patterns or maxRegexMemoBytes of
// text the memo stops taking new ones but still answers correctly.
func TestRegexMemoBounds(t *testing.T) {
	cases := []struct {
		name    string
		pattern func(i int) string
		n       int
		wantMax int
	}{
		{"count", func(i int) string { return fmt.Sprintf("^p%d$", i) }, maxRegexMemo + 10, maxRegexMemo},
		{"bytes", func(i int) string { return fmt.Sprintf("^%d%s$", i, strings.Repeat("x", 64<<10)) }, 20, maxRegexMemoBytes / (64 << 10)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := NewRegexMemo()
			for i := range c.n {
				re, err := m.Compile(c.pattern(i))
				if err != nil || re.String() != c.pattern(i) {
					t.Fatalf("pattern %d: %v %v", i, re, err)
				}
			}
			if n := m.len(); n > c.wantMax || n == 0 {
				t.Errorf("memo keeps %d patterns, want 1..%d", n, c.wantMax)
			}
			if m.bytes > maxRegexMemoBytes {
				t.Errorf("memo keeps %d bytes, bound %d", m.bytes, maxRegexMemoBytes)
			}
		})
	}
}

// TestRegexMemoConcurrent runs Compile from several goroutines (go test
// -race finds unguarded access); each gets its own pattern's regex.
func TestRegexMemoConcurrent(t *testing.T) {
	m := NewRegexMemo()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				p := fmt.Sprintf("^%d$", (i+g)%50)
				re, err := m.Compile(p)
				if err != nil || re.String() != p {
					t.Errorf("Compile(%q) = %v, %v", p, re, err)
					return
				}
				if i%37 == 0 {
					m.Sweep()
				}
			}
		}()
	}
	wg.Wait()
}

// TestParseSpecWithMemo parses headers that share, differ in and break
// regexes through one memo, twice, and wants what ParseSpec without a
// memo says: the same findings and, for each input, a regex for its own
// pattern that accepts its own default.
func TestParseSpecWithMemo(t *testing.T) {
	headers := []string{
		"spec:\n  inputs:\n    a: {regex: '^v\\d+$', default: v1}\n    b: {regex: '^(dev|prod)$', default: dev}\n",
		"spec:\n  inputs:\n    a: {regex: '^(dev|prod)$', default: prod}\n    b: {regex: '^v\\d+$', default: v2}\n",
		"spec:\n  inputs:\n    a: {regex: '^v\\d+$', default: x1}\n",                                // default breaks the regex
		"spec:\n  inputs:\n    a: {regex: '(?!no)', default: x}\n    b: {regex: '[', default: y}\n", // not RE2
	}
	m := NewRegexMemo()
	for round := range 2 {
		for i, h := range headers {
			f := parseFile(t, h+"---\njob:\n  script: echo\n")
			want, wantFs := ParseSpec(f.Header)
			got, gotFs := ParseSpecWith(f.Header, m)
			if fmt.Sprint(gotFs) != fmt.Sprint(wantFs) {
				t.Errorf("round %d header %d: findings %v, want %v", round, i, gotFs, wantFs)
			}
			for j, in := range got.Inputs {
				w := want.Inputs[j]
				if (in.Regex == nil) != (w.Regex == nil) || in.Regex != nil && in.Regex.String() != in.RegexText {
					t.Errorf("round %d header %d input %s: regex %v for pattern %q", round, i, in.Name, in.Regex, in.RegexText)
				}
			}
		}
	}
	if len(headers) > 0 && m.len() != 4 {
		t.Errorf("memo keeps %d patterns, want the 4 distinct ones", m.len())
	}
}
