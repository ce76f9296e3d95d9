package netsync

import (
	"context"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/internal/ringset"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/wire"
)

// Defaults of the Config's tunables.
const (
	// DefaultMaxBlocksInFlightPerPeer is Core's MAX_BLOCKS_IN_TRANSIT_PER_PEER.
	DefaultMaxBlocksInFlightPerPeer = 16
	// DefaultDownloadWindow is Core's BLOCK_DOWNLOAD_WINDOW: blocks are
	// requested at most this many missing blocks ahead of the tip.
	DefaultDownloadWindow = 1024
	// DefaultStallTimeout is Core's initial BLOCK_STALLING_TIMEOUT: a peer
	// holding the window's first block this long while the window is
	// exhausted is disconnected. It doubles after each stall (to 64 s).
	DefaultStallTimeout = 2 * time.Second
	// DefaultBlockTimeout is how long any one block request may stay
	// unanswered before the peer is disconnected and the block moved
	// (Core's BLOCK_DOWNLOAD_TIMEOUT_BASE, ten minutes).
	DefaultBlockTimeout = 10 * time.Minute
	// DefaultHeadersTimeout is how long the headers sync peer may leave a
	// getheaders unanswered before another peer is chosen.
	DefaultHeadersTimeout = 2 * time.Minute
	// DefaultHeadersSyncTimeout is Core's HEADERS_DOWNLOAD_TIMEOUT_BASE:
	// the whole headers sync from one peer may take this long, plus
	// HeadersSyncTimeoutPerHeader for each header expected (the time since
	// our best header over the block spacing), before the peer is dropped
	// for another, so a peer trickling headers cannot stall the sync.
	DefaultHeadersSyncTimeout = 15 * time.Minute
	// HeadersSyncTimeoutPerHeader is Core's
	// HEADERS_DOWNLOAD_TIMEOUT_PER_HEADER.
	HeadersSyncTimeoutPerHeader = time.Millisecond
	// DefaultTxRequestTimeout is Core's GETDATA_TX_INTERVAL: after it the
	// next announcer of a transaction is asked.
	DefaultTxRequestTimeout = 60 * time.Second
	// DefaultInboundTxDelay is Core's NONPREF_PEER_TX_DELAY: a
	// transaction announced only by inbound peers is requested after it.
	DefaultInboundTxDelay = 2 * time.Second
	// DefaultMaxTipAge is Core's DEFAULT_MAX_TIP_AGE: initial block
	// download lasts while the tip is older than this.
	DefaultMaxTipAge = 24 * time.Hour
	// DefaultTickInterval is how often timeouts are checked.
	DefaultTickInterval = time.Second
	// DefaultMaxHeldBytes bounds the out-of-order blocks held in memory
	// until their parent arrives; past it they go to the chain at once
	// (stored, and connected when the gap fills).
	DefaultMaxHeldBytes = 256 << 20

	// maxStallTimeout is Core's BLOCK_STALLING_TIMEOUT_MAX.
	maxStallTimeout = 64 * time.Second
	// progressInterval is how often initial sync progress is logged.
	progressInterval = 10 * time.Second
	// maxHeldBlocks bounds the count of held out-of-order blocks.
	maxHeldBlocks = 4096
	// msgQueueSize is the event queue's capacity.
	msgQueueSize = 1024
	// knownBlocksPerPeer bounds the per-peer set of blocks it is known to
	// have (so a block is not announced back to its source).
	knownBlocksPerPeer = 1024
	// maxGetBlocksInv is Core's limit on a getblocks answer.
	maxGetBlocksInv = 500
	// maxGetDataItems bounds the items served from one getdata.
	maxGetDataItems = wire.MaxInvPerMsg
	// maxUnconnectingHeaders is how many unconnecting headers messages a
	// peer may send in a row before it is reported.
	maxUnconnectingHeaders = 10
	// misbehaviourBan is the score of an offence that bans at once.
	misbehaviourBan uint32 = 100
)

