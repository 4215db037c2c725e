package impact

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"gitlab.com/trustci/cicd/linter/internal/fakegitlab"
	"gitlab.com/trustci/cicd/linter/lint"
)

const groupProjects = 200

// fakeGroup is a group of 200 projects on the fake instance: project i
// pins version i%3 of the catalog, sets the renamed input when i is even,
// includes the component through a local file when i%7 == 0, and does not
// use the catalog at all when i%10 == 9 (nor has any pipeline when
// i%50 == 49); when i%50 == 24 its configuration is another project's
// file, so it is skipped. It returns the projects the rename must break.
func fakeGroup(t testing.TB, f *fakegitlab.FakeGitLab) []string {
	t.Helper()
	var broken []string
	var paths []string
	for i := range groupProjects {
		path := fmt.Sprintf("acme/team-%d/app-%03d", i%5, i)
		paths = append(paths, path)
		commit := fmt.Sprintf("%040x", i+1)
		files := map[string]string{}
		switch {
		case i%50 == 49:
		case i%10 == 9:
			files[".gitlab-ci.yml"] = "unit:\n  image: alpine:3.20\n  script: [echo test]\n"
		default:
			files = consumerFiles(versions[i%3].tag, i%2 == 0, i%7 == 0)
			if i%2 == 0 && i%50 != 24 {
				broken = append(broken, path)
			}
		}
		f.Projects[path] = &fakegitlab.FakeProject{ID: 1000 + i, Branches: map[string]string{"main": commit}, Files: map[string]map[string]string{commit: files}}
		if i%50 == 24 {
			f.Projects[path].CIConfigPath = ".gitlab-ci.yml@acme/ci-configs" // skipped: not the project's own file
		}
	}
	f.Groups["acme"] = paths
	sort.Strings(broken)
	return broken
}

