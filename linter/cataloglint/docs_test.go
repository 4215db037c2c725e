package cataloglint

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/report"
)

var (
	ruleHeading = regexp.MustCompile("(?m)^## `([a-z0-9-]+)`\\s*$")
	exampleRe   = regexp.MustCompile("(?s)(Bad|Good):\\s*```yaml\\n(.*?)```")
	outputRe    = regexp.MustCompile("(?s)\\n\\nOutput:\\n\\n```text\\n(.*?)```")
	rangeRe     = regexp.MustCompile(`^(.*)\{(\d+)\.\.(\d+)\}(.*)$`)
)

// TestRuleDocs runs the examples of the catalog-* entries of
// docs/rules.md (linter/lint's TestRuleDocs leaves them to this package):
// each example is a catalog project, the Bad one makes its rule fire with
// exactly the Output shown, the Good one lints without any finding.
func TestRuleDocs(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "docs", "rules.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(src)
	locs := ruleHeading.FindAllStringSubmatchIndex(doc, -1)
	found := 0
	for i, loc := range locs {
		id := doc[loc[2]:loc[3]]
		if !strings.HasPrefix(id, "catalog-") {
			continue
		}
		found++
		end := len(doc)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		sec := doc[loc[1]:end]
		t.Run(id, func(t *testing.T) {
			examples := exampleRe.FindAllStringSubmatch(sec, -1)
			if len(examples) != 2 || examples[0][1] != "Bad" || examples[1][1] != "Good" {
				t.Fatalf("entry needs a Bad and then a Good example")
			}
			res := lintExample(t, examples[0][2])
			fired := false
			var out bytes.Buffer
			report.Text(&out, res.Findings, res.Sources, report.TextOptions{OneLine: true})
			for _, f := range res.Findings {
				fired = fired || f.Rule == id
			}
			if !fired {
				t.Errorf("Bad example does not trigger %s; findings:\n%s", id, out.String())
			}
			if m := outputRe.FindStringSubmatch(sec); m == nil || m[1] != out.String() {
				t.Errorf("Output block is not what cilint prints:\n%s", out.String())
			}
			if res := lintExample(t, examples[1][2]); len(res.Findings) > 0 {
				var out bytes.Buffer
				report.Text(&out, res.Findings, res.Sources, report.TextOptions{OneLine: true})
				t.Errorf("Good example must lint clean:\n%s", out.String())
			}
		})
	}
	if found == 0 {
		t.Fatal("no catalog-* entry in docs/rules.md")
	}
}

// lintExample writes an example's files (`# --- file: PATH` starts one,
// `# --- files: templates/c{1..31}.yml` writes the same text to each)
// into a fresh catalog project and lints it from its root.
func lintExample(t *testing.T, text string) *Result {
	t.Helper()
	dir := t.TempDir()
	type file struct {
		names []string
		body  strings.Builder
	}
	var files []*file
	for _, line := range strings.SplitAfter(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if name, ok := strings.CutPrefix(trimmed, "# --- file: "); ok {
			files = append(files, &file{names: []string{name}})
			continue
		}
		if pattern, ok := strings.CutPrefix(trimmed, "# --- files: "); ok {
			m := rangeRe.FindStringSubmatch(pattern)
			if m == nil {
				t.Fatalf("bad files pattern %q", pattern)
			}
			from, _ := strconv.Atoi(m[2])
			to, _ := strconv.Atoi(m[3])
			f := &file{}
			for n := from; n <= to; n++ {
				f.names = append(f.names, fmt.Sprintf("%s%d%s", m[1], n, m[4]))
			}
			files = append(files, f)
			continue
		}
		if len(files) == 0 {
			if trimmed != "" {
				t.Fatalf("example text before its first file: %q", line)
			}
			continue
		}
		files[len(files)-1].body.WriteString(line)
	}
	for _, f := range files {
		for _, name := range f.names {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(f.body.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Chdir(dir)
	res, err := Lint(Options{Dir: "."})
	if err != nil {
		t.Fatal(err)
	}
	return res
}
