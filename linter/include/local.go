package include

import (
	"errors"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
)

// local resolves include:local: a path from the repository root, possibly
// with wildcards.
func (r *Resolver) local(item *load.Node, loc string, at *load.Node, depth int, chain []string) []*load.Node {
	if strings.Contains(loc, "$") {
		r.offline("local", loc, at, item, whyVariable)
		return nil
	}
	if r.proj != nil {
		// Inside a project include, local means that project's files.
		if strings.Contains(loc, "*") {
			r.offline("local", loc, at, item, whyWildcard)
			return nil
		}
		if body := r.projectFile(*r.proj, loc, item, at, depth, chain); body != nil {
			return []*load.Node{body}
		}
		return nil
	}
	paths := []string{loc}
	if strings.Contains(loc, "*") {
		matched, err := r.repo.Wildcard(loc)
		if err != nil {
			r.report(at.Pos, rules.IncludeInvalid, "include:local pattern %s is not valid: %v", loc, err)
			return nil
		}
		var yml []string
		for _, m := range matched {
			if hasYAMLExt(m) {
				yml = append(yml, m)
			}
		}
		if len(yml) == 0 {
			r.add(rules.Soften(rules.Newf(rules.IncludeNotFound, at.Pos, "include:local pattern %s matches no .yml or .yaml file in the repository", loc), finding.Warning, rules.Accepted))
			return nil
		}
		paths = yml
	}
	var given *load.Node
	if item.Kind == load.Map {
		given = item.Get("inputs")
	}
	if len(paths) > 1 {
		for _, p := range paths {
			r.prefetch(p)
		}
	}
	var out []*load.Node
	for _, p := range paths {
		if body := r.localFile(p, given, at, depth, chain); body != nil {
			out = append(out, body)
		}
	}
	return out
}

func hasYAMLExt(p string) bool { return strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml") }

// yamlName reports whether GitLab takes an included location as a YAML
// file: its basename (Ruby's File.basename) must match
// /.+\.(yml|yaml)$/i (YAML_ALLOWLIST_EXTENSION in
// lib/gitlab/ci/config/external/file/base.rb): any case, and at least one
// character before the dot, so `ci/.yml` is refused. Every kind but
// component is checked so, before anything is read.
func yamlName(location string) bool {
	base := strings.TrimRight(location, "/")
	base = base[strings.LastIndex(base, "/")+1:]
	lower := strings.ToLower(strings.TrimSuffix(base, "\n")) // Ruby's $ also matches before a final newline
	for _, ext := range []string{".yml", ".yaml"} {
		if stem, ok := strings.CutSuffix(lower, ext); ok && stem != "" && !strings.HasSuffix(stem, "\n") {
			return true
		}
	}
	return false
}

// notYAML says why a location is not a YAML file name.
func notYAML(location string) string {
	if hasYAMLExt(strings.ToLower(location)) {
		return "has no name before its .yml or .yaml extension"
	}
	return "does not end in .yml or .yaml"
}

// dotted says whether a path has `.` or `..` segments.
func dotted(p string) bool {
	for _, seg := range strings.Split(strings.TrimLeft(p, "/"), "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// repoPath is an include:local or include:project file as GitLab reads it
// from the repository: without its leading slashes (any number, as
// Gitlab::Utils.remove_leading_slashes in file/local.rb and
// file/project.rb), relative to the root.
func repoPath(p string) string { return path.Clean(strings.TrimLeft(p, "/")) }

// localFile loads one included repository file and expands its own
// includes.
func (r *Resolver) localFile(p string, given, at *load.Node, depth int, chain []string) *load.Node {
	rel := repoPath(p)
	if rel == ".." || strings.HasPrefix(rel, "../") || filepath.IsAbs(rel) {
		r.report(at.Pos, rules.IncludeInvalid, "include:local %s leaves the repository; GitLab only includes files inside it", p)
		return nil
	}
	if !yamlName(p) {
		r.report(at.Pos, rules.IncludeInvalid, "include:local %s %s; GitLab refuses it", p, notYAML(p))
		return nil
	}
	if dotted(p) {
		// GitLab removes only the leading slashes (file/local.rb) and asks
		// the repository for the path as written; `./ci/a.yml` has been
		// seen to fail on gitlab.com. Not certain, so a warning; the file
		// is still read so the rest can be checked.
		r.add(rules.Soften(rules.Newf(rules.IncludeNotFound, at.Pos,
			"include:local %s has `.` or `..` in its path; GitLab looks the path up as written, without resolving them, and likely does not find it: write %s", p, rel), finding.Warning, rules.Unconfirmed))
	}
	if !r.countOne(at) {
		return nil
	}
	if !r.enter(rel, "local:"+r.repo.Root()+":"+rel+"|"+load.Canonical(given), at, depth, chain) {
		return nil
	}
	f, ok := r.cache[r.repo.Root()+":"+rel]
	if !ok {
		abs := filepath.Join(r.repo.Root(), filepath.FromSlash(rel))
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			if within, _ := filepath.Rel(r.realRoot(), real); within == ".." || strings.HasPrefix(within, ".."+string(filepath.Separator)) {
				r.report(at.Pos, rules.IncludeInvalid, "include:local %s is a link to a file outside the repository", p)
				return nil
			}
		}
		loaded, found, err := r.opts.Cache.read(abs, r.display(abs), r.opts.Limits)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				r.report(at.Pos, rules.IncludeNotFound, "include:local %s does not exist in the repository", p)
			} else {
				r.report(at.Pos, rules.IncludeInvalid, "include:local %s cannot be read: %v", p, err)
			}
			return nil
		}
		r.res.Findings = append(r.res.Findings, found...)
		r.res.Files = append(r.res.Files, loaded)
		r.cache[r.repo.Root()+":"+rel] = loaded
		f = loaded
		if finding.HasErrors(found) && f.Body == nil {
			return nil
		}
	}
	return r.expandFile(f, rel, given, at, depth, chain)
}

