package component

import (
	"regexp"
	"strings"
	"testing"
)

// TestPlainMatchersAgreeWithRegexps pins isPartial and isSHA to the
// regexps they replace, on the edges of each.
func TestPlainMatchersAgreeWithRegexps(t *testing.T) {
	partial := regexp.MustCompile(`^v?\d+(\.\d+)?$`)
	sha := regexp.MustCompile(`^[0-9a-f]{7,40}$`)
	inputs := []string{
		"", "v", "vv1", "1", "v1", "12", "1.", "1.2", "v1.2", ".2", "1..2", "1.2.3", "v1.2.3",
		"1.2a", "a1", "V1", "1\n", "1.2\n", "\n1", " 1", "1 ", "１", "01.002", "1,2", "-1", "+1",
		"abcdef", "abcdef0", "ABCDEF0", "abcdefg", "0123456", strings.Repeat("a", 40), strings.Repeat("a", 41),
		strings.Repeat("0", 39) + "g", "abcdef0\n", "abc def0", "é123456",
	}
	for _, s := range inputs {
		if got, want := isPartial(s), partial.MatchString(s); got != want {
			t.Errorf("isPartial(%q) = %v, the regexp says %v", s, got, want)
		}
		if got, want := isSHA(s), sha.MatchString(s); got != want {
			t.Errorf("isSHA(%q) = %v, the regexp says %v", s, got, want)
		}
	}
}
