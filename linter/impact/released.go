package impact

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"gitlab.com/trustci/cicd/linter/component"
	"gitlab.com/trustci/cicd/linter/repo"
)

// maxArchive bounds the catalog tree read at one version.
const maxArchive = 64 << 20

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
	if strings.HasPrefix(rev, "-") {
		return "", fmt.Errorf("version %q is not a git revision", rev)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	args := []string{"-C", r.repo.Root, "archive", "--format=tar", rev + "^{commit}"}
	if r.rel != "." {
		args = append(args, "--", r.rel)
	}
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Env = append(cmd.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_OPTIONAL_LOCKS=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &capped{w: &stdout, left: maxArchive}
	cmd.Stderr = &capped{w: &stderr, left: 4096}
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("version %s of the catalog (git archive): %s", rev, strings.TrimSpace(stderr.String()))
	}
	if stdout.Len() >= maxArchive {
		return "", fmt.Errorf("version %s of the catalog is over %d bytes", rev, maxArchive)
	}
	tr := tar.NewReader(&stdout)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("version %s of the catalog: %w", rev, err)
		}
		name := filepath.FromSlash(h.Name)
		if !filepath.IsLocal(name) {
			continue // never outside out
		}
		p := filepath.Join(out, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				return "", err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return "", err
			}
			b, err := io.ReadAll(io.LimitReader(tr, maxArchive))
			if err != nil {
				return "", err
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				return "", err
			}
		}
		// Links are left out: a template is read only as a regular file
		// of its catalog.
	}
	dir := filepath.Join(out, filepath.FromSlash(r.rel))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return dir, nil
}

// capped writes at most left bytes and drops the rest.
type capped struct {
	w    io.Writer
	left int
}

func (c *capped) Write(p []byte) (int, error) {
	n := len(p)
	if len(p) > c.left {
		p = p[:c.left]
	}
	c.left -= len(p)
	c.w.Write(p)
	return n, nil
}
