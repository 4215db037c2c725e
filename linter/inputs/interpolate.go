package inputs

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/internal/lazyre"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/matrixref"
	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/linter/suggest"
)

// blockPattern finds `$[[ … ]]` blocks as Interpolation::Template's
// BLOCK_REGEXP does: the content starts and ends with a non-space
// character, so `$[[ ]]` and `$[[ x ]]` are not blocks and stay as
// written.
var blockPattern = lazyre.New(`\$\[\[\s*(\S.*?\S)\s*\]\]`)

// maxAccessBytes is Interpolation::Access::MAX_ACCESS_BYTESIZE.
const maxAccessBytes = 1024

var accessPattern = lazyre.New(`^\s*(inputs|component)\.([A-Za-z0-9_-]+)((?:\[\d+\]|\.[A-Za-z0-9_-]+)*)\s*$`)

// stepPattern is one step after the input's name: an array index
// (`[0]`, GitLab 18.10, interpolation/access.rb behind
// ci_inputs_array_index_operator) or a key of a mapping element
// (`.host`).
var stepPattern = lazyre.New(`\[(\d+)\]|\.([A-Za-z0-9_-]+)`)

// The functions GitLab knows, with its own patterns
// (lib/gitlab/ci/config/interpolation/functions/*.rb; each function part
// of a block is stripped, then matched whole).
var (
	truncatePattern = lazyre.New(`^truncate\(\s*(\d+)\s*,\s*(\d+)\s*\)?$`)
	splitPattern    = lazyre.New(`^split\('([^']*)'\)$`)
	namePattern     = lazyre.New(`^([a-z_]+)`)
)

// functionNames are the functions of FunctionsStack::FUNCTIONS, and
// posix_quote (functions/posix_quote.rb, the same escaping as
// posix_escape).
var functionNames = []string{"expand_vars", "posix_escape", "posix_quote", "split", "truncate"}

// maxFunctions is Block::MAX_FUNCTIONS: how many functions one block may chain.
const maxFunctions = 3

type fn struct {
	name string
	args []int  // truncate: offset, length
	sep  string // split
}

type block struct {
	scope, name string
	// steps index into an array input or key into its elements:
	// "[0]", ".host".
	steps []string
	funcs []fn
}

// parseBlock parses the text between `$[[` and `]]`.
func parseBlock(s string) (block, error) {
	parts := strings.Split(s, "|")
	if access := strings.TrimSpace(parts[0]); len(access) > maxAccessBytes {
		return block{}, fmt.Errorf("the name is longer than GitLab's %d bytes", maxAccessBytes)
	}
	m := accessPattern().FindStringSubmatch(parts[0])
	if m == nil {
		return block{}, fmt.Errorf("%q is not inputs.NAME or component.FIELD", strings.TrimSpace(parts[0]))
	}
	b := block{scope: m[1], name: m[2]}
	if m[3] != "" {
		if b.scope != "inputs" {
			return b, fmt.Errorf("only inputs can be indexed, not component.%s", b.name)
		}
		b.steps = stepPattern().FindAllString(m[3], -1)
	}
	if len(parts)-1 > maxFunctions {
		return b, fmt.Errorf("a block can chain at most %d functions; this one has %d", maxFunctions, len(parts)-1)
	}
	for i, p := range parts[1:] {
		f, err := parseFunction(strings.TrimSpace(p))
		if err != nil {
			return b, err
		}
		if f.name == "split" && i < len(parts)-2 {
			return b, fmt.Errorf("split must be the last function of a block: it returns an array, and the other functions take strings")
		}
		b.funcs = append(b.funcs, f)
	}
	return b, nil
}

