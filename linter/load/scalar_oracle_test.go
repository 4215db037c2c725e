package load

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// resolvePlainRegexps is resolvePlain as it was before its fast path for
// scalars that start with a digit or a dot: every case by its expression,
// in Psych's order. It is the oracle the fast path is held to (the reading
// of a matched float or integer, resolveFloat and resolveInteger, is the
// same code as before, moved).
func resolvePlainRegexps(n *Node) refused {
	s := n.Text
	n.Kind = String
	switch {
	case s == "":
		n.Kind = Null
	case wordishStart(s[0]) || psychWordish().MatchString(s) || strings.Contains(s, "\n"):
		if len(s) > 5 {
			return ""
		}
		switch {
		case s == "~" || strings.EqualFold(s, "null"):
			n.Kind = Null
		case psychTrueWord().MatchString(s):
			n.Kind, n.Bool = Bool, true
		case psychFalseWord().MatchString(s):
			n.Kind, n.Bool = Bool, false
		}
	case psychTime().MatchString(s):
		return "time"
	case psychDate().MatchString(s):
		return "date"
	case psychInfinity().MatchString(s):
		n.Kind, n.Float = Float, math.Inf(1)
	case psychNegInf().MatchString(s):
		n.Kind, n.Float = Float, math.Inf(-1)
	case psychNaN().MatchString(s):
		n.Kind, n.Float = Float, math.NaN()
	case strings.HasPrefix(s, ":") && len(s) > 1:
	case psychSexInt().MatchString(s):
		n.Kind, n.Int = Int, int64(sexagesimal(s))
	case psychSexFloat().MatchString(s):
		n.Kind, n.Float = Float, sexagesimal(s)
	case psychFloat().MatchString(s):
		resolveFloat(n)
	case psychInteger().MatchString(s):
		resolveInteger(n)
	}
	return ""
}

// diffPlain says how resolvePlain and the oracle differ on s, or "".
func diffPlain(s string) string {
	got, want := &Node{Text: s}, &Node{Text: s}
	gr, wr := resolvePlain(got), resolvePlainRegexps(want)
	sameFloat := got.Float == want.Float || math.IsNaN(got.Float) && math.IsNaN(want.Float)
	if gr == wr && got.Kind == want.Kind && got.Bool == want.Bool && got.Int == want.Int && sameFloat {
		return ""
	}
	return fmt.Sprintf("%q: fast path %v %q (bool %v, int %d, float %v), expressions %v %q (bool %v, int %d, float %v)",
		s, got.Kind, gr, got.Bool, got.Int, got.Float, want.Kind, wr, want.Bool, want.Int, want.Float)
}

// generatedScalars are every string up to three bytes over the bytes the
// expressions care about (and a few they do not), every four-byte string
// over the digits, dot and separators, and named edge cases.
func generatedScalars() []string {
	out := []string{
		"1 week", "30 minutes", ".cache/pip", "2", "0", "00", "07", "08", "0789", "0755", "3.12", "3.10", "1.2.3",
		".", "..", "1.", ".5", "1.e5", "1.5e+3", "1e+10", "1.0e-3", "1,000", "1_000", "1__0", "1,,0", "1_", "_1",
		"0x1F", "0x", "0b101", "0b", "0o7", "-1", "+1", "-0", "+.5", "-.5", "1:30", "1:30.5", "1:60", "190:20:30",
		"1:2:3:4", "2024-01-01", "2024-1-1", "2024-13-01", "2024-01-01 10:00:00", "2024-01-01T10:00:00Z",
		"2024-01-01t10:00:00.5 +01:00", "2024-01-01 10:00:00 -5", ".inf", ".Inf", ".INF", "+.inf", "-.inf",
		".iNf", ".nan", ".NaN", ".NAN", ".nAn", "99999999999999999999", "9223372036854775807",
		"9223372036854775808", "0777777777777777777777777", "0x" + strings.Repeat("f", 20), "8080:80",
		"1.2\n3", "1\n", ".\n", "12 ", " 12", "1\t2", "1é", ".é", "1/2", "v1", "1.2.3-rc.1", "3.12-slim",
		"1e5", "1E5", "1.5E-3", "0.0.0.0", "127.0.0.1", "1.5h", "10m", "1_000.5", "1,000.5", ".1.", "0.",
	}
	alpha := "01789.-+_,:eExbafinNT Z/w\t"
	var gen func(prefix string, n int)
	gen = func(prefix string, n int) {
		if prefix != "" {
			out = append(out, prefix)
		}
		if n == 0 {
			return
		}
		for i := 0; i < len(alpha); i++ {
			gen(prefix+alpha[i:i+1], n-1)
		}
	}
	gen("", 3)
	small := "019.-:_,e+"
	for _, a := range small {
		for _, b := range small {
			for _, c := range small {
				for _, d := range small {
					out = append(out, string([]rune{a, b, c, d}))
				}
			}
		}
	}
	return out
}

// fileScalars are the plain scalars (keys and values) of every YAML file
// under dir, yaml.v3's reading of them; files it cannot read are skipped.
func fileScalars(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && n.Style == 0 {
			out = append(out, n.Value)
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dec := yaml.NewDecoder(strings.NewReader(string(src)))
		for {
			var doc yaml.Node
			if dec.Decode(&doc) != nil {
				break
			}
			walk(&doc)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestResolvePlainFastPath holds resolvePlain to the expressions alone on
// a generated table and on every plain scalar of the test pipelines and
// (when present beside the repository) the real-world corpus.
func TestResolvePlainFastPath(t *testing.T) {
	sets := []struct {
		name    string
		scalars []string
	}{
		{"generated", generatedScalars()},
		{"testdata", fileScalars(t, filepath.Join("..", "testdata"))},
	}
	if dir := filepath.Join("..", "..", "..", "shared", "corpus", "realworld"); dirExists(dir) {
		sets = append(sets, struct {
			name    string
			scalars []string
		}{"realworld", fileScalars(t, dir)})
	}
	for _, set := range sets {
		t.Run(set.name, func(t *testing.T) {
			if len(set.scalars) == 0 {
				t.Fatal("no scalars")
			}
			for _, s := range set.scalars {
				if d := diffPlain(s); d != "" {
					t.Error(d)
				}
			}
			t.Logf("%d scalars", len(set.scalars))
		})
	}
}

func dirExists(dir string) bool {
	st, err := os.Stat(dir)
	return err == nil && st.IsDir()
}

// FuzzResolvePlain compares resolvePlain with the expressions alone on
// arbitrary scalars.
func FuzzResolvePlain(f *testing.F) {
	for _, s := range generatedScalars()[:120] {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d := diffPlain(s); d != "" {
			t.Fatal(d)
		}
	})
}
