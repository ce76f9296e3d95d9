/*
Package itest holds the integration tests: real btcd and ternd processes and
our own peer code talking over 127.0.0.1.

TestMain installs the pinned btcd v0.26.2 and btcctl into <repo>/tools/bin
(GOBIN=... go install github.com/btcsuite/btcd@v0.26.2 ...) unless the
TERND_TOOLS folder (set by the Makefile) already holds both binaries, and
fails the run when it cannot. With -short (make unit) the tests that start
processes are skipped.

Helpers (each test gets its own temporary folders and free ports, and every
process is stopped by t.Cleanup, killed if it does not exit):

	b := StartBtcd(t)                   // regtest btcd with the flags of BTCD-PEER.md
	b.Generate(t, 101)                  // mine (default --miningaddr is unspendable)
	b.Call(ctx, "getpeerinfo", &out)    // JSON-RPC with user/password
	b.AddNode(t, "127.0.0.1:1234", "onetry")
	n := StartTernd(t, "--connect=...") // go build of the root package, then
	                                    // --regtest --datadir --listen --rpclisten
	n.Call(ctx, "getpeerinfo", &out)

Readiness is waited for by polling the RPC server, never by sleeping; when a
test fails the tail of each process's log is printed with t.Log.

The tests of the ternd binary's P2P server (node_*_test.go) cover: peering
with btcd both ways (version, services, direction, pings, getnetworkinfo,
getnettotals, getaddednodeinfo), addr gossip between three ternd nodes in a
line (their --externalip addresses and an onion v3 address given to one by
addpeeraddress reach the others over addrv2), peers.json across a restart,
raw clients sending garbage, a bad checksum, the wrong magic or an oversize
length disconnected but not banned (none is misbehaviour in Core) while btcd
stays, a burst of 1,000 connections
kept within --maxpeers with the RPC server responsive, the addnode and
disconnectnode error codes, block sync both ways, and transactions relayed
both ways. Nodes that must not dial the fake public addresses they learn
use --connect, or a --proxy on a closed port.

Beside them: the chain (chain_*_test.go: sync of every transaction kind,
mining, forks, invalid blocks, kill -9), the mempool (mempool_*_test.go:
relay, rejects, RBF, block selection, limits, reorgs),
submitpackage_test.go (a parent refused alone reaches btcd with its
child), blockrelay_test.go (a block-relay-only link to btcd from
anchors.dat) and txindex_test.go (getrawtransaction of a transaction btcd
mined, with --txindex and after the index catches up on a restart).
*/
package itest