// Config configures a SyncManager. Chain and TxPool are required.
type Config struct {
	// Chain is the block chain to sync.
	Chain *blockchain.BlockChain
	// TxPool is the transaction pool (a *mempool.TxPool).
	TxPool TxPool

	// Relay, when set, receives the transactions a peer's tx made the
	// pool accept (the tx, then the orphans it unlocked, parents first),
	// to announce to the other peers: the source peer has them marked as
	// known inventory first (see txSource). *relay.TxRelay implements it.
	Relay TxRelay

	// Now returns the current time; nil means time.Now. Tests inject a
	// clock to drive every timeout.
	Now func() time.Time

	// IsFullOutbound, when set, reports whether p is an automatic
	// full-relay outbound connection (Core's OUTBOUND_FULL_RELAY): not
	// inbound, not manual (--addpeer, --connect, addnode) and, unlike
	// Core, not whitelisted. Only such peers are subject to chain-sync
	// eviction and counted for its protection (eviction.go). It is called
	// once per peer, from the event goroutine, and must not block. Nil
	// means no peer is.
	IsFullOutbound func(p Peer) bool

	// IsBlockRelayOnly, when set, reports whether p is an automatic
	// block-relay-only outbound connection (Core's BLOCK_RELAY). Such
	// peers are subject to chain-sync eviction and to the desirable
	// services check like full outbound ones, but are never protected
	// from eviction nor chosen as the stale-tip extra peer to evict
	// (Core: "outbound block-relay peers are excluded from this
	// protection"). Same calling contract as IsFullOutbound.
	IsBlockRelayOnly func(p Peer) bool

	// TryNewOutbound and ExtraOutbound, when both set, enable Core's
	// stale-tip check (eviction.go): TryNewOutbound(true) asks the
	// connection manager for one automatic outbound connection beyond
	// its target when no new tip came for three block intervals, and
	// ExtraOutbound reports how many automatic outbound connections
	// exceed the target, so the manager evicts one (connmgr's
	// SetTryNewOutbound and ExtraOutbound). They are called from the
	// event goroutine and must not block.
	TryNewOutbound func(try bool)
	ExtraOutbound  func() int

	// StartExtraBlockRelay and ExtraBlockRelay, when both set, enable
	// Core's extra block-relay-only peer (eviction.go): once the initial
	// sync is done (our tip is within 20 block intervals of now, Core's
	// CanDirectFetch) StartExtraBlockRelay is called, once, so the
	// connection manager makes an extra block-relay-only connection now
	// and then; ExtraBlockRelay reports how many block-relay-only
	// connections exceed the target, and every 45 seconds the youngest
	// block-relay-only peer is evicted, or the next youngest when the
	// youngest delivered a new block more recently (connmgr's
	// StartExtraBlockRelay and ExtraBlockRelay). Called from the event
	// goroutine; they must not block.
	StartExtraBlockRelay func()
	ExtraBlockRelay      func() int

	// Tunables; zero means the default above.
	MaxBlocksInFlightPerPeer int
	DownloadWindow           int
	StallTimeout             time.Duration
	BlockTimeout             time.Duration
	HeadersTimeout           time.Duration
	HeadersSyncTimeout       time.Duration
	TxRequestTimeout         time.Duration
	InboundTxDelay           time.Duration
	MaxTipAge                time.Duration
	TickInterval             time.Duration
	MaxHeldBytes             int
	// MaxPeerTxAnnouncements bounds the transaction announcements tracked
	// per peer (Core's MAX_PEER_TX_ANNOUNCEMENTS, 5000).
	MaxPeerTxAnnouncements int
	// MaxPeerTxInFlight bounds the transactions requested from one peer at
	// once (Core's MAX_PEER_TX_REQUEST_IN_FLIGHT, 100).
	MaxPeerTxInFlight int
	// RecentRejectsSize bounds the rejected-transaction filter and the
	// filter of transactions refused only for their fee (Core's
	// m_recent_rejects and m_recent_rejects_reconsiderable hold 120,000
	// each).
	RecentRejectsSize int
	// RecentConfirmedSize bounds the recently-confirmed filter (Core's
	// m_recent_confirmed_transactions holds 48,000).
	RecentConfirmedSize int
	// ChainSyncTimeout and HeadersResponseTime time the chain-sync
	// eviction of lagging outbound peers (Core's CHAIN_SYNC_TIMEOUT, 20
	// min, and HEADERS_RESPONSE_TIME, 2 min).
	ChainSyncTimeout    time.Duration
	HeadersResponseTime time.Duration

	// NoCompactBlocks turns BIP152 compact block relay off (the daemon's
	// --nocompactblocks): sendcmpct and cmpctblock from peers are
	// ignored, no peer is asked for high-bandwidth mode, blocks are
	// requested and announced whole, a getdata MSG_CMPCT_BLOCK is
	// answered with the full block and getblocktxn is ignored.
	NoCompactBlocks bool
	// CompactBlockTimeout bounds the wait for a compact block's
	// transactions before the full block is requested
	// (DefaultCompactBlockTimeout).
	CompactBlockTimeout time.Duration
}

