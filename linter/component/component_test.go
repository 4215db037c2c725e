package component

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseRef(t *testing.T) {
	tests := []struct {
		in, fqdn string
		want     Ref
		err      string
	}{
		{"gitlab.com/agency/catalog/django-test@1.0.0", "", Ref{"gitlab.com", "agency/catalog", "django-test", "1.0.0"}, ""},
		{"$CI_SERVER_FQDN/a/b/c/comp@~latest", "git.example.org", Ref{"git.example.org", "a/b/c", "comp", "~latest"}, ""},
		{"${CI_SERVER_HOST}/g/p/x@0123abc", "h.io", Ref{"h.io", "g/p", "x", "0123abc"}, ""},
		{"gitlab.com/agency/catalog/django-test", "", Ref{}, "no @version"},
		{"gitlab.com/comp@1.0.0", "", Ref{}, "is not <host>"},
		{"gitlab.com/agency//comp@1", "", Ref{}, "empty path segment"},
		{"gitlab.com/agency/catalog/comp@", "", Ref{}, "empty version"},
		{"$OTHER/agency/catalog/comp@1", "", Ref{}, "uses a variable"},
	}
	for _, tt := range tests {
		got, err := ParseRef(tt.in, tt.fqdn)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseRef(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseRef(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestResolveLikeTheCatalog(t *testing.T) {
	// The example of GitLab's documentation on versions.
	releases := []string{"1.0.0", "1.1.0", "1.1.1", "1.2.0", "2.0.0", "2.0.1", "2.1.0", "2.2.0-rc1", "not-a-version"}
	tests := []struct {
		version, want string
		ok            bool
	}{
		{"1", "1.2.0", true},
		{"1.1", "1.1.1", true},
		{"~latest", "2.1.0", true},
		{"2.0.1", "2.0.1", true},
		{"3", "", false},
		{"1.3.0", "", false},
		{"main", "main", true},
		{"e3262fdd0914fa823210cdb79a8c421e2cef79d8", "e3262fdd0914fa823210cdb79a8c421e2cef79d8", true},
	}
	for _, tt := range tests {
		got, ok := Resolve(tt.version, releases)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Resolve(%q) = %q, %v; want %q, %v", tt.version, got, ok, tt.want, tt.ok)
		}
	}
	for v, k := range map[string]Kind{"1.2.3": Exact, "1.2": Partial, "1": Partial, "~latest": Latest, "abc1234": SHA, "main": Branch, "feature/x": Branch} {
		if KindOf(v) != k {
			t.Errorf("KindOf(%q) = %v, want %v", v, KindOf(v), k)
		}
	}
	if !Latest.Moving() || !Branch.Moving() || Exact.Moving() || SHA.Moving() {
		t.Error("only ~latest and branches move")
	}
}

func TestLocalCatalog(t *testing.T) {
	dir := t.TempDir()
	write := func(p, s string) {
		t.Helper()
		p = filepath.Join(dir, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("templates/a.yml", "a:\n  script: echo\n")
	write("templates/b/template.yml", "spec:\n  description: B does b.\n  inputs:\n    x:\n      default: y\n---\nb:\n  script: echo $[[ inputs.x ]]\n")
	write("templates/b/README.md", "# b\n")
	write("templates/notes.md", "not a component")
	// A real repository: tags read through git, one of them packed.
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	git("init", "-q", ".")
	git("add", ".")
	git("commit", "-qm", "catalog")
	git("tag", "1.1.0")
	git("pack-refs", "--all")
	git("tag", "1.0.0")
	git("tag", "junk")
	head := git("rev-parse", "HEAD")
	l := Local{Dir: dir}
	names, err := l.Components()
	if err != nil || strings.Join(names, ",") != "a,b" {
		t.Fatalf("Components = %v, %v", names, err)
	}
	rel, _ := l.Releases()
	if strings.Join(rel, ",") != "1.0.0,1.1.0" {
		t.Errorf("Releases = %v", rel)
	}
	tm, err := l.Template("b", "1.1.0")
	if err != nil || tm.SHA != head || tm.Version != "1.1.0" {
		t.Errorf("Template = %+v, %v", tm, err)
	}
	if _, err := l.Template("c", "1.0.0"); err == nil {
		t.Error("missing component must fail")
	}
	info, err := Describe(l, "b")
	if err != nil || info.Description != "B does b." || !strings.HasSuffix(info.README, "README.md") {
		t.Errorf("Describe = %+v, %v", info, err)
	}
	changed, err := Docs(l, true)
	if err != nil || len(changed) != 1 {
		t.Fatalf("docs --check on a README without a table: %v, %v", changed, err)
	}
	if changed, _ := Docs(l, false); len(changed) != 1 {
		t.Fatal("docs must write the table")
	}
	if changed, _ := Docs(l, true); len(changed) != 0 {
		t.Errorf("after docs, --check must pass; stale: %v", changed)
	}
	readme, _ := os.ReadFile(filepath.Join(dir, "templates/b/README.md"))
	if !strings.Contains(string(readme), "| `x` | string | `y` |") || !strings.HasPrefix(string(readme), "# b\n") {
		t.Errorf("README:\n%s", readme)
	}
	// Editing the spec makes the table stale again.
	write("templates/b/template.yml", "spec:\n  inputs:\n    x:\n      default: z\n---\nb:\n  script: echo $[[ inputs.x ]]\n")
	if changed, _ := Docs(l, true); len(changed) != 1 {
		t.Error("a changed default must make the table stale")
	}
}

// Versions follow Semantic Versioning's precedence: numeric pre-release
// identifiers compare as numbers, and leading zeros are not versions.
func TestSemverPrecedence(t *testing.T) {
	vs := []string{"1.0.0", "1.0.0-rc.10", "1.0.0-rc.9", "1.0.0-rc.1", "0.9.0", "1.0.0-alpha", "01.2.3", "1.02.3", "v1.1.0"}
	SortReleases(vs)
	want := []string{"01.2.3", "1.02.3", "0.9.0", "1.0.0-alpha", "1.0.0-rc.1", "1.0.0-rc.9", "1.0.0-rc.10", "1.0.0", "v1.1.0"}
	if strings.Join(vs, " ") != strings.Join(want, " ") {
		t.Errorf("sorted = %v\nwant     %v", vs, want)
	}
	for _, bad := range []string{"01.2.3", "1.02.3", "1.2.03", "1.2", "1.2.3-01"} {
		if _, ok := ParseSemver(bad); ok {
			t.Errorf("%s must not be a version", bad)
		}
	}
	if got, _ := Resolve("~latest", []string{"1.0.0-rc.10", "0.9.0", "1.0.0-rc.9"}); got != "0.9.0" {
		t.Errorf("~latest never picks a pre-release: %s", got)
	}
	if got, _ := Resolve("1", []string{"1.2.0", "1.10.0", "1.9.9"}); got != "1.10.0" {
		t.Errorf("a partial version takes the highest release: %s", got)
	}
}

// A README past the size limit is refused, never rewritten from the part
// that was read.
func TestDocsRefusesAnOversizedREADME(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "templates", "a"), 0o755)
	os.WriteFile(filepath.Join(dir, "templates", "a", "template.yml"), []byte("spec:\n  inputs:\n    x:\n      default: y\n---\na:\n  script: echo $[[ inputs.x ]]\n"), 0o644)
	readme := filepath.Join(dir, "templates", "a", "README.md")
	big := strings.Repeat("#", maxTemplateBytes+10)
	os.WriteFile(readme, []byte(big), 0o644)
	if _, err := Docs(Local{Dir: dir}, false); err == nil {
		t.Error("an oversized README must be refused")
	}
	if b, _ := os.ReadFile(readme); len(b) != len(big) {
		t.Errorf("the README was rewritten: %d bytes", len(b))
	}
}
