package chart_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/tests/chart/internal/release"
	"gitlab.com/trustci/cicd/tests/internal/runner"
)

// kubeconfig writes a kubeconfig whose only cluster listens nowhere
// (port 9 on loopback, discard, refused), so the real helm parses its
// arguments and then fails to reach the cluster.
func kubeconfig(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := `apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: none, user: {token: not-a-token}}]
contexts: [{name: none, context: {cluster: none, user: none}}]
current-context: none
`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRollbackCallsParseWithTheRealHelm runs each deploy component's
// rollback job of the example with the fakes (which record its helm
// calls exactly), then each recorded call with the real helm of go.mod
// against a cluster that is not there: Helm must get as far as the
// cluster, so every flag and argument is one it accepts (a cluster to
// roll back in cannot run here).
func TestRollbackCallsParseWithTheRealHelm(t *testing.T) {
	res := runner.RenderRepoFile(t, "examples/django/.gitlab-ci.yml")
	for _, tt := range []struct {
		job, revision string
		wantCalls     int
	}{
		{"deploy-staging-rollback", "", 3},
		{"deploy-production-rollback", "4", 3},
	} {
		t.Run(tt.job, func(t *testing.T) {
			env := ciEnv("", "http://127.0.0.1:9/api/v4")
			env["ROLLBACK_REVISION"] = tt.revision
			calls, _, err := release.Record(jobNode(t, res, tt.job), env, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if len(calls) != tt.wantCalls {
				t.Fatalf("want %d helm calls (history, rollback, history), got %q", tt.wantCalls, calls)
			}
			if calls[1][0] != "rollback" || (tt.revision != "" && calls[1][2] != tt.revision) {
				t.Errorf("second call %q is not a rollback to %q", calls[1], tt.revision)
			}
			for _, call := range calls {
				cmd := exec.Command(helmBin(t), call...)
				cmd.Env = append(helmEnv(t), "KUBECONFIG="+kubeconfig(t), "PATH="+os.Getenv("PATH"))
				out, err := cmd.CombinedOutput()
				if err == nil {
					t.Fatalf("helm %q succeeded without a cluster:\n%s", call, out)
				}
				if !strings.Contains(string(out), "127.0.0.1:9") {
					t.Errorf("helm %q failed before reaching the cluster (a flag or argument it does not take):\n%s", call, out)
				}
			}
		})
	}
}
