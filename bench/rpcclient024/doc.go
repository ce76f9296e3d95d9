// Package rpcclient024 tests ternd's RPC server with btcd v0.24.2's
// rpcclient (the release lnd v0.18 and earlier build on), kept in its
// own module so that bench's go.mod can pin btcd v0.26.2.
package rpcclient024
