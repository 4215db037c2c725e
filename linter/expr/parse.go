package expr

import "fmt"

// GitLab's Expression::Parser (parser.rb) turns the tokens into reverse
// Polish notation with the shunting-yard algorithm and builds the tree
// from that; whatever it can build is valid. It accepts more than the
// usual grammar (`$A $B ==` is `$A == $B`, `$A !` is `!$A`), so validity
// is decided by the same algorithm here. When it fails, a stricter
// recursive-descent reading of the tokens (diagnose) finds where and why,
// for the message.

// precedence follows the lexemes' self.precedence (lower binds tighter).
func precedence(t token) int {
	switch t.kind {
	case tNot:
		return 1
	case tLParen:
		return 901
	case tOp:
		switch t.text {
		case "&&":
			return 11
		case "||":
			return 12
		}
		return 10
	}
	return 0
}

var binaryKinds = map[string]Kind{"==": Equal, "!=": NotEqual, "=~": Match, "!~": NoMatch, "&&": And, "||": Or}

func gitlabTree(toks []token, src string) (*Expr, *SyntaxError) {
	// tokens_rpn
	var out, ops []token
	for _, t := range toks {
		switch {
		case t.value():
			out = append(out, t)
		case t.kind == tOp:
			for len(ops) > 0 && precedence(t) >= precedence(ops[len(ops)-1]) {
				out, ops = append(out, ops[len(ops)-1]), ops[:len(ops)-1]
			}
			ops = append(ops, t)
		case t.kind == tLParen || t.kind == tNot:
			ops = append(ops, t)
		case t.kind == tRParen:
			for len(ops) > 0 && 900 >= precedence(ops[len(ops)-1]) {
				out, ops = append(out, ops[len(ops)-1]), ops[:len(ops)-1]
			}
			if len(ops) == 0 {
				return nil, diagnose(toks, src)
			}
			ops = ops[:len(ops)-1] // the (
		}
	}
	for i := len(ops) - 1; i >= 0; i-- {
		out = append(out, ops[i])
	}
	// tree
	var stack []*Expr
	pop := func() *Expr {
		if len(stack) == 0 {
			return nil
		}
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		return e
	}
	for _, t := range out {
		switch t.kind {
		case tLParen:
			return nil, diagnose(toks, src) // an unclosed (
		case tNot:
			operand := pop()
			if operand == nil {
				return nil, diagnose(toks, src)
			}
			stack = append(stack, &Expr{Kind: Not, Offset: t.offset, Left: operand})
		case tOp:
			right, left := pop(), pop()
			if left == nil || right == nil {
				return nil, diagnose(toks, src)
			}
			stack = append(stack, &Expr{Kind: binaryKinds[t.text], Offset: t.offset, Left: left, Right: right})
		default:
			v, err := leaf(t)
			if err != nil {
				return nil, err
			}
			stack = append(stack, v)
		}
	}
	if len(stack) != 1 {
		return nil, diagnose(toks, src)
	}
	return stack[0], nil
}

// leaf builds a value token; a pattern must be a valid RE2 expression
// (Lexeme::Pattern raises a syntax error when building it otherwise).
func leaf(t token) (*Expr, *SyntaxError) {
	switch t.kind {
	case tVar:
		return &Expr{Kind: Variable, Offset: t.offset, Text: t.val}, nil
	case tInput:
		return &Expr{Kind: Input, Offset: t.offset, Text: t.val}, nil
	case tString:
		return &Expr{Kind: String, Offset: t.offset, Text: t.val}, nil
	case tNull:
		return &Expr{Kind: Null, Offset: t.offset}, nil
	case tBool:
		return &Expr{Kind: Boolean, Offset: t.offset, Text: t.val}, nil
	}
	src, flags, ok := splitRubyPattern(unescapeSlashes(t.text))
	if !ok {
		return nil, &SyntaxError{t.offset, "invalid regular expression"}
	}
	re, err := compileRE2(src, flags)
	if err != nil {
		return nil, &SyntaxError{t.offset, "invalid regular expression: " + err.Error()}
	}
	return &Expr{Kind: Pattern, Offset: t.offset, Text: src, Flags: flags, re: re}, nil
}

// diagnose reads the tokens with the usual grammar
//
//	or    = and { "||" and }
//	and   = cmp { "&&" cmp }
//	cmp   = unary { ("==" | "!=" | "=~" | "!~") unary }
//	unary = "!" unary | value | "(" or ")"
//
// and returns the first place it breaks. GitLab rejected the tokens, and
// everything this grammar accepts GitLab accepts too, so it always
// breaks somewhere; if it does not, the message stays general.
func diagnose(toks []token, src string) *SyntaxError {
	d := &diag{toks: toks, end: len(src)}
	if err := d.or(); err != nil {
		return err
	}
	if d.pos < len(toks) {
		t := toks[d.pos]
		return &SyntaxError{t.offset, fmt.Sprintf("unexpected %s: an operator (==, !=, =~, !~, && or ||) is missing before it", quoteTok(t))}
	}
	return &SyntaxError{0, "GitLab cannot read this expression"}
}

// diag recurses at most once per token, and there are at most MaxTokens.
type diag struct {
	toks []token
	pos  int
	end  int
}

func (d *diag) peek() (token, bool) {
	if d.pos < len(d.toks) {
		return d.toks[d.pos], true
	}
	return token{}, false
}

func (d *diag) op(texts ...string) bool {
	t, ok := d.peek()
	if !ok || t.kind != tOp {
		return false
	}
	for _, s := range texts {
		if t.text == s {
			d.pos++
			return true
		}
	}
	return false
}

func (d *diag) or() *SyntaxError {
	if err := d.and(); err != nil {
		return err
	}
	for d.op("||") {
		if err := d.and(); err != nil {
			return err
		}
	}
	return nil
}

func (d *diag) and() *SyntaxError {
	if err := d.cmp(); err != nil {
		return err
	}
	for d.op("&&") {
		if err := d.cmp(); err != nil {
			return err
		}
	}
	return nil
}

func (d *diag) cmp() *SyntaxError {
	if err := d.unary(); err != nil {
		return err
	}
	for d.op("==", "!=", "=~", "!~") {
		if err := d.unary(); err != nil {
			return err
		}
	}
	return nil
}

func (d *diag) unary() *SyntaxError {
	t, ok := d.peek()
	if !ok {
		if d.end == 0 || d.pos == 0 {
			return &SyntaxError{0, "the expression is empty"}
		}
		return &SyntaxError{d.end, "the expression ends where a value was expected"}
	}
	switch {
	case t.kind == tNot:
		d.pos++
		return d.unary()
	case t.value():
		d.pos++
		if t.kind == tPattern {
			if _, err := leaf(t); err != nil {
				return err
			}
		}
		return nil
	case t.kind == tLParen:
		d.pos++
		if err := d.or(); err != nil {
			return err
		}
		c, ok := d.peek()
		if !ok || c.kind != tRParen {
			at := d.end
			if ok {
				at = c.offset
			}
			return &SyntaxError{at, "a ( is not closed with )"}
		}
		d.pos++
		return nil
	}
	return &SyntaxError{t.offset, fmt.Sprintf("unexpected %s where a value was expected", quoteTok(t))}
}

// quoteTok shows a token in a message: a string as written, anything
// else quoted.
func quoteTok(t token) string {
	if t.kind == tString {
		return t.text
	}
	return fmt.Sprintf("%q", t.text)
}
