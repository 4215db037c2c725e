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
// `/`; no other character is special and a leading `/` is dropped.
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
		alts, err = wildcard(strings.TrimLeft(pattern, "/"))
	default:
		alts, err = []string{fnmatch(pattern)}, nil
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

// wildcard translates an include:local pattern. Only `*` is special:
// every other doublestar metacharacter is escaped. doublestar's `**` is a
// whole path segment; GitLab's is not, so a `**` inside a segment becomes
// alternatives:
//   - `**/` after other characters (`a**/b`, `(.*?/)?` in GitLab's
//     regexp) is nothing (`ab`) or any text and directories ending in `/`
//     (`a*/**/b`);
//   - `**` not followed by `/` is any text, slashes included: within the
//     segment (`a*b`) or across directories (`a*/**/*b`); at a segment's
//     start and a pattern's end (`ci/**`) it needs at least one character
//     (`ci/**/*`), since `.*?` after `ci/` does not match `ci` itself.
func wildcard(p string) ([]string, error) {
	alts := []string{""}
	add := func(tails ...string) error {
		var next []string
		for _, a := range alts {
			for _, t := range tails {
				next = append(next, a+t)
			}
		}
		if len(next) > maxAlternatives {
			return errors.New("too many ** inside path segments")
		}
		alts = next
		return nil
	}
	for i := 0; i < len(p); {
		segStart := i == 0 || p[i-1] == '/'
		switch {
		case strings.HasPrefix(p[i:], "**/") && segStart:
			if err := add("**/"); err != nil {
				return nil, err
			}
			i += 3
		case strings.HasPrefix(p[i:], "**/"):
			if err := add("", "*/**/"); err != nil {
				return nil, err
			}
			i += 3
		case strings.HasPrefix(p[i:], "**"):
			n := 2
			for i+n < len(p) && p[i+n] == '*' {
				n++ // `***` is `**` (`.*?` then `[^/]*?`)
			}
			var err error
			switch {
			case segStart && i+n == len(p):
				err = add("**/*")
			default:
				err = add("*", "*/**/*")
			}
			if err != nil {
				return nil, err
			}
			i += n
		case p[i] == '*':
			if err := add("*"); err != nil {
				return nil, err
			}
			i++
		default:
			c := p[i : i+1]
			if strings.ContainsAny(c, `?[]{}\`) {
				c = `\` + c
			}
			if err := add(c); err != nil {
				return nil, err
			}
			i++
		}
	}
	return alts, nil
}

// fnmatch translates a rules:exists or rules:changes pattern. doublestar
// reads the same syntax but for four cases: `**` that ends the pattern
// after a `/` is recursive in doublestar and `*` in Ruby; a negated set
// matches `/` in doublestar, never in Ruby; a `[` without its `]` is
// literal in Ruby and an error in doublestar; a `]` first in a set
// (`[]a]`) is a member in Ruby.
func fnmatch(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			b.WriteString(p[i : i+2])
			i++
		case c == '*' && strings.HasSuffix(p, "/**") && i == len(p)-2:
			b.WriteByte('*')
			i++
		case c == '[':
			j := i + 1
			if j < len(p) && (p[j] == '!' || p[j] == '^') {
				j++
			}
			if j < len(p) && p[j] == ']' {
				j++ // a ] first is a member
			}
			end := strings.IndexByte(p[j:], ']')
			if end < 0 {
				b.WriteString(`\[`)
				continue
			}
			head := strings.ReplaceAll(p[i+1:j], "]", `\]`)
			if p[i+1] == '!' || p[i+1] == '^' {
				head = head[:1] + "/" + head[1:] // a set never matches / (FNM_PATHNAME)
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
