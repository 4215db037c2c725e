package checks

import (
	"strings"
	"sync"

	"mvdan.cc/sh/v3/syntax"
)

// ScriptMemo keeps what parsing a script said (its parse error, or the
// compound commands with an empty body) by the script's text and shell
// dialect, and what powershellSyntax found in a script line by its text, across lints of one long-lived Linter (cilint lsp's, which
// lints on every change and would otherwise parse every unchanged script
// again: most of a change's time on the example pipeline). The parser is
// a pure function of the text and the dialect, so an answer kept is the
// answer a new parse gives. Sweep drops what no lint used since the
// previous sweep, as include.Parses does, and the memo stops taking new
// texts past maxScriptMemo entries or maxScriptMemoBytes of text, so a
// buffer edited for hours does not grow it. It is safe for concurrent use
// (several files are linted at once).
type ScriptMemo struct {
	mu        sync.Mutex
	cur, prev map[scriptKey]*scriptParse
	bytes     int // of the texts in cur
}

const (
	maxScriptMemo      = 20_000
	maxScriptMemoBytes = 32 << 20
)

type scriptKey struct {
	src     string
	dialect syntax.LangVariant
	// powershell: the entry is powershellSyntax's match in src (match),
	// not a parse.
	powershell bool
}

// scriptParse is one parse's outcome: err, or (err nil) the empty bodies;
// or a PowerShell match. None is changed after it is made, so lints can
// share it.
type scriptParse struct {
	err     error
	empties []emptyBody
	match   string
}

// NewScriptMemo makes an empty ScriptMemo.
func NewScriptMemo() *ScriptMemo {
	return &ScriptMemo{cur: map[scriptKey]*scriptParse{}, prev: map[scriptKey]*scriptParse{}}
}

// Sweep forgets the scripts no lint used since the previous Sweep.
func (m *ScriptMemo) Sweep() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.prev, m.cur, m.bytes = m.cur, map[scriptKey]*scriptParse{}, 0
}

// powershellMatch is powershellSyntax's first match in s, through m when
// m is not nil: the expression backtracks, and on the example pipeline it
// was a quarter of a change once the parses were kept.
func (m *ScriptMemo) powershellMatch(s string) string {
	if m == nil {
		return powershellSyntax().FindString(s)
	}
	k := scriptKey{src: s, powershell: true}
	if r, ok := m.get(k); ok {
		return r.match
	}
	r := &scriptParse{match: powershellSyntax().FindString(s)}
	m.put(k, r)
	return r.match
}

func (m *ScriptMemo) get(k scriptKey) (*scriptParse, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.cur[k]
	if !ok {
		if p, ok = m.prev[k]; ok {
			m.keep(k, p)
		}
	}
	return p, ok
}

func (m *ScriptMemo) put(k scriptKey, p *scriptParse) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keep(k, p)
}

// keep adds k to cur unless that would pass the bounds (m.mu held).
func (m *ScriptMemo) keep(k scriptKey, p *scriptParse) {
	if _, ok := m.cur[k]; ok || len(m.cur) >= maxScriptMemo || m.bytes+len(k.src) > maxScriptMemoBytes {
		return
	}
	m.cur[k] = p
	m.bytes += len(k.src)
}

// scriptParser parses the scripts of one check run, through memo when
// there is one.
type scriptParser struct {
	p       *syntax.Parser
	dialect syntax.LangVariant
	memo    *ScriptMemo // nil: parse every time
}

func newScriptParser(memo *ScriptMemo) *scriptParser {
	const dialect = syntax.LangBash
	return &scriptParser{p: syntax.NewParser(syntax.Variant(dialect)), dialect: dialect, memo: memo}
}

// parse parses src and returns the parse error, or the empty bodies when
// empties is set (without a memo, an error alone is all some callers
// need; the memo keeps both, so every later caller can have either).
func (s *scriptParser) parse(src string, empties bool) ([]emptyBody, error) {
	if s.memo == nil {
		f, err := s.p.Parse(strings.NewReader(src), "")
		if err != nil || !empties {
			return nil, err
		}
		return emptyBodies(f), nil
	}
	k := scriptKey{src: src, dialect: s.dialect}
	if r, ok := s.memo.get(k); ok {
		return r.empties, r.err
	}
	r := &scriptParse{}
	f, err := s.p.Parse(strings.NewReader(src), "")
	if r.err = err; err == nil {
		r.empties = emptyBodies(f)
	}
	s.memo.put(k, r)
	return r.empties, r.err
}
