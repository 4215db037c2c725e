// Package expr parses and evaluates GitLab's CI/CD expression language, the
// language of `rules:if`, `workflow:rules:if` and `include:rules:if`:
// variables ($NAME), "strings" and 'strings', /regular expressions/ with
// flags, null, ==, !=, =~, !~, && (binding tighter), || and parentheses.
// Nothing else: GitLab rejects `!`, `${NAME}`, bare words such as true, and
// operators without two operands.
package expr

import (
	"fmt"
	"regexp"
	"strings"
)

// Kind is what an Expr node is.
type Kind uint8

const (
	Variable Kind = iota
	String
	Pattern
	Null
	Equal
	NotEqual
	Match
	NoMatch
	And
	Or
)

// Expr is one node of a parsed expression. Offset is the byte offset in
// the source where it starts.
type Expr struct {
	Kind        Kind
	Offset      int
	Text        string // variable name, string value, or regular expression
	Flags       string // pattern flags
	Left, Right *Expr
}

// SyntaxError is a parse failure at a byte offset of the source.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("offset %d: %s", e.Offset, e.Msg) }

type tokKind uint8

const (
	tVar tokKind = iota
	tString
	tPattern
	tNull
	tOp
	tLParen
	tRParen
	tEOF
)

type token struct {
	kind   tokKind
	text   string
	flags  string
	offset int
}

var (
	reVar     = regexp.MustCompile(`^\$([A-Za-z0-9_]+)`)
	rePattern = regexp.MustCompile(`^/((?:[^/\\]|\\.)*)/([a-z]*)`)
)

func lex(src string) ([]token, *SyntaxError) {
	var toks []token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '$':
			m := reVar.FindStringSubmatch(src[i:])
			if m == nil {
				if strings.HasPrefix(src[i:], "${") {
					return nil, &SyntaxError{i, "${NAME} is not supported in expressions; write $NAME"}
				}
				return nil, &SyntaxError{i, "$ must be followed by a variable name"}
			}
			toks = append(toks, token{kind: tVar, text: m[1], offset: i})
			i += len(m[0])
		case c == '"' || c == '\'':
			end := strings.IndexByte(src[i+1:], c)
			if end < 0 {
				return nil, &SyntaxError{i, "string is not closed"}
			}
			toks = append(toks, token{kind: tString, text: src[i+1 : i+1+end], offset: i})
			i += end + 2
		case c == '/':
			m := rePattern.FindStringSubmatch(src[i:])
			if m == nil {
				return nil, &SyntaxError{i, "regular expression is not closed with /"}
			}
			for _, f := range m[2] {
				if !strings.ContainsRune("imsx", f) {
					return nil, &SyntaxError{i + len(m[0]) - len(m[2]), fmt.Sprintf("unknown regular expression flag %q (use i, m, s or x)", f)}
				}
			}
			if _, err := regexp.Compile(m[1]); err != nil {
				return nil, &SyntaxError{i, "invalid regular expression: " + strings.TrimPrefix(err.Error(), "error parsing regexp: ")}
			}
			toks = append(toks, token{kind: tPattern, text: m[1], flags: m[2], offset: i})
			i += len(m[0])
		case strings.HasPrefix(src[i:], "=="), strings.HasPrefix(src[i:], "!="), strings.HasPrefix(src[i:], "=~"),
			strings.HasPrefix(src[i:], "!~"), strings.HasPrefix(src[i:], "&&"), strings.HasPrefix(src[i:], "||"):
			toks = append(toks, token{kind: tOp, text: src[i : i+2], offset: i})
			i += 2
		case c == '(':
			toks = append(toks, token{kind: tLParen, text: "(", offset: i})
			i++
		case c == ')':
			toks = append(toks, token{kind: tRParen, text: ")", offset: i})
			i++
		case strings.HasPrefix(src[i:], "null") && !isWordByte(src, i+4):
			toks = append(toks, token{kind: tNull, text: "null", offset: i})
			i += 4
		case c == '!':
			return nil, &SyntaxError{i, "! is not an operator in GitLab expressions; use != or !~, or reverse the rule with when: never"}
		default:
			word := src[i:]
			if j := strings.IndexAny(word, " \t()"); j >= 0 {
				word = word[:j]
			}
			hint := ""
			switch word {
			case "true", "false":
				hint = fmt.Sprintf("; compare with the string \"%s\"", word)
			case "and", "AND":
				hint = "; use &&"
			case "or", "OR":
				hint = "; use ||"
			case "=":
				hint = "; use =="
			}
			return nil, &SyntaxError{i, fmt.Sprintf("unexpected %q: expressions are made of $VARIABLES, quoted strings, /patterns/, null and the operators == != =~ !~ && ||%s", word, hint)}
		}
	}
	return append(toks, token{kind: tEOF, offset: len(src)}), nil
}

