package lazyre

import "testing"

func TestNew(t *testing.T) {
	tests := []struct {
		src, in string
		want    bool
	}{
		{`^v?\d+(\.\d+)?$`, "v1.2", true},
		{`^v?\d+(\.\d+)?$`, "1.2.3", false},
		{`^[0-9a-f]{7,40}$`, "abcdef0", true},
	}
	for _, tt := range tests {
		re := New(tt.src)
		if first, again := re(), re(); first != again {
			t.Errorf("%s: compiled twice", tt.src)
		}
		if got := re().MatchString(tt.in); got != tt.want {
			t.Errorf("%s on %q = %v, want %v", tt.src, tt.in, got, tt.want)
		}
	}
}

func TestNewPanicsOnBadExpression(t *testing.T) {
	re := New(`(`) // compiling is deferred: no panic yet
	defer func() {
		if recover() == nil {
			t.Error("no panic for an invalid expression")
		}
	}()
	re()
}
