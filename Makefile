# The two commands (README.md). Both install what is missing first and are idempotent.
SHELL := /bin/bash
CARGO ?= cargo
DATA ?= ./data
LISTEN ?= 0.0.0.0:8080

.PHONY: run test deps fmt-check clippy unit doc bench

deps:
	@./deploy/bootstrap.sh

## make run: build (release) and start the server with the demo library on :8080
run: deps
	$(CARGO) build --release --locked
	./target/release/dianjiao serve --demo --data $(DATA) --listen $(LISTEN)

## make test: format check, clippy -D warnings, every test, docs with -D warnings
test: deps fmt-check clippy unit doc

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

unit:
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
		$(CARGO) nextest run --workspace --locked --no-fail-fast; \
	else \
		$(CARGO) test --workspace --locked --no-fail-fast; \
	fi
	$(CARGO) test --workspace --doc --locked

doc:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --locked

## make bench: the benchmarks whose numbers are in README (release builds)
bench: deps
	$(CARGO) bench -p media-catalog --bench search --locked
	$(CARGO) build --release --locked
	./target/release/dianjiao bench probe --files 500
	./target/release/dianjiao bench rescan --files 10000
	./target/release/dianjiao bench rss --films 1000
