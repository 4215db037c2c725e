package load

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/finding"
)

func TestResolvePlainLikePsych(t *testing.T) {
	tests := []struct {
		in   string
		kind Kind
		want any
	}{
		{"", Null, nil}, {"~", Null, nil}, {"null", Null, nil}, {"NULL", Null, nil},
		{"yes", Bool, true}, {"Yes", Bool, true}, {"ON", Bool, true}, {"true", Bool, true},
		{"no", Bool, false}, {"off", Bool, false}, {"False", Bool, false},
		{"y", String, "y"}, {"n", String, "n"}, {"nope", String, "nope"}, {"yes_or_no", String, "yes_or_no"},
		{"0", Int, int64(0)}, {"42", Int, int64(42)}, {"-7", Int, int64(-7)}, {"1_000", Int, int64(1000)},
		{"1,000", Int, int64(1000)}, {"0755", Int, int64(493)}, {"0x1F", Int, int64(31)}, {"0b101", Int, int64(5)},
		{"08", String, "08"}, {"1:30", Int, int64(5400)}, {"1:00:30", Int, int64(3630)},
		{"1001:1001", String, "1001:1001"},
		{"3.10", Float, 3.1}, {"1.", Float, 1.0}, {".5", Float, 0.5}, {"1.5e+3", Float, 1500.0},
		{"1e3", String, "1e3"}, {"1.2.3", String, "1.2.3"}, {".", String, "."},
		{".inf", Float, math.Inf(1)}, {"-.inf", Float, math.Inf(-1)},
		{":sym", String, ":sym"}, {"on_success", String, "on_success"}, {"$CI_COMMIT_SHA", String, "$CI_COMMIT_SHA"},
		{"echo hi", String, "echo hi"}, {"v1.2", String, "v1.2"}, {"3.11-slim", String, "3.11-slim"},
	}
	for _, tt := range tests {
		n := &Node{Text: tt.in}
		if r := resolvePlain(n); r != "" {
			t.Errorf("%q: refused as %s", tt.in, r)
			continue
		}
		if n.Kind != tt.kind {
			t.Errorf("%q: kind %s, want %s", tt.in, n.Kind, tt.kind)
			continue
		}
		var got any
		switch n.Kind {
		case Bool:
			got = n.Bool
		case Int:
			got = n.Int
		case Float:
			got = n.Float
		case String:
			got = n.Text
		}
		if got != tt.want {
			t.Errorf("%q: value %v, want %v", tt.in, got, tt.want)
		}
	}
	for _, in := range []string{"2024-01-31", "2024-01-31 10:00:00", "2024-01-31T10:00:00Z"} {
		if r := resolvePlain(&Node{Text: in}); r == "" {
			t.Errorf("%q: not refused; GitLab refuses dates and times", in)
		}
	}
}

func parse(t *testing.T, src string) (*File, []finding.Finding) {
	t.Helper()
	return Parse("ci.yml", []byte(src), DefaultLimits())
}

func TestMergeKeysFollowRubyHashOrder(t *testing.T) {
	f, fs := parse(t, `
.base: &base
  stage: test
  script: [base]
  tags: [a]
job:
  script: [before]
  <<: *base
  tags: [mine]
multi:
  <<: [{when: manual, stage: one}, {stage: two, retry: 1}]
quoted:
  "<<": *base
`)
	if len(fs) > 0 {
		t.Fatalf("findings: %v", fs)
	}
	job := f.Body.Get("job")
	if got := job.Get("script").Items[0].Text; got != "base" {
		t.Errorf("merge must overwrite keys written before it (Psych merge!): script = %q", got)
	}
	if got := job.Get("tags").Items[0].Text; got != "mine" {
		t.Errorf("keys after the merge win: tags = %q", got)
	}
	var names []string
	for _, p := range job.Pairs {
		names = append(names, p.Key.Name())
	}
	if strings.Join(names, ",") != "script,stage,tags" {
		t.Errorf("order = %v, want Ruby Hash insertion order script,stage,tags", names)
	}
	multi := f.Body.Get("multi")
	if multi.Get("stage").Text != "one" || multi.Get("retry").Int != 1 || multi.Get("when").Text != "manual" {
		t.Errorf("merge list: earlier mappings win; got stage=%q", multi.Get("stage").Text)
	}
	if f.Body.Get("quoted").Get("<<") != nil || f.Body.Get("quoted").Pair("<<") == nil {
		// A quoted "<<" is an ordinary key.
		if f.Body.Get("quoted").Pair("<<") == nil {
			t.Errorf("quoted << must stay an ordinary key")
		}
	}
}

