package gitlabversion

import (
	"fmt"
	"strings"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/rules"
)

// Check reports each use of a feature newer than target: an error naming
// the release that introduced it, or a warning when an older GitLab may
// still accept the use (Feature.Unsure).
func Check(target Version, uses []Use) []finding.Finding {
	var out []finding.Finding
	for _, u := range uses {
		f := u.Feature
		if !target.Less(f.Since) {
			continue
		}
		msg := fmt.Sprintf("%s (%s) was introduced in GitLab %s, newer than the target GitLab %s", quoteName(f.Name), f.What, f.Since, target)
		if f.Unsure == "" {
			out = append(out, rules.New(rules.GitLabVersion, u.Pos, msg))
			continue
		}
		msg += fmt.Sprintf("; it works on GitLab %s only if %s", target, f.Unsure)
		out = append(out, rules.Soften(rules.New(rules.GitLabVersion, u.Pos, msg), finding.Warning, rules.Unconfirmed))
	}
	return out
}

// quoteName puts a keyword name in backticks; names that are phrases
// ("parallel above 50") keep their words plain.
func quoteName(name string) string {
	switch {
	case strings.Contains(name, "`"):
		return name
	case strings.Contains(name, " / "):
		parts := strings.Split(name, " / ")
		for i, p := range parts {
			parts[i] = "`" + p + "`"
		}
		return strings.Join(parts, " or ")
	case strings.Contains(name, " "):
		return name
	}
	return "`" + name + "`"
}
