package include

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/linter/unresolved"
)

// Fetcher reads includes from outside the repository: files of other
// projects, GitLab's templates and URLs. A nil Fetcher means offline.
type Fetcher interface {
	// ProjectFile reads file of project at ref ("" means the default
	// branch).
	ProjectFile(project, file, ref string) ([]byte, error)
	// Template reads an include:template such as Auto-DevOps.gitlab-ci.yml.
	Template(name string) ([]byte, error)
	// URL reads an include:remote.
	URL(url string) ([]byte, error)
}

// Errors a Fetcher returns (wrapped) so the resolver can tell a missing
// file, which GitLab refuses, from one it could not read.
var (
	ErrNotFound   = errors.New("not found")
	ErrNotAllowed = errors.New("not allowed")
)

// project is the GitLab project and ref an included file came from: its
// own include:local entries name files of that project, at that ref.
type project struct {
	path, ref string
}

// fetched is an include read from outside the repository.
type fetched struct {
	kind, loc string // for messages about the include: include:<kind> <loc>
	name      string // how findings name the file
	key       string // tells repeats apart (the inputs are added)
	fetch     func() ([]byte, error)
}

// external reads x, once, and expands it like a local file. at is the
// include's location node, item the whole entry. Cycles, repeats and depth
// are checked before anything is fetched.
func (r *Resolver) external(x fetched, item, at *load.Node, depth int, chain []string) *load.Node {
	var given *load.Node
	if item.Kind == load.Map {
		given = item.Get("inputs")
	}
	if !r.enter(x.name, x.key+"|"+load.Canonical(given), at, depth, chain) {
		return nil
	}
	f, ok := r.cache[x.name]
	if !ok {
		src, err := x.fetch()
		if err != nil {
			r.fetchFailed(x.kind, x.loc, at, item, err)
			return nil
		}
		var fs []finding.Finding
		f, fs = r.opts.Cache.parse(x.name, src, r.opts.Limits)
		r.res.Findings = append(r.res.Findings, fs...)
		r.res.Files = append(r.res.Files, f)
		r.cache[x.name] = f
	}
	if f.Body == nil && len(f.Source) > 0 {
		return nil // the parse error is reported
	}
	return r.expandFile(f, x.name, given, at, depth, chain)
}

// enter checks an include about to be read, named name (key tells repeats
// apart): a cycle, a repeat or nesting past the limit is reported, and
// false returned.
func (r *Resolver) enter(name, key string, at *load.Node, depth int, chain []string) bool {
	if i := slices.Index(chain, name); i >= 0 {
		loop := append(slices.Clone(chain[i:]), name)
		r.report(at.Pos, rules.IncludeCycle, "%s includes itself (%s); GitLab ignores the repeated include", name, strings.Join(loop, " -> "))
		return false
	}
	if r.seen[key] {
		r.report(at.Pos, rules.IncludeDuplicate, "%s is already included; GitLab ignores the repeat", name)
		return false
	}
	r.seen[key] = true
	if depth > r.opts.MaxDepth {
		r.report(at.Pos, rules.IncludeLimit, "includes are nested more than %d levels deep; GitLab refuses the pipeline", r.opts.MaxDepth)
		return false
	}
	return true
}

// expandFile merges an included file: its body with the include's inputs
// interpolated, then its own includes.
func (r *Resolver) expandFile(f *load.File, name string, given, at *load.Node, depth int, chain []string) *load.Node {
	body := r.body(f, at)
	if body == nil {
		return nil
	}
	body = r.interpolate(f, body, given, at, name, nil)
	return r.expand(body, depth+1, append(slices.Clip(chain), name))
}

// fetchFailed reports content that could not be read: missing content is
// an error GitLab makes too; anything else leaves the include unread.
func (r *Resolver) fetchFailed(kind, loc string, at, item *load.Node, err error) {
	if errors.Is(err, ErrNotAllowed) {
		r.unread(kind, loc, at, item, whyRemote)
		return
	}
	if errors.Is(err, ErrNotFound) {
		r.report(at.Pos, rules.IncludeNotFound, "include:%s %s does not exist; GitLab refuses the pipeline", kind, unresolved.Shown(kind, loc))
		return
	}
	r.unread(kind, loc, at, item, fmt.Sprintf("could not be read (%v)", err))
}

// hasVariable says whether an include names its target with a CI/CD
// variable, which only the running pipeline can expand.
func hasVariable(s ...string) bool {
	for _, x := range s {
		if strings.Contains(x, "$") {
			return true
		}
	}
	return false
}
