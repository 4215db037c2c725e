package lint

import (
	"sync"

	"gitlab.com/trustci/cicd/linter/config"
	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/gitlabversion"
	"gitlab.com/trustci/cicd/linter/rules"
)

// instanceVersion is the instance's answer to GET /api/v4/version, asked
// at most once per Linter.
type instanceVersion struct {
	once    sync.Once
	version string // "" when the instance could not say
}

// versionFindings reports the features res uses that are newer than the
// GitLab release linted for. The release is only worked out (and the
// instance only asked) when some feature is used.
func (l *Linter) versionFindings(res *Result, cfg *config.Config) []finding.Finding {
	if len(res.uses) == 0 {
		return nil
	}
	target, notes := l.target(res.Files[0].Path, cfg)
	return append(notes, gitlabversion.Check(target, res.uses)...)
}

// target is the release to lint against: --gitlab-version, then
// .cilint.yml, then CI_SERVER_VERSION, then the answer of the instance the
// user named (online only), then the newest release cilint knows. Either of the last
// two may be newer than cilint knows: that is said once, as info.
func (l *Linter) target(path string, cfg *config.Config) (gitlabversion.Version, []finding.Finding) {
	// New and config.Load resolved these and reported their notes.
	if l.version != nil {
		return l.version.Version, nil
	}
	if cfg.GitLabVersion != nil {
		return *cfg.GitLabVersion, nil
	}
	// The environment is free to read; the instance is asked only when it
	// does not say.
	sources := []struct {
		from    string
		version func() string
	}{
		{"CI_SERVER_VERSION says the instance runs", func() string { return l.opts.InstanceVersion }},
		{"the GitLab instance runs", func() string {
			// Only an instance the user named (--remote's, --gitlab-url,
			// CI_SERVER_URL) is asked: a run that reads nothing online
			// must not start calling gitlab.com.
			if rm := l.opts.Remote; rm == nil || (rm.VersionURL == "" && rm.GitLabURL == "") {
				return ""
			}
			return l.askInstance()
		}},
	}
	for _, src := range sources {
		v := src.version()
		if v == "" {
			continue
		}
		t, err := gitlabversion.Resolve(v)
		if err != nil {
			continue // not a release cilint can lint for: fall back
		}
		var notes []finding.Finding
		if t.Note != "" {
			notes = append(notes, rules.Soften(rules.Newf(rules.GitLabVersion, finding.Pos{File: path}, "%s %s: %s", src.from, v, t.Note),
				finding.Info, rules.Note))
		}
		return t.Version, notes
	}
	return gitlabversion.Newest(), nil
}

// askInstance reads the version of the instance named for --remote, else
// --gitlab-url; "" when it cannot be had (no token, down).
func (l *Linter) askInstance() string {
	l.instance.once.Do(func() {
		rm := l.opts.Remote
		base, token := rm.VersionURL, rm.VersionToken
		if base == "" {
			base = rm.GitLabURL
		}
		if token == "" {
			token = rm.Token
		}
		client, err := rm.client(base, token, rm.JobToken, 1)
		if err != nil {
			return
		}
		if v, err := client.Version(rm.context()); err == nil {
			l.instance.version = v
		}
	})
	return l.instance.version
}
