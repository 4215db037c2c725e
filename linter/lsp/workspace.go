package lsp

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	protocol "github.com/tliron/glsp/protocol_3_16"

	"gitlab.com/trustci/cicd/linter/config"
	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/lint"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/pipeline"
	"gitlab.com/trustci/cicd/linter/repo"
	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/linter/tree"
)

// maxRoots bounds the root pipelines looked at per repository: a
// monorepo with thousands of .gitlab-ci.yml files must not make each
// keystroke lint them all.
const maxRoots = 64

// workspace holds the open documents and what the last lint of each
// root pipeline found.
type workspace struct {
	linter     *lint.Linter
	configPath string // the settings file of every lint ("": each repository's .cilint.yml)

	mu    sync.Mutex
	docs  map[string]string   // open documents by absolute path
	repos map[string][]string // root pipelines of each repository root
	// results are the last lint of each root pipeline (or of a file no
	// root includes, linted alone), by absolute path.
	results map[string]*linted

	lintMu sync.Mutex // one lint at a time: each sees the buffers as they are
}

// linted is one lint's outcome, by absolute file path.
type linted struct {
	res   *lint.Result
	files map[string]*load.File
	diags map[string][]protocol.Diagnostic
	// pipe is the last pipeline built: this lint's, or, while the buffer
	// does not parse (a `[` just typed), the one before, so that
	// completion and hover still know the jobs and stages, and the
	// files the root read still count as its own.
	pipe *pipeline.Pipeline
}

func newWorkspace() *workspace {
	return &workspace{docs: map[string]string{}, repos: map[string][]string{}, results: map[string]*linted{}}
}

// read is the lint's tree.ReadFunc: an open document's text, else the
// file on disk with tree's checks.
func (w *workspace) read(path string, max int64) ([]byte, error) {
	abs, err := filepath.Abs(path)
	if err == nil {
		w.mu.Lock()
		text, ok := w.docs[abs]
		w.mu.Unlock()
		if ok {
			b := []byte(text)
			if int64(len(b)) > max+1 {
				b = b[:max+1]
			}
			return b, nil
		}
	}
	return tree.ReadRegular(path, max)
}

func (w *workspace) set(path, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.docs[path] = text
}

func (w *workspace) drop(path string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.docs, path)
}

// text is the open document's text, else the file on disk.
func (w *workspace) text(path string) (string, bool) {
	w.mu.Lock()
	t, ok := w.docs[path]
	w.mu.Unlock()
	if ok {
		return t, true
	}
	b, err := tree.ReadRegular(path, load.DefaultLimits().MaxBytes)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// edit applies one ranged change to an open document.
func (w *workspace) edit(path string, c protocol.TextDocumentContentChangeEvent) {
	w.mu.Lock()
	defer w.mu.Unlock()
	text := w.docs[path]
	start := offsetOf(text, c.Range.Start)
	end := offsetOf(text, c.Range.End)
	if end < start {
		start, end = end, start
	}
	w.docs[path] = text[:start] + c.Text + text[end:]
}

func (w *workspace) forgetRepos() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.repos = map[string][]string{}
}

// isPipelineName tells the files GitLab runs as a project's pipeline by
// name: .gitlab-ci.yml, and the <name>.gitlab-ci.yml files projects point
// their CI/CD configuration path at.
func isPipelineName(path string) bool {
	base := filepath.Base(path)
	return base == ".gitlab-ci.yml" || base == ".gitlab-ci.yaml" || strings.HasSuffix(base, ".gitlab-ci.yml") || strings.HasSuffix(base, ".gitlab-ci.yaml")
}

