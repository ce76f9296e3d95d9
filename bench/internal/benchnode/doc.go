// Package benchnode is what the bench commands (cmd/syncbench and
// cmd/txaccept) share: starting and stopping a ternd or btcd process, its
// JSON-RPC client, sampling its CPU time and memory from /proc, building
// ternd from the repository and installing the pinned btcd.
package benchnode

// Logf prints a progress line; each command sets it to its own logger
// before using the package (it is the package's logger, nothing else).
var Logf = func(format string, args ...any) {}

// BtcdVersion is the pinned btcd release compared against.
const BtcdVersion = "v0.26.2"
