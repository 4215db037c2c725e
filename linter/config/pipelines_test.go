package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPipelines reads pipelines: as paths from the settings file's
// folder; anything but a list of paths is a finding.
func TestPipelines(t *testing.T) {
	tests := []struct {
		value string
		want  []string // relative to the folder
		msg   string
	}{
		{value: "[.gitlab-ci.yml, ci/release.gitlab-ci.yml]", want: []string{".gitlab-ci.yml", "ci/release.gitlab-ci.yml"}},
		{value: "[]", want: []string{}},
		{value: ".gitlab-ci.yml", msg: "pipelines: must list the root pipeline files"},
		{value: "[.gitlab-ci.yml, {a: b}]", want: []string{".gitlab-ci.yml"}, msg: "each entry must be a file path"},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			if err := os.WriteFile(path, []byte("pipelines: "+tt.value+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			c, fs, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			if tt.want != nil {
				want = []string{}
				for _, w := range tt.want {
					want = append(want, filepath.Join(dir, filepath.FromSlash(w)))
				}
			}
			if !slices.Equal(c.Pipelines, want) || (want == nil) != (c.Pipelines == nil) {
				t.Errorf("pipelines %q, want %q", c.Pipelines, want)
			}
			switch {
			case tt.msg == "" && len(fs) > 0:
				t.Errorf("unexpected findings %v", fs)
			case tt.msg != "" && (len(fs) != 1 || !strings.Contains(fs[0].Message, tt.msg)):
				t.Errorf("findings %v, want one saying %q", fs, tt.msg)
			}
		})
	}
}
