package impact

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"gitlab.com/trustci/cicd/linter/gitlabapi"
	"gitlab.com/trustci/cicd/linter/load"
)

// maxLocalFiles bounds the files fetched for one project's pipeline:
// GitLab's default ci_max_includes is 150.
const maxLocalFiles = 150

// Group is a GitLab group whose projects are the consumers, read with
// the run's client (lint.Remote.Instance: its token, CA, cache, timeouts
// and retries).
type Group struct {
	Client *gitlabapi.Client
	Ctx    context.Context
	Path   string
}

// RunGroup lists the group's projects, keeps those of the shard, fetches
// the default-branch configuration of each (and the local files it
// includes) with at most Workers requests at once, and checks those that
// name the catalog.
func (r *Runner) RunGroup(g Group) (*Report, error) {
	projects, err := g.Client.GroupProjects(g.Ctx, g.Path)
	if err != nil {
		return nil, err
	}
	var mine []gitlabapi.Project
	for _, p := range projects {
		if r.opts.Shard.Holds(p.Path) {
			mine = append(mine, p)
		}
	}
	tmp, err := os.MkdirTemp("", "cilint-impact-group-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var skipped []Row
	var fetchable []gitlabapi.Project
	for _, p := range mine {
		if why := external(p.CIConfigPath); why != "" {
			skipped = append(skipped, Row{Consumer: p.Path, Skipped: why})
			continue
		}
		fetchable = append(fetchable, p)
	}
	scanned := len(mine)
	mine = fetchable
	consumers := make([]*Consumer, len(mine))
	fetchErrs := make([]error, len(mine))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(r.opts.Workers, max(len(mine), 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				consumers[i], fetchErrs[i] = r.fetch(g, mine[i], filepath.Join(tmp, fmt.Sprint(i)))
			}
		}()
	}
	for i := range mine {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	var todo []Consumer
	var failed []Row
	for i, c := range consumers {
		switch {
		case fetchErrs[i] != nil:
			failed = append(failed, Row{Consumer: mine[i].Path, Error: fetchErrs[i].Error()})
		case c != nil:
			todo = append(todo, *c)
		}
	}
	rep := r.checkAll(todo)
	rep.Scanned = scanned
	rep.Consumers = append(append(rep.Consumers, failed...), skipped...)
	rep.sort()
	return rep, nil
}

// fetch writes the project's configuration and the local files it
// includes under dir; nil when the project has no configuration or it does
// not name the catalog.
func (r *Runner) fetch(g Group, p gitlabapi.Project, dir string) (*Consumer, error) {
	cfg := p.CIConfigPath
	if cfg == "" {
		cfg = ".gitlab-ci.yml"
	}
	if why := external(cfg); why != "" {
		return nil, errors.New(why)
	}
	ref := p.DefaultBranch
	if ref == "" {
		return nil, nil // an empty repository
	}
	first, err := g.Client.RawFile(g.Ctx, p.Path, cfg, ref)
	if errors.Is(err, gitlabapi.ErrNotFound) {
		return nil, nil // no pipeline
	}
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{cfg: first}
	queue := []string{cfg}
	for len(queue) > 0 && len(files) <= maxLocalFiles {
		name := queue[0]
		queue = queue[1:]
		for _, inc := range localIncludes(name, files[name]) {
			if _, ok := files[inc]; ok || len(files) >= maxLocalFiles {
				continue
			}
			b, err := g.Client.RawFile(g.Ctx, p.Path, inc, ref)
			if errors.Is(err, gitlabapi.ErrNotFound) {
				continue // lint reports the missing file
			}
			if err != nil {
				return nil, err
			}
			files[inc] = b
			queue = append(queue, inc)
		}
	}
	named := false
	for _, b := range files {
		if r.uses.Match(b) {
			named = true
		}
	}
	if !named {
		return nil, nil
	}
	for name, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return nil, err
		}
	}
	// The files sit in a work tree of their own, so include:local is
	// read from the project's root whatever folder the configuration is in.
	if strings.Contains(cfg, "/") {
		if err := exec.Command("git", "init", "-q", dir).Run(); err != nil {
			return nil, fmt.Errorf("git init for %s: %w", p.Path, err)
		}
	}
	return &Consumer{Name: p.Path, Dir: dir, Config: cfg}, nil
}

// external says why a project's CI/CD configuration setting is not a
// file of its own repository ("" when it is one): another project's file
// (file.yml@group/project), a URL, or a path out of the repository.
func external(cfg string) string {
	if cfg == "" {
		return ""
	}
	if strings.Contains(cfg, "@") || strings.Contains(cfg, "://") || !filepath.IsLocal(filepath.FromSlash(cfg)) {
		return fmt.Sprintf("the CI/CD configuration is %s, not a file of the project; cilint impact reads only a project's own file", cfg)
	}
	return ""
}

// localIncludes are the include:local files (and bare paths) a file
// names, as repository paths: those without variables or wildcards,
// which GitLab resolves from the project's root. Others are left to
// lint, which reports what it cannot read.
func localIncludes(name string, src []byte) []string {
	f, _ := load.Parse(name, src, load.DefaultLimits())
	if f == nil || f.Body == nil {
		return nil
	}
	inc := f.Body.Get("include")
	if inc == nil {
		return nil
	}
	items := []*load.Node{inc}
	if inc.Kind == load.Seq {
		items = inc.Items
	}
	var out []string
	for _, it := range items {
		var p string
		switch {
		case it == nil:
		case it.Kind == load.String && !strings.Contains(it.Text, "://"):
			p = it.Text
		case it.Kind == load.Map && it.Get("local") != nil && it.Get("local").Kind == load.String:
			p = it.Get("local").Text
		}
		if p == "" || strings.ContainsAny(p, "$*?[") {
			continue
		}
		clean := strings.TrimPrefix(path.Clean("/"+p), "/")
		if clean == "" || !filepath.IsLocal(clean) {
			continue
		}
		out = append(out, clean)
	}
	return out
}
