/*
Package netsync is ternd's sync manager: it downloads the block chain from
peers headers-first, follows their block and transaction announcements,
serves their getheaders, getblocks and getdata requests, and announces new
tips. It is btcd's netsync.SyncManager in shape, with Bitcoin Core's
download logic (parallel block download with a moving window, stall
detection, a transaction request tracker).

# Wiring

The server builds the manager on the chain and the pool and runs it:

	sm, err := netsync.New(&netsync.Config{
		Chain:  chain,
		TxPool: pool,
		Relay:  txRelay, // a *relay.TxRelay
	})
	go sm.Run(ctx)

*peer.Peer implements the Peer interface (ID, Addr, Services,
StartingHeight, WantsHeaders, WantsWtxid, QueueMessage, Misbehaving,
Disconnect; SetSyncedHeights, when present, receives getpeerinfo's
synced_headers and synced_blocks). After the handshake
the server calls NewPeer, on disconnect DonePeer, and from the peer's read
loop it forwards inv, headers, block, tx and notfound messages with
QueueInv, QueueHeaders, QueueBlock, QueueTx and QueueNotFound (waiting on
the done channel of QueueBlock and QueueTx before reading on; QueueInv,
QueueHeaders and QueueNotFound wait themselves until the message was
handled, so each peer has at most one message queued), and answers
getheaders, getblocks and getdata with HandleGetHeaders, HandleGetBlocks
and HandleGetData (given the peer's Done channel), which run on the
caller's goroutine. Legacy MSG_BLOCK and MSG_TX requests are answered with
the witness stripped, so the peer's witness encoding writes the legacy
form. As Core's BlockRequestAllowed, a block is served only when it is on
the active chain, or fully validated, not invalid, and less than a month
(StaleRelayAgeLimit) older than the best header in time and in work; any
other block request, like one for an unknown block, is ignored without a
notfound, so a peer cannot fingerprint the node by the stale blocks it
keeps. The server's
block-connected hook (or chain notification) calls BlockConnected, which
announces the tip to peers (headers to those that sent sendheaders, inv to
the rest, none to a peer known to have it) once initial block download is
over, and remembers the block's transactions as recently confirmed.

# Blocks

One sync peer, the outbound one with the best starting height (an inbound
one only when no outbound peer can sync), is asked for headers
(getheaders from our best header's locator, 2,000 a message, checked by
blockchain.ProcessBlockHeadersAntiDoS); when it has no more, every other
peer is asked too. A sync peer that leaves a getheaders unanswered for
HeadersTimeout, or whose whole sync passes HeadersSyncTimeout plus 1 ms
per expected header (Core's headers download timeout), is replaced.
Headers whose chain ends below the anti-DoS work threshold (the tip's work
less 144 blocks', or MinimumChainWork) are not stored and not punished; a
full message of them starts a simplified presync that follows the peer's
chain storing only a hash per 1,000 headers, and downloads it again (each
remembered hash checked) once its work reaches the threshold.
Unrequested blocks go to the chain with blockchain.BFUnrequested, which
stores them only when they have at least the tip's work (Core's
AcceptBlock). Blocks on the best header chain whose data is
missing (blockchain.BlocksToFetch) are requested as MSG_WITNESS_BLOCK from
every peer that serves witness blocks and is known to have them, at most
MaxBlocksInFlightPerPeer (16) each, within DownloadWindow (1,024) missing
blocks of the tip. A block arriving before its parent is held in memory
(bounded by MaxHeldBytes and a count) so the chain receives blocks in
order and connects each as it is stored; past the bound it goes to the
chain at once, which stores it and connects it when the gap fills. When
the window is exhausted and a peer has held its first block longer than
the stall timeout (2 s, doubling after each stall up to 64 s, as Core),
that peer is disconnected and its blocks go to others; any request older
than BlockTimeout ends the same way. A headers or inv announcement of an
unknown block leads to getheaders and then to the same download.

A peer sending an invalid header or block is reported with Misbehaving,
by the chain's error kind as Core's MaybePunishNodeForBlock: consensus
failures, mutated blocks (Core v27+ punishes a mutated block before
looking at it, though the block hash is not marked invalid), blocks
already known invalid and children of invalid blocks; a missing parent, a
time too far in the future, a duplicate or a local failure are not the
peer's fault.

Initial block download lasts while the tip's chain work is below the
chain's MinimumChainWork or the tip is older than MaxTipAge (24 h), as
Core's IsInitialBlockDownload, and ends for good. During it progress is
logged every ten seconds at info level (blocks and transactions per
second, height, tip date, progress against the best header), no
transaction is requested or relayed, unrequested blocks with unknown
headers are ignored, getheaders is not answered and tips are not
announced.

# Compact blocks (BIP152) and filters (BIP157)

Blocks cross the network as version-2 compact blocks (short ids of
wtxids) unless Config.NoCompactBlocks. After the handshake every peer with
NODE_WITNESS is sent sendcmpct(announce=false); up to three peers that
most recently gave us a new valid block are asked for high-bandwidth mode
(sendcmpct(true), the oldest demoted, the last outbound one never pushed
out by an inbound one). A new tip goes to high-bandwidth peers as a
cmpctblock as soon as its header, proof of work and own checks pass
(NewPoWValidBlock, from the chain's SubscribePoWValid hook), before it is
connected; others get headers or inv. A lone new block at the tip is asked
for as MSG_CMPCT_BLOCK. A received compact block is rebuilt from the pool,
its orphans and a ring of recently replaced and evicted transactions
(mempool's ForEachReconstructionTx); what is missing is asked with
getblocktxn, and a repeated short id, a merkle mismatch after filling or
CompactBlockTimeout without the block falls back to the whole block. A
malformed cmpctblock, an invalid header in one or a blocktxn that does not
answer our request is misbehaviour; a blocktxn nobody asked for is
ignored. getdata MSG_CMPCT_BLOCK is answered with a compact block within 5
blocks of the tip and getblocktxn with blocktxn within 10, the whole block
deeper (Core's depth rules).

FilterServer answers BIP157's getcfilters (up to 1,000), getcfheaders (up
to 2,000) and getcfcheckpt from the node's basic filter index, with Core's
checks: an unsupported filter type, an unknown stop block or a bad range
disconnects the peer; a stop block off the active chain or beyond the
index is not answered.

# Outbound chain-sync eviction

Each peer's best known block (the most-work indexed block it sent headers
for, announced by inv or delivered, Core's pindexBestKnownBlock) is
tracked. An automatic outbound peer (Config.IsFullOutbound: not inbound,
not manual, not whitelisted) that we asked for headers and whose best
known block has less work than our tip is timed, as Core's
ConsiderEviction: within ChainSyncTimeout (20 min) it must show a block
with the work our tip had when the timer started, else it is sent one
getheaders from that tip's parent and, HeadersResponseTime (2 min) later
still behind, disconnected (ErrChainSyncTimeout). A peer that reaches the
timed work but not our new tip is timed again; one that reaches our tip
is cleared. The first four outbound peers whose headers show our tip's
work are protected from this for their lifetime (Core's
MAX_OUTBOUND_PEERS_TO_PROTECT_FROM_DISCONNECT). An automatic outbound peer
that does not serve witness blocks (NODE_NETWORK|NODE_WITNESS, or
NODE_NETWORK_LIMITED|NODE_WITNESS while our tip is within 144 intervals of
now) is disconnected at once (ErrMissingServices, Core's
HasAllDesirableServiceFlags), and a pruned one kept is asked for headers
once synced, so no outbound peer escapes this eviction. Block-relay-only
outbound peers (Config.IsBlockRelayOnly) are timed and checked for
services the same way but never protected, as Core, and never taken as
the extra peer to evict below.

With Config.StartExtraBlockRelay and ExtraBlockRelay set, once our tip is
within 20 block intervals of now (Core's CanDirectFetch) the connection
manager is told, once, to make an extra block-relay-only connection every
few minutes; every 45 seconds, while there is one beyond the target, the
youngest block-relay-only peer is evicted, or the next youngest when the
youngest delivered a new block more recently (Core's
EvictExtraOutboundPeers), so fresh peers keep showing us their headers.

With Config.TryNewOutbound and ExtraOutbound set (the server passes the
connection manager's SetTryNewOutbound and ExtraOutbound), the tip is
checked every 10 minutes as Core's CheckForStaleTipAndEvictPeers: no new
tip for three block intervals and no block in flight asks for one
automatic outbound connection beyond the target, and a new tip withdraws
the request. Every 45 s, while the connection manager has more automatic
outbound connections than its target, the unprotected outbound peer that
least recently sent the header of a new block with more work than our tip
(ties: the newest) is disconnected (ErrExtraOutbound) if it has been
connected 30 s and has no block in flight, and the request is withdrawn.
Times come from Config.Now, so tests drive them with a fake clock.

# Transactions

Announced transactions (MSG_WTX from wtxidrelay peers, MSG_TX from the
others) that are not in the pool, not recently confirmed and not recently
rejected are requested from one announcer at a time, outbound announcers
first (an announcement only inbound peers made waits InboundTxDelay, 2 s,
as Core's TxRequestTracker, when the peer has an Inbound method); after
TxRequestTimeout (60 s) or a notfound the next announcer is asked. Each
peer may have MaxPeerTxAnnouncements tracked and MaxPeerTxInFlight
requested. A received transaction goes to the pool's ProcessTransaction,
which returns what it accepted (the transaction and the orphans it
unlocked); those are marked as known inventory of the peer that sent the
transaction, with its last-transaction time (when the peer keeps them, as
*peer.Peer does), and handed to Config.Relay's Announce, which only queues
them for the other peers. No callback runs under the pool's lock. The
missing parents of an orphan are requested from the same
peer, and a rejected transaction's wtxid enters a bounded filter cleared
on every new tip (Core's m_recent_rejects). As in Core v30, an invalid
transaction does not count against its peer (a malformed message does,
in the peer package).

# Concurrency

Run owns every sync structure on one goroutine; the Queue methods, NewPeer
and DonePeer send it events through a bounded queue and block while it is
full (backpressure on the peers' read loops), and return ErrShuttingDown
once Run has returned. When Run stops, the events still queued are
dropped with their done channels signalled, so no caller waits forever. BlockConnected and AnnounceBlock take a small lock
and never wait for the event goroutine, so they may run inside a
ProcessBlock the manager made. No goroutine outlives Run.
*/
package netsync
