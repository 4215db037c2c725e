package gitlabversion

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Version
		ok   bool
	}{
		{"17.5", Version{17, 5}, true},
		{"17.5.2", Version{17, 5}, true},
		{"v16.11", Version{16, 11}, true},
		{"17.5.0-ee", Version{17, 5}, true},
		{"18.1.0-pre", Version{18, 1}, true},
		{" 16.0 ", Version{16, 0}, true},
		{"17", Version{}, false},
		{"17.x", Version{}, false},
		{"", Version{}, false},
		{"1.2.3.4", Version{}, false},
		{"16.05", Version{}, false},
		{"-1.2", Version{}, false},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("Parse(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		in, want, note, err string
	}{
		{in: "16.11", want: "16.11"},
		{in: "15.0", want: "15.0"},
		{in: Newest().String(), want: Newest().String()},
		{in: "16.12", err: "there is no GitLab 16.12: the 16.x releases ended with 16.11"},
		{in: "14.10", err: "older than the oldest release"},
		{in: "20.3", want: Newest().String(), note: "GitLab 20.3 is newer than the newest release cilint knows"},
		{in: "nonsense", err: "is not a GitLab version"},
	}
	for _, tt := range tests {
		got, err := Resolve(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Resolve(%q) error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got.Version.String() != tt.want || !strings.Contains(got.Note, tt.note) || (tt.note == "") != (got.Note == "") {
			t.Errorf("Resolve(%q) = %+v, %v; want %s with note %q", tt.in, got, err, tt.want, tt.note)
		}
	}
}

func TestPrevious(t *testing.T) {
	for in, want := range map[Version]Version{{17, 0}: {16, 11}, {16, 0}: {15, 11}, {16, 3}: {16, 2}, {15, 0}: {14, 10}} {
		if got := in.Previous(); got != want {
			t.Errorf("%v.Previous() = %v, want %v", in, got, want)
		}
	}
}
