package validate

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"regexp/syntax"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// The schema is compiled by our own compiler for exactly the part of JSON
// Schema (draft 2019-09) that schema/gitlab-ci.schema.json uses; see
// DECISIONS.md for why not a general library. A keyword it does not
// implement is refused when the schema is compiled (so in every test), not
// ignored: the schema cannot outgrow the validator unnoticed. The schema
// is checked against its metaschema by a test (schema_test.go in this
// package), not at run time.

// subschema is one compiled schema object (or boolean schema) of the
// document.
type subschema struct {
	// loc is the object's JSON pointer as a URI fragment ("#/$defs/job"),
	// each token escaped as in error locations (escape).
	loc string

	isBool, allow bool // a boolean schema: true or false

	types    typeSet
	hasConst bool
	constant any // string, float64, bool or nil
	enum     []any

	minProps, maxProps int // -1 when absent
	required           []string
	properties         map[string]*subschema
	propertyNames      *subschema
	patternProps       []patternProp
	additional         additional
	additionalSchema   *subschema
	dependentRequired  []dependency
	dependentSchemas   []dependentSchema

	minItems, maxItems int // -1 when absent
	items              *subschema

	minLength, maxLength int // -1 when absent
	pattern              *lazyRegexp

	minimum, maximum *float64

	ref              *subschema
	not              *subschema
	allOf, anyOf     []*subschema
	ifS, thenS, elsS *subschema
}

type patternProp struct {
	re     *lazyRegexp
	schema *subschema
}

// lazyRegexp is a pattern compiled when a value first needs it: a run
// meets few of the schema's patterns, and compiling them all was a tenth
// of a small lint. compileSchema has parsed it already, so compiling
// cannot fail.
type lazyRegexp struct {
	src  string
	once sync.Once
	re   *regexp.Regexp
}

func newLazyRegexp(src string) (*lazyRegexp, error) {
	if _, err := syntax.Parse(src, syntax.Perl); err != nil {
		return nil, err
	}
	return &lazyRegexp{src: src}, nil
}

func (l *lazyRegexp) MatchString(s string) bool {
	l.once.Do(func() { l.re = regexp.MustCompile(l.src) })
	return l.re.MatchString(s)
}

// additional is what additionalProperties says.
type additional uint8

const (
	additionalAbsent additional = iota
	additionalAllowed
	additionalForbidden
	additionalSchema
)

type dependency struct {
	name     string
	required []string
}

type dependentSchema struct {
	name   string
	schema *subschema
}

// typeSet is a set of JSON types.
type typeSet uint8

const (
	typeNull typeSet = 1 << iota
	typeBoolean
	typeNumber
	typeInteger
	typeString
	typeArray
	typeObject
)

func typeBit(name string) typeSet {
	switch name {
	case "null":
		return typeNull
	case "boolean":
		return typeBoolean
	case "number":
		return typeNumber
	case "integer":
		return typeInteger
	case "string":
		return typeString
	case "array":
		return typeArray
	case "object":
		return typeObject
	}
	return 0
}

// annotation reports whether a keyword never fails a value.
func annotation(k string) bool {
	switch k {
	case "$schema", "$id", "$comment", "title", "description", "x-message", "examples", "default", "deprecated":
		return true
	}
	return false
}

// compiler turns the schema document into subschemas, each object once.
type compiler struct {
	doc  any
	done map[string]*subschema // by pointer, for $ref
}

// compileSchema compiles the root of doc, the decoded schema document.
func compileSchema(doc any) (*subschema, error) {
	c := &compiler{doc: doc, done: map[string]*subschema{}}
	root, err := c.compile(doc, "")
	if err != nil {
		return nil, err
	}
	// checkInPlaceCycles is left to the tests (it was a twentieth of a
	// small lint): the embedded schema is the only one compiled.
	return root, nil
}

