// Package rules lists every check cilint can report, with a stable ID,
// a default severity and a one-line summary. docs/rules.md has one entry per
// ID with a bad and a good example; a test keeps the two in step.
package rules

import (
	"fmt"

	"gitlab.com/trustci/cicd/linter/finding"
)

// Rule describes one check.
type Rule struct {
	ID       string
	Severity finding.Severity
	Summary  string
}

// IDs of the rules, used by the packages that report them.
const (
	YAMLSyntax       = "yaml-syntax"
	YAMLLimit        = "yaml-limit"
	YAMLDuplicateKey = "yaml-duplicate-key"
	YAMLReference    = "yaml-reference"
	YAMLTag          = "yaml-tag"
	YAMLType         = "yaml-type"
	YAMLDocuments    = "yaml-documents"
	ConfigShape      = "config-shape"
	Schema           = "schema"

	IncludeNotFound  = "include-not-found"
	IncludeInvalid   = "include-invalid"
	IncludeLimit     = "include-limit"
	IncludeDuplicate = "include-duplicate"
	IncludeCycle     = "include-cycle"
	IncludeOffline   = "include-offline"
	IncludeRules     = "include-rules"
	Expression       = "expression"
	Extends          = "extends"
	Reference        = "reference"

	StageUndefined         = "stage-undefined"
	NeedsUnknown           = "needs-unknown"
	NeedsLaterStage        = "needs-later-stage"
	NeedsDuplicate         = "needs-duplicate"
	NeedsCycle             = "needs-cycle"
	NeedsTooMany           = "needs-too-many"
	NeedsNotInPipeline     = "needs-not-in-pipeline"
	NeedsMatrix            = "needs-matrix"
	DependenciesUnknown    = "dependencies-unknown"
	DependenciesLaterStage = "dependencies-later-stage"
	DependenciesNotInNeeds = "dependencies-not-in-needs"
	EnvironmentOnStop      = "environment-on-stop"
	StopNeverRuns          = "stop-never-runs"
	JobNoScript            = "job-no-script"
	TriggerKeys            = "trigger-keys"
	RulesExclusive         = "rules-exclusive"
	Delayed                = "delayed"
	Duration               = "duration"
	Parallel               = "parallel"
	JobName                = "job-name"
	NoVisibleJob           = "no-visible-job"
	ScriptSyntax           = "script-syntax"
	Shellcheck             = "shellcheck"
	DeprecatedKeyword      = "deprecated-keyword"
	ImageTag               = "image-tag"
	VariableSecret         = "variable-secret"
	VariableValue          = "variable-value"
	DuplicatePipelines     = "duplicate-pipelines"
	Config                 = "cilint-config"

	InputMissing      = "input-missing"
	InputUnknown      = "input-unknown"
	InputType         = "input-type"
	InputOptions      = "input-options"
	InputRegex        = "input-regex"
	InputSpec         = "input-spec"
	InputUnused       = "input-unused"
	Interpolation     = "interpolation"
	ComponentRef      = "component-ref"
	ComponentNotFound = "component-not-found"
	ComponentVersion  = "component-version"

	GitLabLint         = "gitlab-lint"
	RemoteDisagreement = "remote-disagreement"

	GitLabVersion = "gitlab-version"

	// cilint catalog lint: the catalog project itself.
	CatalogLayout           = "catalog-layout"
	CatalogLimit            = "catalog-limit"
	CatalogREADME           = "catalog-readme"
	CatalogNoREADME         = "catalog-no-readme"
	CatalogInputDescription = "catalog-input-description"
	CatalogPlaceholder      = "catalog-placeholder"
)

