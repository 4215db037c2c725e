package lsp

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sourcegraph/jsonrpc2"
	protocol "github.com/tliron/glsp/protocol_3_16"

	"gitlab.com/trustci/cicd/linter/lint"
)

// wireDiagnostic is a diagnostic as the client reads it off the wire
// (glsp's IntegerOrString cannot be decoded: its UnmarshalJSON has a
// value receiver, so the code would be lost).
type wireDiagnostic struct {
	Range           protocol.Range `json:"range"`
	Severity        int            `json:"severity"`
	Code            string         `json:"code"`
	CodeDescription *struct {
		HRef string `json:"href"`
	} `json:"codeDescription"`
	Message            string `json:"message"`
	RelatedInformation []struct {
		Location protocol.Location `json:"location"`
		Message  string            `json:"message"`
	} `json:"relatedInformation"`
}

type wireDiagnostics struct {
	URI         string           `json:"uri"`
	Diagnostics []wireDiagnostic `json:"diagnostics"`
}

// client is the test's side of the protocol: a JSON-RPC connection over
// a pipe, with the server's notifications collected.
type client struct {
	t     *testing.T
	conn  *jsonrpc2.Conn
	diags chan wireDiagnostics
	// latest are the last diagnostics read for each URI (by the test's
	// goroutine only).
	latest map[string][]wireDiagnostic
}

func (c *client) Handle(_ context.Context, _ *jsonrpc2.Conn, req *jsonrpc2.Request) {
	if req.Method == protocol.ServerTextDocumentPublishDiagnostics && req.Params != nil {
		var p wireDiagnostics
		if err := json.Unmarshal(*req.Params, &p); err == nil {
			c.diags <- p
		}
	}
}

func (c *client) call(method string, params, result any) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.conn.Call(ctx, method, params, result); err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
}

func (c *client) notify(method string, params any) {
	c.t.Helper()
	if err := c.conn.Notify(context.Background(), method, params); err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
}

// waitDiags waits until the latest diagnostics published for uri satisfy
// ok (the deadline is against a hang, not a timing assertion).
func (c *client) waitDiags(uri string, ok func([]wireDiagnostic) bool) []wireDiagnostic {
	c.t.Helper()
	deadline := time.After(2 * time.Minute)
	for {
		if ds, seen := c.latest[uri]; seen && ok(ds) {
			delete(c.latest, uri) // the next wait needs a new publish
			return ds
		}
		select {
		case p := <-c.diags:
			c.latest[p.URI] = p.Diagnostics
		case <-deadline:
			c.t.Fatalf("no matching diagnostics for %s; the last: %+v", uri, c.latest[uri])
		}
	}
}

func hasCode(code string, line int) func([]wireDiagnostic) bool {
	return func(ds []wireDiagnostic) bool {
		for _, d := range ds {
			if d.Code == code && int(d.Range.Start.Line) == line {
				return true
			}
		}
		return false
	}
}

func noErrors(ds []wireDiagnostic) bool {
	for _, d := range ds {
		if d.Severity == int(protocol.DiagnosticSeverityError) {
			return false
		}
	}
	return true
}

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const rootBroken = `stages: [build, test]

include:
  - local: ci/build.yml
  - component: $CI_SERVER_FQDN/acme/components/greet@1.0.0
    inputs:
      who: world

.base:
  image: alpine:3.20

test:
  extends: .base
  stage: test
  needs: [biuld]
  script: [echo test]
`

const buildYML = `build:
  stage: build
  script: [echo build]
`

const greetTemplate = `spec:
  description: Says hello to someone.
  inputs:
    who:
      description: Whom to greet.
    loud:
      type: boolean
      default: false
      description: Shout it.
---
greet:
  stage: test
  script:
    - echo hello $[[ inputs.who ]] $[[ inputs.loud ]]
`

