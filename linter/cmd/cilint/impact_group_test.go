package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/impact"
	"gitlab.com/trustci/cicd/linter/internal/fakegitlab"
)

// TestImpactGroupCommand runs `cilint impact --group` against the fake
// instance: the token comes from GITLAB_TOKEN, the catalog's releases from
// the instance (the new folder is not in git), and the one project that
// sets the renamed input fails the run.
func TestImpactGroupCommand(t *testing.T) {
	const token = "glpat-impact"
	f := fakegitlab.New(t, token)
	host := strings.TrimPrefix(f.URL, "http://")
	old := "spec:\n  inputs:\n    image_tag:\n      default: latest\n---\nbuild:\n  script: echo $[[ inputs.image_tag ]]\n"
	renamed := "spec:\n  inputs:\n    tag:\n      default: latest\n---\nbuild:\n  script: echo $[[ inputs.tag ]]\n"
	const rel = "1111111111111111111111111111111111111111"
	f.Projects["acme/components"] = &fakegitlab.FakeProject{Private: true, Tags: map[string]string{"1.0.0": rel},
		Files: map[string]map[string]string{rel: {"templates/build.yml": old}}}
	var paths []string
	for i, inputs := range []string{"    inputs:\n      image_tag: v2\n", "", ""} {
		p := fmt.Sprintf("acme/app-%d", i)
		commit := fmt.Sprintf("%040x", i+1)
		f.Projects[p] = &fakegitlab.FakeProject{Private: true, ID: i + 1, Branches: map[string]string{"main": commit},
			Files: map[string]map[string]string{commit: {".gitlab-ci.yml": "include:\n  - component: $CI_SERVER_FQDN/acme/components/build@1.0.0\n" + inputs}}}
		paths = append(paths, p)
	}
	f.Groups["acme"] = paths
	cat := t.TempDir()
	os.MkdirAll(filepath.Join(cat, "templates"), 0o755)
	os.WriteFile(filepath.Join(cat, "templates", "build.yml"), []byte(renamed), 0o644)
	env := map[string]string{"GITLAB_TOKEN": token, "CI_SERVER_URL": f.URL, "CI_SERVER_FQDN": host, "XDG_CACHE_HOME": t.TempDir()}
	code, out, errOut := runCLI([]string{"impact", "--group", "acme", "--jobs", "2", "--format", "json", "--catalog", host + "/acme/components=" + cat}, env)
	var rep impact.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitFindings {
		t.Fatalf("exit %d, %v\n%s%s", code, err, out, errOut)
	}
	if len(rep.Consumers) != 3 || len(rep.Consumers[0].NewErrors) != 1 || rep.Consumers[0].NewErrors[0].File != "acme/app-0/.gitlab-ci.yml" ||
		len(rep.Consumers[1].NewErrors)+len(rep.Consumers[2].NewErrors) != 0 || rep.Scanned != 3 {
		t.Errorf("report %s", out)
	}
	if strings.Contains(out+errOut, token) {
		t.Error("the token is printed")
	}
}
