package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"gitlab.com/trustci/cicd/linter/load"
)

// writeProject writes a repository whose .gitlab-ci.yml includes 50 files
// that hold n jobs between them (generated as by generatePipeline), and
// returns the paths of all its files.
func writeProject(tb testing.TB, n int) (string, []string) {
	tb.Helper()
	dir := tb.TempDir()
	const parts = 50
	var main strings.Builder
	main.WriteString("stages: [build, test, deploy]\ninclude:\n")
	files := []string{filepath.Join(dir, ".gitlab-ci.yml")}
	for p := 0; p < parts; p++ {
		name := fmt.Sprintf("ci/part-%02d.yml", p)
		fmt.Fprintf(&main, "  - local: %s\n", name)
		var b strings.Builder
		for i := p * n / parts; i < (p+1)*n/parts; i++ {
			writeJob(&b, i)
		}
		if p == 0 {
			b.WriteString(generatedTemplates)
		}
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			tb.Fatal(err)
		}
		files = append(files, path)
	}
	main.WriteString("variables:\n  PIP_CACHE_DIR: .cache/pip\n")
	if err := os.WriteFile(files[0], []byte(main.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return dir, files
}

// generatedTemplates are the hidden jobs the generated jobs extend.
const generatedTemplates = ".rules:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n"

func writeJob(b *strings.Builder, i int) {
	stages := []string{"build", "test", "deploy"}
	fmt.Fprintf(b, "job-%d:\n  image: python:3.12-slim\n  interruptible: true\n  retry: {max: 2, when: [runner_system_failure]}\n  stage: %s\n", i, stages[i%3])
	if i >= 3 {
		// The job three before is in the same stage.
		fmt.Fprintf(b, "  needs:\n    - job: job-%d\n      artifacts: true\n", i-3)
	}
	fmt.Fprintf(b, "  extends: .rules\n  variables:\n    SHARD: \"%d\"\n    DATABASE_URL: postgres://postgres@db/test_%d\n", i, i)
	b.WriteString("  services:\n    - name: postgres:17\n      alias: db\n")
	fmt.Fprintf(b, "  cache:\n    key: {files: [requirements.txt], prefix: shard-%d}\n    paths: [.cache/pip]\n", i)
	b.WriteString("  script:\n    - pip install -r requirements.txt\n    - python manage.py check\n")
	fmt.Fprintf(b, "    - pytest --junitxml=report-%d.xml tests/shard_%d\n", i, i)
	fmt.Fprintf(b, "  artifacts:\n    when: always\n    expire_in: 1 week\n    reports:\n      junit: report-%d.xml\n", i)
}

func TestGeneratedProjectsAreClean(t *testing.T) {
	for _, n := range []int{500, 5000} {
		dir, _ := writeProject(t, n)
		l, err := New(Options{Root: dir})
		if err != nil {
			t.Fatal(err)
		}
		res, err := l.File(filepath.Join(dir, ".gitlab-ci.yml"))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Findings) > 0 || res.Pipeline == nil || len(res.Pipeline.Jobs) != n {
			t.Errorf("%d jobs: want a clean pipeline of %d jobs, got %v", n, n, res.Findings[:min(3, len(res.Findings))])
		}
	}
}

