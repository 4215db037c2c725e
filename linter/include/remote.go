package include

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/linter/unresolved"
)

// remote resolves include:remote: a URL GitLab fetches anonymously. cilint
// fetches only https:// URLs, and only when asked to (--allow-remote),
// since the file is outside anyone's review.
func (r *Resolver) remote(item *load.Node, loc string, at *load.Node, depth int, chain []string) []*load.Node {
	shown := unresolved.RedactURL(loc)
	if !hasVariable(loc) && !yamlName(loc) {
		// GitLab checks the URL as written, query and all: a query
		// after the file name hides the extension.
		hint := ""
		if strings.ContainsAny(loc, "?#") {
			hint = " (it checks the whole URL: a ?query or #fragment after the file name hides the extension)"
		}
		r.report(at.Pos, rules.IncludeInvalid, "include:remote %s %s; GitLab refuses it%s", shown, notYAML(loc), hint)
		return nil
	}
	if r.opts.Fetch == nil || hasVariable(loc) {
		r.offline("remote", loc, at, item, r.notFetched(loc))
		return nil
	}
	if !strings.HasPrefix(loc, "https://") {
		if r.countOne(at) {
			r.unresolved("remote", loc, at, item)
			r.report(at.Pos, rules.IncludeOffline,
				"include:remote %s is fetched over plain HTTP, which anyone on the way can change; cilint reads only https:// URLs", shown)
		}
		return nil
	}
	if !r.countOne(at) {
		return nil
	}
	// The file is named by its redacted URL in findings, but two URLs that
	// differ only in what is redacted are two files: a short hash of the
	// real URL keeps their names (the cache and cycle key) apart.
	name := shown
	if shown != loc {
		sum := sha256.Sum256([]byte(loc))
		name += " [" + hex.EncodeToString(sum[:4]) + "]"
	}
	x := fetched{kind: "remote", loc: loc, name: name, key: "remote:" + loc, fetch: func() ([]byte, error) { return r.opts.Fetch.URL(loc) }}
	if body := r.external(x, item, at, depth, chain); body != nil {
		return []*load.Node{body}
	}
	return nil
}
