// Package unresolved names the includes cilint did not read (offline, named
// with a variable, not allowed, no access): what they were, where they were
// written, and how findings show them. The stages after include soften
// their findings by them without importing include.
package unresolved

import (
	"net/url"
	"sort"
	"strings"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/load"
)

// Include is an include cilint did not read.
type Include struct {
	Kind     string // project, remote, template, component, or local (for a variable path)
	Location string
	Pos      finding.Pos
	// Item is the include entry as written, to hand it on (for example to
	// GitLab's lint API) unchanged.
	Item *load.Node
}

func (u Include) String() string { return "include:" + u.Kind + " " + Shown(u.Kind, u.Location) }

// Shown is how findings name an include's location: a remote URL with its
// credentials redacted, anything else as written.
func Shown(kind, loc string) string {
	if kind == "remote" {
		return RedactURL(loc)
	}
	return loc
}

// RedactURL is how a URL is shown in findings: its user information and
// the values of its query (tokens travel as private_token=..., sig=...) are
// replaced, the rest kept so the user still knows which URL is meant.
// The URL itself, for fetching and for GitLab, is never changed.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the URL"
	}
	if u.User != nil {
		// A user name alone is often the token (https://TOKEN@host).
		u.User = url.User("REDACTED")
	}
	if u.RawQuery != "" {
		q := u.Query()
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = url.QueryEscape(k) + "=REDACTED"
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	return u.String()
}
