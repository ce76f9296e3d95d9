package mempool

import (
	"errors"
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// UTXO is an unspent output as the chain reports it to the pool.
type UTXO struct {
	Amount     int64
	PkScript   []byte
	Height     int32
	IsCoinBase bool
}

// ScriptVerifier runs the scripts of a transaction. The pool calls it with
// standard set to check under the standard policy flags, and again with
// standard unset (consensus flags only) after a failure, to tell a policy
// failure from a consensus one. On failure it returns the index of the
// failing input and an error whose text is the script engine's message (the
// text Core puts in parentheses). It must be safe for concurrent use.
type ScriptVerifier interface {
	VerifyScripts(tx *wire.MsgTx, prevOuts []*wire.TxOut, standard bool) (int, error)
}

// Tag identifies the peer a transaction came from (zero for local ones).
type Tag uint64

// Config holds what the pool needs from the chain and the daemon. Every
// function must be safe for concurrent use.
type Config struct {
	// EventQueue bounds the queue of TxEvents kept for TakeEvents (ZMQ
	// notifications); past it the oldest are dropped. 0 keeps none.
	EventQueue int

	// Policy is the standardness and limit policy; DefaultPolicy gives
	// Core v30's defaults.
	Policy Policy

	// CoinbaseMaturity is the number of confirmations a coinbase output
	// needs before it may be spent (100 on every network).
	CoinbaseMaturity int32

	// FetchUTXO returns the unspent output at op in the chain's UTXO set
	// at the tip, or nil (with a nil error) if it is missing or spent.
	FetchUTXO func(op wire.OutPoint) (*UTXO, error)

	// BestHeight returns the height of the chain tip.
	BestHeight func() int32

	// MedianTimePast returns the median time past of the chain tip.
	MedianTimePast func() time.Time

	// MedianTimePastAt returns the median time past of the block at the
	// given height on the current chain (for BIP68 time locks).
	MedianTimePastAt func(height int32) (time.Time, error)

	// Verifier runs the scripts. When nil, every transaction is refused
	// with ErrNoVerifier: the pool never accepts unverified scripts.
	Verifier ScriptVerifier

	// Now returns the current time; nil means time.Now.
	Now func() time.Time

	// FeeEstimator, if set, learns from the pool: every transaction the
	// pool accepts goes to its ProcessTransaction, and every block given to
	// RemoveForBlock to its ConnectBlock. Both calls are made with the pool
	// lock held, so the lock order is pool, then estimator; the estimator
	// never calls the pool (ConnectBlock's membership test reads the pool's
	// index under the lock already held).
	FeeEstimator *FeeEstimator

	// IsCurrent reports whether the chain is synced to the network's tip
	// (the chain's IsCurrent). The fee estimator counts but does not track
	// transactions accepted while it is not, as Core's
	// IsCurrentForFeeEstimation. It is called with the pool lock held; nil
	// means always current.
	IsCurrent func() bool

	// MaxExtraTxns bounds the recently replaced or evicted transactions
	// kept for compact block reconstruction (ExtraTxns, Core's
	// -blockreconstructionextratxn); zero means DefaultMaxExtraTxns and a
	// negative value keeps none.
	MaxExtraTxns int
}

// TxDesc describes a pooled transaction for the RPC server, relay and
// mining. Ancestor and descendant figures include the transaction itself;
// fees there are modified fees (with prioritisation deltas).
type TxDesc struct {
	Tx        *wire.MsgTx
	TxHash    chainhash.Hash
	WTxHash   chainhash.Hash
	Added     time.Time
	Height    int32
	Fee       int64 // base fee, inputs - outputs
	FeeDelta  int64 // prioritisetransaction delta
	VSize     int64 // sigop-adjusted virtual size
	Weight    int64
	SigOpCost int64

	AncestorCount   int
	AncestorSize    int64
	AncestorFees    int64
	AncestorSigOps  int64
	DescendantCount int
	DescendantSize  int64
	DescendantFees  int64

	// Depends lists the in-pool parents; SpentBy the in-pool children.
	Depends []chainhash.Hash
	SpentBy []chainhash.Hash

	// ClusterCount and ClusterSize describe the entry's cluster.
	ClusterCount int
	ClusterSize  int64
	// ChunkFee and ChunkSize are the modified fee and vsize of the chunk
	// of its cluster's linearization the entry belongs to (Core v31's
	// chunk fee rate: its rank in mining and eviction). TxDesc, TxDescs
	// and MiningChunks set them; elsewhere they are zero while the
	// cluster awaits its linearization.
	ChunkFee    int64
	ChunkSize   int64
	ChunkWeight int64 // sigop-adjusted
}

// ModifiedFee is the fee with the prioritisation delta applied.
func (d *TxDesc) ModifiedFee() int64 { return satAdd(d.Fee, d.FeeDelta) }

// TxPool is the transaction memory pool. It is safe for concurrent use;
// one mutex guards all of its state.
type TxPool struct {
	cfg Config

	// replaced counts the transactions replace-by-fee evicted, one package
	// or transaction replacement at a time (Replaced).
	replaced atomic.Uint64

	mtx     sync.RWMutex
	pool    map[chainhash.Hash]*entry
	byWtxid map[chainhash.Hash]*entry
	spentBy map[wire.OutPoint]*entry
	// byChunk holds one entry per linearized cluster, the last of its
	// linearization, by its chunk's fee rate: the pool's worst chunk
	// first. dirty lists the clusters changed since they were linearized
	// (out of byChunk); settleClusters linearizes them before anything
	// reads linearizations, so a chain arriving one transaction at a time
	// is linearized once, not once per transaction.
	byChunk *ordIndex
	dirty   []*cluster
	deltas  map[chainhash.Hash]int64
	// unbroadcast holds local transactions no peer has fetched yet, for
	// the server to announce again (Core's unbroadcast set).
	unbroadcast map[chainhash.Hash]struct{}
	byTime      []*entry // arrival order, for expiry; may hold removed entries
	// byTimeDirty is set when an entry arrived with an older time than
	// the last (mempool.dat, disconnected blocks); expire sorts first.
	byTimeDirty bool
	usage       int64
	totalVSz    int64

	rollingMinFee     float64 // sat/kvB
	lastRollingUpdate time.Time
	blockSinceFeeBump bool
	lastUpdated       time.Time
	sequence          uint64
	// tipChanges counts the blocks the pool was told of (RemoveForBlock,
	// AddBackForDisconnect), so that the pass after an unlocked script
	// check knows whether the chain moved meanwhile.
	tipChanges uint64

	// mempoolSeq is the sequence number the next addition or removal
	// takes (Core's mempool sequence, from 1); events holds the changes
	// not yet taken (at most cfg.EventQueue), eventsLost counts those
	// dropped since the last TakeEvents, and eventSignal wakes the
	// reader.
	mempoolSeq  uint64
	events      []TxEvent
	eventsLost  uint64
	eventSignal chan struct{}

	orphans *orphanPool
	// extra holds transactions replaced, evicted or pushed out of the
	// orphan pool, for compact block reconstruction.
	extra *extraTxns

	// parked holds entries AddBackForDisconnect took out for a missing
	// input, parents first: when several blocks are disconnected at once,
	// the parent may be in a younger block whose transactions come back in
	// a later call, which retries them. RemoveForBlock drops the rest.
	parked []*entry
}

// New returns an empty pool for cfg.
func New(cfg *Config) *TxPool {
	c := *cfg
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.MaxExtraTxns == 0 {
		c.MaxExtraTxns = DefaultMaxExtraTxns
	}
	var signal chan struct{}
	if c.EventQueue > 0 {
		signal = make(chan struct{}, 1)
	}
	extra := newExtraTxns(c.MaxExtraTxns)
	return &TxPool{
		extra:       extra,
		cfg:         c,
		mempoolSeq:  1,
		eventSignal: signal,
		pool:        make(map[chainhash.Hash]*entry),
		byWtxid:     make(map[chainhash.Hash]*entry),
		spentBy:     make(map[wire.OutPoint]*entry),
		byChunk:     newOrdIndex(lessByChunkRate),
		deltas:      make(map[chainhash.Hash]int64),

		unbroadcast: make(map[chainhash.Hash]struct{}),
		orphans:     newOrphanPool(extra),
	}
}

// Count returns the number of pooled transactions.
func (mp *TxPool) Count() int {
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	return len(mp.pool)
}

// HaveTransaction reports whether the pool or the orphan pool holds hash,
// as a txid or a wtxid.
func (mp *TxPool) HaveTransaction(hash *chainhash.Hash) bool {
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	if _, ok := mp.pool[*hash]; ok {
		return true
	}
	if _, ok := mp.byWtxid[*hash]; ok {
		return true
	}
	return mp.orphans.have(*hash)
}

// IsTransactionInPool reports whether the pool holds txid.
func (mp *TxPool) IsTransactionInPool(txid *chainhash.Hash) bool {
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	_, ok := mp.pool[*txid]
	return ok
}

// FetchTransaction returns the pooled transaction with this txid or wtxid.
func (mp *TxPool) FetchTransaction(hash *chainhash.Hash) (*wire.MsgTx, error) {
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	if e, ok := mp.pool[*hash]; ok {
		return e.tx, nil
	}
	if e, ok := mp.byWtxid[*hash]; ok {
		return e.tx, nil
	}
	return nil, errors.New("transaction is not in the pool")
}

// Spender returns the pooled transaction spending op, if any.
func (mp *TxPool) Spender(op wire.OutPoint) *wire.MsgTx {
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	if e := mp.spentBy[op]; e != nil {
		return e.tx
	}
	return nil
}

// LastUpdated returns when the pool last changed.
func (mp *TxPool) LastUpdated() time.Time {
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	return mp.lastUpdated
}

// Usage returns the estimated in-memory size of the pool in bytes and the
// total virtual size of its transactions.
func (mp *TxPool) Usage() (usage, vsize int64) {
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	return mp.usage, mp.totalVSz
}

// desc builds a TxDesc for e. The pool lock must be held.
func (mp *TxPool) desc(e *entry) *TxDesc {
	d := &TxDesc{
		Tx: e.tx, TxHash: e.txid, WTxHash: e.wtxid, Added: e.added,
		Height: e.height, Fee: e.fee, FeeDelta: e.delta, VSize: e.vsize,
		Weight: e.weight, SigOpCost: e.sigops,
		AncestorCount: e.ancCount, AncestorSize: e.ancSize,
		AncestorFees: e.ancFees, AncestorSigOps: e.ancSigOps,
		DescendantCount: e.descCount, DescendantSize: e.descSize,
		DescendantFees: e.descFees,
	}
	if len(e.parents) > 0 {
		d.Depends = make([]chainhash.Hash, 0, len(e.parents))
		for p := range e.parents {
			d.Depends = append(d.Depends, p.txid)
		}
	}
	if len(e.children) > 0 {
		d.SpentBy = make([]chainhash.Hash, 0, len(e.children))
		for c := range e.children {
			d.SpentBy = append(d.SpentBy, c.txid)
		}
	}
	if e.cluster != nil {
		d.ClusterCount = len(e.cluster.members)
		d.ClusterSize = e.cluster.vsize
		if !e.cluster.dirty {
			ch := e.chunk()
			d.ChunkFee, d.ChunkSize, d.ChunkWeight = ch.fee, ch.size, ch.weight
		}
	}
	return d
}

// TxDescs returns a description of every pooled transaction.
func (mp *TxPool) TxDescs() []*TxDesc {
	defer mp.rlockSettled()()
	out := make([]*TxDesc, 0, len(mp.pool))
	for _, e := range mp.pool {
		out = append(out, mp.desc(e))
	}
	return out
}

// TxDesc returns the description of one pooled transaction.
func (mp *TxPool) TxDesc(txid *chainhash.Hash) (*TxDesc, bool) {
	defer mp.rlockSettled()()
	e, ok := mp.pool[*txid]
	if !ok {
		return nil, false
	}
	return mp.desc(e), true
}

// TxHashes returns the txids of every pooled transaction.
func (mp *TxPool) TxHashes() []chainhash.Hash {
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	out := make([]chainhash.Hash, 0, len(mp.pool))
	for h := range mp.pool {
		out = append(out, h)
	}
	return out
}

// Ancestors returns the in-pool ancestors of txid (not txid itself).
func (mp *TxPool) Ancestors(txid *chainhash.Hash) ([]*TxDesc, bool) {
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	e, ok := mp.pool[*txid]
	if !ok {
		return nil, false
	}
	var out []*TxDesc
	for a := range ancestorsOf(e.parents) {
		out = append(out, mp.desc(a))
	}
	return out, true
}

// Descendants returns the in-pool descendants of txid (not txid itself).
func (mp *TxPool) Descendants(txid *chainhash.Hash) ([]*TxDesc, bool) {
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	e, ok := mp.pool[*txid]
	if !ok {
		return nil, false
	}
	var out []*TxDesc
	for d := range descendantsOf(e) {
		if d != e {
			out = append(out, mp.desc(d))
		}
	}
	return out, true
}

// MiningDescs returns every pooled transaction, best ancestor score first
// (the mining order of Core's pre-v31 ancestor_score index), sorted when
// asked: no index is kept for it.
func (mp *TxPool) MiningDescs() []*TxDesc {
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	es := mp.sortedEntries(lessByAncestorScore)
	out := make([]*TxDesc, len(es))
	for i, e := range es {
		out[i] = mp.desc(e)
	}
	return out
}

// ByFeeRate calls fn for every pooled transaction, highest individual
// modified fee rate first, until fn returns false.
func (mp *TxPool) ByFeeRate(fn func(*TxDesc) bool) {
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	for _, e := range mp.sortedEntries(lessByFeeRate) {
		if !fn(mp.desc(e)) {
			return
		}
	}
}

// sortedEntries returns the pooled entries in descending order of less.
// The pool lock must be held.
func (mp *TxPool) sortedEntries(less func(a, b *entry) bool) []*entry {
	es := make([]*entry, 0, len(mp.pool))
	for _, e := range mp.pool {
		es = append(es, e)
	}
	sort.Slice(es, func(i, j int) bool { return less(es[j], es[i]) })
	return es
}

// PrioritiseTransaction adds delta satoshis to txid's modified fee (Core's
// prioritisetransaction); the delta is kept for a transaction not yet in
// the pool and applied when it arrives. Deltas and every fee total they
// feed saturate at the int64 range, as in Core, so repeated or huge deltas
// never wrap around.
func (mp *TxPool) PrioritiseTransaction(txid *chainhash.Hash, delta int64) {
	mp.mtx.Lock()
	defer mp.mtx.Unlock()
	if d := satAdd(mp.deltas[*txid], delta); d != 0 {
		mp.deltas[*txid] = d
	} else {
		delete(mp.deltas, *txid)
	}
	e, ok := mp.pool[*txid]
	if !ok {
		return
	}
	// The totals are recomputed rather than shifted by the change: once a
	// total has saturated, adding and later subtracting the same delta
	// would not bring it back. The sets are bounded by the package and
	// cluster limits, and prioritisation is rare.
	anc := ancestorsOf(e.parents)
	desc := descendantsOf(e)
	e.delta = satAdd(e.delta, delta)
	e.ancFees = satAdd(e.modFee(), sumModFees(anc))
	e.descFees = sumModFees(desc)
	for a := range anc {
		a.descFees = sumModFees(descendantsOf(a))
	}
	for d := range desc {
		if d == e {
			continue
		}
		d.ancFees = satAdd(d.modFee(), sumModFees(ancestorsOf(d.parents)))
	}
	mp.markDirty(e.cluster)
	e.cluster.fees = 0
	for _, m := range e.cluster.members {
		e.cluster.fees = satAdd(e.cluster.fees, m.modFee())
	}
	mp.lastUpdated = mp.cfg.Now()
}

// sumModFees returns the saturating sum of the modified fees of set.
func sumModFees(set map[*entry]struct{}) int64 {
	var sum int64
	for x := range set {
		sum = satAdd(sum, x.modFee())
	}
	return sum
}

// HasDust reports whether the pooled transaction txid has a dust output
// while the pool requires standard transactions. Core's
// prioritisetransaction refuses such a transaction: ephemeral dust may
// only enter with no fee, so its fee may not be changed afterwards either.
func (mp *TxPool) HasDust(txid *chainhash.Hash) bool {
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	e, ok := mp.pool[*txid]
	if !ok || !mp.cfg.Policy.RequireStandard {
		return false
	}
	for _, out := range e.tx.TxOut {
		if isDust(out, mp.cfg.Policy.DustRelayFee) {
			return true
		}
	}
	return false
}

// FeeDeltas returns the prioritisation deltas (Core's getprioritisedtransactions).
func (mp *TxPool) FeeDeltas() map[chainhash.Hash]int64 {
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	out := make(map[chainhash.Hash]int64, len(mp.deltas))
	for k, v := range mp.deltas {
		out[k] = v
	}
	return out
}

// ancestorsOf returns every in-pool ancestor reachable from parents.
func ancestorsOf(parents map[*entry]struct{}) map[*entry]struct{} {
	// Each parent's ancestor count bounds what it brings: sized once, the
	// set does not grow through rehashes on a long chain.
	hint := 0
	for p := range parents {
		hint += p.ancCount
	}
	hint = min(hint, 1024)
	out := make(map[*entry]struct{}, hint)
	stack := make([]*entry, 0, min(hint, 64))
	for p := range parents {
		out[p] = struct{}{}
		stack = append(stack, p)
	}
	for len(stack) > 0 {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for p := range e.parents {
			if _, ok := out[p]; !ok {
				out[p] = struct{}{}
				stack = append(stack, p)
			}
		}
	}
	return out
}

// descendantsOf returns e and every in-pool descendant of e.
func descendantsOf(e *entry) map[*entry]struct{} {
	out := map[*entry]struct{}{e: {}}
	stack := []*entry{e}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for c := range x.children {
			if _, ok := out[c]; !ok {
				out[c] = struct{}{}
				stack = append(stack, c)
			}
		}
	}
	return out
}

