package image_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// The report formats trivy-scan's artifacts claim, validated against the
// formats' own published JSON Schemas (testdata/schemas, README there):
// GitLab's security report schema of the version the container-scanning
// report declares, and CycloneDX's schema of the specVersion the SBOM
// declares, with the SPDX licence list, JSF and cryptography schemas it
// refers to. A version with no vendored schema is a failure: vendor it.

// schemaDir holds one directory per format and version.
var schemaDir = filepath.Join("testdata", "schemas")

// reportSchema compiles the schema for a report format ("gitlab" or
// "cyclonedx") at a version. Every file of the version's directory is a
// resource under its own $id, so references between them resolve
// offline; anything else a schema refers to is refused, never fetched.
func reportSchema(format, version string) (*jsonschema.Schema, error) {
	dir := filepath.Join(schemaDir, format+"-"+version)
	var main string
	switch format {
	case "gitlab":
		main = "container-scanning-report-format.json"
	case "cyclonedx":
		main = "bom-" + version + ".schema.json"
	default:
		return nil, fmt.Errorf("unknown report format %q", format)
	}
	if _, err := os.Stat(filepath.Join(dir, main)); err != nil {
		return nil, fmt.Errorf("no %s schema %s is vendored (%s): vendor it from its source with its licence (testdata/schemas/README.md)", format, version, filepath.Join(dir, main))
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	c.LoadURL = func(url string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("%s is not vendored in %s", url, dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var mainID string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		var doc struct {
			ID string `json:"$id"`
		}
		if err := json.Unmarshal(b, &doc); err != nil || doc.ID == "" {
			return nil, fmt.Errorf("%s: no $id (%v)", e.Name(), err)
		}
		if err := c.AddResource(doc.ID, bytes.NewReader(b)); err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		if e.Name() == main {
			mainID = doc.ID
		}
	}
	return c.Compile(mainID)
}

// validateReport validates a report against the schema of the version it
// declares (the field versionField).
func validateReport(format, versionField string, raw []byte) error {
	var head map[string]any
	if err := json.Unmarshal(raw, &head); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	version, _ := head[versionField].(string)
	if version == "" {
		return fmt.Errorf("no %s", versionField)
	}
	schema, err := reportSchema(format, version)
	if err != nil {
		return err
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return err
	}
	return schema.Validate(doc)
}

func validateGitLabReport(raw []byte) error { return validateReport("gitlab", "version", raw) }
func validateCycloneDX(raw []byte) error    { return validateReport("cyclonedx", "specVersion", raw) }

// A container-scanning report as Trivy's gitlab.tpl writes it, with one
// vulnerability.
const gitlabReport = `{
  "version": "15.0.7",
  "scan": {
    "analyzer": {"id": "trivy", "name": "Trivy", "vendor": {"name": "Aqua Security"}, "version": "0.74.0"},
    "end_time": "2026-12-01T10:00:05",
    "scanner": {"id": "trivy", "name": "Trivy", "url": "https://github.com/aquasecurity/trivy/", "vendor": {"name": "Aqua Security"}, "version": "0.74.0"},
    "start_time": "2026-12-01T10:00:00",
    "status": "success",
    "type": "container_scanning"
  },
  "vulnerabilities": [
    {
      "id": "CVE-2025-0001",
      "name": "example: a flaw",
      "description": "A flaw in an example package.",
      "severity": "High",
      "solution": "Upgrade example to 1.2.4",
      "location": {
        "dependency": {"package": {"name": "example"}, "version": "1.2.3"},
        "operating_system": "debian 12.12",
        "image": "registry.example.com/shop@sha256:0000000000000000000000000000000000000000000000000000000000000000"
      },
      "identifiers": [{"type": "cve", "name": "CVE-2025-0001", "value": "CVE-2025-0001", "url": "https://avd.aquasec.com/nvd/cve-2025-0001"}],
      "links": [{"url": "https://avd.aquasec.com/nvd/cve-2025-0001"}]
    }
  ],
  "remediations": []
}`

// A CycloneDX SBOM of the shape Trivy writes.
const cyclonedxBOM = `{
  "$schema": "http://cyclonedx.org/schema/bom-1.7.schema.json",
  "bomFormat": "CycloneDX",
  "specVersion": "1.7",
  "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
  "version": 1,
  "metadata": {
    "timestamp": "2026-12-01T10:00:00+00:00",
    "tools": {"components": [{"type": "application", "group": "aquasecurity", "name": "trivy", "version": "0.74.0"}]},
    "component": {"bom-ref": "root", "type": "container", "name": "registry.example.com/shop"}
  },
  "components": [
    {"bom-ref": "pkg:pypi/django@5.2.8", "type": "library", "name": "django", "version": "5.2.8", "purl": "pkg:pypi/django@5.2.8",
     "properties": [{"name": "aquasecurity:trivy:PkgType", "value": "python-pkg"}]}
  ],
  "dependencies": [{"ref": "root", "dependsOn": ["pkg:pypi/django@5.2.8"]}],
  "vulnerabilities": []
}`

// edit returns doc with change applied to its decoded form.
func edit(t *testing.T, doc string, change func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func field(m map[string]any, path ...string) map[string]any {
	for _, p := range path {
		switch v := m[p].(type) {
		case map[string]any:
			m = v
		case []any:
			m = v[0].(map[string]any)
		}
	}
	return m
}

// TestReportSchemas: the validation the image test applies to Trivy's
// reports accepts reports of the right shape and refuses each way a
// report can break its schema. It needs nothing of make image-test.
func TestReportSchemas(t *testing.T) {
	tests := []struct {
		name     string
		validate func([]byte) error
		report   func(t *testing.T) []byte
		wantErr  string // "" for valid
	}{
		{"gitlab: as gitlab.tpl writes it", validateGitLabReport, func(t *testing.T) []byte { return []byte(gitlabReport) }, ""},
		{"gitlab: no vulnerabilities", validateGitLabReport, func(t *testing.T) []byte {
			return edit(t, gitlabReport, func(m map[string]any) { m["vulnerabilities"] = []any{} })
		}, ""},
		{"gitlab: no scan", validateGitLabReport, func(t *testing.T) []byte {
			return edit(t, gitlabReport, func(m map[string]any) { delete(m, "scan") })
		}, "missing properties: 'scan'"},
		{"gitlab: another scan type", validateGitLabReport, func(t *testing.T) []byte {
			return edit(t, gitlabReport, func(m map[string]any) { field(m, "scan")["type"] = "dependency_scanning" })
		}, "/scan/type"},
		{"gitlab: a time zone in end_time", validateGitLabReport, func(t *testing.T) []byte {
			return edit(t, gitlabReport, func(m map[string]any) { field(m, "scan")["end_time"] = "2026-12-01T10:00:05Z" })
		}, "/scan/end_time"},
		{"gitlab: Trivy's upper-case severity", validateGitLabReport, func(t *testing.T) []byte {
			return edit(t, gitlabReport, func(m map[string]any) { field(m, "vulnerabilities")["severity"] = "HIGH" })
		}, "/vulnerabilities/0/severity"},
		{"gitlab: no identifiers", validateGitLabReport, func(t *testing.T) []byte {
			return edit(t, gitlabReport, func(m map[string]any) { field(m, "vulnerabilities")["identifiers"] = []any{} })
		}, "/vulnerabilities/0/identifiers"},
		{"gitlab: a link that is not a URL", validateGitLabReport, func(t *testing.T) []byte {
			return edit(t, gitlabReport, func(m map[string]any) {
				field(m, "vulnerabilities")["links"] = []any{map[string]any{"url": "avd.aquasec.com"}}
			})
		}, "/vulnerabilities/0/links/0/url"},
		{"gitlab: a name over 255 characters", validateGitLabReport, func(t *testing.T) []byte {
			return edit(t, gitlabReport, func(m map[string]any) { field(m, "vulnerabilities")["name"] = strings.Repeat("x", 256) })
		}, "/vulnerabilities/0/name"},
		{"gitlab: a version with no vendored schema", validateGitLabReport, func(t *testing.T) []byte {
			return edit(t, gitlabReport, func(m map[string]any) { m["version"] = "2.3" })
		}, "no gitlab schema 2.3 is vendored"},
		{"cyclonedx: as Trivy writes it", validateCycloneDX, func(t *testing.T) []byte { return []byte(cyclonedxBOM) }, ""},
		{"cyclonedx: another bomFormat", validateCycloneDX, func(t *testing.T) []byte {
			return edit(t, cyclonedxBOM, func(m map[string]any) { m["bomFormat"] = "SPDX" })
		}, "/bomFormat"},
		{"cyclonedx: a property the format does not have", validateCycloneDX, func(t *testing.T) []byte {
			return edit(t, cyclonedxBOM, func(m map[string]any) { field(m, "components")["licence"] = "MIT" })
		}, "additionalProperties 'licence' not allowed"},
		{"cyclonedx: an unknown component type", validateCycloneDX, func(t *testing.T) []byte {
			return edit(t, cyclonedxBOM, func(m map[string]any) { field(m, "components")["type"] = "package" })
		}, "/components/0/type"},
		{"cyclonedx: a serial number that is not a UUID URN", validateCycloneDX, func(t *testing.T) []byte {
			return edit(t, cyclonedxBOM, func(m map[string]any) { m["serialNumber"] = "3e671687" })
		}, "/serialNumber"},
		{"cyclonedx: a licence id SPDX does not list", validateCycloneDX, func(t *testing.T) []byte {
			return edit(t, cyclonedxBOM, func(m map[string]any) {
				field(m, "components")["licenses"] = []any{map[string]any{"license": map[string]any{"id": "Not-A-Licence"}}}
			})
		}, "/components/0/licenses"},
		{"cyclonedx: a timestamp that is not a date-time", validateCycloneDX, func(t *testing.T) []byte {
			return edit(t, cyclonedxBOM, func(m map[string]any) { field(m, "metadata")["timestamp"] = "yesterday" })
		}, "/metadata/timestamp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.validate(tt.report(t))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("a valid report is refused: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("a report that breaks the schema is accepted (want %q)", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(fmt.Sprintf("%#v", err), tt.wantErr):
				t.Fatalf("error %#v, want it to mention %q", err, tt.wantErr)
			}
		})
	}
}
