package component

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"gitlab.com/trustci/cicd/linter/repo"
	"gitlab.com/trustci/cicd/linter/tree"
)

// Template is one component's template file.
type Template struct {
	Name   string
	Path   string // where it was read from (a file path, or a cache path)
	Source []byte
	// SHA is the commit the template was read at, when known.
	SHA string
	// Version is the release the reference resolved to ("" for a SHA or a
	// branch, which GitLab reports as null).
	Version string
}

// Catalog is a place components are read from.
type Catalog interface {
	// Components lists the component names, sorted.
	Components() ([]string, error)
	// Template reads component name at version (already resolved).
	Template(name, version string) (*Template, error)
	// Releases lists the catalog's release tags, when known.
	Releases() ([]string, error)
}

// ErrNotFound is returned for a component or version a catalog lacks.
var ErrNotFound = errors.New("not found")

// ErrNoCatalog means a local catalog folder is missing or is not a
// catalog project (no templates/).
var ErrNoCatalog = errors.New("not a catalog")

// Local is a catalog project checked out in a directory, laid out as
// GitLab requires: templates/<name>.yml or templates/<name>/template.yml.
// maxTemplateBytes is GitLab's max_yaml_size_bytes, the loader's limit.
const maxTemplateBytes = 2 << 20

// Every version reference reads the working tree: it is the code under
// development.
type Local struct {
	Dir string
	// ReadFile reads the templates (nil: tree.ReadRegular), after the
	// check that they lie inside Dir.
	ReadFile tree.ReadFunc
	git      *gitInfo // nil: asked afresh at each use
}

// TemplatePath returns the template file of component name, or "".
func (l Local) TemplatePath(name string) string {
	for _, p := range []string{filepath.Join(l.Dir, "templates", name+".yml"), filepath.Join(l.Dir, "templates", name, "template.yml")} {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

// exists says why a local catalog cannot be one: its folder is missing,
// or it has no templates/ folder. A missing component in a real catalog
// is another matter (ErrNotFound).
func (l Local) exists() error {
	if st, err := os.Stat(l.Dir); err != nil || !st.IsDir() {
		return noCatalog("the catalog folder " + l.Dir + " does not exist")
	}
	if st, err := os.Stat(filepath.Join(l.Dir, "templates")); err != nil || !st.IsDir() {
		return noCatalog(l.Dir + " has no templates/ folder, so it is not a catalog project")
	}
	return nil
}

// noCatalog is an ErrNoCatalog that says why in its own words.
type noCatalog string

func (e noCatalog) Error() string        { return string(e) }
func (e noCatalog) Is(target error) bool { return target == ErrNoCatalog }

// Components lists templates/<name>.yml and templates/<name>/template.yml.
func (l Local) Components() ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(l.Dir, "templates"))
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", l.Dir, err)
	}
	var out []string
	for _, e := range entries {
		switch {
		case e.IsDir():
			if _, err := os.Stat(filepath.Join(l.Dir, "templates", e.Name(), "template.yml")); err == nil {
				out = append(out, e.Name())
			}
		case strings.HasSuffix(e.Name(), ".yml"):
			out = append(out, strings.TrimSuffix(e.Name(), ".yml"))
		}
	}
	sort.Strings(out)
	return out, nil
}

// Template reads the working-tree template.
func (l Local) Template(name, version string) (*Template, error) {
	p := l.TemplatePath(name)
	if p == "" {
		if err := l.exists(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("component %s in %s: %w", name, l.Dir, ErrNotFound)
	}
	// A template is shown in snippets: it must be a file of the catalog,
	// not a link to one elsewhere (/proc/self/environ, ~/.netrc).
	if err := tree.Within(l.Dir, p); err != nil {
		return nil, fmt.Errorf("component %s: %w", name, err)
	}
	src, err := l.ReadFile.Read(p, maxTemplateBytes)
	if err != nil {
		return nil, fmt.Errorf("component %s: %w", name, err)
	}
	if int64(len(src)) > maxTemplateBytes {
		return nil, fmt.Errorf("component %s: the template is over %d bytes, the most GitLab reads", name, maxTemplateBytes)
	}
	t := &Template{Name: name, Path: p, Source: src, SHA: l.gitState().head}
	if KindOf(version) == Exact {
		t.Version = version
	}
	return t, nil
}

// Releases lists the semantic-version tags of the git repository holding
// the catalog (none when the folder is not in a git work tree).
func (l Local) Releases() ([]string, error) {
	if l.exists() != nil {
		return nil, nil // Template says why
	}
	g := l.gitState()
	if errors.Is(g.err, repo.ErrNotRepo) {
		return nil, nil
	}
	if g.err != nil {
		return nil, fmt.Errorf("tags of %s: %w", l.Dir, g.err)
	}
	var out []string
	for _, t := range g.tags {
		if _, ok := ParseSemver(t); ok {
			out = append(out, t)
		}
	}
	SortReleases(out)
	return out, nil
}

// gitInfo is what a local catalog asks git: its tags and the commit
// checked out. NewLocal shares one between every use of a catalog, so git
// is asked once per catalog, not for every component included from it.
type gitInfo struct {
	once sync.Once
	tags []string
	head string
	err  error
}

// NewLocal is a Local that asks git about its repository at most once.
func NewLocal(dir string) Local { return Local{Dir: dir, git: &gitInfo{}} }

func (l Local) gitState() *gitInfo {
	g := l.git
	if g == nil {
		g = &gitInfo{}
	}
	g.once.Do(func() {
		r, err := repo.Find(l.Dir)
		if err != nil {
			g.err = err
			return
		}
		g.head = r.Head()
		g.tags, g.err = r.Tags()
	})
	return g
}
