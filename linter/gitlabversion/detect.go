package gitlabversion

import (
	"strings"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/pipeline"
)

// Use is one place a pipeline uses a feature.
type Use struct {
	Feature *Feature
	// Pos is where the use is reported: the key, or the value (or the
	// place in it) for features with AtValue.
	Pos finding.Pos
}

// A place in Feature.Where is a root, then steps separated by ":":
//
//	job          each visible job, after extends and !reference (not
//	             default:, which default: has as a root of its own)
//	trigger-job  each visible trigger job
//	default, workflow, variables, stages, image, services, cache
//	             that top-level keyword of the merged configuration
//	include      the include: entries of every file read (they do not
//	             survive the merge)
//	spec         the spec: header of every file read
//	main-spec    the spec: header of the linted file itself (pipeline
//	             inputs; a child pipeline's own file is an include)
//	interpolated every string (keys too) in the body of a file with a
//	             spec: header: what GitLab interpolates
//
// A step is a key, `*` for every key of a mapping, or `[]` for every item
// of a list (a value that is not a list stands for itself, as in GitLab's
// one-or-many keywords). Hidden jobs are not visited: GitLab does not
// validate them, only what a visible job takes from them.

// Detect finds the uses of every feature in a built pipeline and in the
// files read for it. The pipeline may be nil (nothing was built).
func Detect(files []*load.File, p *pipeline.Pipeline) []Use {
	var out []Use
	sources := map[string][]byte{}
	for _, f := range files {
		sources[f.Path] = f.Source
	}
	// Each root is found once: a pipeline of thousands of jobs must not
	// cost a scan of its configuration per feature.
	starts := map[string][]start{}
	table := Features()
	for i := range table {
		f := &table[i]
		for _, where := range f.Where {
			root, rest, _ := strings.Cut(where, ":")
			var steps []string
			if rest != "" {
				steps = strings.Split(rest, ":")
			}
			emit := func(key, val, parent *load.Node) {
				if f.Match != nil && (val == nil || !f.Match(val, parent)) {
					return
				}
				at := key
				if f.AtValue || at == nil {
					at = val
				}
				if at == nil {
					return
				}
				pos := at.Pos
				if f.Locate != nil && at == val && val.Kind == load.String {
					pos = within(pos, val.Text, f.Locate(val.Text), sources[pos.File])
				}
				out = append(out, Use{Feature: f, Pos: pos})
			}
			st, ok := starts[root]
			if !ok {
				st = roots(root, files, p)
				starts[root] = st
			}
			for _, s := range st {
				walk(s.val, steps, s.key, s.parent, emit)
			}
		}
	}
	return out
}

// start is where a place's steps begin.
type start struct{ key, val, parent *load.Node }

func roots(root string, files []*load.File, p *pipeline.Pipeline) []start {
	var out []start
	switch root {
	case "job", "trigger-job":
		if p == nil || p.Config == nil {
			return nil
		}
		visible := make(map[string]bool, len(p.Jobs))
		for _, j := range p.Jobs {
			if root == "job" || j.Trigger {
				visible[j.Name] = true
			}
		}
		for _, pr := range p.Config.Pairs {
			if visible[pr.Key.Name()] {
				out = append(out, start{pr.Key, pr.Value, p.Config})
			}
		}
	case "include", "spec", "main-spec":
		if root == "main-spec" && len(files) > 0 {
			files = files[:1] // Resolve puts the linted file first
		}
		for _, f := range files {
			doc := f.Body
			if root != "include" {
				doc = f.Header
			}
			if doc == nil || doc.Kind != load.Map {
				continue
			}
			if pr := doc.Pair(strings.TrimPrefix(root, "main-")); pr != nil {
				out = append(out, start{pr.Key, pr.Value, doc})
			}
		}
	case "interpolated":
		for _, f := range files {
			if f.Header != nil && f.Body != nil {
				eachString(f.Body, func(n *load.Node) { out = append(out, start{nil, n, nil}) })
			}
		}
	default:
		if p != nil && p.Config != nil && p.Config.Kind == load.Map {
			if pr := p.TopPair(root); pr != nil {
				out = append(out, start{pr.Key, pr.Value, p.Config})
			}
		}
	}
	return out
}

// walk follows steps from n (reached through key, inside parent) and
// calls emit at the end of each path.
func walk(n *load.Node, steps []string, key, parent *load.Node, emit func(key, val, parent *load.Node)) {
	if len(steps) == 0 {
		emit(key, n, parent)
		return
	}
	if n == nil {
		return
	}
	step, rest := steps[0], steps[1:]
	switch {
	case step == "[]":
		if n.Kind == load.Seq {
			for _, it := range n.Items {
				walk(it, rest, nil, nil, emit)
			}
			return
		}
		walk(n, rest, key, parent, emit)
	case n.Kind != load.Map:
		return
	case step == "*":
		for _, pr := range n.Pairs {
			walk(pr.Value, rest, pr.Key, n, emit)
		}
	default:
		if pr := n.Pair(step); pr != nil {
			walk(pr.Value, rest, pr.Key, n, emit)
		}
	}
}

// eachString calls fn on every string scalar under n, mapping keys too.
// Aliases share nodes, so a node already seen is not walked again.
func eachString(n *load.Node, fn func(*load.Node)) {
	seen := map[*load.Node]bool{}
	var visit func(*load.Node)
	visit = func(n *load.Node) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		switch n.Kind {
		case load.String:
			fn(n)
		case load.Seq:
			for _, it := range n.Items {
				visit(it)
			}
		case load.Map:
			for _, pr := range n.Pairs {
				visit(pr.Key)
				visit(pr.Value)
			}
		}
	}
	visit(n)
}

// within moves pos, the start of a string scalar, to byte i of its text,
// when the source shows the text up to there unchanged: a one-line
// scalar, plain or quoted, with no escape before i. Else pos stays.
func within(pos finding.Pos, text string, i int, src []byte) finding.Pos {
	if i < 0 || i >= len(text) || strings.Contains(text[:i], "\n") || pos.Line < 1 || pos.Col < 1 {
		return pos
	}
	lines := strings.SplitN(string(src), "\n", pos.Line+1)
	if len(lines) < pos.Line {
		return pos
	}
	line := []rune(lines[pos.Line-1])
	start := pos.Col - 1
	if start < len(line) && (line[start] == '"' || line[start] == '\'') {
		start++
	}
	before, from := []rune(text[:i]), []rune(text[i:])
	end := start + len(before)
	if end+1 > len(line) || string(line[start:end]) != string(before) || line[end] != from[0] {
		return pos
	}
	pos.Col = end + 1
	return pos
}
