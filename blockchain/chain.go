package blockchain

import (
	"errors"
	"fmt"
	"math/big"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/internal/store"
	"github.com/tern-org/ternd/wire"
)

// NotificationType is the kind of a chain notification.
type NotificationType int

// The notification types.
const (
	// NTBlockAccepted: a block passed its checks and was stored (it may be
	// on a side chain).
	NTBlockAccepted NotificationType = iota
	// NTBlockConnected: a block was connected to the main chain.
	NTBlockConnected
	// NTBlockDisconnected: a block was disconnected from the main chain.
	NTBlockDisconnected
)

// String names the type.
func (t NotificationType) String() string {
	switch t {
	case NTBlockAccepted:
		return "NTBlockAccepted"
	case NTBlockConnected:
		return "NTBlockConnected"
	case NTBlockDisconnected:
		return "NTBlockDisconnected"
	}
	return fmt.Sprintf("NotificationType(%d)", int(t))
}

// Notification is one event of the chain's event hub. Block must be treated
// as read-only by receivers.
type Notification struct {
	Type   NotificationType
	Block  *wire.MsgBlock
	Hash   chainhash.Hash
	Height int32
	// ValidationTime is, for NTBlockConnected, how long the chain took to
	// check the block against the UTXO set (scripts included) before
	// connecting it; operators watch it as a health figure.
	ValidationTime time.Duration
}

// Config configures a BlockChain.
type Config struct {
	// DB is the store; required.
	DB *store.Store
	// ChainParams is the network; required.
	ChainParams *chaincfg.Params
	// SigCache, when set, is shared with the mempool so signatures checked
	// there are not checked again in blocks.
	SigCache *SigCache
	// TimeSource returns the current time (adjusted network time); nil
	// means time.Now.
	TimeSource func() time.Time
	// Notifications, when set, receives every notification in order
	// (before the receivers added later with Subscribe),
	// after the write operation that queued it (a whole reorganisation)
	// is done. It is called without the chain lock held, so it may call
	// the chain's query methods, but it must not call ProcessBlock (that
	// would wait for the notification to return), nor the other methods
	// that change the chain: they may wait behind a writer that waits to
	// deliver after this notification.
	Notifications func(*Notification)
	// UtxoCacheEntries, when positive, bounds the number of outputs in the
	// UTXO cache beside UtxoCacheBytes; zero means no count bound.
	UtxoCacheEntries int
	// UtxoCacheBytes is the memory budget of the write-back UTXO cache
	// (the daemon's --dbcache); zero means DefaultUtxoCacheBytes. When the
	// cache grows past it, its changes are flushed to the store with the
	// tip in one batch and it is emptied. A flush briefly needs about as
	// much again for the batch.
	UtxoCacheBytes int64
	// UtxoFlushInterval is the longest time cached UTXO changes wait
	// before they are flushed (checked as blocks connect); zero means
	// DefaultUtxoFlushInterval. It bounds the blocks connected again after
	// a crash.
	UtxoFlushInterval time.Duration
	// ScriptWorkers is the number of goroutines checking scripts; zero
	// means one per CPU.
	ScriptWorkers int
	// MinimumChainWork, when set, raises AntiDoSWorkThreshold to at least
	// this work and is the least work an unrequested block's chain needs
	// (Core's -minimumchainwork); nil means ChainParams.MinimumChainWork
	// (zero or nil there: none).
	MinimumChainWork *big.Int

	// engine overrides the script engine (tests only).
	engine scriptEngine
	// reorgChunk, when positive, overrides reorgChunkBlocks (tests only).
	reorgChunk int
	// onChunk, when set, is called with the chain lock held at the end
	// of each chunk of a reorganisation or of a long run of connected
	// blocks, with the number of blocks the chain holds then: those kept
	// for notifications and those of the chunk (tests only).
	onChunk func(held int)
}

// minChainWork picks Config.MinimumChainWork, else the network's, or nil
// when it is zero.
func minChainWork(cfg *Config) *big.Int {
	w := cfg.MinimumChainWork
	if w == nil {
		w = cfg.ChainParams.MinimumChainWork
	}
	if w == nil || w.Sign() <= 0 {
		return nil
	}
	return new(big.Int).Set(w)
}

// BestState describes the main chain's tip. A BestState is never modified
// after it is published, so callers may keep it.
type BestState struct {
	Hash        chainhash.Hash
	Height      int32
	Bits        uint32
	BlockSize   uint64
	BlockWeight uint64
	NumTxns     uint64
	MedianTime  time.Time
	Timestamp   time.Time
	ChainWork   *big.Int
}

// The orphan pool's bounds: a count, total serialized bytes (a peer can make
// us remember orphans), and an orphan's life.
const (
	maxOrphanBlocks = 100
	maxOrphanBytes  = 64 << 20
	orphanExpiry    = time.Hour
)

// orphanBlock is a block whose parent is unknown.
type orphanBlock struct {
	block   *wire.MsgBlock
	hash    chainhash.Hash
	size    int
	seq     uint64 // arrival order, for evicting the oldest
	expires time.Time
}

