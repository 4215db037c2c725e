package impact

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/lint"
	"gitlab.com/trustci/cicd/linter/repo"
)

const testPrefix = "gitlab.example.com/acme/components"

// versions of the catalog's one component, build: 1.0.0 has image_tag;
// 1.1.0 adds push; 2.0.0 changes push's default. The change under test
// (newTemplate) renames image_tag to tag.
var versions = []struct{ tag, template string }{
	{"1.0.0", buildTemplate("image_tag", false, "")},
	{"1.1.0", buildTemplate("image_tag", true, "true")},
	{"2.0.0", buildTemplate("image_tag", true, "false")},
}

var newTemplate = buildTemplate("tag", true, "false")

func buildTemplate(tagInput string, withPush bool, pushDefault string) string {
	var b strings.Builder
	b.WriteString("spec:\n  description: Builds the image.\n  inputs:\n")
	b.WriteString("    stage:\n      default: build\n      description: Stage of the job.\n")
	fmt.Fprintf(&b, "    %s:\n      default: latest\n      description: Tag of the image.\n", tagInput)
	if withPush {
		fmt.Fprintf(&b, "    push:\n      type: boolean\n      default: %s\n      description: Push the image.\n", pushDefault)
	}
	b.WriteString("---\nbuild-image:\n  stage: $[[ inputs.stage ]]\n  image: alpine:3.20\n  script:\n")
	fmt.Fprintf(&b, "    - echo building $[[ inputs.%s ]]\n", tagInput)
	if withPush {
		b.WriteString("    - echo push=$[[ inputs.push ]]\n")
	}
	return b.String()
}

