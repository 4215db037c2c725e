package include

import (
	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
)

// offline records an include of another project, a URL, a GitLab template
// or a component: cilint does not fetch them (yet), so their content is
// unknown and checks that could be satisfied by it only warn.
func (r *Resolver) offline(kind, loc string, at, item *load.Node) {
	if !r.countOne(at) {
		return
	}
	r.res.Unresolved = append(r.res.Unresolved, Unresolved{Kind: kind, Location: loc, Pos: at.Pos, Item: item})
	r.report(at.Pos, finding.Info, rules.IncludeOffline,
		"include:%s %s is not read offline; checks that its content could satisfy are warnings, not errors", kind, loc)
}