// BlockChain is the validated block chain: the block index, the main chain,
// the UTXO set and the orphan pool. All methods are safe for concurrent use;
// one writer at a time changes the chain (ProcessBlock, ProcessBlockHeader,
// InvalidateBlock, ReconsiderBlock) while readers share a read lock.
type BlockChain struct {
	db         *store.Store
	params     *chaincfg.Params
	timeSource func() time.Time
	// listeners receive the notifications in order: Config.Notifications
	// first, then those added by Subscribe. The slice is replaced, never
	// changed, so delivery reads a snapshot without a lock; listenMu
	// serialises Subscribe.
	listeners atomic.Pointer[[]func(*Notification)]
	listenMu  sync.Mutex
	// powValid are the NewPoWValidBlock receivers (SubscribePoWValid),
	// replaced whole under listenMu like listeners.
	powValid      atomic.Pointer[[]func(*wire.MsgBlock, chainhash.Hash, int32)]
	engine        scriptEngine
	scriptWorkers int
	flushInterval time.Duration
	minChainWork  *big.Int
	reorgChunk    int
	onChunk       func(held int)

	// writeMu is held by the one writer changing the chain, from before it
	// takes chainLock until it holds notifyMu to deliver its
	// notifications, so writers deliver in the order they wrote while
	// chainLock is released first: a receiver of the previous writer's
	// notifications can then still query the chain. Order: writeMu,
	// chainLock, notifyMu; notifyMu is never taken with chainLock held.
	writeMu sync.Mutex

	// chainLock guards everything below up to stateLock.
	chainLock  sync.RWMutex
	index      map[chainhash.Hash]*blockNode
	bestChain  chainView
	bestHeader *blockNode
	cache      *utxoCache
	nextSeq    uint64
	precious   preciousState
	orphans    map[chainhash.Hash]*orphanBlock // bounded by maxOrphanBlocks/Bytes
	prevOrphan map[chainhash.Hash][]*orphanBlock
	orphanSize int
	orphanSeq  uint64
	// recent holds blocks accepted during the current write operation so
	// connecting them does not read them back from the store.
	recent map[chainhash.Hash]*wire.MsgBlock
	// recentTxids holds the txids of blocks in recent, computed once by
	// the sanity checks and reused when connecting.
	recentTxids map[*wire.MsgBlock][]chainhash.Hash
	// pending holds the notifications of the current write operation.
	// Only the first blocks (pendingBlocks of them, pendingBytes
	// serialized, up to reorgChunkBlocks and reorgChunkBytes) stay in
	// memory; later ones are read back from the store when delivered.
	pending       []pendingNote
	pendingBlocks int
	pendingBytes  int
	// acceptBatch holds the store writes of the block being accepted
	// (its bytes and index records) until the next commit writes them
	// with its own, or maybeAcceptBlock writes them alone.
	acceptBatch *store.Batch

	stateLock sync.RWMutex
	state     *BestState

	// notifyMu orders notification delivery across write operations.
	notifyMu sync.Mutex
}

// New loads (or, on an empty store, initialises with the genesis block) the
// chain, and connects any stored blocks with more work than the stored tip
// (left by a crash between storing a block and connecting it).
func New(cfg *Config) (*BlockChain, error) {
	if cfg == nil || cfg.DB == nil || cfg.ChainParams == nil {
		return nil, errors.New("blockchain: Config needs DB and ChainParams")
	}
	b := &BlockChain{
		db:            cfg.DB,
		params:        cfg.ChainParams,
		timeSource:    cfg.TimeSource,
		engine:        cfg.engine,
		reorgChunk:    cfg.reorgChunk,
		onChunk:       cfg.onChunk,
		scriptWorkers: cfg.ScriptWorkers,
		index:         make(map[chainhash.Hash]*blockNode),
		flushInterval: cfg.UtxoFlushInterval,
		minChainWork:  minChainWork(cfg),
		cache:         newUtxoCache(cfg.DB, cfg.UtxoCacheBytes, cfg.UtxoCacheEntries),
		orphans:       make(map[chainhash.Hash]*orphanBlock),
		prevOrphan:    make(map[chainhash.Hash][]*orphanBlock),
		recent:        make(map[chainhash.Hash]*wire.MsgBlock),
		recentTxids:   make(map[*wire.MsgBlock][]chainhash.Hash),
		nextSeq:       preciousSeqBase,
	}
	if b.timeSource == nil {
		b.timeSource = time.Now
	}
	if b.flushInterval <= 0 {
		b.flushInterval = DefaultUtxoFlushInterval
	}
	if b.engine == nil {
		b.engine = newDefaultEngine(cfg.SigCache)
	}
	if b.reorgChunk <= 0 {
		b.reorgChunk = reorgChunkBlocks
	}
	// Loading has no receivers yet: notifications are set once it is done,
	// so the blocks replayed here queue none.
	b.chainLock.Lock()
	err := b.load()
	if err == nil {
		err = b.recoverTip()
	}
	b.pending, b.pendingBlocks, b.pendingBytes = nil, 0, 0
	if cfg.Notifications != nil {
		b.listeners.Store(&[]func(*Notification){cfg.Notifications})
	}
	b.chainLock.Unlock()
	if err != nil {
		return nil, err
	}
	tip := b.BestSnapshot()
	_, headers := b.BestHeader()
	log.Infof("Chain state: height %d, hash %s, headers %d", tip.Height, tip.Hash, headers)
	return b, nil
}

// recoverTip brings the loaded chain to its best tip: blocks stored after
// the flushed tip (their UTXO changes were only in the cache when the
// process stopped) are connected again. A crash between InvalidateBlock
// marking the tip's chain invalid and its flush leaves the stored tip on
// that chain, so the chain first steps back to the last valid ancestor.
// A block that fails to connect only means a stored block was invalid; it
// has been marked and the chain stays on its best valid tip.
func (b *BlockChain) recoverTip() error {
	from := b.bestChain.Tip()
	if from.status.KnownInvalid() {
		a := from
		for a.parent != nil && a.status.KnownInvalid() {
			a = a.parent
		}
		log.Warnf("Stored tip %s is marked invalid; disconnecting to %s", from.hash, a.hash)
		if _, err := b.reorganizeTo(a); err != nil {
			return err
		}
	}
	if err := b.activateBestChain(nil); err != nil {
		log.Warnf("Stored block failed to connect at start: %v", err)
	}
	if to := b.bestChain.Tip(); to != from {
		log.Infof("Replayed stored blocks from height %d to %d", from.height, to.height)
	}
	return nil
}

// load reads the block index and tip, or writes the genesis block.
func (b *BlockChain) load() error {
	tip, err := b.db.FetchTip()
	if errors.Is(err, store.ErrNotFound) {
		return b.initGenesis()
	}
	if err != nil {
		return err
	}
	var recs []indexRecord
	err = b.db.ForEachBlockIndex(func(h chainhash.Hash, v []byte) error {
		r, err := decodeIndexRecord(v)
		if err != nil {
			return err
		}
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		return err
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].height < recs[j].height })
	for i := range recs {
		r := &recs[i]
		var parent *blockNode
		if r.height == 0 {
			if h := r.header.BlockHash(); h != *b.params.GenesisHash {
				return ruleError(ErrCorruptDatabase, "stored genesis "+h.String()+
					" is not this network's")
			}
		} else {
			parent = b.index[r.header.PrevBlock]
			if parent == nil || parent.height != r.height-1 {
				log.Warnf("Dropping index record %s: parent missing", r.header.BlockHash())
				continue
			}
		}
		n := newBlockNode(&r.header, parent)
		n.status = r.status
		n.numTxns = r.numTxns
		n.chainData = n.status.HaveData() && (parent == nil || parent.chainData)
		if n.chainData {
			b.nextSeq++
			n.sequence = b.nextSeq
		}
		b.addNode(n)
	}
	tipNode := b.index[tip.Hash]
	if tipNode == nil || tipNode.height != tip.Height {
		return ruleError(ErrCorruptDatabase, "stored tip "+tip.Hash.String()+" is not indexed")
	}
	b.bestChain.SetTip(tipNode)
	b.recomputeBestHeader()
	return b.publishState(tipNode, nil)
}

