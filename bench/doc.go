// Package bench holds side-by-side benchmarks of ternd's packages against
// btcd's (v0.26.2) on the same inputs. It is a separate module so that btcd's
// libraries never enter ternd's own dependency graph.
//
// Run the wire comparison with:
//
//	cd bench && go test -run='^$' -bench=Wire -benchmem -benchtime=200ms
//
// The daemons themselves are compared by cmd/txaccept (transactions accepted
// per second over JSON-RPC, CPU and memory per transaction):
//
//	cd bench && go run ./cmd/txaccept
package bench
