# The two commands a newcomer needs are `make run` and `make test`.
GO        ?= go
# The Go release every target builds and tests with: the newest 1.26 patch,
# which carries the standard library's security fixes. The go command fetches
# it once through the module proxy (golang.org/toolchain). .ci/run reads it here.
export GOTOOLCHAIN := go1.26.11
BIN       := bin/dashboard
FUZZTIME  ?= 5s

.PHONY: run build test test-go test-postgres lint check-generated vulncheck generate test-browser fuzz bench-callbacks bench-callbacks-postgres bench-lists bench-lists-postgres screenshots clean

## run: build and serve on 127.0.0.1:8080 with the built-in provider sandboxes;
## an empty database gets one demo account per role, printed once.
run: build
	./$(BIN) serve --demo

build:
	$(GO) build -o $(BIN) ./cmd/dashboard

## test: formatting, vet, staticcheck, stale templ output, known vulnerabilities,
## then every Go test with -race.
test: lint check-generated vulncheck test-go

test-go:
	$(GO) test -race -count=1 ./...

## test-postgres: every Go test with -race on PostgreSQL: each test that opens a database
## gets a new schema in the bo_test database on TEST_DATABASE_URL's server, dropped at its end
## (docs/postgres.md). Slower than SQLite: each test migrates its schema.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
test-postgres:
	TEST_DATABASE_URL='$(TEST_DATABASE_URL)' $(GO) test -race -count=1 -timeout 30m ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags browser ./e2e/...
	$(GO) tool staticcheck ./...

## vulncheck: govulncheck against golang.org/x/vulndb fetched through the module proxy
## (VULNDB_VERSION=latest by default); reviewed exceptions in scripts/vuln-exceptions.txt.
vulncheck:
	@scripts/vulncheck.sh

generate:
	$(GO) tool templ generate

## check-generated: fails when the committed *_templ.go files differ from templ's output.
check-generated:
	@scripts/check-generated.sh

## test-browser: drives the real server in Debian's headless Chromium.
test-browser:
	$(GO) test -tags browser -count=1 -v ./e2e/

## fuzz: a short run of every fuzz target (FUZZTIME each).
fuzz:
	@FUZZTIME=$(FUZZTIME) scripts/fuzz-short.sh

## bench-callbacks: durable callback intake against a bare net/http handler, over loopback.
bench-callbacks:
	$(GO) run ./cmd/bench-callbacks -conns 128 -duration 5s

## bench-callbacks-postgres: the same on PostgreSQL (BENCH_DATABASE_URL, made with C collation if
## missing): one and two dashboards against a PostgreSQL floor, in a schema dropped at the end.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bench_callbacks?sslmode=disable
bench-callbacks-postgres:
	$(GO) run ./cmd/bench-callbacks -conns 128 -duration 5s -database '$(BENCH_DATABASE_URL)'

## bench-lists: list pages (p50/p95, 8 clients) on 1,000,000 callbacks, 100,000 disbursements
## and 100,000 audit entries, seeded once under $TMPDIR and reused.
bench-lists:
	$(GO) run ./cmd/bench-lists

## bench-lists-postgres: the same on PostgreSQL with 1,000,000 disbursements too, seeded once into a
## schema of BENCH_DATABASE_URL (default .../bench_lists, made with C collation if missing) and kept;
## add -drop (go run ./cmd/bench-lists -database URL -drop) to seed again.
bench-lists-postgres:
	$(GO) run ./cmd/bench-lists -database '$(if $(filter file,$(origin BENCH_DATABASE_URL)),postgres://postgres@127.0.0.1:5432/bench_lists?sslmode=disable,$(BENCH_DATABASE_URL))'

## screenshots: browser tests that also keep their screenshots in ./screenshots.
screenshots:
	E2E_SCREENSHOTS=$(CURDIR)/screenshots $(GO) test -tags browser -count=1 ./e2e/

clean:
	rm -rf bin screenshots
