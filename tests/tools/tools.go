//go:build tools

// Package tools pins the programs the image test builds from source:
// BuildKit's daemon and client at the version of buildkit-build's
// default image (moby/buildkit:v0.32.2-rootless). `go install` refuses
// BuildKit's module (its go.mod has exclude directives); built as
// dependencies of this module, they build (scripts/buildkit-tools, which
// keeps the binaries on the machine by version).
package tools

import (
	_ "github.com/moby/buildkit/cmd/buildctl"
	_ "github.com/moby/buildkit/cmd/buildkitd"
)
