package duration

import (
	"errors"
	"strings"
	"testing"
)

// The accepted cases are the exemplars of gitlab_chronic_duration 0.12's
// spec (spec/lib/chronic_duration_spec.rb, ".parse" exemplars), plus what
// GitLab's own spec checks through Gitlab::Ci::Build::DurationParser
// (spec/lib/gitlab/ci/build/duration_parser_spec.rb: "never", "1 day").
func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want float64
	}{
		{"1:20", 80},
		{"1:20.51", 80.51},
		{"4:01:01", 4*Hour + 60 + 1},
		{"3 mins 4 sec", 184},
		{"3 Mins 4 Sec", 184},
		{"2 hrs 20 min", 2*Hour + 20*Minute},
		{"2h20min", 2*Hour + 20*Minute},
		{"6 mos 1 day", 6*Month + Day},
		{"1 year 6 mos 1 day", Year + 6*Month + Day},
		{"2.5 hrs", 2.5 * Hour},
		{"47 yrs 6 mos and 4.5d", 47*Year + 6*Month + 4.5*Day},
		{"3 weeks and, 2 days", 3*Week + 2*Day},
		{"3 weeks, plus 2 days", 3*Week + 2*Day},
		{"3 weeks with 2 days", 3*Week + 2*Day},
		{"1 month", Month},
		{"18 months", 18 * Month},
		{"day", Day},
		{"minute 30s", 90},
		// A bare number is seconds; a number followed by another number
		// counts for nothing (its "unit" is not a unit).
		{"30", 30},
		{"1 30", 30},
		{"1 day", Day},
		{"1 week", Week},
		{"2 weeks", 2 * Week},
		{"1.5 hours", 1.5 * Hour},
		{"  10   MINUTES  ", 10 * Minute},
		{".5h", 0.5 * Hour},
		{"1:30\n", 90}, // a block scalar's newline; Ruby's $ matches before it
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	tests := []struct {
		in   string
		word string
	}{
		{"gobblygoo", "gobblygoo"},
		{"23 gobblygoos", "gobblygoos"},
		{"0", ""}, // "cannot parse zero"
		{"0 days", ""},
		{"", ""},
		{"and", ""},
		{"1. day", "."},
		{"-5 minutes", "-"},
		{"1e3", "e"},
		{"1 fortnight", "fortnight"},
		{"1 day , 2 hours", ","},
		{"never", "never"}, // only DurationParser knows never
		{"1:2\n3:4:5:6:7:8", "1:2\n3:4:5:6:7:8"},
		{"1\u00a0day", "\u00a0day"}, // not a space to Ruby
		{"two hours", "two"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		var de *Error
		if !errors.As(err, &de) || de.Word != tt.word {
			t.Errorf("Parse(%q) error = %v; want a refusal of %q", tt.in, err, tt.word)
		}
	}
}

// Numbers written out are refused by 0.12, but were numbers to the
// versions before it (Numerizer): the error says so.
func TestMaybeNumber(t *testing.T) {
	tests := []struct {
		in    string
		maybe bool
	}{
		{"two hours", true},
		{"twenty-five minutes", true},
		{"an hour", true},
		{"half a day", true},
		{"2 hourz", false},
		{"forever", false},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		var de *Error
		if !errors.As(err, &de) || de.MaybeNumber != tt.maybe {
			t.Errorf("Parse(%q) error = %#v; want MaybeNumber %v", tt.in, err, tt.maybe)
		}
	}
}

func TestParseOrNever(t *testing.T) {
	tests := []struct {
		in    string
		never bool
		ok    bool
	}{
		{"never", true, true},
		{"NEVER", true, true},
		{"1 day", false, true},
		{"never ever", false, false},
		{"nope", false, false},
		// spec/lib/gitlab/ci/build/duration_parser_spec.rb@b595cb0c1dec83de5bdee18284abe86614bed33b:
		// "with never" (:9), "with never value camelized" (:15), "with a
		// duration" (:21, 1 Day and 30 seconds), "without a duration" (:38).
		{"Never", true, true},
		{"1 Day", false, true},
		{"30 seconds", false, true},
		{"something", false, false},
	}
	for _, tt := range tests {
		_, never, err := ParseOrNever(tt.in)
		if never != tt.never || (err == nil) != tt.ok {
			t.Errorf("ParseOrNever(%q) = %v, %v; want never=%v ok=%v", tt.in, never, err, tt.never, tt.ok)
		}
	}
}

func TestMaxTimeout(t *testing.T) {
	// ChronicDuration.output(1.month) in GitLab reads back as this.
	got, err := Parse("1 mo 10 hrs 29 mins 6 secs")
	if err != nil || got != MaxTimeout || MaxTimeout != 2629746 {
		t.Fatalf("Parse = %v, %v; MaxTimeout = %v", got, err, MaxTimeout)
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{Week + 2*Day, "9 days"}, {MaxTimeout, "30 days 10 hours 29 minutes 6 seconds"},
		{90, "1 minute 30 seconds"},
		{0, "0 seconds"},
		{1.5, "1.5 seconds"},
	}
	for _, tt := range tests {
		if got := Format(tt.in); got != tt.want {
			t.Errorf("Format(%v) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// Odd inputs must be answered, never panic.
func TestParseOddInputs(t *testing.T) {
	for _, in := range []string{"", ":", "1:", ":1", "1::2", "\n", "1:2:3:4:5:6", "1:2:3:4:5:6:7", "99999999999999999999999 years",
		"....", "1.2.3", "\x00", "ǅ day", "1:30\n2:30", strings.Repeat("1 ", 10000)} {
		if _, err := Parse(in); err != nil {
			var de *Error
			if !errors.As(err, &de) {
				t.Errorf("Parse(%q): unexpected error type %T", in, err)
			}
		}
	}
}
