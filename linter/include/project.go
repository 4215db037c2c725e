package include

import (
	"fmt"

	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
)

// projectInclude resolves include:project: one or more files of another
// project, at ref or its default branch, read through the repository
// files API. Each file counts towards the include limit.
func (r *Resolver) projectInclude(item *load.Node, loc string, at *load.Node, depth int, chain []string) []*load.Node {
	proj := at.Text
	ref := ""
	if n := item.Get("ref"); n != nil && n.Kind == load.String {
		ref = n.Text
	}
	var files []*load.Node
	if f := item.Get("file"); f != nil {
		if f.Kind == load.String {
			files = []*load.Node{f}
		} else {
			files = f.Items
		}
	}
	if r.opts.Fetch == nil || hasVariable(proj, ref) {
		// GitLab checks each file's name before it reads anything.
		for _, fn := range files {
			if fn.Kind == load.String && fn.Text != "" && !hasVariable(fn.Text) && !yamlName(fn.Text) {
				r.report(fn.Pos, rules.IncludeInvalid, "included file %s %s; GitLab refuses it", fn.Text, notYAML(fn.Text))
			}
		}
		r.offline("project", loc, at, item, r.notFetched(proj, ref))
		return nil
	}
	var out []*load.Node
	for _, fn := range files {
		if fn.Kind != load.String || fn.Text == "" {
			continue // the schema reports it
		}
		if hasVariable(fn.Text) {
			r.offline("project", proj+":"+fn.Text, fn, item, whyVariable)
			continue
		}
		if body := r.projectFile(project{proj, ref}, fn.Text, item, fn, depth, chain); body != nil {
			out = append(out, body)
		}
	}
	return out
}

// projectFile reads one file of a project and expands it with that
// project as the context of its own include:local entries.
func (r *Resolver) projectFile(p project, file string, item, at *load.Node, depth int, chain []string) *load.Node {
	rel := repoPath(file)
	if !yamlName(file) {
		r.report(at.Pos, rules.IncludeInvalid, "included file %s %s; GitLab refuses it", file, notYAML(file))
		return nil
	}
	if !r.countOne(at) {
		return nil
	}
	shown := p.ref
	if shown == "" {
		shown = "HEAD"
	}
	// Named the way GitLab's web interface links a file.
	name := p.path + "/-/blob/" + shown + "/" + rel
	prev := r.proj
	r.proj = &p
	defer func() { r.proj = prev }()
	return r.external(fetched{kind: "project", loc: fmt.Sprintf("%s (in %s at %s)", file, p.path, shown), name: name, key: "project:" + name,
		fetch: func() ([]byte, error) { return r.opts.Fetch.ProjectFile(p.path, rel, p.ref) }}, item, at, depth, chain)
}
