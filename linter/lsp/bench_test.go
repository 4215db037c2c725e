package lsp

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gitlab.com/trustci/cicd/linter/internal/benchgen"
	"gitlab.com/trustci/cicd/linter/lint"
)

// copyDir copies the regular files under src to dst.
func copyDir(tb testing.TB, src, dst string) {
	tb.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// exampleProject is the example pipeline at the top of a folder with the
// catalog and the settings that point its components at it.
func exampleProject(tb testing.TB) (dir, pipeline string) {
	tb.Helper()
	dir = tb.TempDir()
	copyDir(tb, "../../components", filepath.Join(dir, "components"))
	for from, to := range map[string]string{"../../.cilint.yml": ".cilint.yml", "../../examples/django/.gitlab-ci.yml": ".gitlab-ci.yml"} {
		b, err := os.ReadFile(from)
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), b, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir, filepath.Join(dir, ".gitlab-ci.yml")
}

// changeCase is one buffer being edited: two texts a keystroke apart.
type changeCase struct {
	name       string
	dir, file  string
	text, edit string
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func changeCases(tb testing.TB) []changeCase {
	var out []changeCase
	dir, p := exampleProject(tb)
	src, _ := os.ReadFile(p)
	out = append(out, changeCase{"example", dir, p, string(src), strings.Replace(string(src), "HOST: staging.example.com", "HOST: staging.example.co", 1)})

	gen := tb.TempDir()
	p = filepath.Join(gen, ".gitlab-ci.yml")
	src = benchgen.Pipeline(500)
	if err := os.WriteFile(p, src, 0o644); err != nil {
		tb.Fatal(err)
	}
	out = append(out, changeCase{"generated-500-jobs", gen, p, string(src), string(src) + "\n"})

	// An included file of the 500-job project of 50 files: the change
	// re-lints the root that includes it.
	proj := tb.TempDir()
	files, err := benchgen.Project(proj, 500, 50)
	if err != nil {
		tb.Fatal(err)
	}
	inc := files[1]
	src, _ = os.ReadFile(inc)
	out = append(out, changeCase{"project-500-jobs-included-file", proj, inc, string(src), string(src) + "\n"})
	return out
}

// TestChangeCasesLintClean keeps the benchmark honest: each buffer lints
// with no error, and an included file's change re-lints its root.
func TestChangeCasesLintClean(t *testing.T) {
	for _, c := range changeCases(t) {
		s, err := New(Options{Lint: lint.Options{Root: c.dir}})
		if err != nil {
			t.Fatal(err)
		}
		s.ws.set(c.file, c.edit)
		pubs := s.ws.relint(c.file)
		if len(pubs) == 0 {
			t.Fatalf("%s: nothing published", c.name)
		}
		for _, p := range pubs {
			if !noErrorsLSP(p.Diagnostics) {
				t.Errorf("%s: %s: %+v", c.name, p.URI, p.Diagnostics)
			}
		}
		if owners := s.ws.owners(c.file); c.name == "project-500-jobs-included-file" && (len(owners) != 1 || filepath.Base(owners[0]) != ".gitlab-ci.yml") {
			t.Errorf("%s: owners %v, want the root pipeline", c.name, owners)
		}
	}
}

// BenchmarkChange is the server's work for one change of an open
// buffer once the debounce has passed: the lint of every pipeline the
// file belongs to, in process (the schema compiled and the catalogs read
// once, by the first lint), and the diagnostics built for each file.
// The JSON-RPC write to the client is not included.
func BenchmarkChange(b *testing.B) {
	for _, c := range changeCases(b) {
		s, err := New(Options{Lint: lint.Options{Root: c.dir}})
		if err != nil {
			b.Fatal(err)
		}
		s.ws.set(c.file, c.text)
		s.ws.relint(c.file) // the didOpen
		b.Run(fmt.Sprintf("file=%s", c.name), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			cpu0 := cpuTime()
			for b.Loop() {
				if i%2 == 0 {
					s.ws.set(c.file, c.edit)
				} else {
					s.ws.set(c.file, c.text)
				}
				i++
				s.ws.relint(c.file)
			}
			// The CPU time the process spent per change (every goroutine,
			// the collector too): on a shared machine the wall time also
			// holds the waits for a core.
			b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}
