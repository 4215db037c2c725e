package main

import (
	"strings"

	"gitlab.com/trustci/cicd/linter/config"
	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/rules"
)

// badGitLabVersion finds an unusable gitlab_version: in .cilint.yml among
// a run's findings: like a bad --gitlab-version it is a usage error (exit
// 2), since linting against a release nobody meant would mislead.
func badGitLabVersion(fs []finding.Finding) (finding.Finding, bool) {
	for _, f := range fs {
		if f.Rule == rules.Config && f.Severity == finding.Error && strings.HasPrefix(f.Message, config.GitLabVersionKey+":") {
			return f, true
		}
	}
	return finding.Finding{}, false
}