// parseFunction reads one function call of a block.
func parseFunction(p string) (fn, error) {
	switch {
	case p == "expand_vars", p == "posix_escape", p == "posix_quote":
		return fn{name: p}, nil
	case truncatePattern().MatchString(p):
		m := truncatePattern().FindStringSubmatch(p)
		f := fn{name: "truncate"}
		for _, a := range m[1:] {
			// Ruby reads any number of digits, but String#[] fails on one
			// that does not fit a machine word.
			n, err := strconv.ParseInt(a, 10, 64)
			if err != nil {
				return fn{}, fmt.Errorf("truncate's numbers must be less than 2^63; GitLab fails on %s", a)
			}
			f.args = append(f.args, int(min(n, math.MaxInt)))
		}
		return f, nil
	case splitPattern().MatchString(p):
		sep := splitPattern().FindStringSubmatch(p)[1]
		if sep == "" {
			return fn{}, fmt.Errorf("split's separator cannot be empty")
		}
		return fn{name: "split", sep: sep}, nil
	}
	name := namePattern().FindString(p)
	switch name {
	case "truncate":
		return fn{}, fmt.Errorf("truncate takes two whole numbers, an offset and a length: truncate(0,8)")
	case "split":
		return fn{}, fmt.Errorf("split takes one separator in single quotes: split(',')")
	case "expand_vars", "posix_escape", "posix_quote":
		return fn{}, fmt.Errorf("%s takes no arguments", name)
	}
	msg := fmt.Sprintf("there is no function %q", p)
	if s := suggest.Closest(name, functionNames); s != "" {
		msg += fmt.Sprintf("; did you mean %s?", s)
	} else {
		msg += " (the functions are " + strings.Join(functionNames, ", ") + ")"
	}
	return fn{}, fmt.Errorf("%s", msg)
}

// Context is what an interpolation knows.
type Context struct {
	Spec   *Spec
	Values Values
	// Component holds the values of $[[ component.* ]] (name, sha,
	// version, reference); a nil value is null.
	Component map[string]*string
	// Via is where the file was included from; it is attached to every
	// position of the result.
	Via *finding.Pos
}

// Result is an interpolated body.
type Result struct {
	Body     *load.Node
	Findings []finding.Finding
	// Used are the inputs the body refers to.
	Used map[string]bool
}

// Interpolate returns a copy of body with every `$[[ … ]]` replaced: a
// block that is a whole value takes the input's type (a boolean stays a
// boolean, an array can be a whole `rules:` list); inside a longer string
// it becomes text. Blocks of required inputs without a value are left as
// written. Every copied position gets ctx.Via.
func Interpolate(body *load.Node, ctx Context) Result {
	in := &interpolator{ctx: ctx, memo: map[*load.Node]*load.Node{}, res: Result{Used: map[string]bool{}}}
	in.res.Body = in.node(body)
	return in.res
}

type interpolator struct {
	ctx  Context
	memo map[*load.Node]*load.Node
	res  Result
}

func (in *interpolator) pos(p finding.Pos) finding.Pos {
	if in.ctx.Via != nil {
		p.Via = in.ctx.Via
	}
	return p
}

func (in *interpolator) node(n *load.Node) *load.Node {
	if n == nil {
		return nil
	}
	if c, ok := in.memo[n]; ok {
		return c
	}
	c := *n
	c.Pos = in.pos(n.Pos)
	out := &c
	switch n.Kind {
	case load.String:
		if strings.Contains(n.Text, "$[[") {
			out = in.scalar(n)
		}
	case load.Seq, load.Reference:
		c.Items = make([]*load.Node, len(n.Items))
		for i, it := range n.Items {
			c.Items[i] = in.node(it)
		}
	case load.Map:
		c.Pairs = make([]load.Pair, len(n.Pairs))
		for i, p := range n.Pairs {
			c.Pairs[i] = load.Pair{Key: in.node(p.Key), Value: in.node(p.Value)}
		}
	}
	in.memo[n] = out
	return out
}