// setDefaults fills zero tunables.
func (c *Config) setDefaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defD := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.MaxBlocksInFlightPerPeer, DefaultMaxBlocksInFlightPerPeer)
	def(&c.DownloadWindow, DefaultDownloadWindow)
	def(&c.MaxHeldBytes, DefaultMaxHeldBytes)
	def(&c.MaxPeerTxAnnouncements, 5000)
	def(&c.MaxPeerTxInFlight, 100)
	def(&c.RecentRejectsSize, 120000)
	def(&c.RecentConfirmedSize, 48000)
	defD(&c.StallTimeout, DefaultStallTimeout)
	defD(&c.BlockTimeout, DefaultBlockTimeout)
	defD(&c.HeadersTimeout, DefaultHeadersTimeout)
	defD(&c.HeadersSyncTimeout, DefaultHeadersSyncTimeout)
	defD(&c.TxRequestTimeout, DefaultTxRequestTimeout)
	defD(&c.InboundTxDelay, DefaultInboundTxDelay)
	defD(&c.MaxTipAge, DefaultMaxTipAge)
	defD(&c.TickInterval, DefaultTickInterval)
	defD(&c.ChainSyncTimeout, DefaultChainSyncTimeout)
	defD(&c.HeadersResponseTime, DefaultHeadersResponseTime)
	defD(&c.CompactBlockTimeout, DefaultCompactBlockTimeout)
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Event messages, sent to the event goroutine.
type (
	newPeerMsg  struct{ p Peer }
	donePeerMsg struct{ p Peer }
	invMsg      struct {
		p    Peer
		inv  *wire.MsgInv
		done chan<- struct{}
	}
	headersMsg struct {
		p       Peer
		headers *wire.MsgHeaders
		done    chan<- struct{}
	}
	blockMsg struct {
		p     Peer
		block *wire.MsgBlock
		done  chan<- struct{}
	}
	txMsg struct {
		p    Peer
		tx   *wire.MsgTx
		done chan<- struct{}
	}
	notFoundMsg struct {
		p    Peer
		nf   *wire.MsgNotFound
		done chan<- struct{}
	}
	// syncMsg asks the event goroutine to run fn (tests and Stats).
	syncMsg struct{ fn func() }
)

// SyncManager downloads the chain from peers headers-first, keeps it in
// step with their announcements, serves their requests for headers, blocks
// and transactions, and fetches the transactions they announce.
//
// One event goroutine (Run) owns all sync state; the Queue and peer
// methods hand it messages through a bounded queue, blocking the caller
// (a peer's read loop) when it is full, which is the backpressure. The
// Handle methods serving requests run on the caller's goroutine. Every
// exported method is safe for concurrent use.
type SyncManager struct {
	cfg   Config
	chain *blockchain.BlockChain
	pool  TxPool

	msgChan chan any
	quit    chan struct{} // closed when Run returns
	// sendMu and closed make the end of Run final: senders hold sendMu
	// for reading while they queue; Run, after closing quit, takes it for
	// writing, sets closed and drains msgChan, signalling every pending
	// done, so no event (and no waiting caller) is left behind.
	sendMu  sync.RWMutex
	closed  bool
	started atomic.Bool
	// ibdDone latches once the tip is recent (Core's m_cached_finished_ibd).
	ibdDone atomic.Bool

	// mu guards announce: the peers blocks are announced to and what each
	// is known to have. The event goroutine writes it, BlockConnected
	// (any goroutine) reads it; it is never held while calling the chain.
	mu       sync.Mutex
	announce map[int32]*announcePeer
	// hbPeers are the ids of the peers we asked for high-bandwidth
	// compact blocks, oldest first (at most MaxHighBandwidthPeers);
	// highestFastAnnounce is the highest block NewPoWValidBlock announced
	// and recentCmpct its compact block. Guarded by mu.
	hbPeers             []int32
	highestFastAnnounce int32
	recentCmpct         *cmpctCache

	// confirmedMu guards recentConfirmed, filled by BlockConnected.
	confirmedMu     sync.Mutex
	recentConfirmed *ringset.Set[chainhash.Hash]

	// Event goroutine state below.
	peers          map[int32]*peerState
	syncPeer       *peerState
	headersSynced  bool
	headersAskedAt time.Time
	// headersDeadline ends the headers sync with the current sync peer.
	headersDeadline time.Time
	inFlight        map[chainhash.Hash]*blockRequest
	// cmpctExtra are the compact block requests beyond the first
	// (inFlight) for the same block, by block and peer: at most
	// MaxCmpctBlocksInFlightPerBlock-1 a block.
	cmpctExtra    map[chainhash.Hash]map[int32]*blockRequest
	heights       map[chainhash.Hash]int32
	held          map[chainhash.Hash]*heldBlock // by parent hash
	heldHashes    map[chainhash.Hash]struct{}
	heldBytes     int
	windowBlocked bool
	stallTimeout  time.Duration
	txs           *txTracker
	recentRejects *ringset.Set[chainhash.Hash]
	// reconsiderable holds the wtxids of transactions refused only for
	// their fee, and the package hashes of 1p1c packages refused (Core's
	// m_lazy_recent_rejects_reconsiderable): not requested again on an
	// announcement, but a child from the same peer may still pay for one.
	// It is cleared with recentRejects on a new tip.
	reconsiderable *ringset.Set[chainhash.Hash]
	rejectsTip     chainhash.Hash
	// protectedOutbound counts the peers protected from chain-sync
	// eviction (at most maxProtectedOutbound).
	protectedOutbound int
	// Stale-tip state: the tip last seen and when it changed (Core's
	// m_last_tip_update), the next stale-tip and extra-peer checks, and
	// whether an extra outbound connection is being tried.
	lastTipHash    chainhash.Hash
	lastTipUpdate  time.Time
	nextStaleCheck time.Time
	nextExtraCheck time.Time
	tryingNew      bool
	// initialSyncFinished: StartExtraBlockRelay was called (Core's
	// m_initial_sync_finished).
	initialSyncFinished bool

	// Progress counters for the 10-second log. progressFirst is when the
	// first block counted began processing and progressLast when the last
	// one finished, so the rate logged is over the time blocks actually
	// took, not the whole reporting interval.
	lastProgress   time.Time
	progressBlocks int
	progressTxs    int
	progressFirst  time.Time
	progressLast   time.Time
}

