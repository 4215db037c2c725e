# The test command of the README. CI runs it through .ci/run.
GO ?= go
# Fuzzing budgets are execution counts, not durations: a duration races the
# fuzz coordinator's deadline on Go before 1.27 (golang/go#75804) and fails
# with "context deadline exceeded" without any failing input. About 10 s
# each on a 2-core machine.
FUZZ_LOAD ?= 300000x
FUZZ_PLAIN ?= 200000x
FUZZ_LINT ?= 30000x
FUZZ_PARSE ?= 800000x
FUZZ_INTERPOLATE ?= 300000x
FUZZ_BUILD ?= 150000x
FUZZ_VALIDATE ?= 30000x

VENV ?= .venv
PYTHON ?= python3

.PHONY: test vet unit fuzz lint-examples bench bench-report django-test component-test catalog-docs docs image-test chart-test customer-test tools-early

test: tools-early vet unit lint-examples catalog-docs chart-test django-test component-test image-test customer-test fuzz

# make test starts the long builds of the image test's tools (BuildKit,
# then Trivy: ~10 minutes on 2 cores when nothing is cached) in the
# background first, so they use what the other targets leave of the CPU
# (downloads, PostgreSQL, pip, the network-bound debootstrap); image-test
# runs the same scripts, which wait on their lock for that build and then
# find the binaries (~/.cache/trustci). A failure there is only logged:
# image-test builds again and fails with the error. Nothing to do when the
# tools are cached.
TOOLS_LOG ?= $(or $(TMPDIR),/tmp)/trustci-tools.log
tools-early:
	@echo "building the image test's tools in the background (log: $(TOOLS_LOG))"
	@{ GO=$(GO) scripts/buildkit-tools && GO=$(GO) scripts/trivy-tools; } >>"$(TOOLS_LOG)" 2>&1 </dev/null &

STATICCHECK ?= staticcheck

vet:
	@unformatted="$$(gofmt -l linter schema tests)"; if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

# Every Go test but the packages their own targets run with what they
# need (component-test: PostgreSQL and Python; image-test and
# customer-test: the registry and the tools), so make test runs each once.
unit:
	$(GO) test $$($(GO) list ./... | grep -v -e /tests/components -e /tests/image -e /tests/customer)

# Every pipeline this repository ships must lint clean with cilint itself.
lint-examples:
	$(GO) run ./linter/cmd/cilint lint --offline .gitlab-ci.yml components/.gitlab-ci.yml components/impact.gitlab-ci.yml examples/django/.gitlab-ci.yml examples/cookiecutter-django/.gitlab-ci.yml

fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzLoad -fuzztime=$(FUZZ_LOAD) ./linter/load
	$(GO) test -run='^$$' -fuzz=FuzzResolvePlain -fuzztime=$(FUZZ_PLAIN) ./linter/load
	$(GO) test -run='^$$' -fuzz=FuzzLint -fuzztime=$(FUZZ_LINT) ./linter/lint
	$(GO) test -run='^$$' -fuzz=FuzzParse -fuzztime=$(FUZZ_PARSE) ./linter/expr
	$(GO) test -run='^$$' -fuzz=FuzzInterpolate -fuzztime=$(FUZZ_INTERPOLATE) ./linter/inputs
	$(GO) test -run='^$$' -fuzz=FuzzBuild -fuzztime=$(FUZZ_BUILD) ./linter/pipeline
	$(GO) test -run='^$$' -fuzz=FuzzValidate -fuzztime=$(FUZZ_VALIDATE) ./linter/validate

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./linter/...

# The ratios issue 16 sets targets for (cilint against a bare yaml.v3
# decode, growth from 500 to 5,000 jobs, start-up, --shellcheck, render
# memory), whole processes timed in pairs. For people: it never fails on
# a slow machine. GITLAB_CI_VERIFY=path adds the ShellCheck comparison.
BENCH_RUNS ?= 5
bench-report:
	@bin="$$(mktemp -d)" && trap 'rm -rf "$$bin"' EXIT && \
	$(GO) build -o "$$bin/cilint" ./linter/cmd/cilint && \
	$(GO) build -o "$$bin/floor" ./linter/internal/benchreport/floor && \
	$(GO) build -o "$$bin/trivial" ./linter/internal/benchreport/trivial && \
	$(GO) build -o "$$bin/benchreport" ./linter/internal/benchreport && \
	"$$bin/benchreport" -cilint "$$bin/cilint" -floor "$$bin/floor" -trivial "$$bin/trivial" \
		-repo . -n $(BENCH_RUNS) $${GITLAB_CI_VERIFY:+-gitlab-ci-verify "$$GITLAB_CI_VERIFY"}

