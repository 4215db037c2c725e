package validate

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/linter/suggest"
)

// leaf is one elementary violation: a keyword of a schema object that the
// value at instPtr does not satisfy.
type leaf struct {
	keyword   string
	schemaPtr string
	instPtr   string
	// anyOfRequired lists the alternatives when every branch of an anyOf
	// failed only because a key was missing ("needs one of").
	anyOfRequired []string
	// types lists the expected types when every branch failed on type.
	types []string
}

type explainer struct {
	doc          any
	root         *load.Node
	explanations map[string]explanation // read only
}

// collect flattens the validator's error tree into leaves. For anyOf and
// oneOf it keeps only the branch that explains the failure best, so one
// problem gives one finding instead of a cascade.
func (e *explainer) collect(ve *failure) []leaf {
	kw, sp := keywordOf(ve.abs)
	if len(ve.causes) == 0 {
		l := leaf{keyword: kw, schemaPtr: sp, instPtr: ve.inst}
		if e.dropped(l) {
			return nil
		}
		return []leaf{l}
	}
	if kw == "anyOf" || kw == "oneOf" {
		return e.bestBranch(ve)
	}
	var out []leaf
	for _, c := range ve.causes {
		out = append(out, e.collect(c)...)
	}
	return out
}

func (e *explainer) bestBranch(ve *failure) []leaf {
	var branches [][]leaf
	for _, c := range ve.causes {
		ls := e.collect(c)
		if len(ls) == 0 {
			// This branch fails only at opaque values: it may well pass
			// once they are resolved, so the whole anyOf may pass.
			return nil
		}
		branches = append(branches, ls)
	}
	at := ve.inst
	onlyAt := func(ls []leaf, kw string) bool {
		for _, l := range ls {
			if l.keyword != kw || l.instPtr != at {
				return false
			}
		}
		return true
	}
	allRequired, allType := true, true
	for _, b := range branches {
		allRequired = allRequired && onlyAt(b, "required")
		allType = allType && onlyAt(b, "type")
	}
	kw, sp := keywordOf(ve.abs)
	switch {
	case allRequired:
		var names []string
		for _, b := range branches {
			for _, l := range b {
				if req, ok := schemaAt(e.doc, l.schemaPtr+"/required").([]any); ok {
					for _, r := range req {
						names = append(names, fmt.Sprint(r))
					}
				}
			}
		}
		return []leaf{{keyword: kw, schemaPtr: sp, instPtr: at, anyOfRequired: names}}
	case allType:
		var types []string
		for _, b := range branches {
			types = append(types, schemaTypes(schemaAt(e.doc, b[0].schemaPtr))...)
		}
		return []leaf{{keyword: "type", schemaPtr: sp, instPtr: at, types: types}}
	}
	// Prefer branches that got past the type check, then the one whose
	// errors are deepest in the value (it matched the most), then the one
	// with fewest errors.
	best := -1
	score := func(ls []leaf) (bool, int, int) {
		depth := 0
		for _, l := range ls {
			depth = max(depth, strings.Count(l.instPtr, "/"))
		}
		return !onlyAt(ls, "type"), depth, -len(ls)
	}
	for i, b := range branches {
		if best < 0 {
			best = i
			continue
		}
		t1, d1, n1 := score(b)
		t0, d0, n0 := score(branches[best])
		if (t1 && !t0) || (t1 == t0 && (d1 > d0 || (d1 == d0 && n1 > n0))) {
			best = i
		}
	}
	return branches[best]
}

// dropped reports whether a leaf is about a value the schema cannot judge
// yet (see opaque), or about a key written with an interpolation.
func (e *explainer) dropped(l leaf) bool {
	steps, ok := walk(e.root, l.instPtr)
	if !ok {
		// The path stopped at an opaque node (or at something the
		// conversion dropped): nothing to report.
		return true
	}
	for _, s := range steps {
		if opaque(s.node) || (s.key != nil && opaque(s.key)) {
			return true
		}
	}
	return false
}

// GlobalKeywords returns the top-level keys that are not jobs.
func GlobalKeywords() []string {
	return []string{"default", "include", "stages", "variables", "workflow", "spec",
		"image", "services", "cache", "before_script", "after_script"}
}