func TestAliasesShareNodesAndKeepAnchorPositions(t *testing.T) {
	f, _ := parse(t, "a: &x [1, 2]\nb: *x\n")
	a, b := f.Body.Get("a"), f.Body.Get("b")
	if a != b {
		t.Fatal("alias must share the anchored node")
	}
	if a.Pos.Line != 1 || a.Pos.Col != 4 {
		t.Errorf("pos = %+v, want line 1 col 4", a.Pos)
	}
}

func TestFindings(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // "line:col rule" of each finding
	}{
		{"duplicate key", "a: 1\nb: 2\na: 3\n", []string{"3:1 yaml-duplicate-key"}},
		{"merge is not a duplicate", "x: &x {a: 1}\ny:\n  a: 2\n  <<: *x\n", nil},
		{"syntax", "job:\n  script: echo: hi\n", []string{"2:15 yaml-syntax"}},
		{"syntax after an apostrophe", "job:\n  script: it's: hi\n", []string{"2:15 yaml-syntax"}},
		{"tab", "job:\n\tscript: x\n", []string{"2:1 yaml-syntax"}},
		{"unclosed flow sequence", "a:\n  script: [x, y\nb:\n  script: z\n", []string{"2:11 yaml-syntax"}},
		{"unclosed flow mapping", "a:\n  variables: {A: 1\nb: 2\n", []string{"2:14 yaml-syntax"}},
		{"unclosed inner sequence", "a: [it's, [b, c]\n", []string{"1:4 yaml-syntax"}},
		{"bad dedent in a list", "build:\n  script:\n  - a\n - b\n", []string{"4:2 yaml-syntax"}},
		{"bad dedent in a mapping", "a:\n  b: 1\n c: 2\n", []string{"3:2 yaml-syntax"}},
		{"bad dedent after comments", "a:\n  script:\n    - a\n\n    # note\n   - b\n", []string{"6:4 yaml-syntax"}},
		{"unclosed quote", "a:\n  script: \"make\nb:\n  script: z\n", []string{"2:11 yaml-syntax"}},
		{"unclosed single quote", "a:\n  script: 'it''s\n", []string{"2:11 yaml-syntax"}},
		{"unknown anchor", "a: 1\nb: *nope\n", []string{"2:4 yaml-syntax"}},
		{"reference ok", "a: !reference [.x, script]\n", nil},
		{"reference empty", "a: !reference []\n", []string{"1:4 yaml-reference"}},
		{"reference scalar", "a: !reference .x\n", []string{"1:4 yaml-reference"}},
		{"reference nested", "a: !reference [.x, [y]]\n", []string{"1:20 yaml-reference"}},
		{"reference mapping", "a: !reference {x: 1}\n", []string{"1:4 yaml-reference"}},
		{"unknown tag", "a: !foo bar\n", []string{"1:4 yaml-tag"}},
		{"date", "released_at: 2024-01-31\n", []string{"1:14 yaml-type"}},
		{"bad int tag", "a: !!int abc\n", []string{"1:4 yaml-syntax"}},
		{"complex key", "? [a]\n: 1\n", []string{"1:3 yaml-syntax"}},
		{"too many documents", "spec: {}\n---\na: 1\n---\nb: 2\n", []string{"5:1 yaml-documents"}},
		{"second document ignored", "a: 1\n---\nb: 2\n", []string{"3:1 yaml-documents"}},
		{"binary", "a: 1\n\x00\x01", []string{"2:1 yaml-syntax"}},
		{"not utf-8", "a: \xff\n", []string{"1:4 yaml-syntax"}},
		{"recursive alias", "a: &a [*a]\n", []string{"1:8 yaml-limit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, fs := parse(t, tt.src)
			var got []string
			for _, f := range fs {
				got = append(got, fmt.Sprintf("%d:%d %s", f.Pos.Line, f.Pos.Col, f.Rule))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %v, want %v", got, tt.want)
				for _, f := range fs {
					t.Logf("  %s", f.Message)
				}
			}
		})
	}
}

