package validate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/load"
)

// conformanceDir is GitLab's own schema test suite, kept beside the
// repository (see SOURCE.md there). CI has the same layout; a checkout
// elsewhere (a git worktree) names the suite in CILINT_CONFORMANCE_DIR.
func conformanceDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CILINT_CONFORMANCE_DIR")
	if dir == "" {
		var err error
		dir, err = filepath.Abs(filepath.Join("..", "..", "..", "shared", "conformance", "gitlab-schema-tests"))
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("conformance suite missing in CI: %v", err)
		}
		t.Skipf("conformance suite not present beside the repository: %v", err)
	}
	return dir
}

// globalTests are the files whose entries GitLab's spec validates as whole
// documents instead of one top-level key at a time (SOURCE.md, "Global"
// tests).
var globalTests = map[string]bool{
	"positive_tests/workflow/auto_cancel/on_job_failure.yml": true,
	"positive_tests/workflow/auto_cancel/on_new_commit.yml":  true,
	"negative_tests/workflow/auto_cancel/on_job_failure.yml": true,
	"negative_tests/workflow/auto_cancel/on_new_commit.yml":  true,
}

// conformanceExceptions are cases where the suite (it tests GitLab's editor
// schema, ci.json) is wrong about what GitLab's backend accepts: the
// backend wins. A key is a file, or "file#entry" for one entry of a
// negative file; the reason names the backend file that decides.
var conformanceExceptions = map[string]string{
	// A key written without a value is not given: lib/gitlab/config/entry/factory.rb
	// makes a nil value an Unspecified entry, and attribute validations allow nil.
	"negative_tests/artifacts.yml#browser_performance no paths": "lib/gitlab/ci/config/entry/reports.rb validates every report with allow_nil",
	"negative_tests/artifacts.yml#cyclonedx no paths":           "lib/gitlab/ci/config/entry/reports.rb validates every report with allow_nil",
	// The editor schema is narrower than the backend's report keys.
	"negative_tests/artifacts.yml#browser_performance list of string paths":                 "lib/gitlab/ci/config/entry/reports.rb: browser_performance is array_of_strings_or_string",
	"negative_tests/artifacts.yml#browser_performance mixed list of string paths and globs": "lib/gitlab/ci/config/entry/reports.rb: browser_performance is array_of_strings_or_string",
	"negative_tests/artifacts.yml#browser_performance string array":                         "lib/gitlab/ci/config/entry/reports.rb: browser_performance is array_of_strings_or_string",
	"negative_tests/artifacts.yml#performance string path":                                  "lib/gitlab/ci/config/entry/reports.rb still lists performance in ALLOWED_KEYS",
	"negative_tests/retry.yml#invalid_job_with_retry_exit_codes_duplicate":                  "lib/gitlab/ci/config/entry/retry.rb checks exit_codes with array_of_integers_or_integer, which lets a code repeat",
	"negative_tests/services.yml#empty_entrypoint":                                          "lib/gitlab/ci/config/entry/imageable.rb checks entrypoint with array_of_strings, which an empty list passes",
	"negative_tests/services.yml#empty_command":                                             "lib/gitlab/ci/config/entry/service.rb checks command with array_of_strings, which an empty list passes",
	"negative_tests/image.yml#empty_image":                                                  "lib/gitlab/config/entry/factory.rb: a nil image is Unspecified",
	"negative_tests/image.yml#image_with_empty_executor_opts":                               "lib/gitlab/ci/config/entry/imageable.rb compacts nil executor options away (allow_nil)",
	"negative_tests/image.yml#image_with_empty_executor_opts_kubernetes":                    "lib/gitlab/ci/config/entry/imageable.rb compacts nil executor options away (allow_nil)",
	"negative_tests/services.yml#empty_services":                                            "lib/gitlab/config/entry/factory.rb: nil services are Unspecified",
	"negative_tests/rules_needs.yml#lint_job":                                               "lib/gitlab/ci/config/entry/rules/rule.rb: rules:needs is an entry, and a nil entry is Unspecified",
	"negative_tests/rules.yml#rules:exists as string":                                       "lib/gitlab/ci/config/entry/rules/rule/exists.rb still takes a string (SimpleExists; gitlab-org/gitlab#455040 tracks removing it)",
	"negative_tests/rules.yml#rules-if-empty":                                               "lib/gitlab/ci/config/entry/rules/rule.rb validates :if with allow_nil",
}

// TestConformance runs GitLab's schema test suite the way GitLab's own spec
// does: every positive file must validate and every entry of every negative
// file must be rejected.
func TestConformance(t *testing.T) {
	dir := conformanceDir(t)
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yml") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 108 {
		t.Errorf("found %d conformance files, want 108", len(files))
	}
	seen := map[string]bool{}
	defer func() {
		for k := range conformanceExceptions {
			if strings.Contains(k, "#") && !seen[k] {
				t.Errorf("exception %q names no entry of the suite", k)
			}
		}
	}()
	for _, path := range files {
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		t.Run(rel, func(t *testing.T) {
			if why, ok := conformanceExceptions[rel]; ok {
				t.Skip("documented exception: " + why)
			}
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			file, _ := load.Parse(rel, src, load.DefaultLimits())
			if file.Body == nil || file.Body.Kind != load.Map {
				t.Fatalf("did not load as a mapping")
			}
			positive := strings.HasPrefix(rel, "positive_tests/")
			for _, p := range file.Body.Pairs {
				if why, ok := conformanceExceptions[rel+"#"+p.Key.Name()]; ok {
					// GitLab's backend accepts it, so cilint must too.
					seen[rel+"#"+p.Key.Name()] = true
					doc := &load.Node{Kind: load.Map, Pos: p.Key.Pos, Pairs: []load.Pair{p}}
					for _, f := range v.Validate(doc) {
						t.Errorf("entry %q is accepted by GitLab (%s), but: %d:%d: %s", p.Key.Name(), why, f.Pos.Line, f.Pos.Col, f.Message)
					}
					continue
				}
				doc := &load.Node{Kind: load.Map, Pos: p.Key.Pos, Pairs: []load.Pair{p}}
				if globalTests[rel] {
					doc = p.Value
				}
				fs := v.Validate(doc)
				switch {
				case positive && len(fs) > 0:
					for _, f := range fs {
						t.Errorf("entry %q must be valid: %d:%d: %s", p.Key.Name(), f.Pos.Line, f.Pos.Col, f.Message)
					}
				case !positive && len(fs) == 0:
					t.Errorf("entry %q must be rejected, but validated", p.Key.Name())
				case !positive && testing.Verbose():
					t.Logf("entry %q rejected: %s", p.Key.Name(), fs[0].Message)
				}
			}
		})
	}
}
