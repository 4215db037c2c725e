package checks

import (
	"context"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/pipeline"
)

// build loads a pipeline from YAML text for a test.
func build(t *testing.T, src string) *pipeline.Pipeline {
	t.Helper()
	f, fs := load.Parse("t.yml", []byte(src), load.DefaultLimits())
	if len(fs) > 0 || f.Body == nil {
		t.Fatalf("load: %v", fs)
	}
	return pipeline.Build(f.Body, nil)
}

// run runs every check on src and returns the findings of rule, one line
// each: "line:col message".
func run(t *testing.T, src, rule string) []string {
	t.Helper()
	fs, err := Run(context.Background(), build(t, src), map[string][]byte{"t.yml": []byte(src)}, "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range fs {
		if f.Rule == rule {
			out = append(out, format(f))
		}
	}
	return out
}

func format(f finding.Finding) string {
	return strings.Join([]string{itoa(f.Pos.Line) + ":" + itoa(f.Pos.Col), f.Message}, " ")
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
