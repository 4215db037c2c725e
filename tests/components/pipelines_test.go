package components_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/lint"
	"gitlab.com/trustci/cicd/tests/internal/runner"
)

// defaultsPipeline includes every component with only the inputs it
// requires.
const defaultsPipeline = `stages: [build, test, review, deploy]
include:
  - component: gitlab.com/trustci/components/django-test@1.0.0
  - component: gitlab.com/trustci/components/kaniko-build@1.0.0
  - component: gitlab.com/trustci/components/buildkit-build@1.0.0
  - component: gitlab.com/trustci/components/buildah-build@1.0.0
  - component: gitlab.com/trustci/components/trivy-scan@1.0.0
  - component: gitlab.com/trustci/components/review-app@1.0.0
    inputs:
      agent: agency/k8s-agents:review
      base_domain: review.example.com
  - component: gitlab.com/trustci/components/cilint@1.0.0
  - component: gitlab.com/trustci/components/image-promote@1.0.0
  - component: gitlab.com/trustci/components/django-lint@1.0.0
  - component: gitlab.com/trustci/components/django-migrations@1.0.0
  - component: gitlab.com/trustci/components/pip-audit@1.0.0
  - component: gitlab.com/trustci/components/db-backup@1.0.0
    inputs:
      agent: agency/k8s-agents:production
      environment_name: production
      namespace: production
      database_secret: shop-env
      pvc: shop-backups
  - component: gitlab.com/trustci/components/deploy@1.0.0
    inputs:
      agent: agency/k8s-agents:staging
      environment_name: staging
      host: staging.example.com
      namespace: staging
      release: shop
`

