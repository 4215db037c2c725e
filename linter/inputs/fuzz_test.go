package inputs

import (
	"testing"

	"gitlab.com/trustci/cicd/linter/load"
)

// FuzzInterpolate interpolates an arbitrary string, as a whole value and
// inside text, against inputs of every type: `$[[ ]]` blocks with any
// functions and arguments (huge, negative, malformed) must give findings,
// never a panic, and keep positions in the file.
func FuzzInterpolate(f *testing.F) {
	for _, s := range []string{
		"$[[ inputs.s ]]", "x $[[ inputs.s | truncate(0, 3) ]] y", "$[[ inputs.s | truncate(99999999999999999999, 1) ]]",
		"$[[ inputs.s | truncate(-1, 2) ]]", "$[[ inputs.s | expand_vars | posix_escape ]]", "$[[ inputs.n ]]",
		"$[[ inputs.a ]]", "$[[ inputs.b ]] $[[ inputs.missing ]]", "$[[ inputs.s | nope ]]", "$[[ component.name ]]",
		"$[[ inputs.s | truncate(1,2) | truncate(0,1) | truncate(0,1) | truncate(0,1) ]]", "$[[", "$[[ ]]", "$[[ inputs. ]]",
		"$[[ inputs.s | truncate(1,) ]]", "$[[ inputs.a[0] ]]", "$[[ matrix.X ]]",
	} {
		f.Add(s)
	}
	header := "spec:\n  inputs:\n    s: {default: hello world}\n    n: {type: number, default: 3}\n    b: {type: boolean, default: true}\n    a: {type: array, default: [x, y]}\n"
	file, fs := load.Parse("t.yml", []byte(header+"---\njob: {script: x}\n"), load.DefaultLimits())
	if len(fs) > 0 {
		f.Fatal(fs)
	}
	spec, fs := ParseSpec(file.Header)
	if len(fs) > 0 {
		f.Fatal(fs)
	}
	vals, _ := Resolve(spec, &load.Node{Kind: load.Map}, file.Body.Pos, "t.yml")
	f.Fuzz(func(t *testing.T, s string) {
		pos := file.Body.Pos
		str := &load.Node{Kind: load.String, Text: s, Pos: pos}
		body := &load.Node{Kind: load.Map, Pos: pos, Pairs: []load.Pair{
			{Key: &load.Node{Kind: load.String, Text: "whole", Pos: pos}, Value: str},
			{Key: &load.Node{Kind: load.String, Text: "inside", Pos: pos}, Value: &load.Node{Kind: load.String, Text: "a " + s + " b", Pos: pos}},
		}}
		name := "c"
		res := Interpolate(body, Context{Spec: spec, Values: vals, Component: map[string]*string{"name": &name}})
		for _, fd := range res.Findings {
			if fd.Pos.Line < 1 || fd.Message == "" {
				t.Fatalf("bad finding %+v", fd)
			}
		}
	})
}
