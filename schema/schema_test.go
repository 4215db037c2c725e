package schema

import (
	"encoding/json"
	"testing"
)

// TestDraftNeutral keeps the schema to keywords that mean the same in
// draft 2019-09 (what it declares and is compiled as) and 2020-12 (what
// editors may assume): no array form of items, no prefixItems, no
// recursive or dynamic references.
func TestDraftNeutral(t *testing.T) {
	var doc any
	if err := json.Unmarshal(JSON, &doc); err != nil {
		t.Fatal(err)
	}
	banned := map[string]bool{"prefixItems": true, "additionalItems": true, "$dynamicRef": true,
		"$dynamicAnchor": true, "$recursiveRef": true, "$recursiveAnchor": true}
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			for k, sub := range v {
				if banned[k] {
					t.Errorf("%s: %s means different things in 2019-09 and 2020-12", at, k)
				}
				if _, isList := sub.([]any); k == "items" && isList {
					t.Errorf("%s: items as a list means different things in 2019-09 and 2020-12", at)
				}
				walk(sub, at+"/"+k)
			}
		case []any:
			for _, it := range v {
				walk(it, at+"[]")
			}
		}
	}
	walk(doc, "#")
}