// fullPipeline sets every input of every component.
const fullPipeline = `stages: [lint, test, build, scan, review, deploy]
include:
  - component: gitlab.com/trustci/components/django-test@1.0.0
    inputs:
      stage: test
      job_name: unit-tests
      image: python:3.11-slim-bookworm
      project_dir: src
      system_packages: libpq-dev gcc
      requirements_file: requirements/local.txt
      install_command: pip install -r requirements/local.txt -r requirements/production.txt
      settings_module: config.settings.test
      test_command: python -m pytest --ds=config.settings.test --junitxml=report.xml
      services:
        - name: postgres:16-alpine
          alias: postgres
        - name: redis:7.4-alpine
          alias: redis
      postgres_db: shop
      postgres_user: shop
      postgres_password: shop
      db_host: postgres
      db_port: 5432
      database_url_variable: DATABASE_URL
      env: |
        CELERY_BROKER_URL=redis://redis:6379/0
        USE_DOCKER=no
      deploy_check: true
      migrations_check: true
      coverage_threshold: 80
      retry: 2
      timeout: 40m
      needs: []
      rules:
        - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  - component: gitlab.com/trustci/components/kaniko-build@1.0.0
    inputs:
      stage: build
      job_name: build-image
      image: ghcr.io/osscontainertools/kaniko:v1.28.3-debug
      context: .
      dockerfile: compose/production/django/Dockerfile
      target: production
      image_name: $CI_REGISTRY_IMAGE/web
      build_args: |
        BUILD_ENVIRONMENT=production
        GIT_SHA=$CI_COMMIT_SHA
      cache: false
      cache_repo: $CI_REGISTRY_IMAGE/web/cache
      push: true
      registry_mirror: mirror.gcr.io
      retry: 1
      timeout: 45m
      needs: [unit-tests]
      rules:
        - if: $CI_COMMIT_BRANCH
  - component: gitlab.com/trustci/components/buildkit-build@1.0.0
    inputs:
      stage: build
      job_name: image-buildkit
      image: moby/buildkit:v0.32.2-rootless@sha256:504731e577c20559c00f968f33219f30115e70be29ab96728d1d06e963fc494b
      context: .
      dockerfile: Dockerfile
      target: ""
      image_name: $CI_REGISTRY_IMAGE/bk
      build_args: ""
      cache: true
      cache_repo: $CI_REGISTRY_IMAGE/bk/cache
      push: false
      registry_mirror: $CI_DEPENDENCY_PROXY_DIRECT_GROUP_IMAGE_PREFIX
      retry: 2
      timeout: 1h 30m
      needs: []
      rules:
        - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  - component: gitlab.com/trustci/components/buildah-build@1.0.0
    inputs:
      stage: build
      job_name: image-buildah
      image: quay.io/buildah/stable:v1.44.0
      context: .
      dockerfile: Dockerfile
      target: production
      image_name: $CI_REGISTRY_IMAGE/ba
      build_args: |
        BUILD_ENVIRONMENT=production
      cache: false
      cache_repo: $CI_REGISTRY_IMAGE/ba/cache
      push: true
      needs: []
      rules:
        - if: $CI_COMMIT_BRANCH
  - component: gitlab.com/trustci/components/trivy-scan@1.0.0
    inputs:
      stage: scan
      job_name: scan
      image: aquasec/trivy:0.74.0@sha256:62b1e65e8869bc4b4c6aa4fa2b21595256c7c2f6018a9d9ad61caf87187c1969
      build_job: build-image
      scan_image: $IMAGE_REF_DIGEST
      fail_on: HIGH,CRITICAL
      ignore_unfixed: true
      ignorefile: .trivyignore.yaml
      db_repository: registry.example.com/mirror/trivy-db:2
      timeout: 15m
      retry: 0
      job_timeout: 30m
      rules:
        - if: $CI_COMMIT_BRANCH
  - component: gitlab.com/trustci/components/review-app@1.0.0
    inputs:
      stage: review
      job_prefix: preview
      image: alpine/k8s:1.31.4
      agent: agency/k8s-agents:review
      base_domain: review.example.com
      environment_name: review/$CI_COMMIT_REF_SLUG
      auto_stop_in: 1 day
      build_job: build-image
      chart: django-app
      chart_repository: https://charts.example.com
      chart_version: 0.1.0
      values_file: deploy/review-values.yaml
      set_values: |
        replicaCount=1
        env.DJANGO_LOG_LEVEL=DEBUG
      secret_variables: DJANGO_SECRET_KEY SENTRY_DSN
      database: shared-server
      db_admin_url_variable: REVIEW_DB_ADMIN_URL
      db_image: registry.example.com/mirror/postgres:17-alpine
      pull_secret: true
      tls_cluster_issuer: letsencrypt-prod
      tls_secret: ""
      migrate_command: python manage.py migrate --noinput
      health_path: /healthz
      helm_timeout: 5m
      retry: 1
      timeout: 20m
      rules:
        - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  - component: gitlab.com/trustci/components/cilint@1.0.0
    inputs:
      stage: lint
      job_name: lint-ci
      image: registry.gitlab.com/trustci/cicd/cilint:1.0.0
      config_path: .gitlab-ci.yml
      extra_files: ci/child.yml
      args: --shellcheck
      retry: 1
      timeout: 5m
      rules:
        - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  - component: gitlab.com/trustci/components/image-promote@1.0.0
    inputs:
      stage: build
      job_name: promote-release
      image: gcr.io/go-containerregistry/crane/debug:v0.22.1
      image_name: $CI_REGISTRY_IMAGE/web
      source_tag: $CI_COMMIT_SHA
      tags: $CI_COMMIT_TAG stable
      check_revision: true
      retry: 2
      timeout: 5m
      needs: []
      rules:
        - if: $CI_COMMIT_TAG
  - component: gitlab.com/trustci/components/deploy@1.0.0
    inputs:
      stage: deploy
      job_name: deploy-production
      image: alpine/k8s:1.31.4
      agent: agency/k8s-agents:production
      environment_name: production
      deployment_tier: production
      host: app.example.com
      namespace: production
      release: shop
      needs: [promote-release, {job: scan, artifacts: false}]
      chart: django-app
      chart_repository: https://charts.example.com
      chart_version: 1.0.0
      values_file: deploy/production.yaml
      existing_secret: shop-env
      set_values: |
        replicaCount=3
      helm_timeout: 5m
      history_max: 5
      manual_confirmation: Deploy $CI_COMMIT_TAG to production?
      retry: 0
      timeout: 20m
      rules:
        - if: $CI_COMMIT_TAG
          when: manual
  - component: gitlab.com/trustci/components/django-lint@1.0.0
    inputs:
      stage: lint
      job_name: ruff
      image: ghcr.io/astral-sh/ruff:0.16.4-alpine
      project_dir: src
      paths: app tests
      lint: true
      format_check: false
      allow_failure: true
      needs: []
      retry: 1
      timeout: 5m
      rules:
        - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  - component: gitlab.com/trustci/components/django-migrations@1.0.0
    inputs:
      stage: test
      job_name: migrations
      image: python:3.12-slim-bookworm
      project_dir: src
      requirements_file: requirements/local.txt
      install_command: pip install -r requirements/local.txt
      settings_module: config.settings.test
      services:
        - name: postgres:16-alpine
          alias: db
      postgres_db: shop
      postgres_user: shop
      postgres_password: shop
      db_host: db
      db_port: 5432
      database_url_variable: DATABASE_URL
      env: |
        USE_DOCKER=no
      base: $CI_MERGE_REQUEST_DIFF_BASE_SHA
      dangerous_operations: warn
      allowed_migrations: shop.0007_backfill
      retry: 1
      timeout: 20m
      needs: []
      rules:
        - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  - component: gitlab.com/trustci/components/pip-audit@1.0.0
    inputs:
      stage: scan
      job_name: audit
      image: python:3.12-slim-bookworm
      pip_audit_version: 2.10.1
      project_dir: src
      requirements_files: requirements/production.txt requirements/local.txt
      vulnerability_service: pypi
      osv_url: https://osv.mirror.example.com/v1/query
      fail_on: fixable
      ignore_vulns: PYSEC-2024-1 GHSA-aaaa-bbbb-cccc
      retry: 1
      timeout: 10m
      needs: []
      rules:
        - if: $CI_PIPELINE_SOURCE == "schedule"
  - component: gitlab.com/trustci/components/db-backup@1.0.0
    inputs:
      stage: deploy
      job_name: backup-production
      image: alpine/k8s:1.31.4
      agent: agency/k8s-agents:production
      environment_name: production
      namespace: production
      database_secret: shop-env
      database_url_key: DATABASE_URL
      pvc: shop-backups
      prefix: shop
      keep: 30
      db_image: postgres:16-alpine
      deadline_seconds: 3600
      retry: 0
      timeout: 1h 30m
      needs: []
      rules:
        - if: $CI_COMMIT_TAG
          when: manual
`

