package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/finding"
)

// TestGitLabVersion reads gitlab_version: as written, also when YAML
// reads it as a number (16.10 would otherwise be 16.1).
func TestGitLabVersion(t *testing.T) {
	tests := []struct {
		value, want string
		sev         finding.Severity
		msg         string
	}{
		{value: `"16.10"`, want: "16.10"},
		{value: `16.10`, want: "16.10"},
		{value: `v17.5.1`, want: "17.5"},
		{value: `17`, sev: finding.Error, msg: "is not a GitLab version"},
		{value: `"16.12"`, sev: finding.Error, msg: "there is no GitLab 16.12"},
		{value: `[16.10]`, sev: finding.Error, msg: "must be a GitLab release"},
		{value: `"42.1"`, want: "19.0", sev: finding.Info, msg: "newer than the newest release cilint knows"},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			if err := os.WriteFile(path, []byte("gitlab_version: "+tt.value+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			c, fs, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if c.GitLabVersion != nil {
				got = c.GitLabVersion.String()
			}
			if got != tt.want {
				t.Errorf("GitLabVersion = %q, want %q", got, tt.want)
			}
			if bad := c.VersionProblem != nil; bad != (tt.sev == finding.Error && tt.msg != "") {
				t.Errorf("VersionProblem = %v", c.VersionProblem)
			}
			if tt.msg == "" {
				if len(fs) > 0 {
					t.Errorf("unexpected findings %v", fs)
				}
				return
			}
			if len(fs) != 1 || fs[0].Severity != tt.sev || !strings.Contains(fs[0].Message, tt.msg) || fs[0].Pos.Line != 1 || fs[0].Pos.Col != 17 {
				t.Errorf("findings %v, want one %s at 1:17 saying %q", fs, tt.sev, tt.msg)
			}
		})
	}
}
