package gitlabversion

import (
	"fmt"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/pipeline"
)

// BenchmarkDetect: finding uses must stay linear in the number of jobs.
func BenchmarkDetect(b *testing.B) {
	var src strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&src, "job%d:\n  script: make\n  artifacts: {access: none, paths: [a]}\n  rules:\n    - changes: {paths: [a]}\n", i)
	}
	file, _ := load.Parse("ci.yml", []byte(src.String()), load.DefaultLimits())
	p := pipeline.Build(file.Body, nil)
	b.ResetTimer()
	for range b.N {
		if n := len(Detect([]*load.File{file}, p)); n != 10000 {
			b.Fatalf("%d uses", n)
		}
	}
}
