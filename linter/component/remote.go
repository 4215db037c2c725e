package component

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gitlab.com/trustci/cicd/linter/gitlabapi"
)

// ErrUnavailable means the catalog could not be read (network, access):
// the component is then treated as unread, not as missing.
var ErrUnavailable = errors.New("catalog unavailable")

// Remote is a catalog project on a GitLab instance, read through the API
// at the commit a version resolves to (tags for releases, branches, or
// the SHA itself).
type Remote struct {
	Client  *gitlabapi.Client
	Host    string
	Project string
	Ctx     context.Context
	// Anonymous, when set, says why the catalog is read without the
	// run's credentials; a "not found" then says so, since a private
	// project answers 404 to an anonymous request.
	Anonymous string

	tags    []gitlabapi.Tag
	tagsErr error
	listed  bool
}

func (r *Remote) wrap(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, gitlabapi.ErrNotFound) {
		if r.Anonymous != "" {
			return fmt.Errorf("%v (%s): %w", err, r.Anonymous, ErrNotFound)
		}
		return fmt.Errorf("%v: %w", err, ErrNotFound)
	}
	return fmt.Errorf("%v: %w", err, ErrUnavailable)
}

func (r *Remote) listTags() error {
	if !r.listed {
		r.listed = true
		r.tags, r.tagsErr = r.Client.Tags(r.Ctx, r.Project)
		r.tagsErr = r.wrap(r.tagsErr)
	}
	return r.tagsErr
}

// Releases lists the project's semantic-version tags.
func (r *Remote) Releases() ([]string, error) {
	if err := r.listTags(); err != nil {
		return nil, err
	}
	var out []string
	for _, t := range r.tags {
		if _, ok := ParseSemver(t.Name); ok {
			out = append(out, t.Name)
		}
	}
	SortReleases(out)
	return out, nil
}

// commit resolves a version reference to a commit SHA.
func (r *Remote) commit(version string) (string, error) {
	if err := r.listTags(); err != nil {
		return "", err
	}
	for _, t := range r.tags {
		if t.Name == version && t.Commit != "" {
			return t.Commit, nil
		}
	}
	if KindOf(version) == SHA && len(version) == 40 {
		return version, nil
	}
	sha, err := r.Client.BranchCommit(r.Ctx, r.Project, version)
	if err != nil {
		if KindOf(version) == SHA {
			return version, nil // a short SHA: the files API takes it as a ref
		}
		return "", r.wrap(err)
	}
	return sha, nil
}

// Template reads templates/<name>.yml or templates/<name>/template.yml at
// the version's commit.
func (r *Remote) Template(name, version string) (*Template, error) {
	sha, err := r.commit(version)
	if err != nil {
		return nil, err
	}
	for _, p := range []string{"templates/" + name + ".yml", "templates/" + name + "/template.yml"} {
		src, err := r.Client.RawFile(r.Ctx, r.Project, p, sha)
		if errors.Is(err, gitlabapi.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, r.wrap(err)
		}
		t := &Template{Name: name, Path: r.Host + "/" + r.Project + "/" + p + "@" + version, Source: src}
		if len(sha) == 40 {
			t.SHA = sha
		}
		if KindOf(version) == Exact {
			t.Version = version
		}
		return t, nil
	}
	return nil, fmt.Errorf("component %s in %s at %s: %w", name, r.Project, version, ErrNotFound)
}

// Components lists the templates folder at the latest release (or the
// default branch when there is none).
func (r *Remote) Components() ([]string, error) {
	ref := "HEAD"
	if rel, err := r.Releases(); err == nil {
		if v, ok := Resolve("~latest", rel); ok {
			ref = v
		}
	}
	names, err := r.Client.TreeNames(r.Ctx, r.Project, "templates", ref)
	if err != nil {
		return nil, r.wrap(err)
	}
	var out []string
	for _, n := range names {
		out = append(out, strings.TrimSuffix(n, ".yml"))
	}
	return out, nil
}