// minFee returns the pool's current minimum fee rate (Core's GetMinFee):
// zero until the pool has been full, then the rolling minimum, decaying
// with a half-life that shortens as the pool empties. The pool lock must
// be held for writing.
func (mp *TxPool) minFee() FeeRate {
	if !mp.blockSinceFeeBump || mp.rollingMinFee == 0 {
		return FeeRate(math.Round(mp.rollingMinFee))
	}
	now := mp.cfg.Now()
	if now.Sub(mp.lastRollingUpdate) > 10*time.Second {
		half := mp.cfg.Policy.RollingFeeHalfLife
		limit := mp.cfg.Policy.MaxMempoolBytes
		if mp.usage < limit/4 {
			half /= 4
		} else if mp.usage < limit/2 {
			half /= 2
		}
		elapsed := now.Sub(mp.lastRollingUpdate).Seconds()
		mp.rollingMinFee /= math.Pow(2, elapsed/half.Seconds())
		mp.lastRollingUpdate = now
		if mp.rollingMinFee < float64(mp.cfg.Policy.IncrementalRelayFee)/2 {
			mp.rollingMinFee = 0
			return 0
		}
	}
	r := FeeRate(math.Round(mp.rollingMinFee))
	if r < mp.cfg.Policy.IncrementalRelayFee {
		r = mp.cfg.Policy.IncrementalRelayFee
	}
	return r
}

