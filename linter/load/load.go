// Package load reads a GitLab CI YAML file into a tree of Nodes that keep the
// file, line and column of every key and value. It resolves anchors, aliases
// and merge keys (`<<`) as GitLab's Ruby loader does, keeps `!reference`
// tags for later resolution, splits a `spec:` header document from the body,
// and bounds everything hostile input could blow up: size, nesting depth,
// alias expansion and the number of documents.
package load

import (
	"bytes"
	"errors"
	"io"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/linter/tree"
)

// Limits bound the work one file can cause.
type Limits struct {
	// MaxBytes is the largest file read. GitLab's max_yaml_size_bytes
	// defaults to 2 MiB.
	MaxBytes int64
	// MaxDepth is the deepest nesting of collections. GitLab allows 150.
	MaxDepth int
	// MaxNodes bounds the size of a document once aliases are expanded, so
	// that a "billion laughs" file is refused instead of eating memory.
	MaxNodes int
	// MaxDocuments is the number of YAML documents in a file: a spec:
	// header and a body.
	MaxDocuments int
}

// DefaultLimits returns GitLab's limits where GitLab has one.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 2 << 20, MaxDepth: 150, MaxNodes: 1_000_000, MaxDocuments: 2}
}

// File is one loaded YAML file.
type File struct {
	Path   string
	Source []byte
	// Header is the spec: header document's root mapping, when the file
	// has one (a header document, then `---`, then the body).
	Header *Node
	// Body is the configuration: the root of the body document. It is nil
	// when the file is empty or could not be loaded.
	Body *Node
}

// Read reads and parses path. Only a failure to read the file is an error;
// everything wrong with its content is a finding.
func Read(path string, lim Limits) (*File, []finding.Finding, error) {
	// Only regular files, and one byte past the limit so an oversized
	// file is noticed without reading all of it.
	src, err := tree.ReadRegular(path, lim.MaxBytes)
	if err != nil {
		return nil, nil, err
	}
	file, fs := Parse(path, src, lim)
	return file, fs, nil
}

// Parse loads src, which was read from path.
func Parse(path string, src []byte, lim Limits) (*File, []finding.Finding) {
	file := &File{Path: path, Source: src}
	at := func(line, col int) finding.Pos { return finding.Pos{File: path, Line: line, Col: col} }
	if int64(len(src)) > lim.MaxBytes {
		return file, []finding.Finding{rules.Newf(rules.YAMLLimit, at(1, 1),
			"file is larger than %d bytes, the most GitLab accepts (max_yaml_size_bytes)", lim.MaxBytes)}
	}
	if i := bytes.IndexByte(src, 0); i >= 0 {
		l, c := lineCol(src, i)
		return file, []finding.Finding{rules.New(rules.YAMLSyntax, at(l, c), "file is binary, not YAML text (NUL byte)")}
	}
	if !utf8.Valid(src) {
		i := firstInvalidUTF8(src)
		l, c := lineCol(src, i)
		return file, []finding.Finding{rules.New(rules.YAMLSyntax, at(l, c), "file is not valid UTF-8 text")}
	}

	c := &converter{path: path, lim: lim, lines: bytes.Count(src, []byte{'\n'}) + 1, memo: map[*yaml.Node]converted{}, busy: map[*yaml.Node]bool{}}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var docs []*yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			l, col, msg := syntaxPos(err.Error(), src)
			c.findings = append(c.findings, rules.New(rules.YAMLSyntax, at(l, col), msg))
			return file, c.findings
		}
		docs = append(docs, &doc)
		if len(docs) > lim.MaxDocuments {
			c.findings = append(c.findings, rules.Newf(rules.YAMLDocuments, c.docPos(&doc),
				"file has more than %d YAML documents; GitLab allows a spec: header document and one body", lim.MaxDocuments))
			return file, c.findings
		}
	}
	roots := make([]*Node, len(docs))
	for i, d := range docs {
		roots[i] = c.document(d)
		if c.aborted {
			return file, c.findings
		}
	}
	switch {
	case len(roots) == 1:
		file.Body = roots[0]
	case len(roots) == 2 && roots[0] != nil && roots[0].Kind == Map && roots[0].Pair("spec") != nil:
		file.Header, file.Body = roots[0], roots[1]
	case len(roots) == 2:
		// GitLab reads only the first document when it is not a header.
		file.Body = roots[0]
		c.findings = append(c.findings, rules.Soften(rules.New(rules.YAMLDocuments, c.docPos(docs[1]),
			"GitLab ignores this second YAML document, because the first one is not a spec: header"), finding.Warning, rules.Accepted))
	}
	return file, c.findings
}

// docPos is where a document's content starts.
func (c *converter) docPos(doc *yaml.Node) finding.Pos {
	if len(doc.Content) > 0 {
		return c.pos(doc.Content[0])
	}
	return c.pos(doc)
}

// converted is a yaml.Node already turned into a Node, with the number of
// nodes it stands for once aliases are expanded.
type converted struct {
	node   *Node
	size   int
	height int
}

