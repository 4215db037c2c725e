package pipeline

import (
	"fmt"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/load"
)

// indexedConfig is n jobs that each extend a template, take a script
// through !reference, set a stage and read global keywords, with the
// templates and globals written last: a lookup that scanned the top-level
// mapping would cost n per job, n² in all.
func indexedConfig(tb testing.TB, n int) *load.Node {
	tb.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "job-%d:\n  extends: .base\n  stage: s%d\n  script: !reference [.scripts, test]\n", i, i%5)
	}
	b.WriteString(".base:\n  image: alpine\n.scripts:\n  test: [echo test]\nstages: [s0, s1, s2, s3, s4]\nvariables: {A: b}\n")
	lim := load.DefaultLimits()
	lim.MaxBytes = 64 << 20
	file, fs := load.Parse("bench.yml", []byte(b.String()), lim)
	if len(fs) > 0 || file.Body == nil {
		tb.Fatalf("generated config does not load: %v", fs)
	}
	return file.Body
}

func TestIndexedConfigBuilds(t *testing.T) {
	p := Build(indexedConfig(t, 50), nil)
	if len(p.Findings) > 0 || len(p.Jobs) != 50 || p.StageIndex("s4") != 5 || p.Top("variables") == nil {
		t.Fatalf("findings %v, %d jobs", p.Findings, len(p.Jobs))
	}
	if got := p.Jobs[49].Node.Get("script"); got == nil || got.Kind != load.Seq {
		t.Fatalf("job-49's script: %+v", got)
	}
}

// BenchmarkBuild at 1,000 and 10,000 jobs: ns per job must stay flat
// (extends, !reference, stages and global keywords found through
// indexes). Compare the two figures; no test asserts a time.
func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		config := indexedConfig(b, n)
		b.Run(fmt.Sprintf("jobs=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p := Build(config, nil)
				for _, j := range p.Jobs {
					p.StageIndex(j.Stage)
					p.Top("variables")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/job")
		})
	}
}
