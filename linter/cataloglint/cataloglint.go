// Package cataloglint checks a catalog project on its own, as its author
// sees it: every component instantiated the way GitLab would for a
// consumer (its defaults, each value of every `options:` input, each
// boolean both ways, typed placeholders for required inputs) and linted
// through package lint, each finding reported once with the input values
// that trigger it; and what makes a catalog project one (GitLab's layout
// and its limit of components, a description on every input, a README per
// component with an up-to-date inputs table).
package cataloglint

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"gitlab.com/trustci/cicd/linter/component"
	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/gitlabversion"
	"gitlab.com/trustci/cicd/linter/inputs"
	"gitlab.com/trustci/cicd/linter/internal/lazyre"
	"gitlab.com/trustci/cicd/linter/lint"
	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/linter/tree"
)

// MaxComponents is Ci::Catalog::ComponentsProject::COMPONENTS_LIMIT
// (app/models/ci/catalog/components_project.rb): a release with more
// fails ("Release cannot contain more than 30 components",
// app/services/ci/catalog/resources/versions/build_components_service.rb).
const MaxComponents = 30

// componentsLimit is COMPONENTS_LIMIT in GitLab release v. It was 10
// until MR 143464 (issue 436565, "Increase the 10 component per project
// limitation to 30", merged after 16.8's freeze) raised it to 30 in 16.9.
// 16.9 is the earliest release the raise can be in, so a 16.9 target is
// never held to the older, stricter 10.
func componentsLimit(v gitlabversion.Version) int {
	if v.Less(gitlabversion.Version{Major: 16, Minor: 9}) {
		return 10
	}
	return MaxComponents
}

// target is the release the catalog is linted for: --gitlab-version, then
// CI_SERVER_VERSION, else the newest cilint knows, as for features
// (docs/gitlab-versions.md). A version lint.New refuses is reported
// there, so it is skipped here.
func target(versions ...string) gitlabversion.Version {
	for _, s := range versions {
		if s == "" {
			continue
		}
		if t, err := gitlabversion.Resolve(s); err == nil {
			return t.Version
		}
	}
	return gitlabversion.Newest()
}

// templatePath is ComponentsProject::TEMPLATE_PATH_REGEX: the only files
// GitLab takes as components. Ruby's \w is [A-Za-z0-9_].
var templatePath = lazyre.New(`^templates/[A-Za-z0-9_-]+(?:/template)?\.yml$`)

// maxREADMEBytes bounds a component README read for its table.
const maxREADMEBytes = 2 << 20

// maxVariants bounds the lints of one component: 50 options on each of
// many inputs must not make thousands of runs.
const maxVariants = 200

// ref is the version the made-up consumer asks for: a branch, which a
// local catalog reads from its working tree, with no release to resolve.
const ref = "main"

// prefix is the made-up catalog the components are included from: a
// reserved name (RFC 2606), so it can never be a real instance.
const prefix = "catalog-lint.invalid/catalog/project"

// consumerRules are findings about the pipeline a component lands in,
// not about the component: a stage the consumer declares, a job the
// consumer has that `needs:` names (build_job: kaniko-build). A component
// linted alone cannot know them; `cilint impact` lints real consumers.
var consumerRules = []string{rules.StageUndefined, rules.NeedsUnknown, rules.NeedsLaterStage,
	rules.DependenciesUnknown, rules.DependenciesLaterStage, rules.DependenciesNotInNeeds,
	rules.NoVisibleJob, rules.ComponentVersion}

// Options configure a catalog lint.
type Options struct {
	// Dir is the catalog project (with templates/).
	Dir string
	// Lint are the options of every instantiation (Shellcheck,
	// GitLabVersion); Catalogs gains the catalog itself, Remote is
	// dropped: a catalog is linted offline.
	Lint lint.Options
}

// Result is a catalog lint's findings and the files they point into.
type Result struct {
	Findings []finding.Finding
	Sources  map[string][]byte
	// Components is how many components were linted, Instances how many
	// instantiations in all.
	Components, Instances int
}

// Lint checks the catalog in opts.Dir.
func Lint(opts Options) (*Result, error) {
	cat := component.NewLocal(opts.Dir)
	names, err := cat.Components()
	if err != nil {
		return nil, err
	}
	res := &Result{Sources: map[string][]byte{}, Components: len(names)}
	res.Findings = append(res.Findings, layout(opts.Dir, len(names), target(opts.Lint.GitLabVersion, opts.Lint.InstanceVersion))...)
	lo := opts.Lint
	lo.Remote = nil
	lo.Catalogs = map[string]string{prefix: opts.Dir}
	lo.Inputs = nil
	l, err := lint.New(lo)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		fs, n, err := lintComponent(l, cat, name, res.Sources)
		if err != nil {
			return nil, err
		}
		res.Instances += n
		res.Findings = append(res.Findings, fs...)
	}
	finding.Sort(res.Findings)
	res.Findings = finding.Dedupe(res.Findings)
	return res, nil
}