// MinFee returns the fee rate a transaction must pay to enter the pool now
// (the larger of the rolling minimum and --minrelaytxfee), as getmempoolinfo
// reports it in "mempoolminfee".
func (mp *TxPool) MinFee() FeeRate {
	mp.mtx.Lock()
	defer mp.mtx.Unlock()
	r := mp.minFee()
	if r < mp.cfg.Policy.MinRelayTxFee {
		r = mp.cfg.Policy.MinRelayTxFee
	}
	return r
}

// trackPackageRemoved raises the rolling minimum to rate after eviction.
func (mp *TxPool) trackPackageRemoved(rate FeeRate) {
	if float64(rate) > mp.rollingMinFee {
		mp.rollingMinFee = float64(rate)
		mp.blockSinceFeeBump = false
	}
}

// Info is what getmempoolinfo reports.
type Info struct {
	Size                int   // transactions
	Bytes               int64 // sum of virtual sizes
	Usage               int64 // estimated memory
	TotalFee            int64 // base fees, satoshis
	MaxMempool          int64
	MempoolMinFee       FeeRate
	MinRelayTxFee       FeeRate
	IncrementalRelayFee FeeRate
	FullRBF             bool
	Orphans             int
	UnbroadcastCount    int
	// ClusterLimitCount and ClusterLimitSize are the cluster limits (0:
	// none); Optimal reports whether every cluster's linearization is
	// known to be optimal (all within the exact search's size).
	ClusterLimitCount int
	ClusterLimitSize  int64
	Optimal           bool
}