// initGenesis stores the genesis block as the tip of a new chain. Its
// coinbase output is not spendable and is not added to the UTXO set.
func (b *BlockChain) initGenesis() error {
	g := b.params.GenesisBlock
	n := newBlockNode(&g.Header, nil)
	n.status = statusHeaderValid | statusDataStored | statusValid
	n.numTxns = uint32(len(g.Transactions))
	n.chainData = true
	b.nextSeq++
	n.sequence = b.nextSeq
	batch := b.db.NewBatch()
	batch.PutBlock(&n.hash, g.Bytes())
	batch.PutBlockIndex(&n.hash, encodeIndexRecord(n))
	batch.PutUndo(&n.hash, encodeUndo(nil))
	batch.PutTip(store.Tip{Hash: n.hash, Height: 0})
	if err := b.db.Write(batch); err != nil {
		return err
	}
	b.addNode(n)
	b.bestChain.SetTip(n)
	b.bestHeader = n
	return b.publishState(n, g)
}

// addNode inserts n into the index and its parent's children.
func (b *BlockChain) addNode(n *blockNode) {
	b.index[n.hash] = n
	if n.parent != nil {
		n.parent.children = append(n.parent.children, n)
	}
	if b.bestHeader == nil || (!n.status.KnownInvalid() && n.workSum.Cmp(b.bestHeader.workSum) > 0) {
		b.bestHeader = n
	}
}

// recomputeBestHeader picks the most-work header not known invalid.
func (b *BlockChain) recomputeBestHeader() {
	best := b.bestChain.Tip()
	for _, n := range b.index {
		if !n.status.KnownInvalid() && (best == nil || n.workSum.Cmp(best.workSum) > 0) {
			best = n
		}
	}
	b.bestHeader = best
}

// publishState builds the BestState of tip (block may be nil: it is loaded).
func (b *BlockChain) publishState(tip *blockNode, block *wire.MsgBlock) error {
	if block == nil {
		var err error
		if block, err = b.fetchBlock(&tip.hash); err != nil {
			return err
		}
	}
	s := &BestState{
		Hash:        tip.hash,
		Height:      tip.height,
		Bits:        tip.bits,
		BlockSize:   uint64(block.SerializeSize()),
		BlockWeight: uint64(blockWeight(block)),
		NumTxns:     uint64(len(block.Transactions)),
		MedianTime:  time.Unix(tip.CalcPastMedianTime(), 0),
		Timestamp:   time.Unix(tip.timestamp, 0),
		ChainWork:   new(big.Int).Set(tip.workSum),
	}
	b.stateLock.Lock()
	b.state = s
	b.stateLock.Unlock()
	return nil
}

// fetchBlock returns a block from the recent set or the store.
func (b *BlockChain) fetchBlock(hash *chainhash.Hash) (*wire.MsgBlock, error) {
	if blk, ok := b.recent[*hash]; ok {
		return blk, nil
	}
	raw, err := b.db.FetchBlock(hash)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, ruleError(ErrBlockNotFound, "block "+hash.String()+" has no stored data")
		}
		return nil, err
	}
	blk := new(wire.MsgBlock)
	if _, err := blk.DeserializeBytes(raw); err != nil {
		return nil, ruleError(ErrCorruptDatabase, "stored block "+hash.String()+": "+err.Error())
	}
	return blk, nil
}

// txHashesOf returns the txids of block, from the sanity check's
// computation when the block arrived in this write operation.
func (b *BlockChain) txHashesOf(block *wire.MsgBlock) []chainhash.Hash {
	if h, ok := b.recentTxids[block]; ok && len(h) == len(block.Transactions) {
		return h
	}
	return blockTxHashes(block)
}

// lockWrite makes the caller the chain's one writer: it takes writeMu and
// the chain lock. unlockAndNotify releases both.
func (b *BlockChain) lockWrite() {
	b.writeMu.Lock()
	b.chainLock.Lock()
}

// unlockAndNotify ends a write operation: it releases the chain lock and
// delivers the notifications queued under it, in order, after the previous
// writer's and before the next one's (writeMu is held until notifyMu is
// taken). The chain lock is released first, so receivers of the previous
// writer's notifications can still query the chain while this one waits.
// A notification queued without its block gets it from the store here,
// one at a time.
func (b *BlockChain) unlockAndNotify() {
	pending := b.pending
	b.pending, b.pendingBlocks, b.pendingBytes = nil, 0, 0
	clear(b.recent)
	clear(b.recentTxids)
	b.chainLock.Unlock()
	listeners := b.listeners.Load()
	if len(pending) == 0 || listeners == nil {
		b.writeMu.Unlock()
		return
	}
	b.notifyMu.Lock()
	b.writeMu.Unlock()
	defer b.notifyMu.Unlock()
	for i, p := range pending {
		pending[i] = pendingNote{}
		if p.n.Block == nil {
			blk, err := b.loadStoredBlock(&p.n.Hash)
			if err != nil {
				// The block was read or written by this operation and
				// blocks are never deleted: the store is failing.
				log.Errorf("Cannot read block %s for its %v notification: %v", p.n.Hash,
					p.n.Type, err)
				continue
			}
			p.n.Block = blk
		}
		for _, fn := range *listeners {
			fn(p.n)
		}
	}
}

// Subscribe adds fn to the receivers of the chain's notifications, after
// Config.Notifications and the receivers added before it; each
// notification reaches them in that order, under the contract
// Config.Notifications states. A receiver added while a write operation
// runs may miss that operation's notifications. Safe for concurrent use.
func (b *BlockChain) Subscribe(fn func(*Notification)) {
	b.listenMu.Lock()
	defer b.listenMu.Unlock()
	var l []func(*Notification)
	if old := b.listeners.Load(); old != nil {
		l = append(l, *old...)
	}
	l = append(l, fn)
	b.listeners.Store(&l)
}

