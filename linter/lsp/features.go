package lsp

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tliron/glsp"
	protocol "github.com/tliron/glsp/protocol_3_16"

	"gitlab.com/trustci/cicd/linter/component"
	"gitlab.com/trustci/cicd/linter/config"
	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/inputs"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/pipeline"
	"gitlab.com/trustci/cicd/linter/render"
)

// jobDef is a job or hidden job of the merged configuration.
type jobDef struct {
	Name  string
	Pos   finding.Pos
	Stage string // "" for hidden jobs
}

// jobsOf lists the jobs (hidden ones too) of a pipeline, in file order.
func jobsOf(p *pipeline.Pipeline) []jobDef {
	if p == nil || p.Config == nil || p.Config.Kind != load.Map {
		return nil
	}
	stages := map[string]string{}
	for _, j := range p.Jobs {
		stages[j.Name] = j.Stage
	}
	var out []jobDef
	for _, pr := range p.Config.Pairs {
		name := pr.Key.Name()
		if slices.Contains(pipeline.GlobalKeywords(), name) || pr.Value == nil || pr.Value.Kind != load.Map {
			continue
		}
		out = append(out, jobDef{Name: name, Pos: pr.Key.Pos, Stage: stages[name]})
	}
	return out
}

// jobListKey tells the keys whose values name jobs.
func jobListKey(path []string) bool {
	if len(path) == 0 {
		return false
	}
	switch path[len(path)-1] {
	case "needs", "dependencies", "extends":
		return true
	case "job":
		return slices.Contains(path, "needs")
	}
	return false
}

// request is what a request needs: the cursor, the document and the
// pipeline it belongs to.
type request struct {
	path string
	text string
	cur  cursor
	pipe *pipeline.Pipeline
}

func (s *Server) contextOf(doc protocol.TextDocumentPositionParams) (*request, bool) {
	path, ok := uriPath(doc.TextDocument.URI)
	if !ok {
		return nil, false
	}
	text, ok := s.ws.text(path)
	if !ok {
		return nil, false
	}
	c := &request{path: path, text: text, cur: cursorAt(text, doc.Position)}
	pipe, read := s.ws.pipelineFor(path)
	if !read && !s.ws.standalone(path) {
		return nil, false // not a pipeline file: nothing to say
	}
	c.pipe = pipe
	return c, true
}

// job finds a job by name: in the buffer as it is now, else in the
// last lint's pipeline (jobs of other files; the last lint may be of an
// older text of this buffer, a debounce ago).
func (c *request) job(name string) (jobDef, bool) {
	var found *jobDef
	for _, j := range jobsOf(c.pipe) {
		if j.Name == name {
			found = &j
			break
		}
	}
	f, _ := load.Parse(c.path, []byte(c.text), load.DefaultLimits())
	if f.Body != nil && f.Body.Kind == load.Map {
		for _, pr := range f.Body.Pairs {
			if pr.Key.Name() == name && !slices.Contains(pipeline.GlobalKeywords(), name) {
				j := jobDef{Name: name, Pos: pr.Key.Pos}
				if found != nil {
					j.Stage = found.Stage
				}
				return j, true
			}
		}
	}
	if found != nil {
		return *found, true
	}
	return jobDef{}, false
}

// componentValue is the component reference on the cursor's line, when
// the line is a component: entry.
func (c *request) componentValue() (string, bool) {
	k, col, ok := keyAt(c.cur.Line)
	if !ok || k != "component" {
		return "", false
	}
	v := strings.TrimSpace(c.cur.Line[col+len(k)+1:])
	if i := strings.Index(v, " #"); i >= 0 {
		v = v[:i]
	}
	return strings.Trim(strings.TrimSpace(v), `"'`), true
}

