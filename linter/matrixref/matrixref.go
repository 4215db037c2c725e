// Package matrixref is GitLab's `$[[ matrix.NAME ]]`, the reference to
// one of a job's own parallel:matrix values that needs:parallel:matrix may
// hold (lib/gitlab/ci/config/interpolation/matrix_interpolator.rb,
// MATRIX_EXPRESSION_REGEXP; GitLab 18.6). GitLab interpolates it when it
// expands the jobs, not with the inputs; the needs check, the version
// check and the inputs interpolation all recognise it here.
package matrixref

import "gitlab.com/trustci/cicd/linter/internal/lazyre"

// expression is MATRIX_EXPRESSION_REGEXP; inner is the same inside the
// brackets of one $[[ ]] block.
var (
	expression = lazyre.New(`\$\[\[\s*matrix\.([a-zA-Z0-9_-]+)\s*\]\]`)
	inner      = lazyre.New(`^\s*matrix\.[a-zA-Z0-9_-]+\s*$`)
)

// In reports whether s holds a matrix reference.
func In(s string) bool { return expression().MatchString(s) }

// Block reports whether the inside of one $[[ ]] block is a matrix
// reference.
func Block(inside string) bool { return inner().MatchString(inside) }

// Replace replaces each matrix reference in s by value(name); a false ok
// leaves the reference as written.
func Replace(s string, value func(name string) (string, bool)) string {
	return expression().ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := value(expression().FindStringSubmatch(m)[1]); ok {
			return v
		}
		return m
	})
}