// SubscribePoWValid adds fn to the receivers called as soon as a block
// that extends the active tip has passed its proof of work, its header's
// and its own checks (context-free and contextual) and is about to be
// stored and connected: Core's NewPoWValidBlock, by which a node relays a
// new block by compact block before validating its scripts and
// connecting it. fn runs on the writer's goroutine with the chain lock
// held, so it must be quick and must not call any method of the chain;
// block must be treated as read-only. Safe for concurrent use.
func (b *BlockChain) SubscribePoWValid(fn func(block *wire.MsgBlock, hash chainhash.Hash, height int32)) {
	b.listenMu.Lock()
	defer b.listenMu.Unlock()
	var l []func(*wire.MsgBlock, chainhash.Hash, int32)
	if old := b.powValid.Load(); old != nil {
		l = append(l, *old...)
	}
	l = append(l, fn)
	b.powValid.Store(&l)
}

// notifyPoWValid calls the SubscribePoWValid receivers for a block whose
// parent is the tip. The chain lock is held.
func (b *BlockChain) notifyPoWValid(block *wire.MsgBlock, node *blockNode, parent *blockNode) {
	l := b.powValid.Load()
	if l == nil || parent != b.bestChain.Tip() {
		return
	}
	for _, fn := range *l {
		fn(block, node.hash, node.height)
	}
}

// loadStoredBlock reads a block from the store only (not the recent set),
// so it needs no chain lock.
func (b *BlockChain) loadStoredBlock(hash *chainhash.Hash) (*wire.MsgBlock, error) {
	raw, err := b.db.FetchBlock(hash)
	if err != nil {
		return nil, err
	}
	blk := new(wire.MsgBlock)
	if _, err := blk.DeserializeBytes(raw); err != nil {
		return nil, ruleError(ErrCorruptDatabase, "stored block "+hash.String()+": "+err.Error())
	}
	return blk, nil
}

// pendingNote is a queued notification, whether its block counts toward
// pendingBlocks (kept in memory and not the previous note's block), and
// the serialized size it adds to pendingBytes.
type pendingNote struct {
	n       *Notification
	size    int
	counted bool
}

// chunkDone marks the end of a chunk of a reorganisation or of a long run
// of connected blocks, for the test hook: held is what the chunk itself
// still references beside the blocks kept for notifications.
func (b *BlockChain) chunkDone(held int) {
	if b.onChunk != nil {
		b.onChunk(b.pendingBlocks + held)
	}
}

// queue records a notification to deliver when the write lock is released.
//
// A connected or disconnected block that undoes the last such notification
// still queued (a block connected and then disconnected in the same
// operation, as when a reorganisation fails part way and the chain goes
// back) cancels it instead: receivers get the change from the chain before
// the operation to the chain after it, the old tip's blocks disconnected
// first, then the new branch's connected, as a reorganisation staged in one
// view gave them. The first blocks queued stay in memory (up to
// reorgChunkBlocks and reorgChunkBytes); later notifications keep only the
// hash and unlockAndNotify reads their blocks back from the store, so a deep
// reorganisation does not hold every block of both branches until the end.
func (b *BlockChain) queue(t NotificationType, n *blockNode, block *wire.MsgBlock) {
	if b.listeners.Load() == nil {
		return
	}
	if t != NTBlockAccepted {
		for i := len(b.pending) - 1; i >= 0; i-- {
			p := b.pending[i]
			if p.n.Type == NTBlockAccepted {
				continue
			}
			if p.n.Hash == n.hash && p.n.Type != t {
				if p.counted {
					b.pendingBlocks--
					b.pendingBytes -= p.size
				}
				b.pending = append(b.pending[:i], b.pending[i+1:]...)
				return
			}
			break
		}
	}
	note := &Notification{Type: t, Hash: n.hash, Height: n.height}
	size, counted := 0, false
	switch {
	case len(b.pending) > 0 && b.pending[len(b.pending)-1].n.Block == block:
		// Already kept (a block accepted, then connected): no more memory.
		note.Block = block
	case b.pendingBlocks < b.reorgChunk && b.pendingBytes < reorgChunkBytes:
		note.Block = block
		if len(b.pending) > 0 {
			// The first block of an operation is always kept; only the
			// blocks after it count toward the byte budget.
			size = block.SerializeSize()
		}
		b.pendingBlocks++
		b.pendingBytes += size
		counted = true
	}
	b.pending = append(b.pending, pendingNote{n: note, size: size, counted: counted})
}

// writeNodes persists the index records of nodes.
func (b *BlockChain) writeNodes(nodes ...*blockNode) error {
	batch := b.db.NewBatch()
	for _, n := range nodes {
		batch.PutBlockIndex(&n.hash, encodeIndexRecord(n))
	}
	return b.db.Write(batch)
}

// markInvalid marks n as failed and its descendants as having an invalid
// ancestor, and persists them.
func (b *BlockChain) markInvalid(n *blockNode) error {
	n.status |= statusValidateFailed
	changed := []*blockNode{n}
	stack := append([]*blockNode(nil), n.children...)
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if c.status&statusInvalidAncestor == 0 {
			c.status |= statusInvalidAncestor
			changed = append(changed, c)
		}
		stack = append(stack, c.children...)
	}
	if b.bestHeader != nil && b.bestHeader.status.KnownInvalid() {
		b.recomputeBestHeader()
	}
	return b.writeNodes(changed...)
}

// ProcessBlock validates a block and adds it to the chain: a block with an
// unknown parent goes to the orphan pool (isOrphan true); otherwise it is
// checked, stored, and the chain reorganises to it if it has the most work.
// isMainChain reports whether the block is in the main chain afterwards.
// Errors of kind ErrorKind carry Core's reject reasons.
func (b *BlockChain) ProcessBlock(block *wire.MsgBlock, flags BehaviorFlags) (isMainChain, isOrphan bool, err error) {
	b.lockWrite()
	defer b.unlockAndNotify()
	hash := block.BlockHash()
	if n := b.index[hash]; n != nil {
		if n.status.KnownInvalid() {
			return false, false, ruleError(ErrKnownInvalid, "block "+hash.String()+" is known invalid")
		}
		if n.status.HaveData() {
			return false, false, ruleError(ErrDuplicateBlock, "already have block "+hash.String())
		}
	}
	if _, ok := b.orphans[hash]; ok {
		return false, true, ruleError(ErrDuplicateBlock, "already have orphan block "+hash.String())
	}
	txids := blockTxHashes(block)
	if err := checkBlockSanity(block, b.params.PowLimit, flags, txids); err != nil {
		return false, false, err
	}
	if flags&BFNoPoWCheck == 0 {
		if err := b.checkSignetBlockSolution(block, &hash); err != nil {
			return false, false, err
		}
	}
	b.recentTxids[block] = txids
	if b.index[block.Header.PrevBlock] == nil {
		b.addOrphan(block, hash)
		return false, true, nil
	}
	if err := b.maybeAcceptBlock(block, hash, flags); err != nil {
		return false, false, err
	}
	b.processOrphans(hash, flags)
	return b.bestChain.Contains(b.index[hash]), false, nil
}