type converter struct {
	path     string
	lim      Limits
	lines    int // lines in the file
	memo     map[*yaml.Node]converted
	busy     map[*yaml.Node]bool // nodes being converted: an alias to one is a cycle
	findings []finding.Finding
	aborted  bool
}

func (c *converter) pos(y *yaml.Node) finding.Pos {
	// yaml.v3 places an empty value at the end of a file without a final
	// newline one line past the end; keep every position inside the file.
	if y.Line > c.lines {
		return finding.Pos{File: c.path, Line: c.lines, Col: 1}
	}
	return finding.Pos{File: c.path, Line: y.Line, Col: y.Column}
}

func (c *converter) report(y *yaml.Node, rule, format string, args ...any) {
	c.findings = append(c.findings, rules.Newf(rule, c.pos(y), format, args...))
}

func (c *converter) abort(y *yaml.Node, rule, format string, args ...any) {
	c.report(y, rule, format, args...)
	c.aborted = true
}

func (c *converter) document(d *yaml.Node) *Node {
	if d.Kind != yaml.DocumentNode || len(d.Content) == 0 {
		return nil
	}
	n, size, _ := c.node(d.Content[0], 1)
	if !c.aborted && size > c.lim.MaxNodes {
		c.abort(d.Content[0], rules.YAMLLimit, "aliases expand this document to more than %d values; GitLab refuses YAML this big once parsed", c.lim.MaxNodes)
	}
	return n
}

// node converts y. depth is the nesting level of y. It also returns the
// number of values y stands for with aliases expanded (saturated above
// MaxNodes) and its nesting height, so aliases need not be walked again.
// Only anchored nodes are memoized: nothing else can be reached twice.
func (c *converter) node(y *yaml.Node, depth int) (*Node, int, int) {
	if c.aborted {
		return nil, 0, 0
	}
	if y.Kind == yaml.AliasNode {
		if c.busy[y.Alias] {
			c.abort(y, rules.YAMLLimit, "alias *%s refers to a value that contains it; the document would be infinite", y.Value)
			return nil, 0, 0
		}
		return c.node(y.Alias, depth)
	}
	if y.Anchor != "" {
		if done, ok := c.memo[y]; ok {
			// An alias can nest a deep value deeper still.
			if depth-1+done.height > c.lim.MaxDepth {
				c.abort(y, rules.YAMLLimit, "values are nested more than %d levels deep once aliases are expanded, the most GitLab accepts", c.lim.MaxDepth)
				return nil, 0, 0
			}
			return done.node, done.size, done.height
		}
		c.busy[y] = true
		defer delete(c.busy, y)
	}
	if depth > c.lim.MaxDepth {
		c.abort(y, rules.YAMLLimit, "values are nested more than %d levels deep, the most GitLab accepts", c.lim.MaxDepth)
		return nil, 0, 0
	}
	n := &Node{Pos: c.pos(y)}
	size, height := 1, 0
	explicitTag := y.Style&yaml.TaggedStyle != 0
	switch y.Kind {
	case yaml.ScalarNode:
		c.scalar(y, n, explicitTag)
	case yaml.SequenceNode:
		n.Kind = Seq
		n.Items = make([]*Node, 0, len(y.Content))
		for _, item := range y.Content {
			child, s, h := c.node(item, depth+1)
			if c.aborted {
				return nil, 0, 0
			}
			n.Items = append(n.Items, child)
			size = addSize(size, s, c.lim.MaxNodes)
			height = max(height, h)
		}
		if explicitTag && y.Tag == "!reference" {
			c.reference(y, n)
		} else if explicitTag && y.Tag != "!!seq" {
			c.report(y, rules.YAMLTag, "GitLab ignores the YAML tag %s here", y.Tag)
		}
	case yaml.MappingNode:
		size, height = c.mapping(y, n, depth)
		if c.aborted {
			return nil, 0, 0
		}
		if explicitTag && y.Tag != "!!map" {
			if y.Tag == "!reference" {
				c.report(y, rules.YAMLReference, "!reference takes a list of names, such as !reference [.setup, script]; got a mapping")
			} else {
				c.report(y, rules.YAMLTag, "GitLab ignores the YAML tag %s here", y.Tag)
			}
		}
	}
	height++
	if y.Anchor != "" {
		c.memo[y] = converted{n, size, height}
	}
	return n, size, height
}

func addSize(a, b, limit int) int {
	if a+b > limit {
		return limit + 1
	}
	return a + b
}

func (c *converter) scalar(y *yaml.Node, n *Node, explicitTag bool) {
	n.Text = y.Value
	quoted := y.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0
	switch {
	case explicitTag:
		c.taggedScalar(y, n)
	case quoted:
		n.Kind = String
	default:
		n.Plain = true
		if kind := resolvePlain(n); kind != "" {
			c.report(y, rules.YAMLType,
				"GitLab's YAML loader refuses the unquoted %s %q; quote it to make it a string", kind, y.Value)
			n.Kind = String
		}
	}
}

