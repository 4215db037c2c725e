package checks

import (
	"strings"
	"unicode/utf8"

	"gitlab.com/trustci/cicd/linter/internal/lazyre"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/pipeline"
)

// Which shell runs a job is the runner's choice (its `shell` setting:
// bash or sh on Linux and macOS, pwsh or powershell on Windows), and the
// configuration never names it. cilint parses a job's scripts as POSIX
// shell unless the job shows it is meant for a Windows or PowerShell
// runner. jobShell is the one place that decides, for script-syntax and
// for --shellcheck alike; docs/rules.md (script-syntax) says the same.

// A Shell is what cilint knows about the shell of a job.
type Shell struct {
	// POSIX is true when nothing points away from bash or sh.
	POSIX bool
	// Why names the evidence when POSIX is false.
	Why string
}

// windowsTagWord matches the words of a runner tag that mean a Windows or
// PowerShell runner: `windows`, `saas-windows-medium-amd64`, `windows2022`,
// `win32-ps`, `win10`, `pwsh`.
var windowsTagWord = lazyre.New(`^(windows[a-z0-9]*|win|win\d+|winserver\d*|powershell|pwsh|ps|ps1|cmd|msvc|mingw|mingw32|mingw64|msys|msys2|cygwin)$`)

// windowsImage matches image names of Windows containers or PowerShell.
var windowsImage = lazyre.New(`(?i)windows|servercore|nanoserver|powershell|pwsh|dotnet/framework`)

// powershellSyntax matches what only PowerShell scripts contain: `$env:X`,
// `$LASTEXITCODE`, `$null`, a .NET type accessor such as
// `[System.IO.File]::` or `[Environment]::`, or a cmdlet: one of
// PowerShell's common verbs, a dash and a capitalised noun (`Test-Path`,
// `Get-Content`, `Write-Host`), as PowerShell users write them; shell
// commands with dashes are lower case (`run-tests`).
var powershellSyntax = lazyre.New(`(?i:\$env:[a-z_]|\$lastexitcode\b|\$null\b|` +
	`\[(system|io|environment|net|text|convert|math|string|regex)(\.[a-z]+)*\]::)` +
	`|\b(Get|Set|New|Remove|Test|Write|Invoke|Start|Stop|Copy|Move|Add|Out|Select|Where|ForEach|Import|Install|` +
	`Expand|Compress|Join|Split|Resolve|Push|Pop|Format|ConvertTo|ConvertFrom|Measure|Wait|Read|Clear|Rename|` +
	`Update|Enable|Disable|Register|Export|Restart|Sort|Tee|Uninstall)-[A-Z][A-Za-z]+\b`)

// mayBePowershell is false when s cannot match powershellSyntax: every
// match holds `$env:`, `$lastexitcode` or `$null` in any case, a `]::`
// or a dash before a capital letter. Most script lines have none, and the
// expression backtracks. Text with non-ASCII letters goes to the
// expression (case folding there pairs `s` with `ſ`).
func mayBePowershell(s string) bool {
	if strings.Contains(s, "]::") {
		return true
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	if strings.Contains(s, "$") {
		lower := strings.ToLower(s)
		if strings.Contains(lower, "$env:") || strings.Contains(lower, "$lastexitcode") || strings.Contains(lower, "$null") {
			return true
		}
	}
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '-' && s[i+1] >= 'A' && s[i+1] <= 'Z' {
			return true
		}
	}
	return false
}

// shellOf is jobShell(j), decided once per job: every script group of a
// job asks.
func (c *Context) shellOf(j *pipeline.Job) Shell {
	if sh, ok := c.shells[j]; ok {
		return sh
	}
	if c.shells == nil {
		c.shells = map[*pipeline.Job]Shell{}
	}
	sh := jobShell(j, c.Scripts)
	c.shells[j] = sh
	return sh
}

// jobShell decides which shell runs job j's scripts, from its runner tags,
// its image and the syntax of its scripts (memo, when not nil, keeps what
// the PowerShell expression found in each script line across lints).
func jobShell(j *pipeline.Job, memo *ScriptMemo) Shell {
	if tags := j.Node.Get("tags"); tags != nil {
		for _, t := range flatScalars(tags) {
			for _, w := range strings.FieldsFunc(strings.ToLower(t), func(r rune) bool {
				return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
			}) {
				if windowsTagWord().MatchString(w) {
					return Shell{Why: "its runner tag `" + t + "` names a Windows or PowerShell runner"}
				}
			}
		}
	}
	if img := imageName(j.Node.Get("image")); img != "" && windowsImage().MatchString(img) {
		return Shell{Why: "its image `" + img + "` is a Windows or PowerShell image"}
	}
	for _, k := range scriptKeys() {
		for _, s := range flatScalars(j.Node.Get(k)) {
			if !mayBePowershell(s) {
				continue
			}
			if m := memo.powershellMatch(s); m != "" {
				return Shell{Why: "its scripts use PowerShell (`" + m + "`)"}
			}
		}
	}
	return Shell{POSIX: true}
}

// imageName is the name of an image: the string, or image:name.
func imageName(n *load.Node) string {
	switch {
	case n == nil:
	case n.Kind == load.String:
		return n.Text
	case n.Kind == load.Map:
		if name := n.Get("name"); name != nil && name.Kind == load.String {
			return name.Text
		}
	}
	return ""
}

// flatScalars lists the strings of a string or (nested) list of strings.
func flatScalars(n *load.Node) []string {
	var out []string
	var walk func(n *load.Node, depth int)
	walk = func(n *load.Node, depth int) {
		switch {
		case n == nil || depth > 20:
		case n.Kind == load.String:
			out = append(out, n.Text)
		case n.Kind == load.Seq:
			for _, it := range n.Items {
				walk(it, depth+1)
			}
		}
	}
	walk(n, 0)
	return out
}
