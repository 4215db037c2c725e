package include

import (
	"strings"

	"gitlab.com/trustci/cicd/linter/load"
)

// template resolves include:template: one of the CI/CD templates the GitLab
// instance ships, read through its templates API. The API serves the
// templates of its categories; for others (such as Jobs/*.gitlab-ci.yml)
// a missing answer proves nothing, so they stay unread.
func (r *Resolver) template(item *load.Node, loc string, at *load.Node, depth int, chain []string) []*load.Node {
	if r.opts.Fetch == nil || hasVariable(loc) {
		r.offline("template", loc, at, item, r.notFetched(loc))
		return nil
	}
	if !r.countOne(at) {
		return nil
	}
	src, err := r.opts.Fetch.Template(loc)
	if err != nil {
		if strings.Contains(loc, "/") {
			err = unreadable{err}
		}
		r.fetchFailed("template", loc, at, item, err)
		return nil
	}
	if body := r.external("gitlab-template/"+loc, "template:"+loc, src, item, at, depth, chain); body != nil {
		return []*load.Node{body}
	}
	return nil
}

// unreadable hides ErrNotFound: the content may exist where the API does
// not look.
type unreadable struct{ err error }

func (u unreadable) Error() string { return u.err.Error() }