func git(t testing.TB, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// catalogRepo makes a repository whose components/ folder is the
// catalog, one commit and tag per version, then the change in the
// working tree. It returns the catalog folder.
func catalogRepo(t testing.TB) string {
	t.Helper()
	if !repo.Installed() {
		t.Skip("needs git")
	}
	root := t.TempDir()
	git(t, root, "init", "-q", "-b", "main")
	dir := filepath.Join(root, "components")
	write(t, filepath.Join(dir, "README.md"), "# Components\n")
	for _, v := range versions {
		write(t, filepath.Join(dir, "templates", "build", "template.yml"), v.template)
		git(t, root, "add", "-A")
		git(t, root, "commit", "-q", "-m", "release "+v.tag)
		git(t, root, "tag", v.tag)
	}
	write(t, filepath.Join(dir, "templates", "build", "template.yml"), newTemplate)
	return dir
}

// consumer writes a project pinning version, setting image_tag when
// setsTag; the include is in a local file when viaLocal.
func consumerFiles(version string, setsTag, viaLocal bool) map[string]string {
	inc := "  - component: $CI_SERVER_FQDN/acme/components/build@" + version + "\n"
	if setsTag {
		inc += "    inputs:\n      image_tag: v1\n"
	}
	files := map[string]string{}
	main := "stages: [build, test]\n\ninclude:\n"
	if viaLocal {
		files["ci/build.yml"] = "include:\n" + inc
		main += "  - local: ci/build.yml\n"
	} else {
		main += inc
	}
	main += "\nunit:\n  stage: test\n  image: alpine:3.20\n  script: [echo test]\n"
	files[".gitlab-ci.yml"] = main
	return files
}

func lintOptions() lint.Options {
	return lint.Options{ServerFQDN: "gitlab.example.com"}
}

func TestRenameBreaksExactlyTheConsumersThatSetIt(t *testing.T) {
	cat := catalogRepo(t)
	consumers := []struct {
		name            string
		version         string
		setsTag, local  bool
		wantBroken      bool
		wantBeforeCount int
	}{
		{"pins-1.0.0-sets-tag", "1.0.0", true, false, true, 0},
		{"pins-1.1.0-defaults", "1.1.0", false, false, false, 0},
		{"pins-2.0.0-sets-tag-in-local-file", "2.0.0", true, true, true, 0},
		{"pins-partial-1-defaults", "1", false, false, false, 0},
		{"pins-latest-sets-tag", "~latest", true, false, true, 0},
	}
	base := t.TempDir()
	var cs []Consumer
	for _, c := range consumers {
		dir := filepath.Join(base, c.name)
		for p, content := range consumerFiles(c.version, c.setsTag, c.local) {
			write(t, filepath.Join(dir, p), content)
		}
		git(t, dir, "init", "-q")
		cs = append(cs, Consumer{Name: c.name, Dir: dir})
	}
	r, err := New(Options{Prefix: testPrefix, NewDir: cat, Lint: lintOptions(), Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rep := r.Run(cs)
	if len(rep.Consumers) != len(consumers) {
		t.Fatalf("got %d rows, want %d: %+v", len(rep.Consumers), len(consumers), rep.Consumers)
	}
	for _, c := range consumers {
		i := slices.IndexFunc(rep.Consumers, func(row Row) bool { return row.Consumer == c.name })
		row := rep.Consumers[i]
		if row.Error != "" {
			t.Errorf("%s: not linted: %s", c.name, row.Error)
			continue
		}
		if row.Before != c.wantBeforeCount {
			t.Errorf("%s: %d findings before the change, want %d", c.name, row.Before, c.wantBeforeCount)
		}
		if got := len(row.NewErrors) > 0; got != c.wantBroken {
			t.Errorf("%s: broken = %v, want %v (%+v)", c.name, got, c.wantBroken, row.NewErrors)
		}
		if want := []Use{{"build", c.version}}; !slices.Equal(row.Uses, want) {
			t.Errorf("%s: uses %v, want %v", c.name, row.Uses, want)
		}
		for _, p := range row.NewErrors {
			wantFile := c.name + "/.gitlab-ci.yml"
			if c.local {
				wantFile = c.name + "/ci/build.yml"
			}
			if p.File != wantFile || p.Line == 0 || p.Rule != "input-unknown" || !strings.Contains(p.Message, "image_tag") {
				t.Errorf("%s: new error %+v, want input-unknown about image_tag in %s", c.name, p, wantFile)
			}
		}
	}
	if !rep.Failed() {
		t.Error("the report does not fail")
	}
	var text bytes.Buffer
	if err := rep.Text(&text); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + text.String())
	if !strings.Contains(text.String(), "3 of 5 consumers break with the change") {
		t.Errorf("table:\n%s", text.String())
	}
}

// TestOneConsumer runs one consumer through a catalog: with the working
// tree back at the release it uses nothing breaks; a version the catalog
// never released is the consumer's error, and names that version.
func TestOneConsumer(t *testing.T) {
	for _, tc := range []struct {
		name      string
		version   string
		setsTag   bool
		unchanged bool   // the working tree back at 2.0.0: nothing new anywhere
		wantError string // in the consumer's error; "" for none
	}{
		{name: "unchanged catalog breaks nothing", version: "2.0.0", setsTag: true, unchanged: true},
		{name: "unknown version is reported", version: "9.9.9", wantError: "9.9.9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cat := catalogRepo(t)
			if tc.unchanged {
				write(t, filepath.Join(cat, "templates", "build", "template.yml"), versions[2].template)
			}
			dir := filepath.Join(t.TempDir(), "c")
			for p, content := range consumerFiles(tc.version, tc.setsTag, false) {
				write(t, filepath.Join(dir, p), content)
			}
			r, err := New(Options{Prefix: testPrefix, NewDir: cat, Lint: lintOptions()})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			rep := r.Run([]Consumer{{Name: "c", Dir: dir}})
			if len(rep.Consumers) != 1 {
				t.Fatalf("report %+v", rep)
			}
			got := rep.Consumers[0].Error
			if tc.wantError == "" && (got != "" || rep.Failed()) || tc.wantError != "" && !strings.Contains(got, tc.wantError) {
				t.Errorf("consumer error %q, failed %v; want an error with %q", got, rep.Failed(), tc.wantError)
			}
		})
	}
}
