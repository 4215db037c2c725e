package render_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"gitlab.com/trustci/cicd/linter/internal/corpus"
	"gitlab.com/trustci/cicd/linter/lint"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/render"
)

// TestRenderMatchesHandCheckedFile renders each project and compares with
// its expected.yml, worked out by hand from GitLab's rules:
//   - render: includes, an override of an included job, multi-level and
//     multi-parent extends, merge keys and !reference;
//   - render-components: one component included twice with different
//     inputs, number, boolean and array inputs as whole values, a chain of
//     functions (truncate, posix_escape) and $[[ component.* ]].
func TestRenderMatchesHandCheckedFile(t *testing.T) {
	for _, tt := range []struct {
		dir  string
		opts lint.Options
	}{
		{"render", lint.Options{}},
		{"render-components", lint.Options{ServerFQDN: "gitlab.example.com"}},
	} {
		t.Run(tt.dir, func(t *testing.T) { renderProject(t, tt.dir, tt.opts) })
	}
}

func renderProject(t *testing.T, dir string, opts lint.Options) {
	t.Chdir(corpus.Dir(dir))
	opts.Root = "."
	l, err := lint.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.File(".gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) > 0 {
		t.Fatalf("the render project must lint clean: %v", res.Findings)
	}
	var got bytes.Buffer
	if err := render.YAML(&got, res.Pipeline.Config); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("expected.yml")
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) {
		t.Errorf("render differs from expected.yml:\n%s", got.String())
	}

	// The rendered YAML reads back as the same configuration, and the JSON
	// form is valid JSON with the same top-level order.
	again, fs := load.Parse("again.yml", got.Bytes(), load.DefaultLimits())
	if len(fs) > 0 {
		t.Fatalf("rendered YAML does not load cleanly: %v", fs)
	}
	var again2 bytes.Buffer
	render.YAML(&again2, again.Body)
	if again2.String() != got.String() {
		t.Errorf("render is not stable across a round trip")
	}
	var js bytes.Buffer
	if err := render.JSON(&js, res.Pipeline.Config); err != nil {
		t.Fatal(err)
	}
	var decoded map[string]any
	if err := json.Unmarshal(js.Bytes(), &decoded); err != nil {
		t.Fatalf("render JSON is not JSON: %v", err)
	}
	if len(decoded) != len(res.Pipeline.Config.Pairs) {
		t.Errorf("JSON has %d keys, want %d", len(decoded), len(res.Pipeline.Config.Pairs))
	}
}

func TestQuotesWhatYAMLWouldRetype(t *testing.T) {
	src := "a: 'yes'\nb: '3.10'\nc: '2024-01-01'\nd: ''\ne: plain\nf: 'on'\ng: \"0755\"\n"
	f, _ := load.Parse("q.yml", []byte(src), load.DefaultLimits())
	var out bytes.Buffer
	render.YAML(&out, f.Body)
	want := "a: \"yes\"\nb: \"3.10\"\nc: \"2024-01-01\"\nd: \"\"\ne: plain\nf: \"on\"\ng: \"0755\"\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

// TestJSONScalarsAndOrder pins render.JSON's bytes (as the hand-written
// writer it replaced printed them): mapping order, Go's shortest floats,
// YAML's infinities and NaN as strings, encoding/json's escapes (HTML
// characters, U+2028, control characters), empty collections inline.
func TestJSONScalarsAndOrder(t *testing.T) {
	src := `a: 1.0e+8
b: .inf
c: -.inf
d: .nan
e: "<b>&amp;</b>\u2028\u0001 é"
f: []
g: {}
h: [1, 2.5, true, null, "x", 0x1F, 1_000, 0.000001, -0.0, 1e300]
i: {j: {k: [{l: 3.10}, [], {}], m: ~}}
1: 3
yes: no
`
	f, fs := load.Parse("edge.yml", []byte(src), load.DefaultLimits())
	if len(fs) > 0 {
		t.Fatal(fs)
	}
	var out bytes.Buffer
	if err := render.JSON(&out, f.Body); err != nil {
		t.Fatal(err)
	}
	want := `{
  "a": 1e+08,
  "b": ".inf",
  "c": "-.inf",
  "d": ".nan",
  "e": "\u003cb\u003e\u0026amp;\u003c/b\u003e\u2028\u0001 é",
  "f": [],
  "g": {},
  "h": [
    1,
    2.5,
    true,
    null,
    "x",
    31,
    1000,
    1e-06,
    -0,
    "1e300"
  ],
  "i": {
    "j": {
      "k": [
        {
          "l": 3.1
        },
        [],
        {}
      ],
      "m": null
    }
  },
  "1": 3,
  "true": false
}
`
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
	for _, tt := range []struct {
		n    *load.Node
		want string
	}{{nil, "null\n"}, {f.Body.Get("g"), "{}\n"}, {f.Body.Get("f"), "[]\n"}, {f.Body.Get("i").Get("j").Get("k").Items[0], "{\n  \"l\": 3.1\n}\n"}} {
		out.Reset()
		if err := render.JSON(&out, tt.n); err != nil || out.String() != tt.want {
			t.Errorf("got %q (%v), want %q", out.String(), err, tt.want)
		}
	}
}
