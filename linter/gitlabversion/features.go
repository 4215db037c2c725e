package gitlabversion

import (
	"strings"

	"gitlab.com/trustci/cicd/linter/internal/lazyre"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/matrixref"
)

// Feature is one keyword, value or syntax that a GitLab release
// introduced.
type Feature struct {
	// ID is stable and kebab-case; testdata/versions/<ID>.yml uses it.
	ID string
	// Name is how a pipeline writes it, for messages.
	Name string
	// What it is, in plain words.
	What string
	// Since is the first release whose pipeline configuration accepts it,
	// also when only behind a feature flag: cilint must not refuse what a
	// self-managed instance of that release may accept.
	Since Version
	// Note tells of a feature flag or a later general availability.
	Note string
	// Source is where Since was read: the docs' history line or GitLab's
	// source, with the issue or merge request it names.
	Source string
	// Where lists the places a use is found (see detect.go for the
	// grammar): a root, then keys, `*` for any key, `[]` for each item.
	Where []string
	// Match, when set, accepts only some values at those places; parent
	// is the mapping holding the value (nil at a list item).
	Match func(v, parent *load.Node) bool
	// AtValue reports a use at the value rather than at its key.
	AtValue bool
	// Locate, when set, finds the use inside a string value: the byte
	// offset it starts at, or -1.
	Locate func(text string) int
	// Unsure, when set, says why an older GitLab may still accept the
	// use: it is then a warning, not an error.
	Unsure string
}

// Source documents, shortened in the table.
const (
	yamlRef   = "doc/ci/yaml/_index.md@6e370d7"
	yamlRefFr = "doc-locale/fr-fr/ci/yaml/_index.md (GitLab 19.0 docs)"
	inputsDoc = "doc/ci/yaml/inputs.md@511994e"
	inputsFr  = "doc-locale/fr-fr/ci/inputs/_index.md (GitLab 19.0 docs)"
	compDoc   = "doc/ci/components/_index.md@6e370d7"
)

// jobAndDefault lists a job keyword's places: in jobs and in default:.
func jobAndDefault(path string) []string { return []string{"job:" + path, "default:" + path} }

// everywhere adds the deprecated top-level form (image, services, cache).
func everywhere(path string) []string { return append(jobAndDefault(path), path) }

// rulesIn lists a rules: subkey in job, workflow and include rules.
func rulesIn(sub string, include bool) []string {
	out := []string{"job:rules:[]:" + sub, "workflow:rules:[]:" + sub}
	if include {
		out = append(out, "include:[]:rules:[]:"+sub)
	}
	return out
}

