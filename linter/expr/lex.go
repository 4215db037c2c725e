package expr

import (
	"fmt"
	"strings"

	"gitlab.com/trustci/cicd/linter/internal/lazyre"
)

// The lexer follows GitLab's Expression::Lexer
// (lib/gitlab/ci/pipeline/expression/lexer.rb and lexeme/*.rb): at each
// position, after skipping whitespace, the lexemes are tried in GitLab's
// order and the first that matches wins; at most MaxTokens tokens.

// MaxTokens is GitLab's Lexer::MAX_TOKENS. Its loop scans one token per
// round for MaxTokens rounds and fails after the last round without
// looking for the end, so an expression of MaxTokens tokens already fails:
// at most MaxTokens-1 are valid.
const MaxTokens = 100

type tokKind uint8

const (
	tLParen tokKind = iota
	tRParen
	tInput
	tVar
	tString
	tPattern
	tNull
	tBool
	tOp  // == =~ != !~ && ||
	tNot // !
)

type token struct {
	kind   tokKind
	text   string // as written
	val    string // variable or input name, string contents
	offset int
	end    int
}

func (t token) value() bool {
	switch t.kind {
	case tInput, tVar, tString, tPattern, tNull, tBool:
		return true
	}
	return false
}

var (
	reInput  = lazyre.New(`^\$\[\[[ \t\r\n\f\v]*inputs\.(\w+)[ \t\r\n\f\v]*\]\]`)
	reVar    = lazyre.New(`^\$(\w+)`)
	reString = lazyre.New(`^(?:"(.*?)"|'(.*?)')`)
	reBool   = lazyre.New(`^(?:true|false)\b`)
)

// rubySpace is Ruby's \s: the whitespace the lexer skips.
func rubySpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

var operators = []string{"==", "=~", "!=", "!~", "&&", "||"}

func lex(src string) ([]token, *SyntaxError) {
	var toks []token
	i := 0
	for {
		for i < len(src) && rubySpace(src[i]) {
			i++
		}
		if len(toks) == MaxTokens {
			return nil, &SyntaxError{toks[MaxTokens-1].offset, fmt.Sprintf("the expression has %d or more parts (variables, values, operators and parentheses); GitLab reads at most %d, so split it into several rules", MaxTokens, MaxTokens-1)}
		}
		if i >= len(src) {
			return toks, nil
		}
		t, ok := scan(src, i)
		if !ok {
			if n := len(toks); n > 0 && toks[n-1].kind == tPattern && toks[n-1].end == i && isLetter(src[i]) {
				return nil, &SyntaxError{i, fmt.Sprintf("unknown regular expression flag %q: GitLab knows i, m, s and U", src[i])}
			}
			return nil, unknownLexeme(src, i)
		}
		toks = append(toks, t)
		i = t.end
	}
}

// scan reads the lexeme at src[i:], in GitLab's order.
func scan(src string, i int) (token, bool) {
	rest := src[i:]
	tok := func(k tokKind, n int, val string) (token, bool) {
		return token{kind: k, text: rest[:n], val: val, offset: i, end: i + n}, true
	}
	switch rest[0] {
	case '(':
		return tok(tLParen, 1, "")
	case ')':
		return tok(tRParen, 1, "")
	}
	if m := reInput().FindStringSubmatch(rest); m != nil {
		return tok(tInput, len(m[0]), m[1])
	}
	if m := reVar().FindStringSubmatch(rest); m != nil {
		return tok(tVar, len(m[0]), m[1])
	}
	if m := reString().FindStringSubmatchIndex(rest); m != nil {
		val := ""
		if m[2] >= 0 {
			val = rest[m[2]:m[3]]
		} else {
			val = rest[m[4]:m[5]]
		}
		return tok(tString, m[1], val)
	}
	if n := patternLen(rest); n > 0 {
		return tok(tPattern, n, "")
	}
	if strings.HasPrefix(rest, "null") {
		return tok(tNull, 4, "")
	}
	if m := reBool().FindString(rest); m != "" {
		return tok(tBool, len(m), m)
	}
	for _, op := range operators {
		if strings.HasPrefix(rest, op) {
			return tok(tOp, 2, "")
		}
	}
	if rest[0] == '!' {
		return tok(tNot, 1, "")
	}
	return token{}, false
}