// Errors counts the findings that fail the lint.
func (r *Result) Errors() int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == finding.Error {
			n++
		}
	}
	return n
}

// variant is one instantiation: the inputs given and how to name them.
type variant struct {
	label  string
	values map[string]any
}

func lintComponent(l *lint.Linter, cat component.Local, name string, sources map[string][]byte) ([]finding.Finding, int, error) {
	info, err := component.Describe(cat, name)
	if err != nil {
		return nil, 0, err
	}
	tmpl, err := cat.Template(name, "")
	if err != nil {
		return nil, 0, err
	}
	sources[tmpl.Path] = tmpl.Source
	fs := docsFindings(cat, info, tmpl)
	vs, refused, placeholderFs := variants(info.Spec, tmpl.Path)
	fs = append(fs, placeholderFs...)

	// seen keeps each finding once, with the variants it appeared in.
	type seenFinding struct {
		f  finding.Finding
		in []int
	}
	seen := map[string]*seenFinding{}
	var order []string
	synthetic := filepath.Join(cat.Dir, ".cilint-catalog-lint-"+name+".yml")
	for i, v := range vs {
		src, valueLines := consumer(name, v.values)
		res := l.Source(synthetic, src)
		for p, src := range res.Sources() {
			if p != synthetic {
				sources[p] = src
			}
		}
		for _, f := range res.Findings {
			if slices.Contains(consumerRules, f.Rule) {
				continue
			}
			if f.Pos.File == synthetic {
				// Only the include itself is there: an error means GitLab
				// would refuse the component as included (it cannot be
				// read, or refuses these values). It belongs to the
				// template.
				//
				// The refusal of an unmatched placeholder is told apart by
				// where it is, the line consumer wrote that input's value
				// on, not by the wording of the inputs stage's message: a
				// reworded message must not bring it back.
				if f.Severity != finding.Error || f.Rule == rules.InputRegex && isRefused(refused, v.values, valueLines[f.Pos.Line]) {
					continue
				}
				f.Pos, f.EndCol = finding.Pos{File: tmpl.Path}, 0
				f.Message = "including the component: " + f.Message
			}
			f.Pos.Via = nil // the made-up consumer is no file of the catalog
			key := fmt.Sprintf("%s\x00%d\x00%d\x00%s\x00%s", f.Pos.File, f.Pos.Line, f.Pos.Col, f.Rule, f.Message)
			s := seen[key]
			if s == nil {
				s = &seenFinding{f: f}
				seen[key] = s
				order = append(order, key)
			}
			s.in = append(s.in, i)
		}
	}
	for _, k := range order {
		s := seen[k]
		f := s.f
		if len(s.in) < len(vs) {
			f.Message += " (" + triggers(vs, s.in) + ")"
		}
		fs = append(fs, f)
	}
	return fs, len(vs), nil
}

// triggers names the instantiations a finding appeared in: those
// instantiations when it is in a few, or the ones it is not in ("except
// with `keep: false`") when it holds with the defaults and fails only with
// some values of other inputs.
func triggers(vs []variant, in []int) string {
	name := func(is []int) string {
		var labels []string
		for _, i := range is {
			labels = append(labels, vs[i].label)
		}
		if len(labels) > 6 {
			labels = append(labels[:6], fmt.Sprintf("%d more", len(labels)-6))
		}
		return strings.Join(labels, "; ")
	}
	if len(in) > 0 && in[0] == 0 {
		var out []int
		for i := range vs {
			if !slices.Contains(in, i) {
				out = append(out, i)
			}
		}
		return "except with " + name(out)
	}
	return "with " + name(in)
}