// isGlobal reports whether name is one of GlobalKeywords.
func isGlobal(name string) bool {
	switch name {
	case "default", "include", "stages", "variables", "workflow", "spec",
		"image", "services", "cache", "before_script", "after_script":
		return true
	}
	return false
}

func (e *explainer) findings(leaves []leaf) []finding.Finding {
	var out []finding.Finding
	seen := map[string]bool{}
	for _, l := range leaves {
		for _, f := range e.explain(l) {
			k := fmt.Sprintf("%v|%s", f.Pos, f.Message)
			if !seen[k] {
				seen[k] = true
				out = append(out, f)
			}
		}
	}
	return out
}

// subject names the value at steps in the words a user thinks in: the job,
// then the key path inside it, such as job `build`: `cache:when`.
type subject struct {
	job  string // the job's name, or "" for global keywords
	path string // key path such as cache:key:files or rules[0]:when
}

func subjectOf(steps []step) subject {
	var s subject
	var b strings.Builder
	for i, st := range steps[1:] {
		if i == 0 && st.key != nil && !isGlobal(st.key.Name()) {
			s.job = st.key.Name()
			continue
		}
		switch {
		case st.key != nil:
			if b.Len() > 0 {
				b.WriteByte(':')
			}
			b.WriteString(st.key.Name())
		default:
			fmt.Fprintf(&b, "[%d]", st.index)
		}
	}
	s.path = b.String()
	return s
}

// prefix is what a message starts with: "job `x`: " for jobs.
func (s subject) prefix() string {
	if s.job != "" {
		return "job `" + s.job + "`: "
	}
	return ""
}

// name is the value's name inside the message: `cache:when`, or the job.
func (s subject) name() string {
	if s.path == "" {
		if s.job != "" {
			return "the job"
		}
		return "the configuration"
	}
	return "`" + s.path + "`"
}

// violation is one leaf being explained: what each keyword's explanation
// reads.
type violation struct {
	e     *explainer
	l     leaf
	steps []step
	last  step
	// node is the failing value (its key when it has none); keyNode is
	// where to point for problems with a whole value: its key when it has
	// one (the line a user looks for), else the value.
	node, keyNode *load.Node
	subj          subject
	sch           map[string]any // the schema object holding the keyword
	xmsg          string         // its x-message
}

// at is a schema finding at n (the root when n is nil), ending at endCol.
func (v *violation) at(n *load.Node, endCol int, msg string) finding.Finding {
	pos := v.e.root.Pos
	if n != nil {
		pos = n.Pos
	}
	return rules.New(rules.Schema, pos, v.subj.prefix()+msg).Until(endCol)
}

// one is the usual single finding, spanning n.
func (v *violation) one(n *load.Node, msg string) []finding.Finding {
	return []finding.Finding{v.at(n, spanEnd(n), msg)}
}

// generic is the message of a keyword without an explanation of its own.
func (v *violation) generic() []finding.Finding {
	return v.one(v.node, fmt.Sprintf("%s is not valid (%s)", v.subj.name(), v.l.keyword))
}

// explanation turns one violation of a schema keyword into findings.
type explanation func(v *violation) []finding.Finding

// explanations is the table from schema keyword to its explanation; a
// keyword not in it gets generic. Built once per Validator.
func explanations() map[string]explanation {
	return map[string]explanation{
		"type":                 explainType,
		"additionalProperties": explainAdditionalProperties,
		"required":             explainRequired,
		"anyOf":                explainAnyOf,
		"oneOf":                explainAnyOf,
		"enum":                 explainEnum,
		"const":                explainEnum,
		"dependentRequired":    explainDependentRequired,
		"false":                explainFalse,
		"minItems":             explainMin,
		"minLength":            explainMin,
		"minProperties":        explainMin,
		"maxItems":             explainMax,
		"maxLength":            explainMax,
		"maxProperties":        explainMax,
		"minimum":              explainRange,
		"maximum":              explainRange,
		"uniqueItems":          explainUniqueItems,
		"pattern":              explainPattern,
		"not":                  explainNot,
	}
}

