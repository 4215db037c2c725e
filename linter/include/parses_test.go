package include

import (
	"testing"

	"gitlab.com/trustci/cicd/linter/load"
)

// TestParsesShared: a file parsed by one lint is reused by the next when
// its name and content are the same; a changed text is parsed anew; what
// two lints in a row did not use is dropped.
func TestParsesShared(t *testing.T) {
	lim := load.DefaultLimits()
	shared := NewParses()
	a := []byte("job:\n  script: [echo]\n")
	first, _ := NewCacheWith(shared).parse("a.yml", a, lim)

	shared.Sweep()
	next := NewCacheWith(shared)
	if f, _ := next.parse("a.yml", a, lim); f != first {
		t.Error("an unchanged file was parsed again")
	}
	if f, _ := next.parse("a.yml", []byte("job:\n  script: [echo, again]\n"), lim); f == first {
		t.Error("a changed file was not parsed again")
	}
	if f, _ := NewCache().parse("a.yml", a, lim); f == first {
		t.Error("a Cache without shared parses used them")
	}

	shared.Sweep() // the lint after next: uses nothing
	shared.Sweep()
	if f, _ := NewCacheWith(shared).parse("a.yml", a, lim); f == first {
		t.Error("a file two lints did not use was kept")
	}
}
