package relay

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/wire"
)

const (
	// MaxFeeFilter is the feefilter sent during initial block download
	// (Core's MAX_MONEY, in sat/kvB), so peers send no transactions we
	// cannot check yet.
	MaxFeeFilter = 21_000_000 * 100_000_000

	// DefaultFeeFilterInterval is how often our feefilter is recomputed
	// and sent to peers when it changed (Core averages 10 minutes; a
	// shorter period keeps peers in step with the pool's rolling minimum).
	DefaultFeeFilterInterval = time.Minute

	// MaxPending bounds the transactions waiting for the relay loop; past
	// it announcements are dropped (peers still learn them through their
	// own peers or a later mempool sync).
	MaxPending = 100_000

	// DefaultRebroadcastMin and DefaultRebroadcastJitter set the period
	// of the unbroadcast rebroadcast: 10 to 15 minutes, as Core's
	// ReattemptInitialBroadcast.
	DefaultRebroadcastMin    = 10 * time.Minute
	DefaultRebroadcastJitter = 5 * time.Minute
)

// Peer is what the relay needs from a connected peer that completed its
// handshake; the server's peer record implements it. Every method must be
// safe for concurrent use and must not block.
type Peer interface {
	// ID identifies the peer for its lifetime, unique among connected
	// peers; the relay keys its per-peer state (the feefilter last sent)
	// by it.
	ID() int32
	// RelayTx reports whether the peer asked for transactions (the relay
	// flag of its version message).
	RelayTx() bool
	// RelaysTxs reports whether transactions flow on this connection at
	// all: not on block-relay-only connections and feelers, where Core
	// keeps no transaction relay state (no inv, no feefilter).
	RelaysTxs() bool
	// FeeFilter is the peer's feefilter in sat/kvB (0 when none).
	FeeFilter() int64
	// WantsWtxid reports whether the peer sent wtxidrelay (BIP339).
	WantsWtxid() bool
	// QueueInventory schedules iv for the peer's next trickled inv unless
	// the peer is known to have it.
	QueueInventory(iv *wire.InvVect)
	// QueueMessage queues msg for sending; done, when not nil, receives a
	// value once it is written or dropped.
	QueueMessage(msg wire.Message, done chan<- struct{}) error
}

// Pool is what the relay needs from the transaction pool; *mempool.TxPool
// implements it. Methods must be safe for concurrent use.
type Pool interface {
	// Unbroadcast returns the local transactions no peer fetched yet.
	Unbroadcast() []chainhash.Hash
	// TxDesc describes a pooled transaction by txid.
	TxDesc(txid *chainhash.Hash) (*mempool.TxDesc, bool)
	// RemoveUnbroadcast drops txid from the unbroadcast set.
	RemoveUnbroadcast(txid *chainhash.Hash)
	// FetchTransaction returns a pooled transaction by txid or wtxid.
	FetchTransaction(hash *chainhash.Hash) (*wire.MsgTx, error)
	// MinFee is the pool's minimum fee rate for acceptance, in sat/kvB.
	MinFee() mempool.FeeRate
}

// The pool the server passes must fit Pool.
var _ Pool = (*mempool.TxPool)(nil)

// Config configures a TxRelay. Peers, Pool and IsInitialBlockDownload are
// required; zero durations take their defaults.
type Config struct {
	// Peers returns the peers that completed their handshake. It is
	// called from the relay's goroutines, once per batch and per tick, and
	// must not block.
	Peers func() []Peer

	// Pool is the transaction pool.
	Pool Pool

	// IsInitialBlockDownload reports whether the node is still in initial
	// block download, when our feefilter is MaxFeeFilter.
	IsInitialBlockDownload func() bool

	// FeeFilterInterval is how often our feefilter is resent when it
	// changed (DefaultFeeFilterInterval).
	FeeFilterInterval time.Duration

	// RebroadcastMin and RebroadcastJitter set the period of the
	// unbroadcast rebroadcast: RebroadcastMin plus a random part below
	// RebroadcastJitter (DefaultRebroadcastMin, DefaultRebroadcastJitter).
	RebroadcastMin    time.Duration
	RebroadcastJitter time.Duration
}

// TxRelay announces the transactions the pool accepted to every peer that
// wants them, keeps announcing local ones until a peer fetches them, and
// tells peers our feefilter. It is safe for concurrent use.
type TxRelay struct {
	cfg Config

	// mu guards queue, the accepted transactions waiting for the relay
	// loop (at most MaxPending), which wake signals.
	mu    sync.Mutex
	queue []*mempool.TxDesc
	wake  chan struct{}

	// tipWake asks the feefilter loop to resend at once where the IBD
	// maximum was sent (a new tip may have ended initial block download).
	tipWake chan struct{}

	// sentMu guards sent, the feefilter last sent to each peer by id. The
	// feefilter loop prunes the ids of peers gone, so it holds at most the
	// connected peers and those that left within one interval.
	sentMu sync.Mutex
	sent   map[int32]int64
}

