package repo

import (
	"errors"
	"strings"
	"sync"

	"github.com/bmatcuk/doublestar/v4"
)

// GitLab matches repository paths with two glob dialects. Both are
// matched here by doublestar, after a translation into its syntax that
// carries GitLab's differences; each pattern is translated and checked
// once (Globs), then matched against every file.
//
// Wildcard is include:local's (Repository#search_files_by_wildcard_path
// in app/models/repository.rb, called by
// lib/gitlab/ci/config/external/mapper/location_expander.rb for a
// location with `*`): the pattern is escaped, then `**/` matches any run
// of directories or none, `**` anything including `/`, `*` anything but
// `/`; no other character is special and one leading `/` is dropped.
// (The `**/` case is from an earlier reading of GitLab; the gitlabhq
// mirror read for issue 15 has none, so there `**/` needs a folder:
// TODO.md.)
//
// Fnmatch is rules:exists' and rules:changes' (Ruby's File.fnmatch? with
// FNM_PATHNAME | FNM_DOTMATCH | FNM_EXTGLOB in
// lib/gitlab/ci/build/rules/rule/clause/exists.rb and changes.rb): `*`
// and `?` never match `/`, `**/` matches any run of directories, a `**`
// not followed by `/` is `*`, `[...]` a set (`!` or `^` negates), `{a,b}`
// alternatives, `\` escapes, and leading dots are matched like any
// character.

// Dialect is one of GitLab's two glob dialects.
type Dialect uint8

const (
	// Wildcard is include:local's.
	Wildcard Dialect = iota
	// Fnmatch is rules:exists' and rules:changes'.
	Fnmatch
)

// maxAlternatives bounds the doublestar patterns one wildcard becomes: a
// `**` inside a path segment is two of them.
const maxAlternatives = 64

// Glob is a pattern translated into doublestar patterns; a path matches
// when one of them does.
type Glob struct {
	alts []string
}

// Match reports whether the slash-separated relative path p matches.
func (g Glob) Match(p string) bool {
	for _, a := range g.alts {
		if doublestar.MatchUnvalidated(a, p) {
			return true
		}
	}
	return false
}

// Compile translates pattern of dialect d.
func Compile(d Dialect, pattern string) (Glob, error) {
	var alts []string
	var err error
	switch d {
	case Wildcard:
		alts, err = wildcard(strings.TrimPrefix(pattern, "/"))
	default:
		alts = []string{fnmatch(pattern)}
		if strings.HasSuffix(pattern, "/") && !strings.HasSuffix(pattern, `\/`) {
			// only a folder's path ends in /, and files are matched
			return Glob{}, nil
		}
	}
	if err != nil {
		return Glob{}, err
	}
	for _, a := range alts {
		if !doublestar.ValidatePattern(a) {
			return Glob{}, errors.New("not a valid pattern (an unclosed { or [)")
		}
	}
	return Glob{alts: alts}, nil
}