// project lays out a repository: a root pipeline including a local file
// and a component of a local catalog.
func project(t *testing.T) string {
	dir := t.TempDir()
	write(t, dir, ".cilint.yml", "catalogs:\n  gitlab.com/acme/components: ./catalog\n")
	write(t, dir, "catalog/templates/greet/template.yml", greetTemplate)
	write(t, dir, "ci/build.yml", buildYML)
	write(t, dir, ".gitlab-ci.yml", strings.Replace(rootBroken, "biuld", "build", 1))
	return dir
}

func start(t *testing.T, dir string) *client {
	t.Helper()
	s, err := New(Options{Lint: lint.Options{Root: dir}, Debounce: 10 * time.Millisecond, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	serverEnd, clientEnd := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background(), serverEnd) }()
	c := &client{t: t, diags: make(chan wireDiagnostics, 100), latest: map[string][]wireDiagnostic{}}
	c.conn = jsonrpc2.NewConn(context.Background(), jsonrpc2.NewBufferedStream(clientEnd, jsonrpc2.VSCodeObjectCodec{}), c)
	t.Cleanup(func() {
		c.conn.Close()
		select {
		case <-done:
		case <-time.After(2 * time.Minute):
			t.Error("the server did not stop")
		}
	})
	return c
}

func TestProtocol(t *testing.T) {
	dir := project(t)
	c := start(t, dir)
	root := pathURI(filepath.Join(dir, ".gitlab-ci.yml"))
	build := pathURI(filepath.Join(dir, "ci/build.yml"))

	var init protocol.InitializeResult
	c.call(protocol.MethodInitialize, protocol.InitializeParams{RootURI: ptr(pathURI(dir))}, &init)
	if init.ServerInfo == nil || init.ServerInfo.Name != Name {
		t.Fatalf("initialize: server info %+v", init.ServerInfo)
	}
	caps, _ := json.Marshal(init.Capabilities)
	for _, want := range []string{`"hoverProvider":true`, `"definitionProvider":true`, `"completionProvider"`} {
		if !strings.Contains(string(caps), want) {
			t.Errorf("capabilities %s lack %s", caps, want)
		}
	}
	c.notify(protocol.MethodInitialized, protocol.InitializedParams{})

	// Open a broken pipeline: the unknown need is reported at its line,
	// with the rule as code and a link to its doc.
	c.notify(protocol.MethodTextDocumentDidOpen, protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: root, LanguageID: "yaml", Version: 1, Text: rootBroken}})
	ds := c.waitDiags(root, hasCode("needs-unknown", 14))
	for _, d := range ds {
		if d.Code == "needs-unknown" {
			if d.CodeDescription == nil || !strings.HasSuffix(d.CodeDescription.HRef, "rules.md#needs-unknown") {
				t.Errorf("code description %+v", d.CodeDescription)
			}
			if d.Severity != int(protocol.DiagnosticSeverityError) || d.Range.Start.Character != 10 || d.Range.End.Character != 15 {
				t.Errorf("diagnostic %+v", d)
			}
		}
	}

	// Fix it: the buffer (not the disk, which still has the fixed file
	// anyway) is linted and the error goes away.
	fixed := strings.Replace(rootBroken, "biuld", "build", 1)
	c.notify(protocol.MethodTextDocumentDidChange, protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: root}, Version: 2},
		ContentChanges: []any{protocol.TextDocumentContentChangeEventWhole{Text: fixed}}})
	c.waitDiags(root, noErrors)

	// An unsaved edit of the included file: its own finding is published
	// for it, and the root pipeline's (a need that no longer exists) for
	// the root.
	renamed := strings.Replace(buildYML, "build:\n  stage: build", "builder:\n  stage: biuld", 1)
	c.notify(protocol.MethodTextDocumentDidOpen, protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: build, LanguageID: "yaml", Version: 1, Text: renamed}})
	c.waitDiags(build, hasCode("stage-undefined", 1))
	c.waitDiags(root, hasCode("needs-unknown", 14))
	c.notify(protocol.MethodTextDocumentDidClose, protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: build}})
	c.waitDiags(root, noErrors)

	hover := func(line, ch int) string {
		var h protocol.Hover
		c.call(protocol.MethodTextDocumentHover, protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
			TextDocument: protocol.TextDocumentIdentifier{URI: root}, Position: protocol.Position{Line: protocol.UInteger(line), Character: protocol.UInteger(ch)}}}, &h)
		b, _ := json.Marshal(h.Contents)
		return string(b)
	}
	for _, tc := range []struct {
		name     string
		line, ch int
		want     []string
	}{
		{"job in needs", 14, 12, []string{"job", "build", "build.yml:1", "stage `build`"}},
		{"hidden job in extends", 12, 12, []string{".base", "hidden"}},
		{"keyword", 15, 4, []string{"script", "The shell commands the job runs.", "docs.gitlab.com/ci/yaml/#script"}},
		{"component", 4, 30, []string{"Says hello to someone.", "| Input |", "| `who` |"}},
		{"input", 6, 7, []string{"input", "who", "string", "required", "Whom to greet."}},
		{"include keyword", 4, 6, []string{"include:component", "#includecomponent"}},
		{"top-level keyword", 0, 2, []string{"**stages**", "The stages, in order", "#stages"}},
	} {
		got := hover(tc.line, tc.ch)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("hover %s: %s lacks %q", tc.name, got, w)
			}
		}
	}

	// Completion at points of the buffer as it is being typed.
	complete := func(text string, line, ch int) []string {
		c.notify(protocol.MethodTextDocumentDidChange, protocol.DidChangeTextDocumentParams{
			TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: root}, Version: 3},
			ContentChanges: []any{protocol.TextDocumentContentChangeEventWhole{Text: text}}})
		var list protocol.CompletionList
		c.call(protocol.MethodTextDocumentCompletion, protocol.CompletionParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
			TextDocument: protocol.TextDocumentIdentifier{URI: root}, Position: protocol.Position{Line: protocol.UInteger(line), Character: protocol.UInteger(ch)}}}, &list)
		var out []string
		for _, it := range list.Items {
			out = append(out, it.Label)
		}
		return out
	}
	contains := func(what string, got []string, want ...string) {
		t.Helper()
		for _, w := range want {
			found := false
			for _, g := range got {
				found = found || g == w
			}
			if !found {
				t.Errorf("completion %s: %v lacks %q", what, got, w)
			}
		}
	}
	contains("needs", complete(strings.Replace(fixed, "needs: [build]", "needs: [b]", 1), 14, 11), "build", "greet")
	contains("job keyword", complete(fixed+"  \n", 16, 2), "artifacts", "rules", "script", "stage")
	contains("top-level keyword", complete(fixed+"\n", 16, 0), "default", "include", "stages", "workflow")
	contains("stage", complete(strings.Replace(fixed, "stage: test", "stage: ", 1), 13, 9), "build", "test")
	contains("inputs", complete(strings.Replace(fixed, "      who: world", "      who: world\n      ", 1), 7, 6), "loud", "who")
	contains("component", complete(strings.Replace(fixed, "greet@1.0.0", "", 1), 4, 52), "$CI_SERVER_FQDN/acme/components/greet@~latest")
	contains("artifacts keyword", complete(fixed+"  artifacts:\n    \n", 17, 4), "paths", "reports", "expire_in")

	// Go to definition.
	c.notify(protocol.MethodTextDocumentDidChange, protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: root}, Version: 4},
		ContentChanges: []any{protocol.TextDocumentContentChangeEventWhole{Text: fixed}}})
	define := func(line, ch int) protocol.Location {
		var loc protocol.Location
		c.call(protocol.MethodTextDocumentDefinition, protocol.DefinitionParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
			TextDocument: protocol.TextDocumentIdentifier{URI: root}, Position: protocol.Position{Line: protocol.UInteger(line), Character: protocol.UInteger(ch)}}}, &loc)
		return loc
	}
	for _, tc := range []struct {
		name     string
		line, ch int
		uri      string
		row      int
	}{
		{"needs", 14, 12, build, 0},
		{"extends", 12, 12, root, 8},
		{"include:local", 3, 14, build, 0},
		{"component", 4, 30, pathURI(filepath.Join(dir, "catalog/templates/greet/template.yml")), 0},
	} {
		got := define(tc.line, tc.ch)
		if got.URI != tc.uri || int(got.Range.Start.Line) != tc.row {
			t.Errorf("definition %s: %s:%d, want %s:%d", tc.name, got.URI, got.Range.Start.Line, tc.uri, tc.row)
		}
	}

	// dependencies and !reference name jobs too.
	more := fixed + "deploy:\n  stage: test\n  dependencies: [build]\n  script:\n    - !reference [.base, image]\n"
	c.notify(protocol.MethodTextDocumentDidChange, protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: root}, Version: 5},
		ContentChanges: []any{protocol.TextDocumentContentChangeEventWhole{Text: more}}})
	if got := define(18, 19); got.URI != build || got.Range.Start.Line != 0 {
		t.Errorf("definition in dependencies: %+v", got)
	}
	if got := define(20, 21); got.URI != root || got.Range.Start.Line != 8 {
		t.Errorf("definition in !reference: %+v", got)
	}
	if got := hover(20, 21); !strings.Contains(got, ".base") {
		t.Errorf("hover in !reference: %s", got)
	}
	contains("!reference", complete(strings.Replace(more, "[.base, image]", "[.", 1), 20, 21), ".base")
	contains("dependencies", complete(strings.Replace(more, "dependencies: [build]", "dependencies: [", 1), 18, 17), "build")

	// A YAML file that no pipeline includes and that is not one itself
	// (a Compose file) is not linted as a pipeline: no false errors.
	compose := pathURI(write(t, dir, "compose.yml", "services:\n  web:\n    image: nginx\n"))
	c.notify(protocol.MethodTextDocumentDidOpen, protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: compose, LanguageID: "yaml", Version: 1, Text: "services:\n  web:\n    image: nginx\n"}})
	c.waitDiags(compose, func(ds []wireDiagnostic) bool { return len(ds) == 0 })
	var h *protocol.Hover
	c.call(protocol.MethodTextDocumentHover, protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: compose}, Position: protocol.Position{Line: 0, Character: 2}}}, &h)
	if h != nil {
		t.Errorf("hover in a Compose file: %+v", h)
	}

	c.call(protocol.MethodShutdown, nil, nil)
	c.notify(protocol.MethodExit, nil)
}

