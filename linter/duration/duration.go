// Package duration reads durations the way GitLab does: with the
// gitlab_chronic_duration gem (0.12, ChronicDuration), which GitLab runs
// with raise_exceptions on (config/initializers/chronic_duration.rb), and
// with Gitlab::Ci::Build::DurationParser on top for the keywords that also
// take `never` (artifacts:expire_in, pages:expire_in).
//
// ChronicDuration is lenient: it lowercases the text, reads `1:30` style
// clock times, splits numbers from words (`2h30m`), maps unit words and
// abbreviations, skips `and`, `with` and `plus`, and gives a number without
// a unit (or one followed by another number) the default unit, seconds,
// or nothing. Any other word is an error, and so is a total of zero.
package duration

import (
	"fmt"
	"strconv"
	"strings"

	"gitlab.com/trustci/cicd/linter/internal/lazyre"
)

// Seconds per unit, as ChronicDuration counts them with its defaults
// (24 hours a day, 30 days a month, so 7 days a week; a year is 365.25
// days).
const (
	Minute = 60
	Hour   = 3600
	Day    = 24 * Hour
	Week   = 7 * Day
	Month  = 30 * Day
	Year   = 31557600
)

// MaxTimeout is the longest job timeout GitLab takes: it compares with
// ChronicDuration.output(Project::MAX_BUILD_TIMEOUT), one ActiveSupport
// month, which reads back as "1 mo 10 hrs 29 mins 6 secs".
const MaxTimeout = Month + 10*Hour + 29*Minute + 6

// MaxStartIn is the longest start_in GitLab takes (`limit: '1 week'`).
const MaxStartIn = Week

var (
	// timeMatcher is ChronicDuration's clock form: 1:30, 4:01:01, 1:20.5.
	// Ruby's ^ and $ match at line ends, hence (?m).
	timeMatcher = lazyre.New(`(?m)^[0-9]+:[0-9]+(:[0-9]+){0,4}(\.[0-9]*)?$`)
	// floatMatcher is its number: digits with at most one dot.
	floatMatcher = lazyre.New(`[0-9]*\.?[0-9]+`)
)

// unitSeconds maps each canonical unit to seconds.
func unitSeconds(unit string) float64 {
	switch unit {
	case "seconds":
		return 1
	case "minutes":
		return Minute
	case "hours":
		return Hour
	case "days":
		return Day
	case "weeks":
		return Week
	case "months":
		return Month
	case "years":
		return Year
	}
	return 0
}

// mapping is ChronicDuration's word list: every spelling it knows, to its
// canonical unit.
func mapping(word string) (string, bool) {
	switch word {
	case "seconds", "second", "secs", "sec", "s":
		return "seconds", true
	case "minutes", "minute", "mins", "min", "m":
		return "minutes", true
	case "hours", "hour", "hrs", "hr", "h":
		return "hours", true
	case "days", "day", "dy", "d":
		return "days", true
	case "weeks", "week", "wks", "wk", "w":
		return "weeks", true
	case "months", "mo", "mos", "month":
		return "months", true
	case "years", "year", "yrs", "yr", "y":
		return "years", true
	}
	return "", false
}

func joinWord(w string) bool { return w == "and" || w == "with" || w == "plus" }

// numberWord reports whether w is (made of) a number Numerizer spells out.
func numberWord(w string) bool {
	for _, part := range strings.Split(w, "-") {
		switch part {
		case "a", "an", "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
			"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
			"twenty", "thirty", "forty", "fourty", "fifty", "sixty", "seventy", "eighty", "ninety",
			"hundred", "thousand", "million", "billion", "half", "halves", "quarter", "quarters",
			"third", "thirds", "fourth", "fourths":
			return true
		}
	}
	return false
}

// Error says why a text is not a duration.
type Error struct {
	// Word is the word ChronicDuration does not know, or "" when the text
	// adds up to zero (which it also refuses).
	Word string
	// MaybeNumber is true when Word is a number written out ("two",
	// "twenty-five", "half"): versions of the gem before 0.12 ran the text
	// through Numerizer first and read those as numbers, so whether GitLab
	// takes them depends on the gem it ships; a caller should not call
	// them wrong.
	MaybeNumber bool
}

