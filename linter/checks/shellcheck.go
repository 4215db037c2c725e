package checks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
)

// shellcheckExcluded are ShellCheck codes that are noise in CI scripts:
// variables come from GitLab (SC2154, SC2034), sourced files are not
// there to follow (SC1090, SC1091); an interpolated input makes a test or
// a loop constant by design (SC2050, SC2157, SC2043).
const shellcheckExcluded = "SC1090,SC1091,SC2034,SC2154,SC2050,SC2157,SC2043"

// shellcheckBatch is the most script files one ShellCheck process reads;
// shellcheckMinBatch the fewest worth a process of their own when the
// files are spread over the processors (a process costs about as much as
// checking a few dozen short scripts).
const (
	shellcheckBatch    = 400
	shellcheckMinBatch = 25
)

// lineRef maps a line of a generated script file back to the YAML.
type lineRef struct {
	node *load.Node
	line int // line inside the node's text
}

// Shellcheck runs ShellCheck over every job's scripts that run in a POSIX
// shell (jobShell): the before_script and script lines of a job as one
// file (they share a shell), after_script and each hook as others. All files go to a few ShellCheck processes, not one each.
// It returns an error only when ShellCheck could not be run.
func Shellcheck(ctx context.Context, c *Context, binary string) error {
	dir, err := os.MkdirTemp("", "cilint-shellcheck-")
	if err != nil {
		return fmt.Errorf("shellcheck: %w", err)
	}
	defer os.RemoveAll(dir)
	// maps holds, per file, the line maps of every group written as it.
	maps := map[string][][]lineRef{}
	var files []string
	done := map[string]bool{}
	byText := map[string]string{} // script text -> its file
	for i, g := range ScriptGroups(c) {
		// The same shell decision as script-syntax: PowerShell is not
		// ShellCheck's to judge.
		if !c.shellOf(g.Job).POSIX || done[g.signature()] {
			continue
		}
		done[g.signature()] = true
		var b strings.Builder
		refs := []lineRef{{}} // line 1 is the shebang
		b.WriteString("#!/bin/bash\n")
		for _, s := range g.Items {
			// The runner echoes each command before it, so a body split
			// over items is never empty: say the same to ShellCheck.
			b.WriteString(":\n")
			refs = append(refs, lineRef{})
			for li, line := range strings.Split(Shellable(s.Node.Text), "\n") {
				b.WriteString(line)
				b.WriteByte('\n')
				refs = append(refs, lineRef{node: s.Node, line: li + 1})
			}
		}
		text := b.String()
		if name, ok := byText[text]; ok {
			maps[name] = append(maps[name], refs)
			continue
		}
		name := filepath.Join(dir, fmt.Sprintf("s%d.sh", i))
		if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
			return fmt.Errorf("shellcheck: %w", err)
		}
		byText[text] = name
		maps[name] = [][]lineRef{refs}
		files = append(files, name)
	}
	results, err := shellcheckBatches(ctx, binary, files)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, comments := range results {
		for _, cm := range comments {
			for _, refs := range maps[cm.File] {
				if cm.Line < 1 || cm.Line > len(refs) {
					continue
				}
				ref := refs[cm.Line-1]
				if ref.node == nil {
					continue
				}
				pos := ScriptPos(ref.node, ref.line, cm.Column, c.Sources[ref.node.Pos.File])
				key := fmt.Sprintf("%v|%d", pos, cm.Code)
				if seen[key] {
					continue // a default script shared by many jobs
				}
				seen[key] = true
				c.Report(pos, rules.Shellcheck, "SC%d: %s", cm.Code, cm.Message)
			}
		}
	}
	return nil
}

// shellcheckBatches checks files in batches, at most GOMAXPROCS processes
// at a time, and returns each batch's comments in the order of the files.
func shellcheckBatches(ctx context.Context, binary string, files []string) ([][]shellcheckComment, error) {
	procs := runtime.GOMAXPROCS(0)
	size := min(shellcheckBatch, max(shellcheckMinBatch, (len(files)+procs-1)/procs))
	var batches [][]string
	for start := 0; start < len(files); start += size {
		batches = append(batches, files[start:min(start+size, len(files))])
	}
	results := make([][]shellcheckComment, len(batches))
	errs := make([]error, len(batches))
	slots := make(chan struct{}, procs)
	var wg sync.WaitGroup
	for i, batch := range batches {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			results[i], errs[i] = runShellcheck(ctx, binary, batch)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err // the first batch's, as when they ran in turn
		}
	}
	return results, nil
}

type shellcheckComment struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Level   string `json:"level"`
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func runShellcheck(ctx context.Context, binary string, files []string) ([]shellcheckComment, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	args := append([]string{"-f", "json1", "-s", "bash", "-e", shellcheckExcluded}, files...)
	cmd := exec.CommandContext(ctx, binary, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
		err = nil // 1 means "found something"
	}
	if err != nil {
		return nil, fmt.Errorf("shellcheck: %w: %s", err, strings.TrimSpace(errOut.String()))
	}
	var res struct {
		Comments []shellcheckComment `json:"comments"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return nil, fmt.Errorf("shellcheck: unexpected output: %w", err)
	}
	return res.Comments, nil
}
