package lint

import (
	"fmt"
	"slices"
	"strings"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/include"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
)

// maxChildDepth is how deep GitLab lets child pipelines nest: a child may
// start one more level of children.
const maxChildDepth = 2

// maxChildren bounds the child pipelines linted in one run: each is a
// pipeline of its own, with up to 150 includes, so a hostile file with
// thousands of trigger jobs must not multiply the work without end.
const maxChildren = 100

// children lints the child pipelines res's trigger jobs start from files
// (trigger:include), each as a pipeline of its own: GitLab merges a
// trigger's include entries into the child's configuration exactly as it
// merges a pipeline's includes, so the child is linted as a file holding
// just those entries, placed at the trigger job. The trigger's inputs go to
// the child's spec:inputs. Children generated at run time
// (include:artifact) cannot be read. Their findings and files join res.
func (l *Linter) children(res *Result, opts include.Options, seen map[string]bool, depth int) {
	if depth > maxChildDepth {
		return
	}
	parent := res.Files[0]
	for _, j := range res.Pipeline.Jobs {
		tr := j.Node.Get("trigger")
		if !j.Trigger || tr == nil || tr.Kind != load.Map {
			continue
		}
		entries, key := childEntries(tr.Get("include"), tr.Get("inputs"))
		if entries == nil || seen[key] {
			continue
		}
		if len(seen) >= maxChildren {
			res.Findings = append(res.Findings, finding.Finding{Pos: j.Key.Pos, Severity: finding.Info, Rule: rules.IncludeLimit,
				Message: fmt.Sprintf("more than %d child pipelines: this one and the rest are not linted", maxChildren)})
			return
		}
		seen[key] = true
		synth := &load.File{Path: parent.Path, Source: parent.Source, Body: &load.Node{Kind: load.Map, Pos: j.Key.Pos, Pairs: []load.Pair{{
			Key:   &load.Node{Kind: load.String, Text: "include", Pos: j.Key.Pos},
			Value: &load.Node{Kind: load.Seq, Pos: j.Key.Pos, Items: entries},
		}}}}
		child := &Result{}
		l.resolveAndCheck(child, synth, opts)
		if child.Pipeline != nil {
			l.children(child, opts, seen, depth+1)
		}
		unread := slices.ContainsFunc(child.Findings, func(f finding.Finding) bool {
			return f.Severity == finding.Error && strings.HasPrefix(f.Rule, "include-")
		})
		for _, f := range child.Findings {
			if f.Pos.File == j.Key.Pos.File && f.Pos.Line == j.Key.Pos.Line && f.Pos.Col == j.Key.Pos.Col {
				if unread && f.Rule == rules.NoVisibleJob {
					continue // the include error says why
				}
				f.Message = "the child pipeline of `" + j.Name + "`: " + f.Message
			}
			res.Findings = append(res.Findings, f)
		}
		res.uses = append(res.uses, child.uses...)
		for _, f := range child.Files {
			if f != synth && !slices.ContainsFunc(res.Files, func(g *load.File) bool { return g.Path == f.Path }) {
				res.Files = append(res.Files, f)
			}
		}
	}
}

// childEntries returns a trigger's include entries to lint as a child
// pipeline, and a key naming them; nil when there is nothing cilint can
// read (no include, an artifact, interpolation left). A single entry
// takes the trigger's inputs.
func childEntries(inc, inputs *load.Node) ([]*load.Node, string) {
	var items []*load.Node
	switch {
	case inc == nil:
		return nil, ""
	case inc.Kind == load.Seq:
		items = inc.Items
	case inc.Kind == load.String || inc.Kind == load.Map:
		items = []*load.Node{inc}
	default:
		return nil, ""
	}
	var keys []string
	for _, it := range items {
		switch {
		case it == nil:
			return nil, ""
		case it.Kind == load.String:
			keys = append(keys, it.Text)
		case it.Kind == load.Map && it.Get("artifact") == nil:
			keys = append(keys, load.Canonical(it))
		default:
			return nil, ""
		}
		if strings.Contains(keys[len(keys)-1], "$[[") {
			return nil, ""
		}
	}
	if len(items) == 1 && inputs != nil {
		it := items[0]
		if it.Kind == load.String {
			it = &load.Node{Kind: load.Map, Pos: it.Pos, Pairs: []load.Pair{{Key: &load.Node{Kind: load.String, Text: "local", Pos: it.Pos}, Value: it}}}
		}
		if it.Get("inputs") == nil {
			it = &load.Node{Kind: load.Map, Pos: it.Pos, Pairs: append(slices.Clip(it.Pairs), load.Pair{Key: &load.Node{Kind: load.String, Text: "inputs", Pos: inputs.Pos}, Value: inputs})}
		}
		items = []*load.Node{it}
		keys = append(keys, "inputs="+load.Canonical(inputs))
	}
	return items, strings.Join(keys, "|")
}