// announcePeer is a peer as the announcer sees it.
type announcePeer struct {
	p     Peer
	known *ringset.Set[chainhash.Hash]
	// cmpct: it sent sendcmpct version 2; hbFrom: with announce set, so
	// new blocks go to it by cmpctblock; hbTo: we asked it to announce
	// to us that way.
	cmpct, hbFrom, hbTo bool
}

// peerState is the event goroutine's view of a peer.
type peerState struct {
	p  Peer
	id int32
	// canSync: it serves full witness blocks (NODE_NETWORK|NODE_WITNESS).
	canSync bool
	// canHeaders: it serves at least recent witness blocks (canSync, or
	// NODE_NETWORK_LIMITED|NODE_WITNESS, Core's CanServeBlocks), so once
	// synced it is asked for headers too.
	canHeaders bool
	// inbound: it connected to us (outbound peers are preferred for the
	// headers sync).
	inbound bool
	// bestKnownHeight is the highest block we believe the peer has (its
	// starting height until it tells us more).
	bestKnownHeight int32
	// headerHeight is the height of the best header it sent or announced
	// that we validated (-1: none), Core's pindexBestKnownBlock.
	headerHeight int32
	// bestKnownHash and bestKnownWork are the most-work indexed block it
	// sent or announced (work nil: none), Core's pindexBestKnownBlock,
	// which chain-sync eviction compares with our tip.
	bestKnownHash chainhash.Hash
	bestKnownWork *big.Int
	// fullOutbound: an automatic outbound peer (Config.IsFullOutbound).
	fullOutbound bool
	// blockRelayOnly: an automatic block-relay-only outbound peer
	// (Config.IsBlockRelayOnly).
	blockRelayOnly bool
	// connectedAt is when the manager learned of the peer;
	// lastBlockAnnouncement when it last sent us a header of a new block
	// with more work than our tip (zero: never), Core's
	// m_last_block_announcement, by which an extra outbound peer is
	// chosen for eviction.
	connectedAt           time.Time
	lastBlockAnnouncement time.Time
	// lastBlockTime is when it last delivered a block new to us (zero:
	// never), Core's m_last_block_time, by which the extra
	// block-relay-only peer is chosen for eviction.
	lastBlockTime time.Time
	// chainSync is its chain-sync eviction state.
	chainSync chainSyncState
	// reported are the synced heights last given to the peer.
	reportedHeaders, reportedBlocks int32
	// blocks in flight from this peer.
	requested map[chainhash.Hash]struct{}
	// cmpctExtra are the blocks it is rebuilding for us beside the peer
	// that has them in flight (SyncManager.cmpctExtra).
	cmpctExtra map[chainhash.Hash]struct{}
	// sentGetHeaders records that we asked it for headers since connecting.
	sentGetHeaders bool
	// unconnecting counts headers messages in a row that did not connect.
	unconnecting int
	// presync follows a low-work headers chain of the peer (nil: none).
	presync *presyncState
}

// blockRequest is a block in flight.
type blockRequest struct {
	peer   *peerState
	height int32
	at     time.Time
	// cmpct: asked or sent as a compact block; partial is the block
	// being rebuilt once its cmpctblock came (nil before).
	cmpct   bool
	partial *partialBlock
}

// heldBlock is an out-of-order block waiting for its parent.
type heldBlock struct {
	block *wire.MsgBlock
	from  *peerState
	size  int
	// requested: we asked a peer for it (else the chain refuses it unless
	// it has as much work as the tip).
	requested bool
}

// New returns a SyncManager; call Run to start it.
func New(cfg *Config) (*SyncManager, error) {
	if cfg == nil || cfg.Chain == nil || cfg.TxPool == nil {
		return nil, syncError(ErrBadConfig, "netsync: Config needs Chain and TxPool")
	}
	c := *cfg
	c.setDefaults()
	sm := &SyncManager{
		cfg:             c,
		chain:           c.Chain,
		pool:            c.TxPool,
		msgChan:         make(chan any, msgQueueSize),
		quit:            make(chan struct{}),
		announce:        make(map[int32]*announcePeer),
		recentConfirmed: ringset.New[chainhash.Hash](c.RecentConfirmedSize, 256),
		peers:           make(map[int32]*peerState),
		inFlight:        make(map[chainhash.Hash]*blockRequest),
		cmpctExtra:      make(map[chainhash.Hash]map[int32]*blockRequest),
		heights:         make(map[chainhash.Hash]int32),
		held:            make(map[chainhash.Hash]*heldBlock),
		heldHashes:      make(map[chainhash.Hash]struct{}),
		stallTimeout:    c.StallTimeout,
		recentRejects:   ringset.New[chainhash.Hash](c.RecentRejectsSize, 256),
		reconsiderable:  ringset.New[chainhash.Hash](c.RecentRejectsSize, 64),
	}
	sm.txs = newTxTracker(&sm.cfg)
	return sm, nil
}

