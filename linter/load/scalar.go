package load

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"gitlab.com/trustci/cicd/linter/internal/lazyre"
)

// Psych (Ruby's YAML 1.1 loader, which GitLab uses) guesses the type of a
// plain scalar differently from YAML 1.2 parsers such as yaml.v3: `yes`,
// `on` and `off` are booleans, `0755` is octal, `1:30` is base 60 and
// `1,000` is a thousand. GitLab then refuses dates and times outright. These
// expressions follow Psych's ScalarScanner so cilint reads what GitLab reads.
var (
	psychWordish   = lazyre.New(`^[^\d.:-]?[\pL_\s!@#$%^&*(){}<>|/\\~;=]+`)
	psychTime      = lazyre.New(`^-?\d{4}-\d{1,2}-\d{1,2}(?:[Tt]|\s+)\d{1,2}:\d\d:\d\d(?:\.\d*)?(?:\s*(?:Z|[-+]\d{1,2}:?(?:\d\d)?))?$`)
	psychDate      = lazyre.New(`^\d{4}-(?:1[012]|0\d|\d)-(?:[12]\d|3[01]|0\d|\d)$`)
	psychSexInt    = lazyre.New(`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9]){1,2}$`)
	psychSexFloat  = lazyre.New(`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9]){1,2}\.[0-9_]*$`)
	psychFloat     = lazyre.New(`^(?:[-+]?(?:[0-9][0-9_,]*)?\.[0-9]*(?:[eE][-+][0-9]+)?)$`)
	psychInteger   = lazyre.New(`^(?:[-+]?0b[0-1_,]+|[-+]?0[0-7_,]+|[-+]?(?:0|[1-9](?:[0-9]|,[0-9]|_[0-9])*)|[-+]?0x[0-9a-fA-F_,]+)$`)
	psychInfinity  = lazyre.New(`^\+?\.(?:inf|Inf|INF)$`)
	psychNegInf    = lazyre.New(`^-\.(?:inf|Inf|INF)$`)
	psychNaN       = lazyre.New(`^\.(?:nan|NaN|NAN)$`)
	psychTrueWord  = lazyre.New(`(?i)^(?:yes|true|on)$`)
	psychFalseWord = lazyre.New(`(?i)^(?:no|false|off)$`)
)

// refused names a plain-scalar type that GitLab's safe YAML loader rejects.
type refused string

// resolvePlain fills n's Kind and value from its Text the way Psych does for
// an untagged, unquoted scalar. It returns a non-empty refused when GitLab
// would reject the value.
func resolvePlain(n *Node) refused {
	s := n.Text
	n.Kind = String
	switch {
	case s == "":
		n.Kind = Null
		return ""
	case wordishStart(s[0]):
		resolveWordish(n)
		return ""
	case isDigit(s[0]) || s[0] == '.':
		// psychWordish cannot match a scalar that starts so (its optional
		// first byte excludes digits and dots, and its class has neither),
		// so only a line break makes it wordish.
		if strings.Contains(s, "\n") {
			resolveWordish(n)
			return ""
		}
		return resolveNumberish(n)
	case psychWordish().MatchString(s) || strings.Contains(s, "\n"):
		resolveWordish(n)
		return ""
	}
	return resolveByExpressions(n)
}

// resolveWordish is Psych's answer for a scalar that looks like words:
// null and the boolean words, when short enough to be one, else a string.
func resolveWordish(n *Node) {
	s := n.Text
	if len(s) > 5 {
		return
	}
	switch {
	case s == "~" || strings.EqualFold(s, "null"):
		n.Kind = Null
	case psychTrueWord().MatchString(s):
		n.Kind, n.Bool = Bool, true
	case psychFalseWord().MatchString(s):
		n.Kind, n.Bool = Bool, false
	}
}

// numberishBytes are the bytes that can occur in a match of any of the
// expressions resolveByExpressions runs on a scalar starting with a digit
// or a dot (time, date, infinity, NaN, sexagesimal, float, integer):
// digits, signs, separators, white space (\s), the time's T, t and Z,
// exponents, base prefixes, hexadecimal digits and the letters of inf and
// nan.
const numberishBytes = "0123456789+-_,.: \t\n\f\rTtZeEbxabcdefABCDEFinIN"

