package expr

import "sync"

// Memo parses each expression text once and keeps the result: the same
// `if:` is read by include:rules, by the combinations of undecided
// includes, and by the checks of every variant and child pipeline of one
// lint. A parsed Expr is never changed, so the result is shared. A nil
// Memo parses every time. It is safe for concurrent use.
type Memo struct {
	mu sync.Mutex
	m  map[string]memoized
}

type memoized struct {
	e   *Expr
	err error
}

// NewMemo makes an empty Memo.
func NewMemo() *Memo { return &Memo{m: map[string]memoized{}} }

// Parse is Parse(src), parsed at most once per text.
func (m *Memo) Parse(src string) (*Expr, error) {
	if m == nil {
		return Parse(src)
	}
	m.mu.Lock()
	r, ok := m.m[src]
	m.mu.Unlock()
	if ok {
		return r.e, r.err
	}
	e, err := Parse(src)
	m.mu.Lock()
	m.m[src] = memoized{e, err}
	m.mu.Unlock()
	return e, err
}