// Run runs the event goroutine until ctx ends. It may be called once.
// When it returns nothing of the manager is left running, and the Queue
// methods return at once.
func (sm *SyncManager) Run(ctx context.Context) {
	if !sm.started.CompareAndSwap(false, true) {
		return
	}
	defer sm.shutdown()
	ticker := time.NewTicker(sm.cfg.TickInterval)
	defer ticker.Stop()
	sm.lastProgress = sm.cfg.Now()
	sm.lastTipHash, sm.lastTipUpdate = sm.chain.BestSnapshot().Hash, sm.lastProgress
	sm.IsInitialBlockDownload()
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-sm.msgChan:
			sm.handle(m)
		case <-ticker.C:
			sm.tick()
		}
	}
}

// shutdown ends Run: it closes quit (releasing senders blocked on a full
// queue), waits for senders in progress, refuses new ones, and signals
// the done of every event still queued, unhandled, so no peer waits on a
// block or transaction forever.
func (sm *SyncManager) shutdown() {
	close(sm.quit)
	sm.sendMu.Lock()
	sm.closed = true
	sm.sendMu.Unlock()
	for {
		select {
		case m := <-sm.msgChan:
			switch m := m.(type) {
			case blockMsg:
				signal(m.done)
			case txMsg:
				signal(m.done)
			case invMsg:
				signal(m.done)
			case headersMsg:
				signal(m.done)
			case notFoundMsg:
				signal(m.done)
			case sendCmpctMsg:
				signal(m.done)
			case cmpctBlockMsg:
				signal(m.done)
			case blockTxnsMsg:
				signal(m.done)
			}
		default:
			return
		}
	}
}

// handle dispatches one event.
func (sm *SyncManager) handle(m any) {
	switch m := m.(type) {
	case newPeerMsg:
		sm.handleNewPeer(m.p)
	case donePeerMsg:
		sm.handleDonePeer(m.p)
	case invMsg:
		sm.handleInv(m.p, m.inv)
		signal(m.done)
	case headersMsg:
		sm.handleHeaders(m.p, m.headers)
		signal(m.done)
	case blockMsg:
		sm.handleBlock(m.p, m.block)
		signal(m.done)
	case txMsg:
		sm.handleTx(m.p, m.tx)
		signal(m.done)
	case notFoundMsg:
		sm.handleNotFound(m.p, m.nf)
		signal(m.done)
	case sendCmpctMsg:
		sm.handleSendCmpct(m.p, m.msg)
		signal(m.done)
	case cmpctBlockMsg:
		sm.handleCmpctBlock(m.p, m.msg)
		signal(m.done)
	case blockTxnsMsg:
		sm.handleBlockTxns(m.p, m.msg)
		signal(m.done)
	case syncMsg:
		m.fn()
	}
}

// signal sends on done without blocking (done has room for one value), so
// a caller that stopped waiting never blocks the event goroutine.
func signal(done chan<- struct{}) {
	if done == nil {
		return
	}
	select {
	case done <- struct{}{}:
	default:
	}
}

// send queues an event, blocking while the queue is full; it fails once
// Run has returned (or is returning). An event it queues is either
// handled or, at shutdown, has its done signalled.
func (sm *SyncManager) send(m any) error {
	sm.sendMu.RLock()
	defer sm.sendMu.RUnlock()
	if sm.closed {
		return ErrShuttingDown
	}
	select {
	case <-sm.quit:
		return ErrShuttingDown
	default:
	}
	select {
	case sm.msgChan <- m:
		return nil
	case <-sm.quit:
		return ErrShuttingDown
	}
}

// NewPeer tells the manager a peer finished its handshake.
func (sm *SyncManager) NewPeer(p Peer) error { return sm.send(newPeerMsg{p}) }

// DonePeer tells the manager a peer disconnected; its requests move to
// other peers. Calling it twice, or for an unknown peer, is harmless.
func (sm *SyncManager) DonePeer(p Peer) error { return sm.send(donePeerMsg{p}) }

// sendWait queues an event built around done and waits until it was
// handled (or the manager stopped). Called on a peer's read goroutine, it
// keeps each peer to one queued message, so the queue holds at most one
// decoded message per peer (an inv of 50,000 entries is about 2 MB) rather
// than msgQueueSize of them from a few peers.
func (sm *SyncManager) sendWait(build func(done chan<- struct{}) any) error {
	done := make(chan struct{}, 1)
	if err := sm.send(build(done)); err != nil {
		return err
	}
	select {
	case <-done:
		return nil
	case <-sm.quit:
		return ErrShuttingDown
	}
}

