package fakegitlab

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// serveGroup answers GET /groups/:id/projects as GitLab's REST API
// documents it (doc/api/groups.md, "List projects"): paged by per_page
// (at most 100) with X-Next-Page and X-Total, projects sorted here by
// path. It refuses what the documentation does not allow, so a client
// that sends a wrong parameter fails here as it would there.
func (f *FakeGitLab) serveGroup(w http.ResponseWriter, r *http.Request, rest string) {
	id, sub, _ := strings.Cut(rest, "/")
	id, _ = url.PathUnescape(id)
	paths, ok := f.Groups[id]
	if !ok {
		http.Error(w, `{"message":"404 Group Not Found"}`, http.StatusNotFound)
		return
	}
	if sub != "projects" || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	for _, b := range []string{"include_subgroups", "archived", "simple", "with_shared"} {
		if v := q.Get(b); v != "" && v != "true" && v != "false" {
			http.Error(w, `{"error":"`+b+` is invalid"}`, http.StatusBadRequest)
			return
		}
	}
	page, per := 1, 20
	if v := q.Get("page"); v != "" {
		fmt.Sscan(v, &page)
	}
	if v := q.Get("per_page"); v != "" {
		fmt.Sscan(v, &per)
	}
	per = max(1, min(per, 100)) // GitLab caps per_page at 100
	sorted := append([]string(nil), paths...)
	sort.Strings(sorted)
	start := min((page-1)*per, len(sorted))
	end := min(start+per, len(sorted))
	out := []map[string]any{}
	for _, p := range sorted[start:end] {
		proj := f.Projects[p]
		entry := map[string]any{"path_with_namespace": p, "default_branch": "main", "ci_config_path": ""}
		if proj != nil {
			entry["id"], entry["ci_config_path"] = proj.ID, proj.CIConfigPath
		}
		out = append(out, entry)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Total", fmt.Sprint(len(sorted)))
	if end < len(sorted) {
		w.Header().Set("X-Next-Page", fmt.Sprint(page+1))
	}
	json.NewEncoder(w).Encode(out)
}
