package repo

import (
	"io/fs"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"gitlab.com/trustci/cicd/linter/expr"
	"gitlab.com/trustci/cicd/linter/load"
)

// maxFiles bounds the walk of a checkout.
const maxFiles = 200_000

// GitLab's bounds on rules:exists and rules:changes glob comparisons:
// past them the rule is taken as matching (MAX_PATTERN_COMPARISONS in
// clause/exists.rb, CHANGES_MAX_PATTERN_COMPARISONS in clause/changes.rb).
const (
	maxExistsComparisons  = 10_000
	maxChangesComparisons = 50_000
)

// Checkout is a repository's files as cilint sees them: the working tree
// under its root (the linted project, or a local catalog whose component
// includes its own files), which include:local wildcards and
// rules:exists are matched against. It lists the files once, on first
// use, and compiles each pattern once.
type Checkout struct {
	root  string
	once  sync.Once
	files []string
	globs *Globs
}

// NewCheckout is the checkout rooted at dir.
func NewCheckout(dir string) *Checkout { return &Checkout{root: dir, globs: NewGlobs()} }

// Root is the folder the checkout is rooted at.
func (c *Checkout) Root() string { return c.root }

// Files lists the files under the root as slash-separated relative paths,
// sorted, skipping .git, at most maxFiles of them.
func (c *Checkout) Files() []string {
	c.once.Do(c.list)
	return c.files
}

func (c *Checkout) list() {
	c.files = []string{}
	filepath.WalkDir(c.root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if !d.IsDir() && len(c.files) < maxFiles {
			if rel, err := filepath.Rel(c.root, path); err == nil {
				c.files = append(c.files, filepath.ToSlash(rel))
			}
		}
		return nil
	})
	sort.Strings(c.files)
}

// Wildcard returns the files an include:local wildcard names.
func (c *Checkout) Wildcard(pattern string) ([]string, error) {
	g, err := c.globs.Compile(Wildcard, pattern)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range c.Files() {
		if g.Match(f) {
			out = append(out, f)
		}
	}
	return out, nil
}

// Exists decides a rules:exists value (a list of patterns, or a mapping
// with paths: and maybe project:) against the checkout's files: True
// when a pattern matches a file, False when none does, Unknown for
// another project's files or a pattern cilint cannot read. As
// clause/exists.rb does, a pattern without a glob character is compared
// as written (a `\` in it is no escape), and past 10,000 comparisons the
// rule is taken as matching.
func (c *Checkout) Exists(n *load.Node) expr.Truth {
	patterns, t := patternsOf(n)
	if patterns == nil {
		return t
	}
	files := c.Files()
	if topLevelOnly(patterns) {
		files = topLevel(files)
	}
	comparisons := 0
	for _, p := range patterns {
		if p == unreadable {
			return expr.Unknown
		}
		if !hasGlobChar(p) {
			if i := sort.SearchStrings(files, p); i < len(files) && files[i] == p {
				return expr.True
			}
			continue
		}
		g, err := c.globs.Compile(Fnmatch, p)
		if err != nil {
			return expr.Unknown
		}
		for _, f := range files {
			comparisons++
			if comparisons > maxExistsComparisons || g.Match(f) {
				return expr.True
			}
		}
	}
	return expr.False
}

// Changes decides rules:changes values against the files a push or
// merge request changed. As clause/changes.rb does, more than 50,000
// comparisons (changed files times patterns) count as a match.
func Changes(changed []string) func(*load.Node) expr.Truth {
	globs := NewGlobs()
	return func(n *load.Node) expr.Truth {
		patterns, t := patternsOf(n)
		if patterns == nil {
			return t
		}
		if len(changed)*len(patterns) > maxChangesComparisons && !slices.Contains(patterns, unreadable) {
			return expr.True
		}
		for _, p := range patterns {
			if p == unreadable {
				return expr.Unknown
			}
			g, err := globs.Compile(Fnmatch, p)
			if err != nil {
				return expr.Unknown
			}
			for _, f := range changed {
				if g.Match(f) {
					return expr.True
				}
			}
		}
		return expr.False
	}
}

// unreadable stands for a pattern cilint cannot read (one with a
// variable, or not text): the rule is Unknown once it is reached.
const unreadable = "$"

// patternsOf reads a rules:exists or rules:changes value: a list of
// patterns, or a mapping with paths:. Another project's files
// (project:), another comparison base (compare_to:) or a value of
// another shape give nil and Unknown; an empty list nil and False.
func patternsOf(n *load.Node) ([]string, expr.Truth) {
	if n == nil {
		return nil, expr.Unknown
	}
	list := n
	if n.Kind == load.Map {
		if n.Get("project") != nil || n.Get("compare_to") != nil {
			return nil, expr.Unknown
		}
		list = n.Get("paths")
	}
	if list == nil || list.Kind != load.Seq {
		return nil, expr.Unknown
	}
	out := make([]string, 0, len(list.Items))
	for _, p := range list.Items {
		if p == nil || p.Kind != load.String || strings.Contains(p.Text, "$") {
			out = append(out, unreadable)
			continue
		}
		out = append(out, p.Text)
	}
	if len(out) == 0 {
		return nil, expr.False
	}
	return out, expr.False
}

// hasGlobChar is exists.rb's test for an exact pattern, reversed.
func hasGlobChar(p string) bool { return strings.ContainsAny(p, "*?[{") }

// topLevelOnly is exists.rb's top_level_glob? for every pattern: then
// only the files at the root are compared.
func topLevelOnly(patterns []string) bool {
	for _, p := range patterns {
		if strings.Contains(p, "/") || strings.Contains(p, "**") {
			return false
		}
	}
	return true
}

func topLevel(files []string) []string {
	var out []string
	for _, f := range files {
		if !strings.Contains(f, "/") {
			out = append(out, f)
		}
	}
	return out
}
