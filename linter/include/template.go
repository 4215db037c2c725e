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
	fetch := func() ([]byte, error) {
		src, err := r.opts.Fetch.Template(loc)
		if err != nil && strings.Contains(loc, "/") {
			err = unreadable{err}
		}
		return src, err
	}
	x := fetched{kind: "template", loc: loc, name: "gitlab-template/" + loc, key: "template:" + loc, fetch: fetch}
	if body := r.external(x, item, at, depth, chain); body != nil {
		return []*load.Node{body}
	}
	return nil
}

// unreadable hides ErrNotFound: the content may exist where the API does
// not look.
type unreadable struct{ err error }

func (u unreadable) Error() string { return u.err.Error() }
