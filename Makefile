# Shopkeeper's build. `make run` serves the app; `make test` is the test suite.
GO ?= go

.PHONY: run test browser generate assets lint bench check-generated

run:
	$(GO) run ./cmd/shopkeeper

# go test through gotestsum: go test's usual output (failures, one ok or
# FAIL line a package), gotestsum's failed tests and DONE line, then
# cmd/skipreasons over the saved events: which tests were skipped and why
# (the PostgreSQL and Redis suites without their servers), grouped by
# reason, and the counts. The exit code is go test's.
test: browser
	@json=$$(mktemp); trap 'rm -f "$$json"' EXIT; \
	$(GO) tool gotestsum --format standard-quiet --hide-summary=skipped --jsonfile "$$json" \
		--post-run-command "$(GO) run ./cmd/skipreasons" -- -race -count=1 ./...

# The end-to-end suite needs Debian's Chromium; install it when it is missing
# and we may (root, or sudo without a password). Otherwise the suite fails
# with the command to run.
browser:
	@if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null; then \
		if [ "$$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
		elif sudo -n true 2>/dev/null; then sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; \
	fi

# Remakes every generated file: gqlgen's server, genqlient's client, templ's
# components, and the built CSS and vendored htmx under static/dist.
generate: assets
	$(GO) generate ./...

assets: node_modules/.package-lock.json
	npm run --silent build

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# The load benchmark (three tables, each figure beside its reference, measured
# in the same run; the second and third use the local PostgreSQL and Redis;
# see docs/performance.md), then the Go micro-benchmarks.
bench:
	$(GO) run ./bench
	$(GO) test -run '^$$' -bench . -benchmem $$($(GO) list ./... | grep -v /e2e)

# Fails when regenerating changes any committed file (or adds one).
check-generated: generate
	@if [ -n "$$(git status --porcelain)" ]; then \
		echo "make generate changed these files; run it and commit the result:"; \
		git status --porcelain; git --no-pager diff --stat; exit 1; fi

.PHONY: e2e screenshots

# The end-to-end suite alone: headless Chromium (/usr/bin/chromium) against
# the real binary. `make test` runs it too.
e2e:
	$(GO) test -race -count=1 ./e2e

# Remakes the README's screenshots in docs/screenshots from the e2e harness.
screenshots:
	$(GO) test -count=1 -run '^TestScreenshots$$' ./e2e -screenshots=$(CURDIR)/docs/screenshots

.PHONY: abuse conformance

# GraphQL abuse attacks against the build before the API hardening and the
# working tree: one table of outcomes, CPU, wall time and memory (docs/abuse.md).
abuse:
	$(GO) run ./bench/abuse

# graphql-http's GraphQL over HTTP audit of /graphql alone, against the real
# binary, with every audit and its result (conformance/audit.mjs says which
# must pass). `make test` runs it too.
conformance: node_modules/.package-lock.json
	$(GO) test -count=1 -v -run '^TestServerAudit$$' ./conformance
