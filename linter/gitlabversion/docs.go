package gitlabversion

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Markdown renders the table as docs/gitlab-versions.md: a test keeps the
// file in step with Features.
func Markdown() string {
	var b strings.Builder
	b.WriteString("# GitLab versions\n\n")
	b.WriteString("<!-- Generated from linter/gitlabversion/features.go: run `go test ./linter/gitlabversion -update`. Do not edit. -->\n\n")
	fmt.Fprintf(&b, "`cilint lint` checks a pipeline against the feature set of one GitLab release: by default the newest\n"+
		"it knows, GitLab %s (`cilint version` prints it). Choose another with `--gitlab-version 17.5`, or\n"+
		"`gitlab_version: \"17.5\"` in `.cilint.yml`; without either, cilint reads `CI_SERVER_VERSION` in a CI job, or\n"+
		"asks the instance named by `--remote` or `--gitlab-url` (`GET /api/v4/version`). Releases from %s on are accepted; a\n"+
		"release newer than %s is linted as %s.\n\n", Newest(), Oldest(), Newest(), Newest())
	b.WriteString("Each use of a feature newer than the target is a `gitlab-version` error at the key or value that uses it.\n" +
		"**Since** is the first release that accepts the feature, also when only behind a feature flag, so that\n" +
		"cilint never refuses what a self-managed instance of that release may run.\n\n")
	b.WriteString("| Since | Feature | What it is | Where cilint looks | Notes | Source |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- |\n")
	table := Features()
	slices.SortStableFunc(table, func(a, c Feature) int {
		if a.Since != c.Since {
			if a.Since.Less(c.Since) {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.ID, c.ID)
	})
	for _, f := range table {
		where := make([]string, len(f.Where))
		for i, w := range f.Where {
			where[i] = "`" + w + "`"
		}
		notes := f.Note
		if f.Unsure != "" {
			notes = strings.TrimPrefix(notes+"; a warning, not an error: it also works if "+f.Unsure, "; ")
		}
		fmt.Fprintf(&b, "| %s | %s (`%s`) | %s | %s | %s | %s |\n", f.Since, cell(quoteName(f.Name)), f.ID, cell(f.What),
			cell(strings.Join(where, ", ")), cell(notes), cell(f.Source))
	}
	// Limits are not features: they are listed here so the table above
	// stays one row per keyword, and so a reader sees which limits follow
	// the target and which do not yet (TODO.md).
	b.WriteString("\n## Limits by version\n\n" +
		"| Limit | Before | From | Source | Followed by |\n" +
		"| --- | --- | --- | --- | --- |\n" +
		"| components per catalog project (`catalog-limit`) | 10 | 30 in 16.9 | app/models/ci/catalog/components_project.rb `COMPONENTS_LIMIT` (MR 143464, issue 436565) | `cilint catalog lint --gitlab-version` (then `CI_SERVER_VERSION`) |\n" +
		"| files included (`include-limit`) | 100 distinct files | 150 counting repeats: 15.9 behind feature flag ci_includes_count_duplicates (off), the `ci_max_includes` setting from 16.0 | lib/gitlab/ci/config/external/context.rb@71786dd `MAX_INCLUDES`, `NEW_MAX_INCLUDES`; config/feature_flags/development/ci_includes_count_duplicates.yml (milestone 15.9, MR 111726); MR 118392 | not yet: cilint counts repeats against 150 (or `--max-includes`) at every target |\n")
	return b.String()
}

// cell escapes what would end a Markdown table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