// roots lists the root pipelines of the repository at root: the
// settings' pipelines: when .cilint.yml names them, else its files named
// like a pipeline (the repository's own file list, as include wildcards
// see it); then open documents named so that are not on disk.
func (w *workspace) roots(root string) []string {
	w.mu.Lock()
	rs, ok := w.repos[root]
	w.mu.Unlock()
	if !ok {
		rs = w.listRoots(root)
		w.mu.Lock()
		w.repos[root] = rs
		w.mu.Unlock()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	out := slices.Clone(rs)
	for p := range w.docs {
		if isPipelineName(p) && !slices.Contains(out, p) && strings.HasPrefix(p, root+string(filepath.Separator)) && len(out) < maxRoots {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

func (w *workspace) listRoots(root string) []string {
	cfgPath := w.configPath
	if cfgPath == "" {
		cfgPath = filepath.Join(root, config.FileName)
	}
	if cfg, _, err := config.Load(cfgPath); err == nil && cfg.Pipelines != nil {
		var rs []string
		for _, p := range cfg.Pipelines {
			// A listed file that is not there (yet) is no root to lint.
			if abs, err := filepath.Abs(p); err == nil && len(rs) < maxRoots {
				if st, err := os.Stat(abs); err == nil && st.Mode().IsRegular() {
					rs = append(rs, abs)
				}
			}
		}
		return rs
	}
	var rs []string
	for _, f := range repo.NewCheckout(root).Files() {
		if isPipelineName(f) && len(rs) < maxRoots {
			rs = append(rs, filepath.Join(root, filepath.FromSlash(f)))
		}
	}
	return rs
}

// owners are the pipelines to lint for a change of path: path itself when
// it is a root pipeline, every root whose last lint read it, and path
// alone when none does.
func (w *workspace) owners(path string) []string {
	var out []string
	for _, r := range w.roots(w.linter.Root(path)) {
		w.mu.Lock()
		last, seen := w.results[r]
		w.mu.Unlock()
		if r == path {
			out = append(out, r)
			continue
		}
		if !seen {
			// Not linted yet this session: lint it to learn what it
			// reads.
			last = w.lintOne(r)
		}
		if last != nil && last.files[path] != nil {
			out = append(out, r)
		}
	}
	if len(out) == 0 && w.standalone(path) {
		out = append(out, path)
	}
	return out
}

// standalone tells whether a file no root pipeline includes is linted on
// its own: a pipeline by name, or a file with a spec: header (a component
// template, a file included with inputs). Any other YAML file an editor
// opens (a Compose file, a chart's values) is none of cilint's business,
// and linting it as a pipeline would only make false errors.
func (w *workspace) standalone(path string) bool {
	if isPipelineName(path) {
		return true
	}
	text, ok := w.text(path)
	if !ok {
		return false
	}
	f, _ := load.Parse(path, []byte(text), load.DefaultLimits())
	return f.Header != nil && f.Header.Get("spec") != nil
}

// relint lints the pipelines path belongs to and returns the diagnostics
// to publish: for every file those lints point into, and empty lists for
// files whose diagnostics went away.
func (w *workspace) relint(path string) []protocol.PublishDiagnosticsParams {
	w.lintMu.Lock()
	defer w.lintMu.Unlock()
	touched := map[string]bool{path: true}
	owners := w.owners(path)
	if len(owners) == 0 {
		// Not a pipeline file: only what an earlier lint published for it
		// is cleared.
		w.mu.Lock()
		delete(w.results, path)
		w.mu.Unlock()
	}
	for _, o := range owners {
		w.mu.Lock()
		if old := w.results[o]; old != nil {
			for f := range old.diags {
				touched[f] = true
			}
		}
		w.mu.Unlock()
		if now := w.lintOne(o); now != nil {
			for f := range now.diags {
				touched[f] = true
			}
		}
	}
	if !slices.Contains(owners, path) {
		// An included file: what linting it alone found before a root
		// included it no longer applies.
		w.mu.Lock()
		if old := w.results[path]; old != nil {
			for f := range old.diags {
				touched[f] = true
			}
			delete(w.results, path)
		}
		w.mu.Unlock()
	}
	files := make([]string, 0, len(touched))
	for f := range touched {
		files = append(files, f)
	}
	slices.Sort(files)
	out := make([]protocol.PublishDiagnosticsParams, 0, len(files))
	for _, f := range files {
		out = append(out, protocol.PublishDiagnosticsParams{URI: pathURI(f), Diagnostics: w.diagnostics(f)})
	}
	return out
}

// diagnostics are the diagnostics for file from every stored lint,
// without repeats (a file two roots include has its own findings twice).
func (w *workspace) diagnostics(file string) []protocol.Diagnostic {
	w.mu.Lock()
	defer w.mu.Unlock()
	keys := make([]string, 0, len(w.results))
	for k := range w.results {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	seen := map[string]bool{}
	out := []protocol.Diagnostic{}
	for _, k := range keys {
		for _, d := range w.results[k].diags[file] {
			key := fmt.Sprintf("%v|%v|%s", d.Range, d.Code.Value, d.Message)
			if !seen[key] {
				seen[key] = true
				out = append(out, d)
			}
		}
	}
	return out
}

// lintOne lints the pipeline at path and stores the outcome.
func (w *workspace) lintOne(path string) *linted {
	res, err := w.linter.File(path)
	l := &linted{files: map[string]*load.File{}, diags: map[string][]protocol.Diagnostic{}}
	if err != nil {
		sev := protocol.DiagnosticSeverityError
		l.diags[path] = []protocol.Diagnostic{{Severity: &sev, Source: ptr(Name), Message: err.Error()}}
	} else {
		l.res = res
		for _, f := range res.Files {
			if abs, err := filepath.Abs(f.Path); err == nil {
				l.files[abs] = f
			}
		}
		for _, f := range res.Findings {
			abs, err := filepath.Abs(f.Pos.File)
			if err != nil || f.Pos.File == "" {
				abs = path
			}
			l.diags[abs] = append(l.diags[abs], w.diagnostic(f, l.files))
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if l.res != nil && l.res.Pipeline != nil {
		l.pipe = l.res.Pipeline
	} else if old := w.results[path]; old != nil {
		l.pipe = old.pipe
		for f, lf := range old.files {
			if l.files[f] == nil {
				l.files[f] = lf
			}
		}
	}
	w.results[path] = l
	return l
}

// docsURL is where each rule's entry in docs/rules.md is read.
const docsURL = "https://gitlab.com/trustci/cicd/-/blob/main/docs/rules.md#"

// diagnostic turns a finding into an LSP diagnostic: severity, the rule
// as code with its doc, and the includes the value came through as
// related information.
func (w *workspace) diagnostic(f finding.Finding, files map[string]*load.File) protocol.Diagnostic {
	sev := protocol.DiagnosticSeverityInformation
	switch f.Severity {
	case finding.Error:
		sev = protocol.DiagnosticSeverityError
	case finding.Warning:
		sev = protocol.DiagnosticSeverityWarning
	}
	d := protocol.Diagnostic{
		Range:    findingRange(f, sourceOf(f.Pos.File, files)),
		Severity: &sev,
		Source:   ptr(Name),
		Message:  f.Message,
	}
	if f.Rule != "" {
		d.Code = &protocol.IntegerOrString{Value: f.Rule}
		if _, ok := rules.Lookup(f.Rule); ok {
			d.CodeDescription = &protocol.CodeDescription{HRef: docsURL + f.Rule}
		}
	}
	for _, v := range f.Pos.Chain() {
		abs, err := filepath.Abs(v.File)
		if err != nil {
			continue
		}
		d.RelatedInformation = append(d.RelatedInformation, protocol.DiagnosticRelatedInformation{
			Location: protocol.Location{URI: pathURI(abs), Range: findingRange(finding.Finding{Pos: v}, sourceOf(v.File, files))},
			Message:  "the value comes through this include",
		})
	}
	return d
}

func sourceOf(file string, files map[string]*load.File) []byte {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil
	}
	if f := files[abs]; f != nil {
		return f.Source
	}
	return nil
}

// pipelineFor is the last pipeline built from path: a root's that
// includes it, else its own; ok tells whether any lint read path.
func (w *workspace) pipelineFor(path string) (*pipeline.Pipeline, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if l := w.results[path]; l != nil && l.files[path] != nil {
		return l.pipe, true
	}
	keys := make([]string, 0, len(w.results))
	for k := range w.results {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if l := w.results[k]; l.files[path] != nil {
			return l.pipe, true
		}
	}
	return nil, false
}

func ptr[T any](v T) *T { return &v }

// uriPath is the absolute path of a file: URI.
func uriPath(uri string) (string, bool) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "file" {
		return "", false
	}
	return filepath.Clean(filepath.FromSlash(u.Path)), true
}

// pathURI is the file: URI of an absolute path.
func pathURI(path string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
}
