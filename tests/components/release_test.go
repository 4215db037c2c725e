package components_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/tests/internal/runner"
)

// glabRequired is the glab version GitLab's release keyword needs:
// Gitlab::Ci::Build::Releaser::GLAB_REQUIRED_VERSION in gitlab-org/gitlab
// (lib/gitlab/ci/build/releaser.rb), also in GitLab's releases docs
// ("GitLab CLI version requirement"). Below it, GitLab's script falls back
// to release-cli.
const glabRequired = "1.58.0"

// releaseScript is the script GitLab appends to a job with the release
// keyword on a Unix runner, as Releaser#unix_script builds it (glab when
// glab is at least glabRequired, else a warning and release-cli). Values
// are double-quoted, so the runner's shell expands their variables.
func releaseScript(t *testing.T, rel *load.Node) string {
	t.Helper()
	get := func(key string) string {
		if n := rel.Get(key); n != nil {
			return n.Text
		}
		return ""
	}
	stringified := func(v any) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(v)
		inner := strings.TrimSpace(b.String())
		b.Reset()
		enc.Encode(inner)
		return strings.TrimSpace(b.String())
	}
	var links []map[string]string
	if as := rel.Get("assets"); as != nil && as.Get("links") != nil {
		for _, l := range as.Get("links").Items {
			link := map[string]string{}
			for _, p := range l.Pairs {
				link[p.Key.Name()] = p.Value.Text
			}
			links = append(links, link)
		}
	}
	tag, ref := get("tag_name"), get("ref")
	if tag == "" {
		tag = "$CI_COMMIT_TAG"
	}
	if ref == "" {
		ref = "$CI_COMMIT_SHA"
	}
	glab := fmt.Sprintf(`glab release create -R $CI_PROJECT_PATH "%s"`, tag)
	cli := "release-cli create"
	if len(links) > 0 {
		glab += " --assets-links " + stringified(links)
	}
	for _, f := range []struct{ key, glab, cli string }{
		{"name", "--name", "--name"}, {"description", "--experimental-notes-text-or-file", "--description"},
	} {
		if v := get(f.key); v != "" {
			glab += fmt.Sprintf(` %s "%s"`, f.glab, v)
			cli += fmt.Sprintf(` %s "%s"`, f.cli, v)
		}
	}
	glab += fmt.Sprintf(` --ref "%s"`, ref)
	for _, f := range []struct{ key, flag string }{{"tag_message", "--tag-message"}, {"released_at", "--released-at"}} {
		if v := get(f.key); v != "" {
			glab += fmt.Sprintf(` %s "%s"`, f.flag, v)
		}
	}
	glab += " --no-update --no-close-milestone"
	cli += fmt.Sprintf(` --tag-name "%s"`, tag)
	for _, l := range links {
		cli += " --assets-link " + stringified(l)
	}
	warning := fmt.Sprintf("Warning: release-cli will not be supported after 20.0. Please use glab version >= %s.", glabRequired)
	return fmt.Sprintf(`if command -v glab &> /dev/null; then
  if [ "$(printf "%%s\n%%s" "%[1]s" "$(glab --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+')" | sort -V | head -n1)" = "%[1]s" ]; then
    export GITLAB_HOST=$CI_SERVER_URL
    glab auth login --job-token $CI_JOB_TOKEN --hostname "$CI_SERVER_FQDN" --api-protocol $CI_SERVER_PROTOCOL
    %[2]s
  else
    echo "%[3]s"
    %[4]s
  fi
else
  echo "%[3]s"
  %[4]s
fi
`, glabRequired, glab, warning, cli)
}

// releasesAPI answers as GitLab's Releases API documents it
// (doc/api/releases/_index.md, doc/api/releases/links.md): a release is
// created once per tag with the job token, and its asset links after it.
type releasesAPI struct {
	token, project string
	mu             sync.Mutex
	releases       map[string]map[string]any
	links          map[string][]map[string]any
}

