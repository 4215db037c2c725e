package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"

	"gitlab.com/trustci/cicd/linter/internal/benchgen"
	"gitlab.com/trustci/cicd/linter/load"
)

// writeProject writes a repository whose .gitlab-ci.yml includes parts
// files that hold n jobs between them, the template they extend last, and
// returns its directory and the paths of all its files.
func writeProject(tb testing.TB, n, parts int) (string, []string) {
	tb.Helper()
	dir := tb.TempDir()
	files, err := benchgen.Project(dir, n, parts)
	if err != nil {
		tb.Fatal(err)
	}
	return dir, files
}

// projectSizes are the multi-file benchmarks: jobs and included files.
var projectSizes = []struct{ jobs, parts int }{{500, 50}, {5000, 100}}

func TestGeneratedProjectsAreClean(t *testing.T) {
	for _, sz := range projectSizes {
		n := sz.jobs
		dir, _ := writeProject(t, n, sz.parts)
		l, err := New(Options{Root: dir})
		if err != nil {
			t.Fatal(err)
		}
		res, err := l.File(filepath.Join(dir, ".gitlab-ci.yml"))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Findings) > 0 || res.Pipeline == nil || len(res.Pipeline.Jobs) != n {
			t.Errorf("%d jobs: want a clean pipeline of %d jobs, got %v", n, n, res.Findings[:min(3, len(res.Findings))])
		}
	}
}

// BenchmarkLintProject is the full `cilint lint` (load, includes, merge,
// extends, schema, every check; no ShellCheck) on 50 and 100 included
// files. BenchmarkDecodeProject is the bare yaml.v3 decode of the same
// files: the floor.
func BenchmarkLintProject(b *testing.B) {
	for _, sz := range projectSizes {
		n := sz.jobs
		dir, files := writeProject(b, n, sz.parts)
		var size int64
		for _, f := range files {
			st, _ := os.Stat(f)
			size += st.Size()
		}
		l, err := New(Options{Root: dir})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("jobs=%d", n), func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := l.File(files[0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeProject(b *testing.B) {
	for _, sz := range projectSizes {
		n := sz.jobs
		_, files := writeProject(b, n, sz.parts)
		b.Run(fmt.Sprintf("jobs=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, f := range files {
					src, err := os.ReadFile(f)
					if err != nil {
						b.Fatal(err)
					}
					var node yaml.Node
					if err := yaml.Unmarshal(src, &node); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// benchLinter lifts the 2 MiB file limit: 5,000 realistic jobs take about
// 3 MB in one file, which GitLab would refuse; split over includes they
// would not be. The point here is the cost per job.
func benchLinter(tb testing.TB) *Linter {
	tb.Helper()
	lim := load.DefaultLimits()
	lim.MaxBytes = 64 << 20
	l, err := New(Options{Limits: lim})
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

func TestGeneratedPipelinesAreClean(t *testing.T) {
	l := benchLinter(t)
	for _, n := range []int{500, 5000} {
		if res := l.Source("gen.yml", benchgen.Pipeline(n)); len(res.Findings) > 0 {
			t.Errorf("%d jobs: want no findings, got %v", n, res.Findings[:min(3, len(res.Findings))])
		}
	}
}

// BenchmarkLint measures the whole run on one file (load, schema, checks).
// Compare with BenchmarkYAMLNode: the bare yaml.v3 decode of the same bytes.
func BenchmarkLint(b *testing.B) {
	l := benchLinter(b)
	benchGenerated(b, func(b *testing.B, src []byte) { l.Source("gen.yml", src) })
}

// BenchmarkYAMLNode is the bare yaml.v3 decode into its node tree (what
// cilint builds on); BenchmarkYAMLAny decodes into plain Go values.
func BenchmarkYAMLNode(b *testing.B) { benchDecode(b, func() any { return new(yaml.Node) }) }
func BenchmarkYAMLAny(b *testing.B)  { benchDecode(b, func() any { return new(any) }) }

func benchDecode(b *testing.B, target func() any) {
	benchGenerated(b, func(b *testing.B, src []byte) {
		if err := yaml.Unmarshal(src, target()); err != nil {
			b.Fatal(err)
		}
	})
}

// benchGenerated runs do on generated one-file pipelines of 500 and 5,000
// jobs.
func benchGenerated(b *testing.B, do func(*testing.B, []byte)) {
	for _, n := range []int{500, 5000} {
		src := benchgen.Pipeline(n)
		b.Run(fmt.Sprintf("jobs=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				do(b, src)
			}
		})
	}
}

// BenchmarkNew is the fixed cost per process: compiling the schema.
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		l, err := New(Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := l.schema.get(); err != nil {
			b.Fatal(err)
		}
	}
}
