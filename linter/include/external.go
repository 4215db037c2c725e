package include

import (
	"errors"
	"slices"
	"strings"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
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

// external loads content read from outside the repository (name is how
// findings call it, key tells repeats apart) and expands it like a local
// file. at is the include's location node, item the whole entry.
func (r *Resolver) external(name, key string, src []byte, item, at *load.Node, depth int, chain []string) *load.Node {
	var given *load.Node
	if item.Kind == load.Map {
		given = item.Get("inputs")
	}
	key += "|" + load.Canonical(given)
	if i := slices.Index(chain, name); i >= 0 {
		loop := append(slices.Clone(chain[i:]), name)
		r.report(at.Pos, finding.Warning, rules.IncludeCycle, "%s includes itself (%s); GitLab ignores the repeated include", name, strings.Join(loop, " -> "))
		return nil
	}
	if r.seen[key] {
		r.report(at.Pos, finding.Info, rules.IncludeDuplicate, "%s is already included; GitLab ignores the repeat", name)
		return nil
	}
	r.seen[key] = true
	if depth > r.opts.MaxDepth {
		r.report(at.Pos, finding.Error, rules.IncludeLimit, "includes are nested more than %d levels deep; GitLab refuses the pipeline", r.opts.MaxDepth)
		return nil
	}
	f, ok := r.cache[name]
	if !ok {
		var fs []finding.Finding
		f, fs = load.Parse(name, src, r.opts.Limits)
		r.res.Findings = append(r.res.Findings, fs...)
		r.res.Files = append(r.res.Files, f)
		r.cache[name] = f
	}
	if f.Body == nil && len(f.Source) > 0 {
		return nil // the parse error is reported
	}
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
	if errors.Is(err, ErrNotFound) {
		r.report(at.Pos, finding.Error, rules.IncludeNotFound, "include:%s %s does not exist; GitLab refuses the pipeline", kind, loc)
		return
	}
	r.unresolved(kind, loc, at, item)
	r.report(at.Pos, finding.Info, rules.IncludeOffline, "include:%s %s could not be read (%v); checks its content could satisfy are warnings", kind, loc, err)
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