// All returns every rule, in the order the docs list them. It builds a new
// slice on each call so that no caller can change the catalogue for another.
func All() []Rule {
	return []Rule{
		{YAMLSyntax, finding.Error, "the file is not valid YAML, or not text"},
		{YAMLLimit, finding.Error, "the file exceeds a size, depth or alias-expansion limit"},
		{YAMLDuplicateKey, finding.Warning, "a mapping repeats a key; the last one silently wins"},
		{YAMLReference, finding.Error, "a !reference tag is not a list of names"},
		{YAMLTag, finding.Warning, "a YAML tag that GitLab ignores"},
		{YAMLType, finding.Error, "an unquoted date or time, which GitLab's YAML loader refuses"},
		{YAMLDocuments, finding.Error, "a file with more YAML documents than a spec: header and a body"},
		{ConfigShape, finding.Error, "the configuration is empty, not a mapping, or has spec: outside a header"},
		{Schema, finding.Error, "a keyword, type or value that GitLab does not accept"},
		{IncludeNotFound, finding.Error, "an included local or project file, or template, that does not exist"},
		{IncludeInvalid, finding.Error, "an included file that GitLab cannot use: outside the repository, not .yml, empty or not a mapping"},
		{IncludeLimit, finding.Error, "more includes, or deeper nesting, than GitLab allows"},
		{IncludeDuplicate, finding.Info, "a file included again; GitLab ignores the repeat"},
		{IncludeCycle, finding.Warning, "files that include each other"},
		{IncludeOffline, finding.Info, "an include cilint does not read (offline, variables, no access, remote without --allow-remote)"},
		{IncludeRules, finding.Info, "include:rules whose outcome depends on the pipeline; the pipeline is checked with and without the file"},
		{Expression, finding.Error, "a rules:if expression GitLab cannot parse"},
		{Extends, finding.Error, "extends names an unknown or non-mapping entry, loops, or nests more than 10 levels"},
		{Reference, finding.Error, "a !reference that cannot be resolved, loops, or nests too deeply"},
		{StageUndefined, finding.Error, "a job's stage is not in stages"},
		{NeedsUnknown, finding.Error, "needs names a job that does not exist"},
		{NeedsLaterStage, finding.Error, "needs names a job of a later stage"},
		{NeedsDuplicate, finding.Error, "needs names the same job twice"},
		{NeedsCycle, finding.Error, "needs form a cycle"},
		{NeedsTooMany, finding.Error, "a job needs more than 50 jobs"},
		{NeedsNotInPipeline, finding.Error, "in the simulated pipeline (cilint jobs), a job needs a job its rules leave out"},
		{NeedsMatrix, finding.Error, "needs:parallel:matrix names a combination the job does not generate"},
		{DependenciesUnknown, finding.Error, "dependencies names a job that does not exist"},
		{DependenciesLaterStage, finding.Error, "dependencies names a job of a later stage"},
		{DependenciesNotInNeeds, finding.Error, "a dependency that is not also a need"},
		{EnvironmentOnStop, finding.Error, "environment:on_stop names a missing job, or one that does not stop that environment"},
		{StopNeverRuns, finding.Warning, "an on_stop job that can never run"},
		{JobNoScript, finding.Error, "a job without script, run or trigger"},
		{TriggerKeys, finding.Error, "a trigger job uses a keyword trigger jobs do not accept"},
		{RulesExclusive, finding.Error, "rules together with only, except or start_in"},
		{Delayed, finding.Error, "when: delayed without start_in, start_in without it, or longer than a week"},
		{Duration, finding.Error, "expire_in, timeout or auto_stop_in that GitLab cannot read as a duration, or over its limit"},
		{JobName, finding.Error, "a job name that is empty, not text, or longer than 255 characters (needs: also after parallel expansion)"},
		{Parallel, finding.Error, "parallel that is not a whole number, a number on a trigger job, or a parallel:matrix that makes more than 200 jobs"},
		{NoVisibleJob, finding.Error, "the pipeline has no visible job"},
		{ScriptSyntax, finding.Error, "a script line that is not valid shell"},
		{Shellcheck, finding.Warning, "a ShellCheck finding in a script (with --shellcheck)"},
		{DeprecatedKeyword, finding.Warning, "only/except, or global image, services, cache, before_script, after_script"},
		{ImageTag, finding.Warning, "an image without a tag, or with :latest"},
		{VariableSecret, finding.Warning, "a credential written into variables"},
		{VariableValue, finding.Warning, "an unquoted variable value that YAML reads as another value (3.10 as 3.1, yes as true)"},
		{DuplicatePipelines, finding.Warning, "rules that run a job in both branch and merge request pipelines"},
		{Config, finding.Error, "a problem in .cilint.yml or in a cilint comment"},
		{InputMissing, finding.Error, "a required input (one without default) is not given"},
		{InputUnknown, finding.Error, "an input the file or component does not declare"},
		{InputType, finding.Error, "an input value of the wrong type"},
		{InputOptions, finding.Error, "an input value that is not one of its options"},
		{InputRegex, finding.Error, "an input value that does not match its regex"},
		{InputSpec, finding.Error, "a spec:inputs declaration whose default breaks its own options or regex, or whose regex is not RE2"},
		{InputUnused, finding.Warning, "an input declared in spec:inputs but never used"},
		{Interpolation, finding.Error, "a $[[ ]] block with an unknown key or function, or malformed"},
		{ComponentRef, finding.Error, "an include:component reference that is not <host>/<project>/<name>@<version>"},
		{ComponentNotFound, finding.Error, "a component, or a version of it, that the catalog does not have"},
		{ComponentVersion, finding.Warning, "a component used at a moving reference (a branch or ~latest) although releases exist"},
		{GitLabLint, finding.Error, "a problem GitLab's lint API reports (with --remote) that cilint did not find itself"},
		{RemoteDisagreement, finding.Warning, "GitLab's lint API and cilint disagree about the configuration (with --remote)"},
		{GitLabVersion, finding.Error, "a keyword, value or syntax newer than the GitLab version linted for (--gitlab-version, gitlab_version:)"},
		{CatalogLayout, finding.Error, "(cilint catalog lint) a catalog project without a root README.md, or a template GitLab does not take as a component"},
		{CatalogLimit, finding.Error, "(cilint catalog lint) more components than GitLab releases from one project (30; 10 before 16.9)"},
		{CatalogREADME, finding.Error, "(cilint catalog lint) a component README whose inputs table is out of date with its spec:inputs"},
		{CatalogNoREADME, finding.Warning, "(cilint catalog lint) a component folder without a README.md"},
		{CatalogInputDescription, finding.Warning, "(cilint catalog lint) a component input without a description"},
		{CatalogPlaceholder, finding.Info, "(cilint catalog lint) a required input cilint could not make a matching value for (its regex), so the component is linted with a value GitLab would refuse"},
	}
}

