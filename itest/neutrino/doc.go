// Package neutrino holds an integration test with a real BIP157/158 light
// client: lightninglabs/neutrino v0.16.1 connects only to a ternd serving
// compact block filters (--blockfilterindex --peerblockfilters), syncs
// block headers and filter headers from it, and rescans the chain for a
// watched address.
//
// It is its own Go module so that neutrino and the btcd and btcwallet
// packages it needs never enter ternd's dependency graph. Run it with
// `make neutrino` (or `go test ./...` in this folder); it starts ternd
// through the itest harness.
package neutrino
