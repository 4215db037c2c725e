package gitlabapi

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// Project is what `cilint impact --group` needs of a project: where its
// pipeline configuration is.
type Project struct {
	ID            int64  `json:"id"`
	Path          string `json:"path_with_namespace"`
	DefaultBranch string `json:"default_branch"`
	// CIConfigPath is the project's CI/CD configuration file setting
	// ("" means .gitlab-ci.yml; it may name a file of another project,
	// file.yml@group/project, or a URL).
	CIConfigPath string `json:"ci_config_path"`
}

// MaxGroupProjects bounds a group listing: 100 pages of 100 (GET
// /groups/:id/projects pages by 100 at most).
const MaxGroupProjects = 10000

// maxGroupPages bounds the requests of a listing: the pages
// MaxGroupProjects fills at 100 a page, and one more that finds it over.
// Without it an instance sending one project a page would be asked
// MaxGroupProjects times before the count bound answered.
const maxGroupPages = MaxGroupProjects/100 + 1

// GroupProjects lists the projects of a group and its subgroups that are
// not archived, sorted by path (GET /groups/:id/projects with
// include_subgroups). The list is cached briefly, like other content that
// moves, so the jobs of a sharded run share one listing per machine.
func (c *Client) GroupProjects(ctx context.Context, group string) ([]Project, error) {
	b, err := c.cached("group-projects\x00"+group, mutableTTL, func() ([]byte, error) {
		var out []Project
		pages := 1
		yes, no := true, false
		opt := &gitlab.ListGroupProjectsOptions{IncludeSubGroups: &yes, Archived: &no,
			ListOptions: gitlab.ListOptions{PerPage: 100, Page: 1}}
		for {
			ps, resp, err := c.api.Groups.ListGroupProjects(group, opt, gitlab.WithContext(ctx))
			if err := classify("projects of group "+group, resp, err); err != nil {
				return nil, err
			}
			for _, p := range ps {
				out = append(out, Project{ID: p.ID, Path: p.PathWithNamespace, DefaultBranch: p.DefaultBranch, CIConfigPath: p.CIConfigPath})
			}
			if len(out) > MaxGroupProjects {
				return nil, fmt.Errorf("group %s has more than %d projects; lint it by subgroup", group, MaxGroupProjects)
			}
			if resp == nil || resp.NextPage == 0 {
				break
			}
			// Each page must add projects and move on: an instance naming
			// an empty or an earlier page as next would otherwise be read
			// until the run's deadline, MaxGroupProjects bounding nothing.
			if len(ps) == 0 || resp.NextPage <= opt.Page {
				return nil, fmt.Errorf("projects of group %s: page %d names page %d next", group, opt.Page, resp.NextPage)
			}
			if pages++; pages > maxGroupPages {
				return nil, fmt.Errorf("projects of group %s: more than %d pages; lint it by subgroup", group, maxGroupPages)
			}
			opt.Page = resp.NextPage
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
		return json.Marshal(out)
	})
	if err != nil {
		return nil, err
	}
	var out []Project
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("projects of group %s: %w", group, err)
	}
	return out, nil
}