// New returns a relay on cfg; it announces nothing until Run.
func New(cfg *Config) (*TxRelay, error) {
	if cfg == nil || cfg.Peers == nil || cfg.Pool == nil || cfg.IsInitialBlockDownload == nil {
		return nil, relayError(ErrBadConfig, "relay: Config needs Peers, Pool and IsInitialBlockDownload")
	}
	c := *cfg
	if c.FeeFilterInterval <= 0 {
		c.FeeFilterInterval = DefaultFeeFilterInterval
	}
	if c.RebroadcastMin <= 0 {
		c.RebroadcastMin = DefaultRebroadcastMin
	}
	if c.RebroadcastJitter <= 0 {
		c.RebroadcastJitter = DefaultRebroadcastJitter
	}
	return &TxRelay{
		cfg:     c,
		wake:    make(chan struct{}, 1),
		tipWake: make(chan struct{}, 1),
		sent:    make(map[int32]int64),
	}, nil
}

// Run runs the relay loop, the rebroadcast loop and the feefilter loop
// until ctx ends, and returns once all three have.
func (r *TxRelay) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); r.relayLoop(ctx) }()
	go func() { defer wg.Done(); r.rebroadcastLoop(ctx) }()
	go func() { defer wg.Done(); r.feeFilterLoop(ctx) }()
	wg.Wait()
}

// Announce queues transactions the pool accepted for announcement to every
// peer that wants them. It only queues: it never blocks and never calls a
// peer or the pool, so it may be called from any goroutine (the sync
// manager's, an RPC handler's). Past MaxPending waiting transactions the
// rest are dropped. A peer that gave us a transaction should have it in
// its known inventory first, so it is not announced back.
func (r *TxRelay) Announce(txs []*mempool.TxDesc) {
	if len(txs) == 0 {
		return
	}
	r.mu.Lock()
	room := MaxPending - len(r.queue)
	n := min(len(txs), max(room, 0))
	r.queue = append(r.queue, txs[:n]...)
	r.mu.Unlock()
	if n < len(txs) {
		log.Debugf("Relay queue full: %d announcements dropped", len(txs)-n)
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// relayLoop announces the queued transactions, one batch per wake-up.
func (r *TxRelay) relayLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		}
		r.mu.Lock()
		batch := r.queue
		r.queue = nil
		r.mu.Unlock()
		r.announceBatch(batch)
	}
}

// relayTarget is one peer's view for a batch: its filter and inv type,
// read once instead of once per transaction.
type relayTarget struct {
	p         Peer
	feeFilter int64
	wtxid     bool
}

// announceBatch queues an inv for every transaction of batch on every peer
// that wants it, through the peer's trickle: by wtxid to wtxidrelay peers,
// by txid to the others, skipping peers that take no transactions and
// those whose feefilter the transaction's fee rate does not meet. The
// peer's known-inventory filter drops what it already has (the source).
func (r *TxRelay) announceBatch(batch []*mempool.TxDesc) {
	if len(batch) == 0 {
		return
	}
	peers := r.cfg.Peers()
	targets := make([]relayTarget, 0, len(peers))
	for _, p := range peers {
		if p.RelayTx() && p.RelaysTxs() {
			targets = append(targets, relayTarget{p: p, feeFilter: p.FeeFilter(), wtxid: p.WantsWtxid()})
		}
	}
	if len(targets) == 0 {
		return
	}
	// One backing array for the batch's inventory vectors: a pointer
	// passed through the Peer interface escapes, and a pair of vectors
	// allocated per transaction dominated the cost.
	invs := make([]wire.InvVect, 2*len(batch))
	for j, d := range batch {
		rate := feeRate(d)
		txInv, wtxInv := &invs[2*j], &invs[2*j+1]
		*txInv = wire.InvVect{Type: wire.InvTypeTx, Hash: d.TxHash}
		*wtxInv = wire.InvVect{Type: wire.InvTypeWTx, Hash: d.WTxHash}
		for i := range targets {
			t := &targets[i]
			if rate < t.feeFilter {
				continue
			}
			if t.wtxid {
				t.p.QueueInventory(wtxInv)
			} else {
				t.p.QueueInventory(txInv)
			}
		}
	}
	log.Tracef("Announced %d transactions to up to %d peers", len(batch), len(targets))
}

// feeRate is d's fee rate in sat/kvB, as feefilter compares it.
func feeRate(d *mempool.TxDesc) int64 {
	if d.VSize <= 0 {
		return 0
	}
	return d.Fee * 1000 / d.VSize
}

