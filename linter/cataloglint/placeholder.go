package cataloglint

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode"
)

// maxPlaceholder bounds the string made for one regex: a pattern such as
// a{1000}{1000} must not make a megabyte of text.
const maxPlaceholder = 256

// Placeholder returns a short string that re matches, or false when none
// could be made (the input then keeps no variant of its own: it is
// reported as such rather than linted with a value GitLab would refuse).
// The string is built from the pattern's syntax tree, taking the first
// choice of every alternation and the fewest repetitions, then checked
// with the compiled regex itself, so a wrong guess is never used.
func Placeholder(re *regexp.Regexp) (string, bool) {
	if re == nil {
		return "placeholder", true
	}
	tree, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	if !build(&b, tree.Simplify(), 0) || b.Len() > maxPlaceholder {
		return "", false
	}
	s := b.String()
	if re.MatchString(s) {
		return s, true
	}
	// Unanchored patterns (`v1` inside anything) also match a longer,
	// more readable value.
	if re.MatchString("placeholder" + s) {
		return "placeholder" + s, true
	}
	return "", false
}

func build(b *strings.Builder, re *syntax.Regexp, depth int) bool {
	if depth > 100 || b.Len() > maxPlaceholder {
		return false
	}
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 {
				r = unicode.ToLower(r)
			}
			b.WriteRune(r)
		}
		return true
	case syntax.OpCharClass:
		if len(re.Rune) == 0 {
			return false
		}
		b.WriteRune(pick(re.Rune))
		return true
	case syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		b.WriteByte('x')
		return true
	case syntax.OpCapture:
		return build(b, re.Sub[0], depth+1)
	case syntax.OpStar, syntax.OpQuest:
		return true
	case syntax.OpPlus:
		return build(b, re.Sub[0], depth+1)
	case syntax.OpRepeat:
		for i := 0; i < re.Min; i++ {
			if !build(b, re.Sub[0], depth+1) {
				return false
			}
		}
		return true
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if !build(b, s, depth+1) {
				return false
			}
		}
		return true
	case syntax.OpAlternate:
		return build(b, re.Sub[0], depth+1)
	}
	return false
}

// pick chooses a readable rune from a class given as lo-hi pairs: a
// lower-case letter or a digit when the class has one, else its first.
func pick(ranges []rune) rune {
	for _, want := range []rune{'a', 'x', '0', '1'} {
		for i := 0; i+1 < len(ranges); i += 2 {
			if ranges[i] <= want && want <= ranges[i+1] {
				return want
			}
		}
	}
	return ranges[0]
}
