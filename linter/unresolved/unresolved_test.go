package unresolved

import "testing"

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://example.com/ci.yml", "https://example.com/ci.yml"},
		{"https://user:s3cret@example.com/ci.yml", "https://REDACTED@example.com/ci.yml"},
		{"https://glpat-abc@example.com/ci.yml", "https://REDACTED@example.com/ci.yml"},
		{"https://example.com/ci.yml?private_token=abc&ref=main", "https://example.com/ci.yml?private_token=REDACTED&ref=REDACTED"},
		{"://bad", "the URL"},
	}
	for _, tt := range tests {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestString(t *testing.T) {
	u := Include{Kind: "remote", Location: "https://t@example.com/a.yml?sig=x"}
	if got, want := u.String(), "include:remote https://REDACTED@example.com/a.yml?sig=REDACTED"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := (Include{Kind: "project", Location: "g/p"}).String(), "include:project g/p"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
