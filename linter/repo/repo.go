// Package repo is the git repository a file lives in, as git itself sees
// it: its top level, the commit checked out, its tags and remotes. It asks
// the git command rather than reading .git by hand, so worktrees and
// submodules (where .git is a file), packed refs and nested tag names
// (release/1.0) come out as git says, in every layout git has.
package repo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"
)

// ErrNoGit means the git command is not installed: what needs the
// repository (its root, tags, commit) cannot be known.
var ErrNoGit = errors.New("the git command is not installed (install git, or pass --root for the repository root)")

// ErrNotRepo means the folder is not inside a git work tree.
var ErrNotRepo = errors.New("not inside a git work tree")

// timeout bounds one git call: these are local reads.
const timeout = 10 * time.Second

// maxOutput bounds what one git call may print (a repository with a
// hundred thousand tags prints a few MiB).
const maxOutput = 16 << 20

// Repo is a git work tree.
type Repo struct {
	// Root is the top level of the work tree.
	Root string
}

// Find returns the work tree holding dir.
func Find(dir string) (Repo, error) {
	out, err := git(dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return Repo{}, err
	}
	return Repo{Root: strings.TrimSpace(out)}, nil
}

// Head is the commit checked out, or "" in a repository with no commit.
func (r Repo) Head() string {
	out, err := git(r.Root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}

// Tags lists the tag names, nested ones with their slashes, loose and
// packed alike.
func (r Repo) Tags() ([]string, error) {
	out, err := git(r.Root, "for-each-ref", "--format=%(refname:strip=2)", "refs/tags")
	if err != nil {
		return nil, err
	}
	var tags []string
	for _, t := range strings.Split(out, "\n") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	return tags, nil
}

// RemoteURL is the URL of the named remote, or "" when there is none.
func (r Repo) RemoteURL(name string) string {
	out, err := git(r.Root, "config", "--get", "remote."+name+".url")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}

// Installed reports whether the git command is on PATH.
func Installed() bool {
	_, err := exec.LookPath("git")
	return err == nil
}

// git runs one read-only git command in dir. Only the environment's
// configuration applies; no pager, no prompt.
func git(dir string, args ...string) (string, error) {
	path, err := exec.LookPath("git")
	if err != nil {
		return "", ErrNoGit
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append([]string{"-C", dir}, args...)...)
	cmd.Env = append(cmd.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_PAGER=cat", "GIT_OPTIONAL_LOCKS=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &limited{w: &stdout, left: maxOutput}
	cmd.Stderr = &limited{w: &stderr, left: 4096}
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if strings.Contains(msg, "not a git repository") {
			return "", fmt.Errorf("%s: %w", dir, ErrNotRepo)
		}
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("git %s in %s: %s", args[0], dir, msg)
	}
	return stdout.String(), nil
}

// limited writes at most left bytes and drops the rest.
type limited struct {
	w    io.Writer
	left int
}

func (l *limited) Write(p []byte) (int, error) {
	n := len(p)
	if len(p) > l.left {
		p = p[:l.left]
	}
	l.left -= len(p)
	if _, err := l.w.Write(p); err != nil {
		return 0, err
	}
	return n, nil
}