func TestHeaderSplit(t *testing.T) {
	f, fs := parse(t, "spec:\n  inputs:\n    stage: {default: test}\n---\njob:\n  script: x\n")
	if len(fs) > 0 {
		t.Fatal(fs)
	}
	if f.Header == nil || f.Header.Get("spec") == nil || f.Body.Get("job") == nil {
		t.Fatalf("header/body not split: %+v", f)
	}
	if f.Body.Get("job").Pos.Line != 6 {
		t.Errorf("body positions must be file lines, got %d", f.Body.Get("job").Pos.Line)
	}
}

// TestHostileInputIsBounded feeds what an attacker or a broken generator
// would: each must end quickly with a finding, never hang or crash.
func TestHostileInputIsBounded(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for i := 0; i < 12; i++ {
		name := fmt.Sprintf("l%d", i)
		bomb += fmt.Sprintf("%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n", name, name, prev, prev, prev, prev, prev, prev, prev, prev, prev, prev)
		prev = name
	}
	deepBlock := strings.Repeat("- ", 10000) + "x\n"
	deepMap := strings.Repeat("{k: ", 10000) + "x" + strings.Repeat("}", 10000)
	big := "job:\n  script:\n" + strings.Repeat("    - echo 0123456789012345678901234567890123456789\n", 1_200_000)
	tests := []struct {
		name, src, rule, says string
	}{
		{"alias bomb", bomb, "yaml-limit", "aliases expand"},
		{"deep flow nesting", strings.Repeat("[", 10000) + strings.Repeat("]", 10000), "yaml-limit", "nested more than 150"},
		{"deep block nesting", deepBlock, "yaml-limit", "nested more than 150"},
		{"deep mapping nesting", deepMap, "yaml-limit", "nested more than 150"},
		{"alias nests deeper", "a: &a " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\nb: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[*a]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n", "yaml-limit", "once aliases are expanded"},
		{"50 MB file", big, "yaml-limit", "larger than"},
		{"garbage", string([]byte{0x89, 'P', 'N', 'G', 0, 0, 0x1a, 0xff}), "yaml-syntax", "binary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Bounded work, measured as memory allocated rather than time,
			// which a busy machine cannot make fail: a few MiB when the
			// bound holds, gigabytes when it does not.
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, fs := parse(t, tt.src)
			runtime.ReadMemStats(&after)
			if got := after.TotalAlloc - before.TotalAlloc; got > 128<<20 {
				t.Errorf("allocated %d MiB, want a bounded load", got>>20)
			}
			if len(fs) == 0 || fs[0].Rule != tt.rule || !strings.Contains(fs[0].Message, tt.says) {
				t.Fatalf("findings %v, want a %s finding saying %q", fs, tt.rule, tt.says)
			}
		})
	}
}

// TestReadStopsAtTheLimit checks a huge file is refused after reading just
// past the limit, not loaded whole.
func TestReadStopsAtTheLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yml")
	if err := os.WriteFile(path, bytes.Repeat([]byte("# padding line\n"), 50<<20/15), 0o600); err != nil {
		t.Fatal(err)
	}
	f, fs, err := Read(path, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(f.Source)) > DefaultLimits().MaxBytes+1 {
		t.Errorf("read %d bytes, want at most the limit plus one", len(f.Source))
	}
	if len(fs) != 1 || fs[0].Rule != "yaml-limit" {
		t.Errorf("findings %v", fs)
	}
	if _, _, err := Read(filepath.Join(t.TempDir(), "missing.yml"), DefaultLimits()); err == nil {
		t.Error("a missing file must be an error")
	}
}
