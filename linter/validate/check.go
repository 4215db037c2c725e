package validate

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"gitlab.com/trustci/cicd/linter/load"
)

// The evaluator applies compiled subschemas to a load.Node tree directly,
// seeing it as the JSON value GitLab's keyword entries would judge: nulls
// are left out or kept as nullMode says (convert.go), a !reference is null,
// YAML's infinities and NaN are finite numbers (finite).
//
// It runs twice at most. The first pass only answers valid or not, stops
// at the first violation and allocates nothing; only when the value is
// invalid does a second pass build the tree of violations, in the shape
// the explanations read: a failure per failing keyword, a group when one
// schema object has several, $ref, allOf/N, anyOf, then and else holding
// what failed below them. Which keywords are checked, in which order, and
// where the type check stops a schema object follow draft 2019-09 as
// github.com/santhosh-tekuri/jsonschema/v5 implements it, the library this
// replaces, which the tests keep as an oracle (oracle_test.go).

// failure is one node of the tree of violations.
type failure struct {
	// abs is the keyword's location in the schema document, as a URI
	// fragment ("#/$defs/job/properties/when/enum"); for a group, the
	// location of the schema object.
	abs string
	// inst is the JSON pointer of the value in the document validated.
	inst   string
	causes []*failure
	// group says the failure only groups several failures of one schema
	// object.
	group bool
}

// instance is a value as the schema sees it.
type instance struct {
	n    *load.Node // nil for a key name or an empty list that stands for null
	kind typeSet    // exactly one of the JSON types; typeNumber for every number
	text string     // a string's text
	mode nulls      // which nulls the value's entries keep
}

// topEntries is the null mode of the document validated: at its top level
// only global keywords lose a null (a job written without a value is an
// error).
const topEntries nulls = -1

func valueOf(n *load.Node, mode nulls) instance {
	if n == nil {
		return instance{kind: typeNull}
	}
	switch n.Kind {
	case load.Bool:
		return instance{n: n, kind: typeBoolean}
	case load.Int, load.Float:
		return instance{n: n, kind: typeNumber}
	case load.String:
		return instance{n: n, kind: typeString, text: n.Text}
	case load.Seq:
		return instance{n: n, kind: typeArray, mode: mode}
	case load.Map:
		return instance{n: n, kind: typeObject, mode: mode}
	}
	// Null, and an unresolved !reference: opaque, see opaque.
	return instance{kind: typeNull}
}

// documentOf is the instance of a document validated.
func documentOf(doc *load.Node) instance {
	if doc != nil && doc.Kind == load.Map {
		return instance{n: doc, kind: typeObject, mode: topEntries}
	}
	return valueOf(doc, dropNulls)
}

// entry is the value of mapping entry p of a mapping whose entries keep
// nulls as mode says, and whether the schema sees the entry at all.
// Mapping keys are unique (the loader keeps the last of duplicates, as
// GitLab does), so an entry is never shadowed by a later one.
func entry(p load.Pair, mode nulls) (instance, bool) {
	if mode == topEntries {
		name := p.Key.Name()
		if isNull(p.Value) && isGlobal(name) {
			return instance{}, false
		}
		return valueOf(p.Value, nullMode(name)), true
	}
	if isNull(p.Value) {
		name := p.Key.Name()
		if mode == existsPaths && name == "paths" {
			return instance{kind: typeArray}, true
		}
		if (mode == dropNulls || mode == existsPaths) && !keepsNull(name) {
			return instance{}, false
		}
	}
	sub := mode
	if mode == keepChildren || mode == existsPaths {
		sub = dropNulls
	}
	if sub == dropNulls {
		sub = nullMode(p.Key.Name())
	}
	return valueOf(p.Value, sub), true
}

// seen reports whether the mapping in has an entry named name that the
// schema sees.
func seen(in instance, name string) bool {
	if p := in.n.Pair(name); p != nil {
		_, ok := entry(*p, in.mode)
		return ok
	}
	return false
}

// evaluator is the state of one validation.
type evaluator struct {
	// explain is set in the pass that builds failures.
	explain bool
	// path leads from the document to the value being checked, in the
	// pass that builds failures.
	path []pathToken
}

type pathToken struct {
	name  string
	index int // -1 for a name
}

func (e *evaluator) push(t pathToken) {
	if e.explain {
		e.path = append(e.path, t)
	}
}

func (e *evaluator) pop() {
	if e.explain {
		e.path = e.path[:len(e.path)-1]
	}
}

// location is the JSON pointer of the value being checked.
func (e *evaluator) location() string {
	var b strings.Builder
	for _, t := range e.path {
		switch {
		case t.index >= 0:
			b.WriteByte('/')
			b.WriteString(strconv.Itoa(t.index))
		case t.name != "":
			b.WriteByte('/')
			b.WriteString(escape(t.name))
		}
		// The library adds no token for an empty key (it joins only
		// non-empty ones), so the key "" has its mapping's location;
		// kept, so that the oracle tests compare like with like.
	}
	return b.String()
}

