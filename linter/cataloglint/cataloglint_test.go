package cataloglint

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/report"
	"gitlab.com/trustci/cicd/linter/rules"
)

var update = flag.Bool("update", false, "rewrite testdata/*.out")

// TestGolden lints each catalog of testdata/ and compares the findings
// with testdata/<name>.out: clean has none; faults has one of each fault
// (a broken option value, a boolean broken both ways, an undeclared and
// an unused input, no description, a stale README table, no README,
// templates outside GitLab's layout).
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "*", "templates"))
	if err != nil || len(dirs) == 0 {
		t.Fatal("no testdata catalogs")
	}
	for _, d := range dirs {
		dir := filepath.Dir(d)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			res, err := Lint(Options{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			for _, f := range res.Findings {
				if rules.Departs(f) {
					t.Errorf("%v: a %s finding of %s, not its catalogue severity and not softened: %s", f.Pos, f.Severity, f.Rule, f.Message)
				}
			}
			if err := report.Text(&out, res.Findings, res.Sources, report.TextOptions{}); err != nil {
				t.Fatal(err)
			}
			golden := dir + ".out"
			if *update {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if out.String() != string(want) {
				t.Errorf("findings differ from %s (go test -update rewrites it):\n%s", golden, out.String())
			}
		})
	}
}

// TestBrokenOptionIsNamed: a value of `options:` that makes the job
// invalid is reported once, with that value, and not for the others.
func TestBrokenOptionIsNamed(t *testing.T) {
	res, err := Lint(Options{Dir: filepath.Join("testdata", "faults")})
	if err != nil {
		t.Fatal(err)
	}
	var retry []finding.Finding
	for _, f := range res.Findings {
		if strings.Contains(f.Message, "`retry`") {
			retry = append(retry, f)
		}
	}
	if len(retry) != 1 || !strings.HasSuffix(retry[0].Message, "(with `retry: 3`)") || retry[0].Pos.Line != 23 {
		t.Errorf("retry findings: %v", retry)
	}
}

// TestOurCatalog: the repository's own catalog lints clean (as its
// pipeline runs it).
func TestOurCatalog(t *testing.T) {
	res, err := Lint(Options{Dir: filepath.Join("..", "..", "components")})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	report.Text(&out, res.Findings, res.Sources, report.TextOptions{OneLine: true})
	if len(res.Findings) > 0 {
		t.Errorf("components/ has findings:\n%s", out.String())
	}
	if res.Components < 8 || res.Instances <= res.Components {
		t.Errorf("%d components, %d instantiations", res.Components, res.Instances)
	}
}

func TestPlaceholder(t *testing.T) {
	for _, tc := range []struct {
		re   string
		want string
		ok   bool
	}{
		{`^(dev|prod)-[a-z]+$`, "dev-a", true},
		{`^[0-9]+ ?[a-z]*( [0-9]+ ?[a-z]*)*$`, "0", true},
		{`^[A-Za-z0-9_.][A-Za-z0-9_./-]*$`, "a", true},
		{`^v\d+\.\d+$`, "v0.0", true},
		{`^(?i)MAIN$`, "main", true},
		{`x{3}`, "xxx", true},
		{`^$`, "", true},
		{`^prod\bsuffix$`, "", false},
		{`a{1000}{1000}`, "", false},
		{`[^\x00-\x{10FFFF}]`, "", false},
	} {
		re, err := regexp.Compile(tc.re)
		if err != nil {
			// Patterns RE2 refuses never reach Placeholder: ParseSpec
			// reports them.
			if tc.ok {
				t.Fatalf("%s: %v", tc.re, err)
			}
			continue
		}
		got, ok := Placeholder(re)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Placeholder(%s) = %q, %v; want %q, %v", tc.re, got, ok, tc.want, tc.ok)
		}
		if ok && !re.MatchString(got) {
			t.Errorf("Placeholder(%s) = %q does not match", tc.re, got)
		}
	}
}

func TestNotACatalog(t *testing.T) {
	if _, err := Lint(Options{Dir: t.TempDir()}); err == nil {
		t.Error("a folder without templates/ linted")
	}
}