// patternLen is the length of the Pattern lexeme at the start of s, or 0.
// GitLab's lexeme is %r{^\/([^\/]|\\/)+[^\\]\/[ismU]*}: a slash, a body of
// at least two characters in which every slash is escaped, except that
// the last character before the closing slash may not be a backslash
// (so /./ and /a\\/ are not patterns), then flags. The body may end in
// an unescaped slash when two slashes close it (`/ab//` has the body
// `ab/`): that is the first match Ruby's backtracking finds, and this
// function returns the same one.
func patternLen(s string) int {
	if len(s) < 4 || s[0] != '/' {
		return 0
	}
	const start = 1 // where the repeated group begins
	p := start
	for {
		q := strings.IndexByte(s[p:], '/')
		if q < 0 {
			return 0
		}
		q += p
		// The group stops at q: `[^\\]` takes the slash at q, `\/` the next.
		if q > start && q+1 < len(s) && s[q+1] == '/' {
			return flagsEnd(s, q+2)
		}
		if q-1 < p {
			return 0
		}
		if s[q-1] == '\\' {
			// `\\/` takes the escaped slash; the group goes on after it.
			p = q + 1
			continue
		}
		// The group stops before q-1: `[^\\]` takes s[q-1], `\/` the slash.
		if q-1 > start {
			return flagsEnd(s, q+1)
		}
		return 0
	}
}

func flagsEnd(s string, i int) int {
	for i < len(s) && strings.IndexByte("ismU", s[i]) >= 0 {
		i++
	}
	return i
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// unknownLexeme explains why nothing lexes at src[i:].
func unknownLexeme(src string, i int) *SyntaxError {
	rest := src[i:]
	word := rest
	if j := strings.IndexFunc(word, func(r rune) bool { return r < 128 && (rubySpace(byte(r)) || r == '(' || r == ')') }); j >= 0 {
		word = word[:j]
	}
	if word == "" {
		word = rest[:1]
	}
	switch {
	case strings.HasPrefix(rest, "${"):
		return &SyntaxError{i, "${NAME} is not supported in expressions; write $NAME"}
	case strings.HasPrefix(rest, "$[["):
		return &SyntaxError{i, "only $[[ inputs.NAME ]], with a name of letters, digits and _, can stand in an expression"}
	case rest[0] == '$':
		return &SyntaxError{i, "$ must be followed by a variable name"}
	case rest[0] == '"' || rest[0] == '\'':
		return &SyntaxError{i, "string is not closed"}
	case rest[0] == '/':
		return &SyntaxError{i, patternProblem(rest)}
	case rest[0] == '=':
		return &SyntaxError{i, fmt.Sprintf("unexpected %q; use == to compare or =~ to match", word)}
	case rest[0] == '&' || rest[0] == '|':
		return &SyntaxError{i, fmt.Sprintf("unexpected %q; use && or ||", word)}
	}
	hint := ""
	switch strings.ToLower(word) {
	case "true", "false":
		hint = "; booleans are written in lower case, or compare with the string \"" + strings.ToLower(word) + "\""
	case "and":
		hint = "; use &&"
	case "or":
		hint = "; use ||"
	case "not":
		hint = "; use ! or != and !~"
	default:
		if word[0] >= '0' && word[0] <= '9' {
			hint = "; numbers are compared as strings: quote them"
		}
	}
	return &SyntaxError{i, fmt.Sprintf("unexpected %q: expressions are made of $VARIABLES, quoted strings, /patterns/, null, true, false, the operators == != =~ !~ && || ! and parentheses%s", word, hint)}
}

func patternProblem(rest string) string {
	end := strings.IndexByte(rest[1:], '/')
	switch {
	case end < 0:
		return "regular expression is not closed with /"
	case end == 0:
		return "empty regular expression //"
	case end == 1:
		return "GitLab does not accept a regular expression of a single character such as /./; write it with two, for example /[.]/ or /.+/"
	case rest[end] == '\\':
		return "GitLab cannot read a regular expression that ends in a backslash before the closing /"
	}
	return "regular expression is not closed with /"
}
