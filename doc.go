/*
ternd is a Bitcoin full node daemon in the shape of btcd.

This root package is the daemon itself: configuration (config.go), logging
(log.go, rotator.go), the JSON-RPC server (rpcserver.go, rpc_*.go), signal
handling (signal.go) and the node's lifetime (ternd.go). server.go wires the
node's subsystems (database, chain, mempool, sync, peers).

# Usage

	ternd [--regtest|--testnet|--testnet4|--signet] [options]

Every option is a flag and, under the same name, a line of the conf file
(ternd.conf in the app data directory, or --configfile); flags win over the
file. sample-ternd.conf documents them all. A bad configuration exits with
status 1 and a message naming the option and the fix, before any file or
socket is opened. Run `ternd --help` for the list and `ternd
--debuglevel=show` for the logging subsystems.

Data lives in DATADIR/NETWORK (default ~/.ternd/regtest etc.) and logs in
LOGDIR/NETWORK/ternd.log (default ~/.ternd/logs/NETWORK), rotated at 10 MB
with three old files kept.

# Lifetime

ternMain loads the configuration, opens the log, builds a node and runs it
until SIGINT, SIGTERM or the `stop` RPC; a second signal forces the exit.
The node starts the RPC server first (in warm-up, answering -28 to most
methods), then each subsystem in order, then ends warm-up. It stops in the
opposite direction: the RPC server, then the subsystems in reverse start
order (peers, sync, mempool, chain, database).

# The node's core

server.go opens the chain database (internal/store, goleveldb) in
DATADIR/NETWORK/chainstate, builds the blockchain.BlockChain and the
mempool.TxPool on it (sharing one txscript.SigCache, so a transaction's
signatures checked on admission are not checked again in its block), and
keeps the pool in step with the chain's notifications: RemoveForBlock on a
connected block, AddBackForDisconnect on a disconnected one. mempool.dat and
fee_estimates.dat are loaded at start and written at stop; the chain's UTXO
cache is flushed before the database closes. Blocks are generated from
internal/mining templates (generatetoaddress, generateblock) and enter the
chain through the same ProcessBlock path as submitblock.

The RPC server and its methods live in internal/rpcserver, grouped by
Core's source files (chain.go, mempool.go, mining.go, rawtx.go, net.go ...).
Its handlers reach the core and the P2P server only through small
interfaces, which rpcadaptors.go satisfies; the daemon builds the server
with them in rpcConfig (ternd.go).

The P2P side plugs into the server: setRelay for the transaction relay
(internal/relay) that RelayTransactions feeds with what the pool returned
as accepted (RPC submissions, transactions a chain change put back),
setRelayHooks for each connected block, processTx and processBlock for
what peers send, and the chain and pool themselves for netsync, which
hands a peer's accepted transactions to the same relay.

# Extending

A new subsystem implements the subsystem interface (Name, Start(ctx), Stop)
and is added in node.addNodeSubsystems (ternd.go). A new RPC method goes in internal/rpcserver's
method tables; what it needs from the node is a method on one of its
interfaces (interface.go) with an adaptor in rpcadaptors.go. A new package that logs gets one line in packageLoggers (log.go).
*/
package main
