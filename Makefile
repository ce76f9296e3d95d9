# ternd: the two commands a newcomer needs are `make run` and `make test`.
GO        ?= go
BIN       := bin
TOOLS     := $(CURDIR)/tools/bin
BTCD_VER  := v0.26.2
FUZZTIME  ?= 20000x
LONGFUZZ  ?= 2m
RUNARGS   ?=

.PHONY: all build run test unit itest neutrino rpcclient lint bench fuzz fuzz-short tools zmq-tools lnd-tools itest-lnd walkthrough clean

all: build

## build: compile ternd and ternctl into ./bin
build:
	$(GO) build -o $(BIN)/ternd .
	$(GO) build -o $(BIN)/ternctl ./cmd/ternctl

## run: build and start a regtest node on its defaults (data in the app data dir)
run: build
	./$(BIN)/ternd --regtest $(RUNARGS)

## walkthrough: run the README's first screen on a fresh data dir (make test runs it too, in itest)
walkthrough:
	./scripts/walkthrough.sh

## tools: install the pinned btcd and btcctl used as test peers into ./tools/bin
tools: $(TOOLS)/btcd $(TOOLS)/btcctl

$(TOOLS)/btcd $(TOOLS)/btcctl:
	GOBIN=$(TOOLS) $(GO) install github.com/btcsuite/btcd@$(BTCD_VER) github.com/btcsuite/btcd/cmd/btcctl@$(BTCD_VER)

## zmq-tools: Debian's python3-zmq (pyzmq over libzmq), the independent ZMQ subscriber of the itests
zmq-tools:
	@/usr/bin/python3 -c 'import zmq' 2>/dev/null || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y python3-zmq)

## lnd-tools: build lnd and lncli v0.19.3-beta from the Go module proxy into ./tools/bin (minutes)
LND_VER := v0.19.3-beta
lnd-tools:
	@$(TOOLS)/lnd --version 2>/dev/null | grep -q "$(LND_VER:v%=%)" && test -x $(TOOLS)/lncli || { \
		dir=$$($(GO) mod download -json github.com/lightningnetwork/lnd@$(LND_VER) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p') && \
		test -n "$$dir" && \
		(cd $$dir && GOFLAGS=-mod=mod GOWORK=off $(GO) build -trimpath -o $(TOOLS)/lnd ./cmd/lnd && \
			GOFLAGS=-mod=mod GOWORK=off $(GO) build -trimpath -o $(TOOLS)/lncli ./cmd/lncli); }

## itest-lnd: two lnd nodes on ternd (RPC polling and ZMQ): sync, funds, channel, payment, close
itest-lnd: tools lnd-tools
	$(GO) vet -tags lnd ./itest
	TERND_TOOLS=$(TOOLS) $(GO) test -tags lnd -count=1 -timeout 15m -run TestLnd -v ./itest

## test: every test (unit, integration against btcd, and a short fuzz run: 20,000 executions a target)
test: tools zmq-tools lint
	TERND_TOOLS=$(TOOLS) $(GO) test -count=1 -timeout 25m ./...
	cd itest/neutrino && $(GO) test -count=1 -timeout 5m ./...
	$(MAKE) rpcclient
	FUZZ_MINIMIZE=0 ./scripts/fuzz.sh $(FUZZTIME)

## unit: unit tests only (no processes started)
unit:
	$(GO) test -short ./...

## itest: integration tests only
itest: tools zmq-tools
	TERND_TOOLS=$(TOOLS) $(GO) test -count=1 -timeout 25m ./itest/...

## neutrino: the light-client test (neutrino v0.16.1 syncing filters from ternd; its own module)
neutrino:
	cd itest/neutrino && $(GO) vet ./... && $(GO) test -count=1 -timeout 5m ./...

## rpcclient: btcd's rpcclient v0.26.2 (bench's module) and v0.24.2 (bench/rpcclient024) against ternd
rpcclient:
	cd bench && $(GO) vet . && $(GO) test -count=1 -timeout 5m -run TestRPCClient .
	cd bench/rpcclient024 && $(GO) vet ./... && $(GO) test -count=1 -timeout 5m ./...

## lint: formatting and vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## bench: benchmarks of the product's hot paths
bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

## fuzz: a longer fuzz run of every target
fuzz:
	./scripts/fuzz.sh $(LONGFUZZ)

clean:
	rm -rf $(BIN)
