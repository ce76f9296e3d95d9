package netsync

import (
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/peer"
	"github.com/tern-org/ternd/wire"
)

// Peer is what the sync manager needs from a connected peer; *peer.Peer
// implements it. Every method must be safe for concurrent use and must not
// block: the manager calls them from its event goroutine and from the
// goroutines of other peers.
type Peer interface {
	// ID identifies the peer for its lifetime; it must be non-zero and
	// unique among connected peers (it tags the peer's orphans in the pool).
	ID() int32
	// Addr is the peer's address, for logs.
	Addr() string
	// Services are the services the peer advertised in its version.
	Services() wire.ServiceFlag
	// StartingHeight is the best height the peer advertised in its version.
	StartingHeight() int32
	// WantsHeaders reports whether the peer sent sendheaders (BIP130): new
	// blocks are then announced to it by headers instead of inv.
	WantsHeaders() bool
	// WantsWtxid reports whether the peer sent wtxidrelay (BIP339).
	WantsWtxid() bool
	// QueueMessage queues msg for sending (witness encoding); done, when
	// not nil, has room for one value and receives it once the message
	// was written or dropped. An error means the message will not go out.
	QueueMessage(msg wire.Message, done chan<- struct{}) error
	// Misbehaving adds to the peer's misbehaviour score; the peer
	// disconnects (and the server bans) at its threshold (100).
	Misbehaving(howmuch uint32, reason string)
	// Disconnect closes the connection; the server then calls DonePeer.
	Disconnect(reason error)
}

// syncedHeightsSetter is implemented by peers that report, for
// getpeerinfo, the last header and block heights we have in common with
// them (*peer.Peer does).
type syncedHeightsSetter interface {
	SetSyncedHeights(headers, blocks int32)
}

// txSource is implemented by peers that keep a known-inventory filter and
// the time of the last transaction they gave us that the pool accepted
// (*peer.Peer does). The sync manager marks a peer's accepted transactions
// as known to it before they are relayed, so they are never announced back
// to it, and records the time (getpeerinfo's last_transaction; inbound
// eviction spares recent transaction relayers).
type txSource interface {
	AddKnownInventory(iv *wire.InvVect)
	SetLastTx(t time.Time)
}

// TxRelay is what the sync manager hands accepted transactions to;
// *relay.TxRelay implements it.
type TxRelay interface {
	// Announce queues txs for announcement to every peer that wants them.
	// It is called from the event goroutine and must not block.
	Announce(txs []*mempool.TxDesc)
}

// TxPool is what the sync manager needs from the transaction pool;
// *mempool.TxPool implements it. Methods must be safe for concurrent use.
type TxPool interface {
	// ProcessTransaction validates tx from the peer tagged tag, returning
	// the accepted transactions (tx and the orphans it unlocked) and, for
	// an orphan, the parents to request.
	ProcessTransaction(tx *wire.MsgTx, allowOrphan bool, tag mempool.Tag) ([]*mempool.TxDesc, []chainhash.Hash, error)
	// HaveTransaction reports whether the pool or its orphan pool holds
	// hash as a txid or wtxid.
	HaveTransaction(hash *chainhash.Hash) bool
	// FetchTransaction returns a pooled transaction by txid or wtxid.
	FetchTransaction(hash *chainhash.Hash) (*wire.MsgTx, error)
	// RemoveOrphansByTag drops the orphans of a peer that left.
	RemoveOrphansByTag(tag mempool.Tag) int
	// OrphanChildren returns the orphans from tag spending an output of
	// the transaction parent (a txid), newest first.
	OrphanChildren(parent chainhash.Hash, tag mempool.Tag) []*wire.MsgTx
	// RemoveOrphan drops the orphan with txid or wtxid hash.
	RemoveOrphan(hash chainhash.Hash) bool
	// SubmitPackage judges a child with its parents together, by their
	// package fee rate (a 1p1c package, here), and adds all or none.
	SubmitPackage(txs []*wire.MsgTx, maxFeeRate mempool.FeeRate) *mempool.PackageSubmitResult
}

// The pool the server passes must fit TxPool, and its peers txSource.
var (
	_ TxPool   = (*mempool.TxPool)(nil)
	_ txSource = (*peer.Peer)(nil)
)
