// Package include resolves a configuration's `include:` entries the way
// GitLab does: local files (with wildcards, nesting, duplicates, cycles
// and GitLab's limits) are read from the repository, components from a
// local or remote catalog, project, template and remote files through a
// Fetcher, and all are merged. What cannot be read (offline, no access) is
// recorded as unresolved, so later checks can soften what its missing
// content might explain. One file per include kind: local.go,
// component.go, project.go, template.go, remote.go; offline.go records the
// unread; rules.go decides include:rules where the answer is known.
package include

import (
	"context"
	"fmt"
	"strings"

	"gitlab.com/trustci/cicd/linter/component"
	"gitlab.com/trustci/cicd/linter/expr"
	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/repo"
	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/linter/unresolved"
)

// Options configure a Resolver.
type Options struct {
	// Root is the repository root: include:local paths are relative to it
	// and may not leave it.
	Root   string
	Limits load.Limits
	// MaxIncludes is GitLab's ci_max_includes (150 by default), counting
	// nested includes and duplicates.
	MaxIncludes int
	// MaxDepth is how deeply includes may nest (100 in GitLab).
	MaxDepth int
	// ServerFQDN is the instance $CI_SERVER_FQDN stands for.
	ServerFQDN string
	// Catalogs finds component catalogs; nil means none are known.
	Catalogs CatalogSource
	// PipelineInputs are the values of the main file's own spec:inputs
	// (cilint lint --input name=value), as text.
	PipelineInputs map[string]string
	// Fetch reads project, template and remote includes; nil means
	// offline.
	Fetch Fetcher
	// Vars are the variables include:rules:if may read (cilint jobs
	// --event); nil means none is known.
	Vars expr.Vars
	// Assume decides the includes whose include:rules cannot be decided
	// (by Conditional.Key): true includes the file, false leaves it out.
	// An include not named is assumed included. lint sets it to lint one
	// consistent choice of such files at a time.
	Assume map[string]bool
	// Cache shares files read and parsed between resolutions (the
	// variants and child pipelines of one lint); nil means a new one for
	// each Resolve.
	Cache *Cache
	// Context stops the reading of files started ahead of need; nil
	// means context.Background().
	Context context.Context
}

// DefaultOptions returns GitLab's defaults for a repository at root.
func DefaultOptions(root string) Options {
	return Options{Root: root, Limits: load.DefaultLimits(), MaxIncludes: 150, MaxDepth: 100}
}

// Conditional is an include whose include:rules cannot be decided before
// the pipeline runs.
type Conditional struct {
	Key      string // names it in Options.Assume: the position of its location
	Location string
	Pos      finding.Pos
	Rules    *load.Node
	// Parent is the Key of the conditional include whose file holds this
	// one ("" for none): when that one is out, this one is never met.
	Parent string
}

// Result is the merged configuration and everything learnt on the way.
type Result struct {
	// Config is the main file's body with every resolved include merged
	// under it and the include keys removed; nil when the main file has no
	// usable body.
	Config *load.Node
	// Files are all files read, the main file first.
	Files      []*load.File
	Unresolved []unresolved.Include
	Findings   []finding.Finding
	// Conditional are the includes met whose include:rules were undecided,
	// in the order met (nested ones after the file that includes them).
	Conditional []Conditional
}

// Resolver resolves the includes of one pipeline. Use it once.
type Resolver struct {
	opts     Options
	repo     *repo.Checkout // the repository include:local reads from now
	proj     *project       // or, inside a project include, that project
	repos    map[string]*repo.Checkout
	cache    map[string]*load.File
	locals   map[string]component.Local // the project's own catalog, by folder
	seen     map[string]bool
	count    int
	limitHit bool
	under    string // Key of the conditional include being expanded
	res      Result
}

