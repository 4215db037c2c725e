package report

import (
	"encoding/xml"
	"fmt"
	"io"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/rules"
)

// SARIF writes the findings as a SARIF 2.1.0 log, with every rule's
// metadata, for code-scanning tools.
func SARIF(w io.Writer, fs []finding.Finding, version string) error {
	type message struct {
		Text string `json:"text"`
	}
	type rule struct {
		ID                   string            `json:"id"`
		ShortDescription     message           `json:"shortDescription"`
		HelpURI              string            `json:"helpUri"`
		DefaultConfiguration map[string]string `json:"defaultConfiguration"`
	}
	level := func(s finding.Severity) string {
		return map[finding.Severity]string{finding.Error: "error", finding.Warning: "warning", finding.Info: "note"}[s]
	}
	var driverRules []rule
	for _, r := range rules.All() {
		driverRules = append(driverRules, rule{ID: r.ID, ShortDescription: message{r.Summary},
			HelpURI:              "https://gitlab.com/trustci/cicd/-/blob/main/docs/rules.md#" + r.ID,
			DefaultConfiguration: map[string]string{"level": level(r.Severity)}})
	}
	results := make([]map[string]any, 0, len(fs))
	for _, f := range fs {
		region := map[string]int{"startLine": max(f.Pos.Line, 1), "startColumn": max(f.Pos.Col, 1)}
		if f.EndCol > f.Pos.Col {
			region["endColumn"] = f.EndCol
		}
		results = append(results, map[string]any{
			"ruleId":  f.Rule,
			"level":   level(f.Severity),
			"message": message{f.Message},
			"locations": []any{map[string]any{"physicalLocation": map[string]any{
				"artifactLocation": map[string]string{"uri": f.Pos.File},
				"region":           region,
			}}},
		})
	}
	log := map[string]any{
		"version": "2.1.0",
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"runs": []any{map[string]any{
			"tool": map[string]any{"driver": map[string]any{
				"name": "cilint", "version": version, "informationUri": "https://gitlab.com/trustci/cicd", "rules": driverRules,
			}},
			"results": results,
		}},
	}
	return encodeJSON(w, log)
}

// JUnit writes one test suite per linted file and one failing test case per
// error (warnings and infos are reported as skipped cases), so CI systems
// that read JUnit show cilint's findings.
func JUnit(w io.Writer, fs []finding.Finding, files []string) error {
	type failure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
	type skipped struct {
		Message string `xml:"message,attr"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Failure   *failure `xml:"failure,omitempty"`
		Skipped   *skipped `xml:"skipped,omitempty"`
	}
	type suite struct {
		Name     string     `xml:"name,attr"`
		Tests    int        `xml:"tests,attr"`
		Failures int        `xml:"failures,attr"`
		Cases    []testcase `xml:"testcase"`
	}
	byFile := map[string]*suite{}
	var order []string
	for _, f := range files {
		byFile[f] = &suite{Name: f}
		order = append(order, f)
	}
	for _, f := range fs {
		s := byFile[f.Pos.File]
		if s == nil {
			s = &suite{Name: f.Pos.File}
			byFile[f.Pos.File] = s
			order = append(order, f.Pos.File)
		}
		// XML keeps C1 and bidirectional controls, which a terminal
		// showing the report would obey: they are shown as symbols, as in
		// the text report.
		loc, msg := clean(Location(f.Pos)), clean(f.Message)
		c := testcase{Name: fmt.Sprintf("%s %s", loc, f.Rule), Classname: f.Rule}
		if f.Severity == finding.Error {
			c.Failure = &failure{Message: msg, Type: f.Rule, Text: loc + ": " + msg}
			s.Failures++
		} else {
			c.Skipped = &skipped{Message: f.Severity.String() + ": " + msg}
		}
		s.Cases = append(s.Cases, c)
		s.Tests++
	}
	type suites struct {
		XMLName xml.Name `xml:"testsuites"`
		Suites  []*suite `xml:"testsuite"`
	}
	out := suites{}
	for _, name := range order {
		s := byFile[name]
		if s.Tests == 0 {
			s.Cases = []testcase{{Name: "cilint", Classname: "cilint"}}
			s.Tests = 1
		}
		out.Suites = append(out.Suites, s)
	}
	io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
