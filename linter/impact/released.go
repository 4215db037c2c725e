package impact

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"gitlab.com/trustci/cicd/linter/component"
	"gitlab.com/trustci/cicd/linter/repo"
)

// Bounds of the catalog tree read at one version: its files' bytes and
// the time git archive may take.
const (
	maxArchive     = 64 << 20
	extractTimeout = time.Minute
)

// released is the catalog as released: each version consumers pin,
// checked out once from the git repository holding the new catalog
// (git archive of the tag into a temporary folder), since that repository
// has every release as a tag.
type released struct {
	repo     repo.Repo
	rel      string // the catalog's folder inside the repository
	releases []string
	tmp      string

	mu   sync.Mutex
	dirs map[string]*versionDir
}

type versionDir struct {
	once sync.Once
	out  string // where it is checked out
	dir  string
	err  error
}

// errNoRepo means the new catalog is not in a git repository: released
// versions come from the instance, if any.
var errNoRepo = errors.New("the catalog is not in a git repository with its release tags")

func newReleased(newDir string) (*released, error) {
	r, err := repo.Find(newDir)
	if err != nil {
		return &released{dirs: map[string]*versionDir{}}, nil
	}
	abs, err := filepath.Abs(newDir)
	if err != nil {
		return nil, err
	}
	root, err := filepath.EvalSymlinks(r.Root)
	if err != nil {
		return nil, err
	}
	if abs, err = filepath.EvalSymlinks(abs); err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		return nil, fmt.Errorf("%s is not inside its repository %s", newDir, r.Root)
	}
	tags, err := r.Tags()
	if err != nil {
		return nil, err
	}
	var releases []string
	for _, t := range tags {
		if _, ok := component.ParseSemver(t); ok {
			releases = append(releases, t)
		}
	}
	component.SortReleases(releases)
	tmp, err := os.MkdirTemp("", "cilint-impact-")
	if err != nil {
		return nil, err
	}
	return &released{repo: r, rel: filepath.ToSlash(rel), releases: releases, tmp: tmp, dirs: map[string]*versionDir{}}, nil
}

func (r *released) close() {
	if r.tmp != "" {
		os.RemoveAll(r.tmp)
	}
}

// dir is the catalog folder at version (a release, a partial version or
// ~latest as GitLab resolves them, or a commit or branch of the
// repository), checked out on first use.
func (r *released) dir(version string) (string, string, error) {
	if r.repo.Root == "" {
		return "", "", errNoRepo
	}
	rev := version
	if v, ok := component.Resolve(version, r.releases); ok {
		rev = v
	} else if component.KindOf(version) != component.Exact && !strings.Contains(version, "$") {
		rev = version // a branch or a SHA: git knows it or not
	}
	r.mu.Lock()
	d := r.dirs[rev]
	if d == nil {
		d = &versionDir{out: filepath.Join(r.tmp, fmt.Sprint(len(r.dirs)))}
		r.dirs[rev] = d
	}
	r.mu.Unlock()
	d.once.Do(func() {
		d.dir, d.err = r.extract(rev, d.out)
	})
	return d.dir, rev, d.err
}

// extract writes the catalog's folder at rev under out and returns it.
func (r *released) extract(rev, out string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), extractTimeout)
	defer cancel()
	if err := r.repo.ExtractDir(ctx, rev, r.rel, out, maxArchive); err != nil {
		return "", fmt.Errorf("version %s of the catalog: %w", rev, err)
	}
	dir := filepath.Join(out, filepath.FromSlash(r.rel))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return dir, nil
}
