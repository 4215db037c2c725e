// Package remote checks a configuration with the GitLab instance it runs
// on: it sends it to the project's CI lint API (POST
// /projects/:id/ci/lint) and merges GitLab's answer with cilint's own
// findings, placing GitLab's messages at the job or include they are about,
// dropping what cilint already said, and recording where the two disagree.
package remote

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"sort"
	"strings"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/gitlabapi"
	"gitlab.com/trustci/cicd/linter/internal/lazyre"
	"gitlab.com/trustci/cicd/linter/lint"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/render"
	"gitlab.com/trustci/cicd/linter/repo"
	"gitlab.com/trustci/cicd/linter/rules"
)

// Options say which instance and project to ask, and how.
type Options struct {
	BaseURL  string // https://gitlab.example.com
	Project  string // path or numeric ID
	Token    string // api scope; never printed
	JobToken string // only to explain why it cannot be used
	CAFile   string
	// DryRun simulates a push pipeline on Ref (which must be pushed);
	// otherwise GitLab lints the content sent, statically.
	DryRun bool
	Ref    string
	Client gitlabapi.Options // timeouts and retries; BaseURL/Token/CAFile come from above
}

// ErrNoToken explains what lint needs when only a job token is there.
var ErrNoToken = errors.New("GitLab's lint API needs a token with the api scope in GITLAB_TOKEN (or --token-file); it does not accept CI_JOB_TOKEN, and read_api is not enough for POST")

// Outcome is what the remote check adds.
type Outcome struct {
	// Mode says what was sent and how GitLab linted it.
	Mode     string
	Findings []finding.Finding
	Valid    bool
}

// Check lints path's configuration with GitLab and merges the answer with
// res, cilint's result for the same file.
func Check(ctx context.Context, res *lint.Result, path string, o Options) (*Outcome, error) {
	if o.Token == "" {
		return nil, ErrNoToken
	}
	if o.BaseURL == "" || o.Project == "" {
		return nil, errors.New("--remote needs the GitLab URL (--gitlab-url or CI_SERVER_URL) and the project (--project, CI_PROJECT_ID or a git remote)")
	}
	co := o.Client
	co.BaseURL, co.Token, co.CAFile = o.BaseURL, o.Token, o.CAFile
	client, err := gitlabapi.New(co)
	if err != nil {
		return nil, err
	}
	content, mode, err := payload(res, path, o)
	if err != nil {
		return nil, err
	}
	answer, err := client.Lint(ctx, o.Project, content, gitlabapi.LintOptions{DryRun: o.DryRun, Ref: o.Ref})
	if err != nil {
		return nil, err
	}
	out := &Outcome{Mode: mode, Valid: answer.Valid}
	out.Findings = merge(res, path, answer)
	return out, nil
}

// payload is what GitLab gets. A static lint reads include:local from the
// default branch, so unpushed local files would be missing: cilint sends the
// configuration with local files (and locally resolved components) already
// merged in, and only the includes it could not read left as includes. A
// dry run creates a pipeline on a pushed ref, so it gets the file as
// written.
func payload(res *lint.Result, path string, o Options) (string, string, error) {
	if o.DryRun {
		src, err := os.ReadFile(path)
		if err != nil {
			return "", "", err
		}
		ref := o.Ref
		if ref == "" {
			ref = "the default branch"
		}
		return string(src), "dry run of " + path + " on " + ref + " (GitLab simulates a push pipeline and reads includes from that ref)", nil
	}
	if res.Pipeline == nil || res.Pipeline.Config == nil {
		return "", "", errors.New("the configuration could not be built locally; fix the errors above first")
	}
	cfg := res.Pipeline.Config
	var items []*load.Node
	for _, u := range res.Pipeline.Unresolved {
		if u.Item != nil && u.Kind != "local" {
			items = append(items, u.Item)
		}
	}
	if len(items) > 0 {
		inc := &load.Node{Kind: load.Seq, Items: items}
		cfg = &load.Node{Kind: load.Map, Pos: cfg.Pos, Pairs: append([]load.Pair{{Key: &load.Node{Kind: load.String, Text: "include"}, Value: inc}}, cfg.Pairs...)}
	}
	var b bytes.Buffer
	if err := render.YAML(&b, cfg); err != nil {
		return "", "", err
	}
	return b.String(), "static lint of " + path + " with the includes cilint read merged in (the others sent as include: entries), on GitLab's default branch", nil
}

var (
	quoted     = lazyre.New("`([^`]+)`")
	jobsPrefix = lazyre.New(`^jobs[: ]`)
)

