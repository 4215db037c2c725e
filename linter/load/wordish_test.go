package load

import "testing"

// The fast path must agree with the pattern it skips, for every first byte.
func TestWordishStartAgreesWithPattern(t *testing.T) {
	for b := 0; b < 256; b++ {
		for _, rest := range []string{"", "x", "1", ".5", ":a"} {
			s := string([]byte{byte(b)}) + rest
			if wordishStart(byte(b)) && !psychWordish().MatchString(s) {
				t.Errorf("%q: fast path says wordish, the pattern does not", s)
			}
		}
	}
}
