package tree

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "ci.yml")
	os.WriteFile(file, []byte("0123456789"), 0o644)
	fifo := filepath.Join(dir, "fifo.yml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.yml")
	os.Symlink(file, link)
	tests := []struct {
		path    string
		want    string
		wantErr error
	}{
		{file, "0123456", nil}, // max+1 bytes
		{link, "0123456", nil},
		{fifo, "", ErrNotRegular}, // refused, never blocks
		{dir, "", ErrNotRegular},
		{"/dev/null", "", ErrNotRegular},
		{filepath.Join(dir, "none.yml"), "", os.ErrNotExist},
	}
	for _, tt := range tests {
		b, err := ReadRegular(tt.path, 6)
		if !errors.Is(err, tt.wantErr) || string(b) != tt.want {
			t.Errorf("ReadRegular(%s) = %q, %v; want %q, %v", filepath.Base(tt.path), b, err, tt.want, tt.wantErr)
		}
	}
}

func TestWithin(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret"), []byte("x"), 0o600)
	os.WriteFile(filepath.Join(root, "a.yml"), []byte("x"), 0o644)
	os.Mkdir(filepath.Join(root, "sub"), 0o755)
	os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "out.yml"))
	os.Symlink("/proc/self/environ", filepath.Join(root, "env.yml"))
	os.Symlink("../a.yml", filepath.Join(root, "sub", "up.yml"))
	os.Symlink(outside, filepath.Join(root, "dirlink"))
	tests := []struct {
		rel     string
		outside bool
	}{
		{"a.yml", false},
		{"sub/up.yml", false}, // a link that stays inside
		{"missing.yml", false},
		{"out.yml", true},
		{"env.yml", true},
		{"dirlink/secret", true},
	}
	for _, tt := range tests {
		err := Within(root, filepath.Join(root, tt.rel))
		if errors.Is(err, ErrOutside) != tt.outside {
			t.Errorf("Within(%s) = %v; outside %v", tt.rel, err, tt.outside)
		}
	}
	// The root itself reached through a link is still the root.
	alias := filepath.Join(t.TempDir(), "alias")
	os.Symlink(root, alias)
	if err := Within(alias, filepath.Join(alias, "a.yml")); err != nil {
		t.Errorf("through a linked root: %v", err)
	}
}
