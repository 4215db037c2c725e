// Package tree reads the files a pipeline names only when they are what
// they claim to be: regular files, inside the tree they belong to (the
// repository, a catalog). A merge request can add a link to
// /proc/self/environ or a FIFO as easily as a YAML file; cilint must
// neither print the first nor hang on the second.
package tree

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Errors callers tell apart.
var (
	ErrNotRegular = errors.New("not a regular file")
	ErrOutside    = errors.New("outside the tree it belongs to")
)

// ReadFunc reads a file a pipeline names, as ReadRegular does: at most
// max+1 bytes. Callers that hold files not yet on disk (an editor's
// unsaved buffers, for cilint lsp) pass one that answers for those and
// calls ReadRegular for the rest; nil means ReadRegular.
type ReadFunc func(path string, max int64) ([]byte, error)

// Read calls read, or ReadRegular when read is nil.
func (read ReadFunc) Read(path string, max int64) ([]byte, error) {
	if read == nil {
		return ReadRegular(path, max)
	}
	return read(path, max)
}

// ReadRegular reads at most max+1 bytes of path (one more than the limit,
// so a caller can tell an oversized file), refusing anything but a
// regular file. The type is checked before the file is opened, and again
// on the open file (opened non-blocking, so a FIFO swapped in between
// cannot hang the read).
func ReadRegular(path string, max int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w (%s)", ErrNotRegular, kind(st.Mode()))}
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: path, Err: ErrNotRegular}
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}

// Within reports, as an error wrapping ErrOutside, whether path (with
// every link resolved) lies outside root (also resolved). A path that
// does not exist is not outside: reading it will say it is missing.
func Within(root, path string) error {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		realRoot = root
	}
	realRoot, _ = filepath.Abs(realRoot)
	real, _ = filepath.Abs(real)
	rel, err := filepath.Rel(realRoot, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w: it resolves to a file outside %s", ErrOutside, root)}
	}
	return nil
}

// kind names a file mode for messages.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}
