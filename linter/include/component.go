package include

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gitlab.com/trustci/cicd/linter/component"
	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/inputs"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/linter/suggest"
)

// CatalogSource finds the catalog for a component prefix
// (<host>/<project path>), or returns nil when there is none to read.
type CatalogSource func(prefix string) (component.Catalog, string)

// component resolves include:component: the reference, the version, the
// template, its inputs, and its interpolated body.
func (r *Resolver) component(item *load.Node, loc string, at *load.Node, depth int, chain []string) []*load.Node {
	var ref component.Ref
	var cat component.Catalog
	var catDir string
	if name, version, ok := selfRef(loc, r.opts.ServerFQDN); ok {
		// The project's own component: its templates/ at the commit
		// being linted, which is the working tree.
		catDir = r.selfCatalog()
		if _, ok := r.locals[catDir]; !ok {
			r.locals[catDir] = component.NewLocal(catDir) // git is asked once per run
		}
		cat = r.locals[catDir]
		ref = component.Ref{Host: r.opts.ServerFQDN, Project: "$CI_PROJECT_PATH", Name: name, Version: version}
	} else {
		if otherVariable(loc) {
			// GitLab expands every variable of an include's location
			// (mapper/variables_expander.rb); only the pipeline knows them.
			r.offline("component", loc, at, item, whyVariable)
			return nil
		}
		var err error
		ref, err = component.ParseRef(loc, r.opts.ServerFQDN)
		if err != nil {
			r.report(at.Pos, rules.ComponentRef, "%v", err)
			return nil
		}
		if r.opts.Catalogs != nil {
			cat, catDir = r.opts.Catalogs(ref.Prefix())
		}
	}
	if cat == nil {
		r.offline("component", loc, at, item, whyOffline)
		return nil
	}
	if !r.countOne(at) {
		return nil
	}
	var releases []string
	var err error
	if !strings.Contains(ref.Version, "$") { // @$CI_COMMIT_SHA: the commit itself
		releases, err = cat.Releases()
	}
	if errors.Is(err, component.ErrUnavailable) {
		r.unreachable(loc, at, item, err)
		return nil
	}
	if err != nil {
		r.add(rules.Soften(rules.Newf(rules.ComponentNotFound, at.Pos, "cannot list the releases of %s: %v", ref.Prefix(), err), finding.Warning, rules.Unconfirmed))
	}
	kind := component.KindOf(ref.Version)
	if strings.Contains(ref.Version, "$") {
		kind = component.SHA
	}
	version := ref.Version
	if len(releases) > 0 {
		resolved, ok := component.Resolve(ref.Version, releases)
		if !ok {
			r.report(at.Pos, rules.ComponentNotFound, "%s has no release matching %s; its releases are %s",
				ref.Prefix(), ref.Version, strings.Join(lastN(releases, 8), ", "))
			return nil
		}
		version = resolved
		if kind.Moving() {
			latest, _ := component.Resolve("~latest", releases)
			if latest == "" {
				latest = releases[len(releases)-1]
			}
			r.report(at.Pos, rules.ComponentVersion, "%s is used at %s, which moves; pin a release such as %s so the pipeline does not change under you",
				ref.Name, ref.Version, latest)
		}
	}
	tmpl, err := cat.Template(ref.Name, version)
	if errors.Is(err, component.ErrNoCatalog) {
		r.report(at.Pos, rules.ComponentNotFound, "cannot read %s from its local catalog: %v", ref, err)
		return nil
	}
	if errors.Is(err, component.ErrNotFound) {
		msg := fmt.Sprintf("catalog %s has no component %s", ref.Prefix(), ref.Name)
		if names, lerr := cat.Components(); lerr == nil {
			if s := suggest.Closest(ref.Name, names); s != "" {
				msg += fmt.Sprintf("; did you mean %s?", s)
			} else if len(names) > 0 {
				msg += "; it has " + strings.Join(names, ", ")
			}
		}
		r.report(at.Pos, rules.ComponentNotFound, "%s", msg)
		return nil
	}
	if errors.Is(err, component.ErrUnavailable) {
		r.unreachable(loc, at, item, err)
		return nil
	}
	if err != nil {
		r.report(at.Pos, rules.ComponentNotFound, "cannot read component %s: %v", ref, err)
		return nil
	}
	key := "component:" + ref.String() + "|" + load.Canonical(item.Get("inputs"))
	if r.seen[key] {
		r.report(at.Pos, rules.IncludeDuplicate, "%s is already included with the same inputs; GitLab ignores the repeat", ref)
		return nil
	}
	r.seen[key] = true
	f := r.componentFile(tmpl)
	if f == nil {
		return nil
	}
	body := r.body(f, at)
	if body == nil {
		return nil
	}
	comp := map[string]*string{"name": &ref.Name, "reference": &ref.Version}
	if tmpl.SHA != "" {
		comp["sha"] = &tmpl.SHA
	} else {
		comp["sha"] = nil
	}
	if tmpl.Version != "" {
		comp["version"] = &tmpl.Version
	} else if kind == component.Exact {
		comp["version"] = &version
	} else {
		comp["version"] = nil
	}
	body = r.interpolate(f, body, item.Get("inputs"), at, "component "+ref.Name, comp)
	if catDir == "" {
		return []*load.Node{body}
	}
	// A component's own include:local entries name files of its project.
	prev, prevProj := r.repo, r.proj
	r.repo, r.proj = r.repoAt(catDir), nil
	defer func() { r.repo, r.proj = prev, prevProj }()
	return []*load.Node{r.expand(body, depth+1, chain)}
}

