package validate

import (
	"encoding/json"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/load"
)

// TestCompileRefuses keeps the compiler to what it implements: a schema
// edit that uses anything else fails here (and in New), instead of being
// ignored at run time.
func TestCompileRefuses(t *testing.T) {
	tests := []struct {
		name, schema, want string // want: part of the error; "" for none
	}{
		{"implemented", `{"type": "object", "properties": {"a": {"$ref": "#/$defs/a"}}, "$defs": {"a": {"enum": ["x", null]}}}`, ""},
		{"unknown keyword", `{"properties": {"a": {"unevaluatedProperties": false}}}`, `#/properties/a: keyword "unevaluatedProperties" is not implemented`},
		{"oneOf", `{"oneOf": [true, false]}`, `keyword "oneOf" is not implemented`},
		{"format", `{"format": "uri"}`, `keyword "format" is not implemented`},
		{"tuple items", `{"items": [true]}`, "items as a list"},
		{"remote ref", `{"$ref": "https://example.com/s.json"}`, "only references into the schema itself"},
		{"anchor ref", `{"$ref": "#a"}`, "anchors are not implemented"},
		{"dangling ref", `{"$ref": "#/$defs/none"}`, "points at nothing"},
		{"object enum", `{"enum": [{"a": 1}]}`, "only string, number, boolean and null enum values"},
		{"then without if", `{"then": true}`, "then/else without if"},
		{"bad pattern", `{"pattern": "("}`, "pattern"},
		{"in-place cycle", `{"$defs": {"a": {"allOf": [{"$ref": "#/$defs/b"}]}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}`, "applies itself to the same value without end"},
		{"recursion through a value", `{"$defs": {"a": {"items": {"$ref": "#/$defs/a"}}}, "$ref": "#/$defs/a"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc any
			if err := json.Unmarshal([]byte(tt.schema), &doc); err != nil {
				t.Fatal(err)
			}
			root, err := compileSchema(doc)
			if err == nil {
				err = checkInPlaceCycles(root)
			}
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestSchemaNoInPlaceCycle guards what New does not check: a schema
// that applies itself to the same value without end would recurse for
// ever.
func TestSchemaNoInPlaceCycle(t *testing.T) {
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if err := checkInPlaceCycles(v.root); err != nil {
		t.Fatal(err)
	}
}

// TestValidNoAllocations pins that a valid document is validated without
// allocating: failures are built only for an invalid one.
func TestValidNoAllocations(t *testing.T) {
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	src := "stages: [build, test]\nvariables: {A: a, B: {value: b, description: x}}\n" +
		"build:\n  stage: build\n  image: {name: python:3.12, entrypoint: ['']}\n  script: [make, 'echo $A']\n" +
		"  rules: [{if: '$CI_COMMIT_BRANCH', when: on_success}, {when: never}]\n" +
		"  cache: {key: {files: [a.lock]}, paths: [.cache/], when: always}\n" +
		"  artifacts: {paths: [dist/], expire_in: 1 week, reports: {junit: report.xml}}\n" +
		"  needs: [{job: prep, artifacts: false}]\n  retry: {max: 2, when: [script_failure]}\n"
	file, _ := load.Parse("t.yml", []byte(src), load.DefaultLimits())
	if top := v.check(file.Body); top != nil {
		t.Fatalf("the document is not valid: %s", treeText(top))
	}
	if n := testing.AllocsPerRun(100, func() { v.check(file.Body) }); n != 0 {
		t.Errorf("validating a valid document allocates %v times", n)
	}
}
