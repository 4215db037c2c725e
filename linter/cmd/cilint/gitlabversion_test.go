package main

import (
	"strings"
	"testing"
)

// TestGitLabVersionFlag: --gitlab-version picks the release linted for; a
// release that does not exist, or a version that cannot be read, is a
// usage error; a release newer than cilint knows is linted as the newest,
// said once.
func TestGitLabVersionFlag(t *testing.T) {
	badConfig := write(t, ".cilint.yml", "gitlab_version: 15.12\n")
	oldConfig := write(t, ".cilint.yml", "gitlab_version: \"16.10\"\n")
	file := write(t, "access.yml", "build:\n  script: make\n  artifacts:\n    access: developer\n    paths: [bin/]\n")
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		code       int
		out, error string
	}{
		{"default is the newest", []string{"lint", "--offline", "--oneline", file}, nil, 0, "", ""},
		{"introduced in 16.11", []string{"lint", "--offline", "--oneline", "--gitlab-version", "16.11", file}, nil, 0, "", ""},
		{"before it", []string{"lint", "--offline", "--oneline", "--gitlab-version", "16.10.3", file}, nil, 1,
			"error: `artifacts:access` (who may download a job's artifacts) was introduced in GitLab 16.11, newer than the target GitLab 16.10 [gitlab-version]", ""},
		{"the instance of the CI job", []string{"lint", "--offline", "--oneline", file}, map[string]string{"CI_SERVER_VERSION": "16.10.1-ee"}, 1, "target GitLab 16.10", ""},
		{"the flag wins over CI_SERVER_VERSION", []string{"lint", "--offline", "--oneline", "--gitlab-version", "17.0", file}, map[string]string{"CI_SERVER_VERSION": "16.10.1-ee"}, 0, "", ""},
		{"no such release", []string{"lint", "--offline", "--gitlab-version", "16.12", file}, nil, 2, "", "--gitlab-version: there is no GitLab 16.12: the 16.x releases ended with 16.11"},
		{"not a version", []string{"lint", "--offline", "--gitlab-version", "latest", file}, nil, 2, "", `"latest" is not a GitLab version`},
		{"too old", []string{"lint", "--offline", "--gitlab-version", "12.0", file}, nil, 2, "", "older than the oldest release"},
		{"newer than known", []string{"lint", "--offline", "--gitlab-version", "99.1", file}, nil, 0, "", "info: GitLab 99.1 is newer than the newest release cilint knows"},
		{"version names the newest", []string{"version"}, nil, 0, "lints for GitLab up to 19.0", ""},
		{"no such release in .cilint.yml", []string{"lint", "--offline", "--config", badConfig, file}, nil, 2, "", "gitlab_version: there is no GitLab 15.12"},
		{"a release in .cilint.yml", []string{"lint", "--offline", "--oneline", "--config", oldConfig, file}, nil, 1, "target GitLab 16.10", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(tt.args, tt.env)
			if code != tt.code || !strings.Contains(out, tt.out) || !strings.Contains(errOut, tt.error) || (tt.out == "" && out != "") {
				t.Errorf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant stdout with %q, stderr with %q", code, tt.code, out, errOut, tt.out, tt.error)
			}
		})
	}
}
