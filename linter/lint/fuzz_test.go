package lint

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLint runs the whole pipeline (load, shape, schema, explanations) on
// arbitrary input: it must never panic.
func FuzzLint(f *testing.F) {
	for _, dir := range []string{"ok", "err"} {
		files, _ := filepath.Glob(filepath.Join("..", "testdata", dir, "*.yml"))
		for _, p := range files {
			if src, err := os.ReadFile(p); err == nil {
				f.Add(src)
			}
		}
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
