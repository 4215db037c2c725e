package inputs

import (
	"regexp"
	"sync"
)

// RegexMemo compiles each distinct spec:inputs regex once. Compiling was
// most of ParseSpec's time, and a long-lived Linter (cilint lsp's) parses
// the same component headers on every change. regexp.Compile is a pure
// function of the pattern, and a *regexp.Regexp is safe for concurrent
// use, so one compiled pattern can serve every input and lint that writes
// it. Like include.Parses it keeps two generations: Sweep drops what no
// lint used since the previous sweep, and the memo stops taking new
// patterns past maxRegexMemo entries or maxRegexMemoBytes of pattern text,
// so a regex edited character by character does not grow it without end.
// It is safe for concurrent use. A nil *RegexMemo compiles every time.
type RegexMemo struct {
	mu        sync.Mutex
	cur, prev map[string]compiled
	bytes     int // of the patterns in cur
}

const (
	maxRegexMemo      = 4096
	maxRegexMemoBytes = 1 << 20
)

// compiled is one regexp.Compile's outcome, kept whole so an invalid
// pattern reports the same error every time.
type compiled struct {
	re  *regexp.Regexp
	err error
}

// NewRegexMemo makes an empty RegexMemo.
func NewRegexMemo() *RegexMemo {
	return &RegexMemo{cur: map[string]compiled{}, prev: map[string]compiled{}}
}

// Compile is regexp.Compile(pattern), through m.
func (m *RegexMemo) Compile(pattern string) (*regexp.Regexp, error) {
	if m == nil {
		return regexp.Compile(pattern)
	}
	m.mu.Lock()
	c, ok := m.cur[pattern]
	if !ok {
		if c, ok = m.prev[pattern]; ok {
			m.keep(pattern, c)
		}
	}
	m.mu.Unlock()
	if ok {
		return c.re, c.err
	}
	// Compiled outside the lock: two lints compiling one new pattern at
	// once each get a correct answer, and the second keep is a no-op.
	c.re, c.err = regexp.Compile(pattern)
	m.mu.Lock()
	m.keep(pattern, c)
	m.mu.Unlock()
	return c.re, c.err
}

// Sweep forgets the patterns no lint used since the previous Sweep.
func (m *RegexMemo) Sweep() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.prev, m.cur, m.bytes = m.cur, map[string]compiled{}, 0
}

// keep adds pattern to cur unless it is there or that would pass the
// bounds (m.mu held).
func (m *RegexMemo) keep(pattern string, c compiled) {
	if _, ok := m.cur[pattern]; ok || len(m.cur) >= maxRegexMemo || m.bytes+len(pattern) > maxRegexMemoBytes {
		return
	}
	m.cur[pattern] = c
	m.bytes += len(pattern)
}

// len is the number of patterns kept in the current generation (tests).
func (m *RegexMemo) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.cur)
}