// Resolve loads main's includes and merges them.
func Resolve(main *load.File, opts Options) *Result {
	if opts.Cache == nil {
		opts.Cache = NewCache()
	}
	if opts.Context == nil {
		opts.Context = context.Background()
	}
	r := &Resolver{opts: opts, cache: map[string]*load.File{}, seen: map[string]bool{}, repos: map[string]*repo.Checkout{}, locals: map[string]component.Local{}}
	r.repo = r.repoAt(opts.Root)
	r.res.Files = append(r.res.Files, main)
	if body := r.body(main, nil); body != nil {
		if main.Header != nil {
			body = r.pipelineInputs(main, body)
		}
		r.res.Config = r.expand(body, 1, nil)
	}
	return &r.res
}

func (r *Resolver) report(pos finding.Pos, rule, format string, args ...any) {
	r.res.Findings = append(r.res.Findings, rules.Newf(rule, pos, format, args...))
}

// add reports a finding made elsewhere (a softened one).
func (r *Resolver) add(f finding.Finding) { r.res.Findings = append(r.res.Findings, f) }

// repoAt returns the repository rooted at dir, listing its files once.
func (r *Resolver) repoAt(dir string) *repo.Checkout {
	if rp, ok := r.repos[dir]; ok {
		return rp
	}
	rp := r.opts.Cache.repo(dir)
	r.repos[dir] = rp
	return rp
}

// body checks the shape of a loaded file and returns its configuration
// mapping, or nil. at is the include that brought the file in (nil for the
// main file).
func (r *Resolver) body(f *load.File, at *load.Node) *load.Node {
	b, fs := Body(f, at, r.opts.Limits)
	r.res.Findings = append(r.res.Findings, fs...)
	return b
}

// Body checks the shape of a loaded file (a mapping; spec: only in a header
// document) and returns its configuration mapping without spec:, or nil.
// at is the include entry that brought the file in, nil for the main file.
func Body(f *load.File, at *load.Node, lim load.Limits) (*load.Node, []finding.Finding) {
	var fs []finding.Finding
	report := func(pos finding.Pos, rule, format string, args ...any) {
		fs = append(fs, rules.Newf(rule, pos, format, args...))
	}
	b := f.Body
	switch {
	case b == nil || b.Kind == load.Null:
		if at != nil {
			report(at.Pos, rules.IncludeInvalid, "included file %s is empty", f.Path)
		} else if int64(len(f.Source)) <= lim.MaxBytes {
			report(finding.Pos{File: f.Path, Line: 1, Col: 1}, rules.ConfigShape, "the configuration is empty; GitLab needs at least one job")
		}
		return nil, fs
	case b.Kind != load.Map:
		if at != nil {
			report(at.Pos, rules.IncludeInvalid, "included file %s must be a mapping of keywords and jobs, not a %s", f.Path, b.Kind)
		} else {
			report(b.Pos, rules.ConfigShape, "the configuration must be a mapping of global keywords and jobs; got a %s", b.Kind)
		}
		return nil, fs
	}
	if h := f.Header; h != nil {
		for _, p := range h.Pairs {
			if p.Key.Name() != "spec" {
				report(p.Key.Pos, rules.ConfigShape, "the header document may hold only spec:; move `%s` below the --- line", p.Key.Name())
			}
		}
	}
	if p := b.Pair("spec"); p != nil {
		report(p.Key.Pos, rules.ConfigShape, "spec: must be in its own header document, followed by a line with ---; here GitLab reads it as a job named spec")
		b = load.Without(b, "spec")
	}
	return b, fs
}

// expand merges body's includes under it: included files first, in order,
// each over the previous, then body itself on top (GitLab's
// Processor: included content deep-merged, inline content last).
func (r *Resolver) expand(body *load.Node, depth int, chain []string) *load.Node {
	inc := body.Pair("include")
	if inc == nil {
		return body
	}
	var content *load.Node
	entries := items(inc.Value)
	r.prefetchLocal(entries)
	for _, item := range entries {
		for _, sub := range r.one(item, depth, chain) {
			if content == nil {
				content = sub
			} else {
				content = load.DeepMerge(content, sub)
			}
		}
	}
	own := load.Without(body, "include")
	if content == nil {
		return own
	}
	return load.DeepMerge(content, own)
}