func (c *converter) taggedScalar(y *yaml.Node, n *Node) {
	switch y.Tag {
	case "!!str":
		n.Kind = String
	case "!!null":
		n.Kind = Null
	case "!!bool", "!!int", "!!float":
		n.Plain = true
		resolvePlain(n)
		want := map[string]Kind{"!!bool": Bool, "!!int": Int, "!!float": Float}[y.Tag]
		if n.Kind == Int && want == Float {
			n.Kind, n.Float = Float, float64(n.Int)
		}
		if n.Kind != want {
			c.report(y, rules.YAMLSyntax, "%q is not a valid %s value", y.Value, y.Tag)
			n.Kind = String
		}
		n.Plain = false
	case "!reference":
		n.Kind = Reference
		c.report(y, rules.YAMLReference, "!reference takes a list of names, such as !reference [.setup, script]; got %q", y.Value)
	default:
		c.report(y, rules.YAMLTag, "GitLab ignores the YAML tag %s here", y.Tag)
		n.Plain = true
		resolvePlain(n)
	}
}

func (c *converter) reference(y *yaml.Node, n *Node) {
	n.Kind = Reference
	if len(n.Items) == 0 {
		c.report(y, rules.YAMLReference, "!reference needs at least one name, such as !reference [.setup, script]")
		return
	}
	for i, item := range n.Items {
		if item == nil || item.Kind == Seq || item.Kind == Map || item.Kind == Reference || item.Kind == Null {
			c.report(y.Content[i], rules.YAMLReference, "!reference takes names (job or key names); element %d is not a name", i+1)
			return
		}
	}
}

// mapping builds a Map with Ruby Hash semantics: a repeated key keeps its
// first position and takes the last value; `<<: *anchor` merges the
// anchored mapping at that point (overwriting keys written before it), and
// `<<: [*a, *b]` merges a list in which earlier mappings win.
func (c *converter) mapping(y *yaml.Node, n *Node, depth int) (int, int) {
	n.Kind = Map
	size, height := 1, 0
	index := make(map[string]int, len(y.Content)/2)
	fromMerge := map[string]bool{}
	set := func(p Pair, merged bool) {
		name := p.Key.Name()
		if i, ok := index[name]; ok {
			n.Pairs[i] = p
		} else {
			index[name] = len(n.Pairs)
			n.Pairs = append(n.Pairs, p)
		}
		fromMerge[name] = merged
	}
	for i := 0; i+1 < len(y.Content); i += 2 {
		ky, vy := y.Content[i], y.Content[i+1]
		key, ks, _ := c.node(ky, depth+1)
		if c.aborted {
			return 0, 0
		}
		if key == nil || !key.IsScalar() {
			c.report(ky, rules.YAMLSyntax, "a mapping key must be a plain value such as a name, not a list or mapping")
			continue
		}
		val, vs, vh := c.node(vy, depth+1)
		if c.aborted {
			return 0, 0
		}
		size = addSize(size, addSize(ks, vs, c.lim.MaxNodes), c.lim.MaxNodes)
		height = max(height, vh)
		if isMergeKey(ky) {
			if merged, ok := mergeSources(val); ok {
				for _, p := range merged {
					set(p, true)
				}
				continue
			}
		}
		name := key.Name()
		if j, ok := index[name]; ok && !fromMerge[name] {
			first := n.Pairs[j].Key.Pos
			c.report(ky, rules.YAMLDuplicateKey,
				"key %q is already defined at line %d; GitLab keeps only this last value", name, first.Line)
		}
		set(Pair{Key: key, Value: val}, false)
	}
	return size, height
}

func isMergeKey(k *yaml.Node) bool {
	if k.Kind == yaml.AliasNode {
		return false
	}
	if k.Tag == "!!merge" {
		return true
	}
	return k.Value == "<<" && k.Style&(yaml.TaggedStyle|yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0
}

// mergeSources returns the pairs a `<<` value contributes, in the order
// they are applied, or false when the value cannot be merged (Psych then
// keeps `<<` as an ordinary key).
func mergeSources(v *Node) ([]Pair, bool) {
	switch {
	case v == nil:
		return nil, false
	case v.Kind == Map:
		return v.Pairs, true
	case v.Kind == Seq:
		// Psych merges the list in reverse into a fresh hash, so the first
		// mapping in the list wins.
		var out []Pair
		seen := map[string]int{}
		for i := len(v.Items) - 1; i >= 0; i-- {
			m := v.Items[i]
			if m == nil || m.Kind != Map {
				return nil, false
			}
			for _, p := range m.Pairs {
				if j, ok := seen[p.Key.Name()]; ok {
					out[j] = p
				} else {
					seen[p.Key.Name()] = len(out)
					out = append(out, p)
				}
			}
		}
		return out, true
	}
	return nil, false
}

func lineCol(src []byte, offset int) (int, int) {
	line := 1 + bytes.Count(src[:offset], []byte{'\n'})
	start := bytes.LastIndexByte(src[:offset], '\n') + 1
	return line, 1 + utf8.RuneCount(src[start:offset])
}

func firstInvalidUTF8(src []byte) int {
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return 0
}
