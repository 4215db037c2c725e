package lsp_test

import (
	"context"
	"encoding/json"
	"io"
	"os/exec"
	"testing"
	"time"

	"github.com/sourcegraph/jsonrpc2"

	"gitlab.com/trustci/cicd/tests/internal/runner"
)

// pipes is a child's standard output and input as one stream.
type pipes struct {
	io.Reader
	io.WriteCloser
}

// TestStdio speaks the protocol to the cilint binary on its standard
// input and output, as an editor does, and checks that it exits cleanly
// after shutdown and exit (no editor needed).
func TestStdio(t *testing.T) {
	bin := cilint.Path(t, runner.RepoRoot(), "./linter/cmd/cilint", "cilint")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "lsp")
	cmd.Dir = t.TempDir()
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	conn := jsonrpc2.NewConn(ctx, jsonrpc2.NewBufferedStream(pipes{out, in}, jsonrpc2.VSCodeObjectCodec{}), jsonrpc2.HandlerWithError(func(context.Context, *jsonrpc2.Conn, *jsonrpc2.Request) (any, error) { return nil, nil }))
	var init struct {
		ServerInfo   struct{ Name string } `json:"serverInfo"`
		Capabilities json.RawMessage       `json:"capabilities"`
	}
	if err := conn.Call(ctx, "initialize", map[string]any{"processId": nil, "rootUri": nil, "capabilities": map[string]any{}}, &init); err != nil {
		t.Fatalf("initialize: %v", err)
	}
	if init.ServerInfo.Name != "cilint" {
		t.Errorf("server info %+v", init.ServerInfo)
	}
	if err := conn.Call(ctx, "shutdown", nil, nil); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if err := conn.Notify(ctx, "exit", nil); err != nil {
		t.Fatalf("exit: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("cilint lsp after exit: %v", err)
	}
	conn.Close()
}
