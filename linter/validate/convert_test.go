package validate

import (
	"encoding/json"
	"testing"

	"gitlab.com/trustci/cicd/linter/load"
)

// TestToJSONNulls pins which nulls the schema sees: GitLab treats a key
// written without a value as not given, except where toJSON says otherwise.
func TestToJSONNulls(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"global keyword", "image:\nbuild: {script: x}\n", `{"build":{"script":"x"}}`},
		{"job without a value", "build:\n", `{"build":null}`},
		{"job keywords", "build: {script: x, artifacts: null, needs: ~}\n", `{"build":{"script":"x"}}`},
		{"nested", "build: {script: x, cache: {key: null, paths: [a]}}\n", `{"build":{"cache":{"paths":["a"]},"script":"x"}}`},
		{"script", "build: {script: null}\n", `{"build":{"script":null}}`},
		{"trigger", "build: {trigger: null}\n", `{"build":{"trigger":null}}`},
		{"trigger keys", "build: {trigger: {project: a/b, branch: null}}\n", `{"build":{"trigger":{"project":"a/b"}}}`},
		{"matrix", "build: {script: x, parallel: {matrix: [{A: null}]}}\n", `{"build":{"parallel":{"matrix":[{"A":null}]},"script":"x"}}`},
		{"id token", "build: {script: x, id_tokens: {T: null, U: {aud: a, x: null}}}\n", `{"build":{"id_tokens":{"T":null,"U":{"aud":"a"}},"script":"x"}}`},
		{"exists paths", "b: {script: x, rules: [{exists: {paths: null, project: null}}]}\n", `{"b":{"rules":[{"exists":{"paths":[]}}],"script":"x"}}`},
		{"list items stay", "stages: [a, null]\n", `{"stages":["a",null]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file, _ := load.Parse("t.yml", []byte(tt.src), load.DefaultLimits())
			got, err := json.Marshal(toJSON(file.Body, map[*load.Node]any{}))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