// quietly checks in against s without building failures.
func (e *evaluator) quietly(s *subschema, in instance) bool {
	was := e.explain
	e.explain = false
	ok, _ := e.check(s, in)
	e.explain = was
	return ok
}

// check applies s to in. It returns whether in is valid and, in the pass
// that explains, the failure.
func (e *evaluator) check(s *subschema, in instance) (bool, *failure) {
	if s.isBool {
		if s.allow {
			return true, nil
		}
		return false, e.leaf(s.loc, "")
	}
	if s.types != 0 && !typeMatches(s.types, in) {
		return false, e.leaf(s.loc, "/type")
	}
	var c collector
	if s.hasConst && !equalJSON(in, s.constant) {
		if !e.explain {
			return false, nil
		}
		c.add(e.leaf(s.loc, "/const"))
	}
	if s.enum != nil && !inEnum(in, s.enum) {
		if !e.explain {
			return false, nil
		}
		c.add(e.leaf(s.loc, "/enum"))
	}
	switch in.kind {
	case typeObject:
		if !e.object(s, in, &c) && !e.explain {
			return false, nil
		}
	case typeArray:
		if !e.array(s, in, &c) && !e.explain {
			return false, nil
		}
	case typeString:
		n := -1
		if s.minLength >= 0 || s.maxLength >= 0 {
			n = utf8.RuneCountInString(in.text)
		}
		if s.minLength >= 0 && n < s.minLength {
			if !e.explain {
				return false, nil
			}
			c.add(e.leaf(s.loc, "/minLength"))
		}
		if s.maxLength >= 0 && n > s.maxLength {
			if !e.explain {
				return false, nil
			}
			c.add(e.leaf(s.loc, "/maxLength"))
		}
		if s.pattern != nil && !s.pattern.MatchString(in.text) {
			if !e.explain {
				return false, nil
			}
			c.add(e.leaf(s.loc, "/pattern"))
		}
	case typeNumber:
		if s.minimum != nil && compareNumber(in.n, *s.minimum) < 0 {
			if !e.explain {
				return false, nil
			}
			c.add(e.leaf(s.loc, "/minimum"))
		}
		if s.maximum != nil && compareNumber(in.n, *s.maximum) > 0 {
			if !e.explain {
				return false, nil
			}
			c.add(e.leaf(s.loc, "/maximum"))
		}
	}
	if s.ref != nil {
		if ok, f := e.check(s.ref, in); !ok {
			if !e.explain {
				return false, nil
			}
			r := e.leaf(s.loc, "/$ref")
			if f.group {
				r.causes = f.causes
			} else {
				r.causes = []*failure{f}
			}
			c.add(r)
		}
	}
	if s.not != nil && e.quietly(s.not, in) {
		if !e.explain {
			return false, nil
		}
		c.add(e.leaf(s.loc, "/not"))
	}
	for i, sub := range s.allOf {
		if ok, f := e.check(sub, in); !ok {
			if !e.explain {
				return false, nil
			}
			a := e.leaf(s.loc, "/allOf/"+strconv.Itoa(i))
			a.causes = []*failure{f}
			c.add(a)
		}
	}
	if s.anyOf != nil {
		matched := false
		for _, sub := range s.anyOf {
			if e.quietly(sub, in) {
				matched = true
				break
			}
		}
		if !matched {
			if !e.explain {
				return false, nil
			}
			a := e.leaf(s.loc, "/anyOf")
			for _, sub := range s.anyOf {
				_, f := e.check(sub, in)
				a.causes = append(a.causes, f)
			}
			c.add(a)
		}
	}
	if s.ifS != nil {
		branch, kw := s.elsS, "/else"
		if e.quietly(s.ifS, in) {
			branch, kw = s.thenS, "/then"
		}
		if branch != nil {
			if ok, f := e.check(branch, in); !ok {
				if !e.explain {
					return false, nil
				}
				b := e.leaf(s.loc, kw)
				b.causes = []*failure{f}
				c.add(b)
			}
		}
	}
	switch {
	case !c.failed:
		return true, nil
	case len(c.fails) == 1:
		return false, c.fails[0]
	case len(c.fails) == 0:
		return false, nil
	}
	g := e.leaf(s.loc, "")
	g.causes, g.group = c.fails, true
	return false, g
}

// collector gathers the failures of one schema object.
type collector struct {
	failed bool
	fails  []*failure
}

func (c *collector) add(f *failure) {
	c.failed = true
	if f != nil {
		c.fails = append(c.fails, f)
	}
}

