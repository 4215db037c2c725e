// Package schema embeds cilint's own JSON Schema for GitLab CI/CD
// configuration, written from GitLab's keyword reference (see README.md in
// this folder for what it covers and where it is deliberately lenient).
package schema

import _ "embed"

// JSON is the schema document (JSON Schema draft 2019-09: every keyword it
// uses means the same in 2020-12, and 2019-09 compiles in half the time,
// without 2020-12's dynamic-anchor pass over every subschema per $ref).
//
//go:embed gitlab-ci.schema.json
var JSON []byte

// URL is the schema's $id, the name it is compiled under.
const URL = "https://gitlab.com/trustci/cicd/schema/gitlab-ci.schema.json"
