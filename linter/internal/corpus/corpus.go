// Package corpus reads the shared test pipelines in linter/testdata, for the
// golden tests and as fuzzing seeds.
package corpus

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir is linter/testdata/<name>, found from this file's location so any
// package's tests can use it.
func Dir(name string) string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(here), "..", "..", "testdata", name)
}

// File is one test pipeline.
type File struct {
	Path string // path on disk
	Name string // base name, used as the file name in findings
	Src  []byte
}

// Files reads every *.yml in the named testdata folders.
func Files(tb testing.TB, dirs ...string) []File {
	tb.Helper()
	var out []File
	for _, d := range dirs {
		paths, err := filepath.Glob(filepath.Join(Dir(d), "*.yml"))
		if err != nil {
			tb.Fatal(err)
		}
		for _, p := range paths {
			src, err := os.ReadFile(p)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, File{Path: p, Name: filepath.Base(p), Src: src})
		}
	}
	if len(out) == 0 {
		tb.Fatalf("no test pipelines in %v", dirs)
	}
	return out
}
