package components_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/tests/internal/runner"
	"mvdan.cc/sh/v3/syntax"
)

// shellBuiltins are the commands BusyBox ash and dash (the /bin/sh of every
// default image) run themselves: POSIX special and regular built-ins, plus
// echo, printf, test and [, which both shells build in. Everything else a
// script calls must come from its image.
var shellBuiltins = map[string]bool{}

func init() {
	for _, b := range strings.Fields(`: . break continue eval exec exit export readonly return set shift times
		trap unset alias bg cd command false fc fg getopts hash jobs kill pwd read true type ulimit umask
		unalias wait local echo printf test [`) {
		shellBuiltins[b] = true
	}
}

// pendingImageRows are components whose row in components/IMAGES.md is
// added with other work; their commands are not checked until then.
var pendingImageRows = map[string]string{}

// dynamicCommands are the components whose script runs a command named by
// an input on purpose (an input in commandInputs): that word cannot be
// checked against the image, the input's description names what it needs.
var dynamicCommands = map[string]string{
	"django-test": `"$@"`, // test_command's words
}

var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// imageRow is one row of the table in components/IMAGES.md.
type imageRow struct {
	component, image, tag, digest string
	commands                      []string
}

// readImagesTable parses the table whose header has "Commands the script
// calls": one row per component, the commands as `backticked` words.
func readImagesTable(t *testing.T) map[string]imageRow {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(runner.RepoRoot(), "components", "IMAGES.md"))
	if err != nil {
		t.Fatal(err)
	}
	var header []string
	rows := map[string]imageRow{}
	cell := func(cells []string, name string) string {
		for i, h := range header {
			if h == name && i < len(cells) {
				return cells[i]
			}
		}
		t.Fatalf("IMAGES.md: the table has no column %q", name)
		return ""
	}
	ticked := func(s string) []string {
		var out []string
		parts := strings.Split(s, "`")
		for i := 1; i < len(parts); i += 2 {
			out = append(out, parts[i])
		}
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "|") {
			if header != nil && len(rows) > 0 {
				break // the end of the table
			}
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if header == nil {
			if strings.Contains(line, "Commands the script calls") {
				header = cells
			}
			continue
		}
		if strings.HasPrefix(cells[0], "---") {
			continue
		}
		r := imageRow{component: strings.Trim(cells[0], "`")}
		one := func(col string) string {
			if w := ticked(cell(cells, col)); len(w) > 0 {
				return w[0]
			}
			return ""
		}
		r.image, r.tag = one("Image"), one("Tag")
		// The digest cell holds the pinned digest first, or says why there
		// is none (other digests it quotes are shortened, never pinned).
		if d := one("Digest"); strings.HasPrefix(cell(cells, "Digest"), "`") {
			if !digestRE.MatchString(d) {
				t.Fatalf("IMAGES.md: %s: %q is not a sha256 digest", r.component, d)
			}
			r.digest = d
		}
		r.commands = ticked(cell(cells, "Commands the script calls"))
		if _, dup := rows[r.component]; dup {
			t.Fatalf("IMAGES.md: two rows for %s", r.component)
		}
		rows[r.component] = r
	}
	if header == nil || len(rows) == 0 {
		t.Fatal("IMAGES.md: no table with a \"Commands the script calls\" column")
	}
	return rows
}

