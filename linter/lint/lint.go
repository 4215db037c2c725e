// Package lint runs cilint's stages on a pipeline file, from load to
// findings: load (YAML with positions and limits), include (local files
// merged, the rest recorded), pipeline (extends, !reference, defaults,
// stages, jobs), validate (the schema, on the merged configuration), and
// the checks GitLab makes when it creates a pipeline.
package lint

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"gitlab.com/trustci/cicd/linter/checks"
	"gitlab.com/trustci/cicd/linter/component"
	"gitlab.com/trustci/cicd/linter/config"
	"gitlab.com/trustci/cicd/linter/expr"
	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/gitlabversion"
	"gitlab.com/trustci/cicd/linter/include"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/pipeline"
	"gitlab.com/trustci/cicd/linter/repo"
	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/linter/tree"
	"gitlab.com/trustci/cicd/linter/validate"
)

// Options select what a run checks.
type Options struct {
	// SchemaOnly limits a run to the YAML and schema checks of the named
	// file alone: no include resolution, no merging, no cross-job checks.
	SchemaOnly bool
	Limits     load.Limits
	// Root is the repository root for include:local. Empty means the git
	// top level of the linted file, or its directory outside git.
	Root string
	// MaxIncludes overrides GitLab's default of 150 when positive.
	MaxIncludes int
	// Shellcheck runs ShellCheck (found on PATH) over the scripts.
	Shellcheck bool
	// ConfigPath is the .cilint.yml to use; empty means the one at the
	// repository root, if any.
	ConfigPath string
	// Catalogs maps component prefixes (<host>/<project path>) to local
	// catalog directories, on top of .cilint.yml's catalogs.
	Catalogs map[string]string
	// Inputs are values for the linted file's own spec:inputs.
	Inputs map[string]string
	// ServerFQDN is what $CI_SERVER_FQDN means in component references
	// (default gitlab.com).
	ServerFQDN string
	// Vars are variables include:rules may read (for a simulated
	// pipeline); nil means none is known.
	Vars expr.Vars
	// GitLabVersion is the GitLab release to lint against (--gitlab-version),
	// over .cilint.yml's gitlab_version; InstanceVersion is what the
	// environment says the instance runs (CI_SERVER_VERSION), under it.
	// Neither set: the instance named by Remote is asked, else the newest
	// release cilint knows (package gitlabversion).
	GitLabVersion, InstanceVersion string
	// Remote, when set, lets components without a local catalog, and
	// project, template and (if allowed) remote includes, be read from
	// their GitLab instance. Nil means offline.
	Remote *Remote
	// ReadFile reads the linted file, its include:local files and local
	// catalogs' templates (nil: tree.ReadRegular), within the same
	// bounds. cilint lsp passes one that answers with the editor's
	// unsaved buffers.
	ReadFile tree.ReadFunc
	// ReuseParses keeps each lint's parsed files (by name and content) and
	// parsed scripts (by text and shell dialect) for the next lint of the
	// Linter: a Linter that lints the same files again and again (cilint
	// lsp, on every change) parses only what changed. What neither of the
	// last two lints used is dropped.
	ReuseParses bool
}

// Remote configures reading catalogs through the GitLab API.
type Remote struct {
	// GitLabURL is the instance for components on its host (for example
	// a self-managed https://git.example.com); other hosts are reached
	// at https://<host>.
	GitLabURL       string
	Token, JobToken string
	CacheDir        string
	CAFile          string
	Timeout         time.Duration
	// AllowRemote lets include:remote URLs be fetched (HTTPS only).
	AllowRemote bool
	Context     context.Context

	// VersionURL and VersionToken are the instance asked for its GitLab
	// version (--remote's); empty means GitLabURL and Token.
	VersionURL, VersionToken string
}

// Linter lints files. Create it once: it compiles the schema.
type Linter struct {
	opts       Options
	version    *gitlabversion.Target // Options.GitLabVersion, resolved in New
	schema     *schemaPrep
	shellcheck string // ShellCheck's path, when asked for
	instance   *instanceVersion
	roots      *rootCache
	locals     *localCatalogs
	parses     *include.Parses    // with ReuseParses
	scripts    *checks.ScriptMemo // with ReuseParses
}

// localCatalogs are the local catalogs the Linter has read, by directory:
// each asks git for its tags and commit once per Linter, not once per
// lint (a long-lived Linter, cilint lsp's, lints on every change).
type localCatalogs struct {
	mu sync.Mutex
	m  map[string]component.Local
}