// Info returns the pool's figures for getmempoolinfo.
func (mp *TxPool) Info() Info {
	mp.mtx.Lock()
	defer mp.mtx.Unlock()
	var fees int64
	for _, e := range mp.pool {
		fees += e.fee
	}
	optimal := true
	mp.byChunk.ascend(func(tail *entry) bool {
		optimal = len(tail.cluster.members) <= exactLinearizeMax
		return optimal
	})
	for _, c := range mp.dirty {
		optimal = optimal && (!c.dirty || len(c.members) <= exactLinearizeMax)
	}
	minFee := mp.minFee()
	if minFee < mp.cfg.Policy.MinRelayTxFee {
		minFee = mp.cfg.Policy.MinRelayTxFee
	}
	return Info{
		Size: len(mp.pool), Bytes: mp.totalVSz, Usage: mp.usage, TotalFee: fees,
		MaxMempool: mp.cfg.Policy.MaxMempoolBytes, MempoolMinFee: minFee,
		MinRelayTxFee:       mp.cfg.Policy.MinRelayTxFee,
		IncrementalRelayFee: mp.cfg.Policy.IncrementalRelayFee,
		FullRBF:             true, Orphans: len(mp.orphans.byTxid),
		UnbroadcastCount:  len(mp.unbroadcast),
		ClusterLimitCount: mp.cfg.Policy.ClusterLimitCount,
		ClusterLimitSize:  mp.cfg.Policy.ClusterLimitSize,
		Optimal:           optimal,
	}
}

