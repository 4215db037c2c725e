package impact

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gitlab.com/trustci/cicd/linter/tree"
)

const scanRef = "include:\n  - component: " + testPrefix + "/build@1.0.0\n"

// TestReadScanned: a consumer's file is read only when it is a regular
// file inside the consumer within the bound; a FIFO is passed over without
// hanging, a file over the bound is passed over and not read whole, a link
// out of the tree is refused.
func TestReadScanned(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret.yml")
	write(t, outside, scanRef)
	for _, tc := range []struct {
		name    string
		make    func(path string) error
		want    string
		wantErr error
	}{
		{"regular", func(p string) error { return os.WriteFile(p, []byte(scanRef), 0o644) }, scanRef, nil},
		{"at the bound", func(p string) error {
			return os.WriteFile(p, []byte(scanRef+strings.Repeat("#", maxScanBytes-len(scanRef))), 0o644)
		}, scanRef + strings.Repeat("#", maxScanBytes-len(scanRef)), nil},
		{"over the bound", func(p string) error {
			return os.WriteFile(p, []byte(scanRef+strings.Repeat("#", maxScanBytes)), 0o644)
		}, "", nil},
		{"fifo", mkfifo, "", nil},
		{"link out", func(p string) error { return os.Symlink(outside, p) }, "", tree.ErrOutside},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".yml")
			if err := tc.make(p); err != nil {
				t.Skip(err)
			}
			type result struct {
				b   []byte
				err error
			}
			done := make(chan result, 1)
			go func() {
				b, err := readScanned(dir, p)
				done <- result{b, err}
			}()
			var res result
			select {
			case res = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("readScanned hangs")
			}
			if tc.wantErr != nil {
				if !errors.Is(res.err, tc.wantErr) {
					t.Errorf("error %v, want %v", res.err, tc.wantErr)
				}
				return
			}
			if res.err != nil || string(res.b) != tc.want {
				t.Errorf("read %d bytes, %v; want %d bytes", len(res.b), res.err, len(tc.want))
			}
		})
	}
}

// TestUsesPassesOver: Uses counts the reference of the regular file and
// none of a FIFO's or an oversized file's, and returns.
func TestUsesPassesOver(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, ".gitlab-ci.yml"), scanRef)
	write(t, filepath.Join(dir, "big.yml"), strings.Replace(scanRef, "1.0.0", "2.0.0", 1)+strings.Repeat("#", maxScanBytes))
	if err := mkfifo(filepath.Join(dir, "pipe.yml")); err != nil {
		t.Log(err)
	}
	r, err := New(Options{Prefix: testPrefix, NewDir: catalogRepo(t), Lint: lintOptions()})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := r.Uses(Consumer{Name: "c", Dir: dir})
	if want := []Use{{"build", "1.0.0"}}; err != nil || !slices.Equal(got, want) {
		t.Errorf("Uses = %v, %v; want %v", got, err, want)
	}
}