// QueueInv hands the manager an inv message from p and waits until it was
// handled, so one peer cannot fill the queue (call it from p's read loop).
func (sm *SyncManager) QueueInv(inv *wire.MsgInv, p Peer) error {
	return sm.sendWait(func(done chan<- struct{}) any { return invMsg{p, inv, done} })
}

// QueueHeaders hands the manager a headers message from p and waits until
// it was handled, as QueueInv.
func (sm *SyncManager) QueueHeaders(headers *wire.MsgHeaders, p Peer) error {
	return sm.sendWait(func(done chan<- struct{}) any { return headersMsg{p, headers, done} })
}

// QueueBlock hands the manager a block from p. done, when not nil, must
// have room for one value (make(chan struct{}, 1)): it receives one once
// the block was handled. A peer's read loop should wait for it before
// reading on, which bounds the blocks queued per peer to one (btcd's
// blockProcessed).
// When the manager has stopped it returns ErrShuttingDown and signals
// done too, so a caller that waits on done anyway is never stuck.
func (sm *SyncManager) QueueBlock(block *wire.MsgBlock, p Peer, done chan<- struct{}) error {
	err := sm.send(blockMsg{p, block, done})
	if err != nil {
		signal(done)
	}
	return err
}

// QueueTx hands the manager a transaction from p; done as in QueueBlock.
func (sm *SyncManager) QueueTx(tx *wire.MsgTx, p Peer, done chan<- struct{}) error {
	err := sm.send(txMsg{p, tx, done})
	if err != nil {
		signal(done)
	}
	return err
}

// QueueNotFound hands the manager a notfound message from p and waits
// until it was handled, as QueueInv.
func (sm *SyncManager) QueueNotFound(nf *wire.MsgNotFound, p Peer) error {
	return sm.sendWait(func(done chan<- struct{}) any { return notFoundMsg{p, nf, done} })
}

// do runs fn on the event goroutine and waits for it.
func (sm *SyncManager) do(fn func()) error {
	done := make(chan struct{})
	if err := sm.send(syncMsg{func() { fn(); close(done) }}); err != nil {
		return err
	}
	select {
	case <-done:
		return nil
	case <-sm.quit:
		return ErrShuttingDown
	}
}

// Stats is a snapshot of the manager's state.
type Stats struct {
	Peers          int
	SyncPeer       int32 // 0 when none
	BlocksInFlight int
	HeldBlocks     int
	TxAnnounced    int // transactions announced and not yet received
	TxInFlight     int
}

// Stats returns a snapshot taken on the event goroutine.
func (sm *SyncManager) Stats() (Stats, error) {
	var st Stats
	err := sm.do(func() {
		st.Peers = len(sm.peers)
		if sm.syncPeer != nil {
			st.SyncPeer = sm.syncPeer.id
		}
		st.BlocksInFlight = len(sm.inFlight)
		st.HeldBlocks = len(sm.heldHashes)
		st.TxAnnounced = len(sm.txs.anns)
		st.TxInFlight = sm.txs.inFlight()
	})
	return st, err
}

// IsInitialBlockDownload reports whether the node is in initial block
// download, as Core's IsInitialBlockDownload: until the tip's chain work
// reaches the chain's MinimumChainWork and the tip is less than MaxTipAge
// old; once false it stays false. Safe for concurrent use.
func (sm *SyncManager) IsInitialBlockDownload() bool {
	if sm.ibdDone.Load() {
		return false
	}
	best := sm.chain.BestSnapshot()
	if mw := sm.chain.MinimumChainWork(); mw != nil && best.ChainWork != nil && best.ChainWork.Cmp(mw) < 0 {
		return true
	}
	if best.Timestamp.Before(sm.cfg.Now().Add(-sm.cfg.MaxTipAge)) {
		return true
	}
	if sm.ibdDone.CompareAndSwap(false, true) {
		log.Infof("Leaving initial block download at height %d", best.Height)
	}
	return false
}

