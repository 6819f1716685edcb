# apistarter — two commands: `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
BIN := bin/apistarter
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X apistarter/internal/app.Version=$(VERSION)

.PHONY: run test build lint generate check-generate services bench faults abuse clean openapi

run: services build ## start PostgreSQL/Redis if needed, then API + worker + scheduler
	./$(BIN) dev

test: services check-generate lint ## everything CI runs
	$(GO) test -race -count=1 -timeout 30m ./...

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/apistarter

services:
	@./scripts/services.sh

lint:
	@out=$$(gofmt -l cmd internal bench 2>/dev/null); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

generate:
	$(GO) tool sqlc generate

# Regenerating must change nothing: committed sqlc code matches the SQL.
check-generate:
	@tmp=$$(mktemp -d); cp -r internal/db/sqlc $$tmp/before; \
	$(GO) tool sqlc generate; \
	if ! diff -r $$tmp/before internal/db/sqlc >/dev/null; then \
		echo "sqlc output is stale: run 'make generate' and commit"; diff -r $$tmp/before internal/db/sqlc | head -20; rm -rf $$tmp; exit 1; fi; \
	rm -rf $$tmp

openapi: services ## regenerate the committed contract docs/openapi.json
	UPDATE_OPENAPI=1 $(GO) test -count=1 -run TestOpenAPIContractCommitted ./internal/app/

bench: services build
	$(GO) run ./bench $(BENCH_ARGS)

faults: services build
	$(GO) run ./bench/faults $(FAULT_ARGS)

# One user floods image work; another must stay served (see bench/abuse).
abuse: services build
	$(GO) run ./bench/abuse $(ABUSE_ARGS)

clean:
	rm -rf bin var