func TestTemplatesLintCleanAlone(t *testing.T) {
	templates, _ := filepath.Glob(filepath.Join(runner.RepoRoot(), "components", "templates", "*", "template.yml"))
	if len(templates) != 13 {
		t.Fatalf("want the thirteen components, found %d", len(templates))
	}
	l, err := lint.New(lint.Options{Root: filepath.Join(runner.RepoRoot(), "components")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tmpl := range templates {
		res, err := l.File(tmpl)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Findings {
			if f.Severity == finding.Error || f.Rule == "input-unused" || f.Rule == "script-syntax" {
				t.Errorf("%s: %s: %s [%s]", filepath.Base(filepath.Dir(tmpl)), f.Severity, f.Message, f.Rule)
			}
		}
	}
}

func TestPipelinesWithDefaultsAndEveryInputLintClean(t *testing.T) {
	def := runner.Render(t, defaultsPipeline)
	for _, name := range []string{"django-test", "kaniko-build", "buildkit-build", "buildah-build", "trivy-scan", "review-deploy", "review-stop", "cilint", "image-promote", "django-lint", "django-migrations", "pip-audit", "db-backup", "deploy", "deploy-rollback"} {
		job(t, def, name)
	}
	full := runner.Render(t, fullPipeline)
	for _, name := range []string{"unit-tests", "build-image", "image-buildkit", "image-buildah", "scan", "preview-deploy", "preview-stop", "lint-ci", "promote-release", "deploy-production", "deploy-production-rollback", "ruff", "migrations", "audit", "backup-production"} {
		job(t, full, name)
	}
	// The whole-value inputs keep their types.
	if s := job(t, full, "unit-tests").Get("services"); len(s.Items) != 2 {
		t.Errorf("services: %v", s)
	}
	if c := job(t, full, "build-image").Get("needs"); c.Items[0].Text != "unit-tests" {
		t.Errorf("needs: %v", c)
	}
}

// TestScriptsPassShellcheck checks every rendered script with ShellCheck as
// POSIX sh (the builder and scanner images only have BusyBox's sh).
func TestScriptsPassShellcheck(t *testing.T) {
	if _, err := exec.LookPath("shellcheck"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("shellcheck is needed in CI")
		}
		t.Skip("shellcheck not installed")
	}
	for _, pipeline := range []string{defaultsPipeline, fullPipeline} {
		res := runner.Render(t, pipeline)
		for _, j := range res.Pipeline.Jobs {
			// SC2154: CI variables are set by GitLab. SC2050, SC2157, SC2043: an
			// input interpolated into a test or a loop makes it constant, by design.
			// SC1001: posix_escape escapes "=" as GitLab (Ruby's Shellwords) does.
			cmd := exec.Command("shellcheck", "--shell=sh", "--exclude=SC2154,SC2050,SC2157,SC2043,SC1001", "-")
			cmd.Stdin = strings.NewReader(runner.ScriptOf(j.Node) + "\n")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("job %s fails ShellCheck:\n%s", j.Name, out)
			}
		}
	}
}
