// Package component finds CI/CD components: it parses references
// (`<host>/<project path>/<name>@<version>`), resolves versions the way the
// CI/CD Catalog does, and reads templates from local catalog directories
// (local.go) or from a GitLab instance (remote.go).
package component

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gitlab.com/trustci/cicd/linter/internal/lazyre"
	"golang.org/x/mod/semver"
)

// Ref is a parsed component reference.
type Ref struct {
	Host    string // the instance, with $CI_SERVER_FQDN / $CI_SERVER_HOST expanded
	Project string // the catalog project's full path
	Name    string // the component
	Version string // what follows @: a version, ~latest, a SHA or a branch
}

// Prefix is the catalog's address, <host>/<project path>, as catalogs are
// configured.
func (r Ref) Prefix() string { return r.Host + "/" + r.Project }

func (r Ref) String() string { return r.Prefix() + "/" + r.Name + "@" + r.Version }

// ParseRef parses a component reference. serverFQDN replaces
// $CI_SERVER_FQDN and $CI_SERVER_HOST (the instance the pipeline runs on).
func ParseRef(s, serverFQDN string) (Ref, error) {
	for _, v := range []string{"$CI_SERVER_FQDN", "${CI_SERVER_FQDN}", "$CI_SERVER_HOST", "${CI_SERVER_HOST}"} {
		s = strings.ReplaceAll(s, v, serverFQDN)
	}
	at := strings.LastIndex(s, "@")
	if at < 0 {
		return Ref{}, fmt.Errorf("%s has no @version; pin a release, for example @1.0.0", s)
	}
	path, version := s[:at], s[at+1:]
	if version == "" {
		return Ref{}, fmt.Errorf("%s has an empty version after @", s)
	}
	parts := strings.Split(path, "/")
	if len(parts) < 4 {
		return Ref{}, fmt.Errorf("%s is not <host>/<group>/<project>/<component>@<version>", s)
	}
	for _, p := range parts {
		if p == "" {
			return Ref{}, fmt.Errorf("%s has an empty path segment", s)
		}
	}
	if strings.Contains(path, "$") {
		return Ref{}, fmt.Errorf("%s uses a variable other than $CI_SERVER_FQDN; GitLab cannot resolve it either", s)
	}
	return Ref{Host: parts[0], Project: strings.Join(parts[1:len(parts)-1], "/"), Name: parts[len(parts)-1], Version: version}, nil
}

// Semver is a release version MAJOR.MINOR.PATCH with an optional
// pre-release.
type Semver struct {
	Major, Minor, Patch int
	Pre                 string
	Text                string
}

var semverPattern = lazyre.New(`^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$`)

// ParseSemver parses a full version: MAJOR.MINOR.PATCH, an optional
// pre-release and build, as Semantic Versioning 2.0 defines them (no
// leading zeros), with an optional leading v.
func ParseSemver(s string) (Semver, bool) {
	m := semverPattern().FindStringSubmatch(s)
	if m == nil || !semver.IsValid("v"+strings.TrimPrefix(s, "v")) {
		return Semver{}, false
	}
	v := Semver{Pre: m[4], Text: s}
	v.Major, _ = strconv.Atoi(m[1])
	v.Minor, _ = strconv.Atoi(m[2])
	v.Patch, _ = strconv.Atoi(m[3])
	return v, true
}

// Less orders versions by Semantic Versioning's precedence: a
// pre-release comes before its release, and pre-release identifiers that
// are numbers compare as numbers (rc.9 before rc.10).
func (a Semver) Less(b Semver) bool {
	return semver.Compare("v"+strings.TrimPrefix(a.Text, "v"), "v"+strings.TrimPrefix(b.Text, "v")) < 0
}

// isPartial reports whether v is `1` or `1.2` with an optional leading v:
// what `^v?\d+(\.\d+)?$` matches, in plain code because the regexp was
// compiled at package init by every command.
func isPartial(v string) bool {
	v = strings.TrimPrefix(v, "v")
	major, minor, dotted := strings.Cut(v, ".")
	return allDigits(major) && (!dotted || allDigits(minor))
}

// allDigits reports whether s is one or more ASCII digits (regexp's \d).
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isSHA reports whether v is 7 to 40 lower-case hexadecimal digits (an
// abbreviated or full commit SHA): `^[0-9a-f]{7,40}$`, whose counted
// repetition made it the costliest regexp to compile at init.
func isSHA(v string) bool {
	if len(v) < 7 || len(v) > 40 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Kind of a version reference.
type Kind uint8

const (
	Exact   Kind = iota // a full semantic version
	Partial             // 1 or 1.2: the highest matching release
	Latest              // ~latest: the highest release
	SHA                 // a commit
	Branch              // anything else: a branch (or a non-semver tag)
)

// KindOf classifies a version reference.
func KindOf(v string) Kind {
	switch {
	case v == "~latest":
		return Latest
	case isSemver(v):
		return Exact
	case isPartial(v):
		return Partial
	case isSHA(v):
		return SHA
	}
	return Branch
}

func isSemver(v string) bool {
	_, ok := ParseSemver(v)
	return ok
}

// Moving reports whether a reference can point at different code tomorrow.
func (k Kind) Moving() bool { return k == Latest || k == Branch }

// Resolve picks the release a reference means among releases (tag
// names): an exact version must exist; a partial one and ~latest take the
// highest matching release, never a pre-release. ok is false when nothing
// matches; SHAs and branches resolve to themselves.
func Resolve(version string, releases []string) (string, bool) {
	kind := KindOf(version)
	if kind == SHA || kind == Branch {
		return version, true
	}
	var vs []Semver
	for _, r := range releases {
		if v, ok := ParseSemver(r); ok {
			vs = append(vs, v)
		}
	}
	sort.Slice(vs, func(i, j int) bool { return vs[j].Less(vs[i]) })
	switch kind {
	case Exact:
		for _, v := range vs {
			if v.Text == version {
				return v.Text, true
			}
		}
		return "", false
	case Latest:
		for _, v := range vs {
			if v.Pre == "" {
				return v.Text, true
			}
		}
		return "", false
	}
	parts := strings.Split(strings.TrimPrefix(version, "v"), ".")
	for _, v := range vs {
		if v.Pre != "" || strconv.Itoa(v.Major) != parts[0] || (len(parts) > 1 && strconv.Itoa(v.Minor) != parts[1]) {
			continue
		}
		return v.Text, true
	}
	return "", false
}

// SortReleases orders versions oldest first; what is not a version goes
// first, by name.
func SortReleases(vs []string) {
	sort.SliceStable(vs, func(i, j int) bool {
		a, okA := ParseSemver(vs[i])
		b, okB := ParseSemver(vs[j])
		switch {
		case okA && okB:
			return a.Less(b)
		case okA != okB:
			return okB
		}
		return vs[i] < vs[j]
	})
}
