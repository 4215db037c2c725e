// Package lazyre compiles a regular expression the first time it is used
// instead of at package init. Every cilint command links every package, so
// an expression compiled in a package-level var is paid by `cilint version`
// and by every lint that never reaches it; compiling the larger ones (with
// counted repetitions such as {7,40}, or \pL) costs more than a small lint.
package lazyre

import (
	"regexp"
	"sync"
)

// New returns a function that compiles src on its first call (panicking,
// as regexp.MustCompile does, if it is invalid) and returns the same
// *regexp.Regexp on every call. It is safe for concurrent use.
func New(src string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(src) })
}