// maybeAcceptBlock runs the contextual checks of a block whose parent is
// known, stores it, and activates the best chain.
func (b *BlockChain) maybeAcceptBlock(block *wire.MsgBlock, hash chainhash.Hash, flags BehaviorFlags) error {
	parent := b.index[block.Header.PrevBlock]
	node := b.index[hash]
	if flags&BFUnrequested != 0 {
		if err := b.checkUnrequested(&block.Header, parent, node); err != nil {
			return err
		}
	}
	// The header's record, the block and its record go in one batch, which
	// the commit of the first connect it leads to writes together with its
	// undo data (one write per block in a sync), or else the end of this
	// function writes alone. Either way it reaches the store before a
	// UTXO flush can name the block in the stored tip.
	batch := b.db.NewBatch()
	if node == nil {
		var err error
		if node, err = b.acceptHeader(&block.Header, parent, batch); err != nil {
			return err
		}
	}
	if err := b.checkBlockContext(block, parent); err != nil {
		if !isMutation(err) {
			if merr := b.markInvalid(node); merr != nil {
				return merr
			}
		} else if batch.Len() > 0 {
			if werr := b.db.Write(batch); werr != nil {
				return werr
			}
		}
		return err
	}
	node.status |= statusDataStored
	node.numTxns = uint32(len(block.Transactions))
	batch.PutBlock(&hash, block.Bytes())
	batch.PutBlockIndex(&hash, encodeIndexRecord(node))
	b.acceptBatch = batch
	b.recent[hash] = block
	b.queue(NTBlockAccepted, node, block)
	b.notifyPoWValid(block, node, parent)
	err := b.activateBestChain(node)
	if b.acceptBatch != nil {
		// Not taken by a commit: write it, with the record as it is now
		// (the connect may have failed and marked the block invalid).
		b.acceptBatch = nil
		batch.PutBlockIndex(&hash, encodeIndexRecord(node))
		if werr := b.db.Write(batch); werr != nil {
			return werr
		}
	}
	return err
}

// checkUnrequested applies Core's AcceptBlock rules to an unrequested
// block (fHasMoreOrSameWork, fTooFarAhead, nMinimumChainWork); node is the
// block's index entry or nil.
func (b *BlockChain) checkUnrequested(header *wire.BlockHeader, parent, node *blockNode) error {
	var work *big.Int
	if node != nil {
		work = node.workSum
	} else {
		work = new(big.Int).Add(parent.workSum, standalone.CalcWork(header.Bits))
	}
	height := parent.height + 1
	tip := b.bestChain.Tip()
	switch {
	case work.Cmp(tip.workSum) < 0:
		return ruleError(ErrUnrequestedBlock, "unrequested block has less work than the tip")
	case height > tip.height+MinBlocksToKeep:
		return ruleError(ErrUnrequestedBlock, fmt.Sprintf("unrequested block at height %d "+
			"is too far ahead of the tip at %d", height, tip.height))
	case b.minChainWork != nil && work.Cmp(b.minChainWork) < 0:
		return ruleError(ErrUnrequestedBlock, "unrequested block's chain is below the minimum chain work")
	}
	return nil
}

// MinimumChainWork returns the configured minimum chain work (Config's, or
// else the network's), or nil for none. Callers must not modify it.
func (b *BlockChain) MinimumChainWork() *big.Int { return b.minChainWork }

// acceptHeader checks a header against its known parent and adds it to the
// index with its record persisted, or added to batch when batch is not nil
// (a record lost to a crash only means the header is fetched again).
func (b *BlockChain) acceptHeader(header *wire.BlockHeader, parent *blockNode, batch *store.Batch) (*blockNode, error) {
	if parent.status.KnownInvalid() {
		// Children of invalid blocks are not indexed: their headers were
		// never checked, so a later reconsiderblock could not trust them.
		return nil, ruleError(ErrInvalidAncestor, "previous block "+parent.hash.String()+" is invalid")
	}
	if err := b.checkBlockHeaderContext(header, parent); err != nil {
		return nil, err
	}
	n := newBlockNode(header, parent)
	n.status = statusHeaderValid
	b.addNode(n)
	if batch != nil {
		batch.PutBlockIndex(&n.hash, encodeIndexRecord(n))
		return n, nil
	}
	if err := b.writeNodes(n); err != nil {
		return nil, err
	}
	return n, nil
}

// ProcessBlockHeader checks a header (proof of work, parent known and valid,
// contextual rules) and adds it to the block index for headers-first sync.
// A header already known and valid returns nil.
func (b *BlockChain) ProcessBlockHeader(header *wire.BlockHeader) error {
	b.lockWrite()
	defer b.unlockAndNotify()
	batch := b.db.NewBatch()
	err := b.processHeader(header, batch)
	if werr := b.db.Write(batch); err == nil {
		err = werr
	}
	return err
}

// ProcessBlockHeaders processes headers in order and stops at the first
// error, returning how many were processed successfully. The new index
// records are written in one batch.
func (b *BlockChain) ProcessBlockHeaders(headers []*wire.BlockHeader) (int, error) {
	b.lockWrite()
	defer b.unlockAndNotify()
	batch := b.db.NewBatch()
	n := len(headers)
	var err error
	for i, h := range headers {
		if err = b.processHeader(h, batch); err != nil {
			n = i
			break
		}
	}
	if werr := b.db.Write(batch); err == nil && werr != nil {
		return n, werr
	}
	return n, err
}

