package lint

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/report"
	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/linter/simulate"
)

var (
	ruleHeading = regexp.MustCompile("(?m)^## `([a-z0-9-]+)`\\s*$")
	exampleRe   = regexp.MustCompile("(?s)(Bad|Good):\\s*```yaml\\n(.*?)```")
)

// TestRuleDocs keeps docs/rules.md and the rule list in step: every rule
// has an entry and every entry a rule, and each entry's Bad example makes
// that rule fire while its Good example lints clean.
func TestRuleDocs(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "docs", "rules.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(src)
	locs := ruleHeading.FindAllStringSubmatchIndex(doc, -1)
	sections := map[string]string{}
	var order []string
	for i, loc := range locs {
		end := len(doc)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		id := doc[loc[2]:loc[3]]
		sections[id] = doc[loc[1]:end]
		order = append(order, id)
	}
	var want []string
	for _, r := range rules.All() {
		want = append(want, r.ID)
	}
	if strings.Join(order, ",") != strings.Join(want, ",") {
		t.Fatalf("docs/rules.md lists %v; the rule list (in its order) is %v", order, want)
	}
	for _, r := range rules.All() {
		t.Run(r.ID, func(t *testing.T) {
			sec := sections[r.ID]
			if !strings.Contains(sec, "Severity: "+r.Severity.String()) {
				t.Errorf("entry must state the severity %q", r.Severity)
			}
			examples := exampleRe.FindAllStringSubmatch(sec, -1)
			if remoteRules[r.ID] || catalogRule(r.ID) {
				// These need a GitLab instance: linter/remote's tests cover
				// them against a fake one; the entry still needs examples.
				if len(examples) < 2 {
					t.Errorf("entry needs a Bad and a Good example")
				}
				return
			}
			var bad, good int
			for _, ex := range examples {
				res := lintExample(t, ex[2], exampleOptions(r.ID))
				if r.ID == rules.NeedsNotInPipeline && res.Pipeline != nil {
					// Reported by cilint jobs: simulate a merge request pipeline.
					ev := simulate.Events()["merge_request"]
					res.Findings = append(res.Findings, simulate.Run(res.Pipeline, ev.Name, simulate.NewVariables(ev, res.Pipeline.Config, nil)).Findings...)
				}
				fired := false
				for _, f := range res.Findings {
					if f.Rule == r.ID {
						fired = true
					}
				}
				switch ex[1] {
				case "Bad":
					bad++
					if !fired {
						t.Errorf("Bad example does not trigger %s; findings: %v", r.ID, res.Findings)
					}
				case "Good":
					good++
					if len(res.Findings) > 0 {
						t.Errorf("Good example must lint clean; findings: %v", res.Findings)
					}
				}
			}
			if bad == 0 || good == 0 {
				t.Errorf("entry needs a Bad and a Good example (has %d and %d)", bad, good)
			}
		})
	}
}

// remoteRules are reported only with --remote.
var remoteRules = map[string]bool{"gitlab-lint": true, "remote-disagreement": true}

// catalogRule is a rule of `cilint catalog lint`, whose examples are
// catalog projects: linter/cataloglint's TestRuleDocs runs them.
func catalogRule(id string) bool { return strings.HasPrefix(id, "catalog-") }

// lintExample writes a docs example into a fresh repository and lints its
// .gitlab-ci.yml. A line `# --- file: PATH` starts another file of the
// example, for rules about includes; `# --- git tag: DIR NAME` makes DIR a
// git repository with its files committed and tagged NAME.
func lintExample(t *testing.T, text string, opts Options) *Result {
	t.Helper()
	dir := t.TempDir()
	files := map[string]*strings.Builder{".gitlab-ci.yml": {}}
	cur := files[".gitlab-ci.yml"]
	var tags [][2]string
	for _, line := range strings.SplitAfter(text, "\n") {
		if name, ok := strings.CutPrefix(strings.TrimSpace(line), "# --- file: "); ok {
			cur = &strings.Builder{}
			files[name] = cur
			continue
		}
		if spec, ok := strings.CutPrefix(strings.TrimSpace(line), "# --- git tag: "); ok {
			repoDir, tag, _ := strings.Cut(spec, " ")
			tags = append(tags, [2]string{repoDir, tag})
			continue
		}
		cur.WriteString(line)
	}
	for name, b := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, rt := range tags {
		d := filepath.Join(dir, filepath.FromSlash(rt[0]))
		for _, args := range [][]string{{"init", "-q", "."}, {"add", "."}, {"commit", "-qm", "catalog"}, {"tag", rt[1]}} {
			cmd := exec.Command("git", append([]string{"-C", d, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("git %v: %v\n%s", args, err, out)
			}
		}
	}
	t.Chdir(dir)
	opts.Root = "."
	res, _ := lintPipeline(t, opts)
	return res
}

// exampleOptions are the options a rule's examples are linted with, as its
// entry in docs/rules.md says.
func exampleOptions(rule string) Options {
	switch rule {
	case "include-limit":
		return Options{MaxIncludes: 20}
	case "shellcheck":
		return Options{Shellcheck: true}
	}
	return Options{}
}

// outputRe is an entry's Output block, right after its first Bad example.
var outputRe = regexp.MustCompile("(?s)\\n\\nOutput:\\n\\n```text\\n(.*?)```")

// TestRuleDocsOutput keeps the output shown under each entry's Bad
// example exactly what cilint prints for it (one line per finding), as
// actionlint's checks.md does. `make docs` (go test ./linter/lint -run
// TestRuleDocsOutput -update) rewrites the blocks.
func TestRuleDocsOutput(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "rules.md")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(src)
	locs := ruleHeading.FindAllStringSubmatchIndex(doc, -1)
	var out strings.Builder
	last := 0
	for i, loc := range locs {
		end := len(doc)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		id := doc[loc[2]:loc[3]]
		sec := doc[loc[0]:end]
		out.WriteString(doc[last:loc[0]])
		last = end
		bad := exampleRe.FindStringSubmatchIndex(sec)
		if remoteRules[id] || catalogRule(id) || bad == nil || sec[bad[2]:bad[3]] != "Bad" {
			out.WriteString(sec)
			continue
		}
		res := lintExample(t, sec[bad[4]:bad[5]], exampleOptions(id))
		if id == rules.NeedsNotInPipeline && res.Pipeline != nil {
			ev := simulate.Events()["merge_request"]
			res.Findings = append(res.Findings, simulate.Run(res.Pipeline, ev.Name, simulate.NewVariables(ev, res.Pipeline.Config, nil)).Findings...)
		}
		var got strings.Builder
		report.Text(&got, res.Findings, nil, report.TextOptions{OneLine: true})
		block := "\n\nOutput:\n\n```text\n" + got.String() + "```"
		rest := sec[bad[1]:]
		if m := outputRe.FindStringIndex(rest); m != nil && m[0] == 0 {
			if rest[m[0]:m[1]] != block && !*update {
				t.Errorf("%s: the Output block differs from what cilint prints (make docs):\n%s", id, got.String())
			}
			rest = rest[m[1]:]
		} else if !*update {
			t.Errorf("%s: no Output block after the Bad example (make docs)", id)
		}
		out.WriteString(sec[:bad[1]] + block + rest)
	}
	out.WriteString(doc[last:])
	if *update {
		if err := os.WriteFile(abs, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