// catalogue is All() by ID, built once and only read afterwards.
var catalogue = func() map[string]Rule {
	m := map[string]Rule{}
	for _, r := range All() {
		m[r.ID] = r
	}
	return m
}()

// Lookup returns the rule with the given ID.
func Lookup(id string) (Rule, bool) {
	r, ok := catalogue[id]
	return r, ok
}

// SeverityOf is the catalogue severity of the rule id; an ID that is not
// in the catalogue (a programming error, caught by the tests) is an error.
func SeverityOf(id string) finding.Severity {
	if r, ok := catalogue[id]; ok {
		return r.Severity
	}
	return finding.Error
}

// New is how every stage reports a finding: the rule, where, and what;
// the severity is the rule's, from the catalogue. A stage that must report
// it lower says why with Soften.
func New(rule string, pos finding.Pos, msg string) finding.Finding {
	return finding.Finding{Pos: pos, Severity: SeverityOf(rule), Rule: rule, Message: msg}
}

// Newf is New with a formatted message.
func Newf(rule string, pos finding.Pos, format string, args ...any) finding.Finding {
	return New(rule, pos, fmt.Sprintf(format, args...))
}

// Softening names why a finding is reported below its rule's severity.
// Soften is the one way to do it, so every softening is found by
// searching for it.
type Softening string

// The reasons a finding is softened.
const (
	// Unresolved: what seems missing may be defined by a file cilint did
	// not read: an include it could not follow (offline, variables, no
	// access), or the pipeline that includes a template linted alone.
	Unresolved Softening = "unresolved"
	// Conditional: the finding holds only for some outcomes of include:rules
	// cilint cannot decide, not for every pipeline.
	Conditional Softening = "conditional"
	// Note: an informational remark filed under the rule it is about (the
	// GitLab version assumed, a default taken), not a problem.
	Note Softening = "note"
	// Unconfirmed: the problem could not be confirmed (a catalog that could
	// not be listed, a wildcard that matches nothing) and GitLab may accept
	// the pipeline.
	Unconfirmed Softening = "unconfirmed"
	// Accepted: GitLab creates the pipeline (it ignores the offending
	// part, reads it otherwise than meant, or fails only when the job
	// runs), where the rule's other cases make it refuse the pipeline.
	Accepted Softening = "accepted"
	// AllowedToFail: the job the finding makes fail is allowed to fail, so
	// GitLab shows a warning and the pipeline passes.
	AllowedToFail Softening = "allowed-to-fail"
	// GitLabWarning: GitLab itself reports it as a warning, not an error.
	GitLabWarning Softening = "gitlab-warning"
)

// Departs reports whether f's severity is neither its rule's nor lowered
// from it through Soften (or its rule is not in the catalogue): what the
// tests check every emitted finding against, before .cilint.yml.
func Departs(f finding.Finding) bool {
	r, ok := catalogue[f.Rule]
	switch {
	case !ok:
		return true
	case f.Severity == r.Severity:
		return false
	default:
		return f.Softened == "" || f.Severity > r.Severity
	}
}

// Soften lowers f to sev, for the reason why. Raising is not softening:
// a severity at or above f's leaves f as it is.
func Soften(f finding.Finding, sev finding.Severity, why Softening) finding.Finding {
	if sev < f.Severity {
		f.Severity = sev
		f.Softened = string(why)
	}
	return f
}
