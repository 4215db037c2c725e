package lint

import (
	"fmt"
	"testing"

	"gitlab.com/trustci/cicd/linter/config"
	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/rules"
)

// severityProblems lists the findings of res whose severity is neither
// their rule's (from the catalogue, or from the .cilint.yml the run
// applied) nor lowered through rules.Soften, which names why. The golden
// and real-world tests run it on everything they lint.
func severityProblems(res *Result) []string {
	var out []string
	for _, f := range res.Findings {
		r, ok := rules.Lookup(f.Rule)
		if !ok {
			out = append(out, fmt.Sprintf("%v: rule %q is not in the catalogue", f.Pos, f.Rule))
			continue
		}
		if res.settings != nil && f.Rule != rules.Config {
			if s, ok := res.settings.Severity[f.Rule]; ok && f.Severity == s {
				continue // .cilint.yml's severity for the rule
			}
		}
		if rules.Departs(f) {
			out = append(out, fmt.Sprintf("%v: %s finding of %s (catalogue: %s) not marked softened: %s", f.Pos, f.Severity, f.Rule, r.Severity, f.Message))
		}
	}
	return out
}

func checkSeverities(t *testing.T, res *Result) {
	t.Helper()
	for _, p := range severityProblems(res) {
		t.Error(p)
	}
}

// TestSeverityProblems shows that the check run on every golden file
// catches a severity set by hand, and lets through the catalogue's, a
// .cilint.yml override and a named softening.
func TestSeverityProblems(t *testing.T) {
	pos := finding.Pos{File: "a.yml", Line: 1, Col: 1}
	byHand := rules.New(rules.NeedsUnknown, pos, "m")
	byHand.Severity = finding.Warning
	raised := rules.New(rules.IncludeOffline, pos, "m")
	raised.Severity = finding.Warning
	raised.Softened = string(rules.Unconfirmed)
	cfg := &config.Config{Severity: map[string]finding.Severity{rules.ImageTag: finding.Error}}
	for _, tc := range []struct {
		name string
		f    finding.Finding
		cfg  *config.Config
		bad  bool
	}{
		{"catalogue", rules.New(rules.NeedsUnknown, pos, "m"), nil, false},
		{"softened", rules.Soften(rules.New(rules.NeedsUnknown, pos, "m"), finding.Warning, rules.Unresolved), nil, false},
		{"by hand", byHand, nil, true},
		{"raised and marked", raised, nil, true},
		{"unknown rule", finding.Finding{Pos: pos, Rule: "nope"}, nil, true},
		{".cilint.yml override", func() finding.Finding { f := rules.New(rules.ImageTag, pos, "m"); f.Severity = finding.Error; return f }(), cfg, false},
		{"override of another rule", byHand, cfg, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := severityProblems(&Result{Findings: []finding.Finding{tc.f}, settings: tc.cfg})
			if bad := len(got) > 0; bad != tc.bad {
				t.Errorf("problems %q, want some: %v", got, tc.bad)
			}
		})
	}
}