// report reports a problem in a block at offset in n. Problems in the
// template's text (syntax, unknown names) are the same for every include
// and are reported once, at the template; problems with a value carry the
// include they come through.
func (in *interpolator) report(n *load.Node, offset int, perInclude bool, format string, args ...any) {
	pos := n.Pos
	if perInclude {
		pos = in.pos(n.Pos)
	}
	if !strings.Contains(n.Text, "\n") {
		if !n.Plain {
			pos.Col++ // the opening quote
		}
		pos.Col += len([]rune(n.Text[:offset]))
	}
	in.res.Findings = append(in.res.Findings, rules.Newf(rules.Interpolation, pos, format, args...))
}

// scalar interpolates one string.
func (in *interpolator) scalar(n *load.Node) *load.Node {
	locs := blockPattern().FindAllStringSubmatchIndex(n.Text, -1)
	out := &load.Node{Kind: load.String, Pos: in.pos(n.Pos), Plain: n.Plain}
	if len(locs) == 1 && locs[0][0] == 0 && locs[0][1] == len(n.Text) {
		v, ok := in.value(n, locs[0])
		if !ok {
			out.Text = n.Text
			return out
		}
		return in.typed(v, n)
	}
	var b strings.Builder
	last := 0
	for _, loc := range locs {
		b.WriteString(n.Text[last:loc[0]])
		last = loc[1]
		v, ok := in.value(n, loc)
		if !ok {
			b.WriteString(n.Text[loc[0]:loc[1]])
			continue
		}
		b.WriteString(Text(v))
	}
	b.WriteString(n.Text[last:])
	out.Text = b.String()
	return out
}

// typed is the node a whole-value block becomes: the value with its type,
// written where the block was.
func (in *interpolator) typed(v, at *load.Node) *load.Node {
	if v.IsScalar() {
		c := *v
		c.Pos = in.pos(at.Pos)
		c.Plain = false
		return &c
	}
	return v // lists and mappings keep the positions of the given value
}

// value evaluates the block at loc in n. ok is false when the block is
// left as written (an error was reported, or a required input has no
// value).
func (in *interpolator) value(n *load.Node, loc []int) (*load.Node, bool) {
	if matrixref.Block(n.Text[loc[2]:loc[3]]) {
		return nil, false // needs:parallel:matrix blocks, for the pipeline's matrix interpolation
	}
	b, err := parseBlock(n.Text[loc[2]:loc[3]])
	if err != nil && b.scope == "inputs" {
		in.res.Used[b.name] = true // used, if not well
	}
	if err != nil {
		in.report(n, loc[0], false, "$[[ %s ]] is not a valid interpolation: %v", strings.TrimSpace(n.Text[loc[2]:loc[3]]), err)
		return nil, false
	}
	var v *load.Node
	switch b.scope {
	case "inputs":
		if in.ctx.Spec.Lookup(b.name) == nil {
			msg := fmt.Sprintf("inputs.%s is not declared in spec:inputs", b.name)
			if s := suggest.Closest(b.name, in.ctx.Spec.Names()); s != "" {
				msg += fmt.Sprintf("; did you mean inputs.%s?", s)
			}
			in.report(n, loc[0], false, "%s", msg)
			return nil, false
		}
		in.res.Used[b.name] = true
		val, ok := in.ctx.Values[b.name]
		if !ok {
			return nil, false
		}
		v = val
		for _, step := range b.steps {
			next, err := indexInto(v, step)
			if err != nil {
				in.report(n, loc[0], true, "$[[ %s ]]: %v", strings.TrimSpace(n.Text[loc[2]:loc[3]]), err)
				return nil, false
			}
			v = next
		}
	case "component":
		if !contains(in.ctx.Spec.Component, b.name) {
			in.report(n, loc[0], false, "component.%s is not available: list it in spec:component (name, sha, version, reference)", b.name)
			return nil, false
		}
		s, known := in.ctx.Component[b.name]
		switch {
		case !known:
			return nil, false // not a component use (linting the template itself)
		case s == nil:
			v = &load.Node{Kind: load.Null}
		default:
			v = &load.Node{Kind: load.String, Text: *s}
		}
	}
	for _, f := range b.funcs {
		if v.Kind != load.String {
			in.report(n, loc[0], true, "%s works on strings; %s.%s is %s", f.name, b.scope, b.name, kindWords(v))
			return nil, false
		}
		if f.name == "split" {
			v = splitValue(v.Text, f.sep, in.pos(n.Pos))
			continue
		}
		v = &load.Node{Kind: load.String, Text: apply(f, v.Text)}
	}
	return v, true
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

func apply(f fn, s string) string {
	switch f.name {
	case "truncate":
		// Ruby's s[offset, length], in characters; written so that no
		// sum can overflow.
		r := []rune(s)
		start := min(f.args[0], len(r))
		end := start + min(f.args[1], len(r)-start)
		return string(r[start:end])
	case "posix_escape", "posix_quote":
		return posixEscape(s)
	}
	// expand_vars: CI/CD variables are not known offline, so they stay.
	return s
}

// splitValue is functions/split.rb: the parts between separators,
// stripped, empty ones dropped; an array.
func splitValue(s, sep string, at finding.Pos) *load.Node {
	out := &load.Node{Kind: load.Seq, Pos: at}
	for _, part := range strings.Split(s, sep) {
		if part = strings.TrimFunc(part, isRubySpace); part != "" {
			out.Items = append(out.Items, &load.Node{Kind: load.String, Text: part, Pos: at})
		}
	}
	return out
}

// isRubySpace is what Ruby's String#strip removes: whitespace and NUL.
func isRubySpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r' || r == 0
}

