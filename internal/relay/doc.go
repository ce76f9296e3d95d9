/*
Package relay is ternd's transaction announcement: it tells peers about the
transactions the pool accepted, keeps announcing local transactions until
a peer fetches them, and tells peers the lowest fee rate we want to hear
about (BIP133 feefilter).

# Wiring

The P2P server builds one TxRelay on its peer set, the pool and the sync
manager's IBD state, and runs it under its context:

	r, err := relay.New(&relay.Config{
		Peers:                  readyPeers, // func() []relay.Peer
		Pool:                   pool,       // *mempool.TxPool
		IsInitialBlockDownload: sm.IsInitialBlockDownload,
	})
	go r.Run(ctx)

Relay is driven by return values: whatever accepts transactions into the
pool gets them back (mempool's ProcessTransaction, ProcessLocalTransaction,
SubmitPackage, AddBackForDisconnect, RemoveForBlock) and hands the set to
Announce. The sync manager does so for a peer's tx (netsync's
Config.Relay, which *TxRelay satisfies), after marking the transactions
as known to the peer that sent them; the node does so for RPC submissions
and for transactions a chain change put back. Nothing in the pool calls
the relay and no relay code runs under the pool's lock.

The server calls PeerReady when a peer completes its handshake (our
feefilter goes out), MarkBroadcast with each getdata a peer sends (a
fetched local transaction leaves the unbroadcast set), and TipChanged on
each block connected.

# Announcements

Announce only appends to a queue bounded by MaxPending and wakes the relay
loop, so it never blocks its caller. The loop takes the whole queue at
once, reads each ready peer's state once per batch, and queues an inv for
each transaction on each peer through the peer's trickle (Peer's
QueueInventory, which also skips what the peer already knows): by wtxid to
peers that sent wtxidrelay, by txid to the others. Peers that asked for no
transactions (relay flag unset), connections that carry none
(block-relay-only, feelers) and peers whose feefilter is above the
transaction's fee rate (fee over virtual size, in sat/kvB) are skipped.

Every 10 to 15 minutes (Core's ReattemptInitialBroadcast) the pool's
unbroadcast set is announced again; entries no longer pooled leave it.

# Feefilter

Our feefilter is the pool's minimum fee rate, or MaxFeeFilter while in
initial block download, so no peer sends transactions we cannot check. It
is sent at the handshake, every FeeFilterInterval to peers whose last one
differs, and at once after a new tip to peers still holding MaxFeeFilter.
The relay keeps the value last sent to each peer by peer id and forgets
ids of peers that are gone at each interval.

# Concurrency

A TxRelay is safe for concurrent use. Run starts three goroutines (relay,
rebroadcast, feefilter) and returns when its context ends and all three
have stopped. Peer methods are called from those goroutines and from the
callers of PeerReady; Pool methods from the rebroadcast loop and from
MarkBroadcast's caller.
*/
package relay
