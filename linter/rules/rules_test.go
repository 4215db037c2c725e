package rules

import (
	"testing"

	"gitlab.com/trustci/cicd/linter/finding"
)

func TestNewTakesTheCatalogueSeverity(t *testing.T) {
	for _, r := range All() {
		if got := New(r.ID, finding.Pos{}, "m").Severity; got != r.Severity {
			t.Errorf("%s: New gives %s, the catalogue says %s", r.ID, got, r.Severity)
		}
		if got, ok := Lookup(r.ID); !ok || got != r {
			t.Errorf("Lookup(%q) = %v, %v", r.ID, got, ok)
		}
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("Lookup found a rule that does not exist")
	}
}

func TestSoften(t *testing.T) {
	pos := finding.Pos{File: "a.yml", Line: 1, Col: 1}
	for _, tc := range []struct {
		name     string
		rule     string
		to       finding.Severity
		want     finding.Severity
		softened string
	}{
		{"error to warning", NeedsUnknown, finding.Warning, finding.Warning, string(Unresolved)},
		{"error to info", NeedsUnknown, finding.Info, finding.Info, string(Unresolved)},
		{"the same severity is no softening", ImageTag, finding.Warning, finding.Warning, ""},
		{"raising is no softening", IncludeOffline, finding.Error, finding.Info, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := Soften(New(tc.rule, pos, "m"), tc.to, Unresolved)
			if f.Severity != tc.want || f.Softened != tc.softened {
				t.Errorf("got %s softened %q, want %s softened %q", f.Severity, f.Softened, tc.want, tc.softened)
			}
		})
	}
}
