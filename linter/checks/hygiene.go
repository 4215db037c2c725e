package checks

import (
	"strings"

	"gitlab.com/trustci/cicd/linter/internal/lazyre"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/pipeline"
	"gitlab.com/trustci/cicd/linter/rules"
)

func checkHygiene(c *Context) {
	checkDeprecated(c)
	checkImages(c)
	checkSecrets(c)
	checkDuplicatePipelines(c)
}

func checkDeprecated(c *Context) {
	for _, k := range []string{"image", "services", "cache", "before_script", "after_script"} {
		if p := c.P.TopPair(k); p != nil && given(c.P.Config, k) {
			c.Report(p.Key.Pos, rules.DeprecatedKeyword, "global `%s` is deprecated; move it under `default:`", k)
		}
	}
	seen := map[*load.Node]bool{}
	for _, j := range c.P.Jobs {
		for _, k := range []string{"only", "except"} {
			if p := j.Node.Pair(k); p != nil && given(j.Node, k) && !seen[p.Key] {
				seen[p.Key] = true
				// GitLab's keyword reference says only/except are no longer
				// developed, not removed: they work, so say exactly that.
				c.Report(p.Key.Pos, rules.DeprecatedKeyword, "`%s` still works but GitLab no longer develops it; `rules` is the keyword it recommends", k)
			}
		}
	}
}

// checkImages warns about images that are not pinned to a version.
func checkImages(c *Context) {
	seen := map[*load.Node]bool{}
	check := func(n *load.Node, what string) {
		name := n
		if n != nil && n.Kind == load.Map {
			name = n.Get("name")
		}
		if name == nil || name.Kind != load.String || seen[name] || strings.Contains(name.Text, "$") {
			return
		}
		seen[name] = true
		ref := name.Text
		if strings.Contains(ref, "@sha256:") {
			return
		}
		tag := ""
		if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
			tag = ref[i+1:]
		}
		switch tag {
		case "":
			c.Report(name.Pos, rules.ImageTag, "%s `%s` has no tag, so it means :latest and changes under you; pin a version", what, ref)
		case "latest":
			c.Report(name.Pos, rules.ImageTag, "%s `%s` uses :latest, which changes under you; pin a version", what, ref)
		}
	}
	for _, j := range c.P.Jobs {
		check(j.Node.Get("image"), "image")
		if s := j.Node.Get("services"); s != nil && s.Kind == load.Seq {
			for _, it := range s.Items {
				check(it, "service")
			}
		}
	}
}

var (
	secretName  = lazyre.New(`(?i)(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIAL)`)
	secretValue = lazyre.New(`-----BEGIN [A-Z ]*PRIVATE KEY-----|\bglpat-[A-Za-z0-9_-]{20,}|\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{36,}|\bxox[baprs]-[A-Za-z0-9-]{10,}|\bglrt-[A-Za-z0-9_-]{20,}`)
)

// looksRandom is true for values long and mixed enough to be a real
// credential rather than a placeholder such as "postgres".
func looksRandom(v string) bool {
	if len(v) < 12 {
		return false
	}
	var letter, digit bool
	for _, r := range v {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			letter = true
		}
	}
	return letter && digit
}

// checkSecrets warns about credentials written into the file.
// secretMarks are texts every match of secretValue holds: most values
// hold none, and the expression is tried on every variable.
var secretMarks = []string{"-----BEGIN ", "glpat-", "AKIA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "xox", "glrt-"}

func mayBeSecretValue(s string) bool {
	for _, m := range secretMarks {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

func checkSecrets(c *Context) {
	seen := map[*load.Node]bool{}
	check := func(vars *load.Node) {
		if vars == nil || vars.Kind != load.Map {
			return
		}
		for _, p := range vars.Pairs {
			v := pipeline.VariableValue(p.Value)
			if v == nil || v.Kind != load.String || seen[v] || strings.Contains(v.Text, "$") {
				continue
			}
			seen[v] = true
			if mayBeSecretValue(v.Text) && secretValue().MatchString(v.Text) || (secretName().MatchString(p.Key.Name()) && looksRandom(v.Text)) {
				c.Report(v.Pos, rules.VariableSecret, "variable `%s` looks like a credential written into the file; anyone who can read the repository can use it. Store it as a masked, protected CI/CD variable", p.Key.Name())
			}
		}
	}
	check(c.P.Top("variables"))
	for _, j := range c.P.Jobs {
		check(j.Node.Get("variables"))
	}
}

// checkDuplicatePipelines mirrors GitLab's warning
// (lib/gitlab/ci/config/entry/processable.rb, validate_against_warnings):
// without workflow:rules, a job whose last rule is a bare `when:` runs in
// both the branch pipeline and the merge request pipeline of one push.
// GitLab gives it only when no workflow:rules exist, so an include cilint
// did not read, which may hold them, silences it.
func checkDuplicatePipelines(c *Context) {
	if wf := c.P.Top("workflow"); wf != nil && wf.Kind == load.Map && wf.Get("rules") != nil {
		return
	}
	if len(c.P.Unresolved) > 0 {
		return
	}
	for _, j := range c.P.Jobs {
		rl := flatRules(j.Node.Get("rules"))
		if len(rl) == 0 {
			continue
		}
		last := rl[len(rl)-1]
		w := last.Get("when")
		if len(last.Pairs) == 1 && w != nil && w.Kind == load.String && w.Text != "never" {
			c.Report(w.Pos, rules.DuplicatePipelines, "job `%s` may run twice for one push (branch and merge request pipelines): its last rule is a bare `when: %s` and there are no workflow:rules", j.Name, w.Text)
		}
	}
}
