package expr

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
)

// GitLab turns `/regexp/flags` text into an RE2 regular expression with
// Gitlab::UntrustedRegexp::RubySyntax (lib/gitlab/untrusted_regexp/
// ruby_syntax.rb): PATTERN = %r{^/(?<regexp>.*)/(?<flags>[ismU]*)$}, the
// flags prepended as (?flags), compiled by RE2. Go's regexp package has
// RE2's syntax and flags.

// unescapeSlashes is Lexeme::Pattern's gsub(%r{\\/}, '/').
func unescapeSlashes(s string) string { return strings.ReplaceAll(s, `\/`, "/") }

// splitRubyPattern splits `/regexp/flags` as RubySyntax::PATTERN does: the
// regexp runs to the last slash, which only flags may follow.
func splitRubyPattern(s string) (src, flags string, ok bool) {
	if len(s) < 2 || s[0] != '/' {
		return "", "", false
	}
	end := strings.LastIndexByte(s, '/')
	if end == 0 {
		return "", "", false
	}
	flags = s[end+1:]
	for i := 0; i < len(flags); i++ {
		if strings.IndexByte("ismU", flags[i]) < 0 {
			return "", "", false
		}
	}
	src = s[1:end]
	if strings.ContainsRune(src, '\n') {
		return "", "", false // Ruby's . and $ stop at a line end
	}
	return src, flags, true
}

func compileRE2(src, flags string) (*regexp.Regexp, error) {
	if flags != "" {
		src = "(?" + flags + ")" + src
	}
	re, err := regexp.Compile(src)
	var se *syntax.Error
	if errors.As(err, &se) && se.Code == syntax.ErrInvalidEscape && se.Expr == `\C` {
		// RE2's \C (any byte) is the one RE2 escape Go lacks; for
		// matching, any character is close enough.
		re, err = regexp.Compile(strings.ReplaceAll(src, `\C`, `(?s:.)`))
	}
	if err != nil {
		for _, look := range []string{"(?=", "(?!", "(?<=", "(?<!"} {
			if strings.Contains(src, look) {
				return nil, fmt.Errorf("RE2 has no lookahead or lookbehind such as %s…)", look)
			}
		}
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%s: `%s`", se.Code, se.Expr)
		}
		return nil, fmt.Errorf("%w", err)
	}
	return re, nil
}

// RubyPattern reads s the way GitLab reads a `/regexp/flags` string (in
// only/except refs, and in a variable on the right of =~): matched is
// false when s does not have that form (then it is a plain string), err is
// set when it has the form but is not valid RE2.
func RubyPattern(s string) (re *regexp.Regexp, matched bool, err error) {
	src, flags, ok := splitRubyPattern(s)
	if !ok {
		return nil, false, nil
	}
	re, err = compileRE2(src, flags)
	return re, true, err
}