func noErrorsLSP(ds []protocol.Diagnostic) bool {
	for _, d := range ds {
		if d.Severity != nil && *d.Severity == protocol.DiagnosticSeverityError {
			return false
		}
	}
	return true
}

// TestRootsFromSettings: .cilint.yml's pipelines: names the root
// pipelines, whatever their names; an edit in a file one of them
// includes is published for the root too, and a pipeline-named file the
// settings leave out is not linted for it.
func TestRootsFromSettings(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, ".cilint.yml", "pipelines: [ci/main.yml, ci/not-there.yml]\n")
	main := write(t, dir, "ci/main.yml", "include: ci/part.yml\ntest:\n  needs: [build]\n  script: [echo]\n")
	part := write(t, dir, "ci/part.yml", "build:\n  script: [echo]\n")
	write(t, dir, "old/.gitlab-ci.yml", "include: ci/part.yml\n")
	s, err := New(Options{Lint: lint.Options{Root: dir}})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.ws.roots(dir); len(got) != 1 || got[0] != main {
		t.Fatalf("roots %v, want [%s]", got, main)
	}
	s.ws.set(part, "builder:\n  script: [echo]\n")
	found := false
	for _, p := range s.ws.relint(part) {
		if p.URI == pathURI(main) {
			for _, d := range p.Diagnostics {
				found = found || d.Code != nil && d.Code.Value == "needs-unknown"
			}
		}
		if strings.Contains(p.URI, "/old/") {
			t.Errorf("published for a pipeline the settings leave out: %s", p.URI)
		}
	}
	if !found {
		t.Error("the root's broken need is not published")
	}
}
