package graph

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

// ErrNoGraphviz means Graphviz's dot is not on PATH: SVG cannot be drawn.
var ErrNoGraphviz = errors.New("SVG is drawn by Graphviz's dot, which is not installed (Debian and Ubuntu: apt-get install graphviz; Alpine: apk add graphviz; or use --format dot or mermaid)")

// svgTimeout bounds one dot run: layout is superlinear in the edges, and
// a hostile pipeline must not hold a job for long.
const svgTimeout = 60 * time.Second

// maxSVG bounds what dot may print.
const maxSVG = 64 << 20

// SVG writes g as SVG, laid out and drawn by Graphviz's dot.
func SVG(ctx context.Context, w io.Writer, g *Graph) error {
	path, err := exec.LookPath("dot")
	if err != nil {
		return ErrNoGraphviz
	}
	var src bytes.Buffer
	if err := DOT(&src, g); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, svgTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "-Tsvg")
	cmd.Stdin = &src
	var out, stderr bytes.Buffer
	cmd.Stdout = &capped{w: &out, left: maxSVG}
	cmd.Stderr = &capped{w: &stderr, left: 4096}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("graphviz dot: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	if _, err := w.Write(out.Bytes()); err != nil {
		return fmt.Errorf("writing SVG: %w", err)
	}
	return nil
}

// capped keeps the first left bytes and fails past them.
type capped struct {
	w    io.Writer
	left int
}

func (c *capped) Write(p []byte) (int, error) {
	if len(p) > c.left {
		return 0, fmt.Errorf("output larger than %d bytes", maxSVG)
	}
	c.left -= len(p)
	return c.w.Write(p)
}
