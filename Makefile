# The test command of the README; .ci/run calls exactly this.
.PHONY: build test fmt

build:
	go build -o bin/sluice ./cmd/sluice

test:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed on:"; gofmt -l .; exit 1; }
	go vet ./...
	go test -count=1 -timeout 20m ./...
	go test -count=1 -race -timeout 20m ./internal/log/... ./internal/server/... ./internal/catalog/... ./internal/engine/... ./internal/exec/... ./internal/client/... ./internal/cli/...

fmt:
	gofmt -w $$(git ls-files '*.go')