func runGroup(t testing.TB, f *fakegitlab.FakeGitLab, cat string, shard *Shard) (*Report, time.Duration) {
	t.Helper()
	opts := lintOptions()
	opts.Remote = &lint.Remote{GitLabURL: f.URL, Token: "secret", Timeout: 10 * time.Second}
	r, err := New(Options{Prefix: testPrefix, NewDir: cat, Lint: opts, Shard: shard, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	client, ctx, err := opts.Remote.Instance("gitlab.example.com")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rep, err := r.RunGroup(Group{Client: client, Ctx: ctx, Path: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	return rep, time.Since(start)
}

func TestGroupShardedMergesToTheUnshardedReport(t *testing.T) {
	cat := catalogRepo(t)
	f := fakegitlab.New(t, "secret")
	wantBroken := fakeGroup(t, f)

	whole, took := runGroup(t, f, cat, nil)
	t.Logf("%d fake projects unsharded: %v", groupProjects, took.Round(time.Millisecond))
	var gotBroken []string
	skipped := 0
	for _, c := range whole.Consumers {
		if c.Error != "" {
			t.Errorf("%s: not linted: %s", c.Consumer, c.Error)
		}
		if c.Skipped != "" {
			skipped++
		}
		if len(c.NewErrors) > 0 {
			gotBroken = append(gotBroken, c.Consumer)
		}
	}
	if skipped != groupProjects/50 {
		t.Errorf("%d projects skipped, want %d", skipped, groupProjects/50)
	}
	if fmt.Sprint(gotBroken) != fmt.Sprint(wantBroken) {
		t.Errorf("broken consumers:\n got %v\nwant %v", gotBroken, wantBroken)
	}
	if whole.Scanned != groupProjects || len(whole.Consumers) != groupProjects-groupProjects/10 {
		t.Errorf("scanned %d, %d consumers; want %d and %d", whole.Scanned, len(whole.Consumers), groupProjects, groupProjects-groupProjects/10)
	}

	var shards []*Report
	for i := 1; i <= 4; i++ {
		rep, took := runGroup(t, f, cat, &Shard{Index: i, Total: 4})
		t.Logf("shard %d/4: %d projects, %d consumers: %v", i, rep.Scanned, len(rep.Consumers), took.Round(time.Millisecond))
		if rep.Scanned == 0 || rep.Scanned == groupProjects {
			t.Errorf("shard %d/4 holds %d projects: not a split", i, rep.Scanned)
		}
		// Through JSON, as the merge job reads the shards' artifacts.
		var buf bytes.Buffer
		if err := rep.JSON(&buf); err != nil {
			t.Fatal(err)
		}
		back, err := Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		shards = append(shards, back)
	}
	merged, err := Merge(shards)
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if err := whole.JSON(&a); err != nil {
		t.Fatal(err)
	}
	if err := merged.JSON(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("merged report differs from the unsharded one:\n%s\n---\n%s", a.String(), b.String())
	}
	// The merge refuses an incomplete or repeated set of shards.
	if _, err := Merge(shards[:3]); err == nil {
		t.Error("merge of 3 of 4 shards succeeded")
	}
	if _, err := Merge(append(shards[:3:3], shards[0])); err == nil {
		t.Error("merge with a shard twice succeeded")
	}
}

func TestShardIsStableAndCovers(t *testing.T) {
	var paths []string
	for i := range 1000 {
		paths = append(paths, filepath.ToSlash(fmt.Sprintf("g/p%d", i)))
	}
	for _, n := range []int{1, 2, 4, 7} {
		count := 0
		for _, p := range paths {
			in := 0
			for i := 1; i <= n; i++ {
				if (&Shard{Index: i, Total: n}).Holds(p) {
					in++
				}
			}
			if in != 1 {
				t.Fatalf("%s is in %d of %d shards", p, in, n)
			}
			count++
		}
		if count != len(paths) {
			t.Fatal("lost paths")
		}
	}
	// The split is part of the report format: shards of one run made by
	// two cilint versions must agree, so a changed hash must be noticed.
	for path, want := range map[string]int{"acme/x": 1, "acme/team-1/app-001": 1, "gitlab-org/gitlab": 2} {
		if !(&Shard{Index: want, Total: 4}).Holds(path) {
			t.Errorf("%s is no longer in shard %d/4", path, want)
		}
	}
	// And it spreads names that differ only at the end.
	for i := 1; i <= 4; i++ {
		n := 0
		for _, p := range paths {
			if (&Shard{Index: i, Total: 4}).Holds(p) {
				n++
			}
		}
		if n < 200 || n > 300 {
			t.Errorf("shard %d/4 holds %d of 1000 paths", i, n)
		}
	}
	for _, bad := range []string{"0/4", "5/4", "1/0", "a/b", "1", "1/201"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) succeeded", bad)
		}
	}
	if s, err := ParseShard("2/4"); err != nil || *s != (Shard{2, 4}) {
		t.Errorf("ParseShard(2/4) = %v, %v", s, err)
	}
}

// TestReleasedFromTheInstance: when the new catalog is not in a git
// repository, the released versions are read from the catalog project on
// the instance (lint's component.Remote through the run's client), and the
// comparison is the same.
func TestReleasedFromTheInstance(t *testing.T) {
	f := fakegitlab.New(t, "secret")
	host := strings.TrimPrefix(f.URL, "http://")
	prefix := host + "/acme/components"
	tags, files := map[string]string{}, map[string]map[string]string{}
	for i, v := range versions {
		commit := fmt.Sprintf("%040x", 0xc0+i)
		tags[v.tag] = commit
		files[commit] = map[string]string{"templates/build/template.yml": v.template}
	}
	f.Projects["acme/components"] = &fakegitlab.FakeProject{Tags: tags, Files: files}
	cat := filepath.Join(t.TempDir(), "components") // no git: a plain folder
	write(t, filepath.Join(cat, "templates", "build", "template.yml"), newTemplate)

	base := t.TempDir()
	var cs []Consumer
	for _, c := range []struct {
		name    string
		setsTag bool
	}{{"sets-tag", true}, {"defaults", false}} {
		dir := filepath.Join(base, c.name)
		for p, content := range consumerFiles("1.1.0", c.setsTag, false) {
			write(t, filepath.Join(dir, p), content)
		}
		cs = append(cs, Consumer{Name: c.name, Dir: dir})
	}
	opts := lint.Options{ServerFQDN: host, Remote: &lint.Remote{GitLabURL: f.URL, Token: "secret", Timeout: 10 * time.Second}}
	r, err := New(Options{Prefix: prefix, NewDir: cat, Lint: opts})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rep := r.Run(cs)
	var text bytes.Buffer
	rep.Text(&text)
	if len(rep.Consumers) != 2 || rep.Consumers[0].Consumer != "defaults" || len(rep.Consumers[0].NewErrors) != 0 ||
		len(rep.Consumers[1].NewErrors) != 1 || rep.Consumers[1].Before != 0 || rep.Consumers[0].Error+rep.Consumers[1].Error != "" {
		t.Errorf("report:\n%s", text.String())
	}
	asked := false
	for _, req := range f.Requests {
		if strings.Contains(req, "/api/v4/projects/acme%2Fcomponents/repository/files/templates%2Fbuild%2Ftemplate") && strings.HasSuffix(req, "ref="+tags["1.1.0"]) {
			asked = true
		}
	}
	if !asked {
		t.Errorf("the released template was not read from the instance: %v", f.Requests)
	}
}
