package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/impact"
)

func TestCatalogLintCommand(t *testing.T) {
	faults := filepath.Join("..", "..", "cataloglint", "testdata", "faults")
	clean := filepath.Join("..", "..", "cataloglint", "testdata", "clean")
	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string // in stdout
		err  string // in stderr
	}{
		{"clean", []string{"catalog", "lint", clean}, exitOK, "", "1 component, 3 instantiations, 0 findings"},
		{"faults", []string{"catalog", "lint", "--oneline", faults}, exitFindings, "got 3 (with `retry: 3`) [schema]", "10 findings"},
		{"json", []string{"catalog", "lint", "--format", "json", faults}, exitFindings, `"rule": "catalog-readme"`, ""},
		{"not a catalog", []string{"catalog", "lint", t.TempDir()}, exitUsage, "", "templates"},
		{"two dirs", []string{"catalog", "lint", clean, faults}, exitUsage, "", "Usage"},
		{"bad format", []string{"catalog", "lint", "--format", "xml", clean}, exitUsage, "", "unknown --format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(tc.args, nil)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.err) {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errOut)
			}
		})
	}
}

func TestImpactUsage(t *testing.T) {
	cat := filepath.Join("..", "..", "cataloglint", "testdata", "clean")
	for _, tc := range []struct {
		name string
		args []string
		err  string
	}{
		{"no catalog", []string{"impact", "."}, "--catalog PREFIX=NEW_DIR"},
		{"no consumer", []string{"impact", "--catalog", "gitlab.com/a/b=" + cat}, "either CONSUMER"},
		{"both", []string{"impact", "--catalog", "gitlab.com/a/b=" + cat, "--group", "g", "."}, "either CONSUMER"},
		{"bad shard", []string{"impact", "--catalog", "gitlab.com/a/b=" + cat, "--shard", "5/4", "."}, "--shard"},
		{"not a catalog", []string{"impact", "--catalog", "gitlab.com/a/b=" + t.TempDir(), "."}, "not a catalog project"},
		{"group offline", []string{"impact", "--offline", "--catalog", "gitlab.com/a/b=" + cat, "--group", "g"}, "--offline"},
		{"no pipeline", []string{"impact", "--offline", "--catalog", "gitlab.com/a/b=" + cat, t.TempDir()}, "has no .gitlab-ci.yml"},
		{"merge nothing", []string{"impact", "merge"}, "Usage"},
		{"bad prefix", []string{"impact", "--offline", "--catalog", "gitlab.com/b=" + cat, "."}, "<host>/<group>/<project>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(tc.args, nil)
			if code != exitUsage || !strings.Contains(errOut, tc.err) {
				t.Errorf("exit %d, want %d and %q\nstdout:\n%s\nstderr:\n%s", code, exitUsage, tc.err, out, errOut)
			}
		})
	}
}

// TestImpactMergeCommand: the merge of shard reports exits 1 when one of
// them has a new error, and refuses an incomplete set of shards.
func TestImpactMergeCommand(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, r impact.Report) string {
		p := filepath.Join(dir, name)
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	broken := impact.Row{Consumer: "acme/b", Uses: []impact.Use{{Component: "build", Version: "1.0.0"}}, After: 1,
		NewErrors: []impact.Problem{{File: "acme/b/.gitlab-ci.yml", Line: 4, Column: 7, Rule: "input-unknown", Message: "component build has no input `image_tag`"}}}
	one := write("1.json", impact.Report{Catalog: "gitlab.com/acme/c", Shard: &impact.Shard{Index: 1, Total: 2}, Scanned: 3, Consumers: []impact.Row{{Consumer: "acme/a"}}})
	two := write("2.json", impact.Report{Catalog: "gitlab.com/acme/c", Shard: &impact.Shard{Index: 2, Total: 2}, Scanned: 2, Consumers: []impact.Row{broken}})
	code, out, errOut := runCLI([]string{"impact", "merge", one, two}, nil)
	if code != exitFindings || !strings.Contains(out, "acme/b/.gitlab-ci.yml:4:7: error: component build has no input `image_tag` [input-unknown]") ||
		!strings.Contains(out, "1 of 2 consumers break with the change (5 projects scanned)") {
		t.Errorf("merge: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI([]string{"impact", "merge", "--format", "json", one}, nil)
	if code != exitUsage || !strings.Contains(errOut, "shards 2/2 are missing") {
		t.Errorf("merge of one shard of two: exit %d\n%s%s", code, out, errOut)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"catalog":"x","consumers":[],"extra":1}`), 0o644)
	if code, _, errOut := runCLI([]string{"impact", "merge", bad}, nil); code != exitUsage || !strings.Contains(errOut, "extra") {
		t.Errorf("unknown field: exit %d\n%s", code, errOut)
	}
}
