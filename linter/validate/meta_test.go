package validate

import "testing"

// TestSchemaMeetsMetaschema checks the embedded schema against its
// draft's metaschema, which New skips at every start.
func TestSchemaMeetsMetaschema(t *testing.T) {
	if _, err := compile(true); err != nil {
		t.Fatal(err)
	}
}