// processHeader is ProcessBlockHeader with the write lock held; new index
// records go into batch.
func (b *BlockChain) processHeader(header *wire.BlockHeader, batch *store.Batch) error {
	hash := header.BlockHash()
	if n := b.index[hash]; n != nil {
		if n.status.KnownInvalid() {
			return ruleError(ErrKnownInvalid, "header "+hash.String()+" is known invalid")
		}
		return nil
	}
	if err := checkProofOfWork(&hash, header.Bits, b.params.PowLimit); err != nil {
		return err
	}
	parent := b.index[header.PrevBlock]
	if parent == nil {
		return ruleError(ErrPrevBlockNotFound, "previous block "+header.PrevBlock.String()+" unknown")
	}
	_, err := b.acceptHeader(header, parent, batch)
	return err
}

// activateBestChain moves the main chain to the most-work valid chain whose
// blocks are all stored. hint, when not nil, is a block that just received
// its data: only its subtree can hold a better candidate. It returns the
// error of a block that failed to connect if that block is hint or one of
// its ancestors; other failures are only logged.
//
// A failed step leaves the chain on the failed block's parent, part way
// along; the next candidate is then chosen against the tip the call started
// from, so the chain goes back to it (connecting it again) unless another
// chain is better than it, as if the failed step had never moved the chain.
func (b *BlockChain) activateBestChain(hint *blockNode) error {
	start := b.bestChain.Tip()
	var candidate *blockNode
	if hint != nil {
		candidate = b.propagateChainData(hint)
	} else {
		candidate = b.bestCandidate()
	}
	var firstErr error
	for candidate != nil && candidate != b.bestChain.Tip() &&
		(candidate == start || candidate.workSum.Cmp(b.bestChain.Tip().workSum) > 0) {

		failed, err := b.reorganizeTo(candidate)
		if err == nil {
			break
		}
		if failed == nil {
			return err // an I/O or database error, not a rule violation
		}
		if hint != nil && hint.Ancestor(failed.height) == failed && firstErr == nil {
			firstErr = err
		}
		log.Infof("Block %s (height %d) failed to connect: %v", failed.hash, failed.height, err)
		if start.status.KnownInvalid() {
			candidate = b.bestCandidate()
		} else {
			candidate = b.bestCandidateFrom(start)
		}
	}
	return firstErr
}

// propagateChainData marks n and its stored descendants as having all their
// data when n's parent does, and returns the best valid candidate among them
// (nil if none).
func (b *BlockChain) propagateChainData(n *blockNode) *blockNode {
	if !n.status.HaveData() || (n.parent != nil && !n.parent.chainData) {
		return nil
	}
	var best *blockNode
	stack := []*blockNode{n}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !c.chainData {
			c.chainData = true
			b.nextSeq++
			c.sequence = b.nextSeq
		}
		if !c.status.KnownInvalid() && (best == nil || c.workSum.Cmp(best.workSum) > 0) {
			best = c
		}
		for _, ch := range c.children {
			if ch.status.HaveData() {
				stack = append(stack, ch)
			}
		}
	}
	return best
}

// bestCandidate scans the index for the most-work valid node with all its
// data (ties go to the one that got its data first), the tip unless another
// node beats it.
func (b *BlockChain) bestCandidate() *blockNode {
	return b.bestCandidateFrom(b.bestChain.Tip())
}

// bestCandidateFrom is bestCandidate measured against best instead of the
// tip: best unless another valid node with all its data beats it.
func (b *BlockChain) bestCandidateFrom(best *blockNode) *blockNode {
	for _, n := range b.index {
		if !n.chainData || n.status.KnownInvalid() {
			continue
		}
		c := n.workSum.Cmp(best.workSum)
		if c > 0 || (c == 0 && n.sequence < best.sequence) {
			best = n
		}
	}
	return best
}

// reorgChunkBlocks bounds the blocks a reorganisation holds at once,
// whatever its depth: it disconnects the old branch in steps of at most this
// many blocks (one UTXO view each, with their undo data), connects the new
// one block by block, and keeps in memory the blocks of at most this many
// queued notifications (the others are read back from the store when they
// are delivered, after the whole change). So it holds about two chunks of
// blocks instead of every block of both branches with all their UTXO
// changes. Sixteen typical mainnet blocks (about 1.5 MB serialized, a few
// MB decoded with their undo data) stay well under 100 MB; a chunk costs one
// commit to the UTXO cache and each block beyond the kept ones one more
// store read, so smaller chunks buy little, and one block per chunk would
// read back nearly every block. Core connects at most 32 blocks per step of
// ActivateBestChain. reorgChunkBytes caps chunks of large blocks.
const reorgChunkBlocks = 16

// reorgChunkBytes caps the serialized size of the blocks of a disconnect
// step and of the blocks kept for notifications, so a chunk of full 4 MB
// blocks ends after 8 of them.
const reorgChunkBytes = 32 << 20

// connected is a block applied in a view with its undo data.
type connected struct {
	node  *blockNode
	block *wire.MsgBlock
	undo  []*UtxoEntry
	// took is how long checkConnectBlock ran (zero for disconnections).
	took time.Duration
}

// reorganizeTo makes target the tip (Core's ActivateBestChainStep). Blocks
// back to the fork are disconnected in chunks (disconnectChunk), then the
// new branch is connected block by block; every step is applied to the UTXO
// cache with the tip moved to the step's end, so the chain, and any flush
// of the cache, is always at a real chain state, and memory stays bounded
// by the chunk whatever the depth (see reorgChunkBlocks). A block of the
// new branch that breaks a rule is marked invalid (with its descendants)
// and returned as failed; the chain is then left on its valid ancestor, and
// the caller (activateBestChain) moves to the best valid chain, which may
// mean connecting the old branch again, as Core does. Every change that
// disconnected blocks ends with a flush, so the stored tip does not stay on
// a branch that was left.
func (b *BlockChain) reorganizeTo(target *blockNode) (*blockNode, error) {
	from := b.bestChain.Tip()
	fork := b.bestChain.FindFork(target)
	disconnected := 0
	for b.bestChain.Tip() != fork {
		n, err := b.disconnectChunk(fork)
		disconnected += n
		if err != nil {
			return nil, err
		}
		b.chunkDone(n)
	}
	var attach []*blockNode
	for n := target; n != fork; n = n.parent {
		attach = append(attach, n)
	}
	// Not slices.Reverse: through it attach escapes, one more allocation
	// per connected block in a sync.
	for i, j := 0, len(attach)-1; i < j; i, j = i+1, j-1 {
		attach[i], attach[j] = attach[j], attach[i]
	}
	count := 0
	for i, n := range attach {
		view := newUtxoView(b.cache)
		c, failed, err := b.connectInView(n, view)
		if err != nil {
			if failed != nil && disconnected > 0 {
				log.Infof("Reorganize from %s (height %d) failed at %s (height %d): %v",
					from.hash, from.height, n.hash, n.height, err)
				if ferr := b.flushLocked(FlushRequired); ferr != nil {
					return nil, ferr
				}
			}
			return failed, err
		}
		if err := b.commit(view, nil, []connected{c}); err != nil {
			return nil, err
		}
		if i == len(attach)-1 {
			break
		}
		if count++; count == b.reorgChunk {
			b.chunkDone(1)
			count = 0
		}
	}
	if disconnected == 0 {
		return nil, nil
	}
	log.Infof("Reorganize: %d blocks disconnected to fork %s (height %d), %d connected, new tip %s",
		disconnected, fork.hash, fork.height, len(attach), target.hash)
	return nil, b.flushLocked(FlushRequired)
}