func (c *localCatalogs) get(dir string, read tree.ReadFunc) component.Local {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.m[dir]
	if !ok {
		l = component.NewLocal(dir)
		l.ReadFile = read
		c.m[dir] = l
	}
	return l
}

// rootCache remembers each folder's repository root: finding it asks git.
type rootCache struct {
	mu   sync.Mutex
	dirs map[string]string
}

// New prepares a Linter.
func New(opts Options) (*Linter, error) {
	if opts.Limits == (load.Limits{}) {
		opts.Limits = load.DefaultLimits()
	}
	var err error
	var target *gitlabversion.Target
	if opts.GitLabVersion != "" {
		t, err := gitlabversion.Resolve(opts.GitLabVersion)
		if err != nil {
			return nil, fmt.Errorf("--gitlab-version: %w", err)
		}
		target = &t
	}
	l := &Linter{opts: opts, version: target, schema: prepareSchema(), instance: &instanceVersion{}, roots: &rootCache{dirs: map[string]string{}},
		locals: &localCatalogs{m: map[string]component.Local{}}}
	if opts.ReuseParses {
		l.parses = include.NewParses()
		l.scripts = checks.NewScriptMemo()
	}
	if opts.Shellcheck {
		if l.shellcheck, err = exec.LookPath("shellcheck"); err != nil {
			return nil, fmt.Errorf("--shellcheck needs shellcheck on PATH (for example apt-get install shellcheck): %w", err)
		}
	}
	return l, nil
}

// GitLabVersionNote is what resolving Options.GitLabVersion noted (a
// release newer than cilint knows is linted as the newest), or "".
func (l *Linter) GitLabVersionNote() string {
	if l.version == nil {
		return ""
	}
	return l.version.Note
}

// schemaPrep is the schema being compiled: in the background, from New
// on, so that reading and merging the first file's includes does not wait
// for it (compiling is most of a small file's lint).
type schemaPrep struct {
	done chan struct{}
	v    *validate.Validator
	err  error
}

func prepareSchema() *schemaPrep {
	s := &schemaPrep{done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer func() {
			if p := recover(); p != nil {
				s.err = fmt.Errorf("prepare schema: %v", p)
			}
		}()
		v, err := validate.New()
		if err != nil {
			s.err = fmt.Errorf("prepare schema: %w", err)
			return
		}
		s.v = v
	}()
	return s
}

// get waits for the schema.
func (s *schemaPrep) get() (*validate.Validator, error) {
	<-s.done
	return s.v, s.err
}

// validate validates n against the schema; nothing when the schema could
// not be compiled (File and Source say so).
func (l *Linter) validate(n *load.Node) []finding.Finding {
	v, err := l.schema.get()
	if err != nil {
		return nil
	}
	return v.Validate(n)
}

// Result is what linting one pipeline produced.
type Result struct {
	// Files are every file read, the linted one first: the sources of the
	// findings.
	Files    []*load.File
	Pipeline *pipeline.Pipeline // nil in schema-only mode or when loading failed
	Findings []finding.Finding
	uses     []gitlabversion.Use // features used, for the version check
	// conditional are the includes whose include:rules were undecided.
	conditional []include.Conditional
	// settings are the .cilint.yml the run applied (nil when it could not
	// be read).
	settings *config.Config
}

// Settle applies the run's settings (.cilint.yml severities, rules turned
// off, # cilint-disable comments) to findings made after the run: the
// --remote cross-check's and cilint jobs'. Every command's findings go
// through the same settings.
func (r *Result) Settle(fs []finding.Finding) []finding.Finding {
	if len(fs) == 0 {
		return fs
	}
	return exit(r.settings, fs, r.Sources())
}

// BadGitLabVersion is the finding that makes the run's gitlab_version:
// (in .cilint.yml) unusable, if any: like a bad --gitlab-version it is a
// usage error, since linting against a release nobody meant would
// mislead.
func (r *Result) BadGitLabVersion() (finding.Finding, bool) {
	if r.settings == nil || r.settings.VersionProblem == nil {
		return finding.Finding{}, false
	}
	return *r.settings.VersionProblem, true
}

// Sources maps each file's path to its text.
func (r *Result) Sources() map[string][]byte {
	out := make(map[string][]byte, len(r.Files))
	for _, f := range r.Files {
		out[f.Path] = f.Source
	}
	return out
}

