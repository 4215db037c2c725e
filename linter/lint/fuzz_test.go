package lint

import (
	"testing"

	"gitlab.com/trustci/cicd/linter/internal/corpus"
)

// FuzzLint runs the whole pipeline (load, shape, schema, explanations) on
// arbitrary input: it must never panic.
func FuzzLint(f *testing.F) {
	for _, file := range corpus.Files(f, "ok", "err") {
		f.Add(file.Src)
	}
	l := newLinter(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		res := l.Source("fuzz.yml", src)
		for _, fd := range res.Findings {
			if fd.Pos.Line < 1 || fd.Message == "" {
				t.Fatalf("bad finding %+v", fd)
			}
		}
	})
}
