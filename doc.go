/*
ternd is a Bitcoin full node daemon in the shape of btcd.

This root package is the daemon itself: configuration (config.go), logging
(log.go, rotator.go), signal handling (signal.go), the process's lifetime
(ternd.go), the node's core (node.go), the P2P server (server.go and the
files beside it) and the adaptors through which internal/rpcserver reaches
both (rpcadaptors.go). No package below it imports it.

# Usage

	ternd [--regtest|--testnet|--testnet4|--signet] [options]

Every option is a flag and, under the same name, a line of the conf file
(ternd.conf in the app data directory, or --configfile); flags win over the
file. configcompat.go lets bitcoind's habits work before go-flags parses
anything: single-dash long options (-regtest), Core's option names
(rpcpassword, rpcport, port, bind, rpcbind ...), -daemon refused with the
reason, and the conf file read as Core reads bitcoin.conf, with [main],
[test], [testnet4], [signet] and [regtest] sections (internal/coreconf). sample-ternd.conf documents them all. A bad configuration exits with
status 1 and a message naming the option and the fix, before any file or
socket is opened. Run `ternd --help` for the list and `ternd
--debuglevel=show` for the logging subsystems.

Data lives in DATADIR/NETWORK (default ~/.ternd/regtest etc.) and logs in
LOGDIR/NETWORK/ternd.log (default ~/.ternd/logs/NETWORK), rotated at 10 MB
with three old files kept.

# Lifetime

ternMain loads the configuration, binds every listener (P2P, RPC, metrics,
profile; listeners.go) before it creates or opens anything on disk, so a
port in use fails at once and names its option, opens the log, builds the
daemon and runs it until SIGINT, SIGTERM or the `stop` RPC; a second signal
forces the exit. newDaemon builds the RPC server (and the ZMQ notifier);
nothing is opened or bound until start. start starts the RPC server first
(in warm-up, answering -28 to most methods with the step under way), then
builds the node (buildNode): newNode opens the database and builds the
chain, the indexes, the fee estimator, the pool and the block generator
on it; newServer and its build make the P2P server on the core (address,
sync and connection managers, reading peers.json, banlist.json and
anchors.dat); and the RPC server is handed both (Attach). Nothing runs
before everything is built; start then
runs each subsystem in order (database, chain, txindex, blockfilterindex,
mempool, zmq, peers, metrics) and ends warm-up. stop runs the other way,
each part told to stop only once the one before it has finished: the RPC
server, the peers, the pool (mempool.dat and fee_estimates.dat written),
the indexes, the chain (its UTXO cache flushed), the database.

# The node's core (node.go)

The core's constructor opens the chain database (internal/store, goleveldb)
in DATADIR/NETWORK/chainstate and builds the blockchain.BlockChain and the
mempool.TxPool on it (sharing one txscript.SigCache, so a transaction's
signatures checked on admission are not checked again in its block), and is
the chain's first notification receiver: it keeps the pool (RemoveForBlock
on a connected block, AddBackForDisconnect after a disconnection), the
transaction index and the block filter index in step, and hands the transactions those calls return
to the relay (RelayTransactions). With --zmqpub* it also tells the ZMQ
notifier (internal/zmq) of each block connected or disconnected, after the
pool has followed it; the notifier reads the pool's additions and removals
from the pool's bounded event queue, never under the pool's lock. Blocks are generated from internal/mining
templates (generate.go: generatetoaddress, generateblock) and enter the
chain through processBlock, the same path as submitblock and a peer's
block.

# The P2P server (server.go, serverpeer.go, peerhandlers.go, addrrelay.go,
bans.go, addnode.go)

server wires connmgr (listen, dial, bans, anchors) and addrmgr (address
buckets) to peer, keeps one peer set under one lock (serverpeer.go),
hands blocks, headers, inventory and transactions to internal/netsync
(peerhandlers.go) and BIP157 filter requests to netsync's FilterServer
(cfserve.go), relays addresses (addrrelay.go) and transactions
(internal/relay, built in newServer and handed to the core). It subscribes
to the chain's notifications after the core, so a new tip reaches the
sync manager's announcements once the pool has followed it. The daemon
subscribes last, once everything has started, and calls the RPC server's
TipChanged on each connected or disconnected block, which wakes the
waitfor methods.

# Monitoring (metricsadaptors.go)

With --metricslisten the last subsystem serves internal/metrics: Prometheus
metrics and a status page on one port. Its collector reads the chain, the
pool and the P2P server through the small types of metricsadaptors.go when
scraped; the event counters are fed by the pool's return values
(observedPool for the sync manager, rpcTxPool for sendrawtransaction), the
RPC server's request observer and the chain's notifications (validation
time, reorganisations).

# A transaction's path to the wire

From a peer: the peer's readLoop decodes a tx message and calls the
server's OnTx listener (peerhandlers.go), which passes it to
netsync.SyncManager.QueueTx; the sync manager's event goroutine runs
handleTx, which calls mempool.TxPool.ProcessTransaction. The pool's
processTransaction runs acceptSingle: the acceptance stages before the
scripts (preChecks, replacementChecks) under its lock, the scripts
(policyScriptChecks) without it, then under it again recheck,
consensusScriptChecks and finalize (which adds the transaction, trims the
pool and feeds the fee estimator), then processOrphans; it returns the
accepted set: the transaction, then the orphans it unlocked. A transaction refused only for its fee is kept
in mind as reconsiderable, and handleTx's try1p1c submits it with an
orphan child from the same peer through SubmitPackage (opportunistic
1p1c package relay); the members accepted take the same path as an
accepted transaction. handleTx marks the source peer as knowing them
(markSource) and hands the set to relay.TxRelay.Announce, which only
appends to a bounded queue. TxRelay's relayLoop takes the queue and
announceBatch calls QueueInventory (a wtxid inv for wtxidrelay peers, a
txid inv for the others) on every ready peer that wants transactions and
whose feefilter the fee rate meets; the peer's trickle timer sends the inv
through its writeLoop.

From sendrawtransaction: internal/rpcserver's handleSendRawTransaction
calls ProcessLocalTransaction (the same processTransaction, accept and
processOrphans), adds the transaction to the unbroadcast set and hands the
accepted set to its Relay, which is the core's RelayTransactions, which
calls the same TxRelay.Announce; from there the path is the one above.
submitpackage does the same with the package's accepted members. Nothing
between the pool and the relay queue calls back into this package, and no
callback runs under the pool's lock.

# Extending

A new subsystem implements the subsystem interface (Name, Start(ctx), Stop)
and is added in daemon.buildNode (ternd.go), built there before
anything runs. A new RPC method goes
in internal/rpcserver's method tables; what it needs from the node is a
method on one of its interfaces (interface.go) with an adaptor in
rpcadaptors.go. A new package that logs gets one line in packageLoggers
(log.go).
*/
package main
