# The two commands (README.md). Both install what is missing first and are idempotent.
SHELL := /bin/bash
CARGO ?= cargo
DATA ?= ./data
LISTEN ?= 0.0.0.0:8080

.PHONY: run test deps run-deps web-deps web-check fmt-check clippy unit doc bench fuzz

## everything for make test and make bench (Node 20 included: deploy/bootstrap.sh)
deps:
	@./deploy/bootstrap.sh test

## what building and running needs: no Node, no npm (the browser libraries are in web/vendor)
run-deps:
	@./deploy/bootstrap.sh run

## make run: build (release) and start the server with the demo library on :8080; the build
## makes the two programs it runs, dianjiao and the dianjiao-worker it starts from beside
## itself (the worker also makes the demo clips); not dianjiao-bench
run: run-deps
	$(CARGO) build --release --locked --bin dianjiao --bin dianjiao-worker
	./target/release/dianjiao serve --demo --data $(DATA) --listen $(LISTEN)

## make test: format check, clippy -D warnings, every test, docs with -D warnings
test: deps web-deps web-check fmt-check clippy unit doc

## web/'s pinned test packages (playwright-core, acorn; hls.js and tus-js-client, which
## tests/api/vendor.rs checks web/vendor/ against) for the tests; npm ci only when
## web/package-lock.json is newer than the last install (npm writes node_modules/.package-lock.json)
web-deps: web/node_modules/.package-lock.json

web/node_modules/.package-lock.json: web/package-lock.json web/package.json
	@command -v node >/dev/null && command -v npm >/dev/null && \
		node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' || { \
		echo "dianjiao: make test needs Node.js 20+ with npm (browser tests); deploy/bootstrap.sh test installs it as root, or install it from https://nodejs.org" >&2; \
		exit 1; }
	cd web && npm ci --no-audit --no-fund
	@touch $@

## The TV UI, the phone page and the field kit's page must parse on old browsers, and the office
## keeps the same floor: every script under web/tv, web/m, web/kit, web/admin (ES modules) and the
## web/vendor/hls.min.js, tus.min.js they load, as ES2017, no `var` in ours (acorn; see tests/web/es2017.mjs)
web-check: web-deps
	node tests/web/es2017.mjs --vendor

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

unit: web-deps
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
		$(CARGO) nextest run --workspace --locked --no-fail-fast; \
	else \
		$(CARGO) test --workspace --locked --no-fail-fast; \
	fi
	$(CARGO) test --workspace --doc --locked

doc:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --locked

## make bench: the benchmarks whose numbers are in README (release builds; the build makes
## dianjiao-bench beside dianjiao, which `dianjiao bench …` runs)
bench: deps
	$(CARGO) bench -p media-catalog --bench search --locked
	$(CARGO) build --release --locked
	./target/release/dianjiao bench probe --files 500
	./target/release/dianjiao bench rescan --files 10000
	./target/release/dianjiao bench rss --films 1000
	./target/release/dianjiao bench prepare
	./target/release/dianjiao bench dlna
	@./deploy/bench-deps.sh
	./target/release/dianjiao bench serve --connections 64 --seconds 10

## make load: the full load run whose figures are in README's Reliability section (not in
## make test; its CI size is tests/api/load.rs): VIEWERS paced HLS viewers, TVS paired TVs
## reporting plays and a clerk reading the ledger for LOAD_SECONDS, release build
.PHONY: load
VIEWERS ?= 200
TVS ?= 10
LOAD_SECONDS ?= 60
load: run-deps
	$(CARGO) build --release --locked
	./target/release/dianjiao bench load --viewers $(VIEWERS) --tvs $(TVS) --seconds $(LOAD_SECONDS)

## make fuzz: the property tests (modules named proptests, next to the parsers) with many
## more cases than make test's default 256; FUZZ_CASES=… to change. A failing input is kept
## under proptest-regressions/ (commit it) and replayed first by every later run.
FUZZ_CASES ?= 20000
fuzz:
	PROPTEST_CASES=$(FUZZ_CASES) $(CARGO) nextest run --workspace --locked --no-fail-fast \
		-E 'test(/::proptests::/)'

## make field: the weak-link field run whose figures are in README's Reliability section
## (not in make test; its short case is tests/api/weak_links.rs): a 2-minute film with a
## 720p/480p/360p ladder and a remuxed film (copied source rung, 480p/360p below), played
## on the TV page (hls.js in Chromium) and read by the ffmpeg CLI through a 2 Mbit/s, +80 ms link with scripted stalls
## and loss bursts — a shaping proxy of ours in front of the real server (no tc netem here)
.PHONY: field
field: deps web-deps
	$(CARGO) nextest run --workspace --locked --run-ignored only --no-capture \
		-E 'test(=weak_links_field::field_run_over_a_weak_village_link)'
