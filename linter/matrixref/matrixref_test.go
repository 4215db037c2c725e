package matrixref

import "testing"

func TestIn(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"$[[ matrix.PROVIDER ]]", true},
		{"build-$[[matrix.os]]-x", true},
		{"$[[ inputs.stage ]]", false},
		{"$[[ matrix.a.b ]]", false}, // one name only
		{"$[[ matrix. ]]", false},
		{"matrix.os", false},
	} {
		if got := In(tt.s); got != tt.want {
			t.Errorf("In(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
	if !Block(" matrix.os ") || Block("inputs.x") {
		t.Error("Block")
	}
}

func TestReplace(t *testing.T) {
	got := Replace("$[[ matrix.os ]]/$[[ matrix.nope ]]", func(name string) (string, bool) {
		if name == "os" {
			return "linux", true
		}
		return "", false
	})
	if want := "linux/$[[ matrix.nope ]]"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