// compile compiles the schema v found at ptr, the JSON pointer (tokens
// escaped as in error locations) of v in the document.
func (c *compiler) compile(v any, ptr string) (*subschema, error) {
	if s, ok := c.done[ptr]; ok {
		return s, nil
	}
	s := &subschema{loc: "#" + ptr, minProps: -1, maxProps: -1, minItems: -1, maxItems: -1, minLength: -1, maxLength: -1}
	c.done[ptr] = s
	at := func(format string, a ...any) error {
		return fmt.Errorf("schema %s: %s", s.loc, fmt.Sprintf(format, a...))
	}
	switch m := v.(type) {
	case bool:
		s.isBool, s.allow = true, m
		return s, nil
	case map[string]any:
		if err := c.fill(s, m, ptr, at); err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, at("a schema must be an object or a boolean, not %T", v)
}

// fill compiles the keywords of the schema object m, at ptr, into s.
func (c *compiler) fill(s *subschema, m map[string]any, ptr string, at func(string, ...any) error) error {
	sub := func(v any, more ...string) (*subschema, error) {
		p := ptr
		for _, t := range more {
			p += "/" + escape(t)
		}
		return c.compile(v, p)
	}
	for k, val := range m {
		var err error
		switch k {
		case "type":
			s.types, err = compileTypes(val)
		case "const":
			s.hasConst, s.constant = true, val
			if !scalarJSON(val) {
				err = fmt.Errorf("only a string, number, boolean or null const is implemented")
			}
		case "enum":
			list, ok := val.([]any)
			if !ok || len(list) == 0 {
				err = fmt.Errorf("enum must be a non-empty list")
			}
			for _, o := range list {
				if !scalarJSON(o) {
					err = fmt.Errorf("only string, number, boolean and null enum values are implemented")
				}
			}
			s.enum = list
		case "minProperties":
			s.minProps, err = count(val)
		case "maxProperties":
			s.maxProps, err = count(val)
		case "minItems":
			s.minItems, err = count(val)
		case "maxItems":
			s.maxItems, err = count(val)
		case "minLength":
			s.minLength, err = count(val)
		case "maxLength":
			s.maxLength, err = count(val)
		case "minimum", "maximum":
			f, ok := val.(float64)
			if !ok {
				err = fmt.Errorf("must be a number")
			} else if k == "minimum" {
				s.minimum = &f
			} else {
				s.maximum = &f
			}
		case "required":
			s.required, err = stringList(val)
		case "pattern":
			str, ok := val.(string)
			if !ok {
				err = fmt.Errorf("must be a string")
			} else {
				s.pattern, err = newLazyRegexp(str)
			}
		case "properties", "patternProperties", "dependentSchemas", "$defs":
			props, ok := val.(map[string]any)
			if !ok {
				err = fmt.Errorf("must be an object")
				break
			}
			names := make([]string, 0, len(props))
			for n := range props {
				names = append(names, n)
			}
			sort.Strings(names)
			if k == "properties" {
				s.properties = make(map[string]*subschema, len(props))
			}
			for _, n := range names {
				ps, perr := sub(props[n], k, n)
				if perr != nil {
					return perr
				}
				switch k {
				case "properties":
					s.properties[n] = ps
				case "patternProperties":
					re, rerr := newLazyRegexp(n)
					if rerr != nil {
						return at("patternProperties: %v", rerr)
					}
					s.patternProps = append(s.patternProps, patternProp{re: re, schema: ps})
				case "dependentSchemas":
					s.dependentSchemas = append(s.dependentSchemas, dependentSchema{name: n, schema: ps})
				}
				// $defs are compiled for the check that every keyword is
				// implemented; they apply only through $ref.
			}
		case "dependentRequired":
			deps, ok := val.(map[string]any)
			if !ok {
				err = fmt.Errorf("must be an object")
				break
			}
			names := make([]string, 0, len(deps))
			for n := range deps {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				req, rerr := stringList(deps[n])
				if rerr != nil {
					return at("dependentRequired/%s: %v", n, rerr)
				}
				s.dependentRequired = append(s.dependentRequired, dependency{name: n, required: req})
			}
		case "additionalProperties":
			if b, ok := val.(bool); ok {
				s.additional = additionalForbidden
				if b {
					s.additional = additionalAllowed
				}
				break
			}
			s.additional = additionalSchema
			s.additionalSchema, err = sub(val, k)
		case "items":
			if _, ok := val.([]any); ok {
				err = fmt.Errorf("items as a list (tuple validation) is not implemented")
				break
			}
			s.items, err = sub(val, k)
		case "propertyNames":
			s.propertyNames, err = sub(val, k)
		case "not":
			s.not, err = sub(val, k)
		case "if":
			s.ifS, err = sub(val, k)
		case "then":
			s.thenS, err = sub(val, k)
		case "else":
			s.elsS, err = sub(val, k)
		case "allOf", "anyOf":
			list, ok := val.([]any)
			if !ok || len(list) == 0 {
				err = fmt.Errorf("must be a non-empty list")
				break
			}
			for i, item := range list {
				is, ierr := sub(item, k, strconv.Itoa(i))
				if ierr != nil {
					return ierr
				}
				if k == "allOf" {
					s.allOf = append(s.allOf, is)
				} else {
					s.anyOf = append(s.anyOf, is)
				}
			}
		case "$ref":
			s.ref, err = c.ref(val)
		default:
			if !annotation(k) {
				return at("keyword %q is not implemented by cilint's schema compiler (linter/validate/compile.go)", k)
			}
		}
		if err != nil {
			return at("%s: %w", k, err)
		}
	}
	if s.thenS != nil || s.elsS != nil {
		if s.ifS == nil {
			// Without if, then and else are ignored by JSON Schema; in our
			// schema that can only be a mistake.
			return at("then/else without if")
		}
	}
	return nil
}

// ref resolves a $ref, which must point into this document.
func (c *compiler) ref(val any) (*subschema, error) {
	ref, ok := val.(string)
	if !ok || !strings.HasPrefix(ref, "#") {
		return nil, fmt.Errorf("only references into the schema itself (#/...) are implemented, not %v", val)
	}
	var toks []string
	if frag := strings.TrimPrefix(ref, "#"); frag != "" {
		if !strings.HasPrefix(frag, "/") {
			return nil, fmt.Errorf("anchors are not implemented: %s", ref)
		}
		for _, t := range strings.Split(frag[1:], "/") {
			if u, err := url.PathUnescape(t); err == nil {
				t = u
			}
			toks = append(toks, unescapeToken(t))
		}
	}
	target := c.doc
	for _, t := range toks {
		switch cur := target.(type) {
		case map[string]any:
			target, ok = cur[t]
		case []any:
			i, err := strconv.Atoi(t)
			ok = err == nil && i >= 0 && i < len(cur)
			if ok {
				target = cur[i]
			}
		default:
			ok = false
		}
		if !ok {
			return nil, fmt.Errorf("%s points at nothing", ref)
		}
	}
	return c.compile(target, pointerOf(toks))
}

// checkInPlaceCycles refuses a schema that can apply itself to the same
// value without end ($ref, allOf, anyOf, not, if/then/else and
// dependentSchemas apply a subschema to the value itself).
func checkInPlaceCycles(root *subschema) error {
	const (
		unseen = iota
		active
		finished
	)
	state := map[*subschema]int{}
	var visit func(s *subschema) error
	var all func(s *subschema) error
	visit = func(s *subschema) error {
		if s == nil {
			return nil
		}
		switch state[s] {
		case active:
			return fmt.Errorf("schema %s applies itself to the same value without end", s.loc)
		case finished:
			return nil
		}
		state[s] = active
		inPlace := append([]*subschema{s.ref, s.not, s.ifS, s.thenS, s.elsS}, s.allOf...)
		inPlace = append(inPlace, s.anyOf...)
		for _, d := range s.dependentSchemas {
			inPlace = append(inPlace, d.schema)
		}
		for _, sub := range inPlace {
			if err := visit(sub); err != nil {
				return err
			}
		}
		state[s] = finished
		return nil
	}
	// Every subschema is a starting point: values below are validated
	// with fresh in-place chains.
	seen := map[*subschema]bool{}
	all = func(s *subschema) error {
		if s == nil || seen[s] {
			return nil
		}
		seen[s] = true
		if err := visit(s); err != nil {
			return err
		}
		subs := []*subschema{s.ref, s.not, s.ifS, s.thenS, s.elsS, s.items, s.propertyNames, s.additionalSchema}
		subs = append(append(subs, s.allOf...), s.anyOf...)
		for _, p := range s.properties {
			subs = append(subs, p)
		}
		for _, p := range s.patternProps {
			subs = append(subs, p.schema)
		}
		for _, d := range s.dependentSchemas {
			subs = append(subs, d.schema)
		}
		for _, sub := range subs {
			if err := all(sub); err != nil {
				return err
			}
		}
		return nil
	}
	return all(root)
}

func compileTypes(v any) (typeSet, error) {
	var names []any
	switch t := v.(type) {
	case string:
		names = []any{t}
	case []any:
		names = t
	default:
		return 0, fmt.Errorf("must be a string or a list of strings")
	}
	var set typeSet
	for _, n := range names {
		str, _ := n.(string)
		bit := typeBit(str)
		if bit == 0 {
			return 0, fmt.Errorf("unknown type %v", n)
		}
		set |= bit
	}
	return set, nil
}

func count(v any) (int, error) {
	f, ok := v.(float64)
	if !ok || f < 0 || f != math.Trunc(f) || f > math.MaxInt32 {
		return 0, fmt.Errorf("must be a non-negative whole number")
	}
	return int(f), nil
}

func stringList(v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("must be a list of strings")
	}
	out := make([]string, len(list))
	for i, x := range list {
		if out[i], ok = x.(string); !ok {
			return nil, fmt.Errorf("must be a list of strings")
		}
	}
	return out, nil
}

func scalarJSON(v any) bool {
	switch v.(type) {
	case nil, string, float64, bool:
		return true
	}
	return false
}

// pointerOf is the JSON pointer of toks, each token escaped as in error
// locations.
func pointerOf(toks []string) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteByte('/')
		b.WriteString(escape(t))
	}
	return b.String()
}

// unescapeToken undoes JSON pointer escaping (~1 is /, ~0 is ~).
func unescapeToken(t string) string {
	if !strings.Contains(t, "~") {
		return t
	}
	return strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
}

// escape turns a name into a JSON pointer token, percent-escaped on top
// (the form of the locations walk and schemaAt read).
func escape(token string) string {
	plain := true
	for i := 0; i < len(token) && plain; i++ {
		c := token[i]
		plain = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.'
	}
	if plain {
		return token // the usual name: nothing to escape
	}
	token = strings.ReplaceAll(token, "~", "~0")
	token = strings.ReplaceAll(token, "/", "~1")
	return url.PathEscape(token)
}
