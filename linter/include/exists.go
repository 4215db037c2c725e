package include

import (
	"errors"
	"regexp"
	"strings"

	"gitlab.com/trustci/cicd/linter/expr"
	"gitlab.com/trustci/cicd/linter/load"
)

// Exists decides a rules:exists value (a list of patterns, or a mapping
// with paths: and maybe project:) against the repository's files: True
// when a pattern matches a file, False when none does, Unknown for
// another project's files or a pattern cilint cannot read.
func (repo *Repo) Exists(n *load.Node) expr.Truth { return MatchAny(n, repo.Files) }

// MatchAny decides a rules:exists or rules:changes value (a list of
// patterns, or a mapping with paths:) against the files files lists, with
// GitLab's glob rules. Another project's files (project:) or another
// comparison base (compare_to:) make it Unknown, like a pattern with a
// variable.
func MatchAny(n *load.Node, files func() []string) expr.Truth {
	if n == nil {
		return expr.Unknown
	}
	patterns := n
	if n.Kind == load.Map {
		if n.Get("project") != nil || n.Get("compare_to") != nil {
			return expr.Unknown
		}
		patterns = n.Get("paths")
	}
	if patterns == nil || patterns.Kind != load.Seq {
		return expr.Unknown
	}
	for _, p := range patterns.Items {
		if p == nil || p.Kind != load.String || strings.Contains(p.Text, "$") {
			return expr.Unknown
		}
		re, err := fnmatchRegexp(p.Text)
		if err != nil {
			return expr.Unknown
		}
		for _, f := range files() {
			if re.MatchString(f) {
				return expr.True
			}
		}
	}
	return expr.False
}

// fnmatchRegexp translates a rules:exists pattern into a regular
// expression with the meaning GitLab gives it (Ruby's File.fnmatch with
// FNM_PATHNAME, FNM_DOTMATCH and FNM_EXTGLOB): `*` and `?` never match
// `/`, `**/` matches any run of directories, `[...]` a character set
// (`!` or `^` negates), `{a,b}` alternatives, `\` escapes.
func fnmatchRegexp(p string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	braces := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			i++
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		case c == '*' && i+2 < len(p) && p[i+1] == '*' && p[i+2] == '/' && (i == 0 || p[i-1] == '/'):
			b.WriteString("(?:[^/]*/)*")
			i += 2
		case c == '*':
			for i+1 < len(p) && p[i+1] == '*' {
				i++ // ** elsewhere is *
			}
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '[':
			end := strings.IndexByte(p[i+1:], ']')
			if end < 0 {
				b.WriteString(`\[`)
				continue
			}
			set := p[i+1 : i+1+end]
			if end == 0 { // []...] : a ] first is literal
				if e2 := strings.IndexByte(p[i+2:], ']'); e2 >= 0 {
					set, end = p[i+1:i+2+e2], e2+1
				}
			}
			neg := strings.HasPrefix(set, "!") || strings.HasPrefix(set, "^")
			if neg {
				set = set[1:]
			}
			set = strings.ReplaceAll(strings.ReplaceAll(set, `\`, `\\`), "[", `\[`)
			if neg {
				b.WriteString("[^/" + set + "]")
			} else {
				b.WriteString("[" + set + "]")
			}
			i += end + 1
		case c == '{':
			braces++
			b.WriteString("(?:")
		case c == '}' && braces > 0:
			braces--
			b.WriteString(")")
		case c == ',' && braces > 0:
			b.WriteString("|")
		default:
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		}
	}
	if braces > 0 {
		return nil, errors.New("unclosed {")
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}
