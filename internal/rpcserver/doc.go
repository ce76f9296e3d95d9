/*
Package rpcserver is ternd's JSON-RPC server: HTTP POST with Bitcoin Core's
request and reply rules (JSON-RPC 1.0 and 2.0, batches, positional and named
parameters, Core's error codes and HTTP statuses), basic or cookie
authentication, a warm-up state, a request body limit and a limit on
concurrent requests, and every RPC method ternd serves.

The handlers never reach into the node. They depend on the small interfaces
in interface.go (Chain, TxPool, BlockGenerator, PeerServer, BanManager ...),
which the daemon satisfies with thin adaptors over its core and its P2P
server (the root package's rpcadaptors.go), and which tests satisfy with
stubs, so that every handler is tested without a chain, a pool or a peer.

Usage:

	srv, err := rpcserver.New(rpcserver.Config{
		Listeners:  []string{"127.0.0.1:8332"},
		CookiePath: cookiePath,
		MaxClients: 16,
		Chain:      chainAdaptor,
		// ... the other dependencies and the node's settings
	})
	if err != nil { ... }
	if err := srv.Start(ctx); err != nil { ... } // serves -28 until warm-up ends
	...
	srv.SetWarmupFinished()
	...
	srv.Stop()

The method table is built by New from the dependencies that are set: the
control methods (help, stop, uptime, getrpcinfo, logging, getmemoryinfo)
always, the Util methods (descriptors, addresses, multisig, messages)
when ChainParams is set, the node's methods (blockchain, mempool, mining,
raw transactions and PSBTs, indexes) when Chain is set and the network
methods when PeerServer is set. More methods can be added with
RegisterMethod.

The daemon calls TipChanged after every connected or disconnected block
(from its chain subscription), which wakes waitfornewblock, waitforblock
and waitforblockheight.

Strangers cannot make the operator's requests fail: a request is
authenticated (a wrong password waits 250 ms for its 401; past ten failures
from one address, then one a second, it gets 429 at once) and its body read
(the whole request within 30 s) before it takes one of the MaxClients
slots, so only an authenticated request in hand holds a slot, and only
while it runs. Refusals are logged at most once per 10 s per kind, with the
count of those left out (guard.go).
*/
package rpcserver