// inputsComponent is the component whose inputs: the cursor is under.
func (c *request) inputsComponent() string {
	if len(c.cur.Path) < 2 || c.cur.Path[len(c.cur.Path)-1] != "inputs" || c.cur.Path[0] != "include" {
		return ""
	}
	// The inputs: key's line: the nearest line above with that key at a
	// smaller indentation.
	lines := strings.Split(c.text, "\n")
	ind, ok := indentOf(c.cur.Line)
	if !ok {
		ind = len(c.cur.Line)
	}
	for r := c.cur.Row - 1; r >= 0; r-- {
		l := lines[r]
		i, ok := indentOf(l)
		if !ok || i >= ind {
			continue
		}
		if k, _, ok := keyAt(l); ok && k == "inputs" {
			return sibling(c.text, r, "component")
		}
		return ""
	}
	return ""
}

// catalogs are the local catalogs of the file's repository: .cilint.yml's
// and the options'.
func (s *Server) catalogs(path string) map[string]string {
	out := map[string]string{}
	cfgPath := s.opts.Lint.ConfigPath
	if cfgPath == "" {
		cfgPath = filepath.Join(s.linter.Root(path), config.FileName)
	}
	if cfg, _, err := config.Load(cfgPath); err == nil {
		for k, v := range cfg.Catalogs {
			out[k] = v
		}
	}
	for k, v := range s.opts.Lint.Catalogs {
		out[k] = v
	}
	return out
}

func (s *Server) fqdn() string {
	if s.opts.Lint.ServerFQDN != "" {
		return s.opts.Lint.ServerFQDN
	}
	return "gitlab.com"
}

// localComponent finds a component reference's template in a local
// catalog.
func (s *Server) localComponent(path, ref string) (*component.Info, *component.Template, error) {
	r, err := component.ParseRef(ref, s.fqdn())
	if err != nil {
		return nil, nil, err
	}
	dir, ok := s.catalogs(path)[r.Prefix()]
	if !ok {
		return nil, nil, fmt.Errorf("no local catalog for %s (catalogs: in %s)", r.Prefix(), config.FileName)
	}
	l := component.NewLocal(dir)
	l.ReadFile = s.ws.read
	t, err := l.Template(r.Name, r.Version)
	if err != nil {
		return nil, nil, err
	}
	f, _ := load.Parse(t.Path, t.Source, s.opts.Lint.Limits)
	spec, _ := inputs.ParseSpec(f.Header)
	return &component.Info{Name: r.Name, Spec: spec, Template: t.Path, Description: component.DescriptionOf(t.Source)}, t, nil
}

func markdown(s string) *protocol.Hover {
	return &protocol.Hover{Contents: protocol.MarkupContent{Kind: protocol.MarkupKindMarkdown, Value: s}}
}

func (s *Server) hover(_ *glsp.Context, p *protocol.HoverParams) (*protocol.Hover, error) {
	c, ok := s.contextOf(p.TextDocumentPositionParams)
	if !ok || c.cur.Word == "" {
		return nil, nil
	}
	cur := c.cur
	if ref, ok := c.componentValue(); ok && !cur.Key {
		info, _, err := s.localComponent(c.path, ref)
		if err != nil {
			return markdown(fmt.Sprintf("**component** `%s`\n\n%s", ref, err)), nil
		}
		return markdown(fmt.Sprintf("**component** `%s`\n\n%s\n\n%s", info.Name, info.Description, component.InputsTable(info.Spec))), nil
	}
	if (jobListKey(cur.Path) || cur.Reference) && !cur.Key {
		name := strings.Trim(cur.Word, `"',[]`)
		if j, ok := c.job(name); ok {
			return markdown(jobText(j)), nil
		}
	}
	if ref := c.inputsComponent(); ref != "" && cur.Key {
		info, _, err := s.localComponent(c.path, ref)
		if err == nil {
			if in := info.Spec.Lookup(cur.Word); in != nil {
				return markdown(inputText(in)), nil
			}
		}
		return nil, nil
	}
	if cur.Key {
		path := append(slices.Clone(cur.Path), cur.Word)
		n := s.keys.at(path)
		if n == nil {
			return nil, nil
		}
		text := fmt.Sprintf("**%s**", strings.Join(path, ":"))
		if len(path) == 1 && !slices.Contains(pipeline.GlobalKeywords(), path[0]) {
			if j, ok := c.job(path[0]); ok {
				return markdown(jobText(j)), nil
			}
			return nil, nil
		}
		d := s.keys.describe(n)
		if d == "" && path[0] == "default" && len(path) > 1 {
			// default: holds job keywords; the schema describes them once,
			// under the job.
			d = s.keys.describe(s.keys.at(append([]string{"job"}, path[1:]...)))
		}
		if d != "" {
			text += "\n\n" + d
		}
		if link := docsLink(path); link != "" {
			text += "\n\n[GitLab's keyword reference](" + link + ")"
		}
		return markdown(text), nil
	}
	return nil, nil
}

