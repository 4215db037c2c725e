// Package expr parses and evaluates GitLab's CI/CD expression language, the
// language of `rules:if`, `workflow:rules:if`, `include:rules:if` and
// `only/except:variables`, exactly as GitLab's
// lib/gitlab/ci/pipeline/expression/** does: the same lexemes in the same
// order (lex.go), the same shunting-yard parser with the same precedences
// (parse.go), and Ruby's semantics for the values (eval.go).
//
// What GitLab accepts: $NAME variables, $[[ inputs.NAME ]], "strings" and
// 'strings' without escapes, /patterns/ with the flags i, s, m and U (RE2,
// at least two characters), null, true, false, == != =~ !~ (precedence
// 10), && (11), || (12), ! (1) and parentheses; at most 99 tokens.
package expr

import (
	"fmt"
	"regexp"
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
	Boolean // true or false; Text is "true" or "false"
	Input   // $[[ inputs.NAME ]]; Text is the name
	Not     // !Left
)

// Expr is one node of a parsed expression. Offset is the byte offset in
// the source where it starts (for an operator: the operator).
type Expr struct {
	Kind        Kind
	Offset      int
	Text        string // variable or input name, string value, regular expression, true/false
	Flags       string // pattern flags
	Left, Right *Expr  // operands; Not has only Left
	re          *regexp.Regexp
}

// SyntaxError is a parse failure at a byte offset of the source.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("offset %d: %s", e.Offset, e.Msg) }

// Parse parses src and returns its tree, or a *SyntaxError exactly when
// GitLab's Statement#valid? is false for src (an empty expression
// included).
func Parse(src string) (*Expr, error) {
	toks, serr := lex(src)
	if serr != nil {
		return nil, serr
	}
	if len(toks) == 0 {
		return nil, &SyntaxError{0, "the expression is empty"}
	}
	e, serr := gitlabTree(toks, src)
	if serr != nil {
		return nil, serr
	}
	return e, nil
}
