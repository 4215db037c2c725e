// Package config reads cilint's settings: the `.cilint.yml` file at the
// repository root, and `# cilint-disable` comments in pipeline files.
//
//	rules:                     # per rule: off, error, warning or info
//	  image-tag: off
//	  deprecated-keyword: info
//	catalogs:                  # component catalogs: PREFIX -> directory
//	  gitlab.com/group/components: ./components
//	gitlab_version: "17.5"     # lint against this GitLab release's features
//	pipelines:                 # the root pipelines (cilint lsp); default:
//	  - .gitlab-ci.yml         # every .gitlab-ci.yml and *.gitlab-ci.yml
//
// In a pipeline file, `# cilint-disable-next-line RULE[, RULE]` silences
// those rules on the next line, and `# cilint-disable RULE[, RULE]` from
// that line to the end of the file.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/gitlabversion"
	"gitlab.com/trustci/cicd/linter/internal/lazyre"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/rules"
	"gitlab.com/trustci/cicd/linter/suggest"
)

// FileName is the configuration file looked for at the repository root.
const FileName = ".cilint.yml"

// Config is the loaded configuration.
type Config struct {
	// Path is the file it was read from ("" when there was none).
	Path string
	// Severity overrides a rule's severity; Off lists disabled rules.
	Severity map[string]finding.Severity
	Off      map[string]bool
	// Catalogs maps a component prefix (<fqdn>/<project path>) to a local
	// catalog directory, relative to the configuration file.
	Catalogs map[string]string
	Source   []byte
	// GitLabVersion is the GitLab release to lint against (nil when not
	// set), resolved here once: see gitlabversion.Resolve.
	GitLabVersion *gitlabversion.Version
	// VersionProblem is the finding that makes gitlab_version: unusable
	// (nil when it is fine): like a bad --gitlab-version, a usage error.
	VersionProblem *finding.Finding
	// Pipelines are the repository's root pipeline files, joined to the
	// configuration file's folder (nil when not set): the files cilint
	// lsp re-lints when a file they include changes.
	Pipelines []string
}