// items lists the entries of an include: value, which may be one string,
// one mapping, or a list of them.
func items(v *load.Node) []*load.Node {
	switch {
	case v == nil:
		return nil
	case v.Kind == load.Seq:
		return v.Items
	case v.Kind == load.String || v.Kind == load.Map:
		return []*load.Node{v}
	}
	return nil
}

// one resolves one include entry and returns the configurations it
// contributes (a wildcard can name several files).
func (r *Resolver) one(item *load.Node, depth int, chain []string) []*load.Node {
	if item == nil {
		return nil
	}
	kind, loc, locNode := classify(item)
	if kind == "" || locNode == nil || locNode.Kind != load.String || strings.Contains(locNode.Text, "$[[") || !wellFormed(kind, item, locNode) {
		// Malformed entries are the schema's to report; interpolated ones
		// wait for inputs.
		return nil
	}
	if item.Kind == load.Map {
		if rl := item.Get("rules"); rl != nil {
			if d, why := r.decide(rl); d == excluded {
				return nil
			} else if d == undecided {
				key := fmt.Sprintf("%s:%d:%d", locNode.Pos.File, locNode.Pos.Line, locNode.Pos.Col)
				r.res.Conditional = append(r.res.Conditional, Conditional{Key: key, Location: loc, Pos: locNode.Pos, Rules: rl, Parent: r.under})
				r.report(locNode.Pos, rules.IncludeRules,
					"whether %s is included depends on the pipeline (%s); cilint checks the pipeline with and without it", loc, why)
				if in, ok := r.opts.Assume[key]; ok && !in {
					return nil
				}
				prev := r.under
				r.under = key
				defer func() { r.under = prev }()
			}
		}
	}
	switch kind {
	case "local":
		return r.local(item, loc, locNode, depth, chain)
	case "component":
		return r.component(item, loc, locNode, depth, chain)
	case "project":
		return r.projectInclude(item, loc, locNode, depth, chain)
	case "remote":
		return r.remote(item, loc, locNode, depth, chain)
	case "template":
		return r.template(item, loc, locNode, depth, chain)
	}
	return nil
}

// wellFormed rejects entries the schema reports, so they are not reported
// twice.
func wellFormed(kind string, item, loc *load.Node) bool {
	switch kind {
	case "local":
		return loc.Text != ""
	case "project":
		f := item.Get("file")
		return f != nil && (f.Kind == load.String || f.Kind == load.Seq) &&
			(strings.Contains(loc.Text, "/") || strings.HasPrefix(loc.Text, "$"))
	case "remote":
		return strings.HasPrefix(loc.Text, "https://") || strings.HasPrefix(loc.Text, "http://")
	case "component":
		return strings.Contains(loc.Text, "@") // else the schema reports it
	}
	return true
}

// classify returns an include entry's kind and location.
func classify(item *load.Node) (kind, loc string, locNode *load.Node) {
	if item.Kind == load.String {
		if strings.HasPrefix(item.Text, "http://") || strings.HasPrefix(item.Text, "https://") {
			return "remote", item.Text, item
		}
		return "local", item.Text, item
	}
	for _, k := range []string{"local", "project", "remote", "template", "component"} {
		if v := item.Get(k); v != nil {
			loc := v.Text
			if k == "project" {
				files := []string{}
				if f := item.Get("file"); f != nil {
					if f.Kind == load.String {
						files = append(files, f.Text)
					}
					for _, x := range f.Items {
						files = append(files, x.Text)
					}
				}
				loc = v.Text + ":" + strings.Join(files, ",")
				if ref := item.Get("ref"); ref != nil {
					loc += "@" + ref.Text
				}
			}
			return k, loc, v
		}
	}
	return "", "", nil
}

// count adds one include to the total and reports the limit once.
func (r *Resolver) countOne(at *load.Node) bool {
	r.count++
	if r.count > r.opts.MaxIncludes {
		if !r.limitHit {
			r.limitHit = true
			r.report(at.Pos, rules.IncludeLimit,
				"more than %d files are included (nested includes and repeats count); GitLab refuses the pipeline", r.opts.MaxIncludes)
		}
		return false
	}
	return true
}
