// Package impact answers a catalog author's question before a release:
// which consumer pipelines does this change break? Each consumer is
// linted twice through package lint, with the catalog at the version it
// pins (from the catalog repository's tags, else its GitLab instance) and
// with the changed catalog in its place, and the errors only the second
// lint has are reported at their place in the consumer. Consumers are
// local checkouts, or the projects of a GitLab group (group.go), linted
// by a bounded pool of workers and, for big groups, split into shards
// whose reports merge into the unsharded one (report.go, shard.go).
package impact

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/lint"
	"gitlab.com/trustci/cicd/linter/tree"
)

// Options configure an impact run.
type Options struct {
	// Prefix is the catalog as consumers name it (<host>/<project path>),
	// NewDir the changed catalog project.
	Prefix, NewDir string
	// Lint are the options of every lint (ServerFQDN, Remote for project
	// includes and for releases the repository does not have);
	// Catalogs gains the catalog at each version.
	Lint lint.Options
	// Workers bounds the lints running at once (default GOMAXPROCS).
	Workers int
	// Shard, when set, keeps the consumers of that part of the split.
	Shard *Shard
}

// Consumer is one pipeline to check: a checkout and its CI/CD
// configuration file in it.
type Consumer struct {
	Name string
	Dir  string
	// Config is the configuration file, relative to Dir (default
	// .gitlab-ci.yml).
	Config string
}

// Runner lints consumers before and after a catalog change.
type Runner struct {
	opts     Options
	released *released
	uses     *regexp.Regexp

	mu      sync.Mutex
	linters map[string]*lint.Linter // by catalog folder ("" for the instance's)
}

// New prepares a run; Close removes the released versions it checked out.
func New(opts Options) (*Runner, error) {
	host, project, ok := strings.Cut(opts.Prefix, "/")
	if !ok || host == "" || !strings.Contains(project, "/") || strings.HasSuffix(project, "/") {
		return nil, fmt.Errorf("--catalog %s: the prefix is <host>/<group>/<project>, as consumers name the catalog in component references", opts.Prefix)
	}
	if st, err := os.Stat(filepath.Join(opts.NewDir, "templates")); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("--catalog %s=%s: %s has no templates/ folder, so it is not a catalog project", opts.Prefix, opts.NewDir, opts.NewDir)
	}
	rel, err := newReleased(opts.NewDir)
	if err != nil {
		return nil, err
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	hosts := []string{regexp.QuoteMeta(host), `\$CI_SERVER_FQDN`, `\$\{CI_SERVER_FQDN\}`, `\$CI_SERVER_HOST`, `\$\{CI_SERVER_HOST\}`}
	uses := regexp.MustCompile(`(?:` + strings.Join(hosts, "|") + `)/` + regexp.QuoteMeta(project) + `/([A-Za-z0-9_-]+)@([A-Za-z0-9_.~/+-]+)`)
	return &Runner{opts: opts, released: rel, uses: uses, linters: map[string]*lint.Linter{}}, nil
}

// Close removes the temporary checkouts.
func (r *Runner) Close() { r.released.close() }

// linter is the Linter reading the catalog from dir ("": from the
// instance); one per catalog version, shared by every consumer.
func (r *Runner) linter(dir string) (*lint.Linter, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if l := r.linters[dir]; l != nil {
		return l, nil
	}
	o := r.opts.Lint
	o.Catalogs = map[string]string{}
	for k, v := range r.opts.Lint.Catalogs {
		o.Catalogs[k] = v
	}
	delete(o.Catalogs, r.opts.Prefix)
	if dir != "" {
		o.Catalogs[r.opts.Prefix] = dir
	}
	l, err := lint.New(o)
	if err != nil {
		return nil, err
	}
	r.linters[dir] = l
	return l, nil
}

// Run lints every consumer (those of the shard, with a shard) with at
// most Workers lints at once and returns the report, sorted by consumer.
func (r *Runner) Run(consumers []Consumer) *Report {
	var todo []Consumer
	for _, c := range consumers {
		if r.opts.Shard.Holds(c.Name) {
			todo = append(todo, c)
		}
	}
	return r.checkAll(todo)
}

// checkAll checks consumers with the pool of workers.
func (r *Runner) checkAll(todo []Consumer) *Report {
	rep := &Report{Catalog: r.opts.Prefix, Shard: r.opts.Shard, Scanned: len(todo)}
	rows := make([]*Row, len(todo))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(r.opts.Workers, max(len(todo), 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				rows[i] = r.Check(todo[i])
			}
		}()
	}
	for i := range todo {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	for _, row := range rows {
		if row != nil {
			rep.Consumers = append(rep.Consumers, *row)
		}
	}
	rep.sort()
	return rep
}