func jobText(j jobDef) string {
	t := fmt.Sprintf("**job** `%s`, defined at %s:%d", j.Name, filepath.Base(j.Pos.File), j.Pos.Line)
	switch {
	case j.Stage != "":
		t += fmt.Sprintf(", stage `%s`", j.Stage)
	case strings.HasPrefix(j.Name, "."):
		t += " (hidden: a template for extends)"
	}
	return t
}

func inputText(in *inputs.Input) string {
	t := fmt.Sprintf("**input** `%s`: %s", in.Name, in.Type)
	if in.Required() {
		t += ", required"
	} else if in.Default != nil {
		t += fmt.Sprintf(", default `%s`", strings.TrimSpace(inlineValue(in.Default)))
	}
	if len(in.Options) > 0 {
		var opts []string
		for _, o := range in.Options {
			opts = append(opts, "`"+inlineValue(o)+"`")
		}
		t += "\n\noptions: " + strings.Join(opts, ", ")
	}
	if in.Description != "" {
		t += "\n\n" + in.Description
	}
	return t
}

// inlineValue is a YAML value as one line of text.
func inlineValue(n *load.Node) string {
	if n == nil {
		return "null"
	}
	if n.Kind == load.String {
		return n.Text
	}
	var b strings.Builder
	if err := render.JSON(&b, n); err != nil {
		return n.Text
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func (s *Server) completion(_ *glsp.Context, p *protocol.CompletionParams) (any, error) {
	c, ok := s.contextOf(p.TextDocumentPositionParams)
	if !ok {
		return nil, nil
	}
	cur := c.cur
	items := []protocol.CompletionItem{}
	add := func(label, detail string, kind protocol.CompletionItemKind, doc string) {
		it := protocol.CompletionItem{Label: label, Kind: &kind}
		if detail != "" {
			it.Detail = &detail
		}
		if doc != "" {
			it.Documentation = protocol.MarkupContent{Kind: protocol.MarkupKindMarkdown, Value: doc}
		}
		items = append(items, it)
	}
	switch {
	case c.isComponentValue():
		s.completeComponents(c, add)
	case (jobListKey(cur.Path) || cur.Reference) && !cur.Key:
		hidden := cur.Reference || (len(cur.Path) > 0 && cur.Path[len(cur.Path)-1] == "extends")
		for _, j := range jobsOf(c.pipe) {
			if strings.HasPrefix(j.Name, ".") && !hidden {
				continue
			}
			add(j.Name, jobText(j), protocol.CompletionItemKindReference, "")
		}
	case len(cur.Path) > 0 && cur.Path[len(cur.Path)-1] == "stage" && !cur.Key:
		if c.pipe != nil {
			for _, st := range c.pipe.Stages {
				add(st.Name, "stage", protocol.CompletionItemKindEnumMember, "")
			}
		}
	case c.inputsComponent() != "" && cur.Key:
		info, _, err := s.localComponent(c.path, c.inputsComponent())
		if err == nil {
			for _, in := range info.Spec.Inputs {
				add(in.Name, in.Type, protocol.CompletionItemKindField, inputText(in))
			}
		}
	case cur.Key:
		if len(cur.Path) == 0 {
			for _, k := range s.keys.keys(nil) {
				add(k.Name, "keyword", protocol.CompletionItemKindKeyword, k.Description)
			}
			break
		}
		for _, k := range s.keys.keys(cur.Path) {
			add(k.Name, "keyword", protocol.CompletionItemKindKeyword, k.Description)
		}
	}
	return protocol.CompletionList{IsIncomplete: false, Items: items}, nil
}

func (c *request) isComponentValue() bool {
	_, ok := c.componentValue()
	return ok && !c.cur.Key
}

// completeComponents offers the local catalogs' components, then, after
// @, their versions.
func (s *Server) completeComponents(c *request, add func(label, detail string, kind protocol.CompletionItemKind, doc string)) {
	cats := s.catalogs(c.path)
	prefixes := make([]string, 0, len(cats))
	for p := range cats {
		prefixes = append(prefixes, p)
	}
	slices.Sort(prefixes)
	for _, prefix := range prefixes {
		l := component.NewLocal(cats[prefix])
		l.ReadFile = s.ws.read
		names, err := l.Components()
		if err != nil {
			continue
		}
		releases, _ := l.Releases()
		component.SortReleases(releases)
		host, project, _ := strings.Cut(prefix, "/")
		written := prefix
		if host == s.fqdn() {
			written = "$CI_SERVER_FQDN/" + project
		}
		for _, n := range names {
			doc := ""
			if t, err := l.Template(n, ""); err == nil {
				doc = component.DescriptionOf(t.Source)
			}
			base := written + "/" + n + "@"
			versions := []string{"~latest"}
			for i := len(releases) - 1; i >= 0 && len(versions) < 6; i-- {
				versions = append(versions, releases[i])
			}
			for _, v := range versions {
				add(base+v, "component", protocol.CompletionItemKindModule, doc)
			}
		}
	}
}

func (s *Server) definition(_ *glsp.Context, p *protocol.DefinitionParams) (any, error) {
	c, ok := s.contextOf(p.TextDocumentPositionParams)
	if !ok || c.cur.Word == "" {
		return nil, nil
	}
	cur := c.cur
	at := func(pos finding.Pos) (any, error) {
		abs, err := filepath.Abs(pos.File)
		if err != nil {
			return nil, nil
		}
		line := lineOf(mustText(s, abs), pos.Line-1)
		start := runeCol(line, pos.Col)
		ln := protocol.UInteger(max(pos.Line-1, 0))
		return protocol.Location{URI: pathURI(abs), Range: protocol.Range{
			Start: protocol.Position{Line: ln, Character: protocol.UInteger(start)},
			End:   protocol.Position{Line: ln, Character: protocol.UInteger(start)}}}, nil
	}
	if ref, ok := c.componentValue(); ok && !cur.Key {
		_, t, err := s.localComponent(c.path, ref)
		if err != nil {
			return nil, nil
		}
		return at(finding.Pos{File: t.Path, Line: 1, Col: 1})
	}
	if (jobListKey(cur.Path) || cur.Reference) && !cur.Key {
		if j, ok := c.job(strings.Trim(cur.Word, `"',[]`)); ok {
			return at(j.Pos)
		}
		return nil, nil
	}
	if k, col, ok := keyAt(cur.Line); ok && !cur.Key && (k == "local" || k == "include") && len(cur.Path) > 0 && cur.Path[0] == "include" {
		v := strings.Trim(strings.TrimSpace(cur.Line[col+len(k)+1:]), `"'`)
		if v == "" || strings.ContainsAny(v, "*$") {
			return nil, nil
		}
		file := filepath.Join(s.linter.Root(c.path), filepath.FromSlash(strings.TrimLeft(v, "/")))
		return at(finding.Pos{File: file, Line: 1, Col: 1})
	}
	if len(cur.Path) > 0 && cur.Path[0] == "include" && !cur.Key && (strings.HasSuffix(cur.Word, ".yml") || strings.HasSuffix(cur.Word, ".yaml")) && !strings.Contains(cur.Word, "://") {
		file := filepath.Join(s.linter.Root(c.path), filepath.FromSlash(strings.TrimLeft(cur.Word, "/")))
		return at(finding.Pos{File: file, Line: 1, Col: 1})
	}
	return nil, nil
}

func mustText(s *Server, path string) string {
	t, _ := s.ws.text(path)
	return t
}