// prefetchLocal starts reading, at the same time, the plain local files
// (no variable, no wildcard) that the entries of one include: list name:
// they are taken in order later, and each waits only for its own file.
func (r *Resolver) prefetchLocal(entries []*load.Node) {
	if r.proj != nil || len(entries) < 2 {
		return
	}
	for _, item := range entries {
		if item == nil {
			continue
		}
		kind, loc, locNode := classify(item)
		if kind != "local" || locNode == nil || locNode.Kind != load.String || loc == "" || strings.ContainsAny(loc, "$*") {
			continue
		}
		r.prefetch(loc)
	}
}

// prefetch starts reading the repository file p names, if localFile
// would read it: inside the repository, a YAML name, not a link out of
// it, not read yet, and within the include limit.
func (r *Resolver) prefetch(p string) {
	rel := repoPath(p)
	if rel == ".." || strings.HasPrefix(rel, "../") || filepath.IsAbs(rel) || !yamlName(p) || r.count >= r.opts.MaxIncludes {
		return
	}
	if _, ok := r.cache[r.repo.Root()+":"+rel]; ok {
		return
	}
	abs := filepath.Join(r.repo.Root(), filepath.FromSlash(rel))
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		if within, _ := filepath.Rel(r.realRoot(), real); within == ".." || strings.HasPrefix(within, ".."+string(filepath.Separator)) {
			return
		}
	}
	r.opts.Cache.prefetch(r.opts.Context, abs, r.display(abs), r.opts.Limits)
}

// realRoot is the root with links resolved, to compare resolved paths.
func (r *Resolver) realRoot() string {
	if real, err := filepath.EvalSymlinks(r.repo.Root()); err == nil {
		return real
	}
	return r.repo.Root()
}

// display is how an included file is named in findings: relative to the
// current directory when that is shorter, as a user would type it.
func (r *Resolver) display(abs string) string {
	if rel, err := filepath.Rel(".", abs); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	if wd, err := filepath.Abs("."); err == nil {
		if rel, err := filepath.Rel(wd, abs); err == nil && len(rel) < len(abs) {
			return rel
		}
	}
	return abs
}
