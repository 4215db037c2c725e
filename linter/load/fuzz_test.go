package load

import (
	"bytes"
	"testing"

	"gitlab.com/trustci/cicd/linter/internal/corpus"
)

// FuzzLoad feeds arbitrary bytes to the loader: it must never panic or
// hang, and every position it reports must be inside the file.
func FuzzLoad(f *testing.F) {
	for _, file := range corpus.Files(f, "ok", "err") {
		f.Add(file.Src)
	}
	for _, s := range []string{
		"a: &a [*a]", "<<: *x", "a: !reference [b, [c]]", "? [a]\n: b", "a: 2024-01-01",
		"spec: {}\n---\na: 1\n---\nb: 2", "\t- x", "a: 'x\nb: 2", "x: &x {<<: *x}", "a: !!int 0x",
		"[[[[[[[[[[[[", "a:\n  - b: &c\n      d: *c",
	} {
		f.Add([]byte(s))
	}
	lim := DefaultLimits()
	lim.MaxNodes = 100_000
	f.Fuzz(func(t *testing.T, src []byte) {
		file, fs := Parse("fuzz.yml", src, lim)
		lines := bytes.Count(src, []byte{'\n'}) + 1
		for _, f := range fs {
			if f.Pos.Line < 1 || f.Pos.Line > lines || f.Pos.Col < 1 {
				t.Fatalf("finding outside the file (%d lines): %+v", lines, f)
			}
			if f.Message == "" || f.Rule == "" {
				t.Fatalf("finding without message or rule: %+v", f)
			}
		}
		seen := map[*Node]bool{}
		var check func(n *Node)
		check = func(n *Node) {
			if n == nil || seen[n] {
				return
			}
			seen[n] = true
			if n.Pos.Line < 1 || n.Pos.Line > lines {
				t.Fatalf("node outside the file: %+v", n.Pos)
			}
			for _, item := range n.Items {
				check(item)
			}
			for _, p := range n.Pairs {
				check(p.Key)
				check(p.Value)
			}
		}
		check(file.Header)
		check(file.Body)
	})
}
