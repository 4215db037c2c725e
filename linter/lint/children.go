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
// (include:artifact) cannot be read; the job they come from must be one of
// this pipeline. Their findings and files join res, labelled as the
// child's (childFinding).
func (l *Linter) children(res *Result, opts include.Options, depth int, rn *lintRun) {
	if depth > maxChildDepth {
		return
	}
	seen := map[string]bool{}
	parent := res.Files[0]
	for _, j := range res.Pipeline.Jobs {
		tr := j.Node.Get("trigger")
		if !j.Trigger || tr == nil || tr.Kind != load.Map {
			continue
		}
		allowed := allowedToFail(j.Node)
		for _, f := range artifactJobs(res, tr.Get("include")) {
			res.Findings = append(res.Findings, childFinding(f, j.Name, allowed, parent.Path))
		}
		entries, key := childEntries(tr.Get("include"), tr.Get("inputs"))
		if entries == nil || seen[key] {
			continue
		}
		seen[key] = true
		cacheKey := fmt.Sprintf("%d|%s", depth, key)
		child, done := rn.children[cacheKey]
		if !done {
			if len(rn.children) >= maxChildren {
				res.Findings = append(res.Findings, rules.Soften(rules.Newf(rules.IncludeLimit, j.Key.Pos,
					"more than %d child pipelines: this one and the rest are not linted", maxChildren), finding.Info, rules.Note))
				return
			}
			synth := &load.File{Path: parent.Path, Source: parent.Source, Body: &load.Node{Kind: load.Map, Pos: j.Key.Pos, Pairs: []load.Pair{{
				Key:   &load.Node{Kind: load.String, Text: "include", Pos: j.Key.Pos},
				Value: &load.Node{Kind: load.Seq, Pos: j.Key.Pos, Items: entries},
			}}}}
			child = &Result{}
			l.resolveAndCheck(child, synth, opts, rn)
			if child.Pipeline != nil {
				l.children(child, opts, depth+1, rn)
			}
			if len(child.conditional) > 0 {
				// The child's own undecided include:rules, as for any pipeline.
				l.variants(child, synth, nil, opts, depth+1, rn)
			}
			// The synthetic file holding the trigger's entries is no file
			// of the child's.
			child.Files = slices.DeleteFunc(child.Files, func(f *load.File) bool { return f == synth })
			rn.children[cacheKey] = child
		}
		unread := slices.ContainsFunc(child.Findings, func(f finding.Finding) bool {
			return f.Severity == finding.Error && strings.HasPrefix(f.Rule, "include-")
		})
		// A file of both pipelines (a pipeline that starts itself as a
		// child): what this pipeline reports at a place, under a rule, it
		// does not report again as the child's unless the child's is worse.
		own := map[placeRule]finding.Severity{}
		for _, f := range res.Findings {
			if sev, ok := own[placeOf(f)]; !ok || f.Severity > sev {
				own[placeOf(f)] = f.Severity
			}
		}
		for _, f := range child.Findings {
			if f.Pos == j.Key.Pos && unread && f.Rule == rules.NoVisibleJob {
				continue // the include error says why
			}
			if sev, ok := own[placeOf(f)]; ok && sev >= f.Severity {
				continue
			}
			res.Findings = append(res.Findings, childFinding(f, j.Name, allowed, parent.Path))
		}
		res.uses = append(res.uses, child.uses...)
		res.addFiles(child.Files)
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

// lintRun is what one lint of a file shares between its variants and
// child pipelines: each distinct child (at a nesting depth) is linted once,
// whichever variants of the parent start it.
type lintRun struct {
	children map[string]*Result
	// parts are each file's spec: and include: findings (validateParts).
	parts map[*load.File][]finding.Finding
}

// childLabel starts the message of every finding about a child pipeline.
const childLabel = "child pipeline of `"

// childFinding labels a finding of the child pipeline job starts. GitLab
// does not read a child's files when it creates the parent pipeline
// (entry/trigger.rb only checks the include entries' shape): it creates
// the child when the trigger job runs, and when that fails it drops the
// trigger job with downstream_pipeline_creation_failed
// (app/services/ci/create_downstream_pipeline_service.rb). So the
// parent's configuration is valid, but the trigger job certainly fails:
// an error, or a warning when the job is allowed to fail (GitLab then
// shows it as a warning and the pipeline passes). Errors in the trigger's
// own include entries (a missing child file) say so.
func childFinding(f finding.Finding, job string, allowed bool, parentFile string) finding.Finding {
	f.Message = childLabel + job + "`: " + f.Message
	if f.Severity != finding.Error {
		return f
	}
	if f.Pos.File == parentFile && strings.HasPrefix(f.Rule, "include-") {
		f.Message += triggerFails
	}
	if allowed {
		f.Message += allowedSuffix
		f = rules.Soften(f, finding.Warning, rules.AllowedToFail)
	}
	return f
}

// What childFinding adds to a message.
const (
	triggerFails  = " (when the trigger job runs: GitLab creates this pipeline, then fails that job)"
	allowedSuffix = "; the trigger job is allowed to fail, so the pipeline still passes"
)

// allowedToFail says whether a failed job lets the pipeline pass:
// allow_failure: true, or when: manual without rules (GitLab's default
// for manual jobs).
func allowedToFail(job *load.Node) bool {
	if job == nil {
		return false
	}
	if af := job.Get("allow_failure"); af != nil {
		return af.Kind == load.Bool && af.Bool
	}
	w := job.Get("when")
	return w != nil && w.Kind == load.String && w.Text == "manual" && job.Get("rules") == nil
}

// artifactJobs checks the include:artifact entries of a trigger: GitLab
// reads the file from the named job of this pipeline when the trigger
// runs (file/artifact.rb: "not found in parent pipeline or does not have
// artifacts"), so a job this pipeline does not have, or one without
// artifacts, fails the trigger job.
func artifactJobs(res *Result, inc *load.Node) []finding.Finding {
	var out []finding.Finding
	var items []*load.Node
	switch {
	case inc == nil:
	case inc.Kind == load.Seq:
		items = inc.Items
	case inc.Kind == load.Map:
		items = []*load.Node{inc}
	}
	for _, it := range items {
		if it == nil || it.Kind != load.Map || it.Get("artifact") == nil {
			continue
		}
		name := it.Get("job")
		if name == nil || name.Kind != load.String || name.Text == "" || strings.Contains(name.Text, "$") {
			continue // the schema, or the running pipeline, decides
		}
		var found *load.Node // through the job index, not a scan per trigger
		if j := res.Pipeline.Job(name.Text); j != nil {
			found = j.Node
		}
		switch {
		case found == nil:
			out = append(out, res.Pipeline.Missing(name.Pos, rules.IncludeNotFound,
				fmt.Sprintf("include:artifact takes its file from job `%s`, which is not a job of this pipeline", name.Text)))
		case found.Get("artifacts") == nil:
			out = append(out, rules.Newf(rules.IncludeNotFound, name.Pos, "include:artifact takes its file from job `%s`, which keeps no artifacts", name.Text))
		}
	}
	return out
}

// findingKey is a finding without its severity.
type findingKey struct {
	pos       finding.Pos
	rule, msg string
}

// unlabelled is a child's message without the labels and notes
// childFinding adds.
func unlabelled(msg string) string {
	return strings.TrimSuffix(strings.TrimSuffix(stripLabels(msg), allowedSuffix), triggerFails)
}

// stripLabels is a message without its leading child labels.
func stripLabels(msg string) string {
	for {
		rest, ok := peelLabel(msg)
		if !ok {
			return msg
		}
		msg = rest
	}
}

// peelLabel removes msg's outermost child label, if it has one.
func peelLabel(msg string) (string, bool) {
	if !strings.HasPrefix(msg, childLabel) {
		return msg, false
	}
	_, rest, ok := strings.Cut(msg, "`: ")
	return rest, ok
}

// placeRule is where a finding is and under which rule: the findings of
// a pipeline and of its children that say the same thing share it.
type placeRule struct {
	pos  finding.Pos
	rule string
}

func placeOf(f finding.Finding) placeRule { return placeRule{f.Pos, f.Rule} }

// addFiles adds the files of a child pipeline or a variant that res does
// not have yet.
func (res *Result) addFiles(files []*load.File) {
	for _, f := range files {
		if !slices.ContainsFunc(res.Files, func(g *load.File) bool { return g.Path == f.Path }) {
			res.Files = append(res.Files, f)
		}
	}
}

// dropRepeats keeps, of the findings at one place under one rule, the
// one the fewest child labels deep (a file of both a pipeline and its
// child, as when a pipeline starts itself as a child) and drops the
// deeper ones that are no more severe: one problem, reported once, as
// the nearest pipeline's.
func dropRepeats(fs []finding.Finding) []finding.Finding {
	depth := func(f finding.Finding) int {
		return strings.Count(f.Message[:len(f.Message)-len(stripLabels(f.Message))], childLabel)
	}
	best := map[placeRule]finding.Finding{}
	for _, f := range fs {
		k := placeOf(f)
		if b, ok := best[k]; !ok || depth(f) < depth(b) || depth(f) == depth(b) && f.Severity > b.Severity {
			best[k] = f
		}
	}
	out := fs[:0:0]
	for _, f := range fs {
		b := best[placeOf(f)]
		if depth(f) > depth(b) && f.Severity <= b.Severity {
			continue
		}
		out = append(out, f)
	}
	return out
}

// DedupeChildren merges the findings of several linted files (one slice
// each): a finding of one file that another reports as a child
// pipeline's (a child file given on the command line too, linted on its
// own and through its parent) is dropped, since the labelled one says
// more.
func DedupeChildren(runs [][]finding.Finding) []finding.Finding {
	covered := make([]map[findingKey]bool, len(runs))
	for i, fs := range runs {
		covered[i] = map[findingKey]bool{}
		for _, f := range fs {
			// Every shorter form of a labelled message: a grandchild's
			// finding is also the child's.
			msg := f.Message
			for {
				rest, ok := peelLabel(msg)
				if !ok {
					break
				}
				msg = rest
				covered[i][findingKey{f.Pos, f.Rule, msg}] = true
				covered[i][findingKey{f.Pos, f.Rule, unlabelled(msg)}] = true
			}
		}
	}
	var out []finding.Finding
	for i, fs := range runs {
		for _, f := range fs {
			dup := false
			for j := range runs {
				if j != i && covered[j][findingKey{f.Pos, f.Rule, f.Message}] {
					dup = true
				}
			}
			if !dup {
				out = append(out, f)
			}
		}
	}
	return out
}
