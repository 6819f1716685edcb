# apistarter — two commands: `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
BIN := bin/apistarter
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X apistarter/internal/app.Version=$(VERSION)

.PHONY: run test build lint generate check-generate services bench faults abuse cluster clean openapi image client client-deps openapi-lint

run: services build ## start PostgreSQL/Redis if needed, then API + worker + scheduler
	./$(BIN) dev

test: services check-generate lint client-deps ## everything CI runs
	$(GO) test -race -count=1 -timeout 30m ./...

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/apistarter

services:
	@./scripts/services.sh

# OCI image with buildah: no Docker daemon, nothing pulled (see deploy/image.env).
image:
	VERSION=$(VERSION) ./scripts/image.sh

lint:
	@out=$$(gofmt -l cmd internal bench deploy 2>/dev/null); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
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

# TypeScript client (clients/typescript): pinned npm packages from the
# committed lock file, installed once (npm's cache makes later installs
# offline). Never fails `make test`: without npm the client test is skipped.
TSCLIENT := clients/typescript
client-deps:
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "client-deps: npm not found; the TypeScript client test will be skipped"; \
	elif [ ! -f $(TSCLIENT)/node_modules/.package-lock.json ] || [ $(TSCLIENT)/package-lock.json -nt $(TSCLIENT)/node_modules/.package-lock.json ]; then \
		(cd $(TSCLIENT) && npm ci --prefer-offline --no-audit --no-fund --loglevel=error) || \
			echo "client-deps: npm ci failed; the TypeScript client test will be skipped"; \
	fi

client: client-deps ## regenerate clients/typescript/src/schema.d.ts from docs/openapi.json and type-check
	cd $(TSCLIENT) && npx --no-install openapi-typescript ../../docs/openapi.json --output src/schema.d.ts
	cd $(TSCLIENT) && npx --no-install tsc --strict --noEmit -p tsconfig.json

# Redocly CLI with its recommended rules (redocly.yaml), pinned in the
# client's lock file; `make test` runs it too (TestOpenAPIPassesRedoclyLint).
openapi-lint: client-deps ## lint docs/openapi.json
	node $(TSCLIENT)/node_modules/@redocly/cli/bin/cli.js lint --format=summary --max-problems 1000 docs/openapi.json

bench: services build
	$(GO) run ./bench load $(BENCH_ARGS)

faults: services build
	$(GO) run ./bench faults $(FAULT_ARGS)

# One user floods image work; another must stay served (go run ./bench abuse).
abuse: services build
	$(GO) run ./bench abuse $(ABUSE_ARGS)

clean:
	rm -rf bin var

cluster: services build ## HAProxy, 2×serve/worker/scheduler, PgBouncer, Redis Sentinel: rolling deploys and failover
	$(GO) run ./bench cluster $(CLUSTER_ARGS)