// object applies s's mapping keywords to in. It reports whether they all
// pass; in the quiet pass it stops at the first that does not.
func (e *evaluator) object(s *subschema, in instance, c *collector) bool {
	ok := true
	if s.minProps >= 0 || s.maxProps >= 0 {
		n := 0
		for _, p := range in.n.Pairs {
			if _, seen := entry(p, in.mode); seen {
				n++
			}
		}
		if (s.minProps >= 0 && n < s.minProps) || (s.maxProps >= 0 && n > s.maxProps) {
			if !e.explain {
				return false
			}
			kw := "/minProperties"
			if s.maxProps >= 0 && n > s.maxProps {
				kw = "/maxProperties"
			}
			c.add(e.leaf(s.loc, kw))
			ok = false
		}
	}
	for _, r := range s.required {
		if !seen(in, r) {
			if !e.explain {
				return false
			}
			c.add(e.leaf(s.loc, "/required"))
			ok = false
			break
		}
	}
	if s.properties != nil || s.propertyNames != nil || s.patternProps != nil || s.additional >= additionalForbidden {
		unknown := false
		for _, p := range in.n.Pairs {
			val, seen := entry(p, in.mode)
			if !seen {
				continue
			}
			name := p.Key.Name()
			e.push(pathToken{name: name, index: -1})
			known := false
			if ps, has := s.properties[name]; has {
				known = true
				if good, f := e.check(ps, val); !good {
					if !e.explain {
						return false
					}
					c.add(f)
					ok = false
				}
			}
			if s.propertyNames != nil {
				if good, f := e.check(s.propertyNames, instance{kind: typeString, text: name}); !good {
					if !e.explain {
						return false
					}
					c.add(f)
					ok = false
				}
			}
			for _, pp := range s.patternProps {
				if !pp.re.MatchString(name) {
					continue
				}
				known = true
				if good, f := e.check(pp.schema, val); !good {
					if !e.explain {
						return false
					}
					c.add(f)
					ok = false
				}
			}
			if !known {
				switch s.additional {
				case additionalForbidden:
					unknown = true
				case additionalSchema:
					if good, f := e.check(s.additionalSchema, val); !good {
						if !e.explain {
							return false
						}
						c.add(f)
						ok = false
					}
				}
			}
			e.pop()
		}
		if unknown {
			if !e.explain {
				return false
			}
			c.add(e.leaf(s.loc, "/additionalProperties"))
			ok = false
		}
	}
	for _, d := range s.dependentRequired {
		if !seen(in, d.name) {
			continue
		}
		for i, r := range d.required {
			if !seen(in, r) {
				if !e.explain {
					return false
				}
				c.add(e.leaf(s.loc, "/dependentRequired/"+escape(d.name)+"/"+strconv.Itoa(i)))
				ok = false
			}
		}
	}
	for _, d := range s.dependentSchemas {
		if !seen(in, d.name) {
			continue
		}
		if good, f := e.check(d.schema, in); !good {
			if !e.explain {
				return false
			}
			c.add(f)
			ok = false
		}
	}
	return ok
}

// array applies s's list keywords to in, as object does.
func (e *evaluator) array(s *subschema, in instance, c *collector) bool {
	var items []*load.Node
	if in.n != nil {
		items = in.n.Items
	}
	ok := true
	if s.minItems >= 0 && len(items) < s.minItems {
		if !e.explain {
			return false
		}
		c.add(e.leaf(s.loc, "/minItems"))
		ok = false
	}
	if s.maxItems >= 0 && len(items) > s.maxItems {
		if !e.explain {
			return false
		}
		c.add(e.leaf(s.loc, "/maxItems"))
		ok = false
	}
	if s.items != nil {
		for i, item := range items {
			e.push(pathToken{index: i})
			good, f := e.check(s.items, valueOf(item, in.mode))
			e.pop()
			if !good {
				if !e.explain {
					return false
				}
				c.add(f)
				ok = false
			}
		}
	}
	return ok
}

// leaf is a failure of keyword kw ("/type"; "" for the schema object
// itself) of the schema object at loc, for the value being checked. The
// quiet pass builds none: the location strings are joined only here.
func (e *evaluator) leaf(loc, kw string) *failure {
	if !e.explain {
		return nil
	}
	return &failure{abs: loc + kw, inst: e.location()}
}

func typeMatches(set typeSet, in instance) bool {
	if set&in.kind != 0 {
		return true
	}
	return in.kind == typeNumber && set&typeInteger != 0 && whole(in.n)
}

// whole reports whether a number has no fraction (a float such as 3.0
// is a whole number to JSON Schema).
func whole(n *load.Node) bool {
	if n.Kind == load.Int {
		return true
	}
	f := finite(n.Float)
	return f == math.Trunc(f)
}

// compareNumber compares the number n with a schema's limit.
func compareNumber(n *load.Node, limit float64) int {
	if n.Kind == load.Int {
		if limit == math.Trunc(limit) && math.Abs(limit) < 1<<62 {
			return cmp(n.Int, int64(limit))
		}
		return cmp(float64(n.Int), limit)
	}
	return cmp(finite(n.Float), limit)
}

func cmp[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// equalJSON reports whether in equals the scalar JSON value want.
func equalJSON(in instance, want any) bool {
	switch w := want.(type) {
	case nil:
		return in.kind == typeNull
	case bool:
		return in.kind == typeBoolean && in.n.Bool == w
	case string:
		return in.kind == typeString && in.text == w
	case float64:
		return in.kind == typeNumber && compareNumber(in.n, w) == 0
	}
	return false
}

func inEnum(in instance, enum []any) bool {
	for _, o := range enum {
		if equalJSON(in, o) {
			return true
		}
	}
	return false
}
