package include

import (
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/linter/unresolved"
)

// Why an include is not read, for its info finding.
const (
	whyOffline  = "is not read offline"
	whyVariable = "is named with a CI/CD variable, which only the running pipeline can expand"
	whyWildcard = "is a wildcard inside another project, which cilint does not list"
	whyRemote   = "is not fetched without --allow-remote"
)

// offline records an include cilint does not read (why says the reason):
// its content is unknown, so checks that it could satisfy only warn.
func (r *Resolver) offline(kind, loc string, at, item *load.Node, why string) {
	if r.countOne(at) {
		r.unread(kind, loc, at, item, why)
	}
}

// unread is offline for an include already counted.
func (r *Resolver) unread(kind, loc string, at, item *load.Node, why string) {
	r.unresolved(kind, loc, at, item)
	r.report(at.Pos, rules.IncludeOffline,
		"include:%s %s %s; checks that its content could satisfy are warnings, not errors", kind, unresolved.Shown(kind, loc), why)
}

// notFetched is the reason a fetchable include was not read.
func (r *Resolver) notFetched(names ...string) string {
	if hasVariable(names...) {
		return whyVariable
	}
	return whyOffline
}

// unresolved records an include whose content is unknown (already counted
// towards the include limit).
func (r *Resolver) unresolved(kind, loc string, at, item *load.Node) {
	r.res.Unresolved = append(r.res.Unresolved, unresolved.Include{Kind: kind, Location: loc, Pos: at.Pos, Item: item})
}
