package checks

import (
	"strings"
	"testing"
)

func TestJobShell(t *testing.T) {
	tests := []struct {
		name  string
		job   string
		posix bool
		why   string
	}{
		{"no evidence", "script: [make]", true, ""},
		{"linux tags", "tags: [docker, linux, saas-linux-small-amd64]\n  script: [make]", true, ""},
		{"windows tag", "tags: [saas-windows-medium-amd64]\n  script: [make]", false, "runner tag"},
		{"win32-ps tag", "tags: [win32-ps]\n  script: [make]", false, "win32-ps"},
		{"pwsh tag", "tags: [Pwsh]\n  script: [make]", false, "Pwsh"},
		{"windows2022 tag", "tags: [shared, Windows2022]\n  script: [make]", false, "Windows2022"},
		{"windowsserver tag", "tags: [WindowsServer-1809]\n  script: [make]", false, "WindowsServer"},
		{"twin is not win", "tags: [twin-runner, winner]\n  script: [make]", true, ""},
		{"windows image", "image: mcr.microsoft.com/windows/servercore:ltsc2022\n  script: [make]", false, "image"},
		{"pwsh image map", "image: {name: mcr.microsoft.com/powershell:lts}\n  script: [make]", false, "image"},
		{"python image", "image: python:3.13-windowsless\n  script: [make]", false, "image"}, // says windows: not judged
		{"env syntax", "script: ['$env:X = 1']", false, "$env:X"},
		{"cmdlet", "script: ['if (Test-Path x) { rm x }']", false, "Test-Path"},
		{"write-host", "script: ['Write-Host hi']", false, "Write-Host"},
		{"lowercase dash command", "script: ['get-deps && test-all']", true, ""},
		{"dotnet accessor", "script: ['[System.IO.File]::Exists(\"x\")']", false, "[System.IO.File]::"},
		{"bash brackets", "script: ['echo \"[INFO]:: done\"']", true, ""},
		{"before_script from default", "script: [make]", false, "Get-Content"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "job:\n  " + tt.job + "\n"
			if tt.name == "before_script from default" {
				src = "default:\n  before_script: ['Get-Content x']\n" + src
			}
			p := build(t, src)
			got := jobShell(p.Job("job"), nil)
			if got.POSIX != tt.posix || !strings.Contains(got.Why, tt.why) {
				t.Errorf("jobShell = %+v; want POSIX %v with %q", got, tt.posix, tt.why)
			}
		})
	}
}

func TestScriptSyntaxJoined(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"if over items", "job:\n  script:\n    - if true; then\n    - echo x\n    - fi\n", nil},
		{"then and fi only", "job:\n  script:\n    - if true; then\n    - fi\n", nil},
		{"before_script opens, script closes", "job:\n  before_script: ['for f in *; do']\n  script: ['echo $f', done]\n", nil},
		{"after_script is its own shell", "job:\n  script: ['if true; then']\n  after_script: [fi]\n",
			[]string{`2:13 job ` + "`job`" + `: this ` + "`script`" + ` line is not valid shell: if statement must end with "fi"`,
				"3:18 job `job`: this `after_script` line is not valid shell: \"fi\" can only be used to end an if"}},
		{"error in the third item", "job:\n  script:\n    - echo a\n    - echo b\n    - 'echo $(( 1 + ))'\n",
			[]string{"5:19 job `job`: this `script` line is not valid shell: + must be followed by an expression"}},
		{"each broken item once", "job:\n  script:\n    - 'echo $(( 1 + ))'\n    - echo ok\n    - 'echo $(( 2 * ))'\n",
			[]string{"3:19 job `job`: this `script` line is not valid shell: + must be followed by an expression",
				"5:19 job `job`: this `script` line is not valid shell: * must be followed by an expression"}},
		{"open quote named where it opens", "job:\n  script:\n    - echo \"a\n    - echo b\n    - echo \"$(( 1 + ))\"\n",
			[]string{"3:12 job `job`: this `script` line is not valid shell: reached EOF without closing quote \"",
				"5:19 job `job`: this `script` line is not valid shell: + must be followed by an expression"}},
		{"windows job not judged", "job:\n  tags: [windows]\n  script: ['$env:X = $env:X.replace(\"a\",\"b\")']\n", nil},
		{"shared default reported once", "default:\n  before_script: ['if x; then']\na:\n  script: [echo]\nb:\n  script: [echo]\n",
			[]string{"2:20 job `a`: this `before_script` line is not valid shell: if statement must end with \"fi\""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(t, tt.src, "script-syntax")
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestItemAt(t *testing.T) {
	starts := []int{2, 4, 7}
	tests := []struct{ line, item, inner int }{
		{2, 0, 1}, {3, 0, 2}, {4, 1, 1}, {6, 1, 3}, {7, 2, 1}, {9, 2, 3}, {1, 0, 1},
	}
	for _, tt := range tests {
		i, l := itemAt(starts, tt.line)
		if i != tt.item || l != tt.inner {
			t.Errorf("itemAt(%d) = %d, %d; want %d, %d", tt.line, i, l, tt.item, tt.inner)
		}
	}
}