// posixEscape backslash-escapes every character a POSIX shell treats
// specially, as Ruby's Shellwords.escape does.
func posixEscape(s string) string {
	if s == "" {
		return "''"
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString("'\n'")
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("_-.,:+/@", r):
			b.WriteRune(r)
		default:
			b.WriteByte('\\')
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Text is a value as it appears inside a longer string.
func Text(v *load.Node) string {
	switch v.Kind {
	case load.String:
		return v.Text
	case load.Null:
		return ""
	case load.Seq, load.Map:
		j, _ := json.Marshal(Plain(v))
		return string(j)
	}
	return v.Name()
}

// Plain is v as a JSON-able Go value: scalars as their Go values (null as
// nil), sequences and mappings as slices and maps of them.
func Plain(v *load.Node) any {
	switch v.Kind {
	case load.Seq:
		out := make([]any, len(v.Items))
		for i, it := range v.Items {
			out[i] = Plain(it)
		}
		return out
	case load.Map:
		out := map[string]any{}
		for _, p := range v.Pairs {
			out[p.Key.Name()] = Plain(p.Value)
		}
		return out
	case load.Int:
		return v.Int
	case load.Float:
		return v.Float
	case load.Bool:
		return v.Bool
	case load.Null:
		return nil
	}
	return v.Text
}

// Unused reports declared inputs the body never refers to.
func Unused(spec *Spec, used map[string]bool) []finding.Finding {
	var fs []finding.Finding
	for _, in := range spec.Inputs {
		if !used[in.Name] {
			fs = append(fs, rules.Newf(rules.InputUnused, in.Key.Pos, "input `%s` is declared but never used in the file", in.Name))
		}
	}
	return fs
}

// indexInto takes one step into an input's value: an element of an array
// by its zero-based index, or a key of a mapping. GitLab refuses an index
// past the end and an index into anything but an array.
func indexInto(v *load.Node, step string) (*load.Node, error) {
	if strings.HasPrefix(step, "[") {
		i, err := strconv.Atoi(strings.Trim(step, "[]"))
		switch {
		case v.Kind != load.Seq:
			return nil, fmt.Errorf("%s indexes %s, not an array", step, kindWords(v))
		case err != nil || i >= len(v.Items):
			return nil, fmt.Errorf("index %s is past the end of an array of %d", strings.Trim(step, "[]"), len(v.Items))
		}
		return v.Items[i], nil
	}
	key := step[1:]
	if v.Kind != load.Map || v.Pair(key) == nil {
		return nil, fmt.Errorf("%s: there is no key `%s` there", step, key)
	}
	return v.Get(key), nil
}