// wildcard translates an include:local pattern. GitLab's is a regexp
// built by replacing, in the escaped pattern, `**/` by `(.*?/)?`, then
// `**` by `.*?`, then `*` by `[^/]*?`; no other character is special.
// The pattern is read as those tokens (a run of stars before `/` ends in
// `**/`: `***/` is `*` then `**/`), simplified (`.*?` absorbs the stars
// beside it), and each written in doublestar, whose `**` is only a whole
// path segment, so some become alternatives:
//   - `[^/]*?` is `*`;
//   - `.*?` is any text, slashes included: `*` or `*/**/*`;
//   - `(.*?/)?` is `**/` at a segment's start; after other characters
//     (`a**/b`) it is nothing (`ab`) or text ending in `/` (`a*/**/b`);
//     at the pattern's end it can only be nothing, since a file's path
//     does not end in `/`.
func wildcard(p string) ([]string, error) {
	toks := simplify(wildcardTokens(p))
	alts := alternatives{""}
	for i, t := range toks {
		segStart := i == 0 || toks[i-1] == "/"
		var err error
		switch {
		case t == star:
			err = alts.add("*")
		case t == anyText:
			err = alts.add("*", "*/**/*")
		case t == optDirs && i == len(toks)-1:
			// nothing: no file's path ends in /
		case t == optDirs && segStart:
			err = alts.add("**/")
		case t == optDirs && toks[i-1] == star:
			// `*` then (.*?/)?: the star alone, or text ending in /
			for j := range alts {
				alts[j] = strings.TrimSuffix(alts[j], "*")
			}
			err = alts.add("*", "*/**/")
		case t == optDirs:
			err = alts.add("", "*/**/")
		case strings.ContainsAny(t, `?[]{}\`):
			err = alts.add(`\` + t)
		default:
			err = alts.add(t)
		}
		if err != nil {
			return nil, err
		}
	}
	return alts, nil
}

// The tokens of GitLab's wildcard regexp; any other token is one literal
// byte.
const (
	star    = "\x00S" // [^/]*?
	anyText = "\x00A" // .*?
	optDirs = "\x00D" // (.*?/)?
)

// wildcardTokens reads p as GitLab's replacements do.
func wildcardTokens(p string) []string {
	var toks []string
	for i := 0; i < len(p); {
		if p[i] != '*' {
			toks = append(toks, p[i:i+1])
			i++
			continue
		}
		k := 0
		for i+k < len(p) && p[i+k] == '*' {
			k++
		}
		lead, dirs := k, false
		if k >= 2 && i+k < len(p) && p[i+k] == '/' {
			lead, dirs = k-2, true
		}
		switch {
		case lead >= 2:
			toks = append(toks, anyText)
		case lead == 1:
			toks = append(toks, star)
		}
		if dirs {
			toks = append(toks, optDirs)
			k++ // the slash
		}
		i += k
	}
	return toks
}

// simplify merges neighbours that mean one thing: .*? absorbs the stars
// and optional folders beside it, a star another star, an optional folder
// run another.
func simplify(toks []string) []string {
	var out []string
	for _, t := range toks {
		if n := len(out); n > 0 {
			prev := out[n-1]
			switch {
			case prev == anyText && (t == star || t == anyText || t == optDirs):
				continue
			case t == anyText && (prev == star || prev == optDirs):
				out[n-1] = anyText
				continue
			case prev == star && t == star, prev == optDirs && t == optDirs:
				continue
			}
		}
		out = append(out, t)
	}
	return out
}

// alternatives are the doublestar patterns a wildcard becomes.
type alternatives []string

// add appends each tail to every alternative.
func (a *alternatives) add(tails ...string) error {
	next := make(alternatives, 0, len(*a)*len(tails))
	for _, x := range *a {
		for _, t := range tails {
			next = append(next, x+t)
		}
	}
	if len(next) > maxAlternatives {
		return errors.New("too many ** inside path segments")
	}
	*a = next
	return nil
}

// fnmatch translates a rules:exists or rules:changes pattern. doublestar
// reads the same syntax but where Ruby differs: only `**/` at a
// segment's start is recursive, every other run of stars is `*` (a
// final `/**`, `***/`, `a**b`); a negated set matches `/` in doublestar,
// never in Ruby; a `[` without its `]` is literal in Ruby and an error in
// doublestar; a `]` first in a set ends it in Ruby (`[]`, `[!]`), where
// doublestar refuses the empty set.
func fnmatch(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			b.WriteString(p[i : i+2])
			i++
		case c == '*':
			k := 0
			for i+k < len(p) && p[i+k] == '*' {
				k++
			}
			segStart := i == 0 || strings.IndexByte("/{,", p[i-1]) >= 0
			if k == 2 && segStart && i+2 < len(p) && p[i+2] == '/' {
				b.WriteString("**/")
				i += 2
				continue
			}
			b.WriteByte('*')
			i += k - 1
		case c == '[':
			j := i + 1
			neg := j < len(p) && (p[j] == '!' || p[j] == '^')
			if neg {
				j++
			}
			if j < len(p) && p[j] == ']' {
				// Ruby's dir.c closes the set at a ] first: `[]` is empty
				// and matches nothing (no path holds a NUL), `[!]` any
				// character but /.
				if neg {
					b.WriteString("[!/]")
				} else {
					b.WriteString("[\x00]")
				}
				i = j
				continue
			}
			end := strings.IndexByte(p[j:], ']')
			if end < 0 {
				b.WriteString(`\[`)
				continue
			}
			head := p[i+1 : j]
			if neg {
				head += "/" // a set never matches / (FNM_PATHNAME)
			}
			b.WriteString("[" + head + p[j:j+end+1])
			i = j + end
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Globs compiles each pattern once, for all the matches of a run.
type Globs struct {
	mu   sync.Mutex
	done map[globKey]compiled
}

type globKey struct {
	d Dialect
	p string
}

type compiled struct {
	g   Glob
	err error
}

// NewGlobs is an empty set of compiled patterns.
func NewGlobs() *Globs { return &Globs{done: map[globKey]compiled{}} }

// Compile is the package's Compile, remembered.
func (gs *Globs) Compile(d Dialect, pattern string) (Glob, error) {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	k := globKey{d, pattern}
	c, ok := gs.done[k]
	if !ok {
		c.g, c.err = Compile(d, pattern)
		gs.done[k] = c
	}
	return c.g, c.err
}
