// Package runner is what the catalog's tests need of GitLab and its
// runner: a consumer pipeline rendered through cilint against the local
// catalog, and a job's script run the way a runner runs it (variables
// expanded as GitLab expands them, then exported as they are). Both
// tests/components and tests/image use it, so the two cannot drift.
package runner

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/lint"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/report"
)

// CatalogPrefix is where consumer pipelines in the tests find the catalog.
const CatalogPrefix = "gitlab.com/trustci/components"

// RepoRoot is this repository's root, found from this file.
func RepoRoot() string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(here), "..", "..", "..")
}

// Lint lints a consumer pipeline against the local catalog, as written,
// whatever it finds.
func Lint(t testing.TB, pipeline string) *lint.Result {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, ".gitlab-ci.yml")
	if err := os.WriteFile(path, []byte(pipeline), 0o644); err != nil {
		t.Fatal(err)
	}
	return LintFile(t, path, dir)
}

// LintFile lints a pipeline file of a repository (root) against the local
// catalog, whatever it finds.
func LintFile(t testing.TB, path, root string) *lint.Result {
	t.Helper()
	l, err := lint.New(lint.Options{Root: root, ServerFQDN: "gitlab.com",
		Catalogs: map[string]string{CatalogPrefix: filepath.Join(RepoRoot(), "components")}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.File(path)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// RenderRepoFile renders one of this repository's own pipelines (rel,
// from the repository's root) as its CI lints it, with the catalogs
// .cilint.yml names, and fails the test on any error.
func RenderRepoFile(t testing.TB, rel string) *lint.Result {
	t.Helper()
	l, err := lint.New(lint.Options{Root: RepoRoot(), ServerFQDN: "gitlab.com"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.File(filepath.Join(RepoRoot(), rel))
	if err != nil {
		t.Fatal(err)
	}
	return mustRender(t, res)
}

// RenderFile is LintFile for a pipeline that must have no error.
func RenderFile(t testing.TB, path, root string) *lint.Result {
	t.Helper()
	return mustRender(t, LintFile(t, path, root))
}

// Render is Lint for a pipeline that must have no error.
func Render(t testing.TB, pipeline string) *lint.Result {
	t.Helper()
	return mustRender(t, Lint(t, pipeline))
}

func mustRender(t testing.TB, res *lint.Result) *lint.Result {
	t.Helper()
	if finding.HasErrors(res.Findings) {
		var b bytes.Buffer
		report.Text(&b, res.Findings, res.Sources(), report.TextOptions{})
		t.Fatalf("cilint finds errors in the rendered pipeline:\n%s", b.String())
	}
	if res.Pipeline == nil {
		t.Fatal("no pipeline")
	}
	return res
}

// ScriptOf is what the runner runs: before_script then script, one entry
// per line.
func ScriptOf(j *load.Node) string {
	var lines []string
	var add func(n *load.Node)
	add = func(n *load.Node) {
		switch {
		case n == nil:
		case n.Kind == load.String:
			lines = append(lines, n.Text)
		case n.Kind == load.Seq:
			for _, it := range n.Items {
				add(it)
			}
		}
	}
	add(j.Get("before_script"))
	add(j.Get("script"))
	return strings.Join(lines, "\n")
}

// JobScript is the shell text a runner runs for j: `set -e`, the job's
// variables expanded as GitLab expands them and exported as they are,
// then overrides (exported last, in name order), then ScriptOf.
func JobScript(j *load.Node, env, overrides map[string]string) string {
	var b strings.Builder
	b.WriteString("set -e\n")
	known := map[string]string{}
	for k, v := range env {
		known[k] = v
	}
	if vars := j.Get("variables"); vars != nil {
		for _, p := range vars.Pairs {
			v := ExpandVariable(p.Value.Name(), known)
			known[p.Key.Name()] = v
			fmt.Fprintf(&b, "export %s=%s\n", p.Key.Name(), ShellQuote(v))
		}
	}
	keys := make([]string, 0, len(overrides))
	for k := range overrides {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "export %s=%s\n", k, ShellQuote(overrides[k]))
	}
	b.WriteString(ScriptOf(j) + "\n")
	return b.String()
}

// ExpandVariable expands a variable's value the way GitLab's runner does:
// $NAME and ${NAME} are replaced (unknown ones by nothing), $$ is a
// dollar; everything else, $( and backquotes included, stays as written.
func ExpandVariable(v string, known map[string]string) string {
	return os.Expand(v, func(name string) string {
		if name == "$" {
			return "$"
		}
		return known[name]
	})
}

// ShellQuote quotes s for sh so that it is taken as it is.
func ShellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Output runs cmd and returns what it printed (stdout and stderr) and its
// exit status; failing to start it fails the test.
func Output(t testing.TB, cmd *exec.Cmd) (string, int) {
	t.Helper()
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

// RunJob runs job j's script as a runner does (JobScript) in one sh, in
// dir, with exactly env as its environment; it returns what the job
// printed and its exit status.
func RunJob(t testing.TB, j *load.Node, dir string, env, overrides map[string]string) (string, int) {
	t.Helper()
	script := filepath.Join(t.TempDir(), "job.sh")
	if err := os.WriteFile(script, []byte(JobScript(j, env, overrides)), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", script)
	cmd.Dir = dir
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return Output(t, cmd)
}

// Run runs a command in dir (the test's own when empty), with env added
// to the test's environment, and returns its standard output; a failure
// fails the test with both outputs.
func Run(t testing.TB, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", filepath.Base(name), strings.Join(args[:min(len(args), 8)], " "), err, out, stderr.String())
	}
	return string(out)
}

// Step runs f and logs how long it took (a measurement for people, never
// an assertion).
func Step(t testing.TB, name string, f func()) {
	t.Helper()
	start := time.Now()
	f()
	t.Logf("step %-32s %6.1fs", name, time.Since(start).Seconds())
}

// CopyTree copies the regular files and folders under src to dst
// (writable copies, executables kept executable), leaving out .git and
// the paths, relative to src, that skip names.
func CopyTree(t testing.TB, src, dst string, skip func(rel string) bool) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if rel != "." && (d.Name() == ".git" || skip != nil && skip(rel)) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		mode := fs.FileMode(0o644)
		if info.Mode()&0o111 != 0 {
			mode = 0o755
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, mode)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// ReadDotenv reads a dotenv report (NAME=value lines).
func ReadDotenv(t testing.TB, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			m[k] = v
		}
	}
	return m
}

// Registry is the throw-away TLS registry scripts/with-registry starts.
type Registry struct {
	Host, User, Password, CA, CABundle, CertDir string
}

// NeedRegistry is the registry from scripts/with-registry's environment,
// or the test is skipped.
func NeedRegistry(t testing.TB) Registry {
	t.Helper()
	r := Registry{Host: os.Getenv("REGISTRY"), User: os.Getenv("REGISTRY_USER"), Password: os.Getenv("REGISTRY_PASSWORD"),
		CA: os.Getenv("REGISTRY_CA"), CABundle: os.Getenv("REGISTRY_CA_BUNDLE"), CertDir: os.Getenv("REGISTRY_CERT_DIR")}
	if r.Host == "" || r.CertDir == "" {
		t.Skip("needs the registry of scripts/with-registry")
	}
	return r
}

// Base64 is standard base64, as registry auth files hold credentials.
func Base64(s string) string {
	return base64.StdEncoding.EncodeToString([]byte(s))
}

// FreePort is a TCP port on the loopback interface that was free a moment
// ago, for a server the test starts.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Get asks for a page without following redirects, with headers (a Host
// header becomes the request's host, as a proxy or a probe sends it), and
// returns the status and the body, or 0 and the error.
func Get(url string, headers map[string]string) (int, string) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return 0, err.Error()
	}
	for k, v := range headers {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Binary is a Go command built once for all the tests of a package that
// need it: declare one per command in the test package, call Remove from
// TestMain after m.Run.
type Binary struct {
	once sync.Once
	dir  string
	err  error
	out  []byte
}

// Path builds pkg (a package path or ./dir, resolved in module's folder;
// empty for the test's own) as name into a temporary folder the first
// time it is asked for, and returns the binary's path.
func (b *Binary) Path(t testing.TB, module, pkg, name string) string {
	t.Helper()
	b.once.Do(func() {
		b.dir, b.err = os.MkdirTemp("", name+"-bin-")
		if b.err != nil {
			return
		}
		build := exec.Command("go", "build", "-o", filepath.Join(b.dir, name), pkg)
		build.Dir = module
		b.out, b.err = build.CombinedOutput()
	})
	if b.err != nil {
		t.Fatalf("build %s: %v\n%s", name, b.err, b.out)
	}
	return filepath.Join(b.dir, name)
}

// Remove deletes what Path built.
func (b *Binary) Remove() {
	if b.dir != "" {
		os.RemoveAll(b.dir)
	}
}