// handleNewPeer registers a peer and starts syncing from it if it is the
// best candidate.
func (sm *SyncManager) handleNewPeer(p Peer) {
	id := p.ID()
	if _, ok := sm.peers[id]; ok {
		return
	}
	const full = wire.SFNodeNetwork | wire.SFNodeWitness
	ps := &peerState{
		p:               p,
		id:              id,
		canSync:         p.Services()&full == full,
		canHeaders:      servesRecentBlocks(p.Services()),
		bestKnownHeight: p.StartingHeight(),
		headerHeight:    -1,
		reportedHeaders: -2,
		reportedBlocks:  -2,
		requested:       make(map[chainhash.Hash]struct{}),
		cmpctExtra:      make(map[chainhash.Hash]struct{}),
		connectedAt:     sm.cfg.Now(),
	}
	sm.peers[id] = ps
	inbound := false
	if ib, ok := p.(interface{ Inbound() bool }); ok {
		inbound = ib.Inbound()
	}
	ps.inbound = inbound
	ps.fullOutbound = !inbound && sm.cfg.IsFullOutbound != nil && sm.cfg.IsFullOutbound(p)
	ps.blockRelayOnly = !inbound && !ps.fullOutbound && sm.cfg.IsBlockRelayOnly != nil &&
		sm.cfg.IsBlockRelayOnly(p)
	sm.txs.setPreferred(id, !inbound)
	sm.mu.Lock()
	sm.announce[id] = &announcePeer{p: p, known: ringset.New[chainhash.Hash](knownBlocksPerPeer, 256)}
	sm.mu.Unlock()
	log.Debugf("New peer %s (id %d, start height %d, sync %v)", p.Addr(), id,
		p.StartingHeight(), ps.canSync)
	if (ps.fullOutbound || ps.blockRelayOnly) && !sm.desirableServices(p.Services()) {
		sm.disconnect(ps, ErrMissingServices, fmt.Sprintf("outbound peer does not offer "+
			"the expected services (%v offered)", p.Services()))
		return
	}
	if !ps.canSync {
		if ps.canHeaders && sm.headersSynced {
			// A pruned peer cannot serve our download but follows the
			// tip: learn its chain, for chain-sync eviction.
			sm.sendGetHeaders(ps, nil)
		}
		return
	}
	if sm.headersSynced {
		// Learn its chain; a longer one continues 2,000 headers at a time.
		sm.sendGetHeaders(ps, nil)
	} else if sm.syncPeer == nil {
		sm.startSync()
	} else if sm.syncPeer.inbound && !inbound {
		// An outbound peer is preferred to an inbound sync peer.
		log.Infof("Moving headers sync from inbound peer %s to outbound peer %s",
			sm.syncPeer.p.Addr(), p.Addr())
		sm.syncPeer = nil
		sm.startSync()
	}
	sm.scheduleBlocks()
}

// handleDonePeer forgets a peer: its block requests go to others, its
// transaction announcements to the next announcers, its orphans leave the
// pool.
func (sm *SyncManager) handleDonePeer(p Peer) {
	ps, ok := sm.peers[p.ID()]
	if !ok || ps.p != p {
		return
	}
	sm.removePeer(ps)
	log.Debugf("Peer %s (id %d) gone", p.Addr(), ps.id)
	sm.scheduleBlocks()
	sm.scheduleTxs()
}

// removePeer drops ps from every structure; it is used on disconnect and
// when we disconnect a staller ourselves (DonePeer follows and is ignored).
func (sm *SyncManager) removePeer(ps *peerState) {
	delete(sm.peers, ps.id)
	if ps.chainSync.protect {
		ps.chainSync.protect = false
		sm.protectedOutbound--
	}
	sm.mu.Lock()
	delete(sm.announce, ps.id)
	sm.dropHighBandwidth(ps.id)
	sm.mu.Unlock()
	for h := range ps.requested {
		delete(sm.inFlight, h)
	}
	ps.requested = nil
	for h := range ps.cmpctExtra {
		if extras := sm.cmpctExtra[h]; extras != nil {
			delete(extras, ps.id)
			if len(extras) == 0 {
				delete(sm.cmpctExtra, h)
			}
		}
	}
	ps.cmpctExtra = nil
	for _, hb := range sm.held {
		if hb.from == ps {
			hb.from = nil
		}
	}
	sm.txs.removePeer(ps.id)
	sm.pool.RemoveOrphansByTag(mempool.Tag(uint32(ps.id)))
	if sm.syncPeer == ps {
		sm.syncPeer = nil
		if !sm.headersSynced {
			sm.startSync()
		}
	}
}

// disconnect drops a peer now (a staller, a timed-out peer).
func (sm *SyncManager) disconnect(ps *peerState, kind ErrorKind, why string) {
	log.Infof("Disconnecting peer %s (id %d): %s", ps.p.Addr(), ps.id, why)
	ps.p.Disconnect(syncError(kind, why))
	sm.removePeer(ps)
}

// markKnown records that peer id has block hash, so it is not announced
// to it.
func (sm *SyncManager) markKnown(id int32, hash chainhash.Hash) {
	sm.mu.Lock()
	if ap := sm.announce[id]; ap != nil {
		ap.known.Add(hash)
	}
	sm.mu.Unlock()
}

// tick checks timeouts and logs progress.
func (sm *SyncManager) tick() {
	now := sm.cfg.Now()
	sm.checkBlockTimeouts(now)
	sm.checkCmpctTimeouts(now)
	sm.checkHeadersTimeout(now)
	sm.considerEvictions(now)
	sm.checkStaleTip(now)
	sm.txs.expire(now)
	sm.drainHeld()
	sm.scheduleBlocks()
	sm.scheduleTxs()
	if now.Sub(sm.lastProgress) >= progressInterval {
		sm.logProgress(now)
	}
	sm.reportSyncedHeights()
}