// Load reads path; a missing file is an empty configuration.
func Load(path string) (*Config, []finding.Finding, error) {
	c := &Config{Severity: map[string]finding.Severity{}, Off: map[string]bool{}, Catalogs: map[string]string{}}
	f, fs, err := load.Read(path, load.DefaultLimits())
	if errors.Is(err, fsErrNotExist) {
		return c, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	c.Path, c.Source = path, f.Source
	report := func(n *load.Node, format string, args ...any) {
		fs = append(fs, rules.Newf(rules.Config, n.Pos, format, args...))
	}
	root := f.Body
	if root == nil || root.Kind == load.Null {
		return c, fs, nil
	}
	if root.Kind != load.Map {
		report(root, "%s must be a mapping with rules: and catalogs:", FileName)
		return c, fs, nil
	}
	for _, p := range root.Pairs {
		switch p.Key.Name() {
		case "rules":
			c.readRules(p.Value, report)
		case "catalogs":
			if p.Value == nil || p.Value.Kind != load.Map {
				report(p.Key, "catalogs: must map a component prefix such as gitlab.com/group/project to a directory")
				continue
			}
			for _, q := range p.Value.Pairs {
				if q.Value == nil || q.Value.Kind != load.String {
					report(q.Key, "catalog %s must name a directory", q.Key.Name())
					continue
				}
				dir := filepath.FromSlash(q.Value.Text)
				if !filepath.IsAbs(dir) {
					// Relative to the settings file, not the working directory.
					dir = filepath.Join(filepath.Dir(path), dir)
				}
				c.Catalogs[q.Key.Name()] = dir
			}
		case GitLabVersionKey:
			c.readGitLabVersion(p, &fs)
		case "pipelines":
			c.readPipelines(path, p, report)
		default:
			msg := fmt.Sprintf("unknown setting `%s` in %s; the settings are rules, catalogs, gitlab_version and pipelines", p.Key.Name(), FileName)
			if s := suggest.Closest(p.Key.Name(), []string{"rules", "catalogs", "gitlab_version", "pipelines"}); s != "" {
				msg += fmt.Sprintf("; did you mean `%s`?", s)
			}
			report(p.Key, "%s", msg)
		}
	}
	return c, fs, nil
}

// readPipelines reads pipelines: a list of file paths relative to the
// settings file.
func (c *Config) readPipelines(path string, p load.Pair, report func(*load.Node, string, ...any)) {
	if p.Value == nil || p.Value.Kind != load.Seq {
		report(p.Key, "pipelines: must list the root pipeline files, such as .gitlab-ci.yml")
		return
	}
	c.Pipelines = []string{}
	for _, item := range p.Value.Items {
		if item == nil || item.Kind != load.String || item.Text == "" {
			report(posNode(item, p.Key), "pipelines: each entry must be a file path")
			continue
		}
		f := filepath.FromSlash(item.Text)
		if !filepath.IsAbs(f) {
			f = filepath.Join(filepath.Dir(path), f)
		}
		c.Pipelines = append(c.Pipelines, f)
	}
}

func (c *Config) readRules(n *load.Node, report func(*load.Node, string, ...any)) {
	if n == nil || n.Kind != load.Map {
		if n != nil {
			report(n, "rules: must map rule IDs to off, error, warning or info")
		}
		return
	}
	for _, p := range n.Pairs {
		id := p.Key.Name()
		if !known(id) {
			report(p.Key, "%s", unknownRule(id))
			continue
		}
		v := p.Value
		val := ""
		if v != nil {
			val = v.Name()
			if v.Kind == load.Bool && !v.Bool {
				val = "off" // YAML 1.1 reads an unquoted off as false
			}
		}
		if val == "off" {
			c.Off[id] = true
			continue
		}
		sev, ok := finding.ParseSeverity(val)
		if !ok {
			report(posNode(v, p.Key), "rule %s: %q is not off, error, warning or info", id, val)
			continue
		}
		c.Severity[id] = sev
	}
}

// GitLabVersionKey is the setting naming the GitLab release to lint
// against; the messages about it start with it.
const GitLabVersionKey = "gitlab_version"

// readGitLabVersion reads gitlab_version: as written: YAML reads an
// unquoted 16.10 as the number 16.1, so the text is what counts.
func (c *Config) readGitLabVersion(p load.Pair, fs *[]finding.Finding) {
	v := p.Value
	if v == nil || (v.Kind != load.String && v.Kind != load.Float && v.Kind != load.Int) {
		c.versionProblem(fs, rules.New(rules.Config, posNode(v, p.Key).Pos, GitLabVersionKey+`: must be a GitLab release such as "17.5"`))
		return
	}
	t, err := gitlabversion.Resolve(v.Text)
	if err != nil {
		c.versionProblem(fs, rules.New(rules.Config, v.Pos, GitLabVersionKey+": "+err.Error()))
		return
	}
	if t.Note != "" {
		*fs = append(*fs, rules.Soften(rules.New(rules.Config, v.Pos, t.Note), finding.Info, rules.Note))
	}
	c.GitLabVersion = &t.Version
}

func (c *Config) versionProblem(fs *[]finding.Finding, f finding.Finding) {
	*fs = append(*fs, f)
	c.VersionProblem = &f
}

func posNode(v, fallback *load.Node) *load.Node {
	if v != nil {
		return v
	}
	return fallback
}

func known(id string) bool {
	_, ok := rules.Lookup(id)
	return ok
}

func unknownRule(id string) string {
	var ids []string
	for _, r := range rules.All() {
		ids = append(ids, r.ID)
	}
	msg := fmt.Sprintf("there is no rule %q", id)
	if s := suggest.Closest(id, ids); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else {
		msg += " (cilint rules lists them)"
	}
	return msg
}

var fsErrNotExist = fs.ErrNotExist

// directive is one `# cilint-disable` comment.
var directive = lazyre.New(`#\s*cilint-(disable-next-line|disable)\b[ \t]*([^#\n]*)`)

// suppression silences rules in one file from line from to line to.
type suppression struct {
	file     string
	from, to int // inclusive; to 0 means to the end of the file
	rules    map[string]bool
}

// Apply applies rule severities and `# cilint-disable` comments to fs and
// returns what remains, plus findings about unknown rule IDs in comments.
// Findings of the cilint-config rule itself are never silenced.
func (c *Config) Apply(fs []finding.Finding, sources map[string][]byte) []finding.Finding {
	var sups []suppression
	var out []finding.Finding
	for file, src := range sources {
		for i, line := range strings.Split(string(src), "\n") {
			m := directive().FindStringSubmatchIndex(line)
			if m == nil {
				continue
			}
			kind := line[m[2]:m[3]]
			ids := map[string]bool{}
			col := m[4]
			for _, raw := range strings.Split(line[m[4]:m[5]], ",") {
				id := strings.TrimSpace(raw)
				if id == "" {
					continue
				}
				if !known(id) {
					idCol := col + strings.Index(raw, id)
					f := rules.New(rules.Config, finding.Pos{File: file, Line: i + 1, Col: idCol + 1}, unknownRule(id))
					f.EndCol = idCol + 1 + len(id)
					out = append(out, f)
				}
				ids[id] = true
				col += len(raw) + 1
			}
			s := suppression{file: file, rules: ids, from: i + 1}
			if kind == "disable-next-line" {
				s.from, s.to = i+2, i+2
			}
			sups = append(sups, s)
		}
	}
	for _, f := range fs {
		if f.Rule != rules.Config {
			if c.Off[f.Rule] || silenced(sups, f) {
				continue
			}
			if sev, ok := c.Severity[f.Rule]; ok {
				f.Severity = sev
			}
		}
		out = append(out, f)
	}
	return out
}

func silenced(sups []suppression, f finding.Finding) bool {
	for _, s := range sups {
		if s.file == f.Pos.File && s.rules[f.Rule] && f.Pos.Line >= s.from && (s.to == 0 || f.Pos.Line <= s.to) {
			return true
		}
	}
	return false
}
