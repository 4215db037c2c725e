package main

import (
	"encoding/pem"
	"io"
	"log"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/internal/fakegitlab"
)

// TestCatalogListCAFile lists a private catalog project on a self-managed
// instance served over TLS by a private CA: without --ca-file the
// certificate is refused, with it the list is read, and the token (for
// that instance) reaches it. lint and catalog list build their catalog
// clients in one place (lint.Remote.Catalog), so --ca-file means the same
// to both.
func TestCatalogListCAFile(t *testing.T) {
	const token = "glpat-catalog-list"
	f := fakegitlab.New(t, token)
	const sha = "2222222222222222222222222222222222222222"
	f.Projects["agency/catalog"] = &fakegitlab.FakeProject{
		Private: true,
		Tags:    map[string]string{"1.2.0": sha},
		Files:   map[string]map[string]string{sha: {"templates/deploy.yml": "spec:\n  description: Deploys over TLS.\n---\ndeploy:\n  script: x\n"}},
	}
	srv := httptest.NewUnstartedServer(f.Config.Handler)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(srv.URL)
	prefix := u.Host + "/agency/catalog"

	env := map[string]string{"CI_SERVER_URL": srv.URL, "GITLAB_TOKEN": token}
	code, out, errOut := runCLI([]string{"catalog", "list", prefix}, env)
	if code == 0 || !strings.Contains(errOut, "--ca-file") {
		t.Errorf("without --ca-file: exit %d, want a refusal naming --ca-file\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI([]string{"catalog", "list", "--ca-file", ca, prefix}, env)
	if code != 0 || !strings.Contains(out, "deploy  1.2.0   Deploys over TLS.") {
		t.Errorf("with --ca-file: exit %d\n%s%s", code, out, errOut)
	}
	// --gitlab-url names the instance the token belongs to, as for lint.
	code, out, errOut = runCLI([]string{"catalog", "list", "--ca-file", ca, "--gitlab-url", srv.URL, prefix}, map[string]string{"GITLAB_TOKEN": token})
	if code != 0 || !strings.Contains(out, "Deploys over TLS.") {
		t.Errorf("with --gitlab-url: exit %d\n%s%s", code, out, errOut)
	}
	// Another instance's token is not sent here: the private project
	// stays unreadable.
	code, out, errOut = runCLI([]string{"catalog", "list", "--ca-file", ca, prefix}, map[string]string{"CI_SERVER_URL": "https://gitlab.example.com", "GITLAB_TOKEN": token})
	if code == 0 || strings.Contains(out, "Deploys over TLS.") || !strings.Contains(errOut, "401") {
		t.Errorf("token sent to another host: exit %d\n%s%s", code, out, errOut)
	}
}
