package cataloglint

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/rules"
)

// TestComponentsLimitByVersion follows COMPONENTS_LIMIT in
// app/models/ci/catalog/components_project.rb: 10 until GitLab 16.8, 30
// from 16.9 (MR 143464, issue 436565). The count is checked against the
// target release, never a stricter one.
func TestComponentsLimitByVersion(t *testing.T) {
	tests := []struct {
		version    string
		components int
		want       string // "" when the catalog is within the limit
	}{
		{"16.8", 10, ""},
		{"16.8", 11, "the catalog has 11 components; GitLab 16.8 releases at most 10 per project"},
		{"15.0", 11, "the catalog has 11 components; GitLab 15.0 releases at most 10 per project"},
		{"16.9", 11, ""},
		{"16.9", 30, ""},
		{"16.9", 31, "the catalog has 31 components; GitLab 16.9 releases at most 30 per project"},
		{"", 30, ""},
		{"", 31, "the catalog has 31 components; GitLab 19.0 releases at most 30 per project"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.version, tt.components), func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("# c\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(filepath.Join(dir, "templates"), 0o755); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < tt.components; i++ {
				if err := os.WriteFile(filepath.Join(dir, "templates", fmt.Sprintf("c%d.yml", i)), []byte("job:\n  script: echo\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var got []string
			for _, f := range layout(dir, tt.components, target(tt.version)) {
				if f.Rule == rules.CatalogLimit {
					got = append(got, f.Message)
				}
			}
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("want no %s finding, got %q", rules.CatalogLimit, got)
			case tt.want != "" && (len(got) != 1 || !strings.HasPrefix(got[0], tt.want)):
				t.Errorf("want one %s finding starting %q, got %q", rules.CatalogLimit, tt.want, got)
			}
		})
	}
}
