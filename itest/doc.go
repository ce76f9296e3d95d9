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
*/
package itest
