package checks

import "testing"

// TestPrefilters: a prefilter may say yes wrongly, never no wrongly.
func TestPrefilters(t *testing.T) {
	cases := []struct {
		text      string
		pwsh, sec bool // what the expressions say
	}{
		{"pip install -r requirements.txt", false, false},
		{"Write-Host hello", true, false},
		{"if ($LASTEXITCODE -ne 0) { exit 1 }", true, false},
		{"$env:PATH += ';C:\\bin'", true, false},
		{"[System.IO.File]::ReadAllText('a')", true, false},
		{"[environment]::GetEnvironmentVariable('A')", true, false},
		{"run-tests --fast", false, false},
		{"echo $HOME", false, false},
		{"glpat-abcdefghijklmnopqrst", false, true},
		{"AKIAABCDEFGHIJKLMNOP", false, true},
		{"ghp_" + "abcdefghijklmnopqrstuvwxyz0123456789", false, true},
		{"xoxb-1234567890", false, true},
		{"glrt-abcdefghijklmnopqrst", false, true},
		{"-----BEGIN RSA PRIVATE KEY-----", false, true},
		{"postgres://postgres@db/test", false, false},
		{"echo $NULL_DEVICE", false, false},
		{"echo $null", true, false},
		{"$ENV:HOME", true, false},
		{"$LastExitCode", true, false},
		{"$laſtexitcode", true, false},
		{"echo $HOME:$PATH", false, false},
	}
	for _, c := range cases {
		if got := powershellSyntax().MatchString(c.text); got != c.pwsh {
			t.Errorf("%q: powershellSyntax %v, want %v", c.text, got, c.pwsh)
		}
		if got := secretValue().MatchString(c.text); got != c.sec {
			t.Errorf("%q: secretValue %v, want %v", c.text, got, c.sec)
		}
		if c.pwsh && !mayBePowershell(c.text) {
			t.Errorf("%q: mayBePowershell skips a match", c.text)
		}
		if c.sec && !mayBeSecretValue(c.text) {
			t.Errorf("%q: mayBeSecretValue skips a match", c.text)
		}
	}
}