// Check lints one consumer before and after the change; nil when it does
// not use the catalog.
func (r *Runner) Check(c Consumer) *Row {
	if c.Config == "" {
		c.Config = ".gitlab-ci.yml"
	}
	uses, err := r.Uses(c)
	row := &Row{Consumer: c.Name, Uses: uses}
	if err != nil {
		row.Error = err.Error()
		return row
	}
	if len(uses) == 0 {
		return nil
	}
	// All components of a catalog project are released together: the
	// version a consumer pins is the catalog's (the first one named, when
	// a consumer mixes them).
	beforeDir, _, err := r.released.dir(uses[0].Version)
	if err != nil {
		if r.opts.Lint.Remote == nil {
			row.Error = fmt.Sprintf("the released catalog at %s: %v", uses[0].Version, err)
			return row
		}
		// Not in the local repository (no tags, a shallow clone): the
		// release as the instance serves it.
		beforeDir = ""
	}
	path := filepath.Join(c.Dir, c.Config)
	before, err := r.lint(beforeDir, path)
	if err != nil {
		row.Error = err.Error()
		return row
	}
	after, err := r.lint(r.opts.NewDir, path)
	if err != nil {
		row.Error = err.Error()
		return row
	}
	row.Before, row.After = len(before), len(after)
	old := map[string]bool{}
	for _, f := range before {
		old[r.key(f, beforeDir)] = true
	}
	for _, f := range after {
		if f.Severity != finding.Error || old[r.key(f, r.opts.NewDir)] {
			continue
		}
		at := outermost(f.Pos)
		p := Problem{File: rel(c.Dir, at.File, c.Name), Line: at.Line, Column: at.Col, Rule: f.Rule, Message: r.normalise(f.Message, r.opts.NewDir)}
		if f.Pos.Via != nil {
			p.Template = fmt.Sprintf("%s:%d", catalogPath(f.Pos.File, r.opts.NewDir), f.Pos.Line)
		}
		row.NewErrors = append(row.NewErrors, p)
	}
	return row
}

func (r *Runner) lint(catalogDir, path string) ([]finding.Finding, error) {
	l, err := r.linter(catalogDir)
	if err != nil {
		return nil, err
	}
	res, err := l.File(path)
	if err != nil {
		return nil, err
	}
	return res.Findings, nil
}

// key identifies a finding across the two catalogs: where it lands in the
// consumer, the rule, the message with the catalog's folder taken out,
// and the template file (not its line, which edits move).
func (r *Runner) key(f finding.Finding, catalogDir string) string {
	at := outermost(f.Pos)
	tmpl := ""
	if f.Pos.Via != nil {
		tmpl = catalogPath(f.Pos.File, catalogDir)
	}
	return fmt.Sprintf("%s\x00%d\x00%d\x00%s\x00%s\x00%s", at.File, at.Line, at.Col, f.Rule, r.normalise(f.Message, catalogDir), tmpl)
}

func (r *Runner) normalise(msg, catalogDir string) string {
	if catalogDir == "" {
		return msg
	}
	return strings.ReplaceAll(msg, filepath.Clean(catalogDir)+string(filepath.Separator), "")
}

// outermost is the position in the consumer's own file: the first
// include a value came through.
func outermost(p finding.Pos) finding.Pos {
	chain := p.Chain()
	if len(chain) == 0 {
		return p
	}
	return chain[len(chain)-1]
}

func catalogPath(file, catalogDir string) string {
	if catalogDir != "" {
		if rel, err := filepath.Rel(catalogDir, file); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(file)
}

// rel names a consumer's file as its project does: name/path.
func rel(dir, file, name string) string {
	if r, err := filepath.Rel(dir, file); err == nil && !strings.HasPrefix(r, "..") {
		return name + "/" + filepath.ToSlash(r)
	}
	return filepath.ToSlash(file)
}

// Bounds of the scan for component references in a consumer.
const (
	maxScanFiles = 1000
	maxScanBytes = 2 << 20
)

// readScanned reads a consumer's YAML file for Uses, or returns nil for
// one it passes over: one over GitLab's size limit (GitLab refuses such a
// file anyway) or one that is no longer a regular file (the walk passes
// over FIFOs, links and devices; one swapped in since must not hang the
// scan). The read itself is bounded, so a file that grows after the walk
// saw it is not read whole. A file that resolves outside the consumer's
// tree is an error: only a link swapped in during the walk makes one.
func readScanned(dir, p string) ([]byte, error) {
	if err := tree.Within(dir, p); err != nil {
		return nil, err
	}
	b, err := tree.ReadRegular(p, maxScanBytes)
	if errors.Is(err, tree.ErrNotRegular) || err == nil && len(b) > maxScanBytes {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("scanning for components: %w", err)
	}
	return b, nil
}

// Uses lists the components of the catalog a consumer's YAML files name,
// with their versions, sorted. It reads the text, not the merged
// configuration: a reference in a file included only on some pipelines
// counts too.
func (r *Runner) Uses(c Consumer) ([]Use, error) {
	seen := map[Use]bool{}
	files := 0
	err := filepath.WalkDir(c.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !(strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
			return nil
		}
		if files++; files > maxScanFiles {
			return fmt.Errorf("%s has more than %d YAML files", c.Name, maxScanFiles)
		}
		b, err := readScanned(c.Dir, p)
		if err != nil {
			return err
		}
		for _, m := range r.uses.FindAllSubmatch(b, -1) {
			seen[Use{Component: string(m[1]), Version: string(m[2])}] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Use, 0, len(seen))
	for u := range seen {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Component < out[j].Component || out[i].Component == out[j].Component && out[i].Version < out[j].Version
	})
	return out, nil
}