// Features is the table. It is built on each call so no caller can change
// it for another.
func Features() []Feature {
	return []Feature{
		{ID: "pull-policy", Name: "image:pull_policy / services:pull_policy", What: "how the runner pulls a job's image or service", Since: Version{15, 1},
			Note: "behind feature flag ci_docker_image_pull_policy (off) until 15.2; generally available in 15.4", Source: yamlRef + " image:pull_policy: \"Introduced in GitLab 15.1\" (issue 21619)",
			Where: append(everywhere("image:pull_policy"), everywhere("services:[]:pull_policy")...)},
		{ID: "rules-changes-paths", Name: "rules:changes:paths", What: "the files of rules:changes written under paths:", Since: Version{15, 2},
			Source: yamlRef + " rules:changes:paths: \"Introduced in GitLab 15.2\" (MR 90171)", Where: rulesIn("changes:paths", false)},
		{ID: "rules-changes-compare-to", Name: "rules:changes:compare_to", What: "the ref rules:changes compares against", Since: Version{15, 3},
			Note: "generally available in 15.5", Source: yamlRef + " rules:changes:compare_to: \"Introduced in GitLab 15.3\" (issue 293645)", Where: rulesIn("changes:compare_to", false)},
		{ID: "release-tag-message", Name: "release:tag_message", What: "the message of the tag a release creates", Since: Version{15, 3},
			Source: yamlRef + " release:tag_message: \"Introduced in GitLab 15.3\" (issue 363024)", Where: []string{"job:release:tag_message"}},
		{ID: "workflow-name", Name: "workflow:name", What: "the pipeline's name", Since: Version{15, 5},
			Note: "behind feature flag pipeline_name (off) until 15.7; generally available in 15.8", Source: yamlRef + " workflow:name: \"Introduced in GitLab 15.5\" (issue 372538)", Where: []string{"workflow:name"}},
		{ID: "hooks-pre-get-sources-script", Name: "hooks:pre_get_sources_script", What: "commands run before the repository is cloned", Since: Version{15, 6},
			Note: "behind feature flag ci_hooks_pre_get_sources_script (off) until 15.10", Source: yamlRef + " hooks: \"Introduced in GitLab 15.6\" (issue 356850)", Where: jobAndDefault("hooks")},
		{ID: "variables-expand", Name: "variables:expand", What: "a variable whose value is not expanded", Since: Version{15, 6},
			Note: "behind feature flag ci_raw_variables_in_yaml_config until 15.8", Source: yamlRef + " variables:expand: \"Introduced in GitLab 15.6\" (issue 353991)", Where: []string{"variables:*:expand", "job:variables:*:expand"}},
		{ID: "id-tokens", Name: "id_tokens", What: "OIDC ID tokens a job receives", Since: Version{15, 7},
			Source: yamlRef + " id_tokens: \"Introduced in GitLab 15.7\" (issue 356986)", Where: []string{"job:id_tokens"}},
		{ID: "variables-options", Name: "variables:options", What: "the values offered for a pipeline variable when a pipeline is run by hand", Since: Version{15, 7},
			Source: yamlRef + " variables:options: \"Introduced in GitLab 15.7\" (MR 105502)", Where: []string{"variables:*:options"}},
		{ID: "cache-unprotect", Name: "cache:unprotect", What: "a cache shared by protected and unprotected branches", Since: Version{15, 8},
			Source: yamlRef + " cache:unprotect: \"Introduced in GitLab 15.8\" (issue 362114)", Where: everywhere("cache:[]:unprotect")},
		{ID: "secrets-token", Name: "secrets:token", What: "the ID token a secret is fetched with", Since: Version{15, 8},
			Source: yamlRef + " secrets:token: \"Introduced in GitLab 15.8\" (issue 356986)", Where: []string{"job:secrets:*:token"}},
		{ID: "parallel-over-50", Name: "`parallel` above 50", What: "a job run more than 50 times in parallel", Since: Version{15, 9},
			Source: yamlRef + " parallel: \"Introduced in GitLab 15.9, the maximum value for parallel is increased from 50 to 200\" (issue 336576)",
			Where:  []string{"job:parallel"}, AtValue: true, Match: func(v, _ *load.Node) bool { return v.Kind == load.Int && v.Int > 50 }},
		{ID: "spec-inputs", Name: "spec:inputs", What: "inputs declared in a file's spec: header", Since: Version{15, 11},
			Note: "beta until 17.0", Source: yamlRef + " spec: \"Introduced in GitLab 15.11 as a beta feature\" (issue 391331)", Where: []string{"spec:inputs"}},
		{ID: "include-component", Name: "include:component", What: "a CI/CD component", Since: Version{16, 0},
			Note:   "experiment behind feature flag ci_namespace_catalog_experimental (off) until 16.2; generally available in 17.0",
			Source: compDoc + ": \"Introduced as an experimental feature in GitLab 16.0\"", Where: []string{"include:[]:component"}},
		{ID: "include-inputs", Name: "include:inputs", What: "input values given to an included file", Since: Version{16, 0},
			Note: "15.11 named it include:with", Source: inputsDoc + ": \"include:with renamed to include:inputs in GitLab 16.0\" (issue 406780)", Where: []string{"include:[]:inputs"}},
		{ID: "cache-fallback-keys", Name: "cache:fallback_keys", What: "cache keys tried when the cache key has no cache", Since: Version{16, 0},
			Source: "doc/ci/caching: \"Introduced in GitLab 16.0\" (MR 110467)", Where: everywhere("cache:[]:fallback_keys")},
		{ID: "rules-needs", Name: "rules:needs", What: "needs set by a rule", Since: Version{16, 0},
			Note: "behind feature flag introduce_rules_with_needs (off) until 16.2", Source: yamlRef + " rules:needs: \"Introduced in GitLab 16.0\" (issue 31581)", Where: []string{"job:rules:[]:needs"}},
		{ID: "publish", Name: "publish", What: "the directory a Pages job publishes", Since: Version{16, 1},
			Note: "moved under pages: in 17.9", Source: yamlRef + " pages:pages.publish: \"Introduced in GitLab 16.1\" (issue 415821)", Where: []string{"job:publish"}},
		{ID: "needs-parallel-matrix", Name: "needs:parallel:matrix", What: "needing some of a parallel:matrix job's jobs", Since: Version{16, 3},
			Source: yamlRef + " needs:parallel:matrix: \"Introduced in GitLab 16.3\" (issue 254821)", Where: []string{"job:needs:[]:parallel:matrix"}},
		{ID: "secrets-azure-key-vault", Name: "secrets:azure_key_vault", What: "a secret from Azure Key Vault", Since: Version{16, 3},
			Source: yamlRef + " secrets:azure_key_vault: \"Introduced in GitLab 16.3\" (issue 271271)", Where: []string{"job:secrets:*:azure_key_vault"}},
		{ID: "function-truncate", Name: "`truncate` in `$[[ ]]`", What: "shortens an input's value", Since: Version{16, 3},
			Source: inputsDoc + " truncate: \"Introduced in GitLab 16.3\" (issue 409462)", Where: []string{"interpolated"}, AtValue: true, Match: usesFunction("truncate"), Locate: functionAt("truncate")},
		{ID: "default-id-tokens", Name: "default:id_tokens", What: "ID tokens for every job", Since: Version{16, 4},
			Source: yamlRef + " default: \"Support for id_tokens introduced in GitLab 16.4\" (issue 419750)", Where: []string{"default:id_tokens"}},
		{ID: "trigger-environment", Name: "`environment` in a trigger job", What: "the environment a trigger job deploys to", Since: Version{16, 4},
			Source: yamlRef + " trigger: \"Support for environment introduced in GitLab 16.4\" (issue 369061)", Where: []string{"trigger-job:environment"}},
		{ID: "function-expand-vars", Name: "`expand_vars` in `$[[ ]]`", What: "expands CI/CD variables in an input's value", Since: Version{16, 5},
			Source: inputsDoc + " expand_vars: \"Introduced in GitLab 16.5\" (issue 387632)", Where: []string{"interpolated"}, AtValue: true, Match: usesFunction("expand_vars"), Locate: functionAt("expand_vars")},
		{ID: "input-description", Name: "spec:inputs:description", What: "an input's description", Since: Version{16, 5},
			Source: yamlRef + " spec:inputs:description: \"Introduced in GitLab 16.5\" (issue 415637)", Where: []string{"spec:inputs:*:description"}},
		{ID: "input-regex", Name: "spec:inputs:regex", What: "a regular expression an input must match", Since: Version{16, 5},
			Source: yamlRef + " spec:inputs:regex: \"Introduced in GitLab 16.5\" (issue 410836)", Where: []string{"spec:inputs:*:regex"}},
		{ID: "input-options", Name: "spec:inputs:options", What: "the values an input may take", Since: Version{16, 6},
			Source: yamlRef + " spec:inputs:options: \"Introduced in GitLab 16.6\" (issue 393401)", Where: []string{"spec:inputs:*:options"}},
		{ID: "docker-platform", Name: "image:docker:platform / services:docker:platform", What: "the platform of the image the Docker executor pulls", Since: Version{16, 7},
			Source: yamlRef + " image:docker: \"Introduced in GitLab 16.7\" (gitlab-runner issue 27919)", Where: append(everywhere("image:docker:platform"), everywhere("services:[]:docker:platform")...)},
		{ID: "pages-path-prefix", Name: "pages:path_prefix", What: "the path prefix of a parallel Pages deployment", Since: Version{16, 7},
			Note: "experiment behind feature flag pages_multiple_versions_setting (off) until 17.4; generally available in 17.9", Source: yamlRef + " pages:pages.path_prefix: \"Introduced in GitLab 16.7\" (MR 129534)", Where: []string{"job:pages:path_prefix"}},
		{ID: "docker-user", Name: "image:docker:user / services:docker:user", What: "the user the Docker executor runs the container as", Since: Version{16, 8},
			Source: yamlRef + " image:docker: \"user input option introduced in GitLab 16.8\" (MR 137907)", Where: append(everywhere("image:docker:user"), everywhere("services:[]:docker:user")...)},
		{ID: "auto-cancel-on-new-commit", Name: "workflow:auto_cancel:on_new_commit", What: "which jobs a newer pipeline cancels", Since: Version{16, 8},
			Note: "behind feature flag ci_workflow_auto_cancel_on_new_commit (off) until 16.9; generally available in 16.10", Source: yamlRef + " workflow:auto_cancel:on_new_commit: \"Introduced in GitLab 16.8\" (issue 412473)", Where: []string{"workflow:auto_cancel:on_new_commit"}},
		{ID: "workflow-rules-auto-cancel", Name: "workflow:rules:auto_cancel", What: "auto-cancel settings chosen by a workflow rule", Since: Version{16, 8},
			Note: "behind feature flag ci_workflow_auto_cancel_on_new_commit until 16.10", Source: yamlRef + " workflow:rules:auto_cancel: \"Introduced in GitLab 16.8\" (issue 436467)", Where: []string{"workflow:rules:[]:auto_cancel"}},
		{ID: "secrets-gcp-secret-manager", Name: "secrets:gcp_secret_manager", What: "a secret from Google Cloud Secret Manager", Since: Version{16, 8},
			Source: yamlRef + " secrets:gcp_secret_manager: \"Introduced in GitLab 16.8\" (epic 11739)", Where: []string{"job:secrets:*:gcp_secret_manager"}},
		{ID: "trigger-interruptible", Name: "`interruptible` in a trigger job", What: "a trigger job a newer pipeline may cancel", Since: Version{16, 8},
			Source: yamlRef + " interruptible: \"Support for trigger jobs introduced in GitLab 16.8\" (MR 138508)", Where: []string{"trigger-job:interruptible"}},
		{ID: "stages-nested", Name: "nested lists in `stages`", What: "a list inside the stages list, which GitLab flattens", Since: Version{16, 9},
			Source: yamlRef + " stages: \"Support for nested array of strings introduced in GitLab 16.9\" (issue 439451)",
			Where:  []string{"stages:[]"}, AtValue: true, Match: func(v, _ *load.Node) bool { return v.Kind == load.Seq }},
		{ID: "identity", Name: "identity", What: "identity federation with a cloud provider", Since: Version{16, 9},
			Note: "beta behind feature flag google_cloud_support_feature_flag until 17.1", Source: yamlRef + " identity: \"Introduced in GitLab 16.9\" (MR 142054)", Where: jobAndDefault("identity")},
		{ID: "auto-cancel-on-job-failure", Name: "auto_cancel:on_job_failure", What: "cancelling the pipeline when a job fails", Since: Version{16, 10},
			Note: "behind feature flag auto_cancel_pipeline_on_job_failure (off) until 16.11", Source: yamlRef + " workflow:auto_cancel:on_job_failure: \"Introduced in GitLab 16.10\" (issue 23605)",
			Where: []string{"workflow:auto_cancel:on_job_failure", "workflow:rules:[]:auto_cancel:on_job_failure"}},
		{ID: "rules-interruptible", Name: "rules:interruptible", What: "interruptible set by a rule", Since: Version{16, 10},
			Source: yamlRef + " rules:interruptible: \"Introduced in GitLab 16.10\" (issue 194023)", Where: []string{"job:rules:[]:interruptible"}},
		{ID: "retry-exit-codes", Name: "retry:exit_codes", What: "the exit codes a job is retried on", Since: Version{16, 10},
			Note: "behind feature flag ci_retry_on_exit_codes (off) until 16.11; generally available in 17.5", Source: yamlRef + " retry:exit_codes: \"Introduced in GitLab 16.10\" (issue 430037)", Where: jobAndDefault("retry:exit_codes")},
		{ID: "artifacts-access", Name: "artifacts:access", What: "who may download a job's artifacts", Since: Version{16, 11},
			Source: yamlRef + " artifacts:access: \"Introduced in GitLab 16.11\" (MR 145206; MR 151387 corrected it from 16.10)", Where: []string{"job:artifacts:access"}},
		{ID: "rules-exists-paths", Name: "rules:exists:paths", What: "the files of rules:exists written under paths:", Since: Version{16, 11},
			Note: "behind feature flag ci_support_rules_exists_paths_and_project (off) until 17.0", Source: yamlRef + " rules:exists:paths: \"Introduced in GitLab 16.11\" (issue 386040)", Where: rulesIn("exists:paths", true)},
		{ID: "rules-exists-project", Name: "rules:exists:project", What: "looking for files in another project (and ref)", Since: Version{16, 11},
			Note: "behind feature flag ci_support_rules_exists_paths_and_project (off) until 17.0", Source: yamlRef + " rules:exists:project: \"Introduced in GitLab 16.11\" (issue 386040)", Where: rulesIn("exists:project", true)},
		{ID: "input-type-array", Name: "`type: array`", What: "array inputs", Since: Version{16, 11},
			Source: inputsDoc + " Array type: \"Introduced in GitLab 16.11\" (issue 407176)", Where: []string{"spec:inputs:*:type"}, AtValue: true,
			Match: func(v, _ *load.Node) bool { return v.Kind == load.String && v.Text == "array" }},
		{ID: "component-partial-version", Name: "partial component version", What: "a version such as @1 or @1.2 that picks the latest matching release", Since: Version{16, 11},
			Source: compDoc + " Semantic version ranges: \"Introduced in GitLab 16.11\" (issue 450835)", Where: []string{"include:[]:component"}, AtValue: true,
			Match:  func(v, _ *load.Node) bool { return v.Kind == load.String && partialVersion().MatchString(v.Text) },
			Unsure: "the component project has a tag or branch of exactly that name"},
		{ID: "manual-confirmation", Name: "manual_confirmation", What: "the confirmation message of a manual job", Since: Version{17, 1},
			Source: yamlRef + " manual_confirmation: \"Introduced in GitLab 17.1\" (issue 18906)", Where: []string{"job:manual_confirmation"}},
		{ID: "run", Name: "run", What: "CI/CD steps run by the runner", Since: Version{17, 3},
			Note: "experiment behind feature flag pipeline_run_keyword (off) until 17.5", Source: yamlRef + " run: \"Introduced in GitLab 17.3\" (issue 440487)", Where: []string{"job:run"}},
		{ID: "pages-expire-in", Name: "pages:expire_in", What: "how long a Pages deployment stays available", Since: Version{17, 4},
			Source: yamlRef + " pages:pages.expire_in: \"Introduced in GitLab 17.4\" (issue 456478)", Where: []string{"job:pages:expire_in"}},
		{ID: "kubernetes-agent", Name: "environment:kubernetes:agent", What: "the Kubernetes agent of an environment's dashboard", Since: Version{17, 6},
			Source: yamlRef + " environment:kubernetes: \"agent keyword introduced in GitLab 17.6\" (issue 467912); lib/gitlab/ci/config/entry/kubernetes.rb@437f783 ALLOWED_KEYS",
			Where:  []string{"job:environment:kubernetes:agent"}},
		{ID: "kubernetes-flux-resource-path", Name: "environment:kubernetes:flux_resource_path", What: "the Flux resource of an environment's dashboard", Since: Version{17, 7},
			Source: yamlRef + " environment:kubernetes: \"namespace and flux_resource_path keywords introduced in GitLab 17.7\" (issue 500164); namespace itself is older (kubernetes.rb@437f783)",
			Where:  []string{"job:environment:kubernetes:flux_resource_path"}},
		{ID: "pages-publish", Name: "pages:publish", What: "the directory a Pages job publishes, under pages:", Since: Version{17, 9},
			Source: yamlRef + " pages:pages.publish: \"Moved the publish property under the pages keyword in GitLab 17.9\" (issue 428018)", Where: []string{"job:pages:publish"}},
		{ID: "include-integrity", Name: "include:integrity", What: "the SHA-256 a remote include must have", Since: Version{17, 9},
			Source: yamlRefFr + " include:integrity: introduced in GitLab 17.9 (MR 178593)", Where: []string{"include:[]:integrity"}},
		{ID: "pipeline-inputs", Name: "`spec:inputs` in the pipeline's own file", What: "inputs of the pipeline itself", Since: Version{17, 10},
			Note:   "the pipelines API took inputs in 17.10 behind feature flag ci_inputs_for_pipelines (on); the inputs docs date pipeline inputs 17.11",
			Source: inputsFr + " for a pipeline: introduced in GitLab 17.11 (epic 16321); doc-locale api/pipelines.md: inputs attribute introduced in 17.10 (flag ci_inputs_for_pipelines)",
			Where:  []string{"main-spec:inputs"}, Unsure: "that release already reads a spec: header there, which cilint cannot tell"},
		{ID: "trigger-inputs", Name: "trigger:inputs", What: "input values given to a multi-project downstream pipeline", Since: Version{17, 11},
			Source: yamlRefFr + " trigger:inputs: introduced in GitLab 17.11 (issue 519963)", Where: []string{"job:trigger:inputs"}},
		{ID: "image-kubernetes", Name: "image:kubernetes", What: "options for the runner's Kubernetes executor, such as the user", Since: Version{18, 0},
			Source: "doc-locale/ko-kr/ci/yaml/_index.md (GitLab 19.0 docs) image:kubernetes: introduced in GitLab 18.0 (gitlab-runner issue 38451)", Where: everywhere("image:kubernetes")},
		{ID: "trigger-strategy-mirror", Name: "`strategy: mirror`", What: "a trigger job that mirrors the downstream pipeline's status", Since: Version{18, 2},
			Source: yamlRefFr + " trigger:strategy: \"strategy:mirror\" introduced in GitLab 18.2 (issue 431882)", Where: []string{"job:trigger:strategy"}, AtValue: true,
			Match: func(v, _ *load.Node) bool { return v.Kind == load.String && v.Text == "mirror" }},
		{ID: "function-posix-escape", Name: "`posix_escape` in `$[[ ]]`", What: "escapes shell metacharacters in an input's value", Since: Version{18, 6},
			Source: inputsFr + " posix_escape: introduced in GitLab 18.6 (issue 568289)", Where: []string{"interpolated"}, AtValue: true, Match: usesFunction("posix_escape"), Locate: functionAt("posix_escape")},
		{ID: "spec-component", Name: "spec:component", What: "the component context ($[[ component.* ]]) a template declares", Since: Version{18, 6},
			Note: "beta behind feature flag ci_component_context_interpolation (on) until 18.7", Source: "doc-locale/fr-fr/ci/components/examples.md (GitLab 19.0 docs): introduced in GitLab 18.6 (issue 438275)", Where: []string{"spec:component"}},
		{ID: "spec-include", Name: "spec:include", What: "input declarations read from other files", Since: Version{18, 6},
			Note: "behind feature flag ci_file_inputs (off) until 18.9", Source: yamlRefFr + " spec:include: introduced in GitLab 18.6 (MR 206931)", Where: []string{"spec:include"}},
		{ID: "matrix-expressions", Name: "`$[[ matrix.* ]]` in `needs:parallel:matrix`", What: "refers to the needing job's own matrix values", Since: Version{18, 6},
			Note: "beta", Source: "doc/ci/yaml/matrix_expressions.md@ffc2da9: \"Introduced in GitLab 18.6\" (issue 423553)",
			Where: []string{"job:needs:[]:parallel:matrix:[]:*"}, AtValue: true, Match: matrixExpression},
		{ID: "input-rules", Name: "spec:inputs:rules", What: "an input's options and default chosen by rules over other inputs", Since: Version{18, 7},
			Source: yamlRefFr + " spec:inputs:rules: introduced in GitLab 18.7 (issue 582671)", Where: []string{"spec:inputs:*:rules"}},
		{ID: "include-cache", Name: "include:cache", What: "caching a remote include's content", Since: Version{18, 9},
			Note: "experiment behind feature flag ci_cache_remote_includes (off); generally available in 19.0", Source: yamlRefFr + " include:cache: introduced in GitLab 18.9 (issue 351252)", Where: []string{"include:[]:cache"}},
		{ID: "input-array-index", Name: "`$[[ inputs.NAME[i] ]]`", What: "an element of an array input picked by index", Since: Version{18, 10},
			Note: "behind feature flag ci_inputs_array_index_operator (off); generally available in 18.11", Source: inputsFr + " access individual array elements: introduced in GitLab 18.10 (work item 587657)",
			Where: []string{"interpolated"}, AtValue: true, Match: func(v, _ *load.Node) bool { return v.Kind == load.String && arrayIndex().MatchString(v.Text) },
			Locate: func(text string) int {
				if m := arrayIndex().FindStringIndex(text); m != nil {
					return m[0]
				}
				return -1
			}},
		{ID: "input-array-options", Name: "`options` of an array input", What: "options restricting the items of an array input", Since: Version{19, 0},
			Source: inputsFr + " array inputs with options: introduced in GitLab 19.0 (issue 566155)", Where: []string{"spec:inputs:*:options"},
			Match: func(_, parent *load.Node) bool {
				t := parent.Get("type")
				return t != nil && t.Kind == load.String && t.Text == "array"
			}},
	}
}

