//go:build tools

// Package tools pins the programs the image test builds from source:
// BuildKit's daemon and client at the version of buildkit-build's
// default image (moby/buildkit:v0.32.2-rootless). `go install` refuses
// BuildKit's module (its go.mod has exclude directives); built as
// dependencies of this module, they build. Go's build cache keeps them
// between runs on the same machine.
package tools

import (
	_ "github.com/moby/buildkit/cmd/buildctl"
	_ "github.com/moby/buildkit/cmd/buildkitd"
)