// File reads and lints the pipeline at path. The error is for a file that
// cannot be read at all.
func (l *Linter) File(path string) (*Result, error) {
	file, fs, err := load.ReadVia(l.opts.ReadFile, path, l.opts.Limits)
	if err != nil {
		return nil, err
	}
	res := l.run(file, fs)
	if _, err := l.schema.get(); err != nil {
		return nil, err
	}
	return res, nil
}

// Source lints src as if read from path.
func (l *Linter) Source(path string, src []byte) *Result {
	file, fs := load.Parse(path, src, l.opts.Limits)
	res := l.run(file, fs)
	if _, err := l.schema.get(); err != nil {
		res.Findings = append(res.Findings, res.Settle([]finding.Finding{rules.New(rules.Schema, finding.Pos{File: path}, err.Error())})...)
		finding.Sort(res.Findings)
	}
	return res
}

func (l *Linter) run(file *load.File, fs []finding.Finding) *Result {
	path := l.opts.ConfigPath
	var err error
	if path == "" {
		// The repository's own .cilint.yml comes with the merge request:
		// it must be a file of the repository, not a link out of it.
		root := l.root(file.Path)
		path = displayPath(filepath.Join(root, config.FileName))
		err = tree.Within(root, path)
	}
	var cfg *config.Config
	var cfs []finding.Finding
	if err == nil {
		cfg, cfs, err = config.Load(path)
	}
	if err != nil {
		res := &Result{Files: []*load.File{file}}
		res.Findings = exit(nil, append(fs, rules.New(rules.Config, finding.Pos{File: path}, err.Error())), nil)
		return res
	}
	res := l.collect(file, fs, cfg)
	if cfg.Path != "" {
		res.Files = append(res.Files, &load.File{Path: cfg.Path, Source: cfg.Source})
	}
	res.settings = cfg
	res.Findings = exit(cfg, append(res.Findings, cfs...), res.Sources())
	return res
}

// displayPath names a file relative to the working directory when it is
// inside it, as a user would type it.
func displayPath(abs string) string {
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, abs); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return abs
}

// collect runs the stages and gathers their findings, unfiltered and in
// the order the stages made them: run's exit sorts them.
func (l *Linter) collect(file *load.File, fs []finding.Finding, cfg *config.Config) *Result {
	res := &Result{Files: []*load.File{file}, Findings: fs}
	if file.Body == nil && finding.HasErrors(fs) {
		return res
	}
	if l.opts.SchemaOnly {
		// The file alone: its include entries are validated, not followed.
		body, shape := include.Body(file, nil, l.opts.Limits)
		res.Findings = append(res.Findings, shape...)
		res.Findings = append(res.Findings, l.validateParts(file)...)
		if body != nil {
			res.Findings = append(res.Findings, l.validate(load.Without(body, "include"))...)
		}
		return res
	}
	// One set of options, so child pipelines share the catalogs and the
	// GitLab client (and what it learnt: an instance that is down).
	opts := l.includeOptions(file.Path, cfg)
	rn := &lintRun{children: map[string]*Result{}, parts: map[*load.File][]finding.Finding{}}
	opts.Cache = include.NewCache()
	if l.parses != nil {
		l.parses.Sweep()
		l.scripts.Sweep()
		opts.Cache = include.NewCacheWith(l.parses)
	}
	l.resolveAndCheck(res, file, opts, rn)
	if res.Pipeline != nil {
		l.children(res, opts, 1, rn)
	}
	if len(res.conditional) > 0 {
		l.variants(res, file, fs, opts, 1, rn)
	}
	res.Findings = append(res.Findings, l.versionFindings(res, cfg)...)
	res.Findings = dropRepeats(res.Findings)
	return res
}

// includeOptions are how includes of the file at path are resolved.
func (l *Linter) includeOptions(path string, cfg *config.Config) include.Options {
	opts := include.DefaultOptions(l.root(path))
	opts.Limits = l.opts.Limits
	if l.opts.MaxIncludes > 0 {
		opts.MaxIncludes = l.opts.MaxIncludes
	}
	opts.ServerFQDN = l.opts.ServerFQDN
	if opts.ServerFQDN == "" {
		opts.ServerFQDN = "gitlab.com"
	}
	opts.PipelineInputs = l.opts.Inputs
	opts.Catalogs = l.catalogs(cfg)
	opts.Fetch = l.fetcher()
	opts.Vars = l.opts.Vars
	opts.ReadFile = l.opts.ReadFile
	if rm := l.opts.Remote; rm != nil && rm.Context != nil {
		opts.Context = rm.Context
	}
	return opts
}