func (a *releasesAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("JOB-TOKEN") != a.token {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"message":"401 Unauthorized"}`)
		return
	}
	prefix := "/api/v4/projects/" + url.PathEscape(a.project) + "/releases"
	path := r.URL.EscapedPath()
	if !strings.HasPrefix(path, prefix) {
		http.Error(w, `{"message":"404 Project Not Found"}`, http.StatusNotFound)
		return
	}
	rest := strings.TrimPrefix(path, prefix)
	var body map[string]any
	if r.Method == http.MethodPost {
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, `{"error":"body is not JSON"}`, http.StatusBadRequest)
			return
		}
	}
	switch {
	case r.Method == http.MethodGet && strings.HasPrefix(rest, "/") && !strings.Contains(rest[1:], "/"):
		tag, _ := url.PathUnescape(rest[1:])
		if rel, ok := a.releases[tag]; ok {
			json.NewEncoder(w).Encode(rel)
			return
		}
		http.Error(w, `{"message":"404 Not Found"}`, http.StatusNotFound)
	case r.Method == http.MethodPost && rest == "":
		tag, _ := body["tag_name"].(string)
		if tag == "" {
			http.Error(w, `{"error":"tag_name is missing"}`, http.StatusBadRequest)
			return
		}
		if _, ok := a.releases[tag]; ok {
			http.Error(w, `{"message":"Release already exists"}`, http.StatusConflict)
			return
		}
		for k := range body {
			switch k {
			case "name", "tag_name", "tag_message", "description", "ref", "milestones", "assets", "released_at", "legacy_catalog_publish":
			default:
				http.Error(w, `{"error":"unknown parameter `+k+`"}`, http.StatusBadRequest)
				return
			}
		}
		body["_links"] = map[string]string{"self": "http://" + r.Host + "/" + a.project + "/-/releases/" + tag}
		a.releases[tag] = body
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(body)
	case r.Method == http.MethodPost && strings.HasSuffix(rest, "/assets/links"):
		tag, _ := url.PathUnescape(strings.TrimSuffix(strings.TrimPrefix(rest, "/"), "/assets/links"))
		if _, ok := a.releases[tag]; !ok {
			http.Error(w, `{"message":"404 Not found"}`, http.StatusNotFound)
			return
		}
		if body["name"] == nil || body["url"] == nil {
			http.Error(w, `{"error":"name, url are missing"}`, http.StatusBadRequest)
			return
		}
		switch body["link_type"] {
		case nil, "other", "runbook", "image", "package":
		default:
			http.Error(w, `{"error":"link_type does not have a valid value"}`, http.StatusBadRequest)
			return
		}
		a.links[tag] = append(a.links[tag], body)
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(body)
	default:
		http.Error(w, `{"message":"404 Not Found"}`, http.StatusNotFound)
	}
}

// runRelease runs a release job as a runner would: its script, then the
// release script GitLab appends, in bash (the script uses &>), with the
// fakes (glab among them) first on PATH and no release-cli.
func runRelease(t *testing.T, j *load.Node, env map[string]string) (string, int) {
	t.Helper()
	fakes, _ := filepath.Abs("fakes")
	script := "set -eo pipefail\n" + runner.ScriptOf(j) + "\n" + releaseScript(t, j.Get("release"))
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = env["CI_PROJECT_DIR"]
	cmd.Env = []string{"PATH=" + fakes + ":" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return runner.Output(t, cmd)
}

// TestReleaseJobsCreateReleases runs the catalog project's create-release
// job and this repository's release job, each with GitLab's release
// script, a fake glab of the version the job's image pins, and a server
// speaking GitLab's Releases API: the release and its links are created.
// The same job with glab 1.50.0 (the image main pinned) fails: GitLab
// falls back to release-cli, which the glab image lacks.
func TestReleaseJobsCreateReleases(t *testing.T) {
	for _, tt := range []struct {
		file, job, project, tag, name string
		links                         int
	}{
		{"components/.gitlab-ci.yml", "create-release", "trustci/components", "1.4.0", "Components 1.4.0", 0},
		{".gitlab-ci.yml", "release", "trustci/cicd", "1.4.0", "cilint 1.4.0", 2},
	} {
		t.Run(tt.file, func(t *testing.T) {
			res := runner.RenderRepoFile(t, tt.file)
			j := job(t, res, tt.job)
			image := j.Get("image").Text
			if n := j.Get("image").Get("name"); n != nil {
				image = n.Text
			}
			m := regexp.MustCompile(`/gitlab-org/cli:v(\d+\.\d+\.\d+)(@sha256:[0-9a-f]{64})?$`).FindStringSubmatch(image)
			if m == nil {
				t.Fatalf("the release job's image %s is not a pinned glab image", image)
			}
			if m[2] == "" {
				t.Errorf("the release job's image %s is not pinned by digest", image)
			}
			for _, version := range []string{m[1], "1.50.0"} {
				api := &releasesAPI{token: "job-token-do-not-print", project: tt.project,
					releases: map[string]map[string]any{}, links: map[string][]map[string]any{}}
				srv := httptest.NewServer(api)
				u, _ := url.Parse(srv.URL)
				dir := t.TempDir()
				env := ciEnv(dir)
				delete(env, "CI_COMMIT_BRANCH")
				env["CI_COMMIT_TAG"] = tt.tag
				env["CI_PROJECT_PATH"] = tt.project
				env["CI_SERVER_URL"], env["CI_SERVER_FQDN"], env["CI_SERVER_PROTOCOL"] = srv.URL, u.Host, "http"
				env["FAKE_GLAB_VERSION"] = version
				out, code := runRelease(t, j, env)
				srv.Close()
				rel := api.releases[tt.tag]
				if version == "1.50.0" {
					if code == 0 || rel != nil {
						t.Errorf("glab %s: exit %d, release %v: GitLab's script must fall back to release-cli and fail", version, code, rel)
					}
					continue
				}
				if code != 0 || rel == nil {
					t.Fatalf("glab %s: exit %d, no release:\n%s", version, code, out)
				}
				if rel["name"] != tt.name || rel["ref"] != env["CI_COMMIT_SHA"] || !strings.Contains(fmt.Sprint(rel["description"]), tt.tag) {
					t.Errorf("release: %v", rel)
				}
				if got := len(api.links[tt.tag]); got != tt.links {
					t.Errorf("%d asset links, want %d: %v", got, tt.links, api.links[tt.tag])
				}
				if strings.Contains(out, "job-token-do-not-print") {
					t.Error("the job token shows")
				}
			}
		})
	}
}
