package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"gitlab.com/trustci/cicd/linter/finding"
)

// codeQualityIssue is one entry of GitLab's Code Quality report (a subset
// of the Code Climate format that GitLab reads).
type codeQualityIssue struct {
	Description string              `json:"description"`
	CheckName   string              `json:"check_name"`
	Fingerprint string              `json:"fingerprint"`
	Severity    string              `json:"severity"`
	Location    codeQualityLocation `json:"location"`
}

type codeQualityLocation struct {
	Path  string           `json:"path"`
	Lines codeQualityLines `json:"lines"`
}

type codeQualityLines struct {
	Begin int `json:"begin"`
}

// CodeQuality writes the findings as a GitLab Code Quality report. The
// fingerprint hashes the rule, file, message and the text of the line, not
// its number, so a finding keeps its identity when lines above it move.
func CodeQuality(w io.Writer, fs []finding.Finding, src Sources) error {
	out := make([]codeQualityIssue, 0, len(fs))
	seen := map[string]int{}
	for _, f := range fs {
		line, _ := sourceLine(src[f.Pos.File], f.Pos.Line)
		sum := sha256.Sum256([]byte(f.Rule + "\x00" + f.Pos.File + "\x00" + f.Message + "\x00" + line))
		base := hex.EncodeToString(sum[:])
		fp := base
		// Identical findings on identical lines get distinct fingerprints,
		// numbered in order so they too are stable.
		if n := seen[base]; n > 0 {
			sum = sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d", base, n)))
			fp = hex.EncodeToString(sum[:])
		}
		seen[base]++
		out = append(out, codeQualityIssue{
			Description: f.Message,
			CheckName:   f.Rule,
			Fingerprint: fp,
			Severity:    map[finding.Severity]string{finding.Error: "major", finding.Warning: "minor", finding.Info: "info"}[f.Severity],
			Location:    codeQualityLocation{Path: relative(f.Pos.File), Lines: codeQualityLines{Begin: max(f.Pos.Line, 1)}},
		})
	}
	return encodeJSON(w, out)
}

// relative turns an absolute path under the working directory (the
// project directory, in a CI job) into the relative one GitLab expects.
func relative(p string) string {
	if !filepath.IsAbs(p) {
		return filepath.ToSlash(p)
	}
	wd, err := filepath.Abs(".")
	if err != nil {
		return p
	}
	if rel, err := filepath.Rel(wd, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(rel)
	}
	return p
}