// resolveAndCheck resolves file's includes into res, builds the pipeline
// and runs the schema and every check on it.
func (l *Linter) resolveAndCheck(res *Result, file *load.File, opts include.Options, rn *lintRun) {
	inc := include.Resolve(file, opts)
	res.Files = inc.Files
	res.conditional = inc.Conditional
	res.Findings = append(res.Findings, inc.Findings...)
	for _, f := range inc.Files {
		// Files are shared between the variants and children of one
		// lint (include.Cache): each one's parts are validated once.
		parts, ok := rn.parts[f]
		if !ok {
			parts = l.validateParts(f)
			rn.parts[f] = parts
		}
		res.Findings = append(res.Findings, parts...)
	}
	if inc.Config == nil {
		return
	}
	p := pipeline.Build(inc.Config, inc.Unresolved)
	p.Template = file.Header != nil
	res.Pipeline = p
	res.Findings = append(res.Findings, p.Findings...)
	res.Findings = append(res.Findings, l.validate(p.Config)...)
	found, err := checks.Run(context.Background(), p, res.Sources(), l.shellcheck, opts.Cache.Exprs(), l.scripts)
	res.Findings = append(res.Findings, found...)
	res.uses = append(res.uses, gitlabversion.Detect(inc.Files, p)...)
	if err != nil {
		res.Findings = append(res.Findings, rules.New(rules.Shellcheck, finding.Pos{File: file.Path}, "ShellCheck could not run: "+err.Error()))
	}
}

// catalogs finds a component catalog by prefix: --catalog first, then
// .cilint.yml, then (unless offline) the GitLab instance of the prefix.
func (l *Linter) catalogs(cfg *config.Config) include.CatalogSource {
	remotes := map[string]*component.Remote{}
	return func(prefix string) (component.Catalog, string) {
		dir, ok := l.opts.Catalogs[prefix]
		if !ok {
			dir, ok = cfg.Catalogs[prefix]
		}
		if ok {
			return l.locals.get(dir, l.opts.ReadFile), dir
		}
		rm := l.opts.Remote
		if rm == nil {
			return nil, ""
		}
		if c, ok := remotes[prefix]; ok {
			return c, ""
		}
		c, err := rm.Catalog(l.instanceURL(), prefix)
		if err != nil {
			return nil, ""
		}
		remotes[prefix] = c
		return c, ""
	}
}

// instanceURL is the GitLab instance the run's credentials belong to:
// --gitlab-url (or $CI_SERVER_URL), else https://<server FQDN>, else
// gitlab.com.
func (l *Linter) instanceURL() string {
	return InstanceURL(l.opts.Remote, l.opts.ServerFQDN)
}

// validateParts validates the parts of a file that do not survive the
// merge: its spec: header and its include: entries.
func (l *Linter) validateParts(f *load.File) []finding.Finding {
	var out []finding.Finding
	if h := f.Header; h != nil && h.Kind == load.Map {
		if p := h.Pair("spec"); p != nil {
			out = append(out, l.validate(&load.Node{Kind: load.Map, Pos: h.Pos, Pairs: []load.Pair{*p}})...)
		}
	}
	if b := f.Body; b != nil && b.Kind == load.Map {
		if p := b.Pair("include"); p != nil {
			out = append(out, l.validate(&load.Node{Kind: load.Map, Pos: b.Pos, Pairs: []load.Pair{*p}})...)
		}
	}
	return out
}

// root is the repository root for a linted file.
// Root is the repository root cilint uses for the file at path.
func (l *Linter) Root(path string) string { return l.root(path) }

func (l *Linter) root(path string) string {
	if l.opts.Root != "" {
		if abs, err := filepath.Abs(l.opts.Root); err == nil {
			return abs
		}
		return l.opts.Root
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return filepath.Dir(path)
	}
	l.roots.mu.Lock()
	defer l.roots.mu.Unlock()
	if root, ok := l.roots.dirs[dir]; ok {
		return root
	}
	// Outside a work tree, or without git (the CLI says so once), the
	// file's folder is the root.
	root := dir
	if rp, err := repo.Find(dir); err == nil {
		root = rp.Root
	}
	l.roots.dirs[dir] = root
	return root
}
