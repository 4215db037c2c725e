// Package lsp is cilint's Language Server Protocol server: diagnostics
// from the same lint the CLI runs (with the editor's unsaved buffers read
// instead of the files on disk), hover, completion and go to definition
// for GitLab CI/CD pipelines. The protocol's types and method dispatch are
// github.com/tliron/glsp's protocol_3_16; the JSON-RPC framing is
// github.com/sourcegraph/jsonrpc2 (DECISIONS.md says why).
package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/tliron/glsp"
	protocol "github.com/tliron/glsp/protocol_3_16"

	"gitlab.com/trustci/cicd/linter/lint"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/tree"
)

// Name is what the server calls itself in initialize's answer and in
// diagnostics' source.
const Name = "cilint"

// DefaultDebounce is how long the server waits after a change before it
// lints: typing a word is one lint, not one per key.
const DefaultDebounce = 150 * time.Millisecond

// Options configure a Server.
type Options struct {
	// Lint are the options of every lint; ReadFile is replaced by the
	// server's own (open buffers, then the disk).
	Lint lint.Options
	// Debounce is the wait after a change (0: DefaultDebounce).
	Debounce time.Duration
	// Version is the cilint version told to the client.
	Version string
}

// Server is one language server session: one client, its open
// documents, and what the last lints found.
type Server struct {
	opts    Options
	linter  *lint.Linter
	keys    *keywords
	handler protocol.Handler
	ws      *workspace

	mu     sync.Mutex
	conn   *jsonrpc2.Conn
	timers map[string]*time.Timer
	shut   bool
}

// New prepares a server: the linter (and so the compiled schema) and the
// schema's keyword tree are made once, for every lint of the session.
func New(opts Options) (*Server, error) {
	if opts.Debounce <= 0 {
		opts.Debounce = DefaultDebounce
	}
	if opts.Lint.Limits == (load.Limits{}) {
		opts.Lint.Limits = load.DefaultLimits()
	}
	s := &Server{opts: opts, timers: map[string]*time.Timer{}}
	s.ws = newWorkspace()
	s.ws.configPath = opts.Lint.ConfigPath
	opts.Lint.ReadFile = tree.ReadFunc(s.ws.read)
	opts.Lint.ReuseParses = true
	l, err := lint.New(opts.Lint)
	if err != nil {
		return nil, fmt.Errorf("lsp: %w", err)
	}
	s.linter = l
	s.ws.linter = l
	k, err := loadKeywords()
	if err != nil {
		return nil, fmt.Errorf("lsp: %w", err)
	}
	s.keys = k
	s.handler = protocol.Handler{
		Initialize:             s.initialize,
		Initialized:            func(*glsp.Context, *protocol.InitializedParams) error { return nil },
		Shutdown:               s.shutdown,
		Exit:                   func(*glsp.Context) error { return nil },
		SetTrace:               func(*glsp.Context, *protocol.SetTraceParams) error { return nil },
		CancelRequest:          func(*glsp.Context, *protocol.CancelParams) error { return nil },
		TextDocumentDidOpen:    s.didOpen,
		TextDocumentDidChange:  s.didChange,
		TextDocumentDidSave:    s.didSave,
		TextDocumentDidClose:   s.didClose,
		TextDocumentHover:      s.hover,
		TextDocumentCompletion: s.completion,
		TextDocumentDefinition: s.definition,
		WorkspaceDidChangeWatchedFiles: func(*glsp.Context, *protocol.DidChangeWatchedFilesParams) error {
			s.ws.forgetRepos()
			return nil
		},
		WorkspaceDidChangeConfiguration: func(*glsp.Context, *protocol.DidChangeConfigurationParams) error { return nil },
	}
	return s, nil
}

// Serve answers the client on rw until it exits or the stream ends.
func (s *Server) Serve(ctx context.Context, rw io.ReadWriteCloser) error {
	conn := jsonrpc2.NewConn(ctx, jsonrpc2.NewBufferedStream(rw, jsonrpc2.VSCodeObjectCodec{}), jsonrpc2.HandlerWithError(s.handle))
	s.mu.Lock()
	s.conn = conn
	s.mu.Unlock()
	select {
	case <-conn.DisconnectNotify():
	case <-ctx.Done():
		conn.Close()
	}
	s.mu.Lock()
	for _, t := range s.timers {
		t.Stop()
	}
	s.mu.Unlock()
	return nil
}