var (
	// partialVersion is a component reference ending in @MAJOR or
	// @MAJOR.MINOR (GitLab's Ci::Catalog::Resources::Version semver
	// prefix), not a full version, SHA or branch.
	partialVersion = lazyre.New(`@\d+(\.\d+)?$`)
	// block is one $[[ ]] interpolation block.
	block      = lazyre.New(`\$\[\[(.*?)\]\]`)
	arrayIndex = lazyre.New(`\$\[\[\s*inputs\.[A-Za-z0-9_-]+\[\d`)
)

// usesFunction matches strings with a $[[ ]] block that calls name.
func usesFunction(name string) func(v, _ *load.Node) bool {
	at := functionAt(name)
	return func(v, _ *load.Node) bool { return v.Kind == load.String && at(v.Text) >= 0 }
}

// functionAt is the byte offset of the first call of function name in a
// $[[ ]] block of text (the functions follow the value, after `|`), or -1.
func functionAt(name string) func(text string) int {
	return func(text string) int {
		if !strings.Contains(text, name) {
			return -1
		}
		for _, m := range block().FindAllStringSubmatchIndex(text, -1) {
			inner := text[m[2]:m[3]]
			off := m[2]
			first := true
			for part := range strings.SplitSeq(inner, "|") {
				if !first {
					fn := strings.TrimSpace(part)
					if i := strings.IndexByte(fn, '('); i >= 0 {
						fn = strings.TrimSpace(fn[:i])
					}
					if fn == name {
						return off + strings.Index(part, name)
					}
				}
				first = false
				off += len(part) + 1
			}
		}
		return -1
	}
}

// matrixExpression matches a matrix value, or a list of them, holding
// $[[ matrix.NAME ]].
func matrixExpression(v, _ *load.Node) bool {
	has := func(n *load.Node) bool {
		if n == nil || n.Kind != load.String {
			return false
		}
		return matrixref.In(n.Text)
	}
	if v.Kind == load.Seq {
		for _, it := range v.Items {
			if has(it) {
				return true
			}
		}
		return false
	}
	return has(v)
}