// reportSyncedHeights gives each peer that wants them (getpeerinfo's
// synced_headers and synced_blocks) the best header height it is known
// to have and the last block height we have in common, when they change.
func (sm *SyncManager) reportSyncedHeights() {
	tip := sm.chain.BestSnapshot().Height
	for _, ps := range sm.peers {
		setter, ok := ps.p.(syncedHeightsSetter)
		if !ok {
			continue
		}
		headers, blocks := ps.headerHeight, min(ps.headerHeight, tip)
		if headers == ps.reportedHeaders && blocks == ps.reportedBlocks {
			continue
		}
		ps.reportedHeaders, ps.reportedBlocks = headers, blocks
		setter.SetSyncedHeights(headers, blocks)
	}
}

// learnedHeight records that ps has the validated block at height.
func (ps *peerState) learnedHeight(height int32) {
	ps.headerHeight = max(ps.headerHeight, height)
	ps.bestKnownHeight = max(ps.bestKnownHeight, height)
}

// logProgress logs the blocks and transactions processed since the last
// report, at info level, as btcd's "Processed N blocks in the last 10s".
//
// The rate is over the interval from the start of the first block counted
// to the end of the last one: 101 blocks that arrived in two seconds of a
// ten-second interval are reported as 2.0s and 50.5 blocks/s, not spread
// over ten. An interval below a millisecond (a fake clock) counts as one.
func (sm *SyncManager) logProgress(now time.Time) {
	elapsed := sm.progressLast.Sub(sm.progressFirst)
	blocks, txs := sm.progressBlocks, sm.progressTxs
	sm.lastProgress = now
	sm.progressBlocks, sm.progressTxs = 0, 0
	if blocks == 0 {
		return
	}
	elapsed = max(elapsed, time.Millisecond)
	best := sm.chain.BestSnapshot()
	_, hdrHeight := sm.chain.BestHeader()
	progress := 100.0
	if hdrHeight > 0 {
		progress = 100 * float64(best.Height) / float64(hdrHeight)
	}
	secs := elapsed.Seconds()
	log.Infof("Processed %d blocks (%d transactions) in %.1fs: "+
		"%.1f blocks/s, %.0f tx/s, height %d, %s, progress %.2f%% of %d headers",
		blocks, txs, secs, float64(blocks)/secs, float64(txs)/secs, best.Height,
		best.Timestamp.UTC().Format("2006-01-02 15:04:05"), progress, hdrHeight)
}

// BlockConnected is called for each block connected to the main chain
// (the server's relay hook, or a chain notification). Outside initial
// block download it remembers the block's transactions as recently
// confirmed and announces the block to every peer not known to have it, by
// headers to peers that sent sendheaders and by inv to the others. It may
// be called from any goroutine, including from inside a ProcessBlock the
// manager made; it never blocks on the event goroutine.
func (sm *SyncManager) BlockConnected(block *wire.MsgBlock, hash chainhash.Hash, height int32) {
	if sm.IsInitialBlockDownload() {
		// No transaction is requested before the end of initial block
		// download, so hashing the block's transactions again is waste.
		return
	}
	sm.confirmedMu.Lock()
	for _, tx := range block.Transactions {
		sm.recentConfirmed.Add(tx.TxHash())
		if tx.HasWitness() {
			sm.recentConfirmed.Add(tx.WitnessHash())
		}
	}
	sm.confirmedMu.Unlock()
	sm.announceBlock(&block.Header, hash, block, height)
}

// AnnounceBlock announces a block to every peer not known to have it. It
// is safe for concurrent use and does not block.
func (sm *SyncManager) AnnounceBlock(header *wire.BlockHeader, hash chainhash.Hash) {
	sm.announceBlock(header, hash, nil, 0)
}

// announceBlock announces a block to every peer not known to have it:
// by cmpctblock to the peers that asked for high-bandwidth compact
// blocks (when block is known), by headers to those that sent
// sendheaders, by inv to the rest.
func (sm *SyncManager) announceBlock(header *wire.BlockHeader, hash chainhash.Hash, block *wire.MsgBlock, height int32) {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	for _, ap := range sm.announce {
		if ap.known.Has(hash) {
			continue
		}
		ap.known.Add(hash)
		if ap.hbFrom && block != nil && sm.compactEnabled() {
			_ = ap.p.QueueMessage(sm.cacheCompact(block, hash, height).cmpct, nil)
			continue
		}
		if ap.p.WantsHeaders() {
			msg := wire.NewMsgHeaders()
			h := *header
			_ = msg.AddBlockHeader(&h)
			_ = ap.p.QueueMessage(msg, nil)
			continue
		}
		inv := wire.NewMsgInv()
		_ = inv.AddInvVect(wire.NewInvVect(wire.InvTypeBlock, &hash))
		_ = ap.p.QueueMessage(inv, nil)
	}
}

// isRecentlyConfirmed reports whether hash (txid or wtxid) was in a
// recently connected block.
func (sm *SyncManager) isRecentlyConfirmed(hash chainhash.Hash) bool {
	sm.confirmedMu.Lock()
	defer sm.confirmedMu.Unlock()
	return sm.recentConfirmed.Has(hash)
}
