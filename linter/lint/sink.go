package lint

import (
	"gitlab.com/trustci/cicd/linter/config"
	"gitlab.com/trustci/cicd/linter/finding"
)

// Findings flow one way. Every stage (load, include, inputs, pipeline,
// validate, checks, the version check, the children and include:rules
// variants here, the --remote cross-check and the cilint jobs
// simulation) reports a rule, a position and a message through
// rules.New; the severity is the rule's, from the catalogue, unless the
// stage lowers it through rules.Soften, which names why. The findings
// leave lint through exit, once per run: Linter.File and Linter.Source
// for the lint itself, Result.Settle for what --remote and cilint jobs
// add afterwards under the same settings.

// exit applies .cilint.yml (rule severities, rules turned off, cilint
// comments; none when cfg is nil) to fs, then sorts them and drops
// repeats.
func exit(cfg *config.Config, fs []finding.Finding, sources map[string][]byte) []finding.Finding {
	if cfg != nil {
		fs = cfg.Apply(fs, sources)
	}
	finding.Sort(fs)
	return finding.Dedupe(fs)
}
