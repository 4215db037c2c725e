package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"gitlab.com/trustci/cicd/linter/finding"
)

func TestCodeQualityFingerprintsAreUnique(t *testing.T) {
	same := finding.Finding{Pos: finding.Pos{File: "ci.yml", Line: 2, Col: 3}, Severity: finding.Error, Rule: "schema", Message: "m"}
	other := same
	other.Pos.Line = 3 // the same text on another line: the same identity
	fs := []finding.Finding{same, same, same, other}
	src := Sources{"ci.yml": []byte("a:\n  x\n  x\n")}
	var a, b bytes.Buffer
	if err := CodeQuality(&a, fs, src); err != nil {
		t.Fatal(err)
	}
	CodeQuality(&b, fs, src)
	if a.String() != b.String() {
		t.Error("not stable")
	}
	var issues []struct{ Fingerprint string }
	json.Unmarshal(a.Bytes(), &issues)
	seen := map[string]bool{}
	for _, is := range issues {
		if seen[is.Fingerprint] {
			t.Errorf("fingerprint %s repeats in %s", is.Fingerprint, a.String())
		}
		seen[is.Fingerprint] = true
	}
	if len(issues) != 4 {
		t.Errorf("%d issues", len(issues))
	}
}