func (e *Error) Error() string {
	if e.Word == "" {
		return "it adds up to no time at all"
	}
	return fmt.Sprintf("%q is not a unit of time", e.Word)
}

// Parse reads s as ChronicDuration.parse does and returns the number of
// seconds it stands for.
func Parse(s string) (float64, error) {
	res, ok := clock(strings.ToLower(s))
	if !ok {
		// More clock parts than units: GitLab fails on it (filter_by_type
		// returns nil), so it is no duration either.
		return 0, &Error{Word: s}
	}
	res = floatMatcher().ReplaceAllStringFunc(res, func(n string) string { return " " + n + " " })
	words, err := whiteList(fields(res))
	if err != nil {
		return 0, err
	}
	total := 0.0
	for k, w := range words {
		if !floatMatcher().MatchString(w) {
			continue
		}
		unit := "seconds"
		if k+1 < len(words) {
			unit = words[k+1]
		}
		total += number(w) * unitSeconds(unit)
	}
	if total == 0 {
		return 0, &Error{}
	}
	return total, nil
}

// ParseOrNever is Gitlab::Ci::Build::DurationParser: `never` (any case)
// means no expiry, everything else goes to ChronicDuration.
func ParseOrNever(s string) (seconds float64, never bool, err error) {
	if strings.EqualFold(s, "never") {
		return 0, true, nil
	}
	d, err := Parse(s)
	return d, false, err
}

// clock turns "3:41:59" into "3 hours 41 minutes 59 seconds" (weeks are
// skipped: the parts are seconds, minutes, hours, days, months, years).
func clock(s string) (string, bool) {
	compact := strings.ReplaceAll(s, " ", "")
	if !timeMatcher().MatchString(compact) {
		return s, true
	}
	units := []string{"seconds", "minutes", "hours", "days", "months", "years"}
	parts := strings.Split(compact, ":")
	if len(parts) > len(units) {
		return "", false
	}
	out := make([]string, 0, len(parts))
	for i := range parts {
		v := parts[len(parts)-1-i]
		out = append([]string{v + " " + units[i]}, out...)
	}
	return strings.Join(out, " "), true
}

// fields splits on ASCII whitespace only, as Ruby's String#split does.
func fields(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r'
	})
}

// whiteList keeps numbers, maps unit words, drops join words and refuses
// the rest; a text that starts with a unit gets a 1 in front ("day").
func whiteList(fields []string) ([]string, error) {
	var res []string
	for _, w := range fields {
		if floatMatcher().MatchString(w) {
			res = append(res, w)
			continue
		}
		stripped := strings.TrimPrefix(w, ",")
		stripped = strings.TrimSuffix(stripped, ",")
		if u, ok := mapping(stripped); ok {
			res = append(res, u)
		} else if !joinWord(stripped) {
			return nil, &Error{Word: w, MaybeNumber: numberWord(stripped)}
		}
	}
	if len(res) > 0 {
		if _, ok := mapping(res[0]); ok {
			res = append([]string{"1"}, res...)
		}
	}
	return res, nil
}

// number is Ruby's to_f/to_i of a matched number: a fraction stays a
// fraction, a whole number is whole.
func number(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0
	}
	return f
}

// Format writes seconds the way a person reads them: "9 days 2 hours".
func Format(seconds float64) string {
	if seconds != float64(int64(seconds)) {
		return strconv.FormatFloat(seconds, 'f', -1, 64) + " seconds"
	}
	n := int64(seconds)
	var parts []string
	for _, u := range []struct {
		name string
		secs int64
	}{{"day", Day}, {"hour", Hour}, {"minute", Minute}, {"second", 1}} {
		if n >= u.secs {
			k := n / u.secs
			n -= k * u.secs
			name := u.name
			if k != 1 {
				name += "s"
			}
			parts = append(parts, fmt.Sprintf("%d %s", k, name))
		}
	}
	if len(parts) == 0 {
		return "0 seconds"
	}
	return strings.Join(parts, " ")
}