func isWordByte(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	c := s[i]
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

type parser struct {
	toks  []token
	pos   int
	depth int
}

// maxDepth bounds parenthesis nesting so hostile input cannot exhaust the
// stack.
const maxDepth = 100

// Parse parses src. An empty expression is a syntax error.
func Parse(src string) (*Expr, error) {
	toks, serr := lex(src)
	if serr != nil {
		return nil, serr
	}
	p := &parser{toks: toks}
	e, serr := p.or()
	if serr != nil {
		return nil, serr
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, &SyntaxError{t.offset, fmt.Sprintf("unexpected %q: an operator (==, !=, =~, !~, && or ||) is missing before it", t.text)}
	}
	return e, nil
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token { t := p.toks[p.pos]; p.pos++; return t }

func (p *parser) or() (*Expr, *SyntaxError) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tOp && p.peek().text == "||" {
		op := p.next()
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		left = &Expr{Kind: Or, Offset: op.offset, Left: left, Right: right}
	}
	return left, nil
}

func (p *parser) and() (*Expr, *SyntaxError) {
	left, err := p.comparison()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tOp && p.peek().text == "&&" {
		op := p.next()
		right, err := p.comparison()
		if err != nil {
			return nil, err
		}
		left = &Expr{Kind: And, Offset: op.offset, Left: left, Right: right}
	}
	return left, nil
}

var comparisons = map[string]Kind{"==": Equal, "!=": NotEqual, "=~": Match, "!~": NoMatch}

func (p *parser) comparison() (*Expr, *SyntaxError) {
	left, err := p.operand()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	kind, ok := comparisons[t.text]
	if t.kind != tOp || !ok {
		return left, nil
	}
	p.next()
	right, err := p.operand()
	if err != nil {
		return nil, err
	}
	if (kind == Match || kind == NoMatch) && right.Kind != Pattern && right.Kind != Variable {
		return nil, &SyntaxError{right.Offset, fmt.Sprintf("the right side of %s must be a /pattern/ or a variable holding one", t.text)}
	}
	return &Expr{Kind: kind, Offset: t.offset, Left: left, Right: right}, nil
}

func (p *parser) operand() (*Expr, *SyntaxError) {
	t := p.next()
	switch t.kind {
	case tVar:
		return &Expr{Kind: Variable, Offset: t.offset, Text: t.text}, nil
	case tString:
		return &Expr{Kind: String, Offset: t.offset, Text: t.text}, nil
	case tPattern:
		return &Expr{Kind: Pattern, Offset: t.offset, Text: t.text, Flags: t.flags}, nil
	case tNull:
		return &Expr{Kind: Null, Offset: t.offset}, nil
	case tLParen:
		p.depth++
		if p.depth > maxDepth {
			return nil, &SyntaxError{t.offset, "parentheses are nested too deeply"}
		}
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		p.depth--
		if c := p.next(); c.kind != tRParen {
			return nil, &SyntaxError{c.offset, "a ( is not closed with )"}
		}
		return e, nil
	case tEOF:
		if t.offset == 0 {
			return nil, &SyntaxError{0, "the expression is empty"}
		}
		return nil, &SyntaxError{t.offset, "the expression ends where a value was expected"}
	}
	return nil, &SyntaxError{t.offset, fmt.Sprintf("unexpected %q where a value was expected", t.text)}
}