// TestHostileREADME: a README that is a link out of the catalog or a FIFO
// is not read (no hang, no content from elsewhere) and is reported.
func TestHostileREADME(t *testing.T) {
	for _, kind := range []string{"link", "fifo"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "README.md"), []byte("# c\n"), 0o644)
			os.MkdirAll(filepath.Join(dir, "templates", "x"), 0o755)
			os.WriteFile(filepath.Join(dir, "templates", "x", "template.yml"), []byte("x:\n  script: make\n"), 0o644)
			readme := filepath.Join(dir, "templates", "x", "README.md")
			outside := filepath.Join(t.TempDir(), "secret.md")
			os.WriteFile(outside, []byte("secret"), 0o644)
			var err error
			if kind == "link" {
				err = os.Symlink(outside, readme)
			} else {
				err = mkfifo(readme)
			}
			if err != nil {
				t.Skip(err)
			}
			res, err := Lint(Options{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Findings) != 1 || res.Findings[0].Rule != "catalog-no-readme" || !strings.Contains(res.Findings[0].Message, "is not read") {
				t.Errorf("findings: %v", res.Findings)
			}
		})
	}
}

// TestUnmatchedRefusal: GitLab's refusal of the unmatched placeholder is
// left out (only catalog-placeholder says so), and an input-regex refusal
// of any other value stays. The refusal is recognised by the line of the
// value, not by the wording of its message, so a change to where inputs
// reports it or to how consumer lays out the values fails here.
func TestUnmatchedRefusal(t *testing.T) {
	const head = "# --- file: README.md\n# Components\n# --- file: templates/deploy.yml\nspec:\n  inputs:\n"
	const body = "---\ndeploy:\n  script: echo $[[ inputs.environment ]] $[[ inputs.zone ]]\n"
	for _, tc := range []struct {
		name   string
		inputs string
		want   []string // rule: message prefix, in the order of the report
	}{
		{
			name:   "unmatched placeholder",
			inputs: "    environment:\n      regex: ^prod\\bsuffix$\n      description: The environment.\n    zone:\n      default: eu\n      description: The zone.\n",
			want:   []string{"catalog-placeholder: input `environment` is required"},
		},
		{
			// The unmatched input sorts after another required one, so
			// its value is not on the first line of inputs:.
			name:   "after a matched placeholder",
			inputs: "    zone:\n      regex: ^eu-[0-9]$\n      description: The zone.\n    environment:\n      regex: ^prod\\bsuffix$\n      description: The environment.\n",
			want:   []string{"catalog-placeholder: input `environment` is required"},
		},
		{
			name:   "an option its regex refuses",
			inputs: "    environment:\n      regex: ^prod\\bsuffix$\n      description: The environment.\n    zone:\n      default: eu\n      description: The zone.\n      options: [eu, us]\n      regex: ^eu$\n",
			want: []string{
				"input-regex: including the component: input `zone` must match the regex",
				"catalog-placeholder: input `environment` is required",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := lintExample(t, head+tc.inputs+body)
			var got []string
			for _, f := range res.Findings {
				got = append(got, f.Rule+": "+f.Message)
			}
			ok := len(got) == len(tc.want)
			for i := 0; ok && i < len(got); i++ {
				ok = strings.HasPrefix(got[i], tc.want[i])
			}
			if !ok {
				t.Errorf("findings:\n%s\nwant, as prefixes:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestConsumerLines: consumer says truly which line holds each value.
func TestConsumerLines(t *testing.T) {
	values := map[string]any{"b": "placeholder", "a": 1, "c d": true}
	src, lines := consumer("deploy", values)
	text := strings.Split(string(src), "\n")
	if len(lines) != len(values) {
		t.Fatalf("lines %v for values %v", lines, values)
	}
	for n, name := range lines {
		if n < 1 || n > len(text) || !strings.HasPrefix(strings.TrimSpace(text[n-1]), fmt.Sprintf("%q:", name)) {
			t.Errorf("line %d of\n%s\nis not input %q's", n, src, name)
		}
	}
}