// disconnectChunk disconnects blocks from the tip toward fork, at most
// reorgChunk blocks and about reorgChunkBytes, in one view, and commits
// them: the tip moves to the last one's parent. It returns how many it
// disconnected; on error nothing changed.
func (b *BlockChain) disconnectChunk(fork *blockNode) (int, error) {
	view := newUtxoView(b.cache)
	var detached []connected
	size := 0
	for n := b.bestChain.Tip(); n != fork && len(detached) < b.reorgChunk &&
		size < reorgChunkBytes; n = n.parent {

		blk, err := b.fetchBlock(&n.hash)
		if err != nil {
			return 0, err
		}
		raw, err := b.db.FetchUndo(&n.hash)
		if err != nil {
			return 0, err
		}
		undo, err := decodeUndo(raw)
		if err != nil {
			return 0, err
		}
		if err := view.disconnectBlock(blk, blockTxHashes(blk), undo); err != nil {
			return 0, err
		}
		size += blk.SerializeSize()
		detached = append(detached, connected{node: n, block: blk})
	}
	if err := b.commit(view, detached, nil); err != nil {
		return 0, err
	}
	return len(detached), nil
}

// connectInView validates node's block against view and applies it. A rule
// failure marks the node invalid and returns it as failed.
func (b *BlockChain) connectInView(n *blockNode, view *utxoView) (connected, *blockNode, error) {
	blk, err := b.fetchBlock(&n.hash)
	if err != nil {
		return connected{}, nil, err
	}
	start := time.Now()
	undo, err := b.checkConnectBlock(n, blk, view)
	took := time.Since(start)
	if err != nil {
		var re Error
		if errors.As(err, &re) && !errors.Is(err, ErrCorruptDatabase) {
			if merr := b.markInvalid(n); merr != nil {
				return connected{}, nil, merr
			}
			return connected{}, n, err
		}
		return connected{}, nil, err
	}
	return connected{node: n, block: blk, undo: undo, took: took}, nil, nil
}

// commit writes the undo data of attached blocks and their index records
// in one batch, then applies the view to the UTXO cache, moves the tip in
// memory and queues notifications. The stored tip and UTXO set move only
// when the cache is flushed (flushLocked): here when it is due
// (FlushPeriodic); reorganizeTo asks for a flush at the end of a change
// that disconnected blocks, so the stored tip never waits on a branch with
// less work than a stale one (replay at start only moves to more work).
func (b *BlockChain) commit(view *utxoView, detached, attached []connected) error {
	newTip := b.bestChain.Tip()
	if len(detached) > 0 {
		newTip = detached[len(detached)-1].node.parent
	}
	if len(attached) > 0 {
		newTip = attached[len(attached)-1].node
	}
	batch := b.acceptBatch
	b.acceptBatch = nil
	if batch == nil && len(attached) > 0 {
		batch = b.db.NewBatch()
	}
	if batch != nil {
		for _, c := range attached {
			batch.PutUndo(&c.node.hash, encodeUndo(c.undo))
			if !c.node.status.KnownValid() {
				st := c.node.status
				c.node.status |= statusValid
				batch.PutBlockIndex(&c.node.hash, encodeIndexRecord(c.node))
				c.node.status = st
			}
		}
		if err := b.db.Write(batch); err != nil {
			return err
		}
	}
	for _, c := range attached {
		c.node.status |= statusValid
	}
	b.cache.apply(view)
	b.bestChain.SetTip(newTip)
	var tipBlock *wire.MsgBlock
	for _, c := range detached {
		b.queue(NTBlockDisconnected, c.node, c.block)
	}
	for _, c := range attached {
		b.queue(NTBlockConnected, c.node, c.block)
		if k := len(b.pending); k > 0 && b.pending[k-1].n.Hash == c.node.hash {
			b.pending[k-1].n.ValidationTime = c.took
		}
		tipBlock = c.block
		if c.node.height%10000 == 0 {
			log.Infof("Connected block %s at height %d", c.node.hash, c.node.height)
		}
	}
	if err := b.flushLocked(FlushPeriodic); err != nil {
		return err
	}
	return b.publishState(newTip, tipBlock)
}

// FlushMode says when FlushUtxoCache writes the cache (btcd's names).
type FlushMode uint8

const (
	// FlushRequired always writes the cached changes and the tip.
	FlushRequired FlushMode = iota
	// FlushPeriodic writes when the cache is full or the flush interval
	// has passed since the last flush.
	FlushPeriodic
	// FlushIfNeeded writes only when the cache is over its bounds.
	FlushIfNeeded
)

// flushLocked writes the UTXO cache's changes with the current tip when
// mode asks for it. A full cache is then trimmed to half its budget; other
// flushes keep its entries. It must be called with the chain lock held for writing.
func (b *BlockChain) flushLocked(mode FlushMode) error {
	full := b.cache.full()
	switch mode {
	case FlushIfNeeded:
		if !full {
			return nil
		}
	case FlushPeriodic:
		if !full && time.Since(b.cache.lastFlush) < b.flushInterval {
			return nil
		}
	}
	tip := b.bestChain.Tip()
	return b.cache.flush(store.Tip{Hash: tip.hash, Height: tip.height}, full)
}

