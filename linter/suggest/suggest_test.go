package suggest

import "testing"

func TestClosest(t *testing.T) {
	keys := []string{"script", "stage", "stages", "artifacts", "variables", "before_script", "when"}
	tests := []struct{ name, want string }{
		{"scripts", "script"},
		{"sript", "script"},
		{"stgae", "stage"},
		{"artifact", "artifacts"},
		{"variable", "variables"},
		{"befor_script", "before_script"},
		{"wehn", "when"},
		{"script", ""}, // an exact match is not a suggestion
		{"xyz", ""},
		{"deploy", ""},
	}
	for _, tt := range tests {
		if got := Closest(tt.name, keys); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