// unreachable records a component whose catalog could not be read: like
// an offline include, its content is unknown.
func (r *Resolver) unreachable(loc string, at, item *load.Node, err error) {
	r.unread("component", loc, at, item, fmt.Sprintf("could not be read (%v)", err))
}

// template loads a component template once per path.
func (r *Resolver) componentFile(t *component.Template) *load.File {
	key := "template:" + t.Path
	if f, ok := r.cache[key]; ok {
		return f
	}
	f, fs := r.opts.Cache.parse(r.display(t.Path), t.Source, r.opts.Limits)
	r.res.Findings = append(r.res.Findings, fs...)
	r.res.Files = append(r.res.Files, f)
	r.cache[key] = f
	if f.Body == nil && finding.HasErrors(fs) {
		return nil
	}
	return f
}

// interpolate checks the inputs one include gives to file f and returns
// its body with them interpolated. Values differ per include, so every
// position of the result records the include it came through.
func (r *Resolver) interpolate(f *load.File, body, given, at *load.Node, what string, comp map[string]*string) *load.Node {
	spec, sfs := inputs.ParseSpecWith(f.Header, r.opts.Cache.regexes)
	if f.Header == nil && given == nil {
		return body
	}
	r.res.Findings = append(r.res.Findings, sfs...)
	vals, vfs := inputs.Resolve(spec, given, at.Pos, what)
	r.res.Findings = append(r.res.Findings, vfs...)
	via := at.Pos
	res := inputs.Interpolate(body, inputs.Context{Spec: spec, Values: vals, Component: comp, Via: &via})
	r.res.Findings = append(r.res.Findings, res.Findings...)
	r.res.Findings = append(r.res.Findings, inputs.Unused(spec, res.Used)...)
	return res.Body
}

func lastN(xs []string, n int) []string {
	if len(xs) > n {
		return xs[len(xs)-n:]
	}
	return xs
}

// selfRef recognises a reference to a component of the project being
// linted, <host>/$CI_PROJECT_PATH/<name>@<version>: GitLab's documented way
// for a catalog project to test its own components (usually at
// @$CI_COMMIT_SHA). The host is $CI_SERVER_FQDN, $CI_SERVER_HOST or the
// instance itself.
func selfRef(loc, fqdn string) (name, version string, ok bool) {
	at := strings.LastIndex(loc, "@")
	if at < 0 {
		return "", "", false
	}
	parts := strings.Split(loc[:at], "/")
	if len(parts) != 3 || (parts[1] != "$CI_PROJECT_PATH" && parts[1] != "${CI_PROJECT_PATH}") || parts[2] == "" || strings.Contains(parts[2], "$") {
		return "", "", false
	}
	switch parts[0] {
	case "$CI_SERVER_FQDN", "${CI_SERVER_FQDN}", "$CI_SERVER_HOST", "${CI_SERVER_HOST}", fqdn:
	default:
		return "", "", false
	}
	version = loc[at+1:]
	if version == "" {
		return "", "", false
	}
	return parts[2], version, true
}

// otherVariable says whether a component reference uses a variable other
// than the instance's name.
func otherVariable(loc string) bool {
	for _, v := range []string{"$CI_SERVER_FQDN", "${CI_SERVER_FQDN}", "$CI_SERVER_HOST", "${CI_SERVER_HOST}"} {
		loc = strings.ReplaceAll(loc, v, "")
	}
	return strings.Contains(loc, "$")
}

// selfCatalog is the directory whose templates/ are the project's own
// components: the repository root, or, when that has none, the directory
// of the linted file (a catalog kept in a subdirectory and published on
// its own, linted without --root).
func (r *Resolver) selfCatalog() string {
	if st, err := os.Stat(filepath.Join(r.opts.Root, "templates")); err == nil && st.IsDir() {
		return r.opts.Root
	}
	if len(r.res.Files) > 0 {
		dir := filepath.Dir(r.res.Files[0].Path)
		if st, err := os.Stat(filepath.Join(dir, "templates")); err == nil && st.IsDir() {
			if abs, err := filepath.Abs(dir); err == nil {
				return abs
			}
		}
	}
	return r.opts.Root
}