// handle dispatches one message through glsp's handler; exit closes the
// connection, which ends Serve.
func (s *Server) handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) (result any, err error) {
	defer func() {
		// A bug must cost one answer, not the editor's whole session.
		if p := recover(); p != nil {
			result, err = nil, &jsonrpc2.Error{Code: jsonrpc2.CodeInternalError, Message: fmt.Sprintf("cilint: internal error in %s: %v", req.Method, p)}
		}
	}()
	gctx := &glsp.Context{Method: req.Method, Notify: func(method string, params any) { _ = conn.Notify(ctx, method, params) }}
	if req.Params != nil {
		gctx.Params = *req.Params
	} else {
		gctx.Params = json.RawMessage("null")
	}
	if req.Method == protocol.MethodExit {
		s.handler.Handle(gctx)
		return nil, conn.Close()
	}
	r, validMethod, validParams, err := s.handler.Handle(gctx)
	switch {
	case !validMethod:
		if req.Notif {
			return nil, nil // unknown notifications are ignored (LSP: $/ and the rest)
		}
		return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeMethodNotFound, Message: "method not supported: " + req.Method}
	case !validParams:
		msg := "invalid parameters"
		if err != nil {
			msg = err.Error()
		}
		return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidParams, Message: msg}
	case err != nil:
		return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidRequest, Message: err.Error()}
	}
	return r, nil
}

// notify sends a notification outside a request (diagnostics after the
// debounce).
func (s *Server) notify(method string, params any) {
	s.mu.Lock()
	conn := s.conn
	s.mu.Unlock()
	if conn != nil {
		_ = conn.Notify(context.Background(), method, params)
	}
}

// Methods lists the LSP methods the server answers, for docs and tests.
func Methods() []string {
	return []string{
		protocol.MethodInitialize, protocol.MethodInitialized, protocol.MethodShutdown, protocol.MethodExit,
		protocol.MethodTextDocumentDidOpen, protocol.MethodTextDocumentDidChange, protocol.MethodTextDocumentDidSave,
		protocol.MethodTextDocumentDidClose, protocol.ServerTextDocumentPublishDiagnostics,
		protocol.MethodTextDocumentHover, protocol.MethodTextDocumentCompletion, protocol.MethodTextDocumentDefinition,
		protocol.MethodWorkspaceDidChangeWatchedFiles,
	}
}

func (s *Server) initialize(_ *glsp.Context, _ *protocol.InitializeParams) (any, error) {
	caps := s.handler.CreateServerCapabilities()
	sync := protocol.TextDocumentSyncKindFull
	yes := true
	caps.TextDocumentSync = protocol.TextDocumentSyncOptions{
		OpenClose: &yes,
		Change:    &sync,
		Save:      protocol.SaveOptions{IncludeText: &yes},
	}
	caps.CompletionProvider = &protocol.CompletionOptions{TriggerCharacters: []string{":", " ", "@", "/", "-", "."}}
	version := s.opts.Version
	return protocol.InitializeResult{
		Capabilities: caps,
		ServerInfo:   &protocol.InitializeResultServerInfo{Name: Name, Version: &version},
	}, nil
}

func (s *Server) shutdown(*glsp.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shut = true
	for _, t := range s.timers {
		t.Stop()
	}
	return nil
}

func (s *Server) didOpen(_ *glsp.Context, p *protocol.DidOpenTextDocumentParams) error {
	path, ok := uriPath(p.TextDocument.URI)
	if !ok {
		return nil
	}
	s.ws.set(path, p.TextDocument.Text)
	s.schedule(path, 0)
	return nil
}

func (s *Server) didChange(_ *glsp.Context, p *protocol.DidChangeTextDocumentParams) error {
	path, ok := uriPath(p.TextDocument.URI)
	if !ok {
		return nil
	}
	for _, c := range p.ContentChanges {
		switch c := c.(type) {
		case protocol.TextDocumentContentChangeEventWhole:
			s.ws.set(path, c.Text)
		case protocol.TextDocumentContentChangeEvent:
			// Sent only by clients that ignore the Full sync we ask for;
			// applied all the same.
			s.ws.edit(path, c)
		}
	}
	s.schedule(path, s.opts.Debounce)
	return nil
}

func (s *Server) didSave(_ *glsp.Context, p *protocol.DidSaveTextDocumentParams) error {
	path, ok := uriPath(p.TextDocument.URI)
	if !ok {
		return nil
	}
	if p.Text != nil {
		s.ws.set(path, *p.Text)
	}
	// A save may add a file a pipeline names: list the repository again.
	s.ws.forgetRepos()
	s.schedule(path, 0)
	return nil
}

func (s *Server) didClose(_ *glsp.Context, p *protocol.DidCloseTextDocumentParams) error {
	path, ok := uriPath(p.TextDocument.URI)
	if !ok {
		return nil
	}
	s.ws.drop(path)
	s.schedule(path, 0)
	return nil
}

// schedule lints what path belongs to after wait, replacing a lint of
// it already waiting.
func (s *Server) schedule(path string, wait time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shut {
		return
	}
	if t, ok := s.timers[path]; ok {
		t.Stop()
	}
	s.timers[path] = time.AfterFunc(wait, func() {
		defer func() {
			if p := recover(); p != nil {
				s.notify(protocol.ServerWindowShowMessage, protocol.ShowMessageParams{Type: protocol.MessageTypeError,
					Message: fmt.Sprintf("cilint: internal error linting %s: %v", path, p)})
			}
		}()
		for _, p := range s.ws.relint(path) {
			s.notify(protocol.ServerTextDocumentPublishDiagnostics, p)
		}
	})
}