# The example Django project's tests, against a real, throw-away PostgreSQL.
$(VENV)/.installed: examples/django/requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r examples/django/requirements-dev.txt
	touch $@

django-test: $(VENV)/.installed
	cd examples/django && DJANGO_SECRET_KEY=test-only-$$RANDOM$$RANDOM-not-a-secret \
		../../scripts/with-postgres ../../$(VENV)/bin/python -m coverage run -m pytest
	cd examples/django && ../../$(VENV)/bin/python -m coverage report --fail-under=90

# The tools the component tests run for real at their default images'
# versions (Ruff, ...), from PyPI, in a virtualenv of their own.
TOOLS_VENV ?= .venv-tools
$(TOOLS_VENV)/.installed: tests/components/requirements-tools.txt
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r tests/components/requirements-tools.txt
	touch $@

# The components' tests, with django-test run for real against PostgreSQL.
component-test: $(VENV)/.installed $(TOOLS_VENV)/.installed
	scripts/with-postgres env DJANGO_TEST_PYTHON=$(CURDIR)/$(VENV)/bin/python COMPONENT_TOOLS_BIN=$(CURDIR)/$(TOOLS_VENV)/bin \
		$(GO) test -count=1 ./tests/components/

# Every component README's inputs table must match its spec:inputs.
# The catalog as its own pipeline checks it: every component across its
# inputs, README inputs tables (what catalog docs --check did), layout.
catalog-docs:
	$(GO) run ./linter/cmd/cilint catalog lint components

# Rewrites the Output block under each rule's Bad example in docs/rules.md
# from what cilint prints (TestRuleDocsOutput checks them in make test).
docs:
	$(GO) test ./linter/lint -run 'TestRuleDocsOutput' -update

# The example's image built by buildah-build's own script with the real
# Buildah, pushed to a local TLS registry, then run with Podman against a
# real PostgreSQL (tests/image). The base image is bootstrapped once per
# machine and cached outside the repository (scripts/base-image).
# BuildKit (tests/tools) and Trivy are built from source while the base
# image is bootstrapped (CPU against network, when cold), once a machine:
# the binaries are kept by version in ~/.cache/trustci (make test starts
# that build first, tools-early).
image-test:
	tools=$$(mktemp) && { { GO=$(GO) scripts/buildkit-tools && GO=$(GO) scripts/trivy-tools; } >"$$tools" & pid=$$!; } && \
		base=$$(scripts/base-image) && wait $$pid && \
		buildkit=$$(sed -n 1p "$$tools") && trivy=$$(sed -n 2p "$$tools") && rm -f "$$tools" && \
		scripts/with-postgres scripts/with-registry \
		env BASE_IMAGE="$$base" BUILDKIT_BIN="$$buildkit" TRIVY_BIN="$$trivy" $(GO) test -count=1 -timeout 20m -v ./tests/image/

# Our first customer's pipeline (examples/cookiecutter-django) against
# their cookiecutter-django project (../shared/fixtures; skipped without
# it, failed in CI): linted with the local catalog, django-test run for
# real (as generated and as a uv project) against PostgreSQL and Redis on
# the project's Python (3.12), and the production image built by
# buildah-build's script, pushed and run (tests/customer). The stand-in
# for the official python image is built once per machine and cached
# outside the repository (scripts/python-image).
CUSTOMER_PYTHON_VERSION ?= 3.12
customer-test:
	python=$$(scripts/find-python $(CUSTOMER_PYTHON_VERSION)) && image=$$(scripts/python-image "$$python") && \
		scripts/with-postgres scripts/with-redis scripts/with-registry \
		env CUSTOMER_PYTHON="$$python" PYTHON_IMAGE="$$image" $(GO) test -count=1 -timeout 60m -parallel 3 -v ./tests/customer/

# The catalog's django-app chart (components/charts/django-app), linted
# (--strict) and rendered by Helm's own Go packages with the exact helm
# flags each deploy job builds, decoded strictly into Kubernetes' types.
# A module of its own, so cilint's module stays small.
chart-test:
	@unformatted="$$(gofmt -l tests)"; if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	cd tests/chart && $(GO) vet ./... && $(GO) test -count=1 ./...
