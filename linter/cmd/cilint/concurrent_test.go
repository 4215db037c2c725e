package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Several FILE arguments are linted at the same time: the report is the
// same, byte for byte, whichever lint ends first, and equal to the
// findings of each file linted alone, put together (and deduplicated).
func TestManyFilesAtOnce(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "shared.yml"), []byte(".base:\n  image: alpine\n  scripts: oops\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var files []string
	for i := range 12 {
		src := fmt.Sprintf("include: shared.yml\njob%d:\n  extends: .base\n  script: echo %d\n  needs: [missing%d]\n", i, i, i)
		if i%3 == 0 {
			src += "  when: sometimes\n"
		}
		p := filepath.Join(dir, fmt.Sprintf("p%02d.yml", i))
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	args := append([]string{"lint", "--offline", "--root", dir, "--format", "json"}, files...)
	code, first, errOut := runCLI(args, nil)
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errOut)
	}
	for range 5 {
		if _, again, _ := runCLI(args, nil); again != first {
			t.Fatalf("the report changed between runs:\n%s\n---\n%s", first, again)
		}
	}
	var together []map[string]any
	if err := json.Unmarshal([]byte(first), &together); err != nil {
		t.Fatal(err)
	}
	var alone []map[string]any
	for _, f := range files {
		_, out, _ := runCLI([]string{"lint", "--offline", "--root", dir, "--format", "json", f}, nil)
		var fs []map[string]any
		if err := json.Unmarshal([]byte(out), &fs); err != nil {
			t.Fatal(err)
		}
		alone = append(alone, fs...)
	}
	// A finding of the shared file is reported once.
	key := func(fs []map[string]any) map[string]bool {
		m := map[string]bool{}
		for _, f := range fs {
			b, _ := json.Marshal(f)
			m[string(b)] = true
		}
		return m
	}
	if !reflect.DeepEqual(key(together), key(alone)) {
		t.Errorf("files linted together found %d findings, alone %d", len(together), len(alone))
	}

	// A file that cannot be read stops the run there, as it did one file
	// at a time: its error is the one said, whatever else was linted.
	missing := filepath.Join(dir, "nope.yml")
	args = append([]string{"lint", "--offline", "--root", dir}, files[0], missing, files[1], filepath.Join(dir, "nope2.yml"))
	code, out, errOut := runCLI(args, nil)
	if code != 2 || out != "" || !strings.Contains(errOut, "nope.yml") || strings.Contains(errOut, "nope2.yml") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