// merge places GitLab's messages and drops those cilint already reported.
func merge(res *lint.Result, path string, answer *gitlabapi.LintResult) []finding.Finding {
	var out []finding.Finding
	localErrors := 0
	for _, f := range res.Findings {
		if f.Severity == finding.Error {
			localErrors++
		}
	}
	fileStart := finding.Pos{File: path, Line: 1, Col: 1}
	place := func(msg string, sev finding.Severity) {
		pos, job := locate(res, msg, fileStart)
		if alreadyFound(res, pos, job, sev) {
			return
		}
		text := "GitLab: " + msg
		if sev == finding.Error {
			text += " (cilint did not find this: one of the two is wrong, please report it)"
		}
		out = append(out, rules.Soften(rules.New(rules.GitLabLint, pos, text), sev, rules.GitLabWarning))
	}
	for _, e := range answer.Errors {
		place(e, finding.Error)
	}
	for _, w := range answer.Warnings {
		place(w, finding.Warning)
	}
	if answer.Valid && localErrors > 0 {
		out = append(out, rules.Newf(rules.RemoteDisagreement, fileStart, "GitLab accepts this configuration, but cilint reports %d error(s): one of the two is wrong, please report it", localErrors))
	}
	return out
}

// locate finds what a GitLab message is about: a job (messages start with
// `jobs:<job>...`, `jobs <job> ...` or `<job> job: ...`) or an include (a
// quoted file or project), and returns its position.
func locate(res *lint.Result, msg string, fallback finding.Pos) (finding.Pos, string) {
	if res.Pipeline != nil {
		// Longest names first, so "build-image" wins over "build".
		jobs := append([]string(nil), jobNames(res)...)
		sort.Slice(jobs, func(i, j int) bool { return len(jobs[i]) > len(jobs[j]) })
		rest := jobsPrefix().ReplaceAllString(msg, "")
		for _, name := range jobs {
			if strings.HasPrefix(rest, name+":") || strings.HasPrefix(rest, name+" ") || strings.HasPrefix(msg, name+" job:") {
				return res.Pipeline.Job(name).Key.Pos, name
			}
		}
	}
	for _, m := range quoted().FindAllStringSubmatch(msg, -1) {
		if pos, ok := findText(res, m[1]); ok {
			return pos, ""
		}
	}
	return fallback, ""
}

func jobNames(res *lint.Result) []string {
	var out []string
	for _, j := range res.Pipeline.Jobs {
		out = append(out, j.Name)
	}
	return out
}

// findText finds the first line of the linted files that mentions s (an
// include location, usually).
func findText(res *lint.Result, s string) (finding.Pos, bool) {
	for _, f := range res.Files {
		sc := bufio.NewScanner(bytes.NewReader(f.Source))
		for line := 1; sc.Scan(); line++ {
			if i := strings.Index(sc.Text(), s); i >= 0 {
				return finding.Pos{File: f.Path, Line: line, Col: i + 1}, true
			}
		}
	}
	return finding.Pos{}, false
}

// alreadyFound reports whether cilint has a finding of at least the same
// weight about the same job or at the same place.
func alreadyFound(res *lint.Result, pos finding.Pos, job string, sev finding.Severity) bool {
	for _, f := range res.Findings {
		if f.Severity < sev {
			continue
		}
		if job != "" && strings.Contains(f.Message, "`"+job+"`") {
			return true
		}
		if f.Pos.File == pos.File && f.Pos.Line == pos.Line && pos.Line > 1 {
			return true
		}
	}
	return false
}

// ProjectFromGit reads the project path and instance from the origin
// remote of the git repository holding dir (through git: worktrees and
// submodules included).
func ProjectFromGit(dir string) (host, project string) {
	r, err := repo.Find(dir)
	if err != nil {
		return "", ""
	}
	return originOf(r.RemoteURL("origin"))
}

// originOf reads the instance's host and the project path from a git
// remote URL (https://, http://, ssh:// or scp-like git@host:path),
// dropping any credentials in it.
func originOf(url string) (string, string) {
	u := strings.TrimSuffix(strings.TrimSpace(url), ".git")
	switch {
	case strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "ssh://"):
		rest := u[strings.Index(u, "://")+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			rest = rest[at+1:] // drop credentials
		}
		host, path, _ := strings.Cut(rest, "/")
		if strings.HasPrefix(u, "ssh://") {
			host, _, _ = strings.Cut(host, ":")
		}
		return host, path
	case strings.Contains(u, "@") && strings.Contains(u, ":"):
		rest := u[strings.Index(u, "@")+1:]
		host, path, _ := strings.Cut(rest, ":")
		return host, path
	}
	return "", ""
}