// FlushUtxoCache writes the UTXO cache's changes and the tip they belong to
// to the store in one atomic batch, as mode asks. Safe for concurrent use.
func (b *BlockChain) FlushUtxoCache(mode FlushMode) error {
	b.lockWrite()
	defer b.unlockAndNotify()
	return b.flushLocked(mode)
}

// Close flushes the UTXO cache so the next start has no blocks to connect
// again. The chain may still be used afterwards (later changes are cached
// again), but a caller closing the store should call Close first and stop
// using the chain; without it nothing is lost, the next New replays the
// blocks after the last flushed tip.
func (b *BlockChain) Close() error {
	return b.FlushUtxoCache(FlushRequired)
}

// addOrphan keeps a block whose parent is unknown, evicting expired orphans
// and, while over a bound, the oldest.
func (b *BlockChain) addOrphan(block *wire.MsgBlock, hash chainhash.Hash) {
	now := b.now()
	for h, o := range b.orphans {
		if now.After(o.expires) {
			b.removeOrphan(h)
		}
	}
	size := block.SerializeSize()
	for len(b.orphans) > 0 && (len(b.orphans) >= maxOrphanBlocks || b.orphanSize+size > maxOrphanBytes) {
		var oldest *orphanBlock
		for _, o := range b.orphans {
			if oldest == nil || o.seq < oldest.seq {
				oldest = o
			}
		}
		b.removeOrphan(oldest.hash)
	}
	b.orphanSeq++
	o := &orphanBlock{block: block, hash: hash, size: size, seq: b.orphanSeq, expires: now.Add(orphanExpiry)}
	b.orphans[hash] = o
	b.orphanSize += size
	prev := block.Header.PrevBlock
	b.prevOrphan[prev] = append(b.prevOrphan[prev], o)
	log.Debugf("Added orphan block %s with parent %s", hash, prev)
}

// removeOrphan drops an orphan from both maps.
func (b *BlockChain) removeOrphan(hash chainhash.Hash) {
	o, ok := b.orphans[hash]
	if !ok {
		return
	}
	delete(b.orphans, hash)
	b.orphanSize -= o.size
	prev := o.block.Header.PrevBlock
	list := b.prevOrphan[prev]
	for i, x := range list {
		if x == o {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(b.prevOrphan, prev)
	} else {
		b.prevOrphan[prev] = list
	}
}

// processOrphans accepts orphans whose parent (transitively) is hash.
func (b *BlockChain) processOrphans(hash chainhash.Hash, flags BehaviorFlags) {
	queue := []chainhash.Hash{hash}
	for len(queue) > 0 {
		parent := queue[0]
		queue = queue[1:]
		for _, o := range append([]*orphanBlock(nil), b.prevOrphan[parent]...) {
			b.removeOrphan(o.hash)
			if err := b.maybeAcceptBlock(o.block, o.hash, flags); err != nil {
				log.Debugf("Orphan block %s rejected: %v", o.hash, err)
				continue
			}
			queue = append(queue, o.hash)
		}
	}
}

// IsKnownOrphan reports whether hash is in the orphan pool.
func (b *BlockChain) IsKnownOrphan(hash *chainhash.Hash) bool {
	b.chainLock.RLock()
	defer b.chainLock.RUnlock()
	_, ok := b.orphans[*hash]
	return ok
}

// GetOrphanRoot returns the first ancestor of hash that is missing (the
// block to request), walking the orphan pool.
func (b *BlockChain) GetOrphanRoot(hash *chainhash.Hash) *chainhash.Hash {
	b.chainLock.RLock()
	defer b.chainLock.RUnlock()
	root := *hash
	for {
		o, ok := b.orphans[root]
		if !ok {
			break
		}
		root = o.block.Header.PrevBlock
	}
	return &root
}

// InvalidateBlock marks a block invalid (with its descendants), disconnects
// it if it is in the main chain, and moves to the best remaining chain.
func (b *BlockChain) InvalidateBlock(hash *chainhash.Hash) error {
	b.lockWrite()
	defer b.unlockAndNotify()
	n := b.index[*hash]
	if n == nil {
		return ruleError(ErrBlockNotFound, "block "+hash.String()+" not found")
	}
	if n.parent == nil {
		return ruleError(ErrInvalidGenesis, "cannot invalidate the genesis block")
	}
	if err := b.markInvalid(n); err != nil {
		return err
	}
	if b.bestChain.Contains(n) {
		if _, err := b.reorganizeTo(n.parent); err != nil {
			return err
		}
	}
	return b.activateBestChain(nil)
}

// ReconsiderBlock clears the invalid marks of a block, its ancestors and its
// descendants, and moves to the best chain.
func (b *BlockChain) ReconsiderBlock(hash *chainhash.Hash) error {
	b.lockWrite()
	defer b.unlockAndNotify()
	n := b.index[*hash]
	if n == nil {
		return ruleError(ErrBlockNotFound, "block "+hash.String()+" not found")
	}
	var changed []*blockNode
	stack := []*blockNode{n}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if c.status.KnownInvalid() {
			c.status &^= statusInvalidMask
			changed = append(changed, c)
		}
		stack = append(stack, c.children...)
	}
	for a := n.parent; a != nil; a = a.parent {
		if a.status.KnownInvalid() {
			a.status &^= statusInvalidMask
			changed = append(changed, a)
		}
	}
	if err := b.writeNodes(changed...); err != nil {
		return err
	}
	b.recomputeBestHeader()
	return b.activateBestChain(nil)
}

// CheckConnectBlockTemplate fully validates a block that would extend the
// current tip, without its proof of work and without storing or connecting
// it (for mining templates and getblocktemplate proposals).
func (b *BlockChain) CheckConnectBlockTemplate(block *wire.MsgBlock) error {
	b.lockWrite()
	defer b.unlockAndNotify()
	tip := b.bestChain.Tip()
	if block.Header.PrevBlock != tip.hash {
		return ruleError(ErrPrevBlockNotFound, "block template does not extend the tip "+tip.hash.String())
	}
	if err := CheckBlockSanity(block, b.params.PowLimit, BFNoPoWCheck); err != nil {
		return err
	}
	if err := b.checkBlockHeaderContext(&block.Header, tip); err != nil {
		return err
	}
	if err := b.checkBlockContext(block, tip); err != nil {
		return err
	}
	node := newBlockNode(&block.Header, tip)
	_, err := b.checkConnectBlock(node, block, newUtxoView(b.cache))
	return err
}
