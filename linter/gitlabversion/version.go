// Package gitlabversion knows which GitLab release introduced each CI/CD
// keyword, value and syntax cilint checks (features.go, one table), and
// reports a pipeline's use of a feature newer than the GitLab it is linted
// for (check.go). docs/gitlab-versions.md is generated from the table.
package gitlabversion

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a GitLab release, major and minor: features arrive in
// monthly minor releases, never in patch releases.
type Version struct{ Major, Minor int }

func (v Version) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// Less reports whether v is an older release than w.
func (v Version) Less(w Version) bool {
	if v.Major != w.Major {
		return v.Major < w.Major
	}
	return v.Minor < w.Minor
}

// IsZero reports whether v is unset.
func (v Version) IsZero() bool { return v == Version{} }

// Previous is the release before v: 17.0 follows 16.11.
func (v Version) Previous() Version {
	if v.Minor > 0 {
		return Version{v.Major, v.Minor - 1}
	}
	last, ok := lastMinor(v.Major - 1)
	if !ok {
		return Version{v.Major - 1, 0}
	}
	return Version{v.Major - 1, last}
}

// Newest is the newest GitLab release whose feature set cilint knows (its
// documentation was read for the table): the default target.
func Newest() Version { return Version{19, 0} }

// Oldest is the oldest release cilint accepts as a target: the table
// starts with features of 15.x, so older targets would be checked against
// a feature set cilint does not know.
func Oldest() Version { return Version{15, 0} }

// lastMinor is the last minor release of a finished major: GitLab has
// shipped x.0 to x.11 since 15 (a release a month), fewer before.
func lastMinor(major int) (int, bool) {
	switch {
	case major == 14:
		return 10, true
	case major == 13:
		return 12, true
	case major >= 15 && major < Newest().Major:
		return 11, true
	}
	return 0, false
}

// Parse reads a GitLab version as users and GitLab write it: "17.5",
// "17.5.2", "v17.5", and the instance's own "17.5.0-ee" or
// "17.5.0-pre" (GET /api/v4/version).
func Parse(s string) (Version, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimPrefix(strings.TrimPrefix(t, "v"), "V")
	if i := strings.IndexAny(t, "-+ "); i >= 0 {
		t = t[:i]
	}
	parts := strings.Split(t, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, fmt.Errorf("%q is not a GitLab version; write MAJOR.MINOR, for example 17.5", s)
	}
	var nums [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 999 || (len(p) > 1 && p[0] == '0') {
			return Version{}, fmt.Errorf("%q is not a GitLab version; write MAJOR.MINOR, for example 17.5", s)
		}
		nums[i] = n
	}
	return Version{nums[0], nums[1]}, nil
}

// Target is the release to lint against, and a note when the asked
// version was newer than Newest (then Target is Newest).
type Target struct {
	Version Version
	Note    string
}

// Resolve checks that s names a GitLab release cilint can lint for. A
// release newer than Newest is linted as Newest, with a note saying so; a
// release that does not exist (16.12) or predates Oldest is an error.
func Resolve(s string) (Target, error) {
	v, err := Parse(s)
	if err != nil {
		return Target{}, err
	}
	if v.Less(Oldest()) {
		return Target{}, fmt.Errorf("GitLab %s is older than the oldest release cilint knows the features of (%s)", v, Oldest())
	}
	if last, ok := lastMinor(v.Major); ok && v.Minor > last {
		return Target{}, fmt.Errorf("there is no GitLab %s: the %d.x releases ended with %d.%d", v, v.Major, v.Major, last)
	}
	if Newest().Less(v) {
		return Target{Version: Newest(), Note: fmt.Sprintf("GitLab %s is newer than the newest release cilint knows (%s); linting against %s", v, Newest(), Newest())}, nil
	}
	return Target{Version: v}, nil
}
