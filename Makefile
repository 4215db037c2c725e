# The test command of the README. CI runs it through .ci/run.
GO ?= go
FUZZTIME ?= 15s

.PHONY: test vet unit fuzz lint-examples bench

test: vet unit lint-examples fuzz

vet:
	@unformatted="$$(gofmt -l linter schema)"; if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

unit:
	$(GO) test ./...

# Every pipeline this repository ships must lint clean with cilint itself.
lint-examples:
	$(GO) run ./linter/cmd/cilint lint .gitlab-ci.yml examples/django/.gitlab-ci.yml

fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzLoad -fuzztime=$(FUZZTIME) ./linter/load
	$(GO) test -run='^$$' -fuzz=FuzzLint -fuzztime=$(FUZZTIME) ./linter/lint
	$(GO) test -run='^$$' -fuzz=FuzzParse -fuzztime=$(FUZZTIME) ./linter/expr

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./linter/...