// consumer is the pipeline that includes the component with values.
//
// It also returns the line (1-based) each input's value is on, so that a
// finding the inputs stage reports at a value can be traced to its input.
func consumer(name string, values map[string]any) ([]byte, map[int]string) {
	var b strings.Builder
	fmt.Fprintf(&b, "include:\n  - component: %s/%s@%s\n", prefix, name, ref)
	lines := make(map[int]string, len(values))
	if len(values) > 0 {
		keys := make([]string, 0, len(values))
		for k := range values {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("    inputs:\n")
		for i, k := range keys {
			lines[4+i] = k // after include:, component: and inputs:
			// JSON is YAML: every value keeps its type and is quoted.
			kj, _ := json.Marshal(k)
			vj, _ := json.Marshal(values[k])
			fmt.Fprintf(&b, "      %s: %s\n", kj, vj)
		}
	}
	return []byte(b.String()), lines
}

// isRefused tells whether input name holds, in values, the unmatched
// placeholder it was given because cilint could make no value that
// matches its regex (refused names those inputs).
func isRefused(refused map[string]bool, values map[string]any, name string) bool {
	v, ok := values[name].(string)
	return refused[name] && ok && v == unmatched
}

// variants are the instantiations of a spec: first the defaults (with a
// placeholder for each required input), then, one input at a time, each
// other value of its options (also those its rules offer) and the other
// boolean. refused names the required inputs given the unmatched
// placeholder.
func variants(spec *inputs.Spec, path string) (vs []variant, refused map[string]bool, fs []finding.Finding) {
	refused = map[string]bool{}
	base := map[string]any{}
	var placeholders []string
	for _, in := range spec.Inputs {
		if !in.Required() {
			continue
		}
		v, ok := placeholder(in)
		if !ok {
			fs = append(fs, rules.Newf(rules.CatalogPlaceholder, in.Key.Pos, "input `%s` is required and cilint could not make a value that matches its regex %q; the component is linted with %q, and GitLab's refusal of that value is not reported", in.Name, in.RegexText, unmatched))
			v = unmatched
			refused[in.Name] = true
		}
		base[in.Name] = v
		placeholders = append(placeholders, describe(in.Name, v))
	}
	label := "the defaults"
	if len(placeholders) > 0 {
		label += " and " + strings.Join(placeholders, ", ")
	}
	out := []variant{{label: label, values: base}}
	add := func(name string, v any) {
		if len(out) >= maxVariants {
			return
		}
		if cur, ok := base[name]; ok && fmt.Sprint(cur) == fmt.Sprint(v) {
			return
		}
		vals := make(map[string]any, len(base)+1)
		for k, x := range base {
			vals[k] = x
		}
		vals[name] = v
		out = append(out, variant{label: describe(name, v), values: vals})
	}
	for _, in := range spec.Inputs {
		def := any(nil)
		if in.Default != nil && in.Default.IsScalar() {
			def = inputs.Plain(in.Default)
		}
		opts := slices.Clone(in.Options)
		for _, r := range in.Rules {
			opts = append(opts, r.Options...)
		}
		done := map[string]bool{fmt.Sprint(def): def != nil}
		for _, o := range opts {
			if o == nil || !o.IsScalar() || done[fmt.Sprint(inputs.Plain(o))] {
				continue
			}
			done[fmt.Sprint(inputs.Plain(o))] = true
			add(in.Name, inputs.Plain(o))
		}
		if in.Type == "boolean" {
			for _, b := range []bool{true, false} {
				if !done[fmt.Sprint(b)] {
					done[fmt.Sprint(b)] = true
					add(in.Name, b)
				}
			}
		}
	}
	return out, refused, fs
}

// unmatched is the value of a required string input whose regex
// Placeholder cannot satisfy; the input-regex error it causes is dropped.
const unmatched = "placeholder"

// placeholder is a value of the input's type for a required input: its
// first option, else a string that matches its regex, a number, a
// boolean or an empty array.
func placeholder(in *inputs.Input) (any, bool) {
	for _, o := range in.Options {
		if o != nil && o.IsScalar() {
			return inputs.Plain(o), true
		}
	}
	switch in.Type {
	case "number":
		return 1, true
	case "boolean":
		return true, true
	case "array":
		return []any{}, true
	}
	return Placeholder(in.Regex)
}

func describe(name string, v any) string {
	j, _ := json.Marshal(v)
	return fmt.Sprintf("`%s: %s`", name, j)
}

// docsFindings are a component's own documentation: a description on
// every input, a README beside the template with its inputs table as
// `cilint catalog docs` writes it.
func docsFindings(cat component.Local, info *component.Info, tmpl *component.Template) []finding.Finding {
	var fs []finding.Finding
	for _, in := range info.Spec.Inputs {
		if strings.TrimSpace(in.Description) == "" {
			fs = append(fs, rules.Newf(rules.CatalogInputDescription, in.Key.Pos, "input `%s` has no description; the catalog page and the README table show it to users", in.Name))
		}
	}
	if info.README == "" {
		return fs // templates/<name>.yml: no folder for a README of its own
	}
	// Only a regular file of the catalog is read (a FIFO would block, a
	// link could point anywhere), at most as much as a template.
	var readme []byte
	err := tree.Within(cat.Dir, info.README)
	if err == nil {
		readme, err = tree.ReadRegular(info.README, maxREADMEBytes)
	}
	if err != nil {
		msg := fmt.Sprintf("component `%s` has no README.md beside its template; write one (cilint catalog docs adds its inputs table)", info.Name)
		if _, lerr := os.Lstat(info.README); lerr == nil {
			msg = fmt.Sprintf("the README.md of component `%s` is not read: %v", info.Name, err)
		}
		fs = append(fs, rules.New(rules.CatalogNoREADME, finding.Pos{File: tmpl.Path}, msg))
		return fs
	}
	if _, changed := component.UpdateREADME(readme, component.InputsTable(info.Spec)); changed {
		fs = append(fs, rules.Newf(rules.CatalogREADME, finding.Pos{File: info.README}, "the inputs table of component `%s` is out of date with its spec:inputs; run cilint catalog docs", info.Name))
	}
	return fs
}

// layout checks what GitLab needs of a catalog project's files: a root
// README.md (Ci::Catalog::Resources::ValidateService), each component as
// templates/<name>.yml or templates/<name>/template.yml with a name of
// letters, digits, `_` and `-` (TEMPLATE_PATH_REGEX: other files are not
// components, whatever they hold), and at most COMPONENTS_LIMIT of them
// in the target release.
func layout(dir string, count int, v gitlabversion.Version) []finding.Finding {
	var fs []finding.Finding
	if st, err := os.Stat(filepath.Join(dir, "README.md")); err != nil || !st.Mode().IsRegular() {
		fs = append(fs, rules.New(rules.CatalogLayout, finding.Pos{File: filepath.Join(dir, "README.md")}, "the catalog project has no README.md at its root; GitLab refuses to publish it"))
	}
	if limit := componentsLimit(v); count > limit {
		fs = append(fs, rules.Newf(rules.CatalogLimit, finding.Pos{File: filepath.Join(dir, "templates")}, "the catalog has %d components; GitLab %s releases at most %d per project (split it into several catalog projects)", count, v, limit))
	}
	root := filepath.Join(dir, "templates")
	entries, err := os.ReadDir(root)
	if err != nil {
		return fs
	}
	outside := func(rel, why string) {
		// GitLab publishes the catalog without it: the file is no component.
		fs = append(fs, rules.Soften(rules.New(rules.CatalogLayout, finding.Pos{File: filepath.Join(dir, rel)}, rel+" is not a component: "+why),
			finding.Warning, rules.Accepted))
	}
	names := map[string]string{}
	for _, e := range entries {
		rel := "templates/" + e.Name()
		if !e.IsDir() {
			if !isYAML(e.Name()) {
				continue
			}
			if templatePath().MatchString(rel) {
				names[strings.TrimSuffix(e.Name(), ".yml")] = rel
				continue
			}
			outside(rel, "GitLab takes templates/<name>.yml, with a name of letters, digits, `_` and `-`")
			continue
		}
		sub, err := os.ReadDir(filepath.Join(root, e.Name()))
		if err != nil {
			continue
		}
		hasTemplate := false
		var yamls []string
		for _, s := range sub {
			switch {
			case s.Name() == "template.yml" && !s.IsDir():
				hasTemplate = true
			case s.IsDir():
				if _, err := os.Stat(filepath.Join(root, e.Name(), s.Name(), "template.yml")); err == nil {
					outside(rel+"/"+s.Name()+"/template.yml", "GitLab reads components one folder deep, templates/<name>/template.yml")
				}
			case isYAML(s.Name()):
				yamls = append(yamls, s.Name())
			}
		}
		switch {
		case hasTemplate && !templatePath().MatchString(rel+"/template.yml"):
			outside(rel+"/template.yml", "GitLab takes component names of letters, digits, `_` and `-`")
		case hasTemplate:
			if other, ok := names[e.Name()]; ok {
				fs = append(fs, rules.Soften(rules.Newf(rules.CatalogLayout, finding.Pos{File: filepath.Join(dir, rel, "template.yml")},
					"component `%s` is both %s and %s; GitLab includes the first and may list the other", e.Name(), other, rel+"/template.yml"),
					finding.Warning, rules.Accepted))
			}
		case slices.Contains(yamls, "template.yaml"):
			outside(rel+"/template.yaml", "GitLab reads templates/<name>/template.yml (.yml, not .yaml)")
		case len(yamls) > 0:
			outside(rel, "the folder has YAML files but no template.yml, the file GitLab reads")
		}
	}
	return fs
}

func isYAML(name string) bool {
	return strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".yaml")
}