func (e *explainer) explain(l leaf) []finding.Finding {
	steps, _ := walk(e.root, l.instPtr)
	last := steps[len(steps)-1]
	v := &violation{e: e, l: l, steps: steps, last: last, node: last.node, subj: subjectOf(steps)}
	v.sch, _ = schemaAt(e.doc, l.schemaPtr).(map[string]any)
	v.keyNode = v.node
	if last.key != nil {
		v.keyNode = last.key
	}
	if v.node == nil {
		v.node = v.keyNode
	}
	v.xmsg, _ = v.sch["x-message"].(string)
	if f, ok := e.explanations[l.keyword]; ok {
		return f(v)
	}
	return v.generic()
}

func explainType(v *violation) []finding.Finding {
	types := v.l.types
	if types == nil {
		types = schemaTypes(v.sch)
	}
	if len(v.steps) == 2 && v.subj.job != "" {
		// A top-level key that is not a global keyword is a job; when
		// it is not a mapping it is usually a misspelt global keyword.
		msg := fmt.Sprintf("`%s` is not a global keyword, so GitLab reads it as a job, and a job must be a mapping of keywords; got %s", v.subj.job, kindText(v.node))
		if s := suggest.Closest(v.subj.job, GlobalKeywords()); s != "" {
			msg += fmt.Sprintf("; did you mean `%s`?", s)
		}
		f := v.at(v.keyNode, spanEnd(v.keyNode), msg)
		f.Message = msg
		return []finding.Finding{f}
	}
	return v.one(v.node, v.e.typeMessage(v.subj, v.steps, types))
}

func explainAdditionalProperties(v *violation) []finding.Finding {
	subj := v.subj
	allowed := propertyNames(v.sch)
	var out []finding.Finding
	for _, p := range v.node.Pairs {
		name := p.Key.Name()
		if slices.Contains(allowed, name) || matchesPattern(v.sch, name) || opaque(p.Key) {
			continue
		}
		msg := fmt.Sprintf("unknown key `%s` in %s", name, subj.name())
		if subj.path == "" && subj.job != "" {
			msg = fmt.Sprintf("unknown key `%s`", name)
		}
		if s := suggest.Closest(name, allowed); s != "" {
			msg += fmt.Sprintf("; did you mean `%s`?", s)
		} else if g := suggest.Closest(subj.job, GlobalKeywords()); subj.path == "" && g != "" {
			msg += fmt.Sprintf(" (GitLab reads `%s` as a job; did you mean the global keyword `%s`?)", subj.job, g)
		} else if len(allowed) <= 16 {
			msg += "; allowed keys are " + strings.Join(allowed, ", ")
		}
		out = append(out, v.at(p.Key, spanEnd(p.Key), msg))
	}
	return out
}

func explainRequired(v *violation) []finding.Finding {
	var missing []string
	var out []finding.Finding
	for _, r := range v.sch["required"].([]any) {
		name := fmt.Sprint(r)
		switch p := v.node.Pair(name); {
		case p == nil:
			missing = append(missing, "`"+name+"`")
		case isNull(p.Value):
			// Written without a value: to GitLab that is not given.
			out = append(out, v.at(p.Key, spanEnd(p.Key), fmt.Sprintf("%s needs a value for `%s`", v.subj.name(), name)))
		}
	}
	if len(missing) == 0 {
		return out
	}
	noun := "the key"
	if len(missing) > 1 {
		noun = "the keys"
	}
	return append(out, v.at(v.keyNode, spanEnd(v.keyNode), fmt.Sprintf("%s needs %s %s", v.subj.name(), noun, joinAnd(missing))))
}

func explainAnyOf(v *violation) []finding.Finding {
	if v.l.anyOfRequired == nil {
		return v.generic()
	}
	var names []string
	for _, n := range v.l.anyOfRequired {
		names = append(names, "`"+n+"`")
	}
	return v.one(v.keyNode, fmt.Sprintf("%s needs one of %s", v.subj.name(), joinOr(names)))
}

func explainEnum(v *violation) []finding.Finding {
	var opts []string
	if v.l.keyword == "enum" {
		for _, o := range v.sch["enum"].([]any) {
			opts = append(opts, optionText(o))
		}
	} else {
		opts = []string{optionText(v.sch["const"])}
	}
	list := strings.Join(opts, ", ")
	if len(opts) > maxListed {
		// A long list (retry:when's failure reasons) buries the value.
		list = fmt.Sprintf("%s and %d more", strings.Join(opts[:maxListed], ", "), len(opts)-maxListed)
	}
	node := v.node
	msg := fmt.Sprintf("%s must be one of %s; got %s", v.subj.name(), list, valueText(node))
	if len(opts) == 1 {
		msg = fmt.Sprintf("%s must be %s; got %s", v.subj.name(), opts[0], valueText(node))
	}
	if node != nil && node.Kind == load.String {
		if s := suggest.Closest(node.Text, opts); s != "" {
			msg += fmt.Sprintf("; did you mean %s?", s)
		}
	}
	return v.one(node, msg)
}