// scriptCommands parses a job's script (before_script and script, as the
// runner joins them) and returns the name of every command it calls,
// built-ins left out. A command word made of literals and the job's own
// variables is resolved with their values ("$KANIKO_DIR/executor" is
// /kaniko/executor); any other word is returned as written, in quotes.
func scriptCommands(t *testing.T, script string, vars map[string]string) []string {
	t.Helper()
	f, err := syntax.NewParser(syntax.Variant(syntax.LangPOSIX)).Parse(strings.NewReader(script), "")
	if err != nil {
		t.Fatalf("the script does not parse as POSIX sh: %v\n%s", err, script)
	}
	// Shell functions the script defines are not the image's commands.
	funcs := map[string]bool{}
	syntax.Walk(f, func(n syntax.Node) bool {
		if fn, ok := n.(*syntax.FuncDecl); ok {
			funcs[fn.Name.Value] = true
		}
		return true
	})
	seen := map[string]bool{}
	syntax.Walk(f, func(n syntax.Node) bool {
		call, ok := n.(*syntax.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		name, ok := staticWord(call.Args[0].Parts, vars)
		if !ok {
			var b strings.Builder
			syntax.NewPrinter().Print(&b, call.Args[0])
			name = b.String()
		}
		if !shellBuiltins[name] && !funcs[name] {
			seen[name] = true
		}
		return true
	})
	out := make([]string, 0, len(seen))
	for c := range seen {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// staticWord resolves a word made of literals, quotes and plain $NAME or
// ${NAME} of the job's variables.
func staticWord(parts []syntax.WordPart, vars map[string]string) (string, bool) {
	var b strings.Builder
	for _, p := range parts {
		switch p := p.(type) {
		case *syntax.Lit:
			b.WriteString(p.Value)
		case *syntax.SglQuoted:
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			s, ok := staticWord(p.Parts, vars)
			if !ok {
				return "", false
			}
			b.WriteString(s)
		case *syntax.ParamExp:
			v, known := vars[p.Param.Value]
			if !known || p.Exp != nil || p.Repl != nil || p.Index != nil || p.Length || p.Excl || p.Slice != nil {
				return "", false
			}
			b.WriteString(v)
		default:
			return "", false
		}
	}
	return b.String(), true
}

// jobVariables are a job's variables with GitLab's expansion.
func jobVariables(j *load.Node) map[string]string {
	vars := map[string]string{}
	if v := j.Get("variables"); v != nil {
		for _, p := range v.Pairs {
			vars[p.Key.Name()] = runner.ExpandVariable(p.Value.Name(), vars)
		}
	}
	return vars
}

// missingCommands are the commands a script calls that the image's row
// does not list.
func missingCommands(called []string, row imageRow, component string) []string {
	listed := map[string]bool{}
	for _, c := range row.commands {
		listed[c] = true
	}
	var missing []string
	for _, c := range called {
		if !listed[c] && c != dynamicCommands[component] {
			missing = append(missing, c)
		}
	}
	return missing
}

// componentJobs renders each component alone, with its defaults (and a
// plain value for each required input), and returns its jobs.
func componentJobs(t *testing.T) map[string][]*load.Node {
	t.Helper()
	templates, _ := filepath.Glob(filepath.Join(runner.RepoRoot(), "components", "templates", "*", "template.yml"))
	byComponent := map[string][]*load.Node{}
	for _, path := range templates {
		name := filepath.Base(filepath.Dir(path))
		res := lintComponent(t, name, requiredInputs(specInputs(t, path)))
		if res.Pipeline == nil {
			t.Fatalf("%s does not render with its defaults: %v", name, res.Findings)
		}
		for _, j := range res.Pipeline.Jobs {
			if !strings.HasPrefix(j.Name, ".") {
				byComponent[name] = append(byComponent[name], j.Node)
			}
		}
	}
	return byComponent
}

// TestImagesProvideEveryCommand checks components/IMAGES.md against the
// templates: each component's row names its default image exactly (name,
// tag, digest), and every command the rendered script calls is in the
// row's command list, which lists nothing the script does not call. A
// script that starts calling a tool fails here until the table says,
// after checking the image's own build files, that the image has it.
func TestImagesProvideEveryCommand(t *testing.T) {
	rows := readImagesTable(t)
	templates, _ := filepath.Glob(filepath.Join(runner.RepoRoot(), "components", "templates", "*", "template.yml"))
	jobs := componentJobs(t)
	for _, path := range templates {
		name := filepath.Base(filepath.Dir(path))
		t.Run(name, func(t *testing.T) {
			row, ok := rows[name]
			if !ok {
				if why, pending := pendingImageRows[name]; pending {
					t.Skipf("no row yet: %s", why)
				}
				t.Fatalf("components/IMAGES.md has no row for %s", name)
			}
			def := defaultImage(t, path)
			want := row.image + ":" + row.tag
			if row.digest != "" {
				want += "@" + row.digest
			}
			if def != want {
				t.Errorf("the default image is %s, IMAGES.md records %s: check the new image's build files and update the row", def, want)
			}
			if len(jobs[name]) == 0 {
				t.Fatalf("no job rendered for %s", name)
			}
			calledAll := map[string]bool{}
			for _, j := range jobs[name] {
				called := scriptCommands(t, runner.ScriptOf(j), jobVariables(j))
				for _, c := range called {
					calledAll[c] = true
				}
				if missing := missingCommands(called, row, name); len(missing) > 0 {
					t.Errorf("the script calls %v, which IMAGES.md does not list for %s", missing, want)
				}
			}
			for _, c := range row.commands {
				if !calledAll[c] {
					t.Errorf("IMAGES.md lists %s for %s, but the script does not call it", c, name)
				}
			}
		})
	}
}

// TestImagesCheckCatchesAMissingTool proves the check can fail: the
// kaniko-build script with one more call to a tool the kaniko image does
// not have (jq) is reported, and so is a command behind a variable.
func TestImagesCheckCatchesAMissingTool(t *testing.T) {
	rows := readImagesTable(t)
	j := componentJobs(t)["kaniko-build"][0]
	script := runner.ScriptOf(j) + "\njq -r .digest \"$CI_PROJECT_DIR/build.env\"\n$TOOL --version\n"
	missing := missingCommands(scriptCommands(t, script, jobVariables(j)), rows["kaniko-build"], "kaniko-build")
	if fmt.Sprint(missing) != "[$TOOL jq]" {
		t.Errorf("missing commands: %v, want [$TOOL jq]", missing)
	}
}

// defaultImage reads the image input's default from a template.
func defaultImage(t *testing.T, path string) string {
	t.Helper()
	f, _, err := load.Read(path, load.DefaultLimits())
	if err != nil || f.Header == nil {
		t.Fatalf("%s: %v", path, err)
	}
	in := f.Header.Get("spec").Get("inputs").Get("image")
	if in == nil || in.Get("default") == nil {
		t.Fatalf("%s: no image input with a default", path)
	}
	return in.Get("default").Text
}

// TestRenovateUpdatesEveryDefaultImage checks that renovate.json's custom
// manager finds each template's whole default image reference (name, tag
// and digest), so Renovate can keep every pin current and add digests.
func TestRenovateUpdatesEveryDefaultImage(t *testing.T) {
	var cfg struct {
		CustomManagers []struct {
			FileMatch    []string `json:"fileMatch"`
			MatchStrings []string `json:"matchStrings"`
			AutoReplace  string   `json:"autoReplaceStringTemplate"`
		} `json:"customManagers"`
	}
	b, err := os.ReadFile(filepath.Join(runner.RepoRoot(), "renovate.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &cfg); err != nil || len(cfg.CustomManagers) == 0 {
		t.Fatalf("renovate.json: %v", err)
	}
	m := cfg.CustomManagers[0]
	if !strings.Contains(m.AutoReplace, "newDigest") {
		t.Error("without an autoReplaceStringTemplate that writes newDigest, Renovate cannot add a digest to a default")
	}
	re := regexp.MustCompile(m.MatchStrings[0])
	templates, _ := filepath.Glob(filepath.Join(runner.RepoRoot(), "components", "templates", "*", "template.yml"))
	for _, path := range templates {
		def := defaultImage(t, path)
		got := re.FindStringSubmatch("default: " + def + "\n")
		if got == nil || got[0] != "default: "+def {
			t.Errorf("%s: Renovate's pattern does not match the whole default image %s: %q", filepath.Base(filepath.Dir(path)), def, got)
		}
	}
}

// tagSchemes are the tag schemes the image projects' release files use
// (components/IMAGES.md says where each was read): the kaniko fork
// publishes vX.Y.Z-debug, BuildKit vX.Y.Z-rootless, Trivy X.Y.Z without
// a v.
var tagSchemes = map[string]*regexp.Regexp{
	"ghcr.io/osscontainertools/kaniko": regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+-debug$`),
	"moby/buildkit":                    regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+-rootless$`),
	"aquasec/trivy":                    regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`),
	"ghcr.io/astral-sh/ruff":           regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+-alpine$`),
}

// TestImageTagsFollowTheProjectsSchemes finds every reference to those
// images in the templates, the repository's pipelines and the component
// tests, and checks its tag against the project's scheme: a tag the
// project never publishes cannot be pulled.
func TestImageTagsFollowTheProjectsSchemes(t *testing.T) {
	root := runner.RepoRoot()
	var files []string
	for _, pattern := range []string{"components/templates/*/template.yml", ".gitlab-ci.yml", "components/.gitlab-ci.yml", "examples/*/.gitlab-ci.yml", "tests/components/*.go"} {
		m, _ := filepath.Glob(filepath.Join(root, pattern))
		files = append(files, m...)
	}
	found := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for name, scheme := range tagSchemes {
			re := regexp.MustCompile(regexp.QuoteMeta(name) + `:([A-Za-z0-9._-]+)`)
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				if f == filepath.Join(root, "tests", "components", "images_test.go") {
					continue
				}
				found++
				if !scheme.MatchString(m[1]) {
					rel, _ := filepath.Rel(root, f)
					t.Errorf("%s: %s:%s does not follow the project's tag scheme %s", rel, name, m[1], scheme)
				}
			}
		}
	}
	if found < len(tagSchemes) {
		t.Errorf("found %d references, fewer than the %d images: the test checks nothing", found, len(tagSchemes))
	}
}

// The BuildKit make image-test builds and runs for real (tests/tools) is
// the version buildkit-build's default image runs.
func TestRealBuildkitIsTheDefaultImagesVersion(t *testing.T) {
	mod := readFile(t, filepath.Join(runner.RepoRoot(), "tests", "tools", "go.mod"))
	m := regexp.MustCompile(`(?m)^require github\.com/moby/buildkit (v\S+)$`).FindStringSubmatch(mod)
	if m == nil {
		t.Fatal("tests/tools/go.mod does not require github.com/moby/buildkit")
	}
	tmpl := readFile(t, filepath.Join(runner.RepoRoot(), "components", "templates", "buildkit-build", "template.yml"))
	if !strings.Contains(tmpl, "moby/buildkit:"+m[1]+"-rootless") {
		t.Errorf("tests/tools builds BuildKit %s, but buildkit-build's default image is another version", m[1])
	}
}