// resolveNumberish is resolvePlain for a scalar without a line break whose
// first byte is a digit or a dot, deciding the common shapes without the
// expressions: such scalars (`1 week`, `.cache/pip`, `2`, `3.12`) would
// otherwise run up to nine of them in turn, about 4% of a large lint.
// Every expression is anchored at both ends, so a byte none of them can
// match makes a string; digits alone can only be an integer (decimal, or
// octal after a 0: an 8 or 9 there matches no branch); digits around one
// dot only a float (the others need a -, a : or letters). The rest goes
// through the expressions in Psych's order. TestResolvePlainFastPath and
// FuzzResolvePlain compare it with the expressions alone.
func resolveNumberish(n *Node) refused {
	s := n.Text
	dots, other := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
		case c == '.':
			dots++
		case strings.IndexByte(numberishBytes, c) < 0:
			return "" // a string
		default:
			other = true
		}
	}
	switch {
	case other || dots > 1:
		return resolveByExpressions(n)
	case dots == 1:
		resolveFloat(n)
	case len(s) > 1 && s[0] == '0' && strings.ContainsAny(s, "89"):
		// Not octal, and a leading 0 is not decimal: a string.
	default:
		resolveInteger(n)
	}
	return ""
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// resolveByExpressions tries Psych's expressions on a scalar that is not
// wordish, in Psych's order.
func resolveByExpressions(n *Node) refused {
	s := n.Text
	switch {
	case psychTime().MatchString(s):
		return "time"
	case psychDate().MatchString(s):
		return "date"
	case psychInfinity().MatchString(s):
		n.Kind, n.Float = Float, math.Inf(1)
	case psychNegInf().MatchString(s):
		n.Kind, n.Float = Float, math.Inf(-1)
	case psychNaN().MatchString(s):
		n.Kind, n.Float = Float, math.NaN()
	case strings.HasPrefix(s, ":") && len(s) > 1:
		// A Ruby symbol; GitLab treats it as its name.
	case psychSexInt().MatchString(s):
		n.Kind, n.Int = Int, int64(sexagesimal(s))
	case psychSexFloat().MatchString(s):
		n.Kind, n.Float = Float, sexagesimal(s)
	case psychFloat().MatchString(s):
		resolveFloat(n)
	case psychInteger().MatchString(s):
		resolveInteger(n)
	}
	return ""
}

// resolveFloat reads a scalar psychFloat matches.
func resolveFloat(n *Node) {
	s := n.Text
	if strings.TrimLeft(s, "+-") == "." {
		return
	}
	clean := stripSeparators(s)
	if f, err := strconv.ParseFloat(strings.TrimSuffix(strings.Replace(clean, ".e", "e", 1), "."), 64); err == nil {
		n.Kind, n.Float = Float, f
	}
}

// resolveInteger reads a scalar psychInteger matches.
func resolveInteger(n *Node) {
	s := n.Text
	if i, ok := rubyInteger(s); ok {
		n.Kind, n.Int = Int, i
	} else if f, ok := bigInteger(s); ok {
		// Ruby's integers have no size limit: past 64 bits it is still a
		// number (a keyword's range check refuses it), kept as the
		// nearest float.
		n.Kind, n.Float = Float, f
	}
}

// stripSeparators drops the `,` and `_` Psych ignores in numbers, without
// allocating when there are none (the usual case).
func stripSeparators(s string) string {
	if !strings.ContainsAny(s, ",_") {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == ',' || r == '_' {
			return -1
		}
		return r
	}, s)
}

// wordishStart reports whether a scalar starting with b matches
// psychWordish without running it: a letter, `_`, white space or one of the
// listed signs there satisfies the pattern's `[...]+` on its own. Most
// scalars (commands, names) start so, and the regexp is the loader's
// hottest spot.
func wordishStart(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z':
		return true
	}
	return strings.IndexByte("_ \t\n\f\r!@#$%^&*(){}<>|/\\~;=", b) >= 0
}

// rubyInteger parses like Ruby's Integer() after Psych strips `,` and `_`:
// a leading 0 means octal, 0b binary, 0x hexadecimal.
func rubyInteger(s string) (int64, bool) {
	neg, digits, base := integerParts(s)
	u, err := strconv.ParseUint(digits, base, 63)
	if err != nil {
		return 0, false
	}
	if neg {
		return -int64(u), true
	}
	return int64(u), true
}

// integerParts splits an integer literal into its sign, digits and base,
// as Ruby's Integer() reads them.
func integerParts(s string) (neg bool, digits string, base int) {
	s = stripSeparators(s)
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	switch {
	case strings.HasPrefix(s, "0b"):
		return neg, s[2:], 2
	case strings.HasPrefix(s, "0x"):
		return neg, s[2:], 16
	case len(s) > 1 && s[0] == '0':
		return neg, s[1:], 8
	}
	return neg, s, 10
}

// sexagesimal mirrors Psych exactly, quirk included: each part i of n is
// weighted by 60^|i-2|, so "1:30" is 1*3600 + 30*60.
func sexagesimal(s string) float64 {
	var total float64
	for i, part := range strings.Split(strings.ReplaceAll(s, "_", ""), ":") {
		f, _ := strconv.ParseFloat(part, 64)
		exp := i - 2
		if exp < 0 {
			exp = -exp
		}
		total += f * math.Pow(60, float64(exp))
	}
	return total
}

// PlainIsString reports whether text, written as a plain (unquoted)
// scalar, would be read by GitLab as the same string. Writers quote
// strings for which it is false ("yes", "3.10", "2024-01-01", "").
func PlainIsString(text string) bool {
	n := &Node{Text: text}
	return resolvePlain(n) == "" && n.Kind == String
}

// bigInteger parses an integer literal too large for 64 bits, with the
// bases rubyInteger knows, as the nearest float64.
func bigInteger(s string) (float64, bool) {
	neg, digits, base := integerParts(s)
	i, ok := new(big.Int).SetString(digits, base)
	if !ok {
		return 0, false
	}
	if neg {
		i.Neg(i)
	}
	f, _ := new(big.Float).SetInt(i).Float64()
	return f, true
}