func explainDependentRequired(v *violation) []finding.Finding {
	var out []finding.Finding
	deps, _ := v.sch["dependentRequired"].(map[string]any)
	for name, list := range deps {
		p := v.node.Pair(name)
		if p == nil {
			continue
		}
		for _, d := range list.([]any) {
			if v.node.Pair(fmt.Sprint(d)) == nil {
				out = append(out, v.at(p.Key, spanEnd(p.Key), fmt.Sprintf("`%s` in %s needs `%s` as well", name, v.subj.name(), d)))
			}
		}
	}
	return out
}

func explainFalse(v *violation) []finding.Finding {
	// properties: {x: false} under dependentSchemas/y: x cannot be used
	// with y.
	toks := strings.Split(v.l.schemaPtr, "/")
	if n := len(toks); n >= 4 && toks[n-2] == "properties" && toks[n-4] == "dependentSchemas" {
		where := ""
		if parent := parentName(v.steps); parent != "the job" && parent != "the configuration" {
			where = "in " + parent + ", "
		}
		return v.one(v.keyNode, fmt.Sprintf("%s`%s` cannot be used together with `%s`", where, toks[n-1], toks[n-3]))
	}
	return v.one(v.keyNode, v.subj.name()+" is not allowed here")
}

func explainMin(v *violation) []finding.Finding {
	if lim, _ := v.sch[v.l.keyword].(float64); lim <= 1 {
		return v.one(v.node, v.subj.name()+" must not be empty")
	}
	return v.one(v.node, fmt.Sprintf("%s needs at least %v %s", v.subj.name(), v.sch[v.l.keyword], unitOf(v.l.keyword)))
}

func explainMax(v *violation) []finding.Finding {
	return v.one(v.node, fmt.Sprintf("%s can have at most %v %s; it has %d", v.subj.name(), v.sch[v.l.keyword], unitOf(v.l.keyword), sizeOf(v.node)))
}

func explainRange(v *violation) []finding.Finding {
	lo, hasLo := v.sch["minimum"]
	hi, hasHi := v.sch["maximum"]
	msg := fmt.Sprintf("%s must be ", v.subj.name())
	switch {
	case hasLo && hasHi:
		msg += fmt.Sprintf("between %v and %v", lo, hi)
	case hasLo:
		msg += fmt.Sprintf("at least %v", lo)
	default:
		msg += fmt.Sprintf("at most %v", hi)
	}
	return v.one(v.node, msg+"; got "+valueText(v.node))
}

func explainUniqueItems(v *violation) []finding.Finding {
	return v.one(v.node, v.subj.name()+" lists the same value more than once")
}

func explainPattern(v *violation) []finding.Finding {
	msg := v.xmsg
	if msg == "" {
		msg = fmt.Sprintf("must match the regular expression %s", v.sch["pattern"])
	}
	if strings.Contains(v.l.schemaPtr, "propertyNames") || isPropertyNameLeaf(v.steps, v.l) {
		return v.one(v.keyNode, fmt.Sprintf("the name `%s` in %s %s", v.last.key.Name(), parentName(v.steps), msg))
	}
	return v.one(v.node, fmt.Sprintf("%s %s; got %s", v.subj.name(), msg, valueText(v.node)))
}

func explainNot(v *violation) []finding.Finding {
	parent, _ := schemaAt(v.e.doc, v.l.schemaPtr).(map[string]any)
	msg, _ := parent["x-message"].(string)
	if msg == "" {
		msg = "has a value that is not allowed"
	}
	if strings.HasPrefix(msg, "`") {
		return v.one(v.node, msg)
	}
	return v.one(v.node, fmt.Sprintf("%s %s; got %s", v.subj.name(), msg, valueText(v.node)))
}