// MarkBroadcast removes the transactions a peer's getdata asks for from
// the pool's unbroadcast set: a peer fetched them, so they reached the
// network. It runs on the caller's goroutine (the peer's read loop).
func (r *TxRelay) MarkBroadcast(msg *wire.MsgGetData) {
	pool := r.cfg.Pool
	for _, iv := range msg.InvList {
		switch iv.Type {
		case wire.InvTypeTx, wire.InvTypeWitnessTx:
			pool.RemoveUnbroadcast(&iv.Hash)
		case wire.InvTypeWTx:
			if tx, err := pool.FetchTransaction(&iv.Hash); err == nil {
				txid := tx.TxHash()
				pool.RemoveUnbroadcast(&txid)
			}
		}
	}
}

// rebroadcastLoop announces again, every RebroadcastMin to RebroadcastMin
// plus RebroadcastJitter, the local transactions no peer fetched yet;
// peers that know them are skipped by their known-inventory filter.
func (r *TxRelay) rebroadcastLoop(ctx context.Context) {
	for {
		t := time.NewTimer(r.cfg.RebroadcastMin + rand.N(r.cfg.RebroadcastJitter))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		r.rebroadcast()
	}
}

// rebroadcast queues the unbroadcast transactions still pooled and drops
// the others from the unbroadcast set.
func (r *TxRelay) rebroadcast() {
	pool := r.cfg.Pool
	var again []*mempool.TxDesc
	for _, txid := range pool.Unbroadcast() {
		if d, ok := pool.TxDesc(&txid); ok {
			again = append(again, d)
		} else {
			pool.RemoveUnbroadcast(&txid)
		}
	}
	if len(again) > 0 {
		log.Debugf("Announcing %d unbroadcast transactions again", len(again))
	}
	r.Announce(again)
}

// PeerReady sends our feefilter to a peer that just completed its
// handshake; the feefilter loop keeps it up to date afterwards. Nothing is
// sent on a connection that carries no transactions.
func (r *TxRelay) PeerReady(p Peer) {
	r.sendFeeFilter(p, r.ourFeeFilter())
}

// TipChanged tells the relay a block was connected: peers that were sent
// the IBD maximum get our real feefilter at once if initial block
// download ended. It never blocks.
func (r *TxRelay) TipChanged() {
	select {
	case r.tipWake <- struct{}{}:
	default:
	}
}

// ourFeeFilter is the feefilter we announce: the pool's minimum fee rate,
// or MaxFeeFilter during initial block download.
func (r *TxRelay) ourFeeFilter() int64 {
	if r.cfg.IsInitialBlockDownload() {
		return MaxFeeFilter
	}
	return int64(r.cfg.Pool.MinFee())
}

// sendFeeFilter sends f to p unless it is what p was last sent; none goes
// to a connection that carries no transactions.
func (r *TxRelay) sendFeeFilter(p Peer, f int64) {
	if !p.RelaysTxs() {
		return
	}
	id := p.ID()
	r.sentMu.Lock()
	old := r.sent[id]
	r.sent[id] = f
	r.sentMu.Unlock()
	if old != f {
		p.QueueMessage(wire.NewMsgFeeFilter(f), nil)
	}
}

// sentFeeFilter returns the feefilter last sent to the peer id (0 if none).
func (r *TxRelay) sentFeeFilter(id int32) int64 {
	r.sentMu.Lock()
	defer r.sentMu.Unlock()
	return r.sent[id]
}

// feeFilterLoop resends our feefilter to peers when it changed: every
// FeeFilterInterval, and at once after a new tip to peers still holding
// the IBD maximum (Core sends the real filter as soon as initial block
// download ends).
func (r *TxRelay) feeFilterLoop(ctx context.Context) {
	t := time.NewTicker(r.cfg.FeeFilterInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.refreshFeeFilters(false)
		case <-r.tipWake:
			r.refreshFeeFilters(true)
		}
	}
}

// refreshFeeFilters sends our current feefilter to every ready peer whose
// last one differs (only to those sent MaxFeeFilter when onlyIBD), then
// forgets the peers that are gone. An id is forgotten only if it was
// already known before the peers were listed, so a peer whose handshake
// completes meanwhile keeps its entry.
func (r *TxRelay) refreshFeeFilters(onlyIBD bool) {
	r.sentMu.Lock()
	known := make([]int32, 0, len(r.sent))
	for id := range r.sent {
		known = append(known, id)
	}
	r.sentMu.Unlock()

	f := r.ourFeeFilter()
	peers := r.cfg.Peers()
	ready := make(map[int32]struct{}, len(peers))
	for _, p := range peers {
		ready[p.ID()] = struct{}{}
		if !onlyIBD || r.sentFeeFilter(p.ID()) == MaxFeeFilter {
			r.sendFeeFilter(p, f)
		}
	}

	r.sentMu.Lock()
	for _, id := range known {
		if _, ok := ready[id]; !ok {
			delete(r.sent, id)
		}
	}
	r.sentMu.Unlock()
}
