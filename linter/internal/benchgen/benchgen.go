// Package benchgen writes the generated pipelines the benchmarks and
// `make bench-report` time: jobs shaped like real ones (stages, images,
// services, caches, rules, needs, artifacts, variables, anchors and
// extends), with the template every job extends written last in key
// order, the worst case for any lookup that scans the top-level mapping.
package benchgen

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Templates are the hidden jobs the generated jobs extend.
const Templates = ".rules:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n"

// Job writes generated job i. With anchor, it merges the `.defaults`
// anchor instead of writing image, interruptible and retry itself.
func Job(b *strings.Builder, i int, anchor bool) {
	stages := []string{"build", "test", "deploy"}
	fmt.Fprintf(b, "job-%d:\n", i)
	if anchor {
		b.WriteString("  <<: *defaults\n")
	} else {
		b.WriteString("  image: python:3.12-slim\n  interruptible: true\n  retry: {max: 2, when: [runner_system_failure]}\n")
	}
	fmt.Fprintf(b, "  stage: %s\n", stages[i%3])
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

// Pipeline is one file of n jobs; the `.rules` template comes after them
// (the `.defaults` anchor must come first: YAML defines anchors before
// their aliases).
func Pipeline(n int) []byte {
	var b strings.Builder
	b.WriteString("stages: [build, test, deploy]\n")
	b.WriteString("variables:\n  PIP_CACHE_DIR: .cache/pip\n  DJANGO_SETTINGS_MODULE: config.settings.test\n")
	b.WriteString(".defaults: &defaults\n  image: python:3.12-slim\n  interruptible: true\n  retry: {max: 2, when: [runner_system_failure]}\n")
	for i := 0; i < n; i++ {
		Job(&b, i, true)
	}
	b.WriteString(Templates)
	return []byte(b.String())
}

// Project writes a repository in dir whose .gitlab-ci.yml includes parts
// files holding n jobs between them, the template in the last one, and
// returns the paths of its files, the main file first.
func Project(dir string, n, parts int) ([]string, error) {
	var main strings.Builder
	main.WriteString("stages: [build, test, deploy]\ninclude:\n")
	files := []string{filepath.Join(dir, ".gitlab-ci.yml")}
	for p := 0; p < parts; p++ {
		name := fmt.Sprintf("ci/part-%03d.yml", p)
		fmt.Fprintf(&main, "  - local: %s\n", name)
		var b strings.Builder
		for i := p * n / parts; i < (p+1)*n/parts; i++ {
			Job(&b, i, false)
		}
		if p == parts-1 {
			b.WriteString(Templates)
		}
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("benchgen: %w", err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			return nil, fmt.Errorf("benchgen: %w", err)
		}
		files = append(files, path)
	}
	main.WriteString("variables:\n  PIP_CACHE_DIR: .cache/pip\n")
	if err := os.WriteFile(files[0], []byte(main.String()), 0o644); err != nil {
		return nil, fmt.Errorf("benchgen: %w", err)
	}
	return files, nil
}
