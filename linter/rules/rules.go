// Package rules lists every check cilint can report, with a stable ID,
// a default severity and a one-line summary. docs/rules.md has one entry per
// ID with a bad and a good example; a test keeps the two in step.
package rules

import "gitlab.com/trustci/cicd/linter/finding"

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
	}
}

// Lookup returns the rule with the given ID.
func Lookup(id string) (Rule, bool) {
	for _, r := range All() {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}