// BenchmarkLintProject is the full `cilint lint` (load, includes, merge,
// extends, schema, every check; no ShellCheck) on 50 included files.
// BenchmarkDecodeProject is the bare yaml.v3 decode of the same files.
func BenchmarkLintProject(b *testing.B) {
	for _, n := range []int{500, 5000} {
		dir, files := writeProject(b, n)
		var size int64
		for _, f := range files {
			st, _ := os.Stat(f)
			size += st.Size()
		}
		l, err := New(Options{Root: dir})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("jobs=%d", n), func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := l.File(files[0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeProject(b *testing.B) {
	for _, n := range []int{500, 5000} {
		_, files := writeProject(b, n)
		b.Run(fmt.Sprintf("jobs=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, f := range files {
					src, err := os.ReadFile(f)
					if err != nil {
						b.Fatal(err)
					}
					var node yaml.Node
					if err := yaml.Unmarshal(src, &node); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// generatePipeline writes a pipeline of n jobs shaped like real ones:
// stages, images, services, caches, rules, needs, artifacts, variables,
// anchors and extends.
func generatePipeline(n int) []byte {
	var b strings.Builder
	b.WriteString("stages: [build, test, deploy]\n")
	b.WriteString("variables:\n  PIP_CACHE_DIR: .cache/pip\n  DJANGO_SETTINGS_MODULE: config.settings.test\n")
	b.WriteString(".defaults: &defaults\n  image: python:3.12-slim\n  interruptible: true\n  retry: {max: 2, when: [runner_system_failure]}\n")
	b.WriteString(".rules:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n")
	stages := []string{"build", "test", "deploy"}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "job-%d:\n  <<: *defaults\n  stage: %s\n", i, stages[i%3])
		if i >= 3 {
			// The job three before is in the same stage.
			fmt.Fprintf(&b, "  needs:\n    - job: job-%d\n      artifacts: true\n", i-3)
		}
		fmt.Fprintf(&b, "  extends: .rules\n  variables:\n    SHARD: \"%d\"\n    DATABASE_URL: postgres://postgres@db/test_%d\n", i, i)
		b.WriteString("  services:\n    - name: postgres:17\n      alias: db\n")
		fmt.Fprintf(&b, "  cache:\n    key: {files: [requirements.txt], prefix: shard-%d}\n    paths: [.cache/pip]\n", i)
		b.WriteString("  script:\n    - pip install -r requirements.txt\n    - python manage.py check\n")
		fmt.Fprintf(&b, "    - pytest --junitxml=report-%d.xml tests/shard_%d\n", i, i)
		fmt.Fprintf(&b, "  artifacts:\n    when: always\n    expire_in: 1 week\n    reports:\n      junit: report-%d.xml\n", i)
	}
	return []byte(b.String())
}

// benchLinter lifts the 2 MiB file limit: 5,000 realistic jobs take about
// 3 MB in one file, which GitLab would refuse; split over includes they
// would not be. The point here is the cost per job.
func benchLinter(tb testing.TB) *Linter {
	tb.Helper()
	lim := load.DefaultLimits()
	lim.MaxBytes = 64 << 20
	l, err := New(Options{Limits: lim})
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

func TestGeneratedPipelinesAreClean(t *testing.T) {
	l := benchLinter(t)
	for _, n := range []int{500, 5000} {
		if res := l.Source("gen.yml", generatePipeline(n)); len(res.Findings) > 0 {
			t.Errorf("%d jobs: want no findings, got %v", n, res.Findings[:min(3, len(res.Findings))])
		}
	}
}

// BenchmarkLint measures the whole run on one file (load, schema, checks).
// Compare with BenchmarkYAMLNode: the bare yaml.v3 decode of the same bytes.
func BenchmarkLint(b *testing.B) {
	l := benchLinter(b)
	benchGenerated(b, func(b *testing.B, src []byte) { l.Source("gen.yml", src) })
}

// BenchmarkYAMLNode is the bare yaml.v3 decode into its node tree (what
// cilint builds on); BenchmarkYAMLAny decodes into plain Go values.
func BenchmarkYAMLNode(b *testing.B) { benchDecode(b, func() any { return new(yaml.Node) }) }
func BenchmarkYAMLAny(b *testing.B)  { benchDecode(b, func() any { return new(any) }) }

func benchDecode(b *testing.B, target func() any) {
	benchGenerated(b, func(b *testing.B, src []byte) {
		if err := yaml.Unmarshal(src, target()); err != nil {
			b.Fatal(err)
		}
	})
}

// benchGenerated runs do on generated one-file pipelines of 500 and 5,000
// jobs.
func benchGenerated(b *testing.B, do func(*testing.B, []byte)) {
	for _, n := range []int{500, 5000} {
		src := generatePipeline(n)
		b.Run(fmt.Sprintf("jobs=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				do(b, src)
			}
		})
	}
}

// BenchmarkNew is the fixed cost per process: compiling the schema.
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := New(Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
