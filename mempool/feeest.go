package mempool

import (
	"math"
	"sort"
	"strconv"
	"sync"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// Fee estimator constants, Bitcoin Core's policy/fees.h values except the
// lowest bucket, which follows ternd's 0.1 sat/vB minimum relay fee.
const (
	// FeeEstMinBucketFeeRate is the upper bound of the lowest fee-rate
	// bucket in sat/kvB (Core: 1,000 before its minimum relay fee fell to
	// 100; ternd relays down to 100 sat/kvB, so its buckets start there).
	FeeEstMinBucketFeeRate = 100

	// FeeEstMaxBucketFeeRate is the highest finite bucket bound in
	// sat/kvB; a last bucket catches every higher rate.
	FeeEstMaxBucketFeeRate = 1e7

	// FeeEstSpacing is the ratio between consecutive bucket bounds.
	FeeEstSpacing = 1.05

	// The three horizons: periods tracked, blocks per period and the
	// per-block decay of the moving averages (half-lives of about 18,
	// 144 and 1008 blocks).
	feeEstShortPeriods = 12
	feeEstShortScale   = 1
	feeEstShortDecay   = 0.962
	feeEstMedPeriods   = 24
	feeEstMedScale     = 2
	feeEstMedDecay     = 0.9952
	feeEstLongPeriods  = 42
	feeEstLongScale    = 24
	feeEstLongDecay    = 0.99931

	// Success thresholds for target/2, target and 2*target.
	feeEstHalfSuccessPct   = 0.6
	feeEstSuccessPct       = 0.85
	feeEstDoubleSuccessPct = 0.95

	// Required average transactions per block in a bucket range, for the
	// medium and long horizons and for the short one.
	feeEstSufficientFeeTxs   = 0.1
	feeEstSufficientTxsShort = 0.5

	// feeEstOldestHistory is how many blocks saved history stays usable
	// for MaxUsableEstimate after the node's tip moves past it.
	feeEstOldestHistory = 6 * 1008

	// feeEstInfFeeRate bounds the last bucket.
	feeEstInfFeeRate = 1e99

	// DefaultFeeEstMaxTracked bounds the number of unconfirmed
	// transactions the estimator remembers. Each costs about 100 bytes
	// (a 32-byte key, a 24-byte value and map overhead), so the map stays
	// under about 50 MB. A pool at Core's default 300 MB --maxmempool
	// holds fewer entries than this (each pooled entry costs several
	// hundred bytes of pool usage), so the cap only matters when a caller
	// forgets to report removals; past it new transactions go untracked.
	DefaultFeeEstMaxTracked = 500_000
)

// Fee estimator error kinds. ErrFeeEstimateInsufficient's text is the
// message Core's estimatesmartfee puts in its "errors" array.
const (
	ErrFeeEstimateInsufficient = ErrorKind("Insufficient data or no feerate found")
	ErrFeeEstimateTarget       = ErrorKind("Invalid conf_target")
	ErrFeeEstimatesCorrupt     = ErrorKind("Corrupt estimates file")
	ErrFeeEstimatesVersion     = ErrorKind("incompatible fee estimates file version")
	ErrFeeEstimatesStale       = ErrorKind("fee estimates file too old")
)

// feeEstError builds an Error of the given kind with a description.
func feeEstError(kind ErrorKind, desc string) Error {
	return Error{Err: kind, Description: desc, Reason: string(kind)}
}

// txConfirmStats is Core's TxConfirmStats: for one horizon, decaying
// averages of how many transactions each fee-rate bucket saw and how many
// of them confirmed (or left the pool unconfirmed) within each number of
// periods, plus exact counts of the transactions still unconfirmed by the
// height they entered at.
type txConfirmStats struct {
	decay float64
	scale int

	// feeRateAvg[b] and txCtAvg[b] are the decayed sum of fee rates and
	// count of confirmed transactions in bucket b.
	feeRateAvg []float64
	txCtAvg    []float64
	// confAvg[p][b] counts those confirmed within p+1 periods;
	// failAvg[p][b] those that left the pool after more than p+1
	// periods without confirming.
	confAvg [][]float64
	failAvg [][]float64

	// unconf[h % maxConfirms][b] counts tracked transactions that entered
	// at height h and are still unconfirmed; oldUnconf[b] those older than
	// maxConfirms blocks.
	unconf    [][]int32
	oldUnconf []int32
}

// newTxConfirmStats returns empty statistics for nb buckets.
func newTxConfirmStats(nb, periods, scale int, decay float64) *txConfirmStats {
	s := &txConfirmStats{
		decay:      decay,
		scale:      scale,
		feeRateAvg: make([]float64, nb),
		txCtAvg:    make([]float64, nb),
		confAvg:    make([][]float64, periods),
		failAvg:    make([][]float64, periods),
	}
	for p := range periods {
		s.confAvg[p] = make([]float64, nb)
		s.failAvg[p] = make([]float64, nb)
	}
	s.resizeUnconf(nb)
	return s
}

// resizeUnconf sets up the in-memory unconfirmed counters. Ring rows are
// allocated on first use (a nil row counts zero everywhere), so decoding a
// small file never allocates far more than its size.
func (s *txConfirmStats) resizeUnconf(nb int) {
	s.unconf = make([][]int32, s.maxConfirms())
	s.oldUnconf = make([]int32, nb)
}

// maxConfirms is the largest confirmation target the horizon tracks.
func (s *txConfirmStats) maxConfirms() int { return s.scale * len(s.confAvg) }

// slot maps a height to its row of the unconfirmed ring.
func (s *txConfirmStats) slot(height int64) int {
	n := int64(len(s.unconf))
	return int(((height % n) + n) % n)
}

// clearCurrent moves the ring row about to be reused for height into the
// old-transaction counters.
func (s *txConfirmStats) clearCurrent(height int64) {
	row := s.unconf[s.slot(height)]
	for b, n := range row { // a nil row has nothing to move
		s.oldUnconf[b] += n
		row[b] = 0
	}
}

// record adds a transaction that confirmed after blocksToConfirm blocks
// (1 means the first possible block).
func (s *txConfirmStats) record(blocksToConfirm int, bucket int, feeRate float64) {
	if blocksToConfirm < 1 {
		return
	}
	periods := (blocksToConfirm + s.scale - 1) / s.scale
	for p := periods; p <= len(s.confAvg); p++ {
		s.confAvg[p-1][bucket]++
	}
	s.txCtAvg[bucket]++
	s.feeRateAvg[bucket] += feeRate
}

// updateMovingAverages decays every average by one block.
func (s *txConfirmStats) updateMovingAverages() {
	d := s.decay
	for b := range s.txCtAvg {
		s.txCtAvg[b] *= d
		s.feeRateAvg[b] *= d
	}
	for p := range s.confAvg {
		ca, fa := s.confAvg[p], s.failAvg[p]
		for b := range ca {
			ca[b] *= d
			fa[b] *= d
		}
	}
}

// newTx counts a transaction entering the pool at height in bucket.
func (s *txConfirmStats) newTx(height int64, bucket int) {
	i := s.slot(height)
	if s.unconf[i] == nil {
		s.unconf[i] = make([]int32, len(s.oldUnconf))
	}
	s.unconf[i][bucket]++
}

// removeTx forgets a tracked transaction that entered at entryHeight and
// left the pool at bestSeen, in a block (inBlock) or otherwise; in the
// latter case it counts as a failure for every whole period it waited.
func (s *txConfirmStats) removeTx(entryHeight, bestSeen int64, bucket int, inBlock bool) {
	blocksAgo := bestSeen - entryHeight
	if bestSeen == 0 {
		blocksAgo = 0
	}
	if blocksAgo < 0 {
		log.Debugf("Fee estimator: negative age for a pooled transaction")
		return
	}
	if blocksAgo >= int64(len(s.unconf)) {
		if s.oldUnconf[bucket] > 0 {
			s.oldUnconf[bucket]--
		}
	} else {
		row := s.unconf[s.slot(entryHeight)]
		if row != nil && row[bucket] > 0 {
			row[bucket]--
		}
	}
	if !inBlock && blocksAgo >= int64(s.scale) {
		periodsAgo := blocksAgo / int64(s.scale)
		for p := int64(0); p < periodsAgo && p < int64(len(s.failAvg)); p++ {
			s.failAvg[p][bucket]++
		}
	}
}

// estimateMedianVal is Core's EstimateMedianVal: scanning from the highest
// bucket down, it groups buckets into ranges holding at least
// sufficientTxVal transactions per block on average and returns the
// average fee rate of the median transaction in the lowest range whose
// share confirmed within confTarget blocks (counting failures and
// transactions still waiting at least confTarget blocks) is at least
// successBreakPoint. It returns -1 when no range qualifies.
func (s *txConfirmStats) estimateMedianVal(buckets []float64, confTarget int,
	sufficientTxVal, successBreakPoint float64, height int64) float64 {
	return s.estimateMedianValResult(buckets, confTarget, sufficientTxVal, successBreakPoint, height, nil)
}

// estimateMedianValResult is estimateMedianVal that also reports, when res
// is not nil, the last passing and the first failing bucket range with
// their counts (Core's EstimationResult, for estimaterawfee).
func (s *txConfirmStats) estimateMedianValResult(buckets []float64, confTarget int,
	sufficientTxVal, successBreakPoint float64, height int64, res *RawFeeHorizon) float64 {

	if res != nil {
		res.Decay, res.Scale = s.decay, s.scale
		res.Pass, res.Fail = newRawFeeBucket(), newRawFeeBucket()
	}
	if confTarget < 1 || confTarget > s.maxConfirms() {
		return -1
	}
	passing := true
	rangeOf := func(near, far int) (float64, float64) {
		lo, hi := min(near, far), max(near, far)
		start := 0.0
		if lo > 0 {
			start = buckets[lo-1]
		}
		return start, buckets[hi]
	}
	var (
		nConf, totalNum, failNum, partialNum float64
		extraNum                             int64
	)
	periodTarget := (confTarget + s.scale - 1) / s.scale
	maxBucket := len(buckets) - 1
	curNear, curFar := maxBucket, maxBucket
	bestNear, bestFar := maxBucket, maxBucket
	foundAnswer := false
	newRange := true
	need := sufficientTxVal / (1 - s.decay)

	// extra[b] counts bucket b's transactions still waiting after at
	// least confTarget blocks; summing row by row keeps this pass cheap.
	extra := make([]int64, len(buckets))
	for c := confTarget; c < s.maxConfirms(); c++ {
		row := s.unconf[s.slot(height-int64(c))]
		for b := 0; b < len(row) && b < len(extra); b++ {
			extra[b] += int64(row[b])
		}
	}

	for b := maxBucket; b >= 0; b-- {
		if newRange {
			curNear = b
			newRange = false
		}
		curFar = b
		nConf += s.confAvg[periodTarget-1][b]
		partialNum += s.txCtAvg[b]
		totalNum += s.txCtAvg[b]
		failNum += s.failAvg[periodTarget-1][b]
		extraNum += extra[b] + int64(s.oldUnconf[b])
		if partialNum < need {
			continue
		}
		partialNum = 0
		curPct := nConf / (totalNum + failNum + float64(extraNum))
		if curPct < successBreakPoint {
			if passing && res != nil {
				res.Fail.Start, res.Fail.End = rangeOf(curNear, curFar)
				res.Fail.WithinTarget, res.Fail.TotalConfirmed = nConf, totalNum
				res.Fail.InMempool, res.Fail.LeftMempool = float64(extraNum), failNum
			}
			passing = false
			continue
		}
		if res != nil {
			res.Fail = newRawFeeBucket()
			res.Pass.WithinTarget, res.Pass.TotalConfirmed = nConf, totalNum
			res.Pass.InMempool, res.Pass.LeftMempool = float64(extraNum), failNum
		}
		passing = true
		foundAnswer = true
		nConf, totalNum, failNum, extraNum = 0, 0, 0, 0
		bestNear, bestFar = curNear, curFar
		newRange = true
	}
	if res != nil && passing && !newRange {
		// The last buckets lacked data to pass: they count as the failure.
		res.Fail.Start, res.Fail.End = rangeOf(curNear, curFar)
		res.Fail.WithinTarget, res.Fail.TotalConfirmed = nConf, totalNum
		res.Fail.InMempool, res.Fail.LeftMempool = float64(extraNum), failNum
	}

	lo, hi := min(bestNear, bestFar), max(bestNear, bestFar)
	var txSum float64
	for b := lo; b <= hi; b++ {
		txSum += s.txCtAvg[b]
	}
	median := -1.0
	if foundAnswer && txSum != 0 && res != nil {
		res.Pass.Start, res.Pass.End = rangeOf(lo, hi)
	}
	if foundAnswer && txSum != 0 {
		txSum /= 2
		for b := lo; b <= hi; b++ {
			if s.txCtAvg[b] < txSum {
				txSum -= s.txCtAvg[b]
				continue
			}
			median = s.feeRateAvg[b] / s.txCtAvg[b]
			break
		}
	}
	return median
}

// trackedTx is what the estimator remembers of an unconfirmed transaction.
type trackedTx struct {
	height  int32
	bucket  int32
	feeRate float64
}

// FeeEstimator estimates the fee rate a transaction needs to confirm
// within a number of blocks, the way Bitcoin Core's CBlockPolicyEstimator
// does: it watches transactions enter the pool, groups them into
// exponentially spaced fee-rate buckets (100 sat/kvB to 10^7 sat/kvB,
// ratio 1.05) and, over three horizons (12 blocks, 48 blocks in pairs and
// 1008 blocks in groups of 24, decaying by 0.962, 0.9952 and 0.99931 per
// block), keeps decaying counts of how many confirmed within each number
// of blocks and how many left the pool unconfirmed. EstimateSmartFee then
// picks the lowest bucket range that met 60% at target/2, 85% at target
// and 95% at 2*target.
//
// A TxPool whose Config.FeeEstimator is set drives it:
//
//   - on each transaction the pool accepts: ProcessTransaction(desc,
//     tipHeight, valid), with valid false for transactions put back by a
//     disconnected block and while the chain is not current (the pool's
//     learnFee holds that rule); transactions with in-pool parents are
//     never tracked;
//   - on each block connected, in the pool's RemoveForBlock:
//     ConnectBlock(height, txids of the block, membership in the pool),
//     which counts tracked transactions that left the pool unconfirmed
//     (evicted, expired, replaced, conflicted) as failures and the
//     block's as confirmed (the pool has no removal notification; a
//     caller that has one may use RemoveTx and ProcessBlock instead);
//   - on disconnect: nothing (heights at or below the highest one seen are
//     ignored, as in Core).
//
// The daemon loads it before the pool accepts transactions, and at
// shutdown calls FlushUnconfirmed then Save; Save also every hour or so.
//
// It is safe for concurrent use: one mutex guards its state. The pool
// calls it with the pool lock held, so the lock order is pool, then
// estimator: the estimator never calls the pool, and the membership
// function given to ConnectBlock or RemoveMissing runs with the
// estimator's lock held, so it must not take a lock under which the
// estimator is called (the pool passes a lookup that needs no lock, its
// own being held already).
type FeeEstimator struct {
	mtx sync.Mutex

	buckets                         []float64
	shortStats, medStats, longStats *txConfirmStats

	tracked    map[chainhash.Hash]trackedTx
	maxTracked int

	bestSeenHeight      int64
	firstRecordedHeight int64
	historicalFirst     int64
	historicalBest      int64

	trackedTxs, untrackedTxs int
}

// feeEstBuckets returns the default bucket bounds.
func feeEstBuckets() []float64 {
	var bs []float64
	for b := float64(FeeEstMinBucketFeeRate); b <= FeeEstMaxBucketFeeRate; b *= FeeEstSpacing {
		bs = append(bs, b)
	}
	return append(bs, feeEstInfFeeRate)
}

// NewFeeEstimator returns an estimator with no history, tracking at most
// DefaultFeeEstMaxTracked unconfirmed transactions.
func NewFeeEstimator() *FeeEstimator {
	bs := feeEstBuckets()
	return &FeeEstimator{
		buckets:    bs,
		shortStats: newTxConfirmStats(len(bs), feeEstShortPeriods, feeEstShortScale, feeEstShortDecay),
		medStats:   newTxConfirmStats(len(bs), feeEstMedPeriods, feeEstMedScale, feeEstMedDecay),
		longStats:  newTxConfirmStats(len(bs), feeEstLongPeriods, feeEstLongScale, feeEstLongDecay),
		tracked:    make(map[chainhash.Hash]trackedTx),
		maxTracked: DefaultFeeEstMaxTracked,
	}
}

// SetMaxTracked changes the bound on tracked unconfirmed transactions
// (n < 1 means 1). Transactions already tracked stay.
func (fe *FeeEstimator) SetMaxTracked(n int) {
	fe.mtx.Lock()
	defer fe.mtx.Unlock()
	fe.maxTracked = max(n, 1)
}

// bucketIndex returns the index of the lowest bucket whose bound is at
// least rate (Core's bucketMap.lower_bound).
func (fe *FeeEstimator) bucketIndex(rate float64) int {
	i := sort.SearchFloat64s(fe.buckets, rate)
	if i >= len(fe.buckets) {
		i = len(fe.buckets) - 1
	}
	return i
}

// ProcessTransaction starts tracking a transaction the pool just accepted
// at chain height height (the tip's height, TxDesc.Height). It is ignored
// unless height is the highest block height the estimator has seen, and
// it is counted but not tracked when validFeeEstimate is false or the
// transaction has in-pool parents (Core's rules: no transactions put back
// by a reorg or accepted while the node is behind, none from packages,
// none with unconfirmed parents). Its fee rate is the base fee over the
// sigop-adjusted virtual size, in sat/kvB.
func (fe *FeeEstimator) ProcessTransaction(desc *TxDesc, height int32, validFeeEstimate bool) {
	if desc == nil {
		return
	}
	fe.mtx.Lock()
	defer fe.mtx.Unlock()
	if _, ok := fe.tracked[desc.TxHash]; ok {
		return
	}
	if int64(height) != fe.bestSeenHeight {
		return
	}
	if !validFeeEstimate || len(desc.Depends) > 0 || desc.VSize <= 0 {
		fe.untrackedTxs++
		return
	}
	if len(fe.tracked) >= fe.maxTracked {
		fe.untrackedTxs++
		log.Debugf("Fee estimator: %d transactions tracked, not tracking %v",
			len(fe.tracked), desc.TxHash)
		return
	}
	fe.trackedTxs++
	fee := max(desc.Fee, 0)
	var rate int64
	if fee <= math.MaxInt64/1000 {
		rate = fee * 1000 / desc.VSize
	} else {
		rate = fee / desc.VSize * 1000
	}
	feeRate := float64(rate)
	b := fe.bucketIndex(feeRate)
	fe.tracked[desc.TxHash] = trackedTx{height: height, bucket: int32(b), feeRate: feeRate}
	h := int64(height)
	fe.medStats.newTx(h, b)
	fe.shortStats.newTx(h, b)
	fe.longStats.newTx(h, b)
}

// RemoveTx stops tracking a transaction that left the pool without being
// confirmed (evicted, expired, replaced or conflicted); it counts as a
// failure for each horizon period it waited. It reports whether the
// transaction was tracked. Do not call it for transactions a block
// confirmed before passing them to ProcessBlock.
func (fe *FeeEstimator) RemoveTx(hash *chainhash.Hash) bool {
	fe.mtx.Lock()
	defer fe.mtx.Unlock()
	return fe.removeTx(hash, false)
}

// removeTx forgets hash in all three horizons. The lock must be held.
func (fe *FeeEstimator) removeTx(hash *chainhash.Hash, inBlock bool) bool {
	t, ok := fe.tracked[*hash]
	if !ok {
		return false
	}
	h, b := int64(t.height), int(t.bucket)
	fe.medStats.removeTx(h, fe.bestSeenHeight, b, inBlock)
	fe.shortStats.removeTx(h, fe.bestSeenHeight, b, inBlock)
	fe.longStats.removeTx(h, fe.bestSeenHeight, b, inBlock)
	delete(fe.tracked, *hash)
	return true
}

// RemoveMissing stops tracking, as RemoveTx does, every tracked
// transaction for which inPool reports false, and returns how many it
// removed. It serves callers whose pool has no removal notification: call
// it on each block connected before the pool removes the block's
// transactions. inPool is called with the estimator's lock held (see
// FeeEstimator on lock order).
func (fe *FeeEstimator) RemoveMissing(inPool func(*chainhash.Hash) bool) int {
	fe.mtx.Lock()
	defer fe.mtx.Unlock()
	return fe.removeMissing(inPool)
}

// ConnectBlock is the one call needed per block connected, after the
// pool's removal of the block's transactions: every tracked transaction
// that is neither in the block (txids) nor still in the pool (inPool
// false) is counted as having left unconfirmed, as RemoveMissing does, and
// then the block is processed as by ProcessBlock. The pool's RemoveForBlock
// makes this call. inPool is called with the estimator's lock held (see
// FeeEstimator on lock order).
func (fe *FeeEstimator) ConnectBlock(height int32, txids []chainhash.Hash,
	inPool func(*chainhash.Hash) bool) {

	inBlock := make(map[chainhash.Hash]struct{}, len(txids))
	for i := range txids {
		inBlock[txids[i]] = struct{}{}
	}
	fe.mtx.Lock()
	defer fe.mtx.Unlock()
	fe.removeMissing(func(h *chainhash.Hash) bool {
		if _, ok := inBlock[*h]; ok {
			return true
		}
		return inPool(h)
	})
	fe.processBlock(height, txids)
}

// removeMissing forgets, as failures, the tracked transactions for which
// present reports false, and returns how many. The lock must be held.
func (fe *FeeEstimator) removeMissing(present func(*chainhash.Hash) bool) int {
	n := 0
	for h := range fe.tracked {
		if !present(&h) {
			fe.removeTx(&h, false)
			n++
		}
	}
	return n
}

// ProcessBlock records a block connected at height whose transactions
// have the given txids (the coinbase may be included; untracked txids are
// skipped): the horizons' averages decay by one block, and each tracked
// transaction it confirms counts as confirmed after height - entry height
// blocks. Blocks at or below the highest height seen (reorgs, side
// chains) only stop tracking the transactions they confirm, as Core
// ignores them. Without ConnectBlock, call RemoveMissing (or RemoveTx) for
// transactions that left the pool unconfirmed first.
func (fe *FeeEstimator) ProcessBlock(height int32, txids []chainhash.Hash) {
	fe.mtx.Lock()
	defer fe.mtx.Unlock()
	fe.processBlock(height, txids)
}

// processBlock is ProcessBlock with the lock held.
func (fe *FeeEstimator) processBlock(height int32, txids []chainhash.Hash) {
	h := int64(height)
	if h <= fe.bestSeenHeight {
		for i := range txids {
			fe.removeTx(&txids[i], true)
		}
		return
	}
	fe.bestSeenHeight = h
	fe.medStats.clearCurrent(h)
	fe.shortStats.clearCurrent(h)
	fe.longStats.clearCurrent(h)
	fe.medStats.updateMovingAverages()
	fe.shortStats.updateMovingAverages()
	fe.longStats.updateMovingAverages()

	counted := 0
	for i := range txids {
		t, ok := fe.tracked[txids[i]]
		if !ok {
			continue
		}
		fe.removeTx(&txids[i], true)
		blocks := int(h - int64(t.height))
		if blocks <= 0 {
			continue
		}
		b := int(t.bucket)
		fe.medStats.record(blocks, b, t.feeRate)
		fe.shortStats.record(blocks, b, t.feeRate)
		fe.longStats.record(blocks, b, t.feeRate)
		counted++
	}
	if fe.firstRecordedHeight == 0 && counted > 0 {
		fe.firstRecordedHeight = h
		log.Debugf("Fee estimator: first recorded height %d", h)
	}
	log.Debugf("Fee estimator: block %d: %d of %d transactions counted, %d of %d "+
		"tracked since last block, %d tracked, max target %d", h, counted, len(txids),
		fe.trackedTxs, fe.trackedTxs+fe.untrackedTxs, len(fe.tracked), fe.maxUsableEstimate())
	fe.trackedTxs, fe.untrackedTxs = 0, 0
}

// FlushUnconfirmed stops tracking every tracked transaction, counting
// those that waited at least a period as failures, as Core does at
// shutdown before it writes its estimates.
func (fe *FeeEstimator) FlushUnconfirmed() {
	fe.mtx.Lock()
	defer fe.mtx.Unlock()
	n := len(fe.tracked)
	for h := range fe.tracked {
		fe.removeTx(&h, false)
	}
	log.Debugf("Fee estimator: flushed %d unconfirmed transactions", n)
}

// Tracked returns the number of unconfirmed transactions being tracked.
func (fe *FeeEstimator) Tracked() int {
	fe.mtx.Lock()
	defer fe.mtx.Unlock()
	return len(fe.tracked)
}

// BestSeenHeight returns the highest block height ProcessBlock has seen
// (or the saved one after Load).
func (fe *FeeEstimator) BestSeenHeight() int32 {
	fe.mtx.Lock()
	defer fe.mtx.Unlock()
	return int32(fe.bestSeenHeight)
}

// HighestTarget returns the largest confirmation target the estimator
// accepts (1008 with the default horizons), the upper bound of
// estimatesmartfee's conf_target.
func (fe *FeeEstimator) HighestTarget() int {
	fe.mtx.Lock()
	defer fe.mtx.Unlock()
	return fe.longStats.maxConfirms()
}

// blockSpan is the number of blocks with data since the first recorded
// one. The lock must be held.
func (fe *FeeEstimator) blockSpan() int64 {
	if fe.firstRecordedHeight == 0 {
		return 0
	}
	return fe.bestSeenHeight - fe.firstRecordedHeight
}

// historicalBlockSpan is the span of saved history, zero once it is too
// old. The lock must be held.
func (fe *FeeEstimator) historicalBlockSpan() int64 {
	if fe.historicalFirst == 0 {
		return 0
	}
	if fe.bestSeenHeight-fe.historicalBest > feeEstOldestHistory {
		return 0
	}
	return fe.historicalBest - fe.historicalFirst
}

// maxUsableEstimate is the largest target with enough history: half the
// span of blocks seen, so failures had time to show. The lock must be
// held.
func (fe *FeeEstimator) maxUsableEstimate() int {
	span := max(fe.blockSpan(), fe.historicalBlockSpan()) / 2
	return int(min(int64(fe.longStats.maxConfirms()), span))
}

// estimateCombinedFee returns the estimate at successThreshold from the
// shortest horizon tracking confTarget and, with checkShorter, lowers it
// to a shorter horizon's answer at its longest target when that is lower.
// The lock must be held.
func (fe *FeeEstimator) estimateCombinedFee(confTarget int, successThreshold float64,
	checkShorter bool) float64 {

	est := -1.0
	if confTarget < 1 || confTarget > fe.longStats.maxConfirms() {
		return est
	}
	h := fe.bestSeenHeight
	switch {
	case confTarget <= fe.shortStats.maxConfirms():
		est = fe.shortStats.estimateMedianVal(fe.buckets, confTarget, feeEstSufficientTxsShort, successThreshold, h)
	case confTarget <= fe.medStats.maxConfirms():
		est = fe.medStats.estimateMedianVal(fe.buckets, confTarget, feeEstSufficientFeeTxs, successThreshold, h)
	default:
		est = fe.longStats.estimateMedianVal(fe.buckets, confTarget, feeEstSufficientFeeTxs, successThreshold, h)
	}
	if checkShorter {
		if confTarget > fe.medStats.maxConfirms() {
			m := fe.medStats.estimateMedianVal(fe.buckets, fe.medStats.maxConfirms(), feeEstSufficientFeeTxs, successThreshold, h)
			if m > 0 && (est == -1 || m < est) {
				est = m
			}
		}
		if confTarget > fe.shortStats.maxConfirms() {
			s := fe.shortStats.estimateMedianVal(fe.buckets, fe.shortStats.maxConfirms(), feeEstSufficientTxsShort, successThreshold, h)
			if s > 0 && (est == -1 || s < est) {
				est = s
			}
		}
	}
	return est
}

// estimateConservativeFee requires the 95% threshold at doubleTarget in
// the longer horizons too. The lock must be held.
func (fe *FeeEstimator) estimateConservativeFee(doubleTarget int) float64 {
	est := -1.0
	h := fe.bestSeenHeight
	if doubleTarget <= fe.shortStats.maxConfirms() {
		est = fe.medStats.estimateMedianVal(fe.buckets, doubleTarget, feeEstSufficientFeeTxs, feeEstDoubleSuccessPct, h)
	}
	if doubleTarget <= fe.medStats.maxConfirms() {
		l := fe.longStats.estimateMedianVal(fe.buckets, doubleTarget, feeEstSufficientFeeTxs, feeEstDoubleSuccessPct, h)
		if l > est {
			est = l
		}
	}
	return est
}

// EstimateSmartFee returns the fee rate in sat/kvB a transaction needs to
// confirm within confTarget blocks, and the target the estimate is for
// (blocks): Core's estimateSmartFee. A target of 1 is treated as 2, and a
// target beyond half the blocks seen is lowered to that. The answer is the
// highest of the 60% estimate at target/2, the 85% estimate at target and
// the 95% estimate at 2*target; conservative also requires 95% at
// 2*target in the longer horizons. A target outside 1..HighestTarget
// fails with ErrFeeEstimateTarget; too little data fails with
// ErrFeeEstimateInsufficient (blocks is still set, as Core's "blocks").
// The result is not floored at the pool's minimum fee: see
// EstimateSmartFeeFloor.
func (fe *FeeEstimator) EstimateSmartFee(confTarget int, conservative bool) (int64, int, error) {
	fe.mtx.Lock()
	defer fe.mtx.Unlock()
	if confTarget <= 0 || confTarget > fe.longStats.maxConfirms() {
		return 0, confTarget, feeEstError(ErrFeeEstimateTarget, "Invalid conf_target, must be between 1 and "+
			strconv.Itoa(fe.longStats.maxConfirms()))
	}
	if confTarget == 1 {
		confTarget = 2
	}
	if mu := fe.maxUsableEstimate(); confTarget > mu {
		confTarget = mu
	}
	insufficient := feeEstError(ErrFeeEstimateInsufficient, string(ErrFeeEstimateInsufficient))
	if confTarget <= 1 {
		return 0, confTarget, insufficient
	}
	median := fe.estimateCombinedFee(confTarget/2, feeEstHalfSuccessPct, true)
	if e := fe.estimateCombinedFee(confTarget, feeEstSuccessPct, true); e > median {
		median = e
	}
	if e := fe.estimateCombinedFee(2*confTarget, feeEstDoubleSuccessPct, !conservative); e > median {
		median = e
	}
	if conservative || median == -1 {
		if e := fe.estimateConservativeFee(2 * confTarget); e > median {
			median = e
		}
	}
	if median < 0 || math.IsNaN(median) || math.IsInf(median, 0) {
		return 0, confTarget, insufficient
	}
	return int64(math.Round(median)), confTarget, nil
}

// EstimateSmartFeeFloor is EstimateSmartFee with the answer raised to at
// least minFee (sat/kvB), the pool's current minimum (TxPool.MinFee, which
// already includes --minrelaytxfee), as Core's estimatesmartfee RPC does.
func (fe *FeeEstimator) EstimateSmartFeeFloor(confTarget int, conservative bool,
	minFee int64) (int64, int, error) {

	rate, blocks, err := fe.EstimateSmartFee(confTarget, conservative)
	if err != nil {
		return rate, blocks, err
	}
	return max(rate, minFee), blocks, nil
}
