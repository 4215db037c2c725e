package repo

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Extract limits: the files of a revision are written for cilint to read
// pipelines from, so only their names must be complete (rules:exists);
// a file larger than maxExtractFile (no pipeline file is) is written
// empty, and a tree of more than maxExtractFiles entries is refused.
const (
	maxExtractFile  = 4 << 20
	maxExtractFiles = 200_000
	extractTimeout  = 2 * time.Minute
)

// Extract writes the files of revision rev (a commit, branch or tag) into
// dest, as `git archive` gives them: the pipeline of another revision can
// then be read as it was there, its local includes too. Symbolic links
// are left out.
func (r Repo) Extract(rev, dest string) error {
	return r.ExtractDir(context.Background(), rev, ".", dest, 0)
}

// ExtractDir is Extract of folder dir (slash-separated, relative to the
// root; "." for all of it) only, with the regular files' bytes bounded by
// budget when it is above zero: a revision past it is refused rather than
// written in part, since a catalog read in part would lint as another one.
// ctx may bound it more tightly than Extract's own timeout.
func (r Repo) ExtractDir(ctx context.Context, rev, dir, dest string, budget int64) error {
	path, err := exec.LookPath("git")
	if err != nil {
		return ErrNoGit
	}
	if strings.HasPrefix(rev, "-") {
		return fmt.Errorf("revision %q: a revision cannot start with -", rev)
	}
	ctx, cancel := context.WithTimeout(ctx, extractTimeout)
	defer cancel()
	args := []string{"-C", r.Root, "archive", "--format=tar", rev + "^{tree}"}
	if dir != "." && dir != "" {
		args = append(args, "--", dir)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(cmd.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_PAGER=cat", "GIT_OPTIONAL_LOCKS=0")
	var stderr bytes.Buffer
	cmd.Stderr = &limited{w: &stderr, left: 4096}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("git archive: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("git archive: %w", err)
	}
	werr := untar(out, dest, budget)
	if werr != nil {
		cancel()
	}
	_, _ = io.Copy(io.Discard, out)
	if err := cmd.Wait(); err != nil && werr == nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("git archive %s in %s: %s", rev, r.Root, msg)
	}
	return werr
}

func untar(r io.Reader, dest string, budget int64) error {
	tr := tar.NewReader(r)
	left := budget
	for n := 0; ; n++ {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading git archive: %w", err)
		}
		if n > maxExtractFiles {
			return fmt.Errorf("the revision has more than %d files", maxExtractFiles)
		}
		name := filepath.FromSlash(h.Name)
		if !filepath.IsLocal(name) {
			continue
		}
		target := filepath.Join(dest, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return fmt.Errorf("extracting: %w", err)
			}
		case tar.TypeReg:
			if budget > 0 { // counted before the write: past it nothing more is written
				if left -= h.Size; left < 0 {
					return fmt.Errorf("the files are over %d bytes", budget)
				}
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return fmt.Errorf("extracting: %w", err)
			}
			f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
			if err != nil {
				return fmt.Errorf("extracting: %w", err)
			}
			// Under a budget every file is written whole, so that a
			// reader's own size bound reports a large file as too large
			// rather than reading it empty.
			if h.Size <= maxExtractFile || budget > 0 {
				_, err = io.Copy(f, tr)
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("extracting %s: %w", h.Name, err)
			}
		}
	}
}