// maxListed is how many allowed values a message lists.
const maxListed = 12

// isPropertyNameLeaf reports whether a pattern failure comes from
// propertyNames: the validator then points at the key's value.
func isPropertyNameLeaf(steps []step, l leaf) bool {
	return strings.Contains(l.schemaPtr, "inputName") && steps[len(steps)-1].key != nil
}

func parentName(steps []step) string {
	s := subjectOf(steps[:len(steps)-1])
	return s.name()
}

func (e *explainer) typeMessage(subj subject, steps []step, types []string) string {
	node := steps[len(steps)-1].node
	got := kindText(node)
	if node != nil && node.Plain && slices.Contains(types, "string") {
		switch {
		case (node.Kind == load.Bool || node.Kind == load.Float || node.Kind == load.Int) && node.Text != node.Name():
			got = fmt.Sprintf("%s, which YAML reads as %s; quote it to keep it a string", node.Text, kindText(node))
		case node.Kind == load.Bool || node.Kind == load.Float:
			got += fmt.Sprintf("; quote it (\"%s\") to make it a string", node.Text)
		}
	}
	return fmt.Sprintf("%s must be %s; got %s", subj.name(), typesText(types), got)
}

func schemaTypes(sch any) []string {
	m, _ := sch.(map[string]any)
	switch t := m["type"].(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	return nil
}

func typesText(types []string) string {
	words := map[string]string{
		"string": "a string", "integer": "a whole number", "number": "a number", "boolean": "true or false",
		"array": "a list", "object": "a mapping", "null": "empty",
	}
	if len(slices.DeleteFunc(slices.Clone(types), func(t string) bool { return t == "null" })) > 1 {
		// "a string, true or false or a mapping" reads badly in a list.
		words["boolean"] = "a boolean"
	}
	var out []string
	for _, t := range types {
		if t == "null" && len(types) > 1 {
			continue // "or empty" only confuses: empty is rarely what is meant
		}
		w := words[t]
		if w == "" {
			w = t
		}
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return joinOr(out)
}

func kindText(n *load.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case load.Null:
		return "an empty value"
	case load.Bool:
		return "the boolean " + n.Name()
	case load.Int:
		return "the number " + n.Name()
	case load.Float:
		return "the decimal number " + n.Name()
	case load.String:
		return fmt.Sprintf("the string %q", clip(n.Text))
	case load.Seq:
		return "a list"
	case load.Map:
		return "a mapping"
	}
	return n.Kind.String()
}

func valueText(n *load.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case load.String:
		return fmt.Sprintf("%q", clip(n.Text))
	case load.Seq, load.Map, load.Null:
		return kindText(n)
	}
	return n.Name()
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

func optionText(o any) string {
	if o == nil {
		return "null"
	}
	return fmt.Sprint(o)
}

func unitOf(keyword string) string {
	switch keyword {
	case "minLength", "maxLength":
		return "characters"
	case "minProperties", "maxProperties":
		return "keys"
	}
	return "items"
}

func sizeOf(n *load.Node) int {
	switch n.Kind {
	case load.Seq:
		return len(n.Items)
	case load.Map:
		return len(n.Pairs)
	}
	return len([]rune(n.Text))
}

func propertyNames(sch map[string]any) []string {
	props, _ := sch["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func matchesPattern(sch map[string]any, name string) bool {
	pats, _ := sch["patternProperties"].(map[string]any)
	for p := range pats {
		if strings.HasPrefix(p, "^\\.") && strings.HasPrefix(name, ".") {
			return true
		}
	}
	return false
}

// spanEnd is the column just past n's text when it is a one-line scalar,
// for the caret span under it.
func spanEnd(n *load.Node) int {
	if n == nil || !n.IsScalar() || n.Text == "" || strings.Contains(n.Text, "\n") {
		return 0
	}
	w := len([]rune(n.Text))
	if !n.Plain && n.Kind == load.String {
		w += 2 // quotes, most likely
	}
	return n.Pos.Col + w
}

func joinAnd(xs []string) string { return joinWith(xs, "and") }
func joinOr(xs []string) string  { return joinWith(xs, "or") }

func joinWith(xs []string, word string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	case 2:
		return xs[0] + " " + word + " " + xs[1]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " " + word + " " + xs[len(xs)-1]
}