// AddUnbroadcast marks a pooled local transaction (from RPC) as not yet
// fetched by any peer, so the server keeps announcing it.
func (mp *TxPool) AddUnbroadcast(txid *chainhash.Hash) {
	mp.mtx.Lock()
	defer mp.mtx.Unlock()
	if _, ok := mp.pool[*txid]; ok {
		mp.unbroadcast[*txid] = struct{}{}
	}
}

// RemoveUnbroadcast forgets txid once a peer has fetched it.
func (mp *TxPool) RemoveUnbroadcast(txid *chainhash.Hash) {
	mp.mtx.Lock()
	defer mp.mtx.Unlock()
	delete(mp.unbroadcast, *txid)
}

// Unbroadcast returns the local transactions still to be announced.
func (mp *TxPool) Unbroadcast() []chainhash.Hash {
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	out := make([]chainhash.Hash, 0, len(mp.unbroadcast))
	for h := range mp.unbroadcast {
		out = append(out, h)
	}
	return out
}

// Replaced returns how many pooled transactions replacements (RBF, package
// RBF, sibling eviction) have evicted since the pool was created. It is
// safe for concurrent use and takes no lock, so a metrics scrape costs the
// pool nothing.
func (mp *TxPool) Replaced() uint64 { return mp.replaced.Load() }
