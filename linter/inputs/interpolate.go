package inputs

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/linter/suggest"
)

// blockPattern finds `$[[ … ]]` blocks. GitLab limits a block to about 1 KB of
// text; longer ones are not blocks at all.
var blockPattern = regexp.MustCompile(`\$\[\[(.{0,1000}?)\]\]`)

var (
	accessPattern = regexp.MustCompile(`^\s*(inputs|component)\.([A-Za-z0-9_-]+)\s*$`)
	funcPattern   = regexp.MustCompile(`^\s*([a-z_]+)\s*(?:\(\s*([^)]*)\))?\s*$`)
)

// maxFunctions is how many functions one block may chain.
const maxFunctions = 3

type fn struct {
	name string
	args []int
}

type block struct {
	scope, name string
	funcs       []fn
}

// parseBlock parses the text between `$[[` and `]]`.
func parseBlock(s string) (block, error) {
	parts := strings.Split(s, "|")
	m := accessPattern.FindStringSubmatch(parts[0])
	if m == nil {
		return block{}, fmt.Errorf("%q is not inputs.NAME or component.FIELD", strings.TrimSpace(parts[0]))
	}
	b := block{scope: m[1], name: m[2]}
	if len(parts)-1 > maxFunctions {
		return b, fmt.Errorf("a block can chain at most %d functions; this one has %d", maxFunctions, len(parts)-1)
	}
	for _, p := range parts[1:] {
		fm := funcPattern.FindStringSubmatch(p)
		if fm == nil {
			return b, fmt.Errorf("%q is not a function call", strings.TrimSpace(p))
		}
		f := fn{name: fm[1]}
		if fm[2] != "" {
			for _, a := range strings.Split(fm[2], ",") {
				n, err := strconv.Atoi(strings.TrimSpace(a))
				if err != nil {
					return b, fmt.Errorf("function %s takes whole numbers, not %q", f.name, strings.TrimSpace(a))
				}
				f.args = append(f.args, n)
			}
		}
		switch {
		case f.name == "truncate" && len(f.args) != 2:
			return b, fmt.Errorf("truncate takes two numbers, an offset and a length: truncate(0,8)")
		case f.name == "truncate" && (f.args[0] < 0 || f.args[1] < 0):
			return b, fmt.Errorf("truncate's offset and length cannot be negative")
		case (f.name == "expand_vars" || f.name == "posix_escape") && len(f.args) > 0:
			return b, fmt.Errorf("%s takes no arguments", f.name)
		case f.name != "truncate" && f.name != "expand_vars" && f.name != "posix_escape":
			msg := fmt.Sprintf("there is no function %q", f.name)
			if s := suggest.Closest(f.name, []string{"truncate", "expand_vars", "posix_escape"}); s != "" {
				msg += fmt.Sprintf("; did you mean %s?", s)
			} else {
				msg += " (the functions are expand_vars, truncate and posix_escape)"
			}
			return b, fmt.Errorf("%s", msg)
		}
		b.funcs = append(b.funcs, f)
	}
	return b, nil
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
	in.res.Findings = append(in.res.Findings, finding.Finding{Pos: pos, Severity: finding.Error, Rule: rules.Interpolation, Message: fmt.Sprintf(format, args...)})
}

// scalar interpolates one string.
func (in *interpolator) scalar(n *load.Node) *load.Node {
	locs := blockPattern.FindAllStringSubmatchIndex(n.Text, -1)
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
		r := []rune(s)
		start := min(f.args[0], len(r))
		end := min(start+f.args[1], len(r))
		return string(r[start:end])
	case "posix_escape":
		return posixEscape(s)
	}
	// expand_vars: CI/CD variables are not known offline, so they stay.
	return s
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
		j, _ := json.Marshal(plain(v))
		return string(j)
	}
	return v.Name()
}

func plain(v *load.Node) any {
	switch v.Kind {
	case load.Seq:
		out := make([]any, len(v.Items))
		for i, it := range v.Items {
			out[i] = plain(it)
		}
		return out
	case load.Map:
		out := map[string]any{}
		for _, p := range v.Pairs {
			out[p.Key.Name()] = plain(p.Value)
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
			fs = append(fs, finding.Finding{Pos: in.Key.Pos, Severity: finding.Warning, Rule: rules.InputUnused,
				Message: fmt.Sprintf("input `%s` is declared but never used in the file", in.Name)})
		}
	}
	return fs
}
