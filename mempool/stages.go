package mempool

import (
	"bytes"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/wire"
)

// acceptMode is which of Core's acceptance variants (its ATMPArgs
// constructors) the stages run under. The zero value takes a transaction
// alone.
type acceptMode uint8

const (
	// modeSingle takes a transaction alone (a peer's, RPC's, an orphan,
	// mempool.dat's): every fee floor, and replacement with sibling
	// eviction (Core's SingleAccept).
	modeSingle acceptMode = iota
	// modeReorg puts back a transaction of a disconnected block: no fee
	// floors and no size limit, and the fee estimator does not track it
	// (Core's m_bypass_limits).
	modeReorg
	// modePackageTest checks a member of a package under test
	// (testmempoolaccept): no conflict with the pool at all, sibling
	// eviction included (Core's PackageTestAccept, m_allow_replacement
	// unset).
	modePackageTest
	// modePackage evaluates a member of a submitted package together with
	// the others: the package pays the fee floors but a non-TRUC member's
	// minimum relay fee (m_package_feerates), and conflicts are collected
	// for the package's own replacement rules, with no sibling eviction
	// (m_package_submission).
	modePackage
)

// bypassLimits reports whether the fee floors and the size limit are
// skipped.
func (m acceptMode) bypassLimits() bool { return m == modeReorg }

// allowReplacement reports whether a conflict with the pool may be
// judged for replacement rather than refused at once.
func (m acceptMode) allowReplacement() bool { return m != modePackageTest }

// packageFeerates reports whether the caller checks the fee floors
// against the package's fee rate instead of the transaction's.
func (m acceptMode) packageFeerates() bool { return m == modePackage }

// inPackage reports whether the transaction is judged as a package member:
// no sibling eviction, and the package checks its parents' dust at once.
func (m acceptMode) inPackage() bool { return m == modePackageTest || m == modePackage }

// acceptOpts is the caller's side of one acceptance (Core's ATMPArgs): the
// mode, and the values only some entry points set.
type acceptOpts struct {
	mode acceptMode
	// added, when non-zero, is the arrival time to keep (mempool.dat, a
	// pooled transaction put back after a disconnect).
	added time.Time
	// maxFee, when positive, refuses a transaction whose base fee is above
	// it (sendrawtransaction's cap), after every rule and the scripts and
	// before anything changes: one pass instead of Core's test acceptance
	// followed by the real one, with the same outcome.
	maxFee int64
	// maxFeeRate, when positive, refuses a transaction whose modified fee
	// rate is above it (submitpackage's maxfeerate), after the limits and
	// before replacement and the scripts, as Core's package path.
	maxFeeRate FeeRate
	// pkg holds the earlier members of a package: their outputs are
	// spendable as if pooled, but they are not pool entries, so they count
	// as no one's ancestors (Core's m_viewmempool.PackageAddTransaction).
	pkg map[chainhash.Hash]*wire.MsgTx
}

// workspace is one transaction's state through the acceptance stages
// (Core's MemPoolAccept::Workspace): what each stage learns, for the next.
type workspace struct {
	tx    *wire.MsgTx
	txid  chainhash.Hash
	wtxid chainhash.Hash
	opts  acceptOpts

	// The chain as PreChecks judged finality, BIP68 and maturity: the
	// tip's height and median time past, and how many blocks the pool had
	// been told of (tipChanges).
	tipHeight  int32
	mtp        time.Time
	tipChanges uint64

	// The inputs: the outputs spent, and the confirmed coins among them
	// (nil for a pooled or package parent's output).
	prevOuts []*wire.TxOut
	coins    []*UTXO

	weight int64
	dust   int // dust outputs (ephemeral dust)
	e      *entry

	parents   map[*entry]struct{}
	ancestors map[*entry]struct{}
	conflicts map[*entry]struct{} // direct conflicts, and a TRUC sibling to evict
	sibling   *entry
	evict     map[*entry]struct{} // conflicts and their descendants (ReplacementChecks)

	// verified holds the spent outputs the scripts passed against
	// (PolicyScriptChecks), nil until they have.
	verified []*wire.TxOut
}

// newWorkspace starts tx's acceptance under opts.
func newWorkspace(tx *wire.MsgTx, opts acceptOpts) *workspace {
	ws := &workspace{tx: tx, opts: opts, txid: tx.TxHash()}
	ws.wtxid = ws.txid
	if tx.HasWitness() {
		ws.wtxid = tx.WitnessHash()
	}
	return ws
}

// addConflict records c as a transaction tx would evict.
func (ws *workspace) addConflict(c *entry) {
	if ws.conflicts == nil {
		ws.conflicts = make(map[*entry]struct{}, 1)
	}
	ws.conflicts[c] = struct{}{}
}

// result is the dry run's report of ws (testmempoolaccept). It reads
// only fields that never change, so it needs no lock.
func (ws *workspace) result() *AcceptResult {
	e := ws.e
	res := &AcceptResult{TxHash: e.txid, WTxHash: e.wtxid, VSize: e.vsize, Fee: e.fee,
		ModifiedFee: e.modFee()}
	for c := range ws.conflicts {
		res.Replaced = append(res.Replaced, c.txid)
	}
	return res
}

// preChecks is Core's PreChecks: every rule but the replacement rules and
// the scripts, cheapest first, in Core's order. It fills ws with the
// inputs, the entry, its pooled parents and ancestors and its conflicts.
// The pool lock must be held for writing (the pool's minimum fee decays).
func (mp *TxPool) preChecks(ws *workspace) error {
	return ws.run(mp.checkAlone, mp.checkFinal, mp.checkNotPooled, mp.findConflicts,
		mp.fetchInputs, mp.checkInputs, mp.checkFees, mp.checkPoolPolicy)
}

// run runs stages on ws in order, up to the first failure.
func (ws *workspace) run(stages ...func(*workspace) error) error {
	for _, stage := range stages {
		if err := stage(ws); err != nil {
			return err
		}
	}
	return nil
}

// checkAlone applies the rules that look at the transaction alone:
// structure (CheckTransaction), standardness and the minimum size.
func (mp *TxPool) checkAlone(ws *workspace) error {
	if mp.cfg.Verifier == nil {
		return txRuleError(ErrNoVerifier, "")
	}
	if err := CheckTransactionSanity(ws.tx); err != nil {
		return err
	}
	pol := &mp.cfg.Policy
	ws.weight = ws.tx.Weight()
	if pol.RequireStandard {
		var err error
		if ws.dust, err = pol.checkStandardTx(ws.tx, ws.weight); err != nil {
			return err
		}
	}
	// Unconditional, against CVE-2017-12842.
	if ws.tx.SerializeSizeStripped() < pol.MinStandardTxNonWitnessSize {
		return txRuleError(ErrTxSizeSmall, "")
	}
	return nil
}

// checkFinal records the chain's tip and refuses a transaction that is not
// final in the next block.
func (mp *TxPool) checkFinal(ws *workspace) error {
	ws.tipHeight = mp.cfg.BestHeight()
	ws.mtp = mp.cfg.MedianTimePast()
	ws.tipChanges = mp.tipChanges
	if !standalone.IsFinalTx(ws.tx, ws.tipHeight+1, ws.mtp.Unix()) {
		return txRuleError(ErrNonFinal, "")
	}
	return nil
}

// checkNotPooled refuses a transaction the pool holds already, with this
// witness or another. The pool lock must be held.
func (mp *TxPool) checkNotPooled(ws *workspace) error {
	if _, ok := mp.byWtxid[ws.wtxid]; ok {
		return txRuleError(ErrAlreadyInPool, "")
	}
	if _, ok := mp.pool[ws.txid]; ok {
		return txRuleError(ErrSameNonWitness, "")
	}
	return nil
}

// findConflicts collects the pooled transactions spending an output tx
// spends (full RBF: all are replaceable), or refuses the first where the
// mode allows no replacement. The pool lock must be held.
func (mp *TxPool) findConflicts(ws *workspace) error {
	ws.conflicts = nil
	for _, in := range ws.tx.TxIn {
		if c := mp.spentBy[in.PreviousOutPoint]; c != nil {
			if !ws.opts.mode.allowReplacement() {
				return txRuleError(ErrReplacementDisallowed, "")
			}
			ws.addConflict(c)
		}
	}
	return nil
}

// fetchInputs finds each output tx spends in the pool, among the earlier
// members of its package, or in the UTXO set. A transaction with missing
// inputs is refused as already known when its own outputs are confirmed,
// else with the parents it lacks. The pool lock must be held.
func (mp *TxPool) fetchInputs(ws *workspace) error {
	n := len(ws.tx.TxIn)
	ws.prevOuts = make([]*wire.TxOut, n)
	ws.coins = make([]*UTXO, n)
	ws.parents = make(map[*entry]struct{})
	var missing []chainhash.Hash
	for i, in := range ws.tx.TxIn {
		found, err := mp.fetchInput(ws, i, in.PreviousOutPoint)
		if err != nil {
			return err
		}
		if !found {
			missing = append(missing, in.PreviousOutPoint.Hash)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	for i := range ws.tx.TxOut {
		u, err := mp.cfg.FetchUTXO(wire.OutPoint{Hash: ws.txid, Index: uint32(i)})
		if err == nil && u != nil {
			return txRuleError(ErrAlreadyKnown, "")
		}
	}
	return missingInputsError{err: txRuleError(ErrMissingInputs, ""), parents: dedupe(missing)}
}

// fetchInput finds input i's output op and reports whether it exists.
func (mp *TxPool) fetchInput(ws *workspace, i int, op wire.OutPoint) (bool, error) {
	if p, ok := mp.pool[op.Hash]; ok {
		if int(op.Index) >= len(p.tx.TxOut) {
			return false, nil
		}
		ws.prevOuts[i] = p.tx.TxOut[op.Index]
		ws.parents[p] = struct{}{}
		return true, nil
	}
	if p, ok := ws.opts.pkg[op.Hash]; ok {
		if int(op.Index) >= len(p.TxOut) {
			return false, nil
		}
		ws.prevOuts[i] = p.TxOut[op.Index]
		return true, nil
	}
	u, err := mp.cfg.FetchUTXO(op)
	if err != nil || u == nil {
		return false, err
	}
	ws.coins[i] = u
	ws.prevOuts[i] = &wire.TxOut{Value: u.Amount, PkScript: u.PkScript}
	return true, nil
}

// checkInputs applies the rules on the spent outputs (BIP68 locks,
// Core's CheckTxInputs, standard inputs and witnesses, the sigop limit)
// and builds the pool entry.
func (mp *TxPool) checkInputs(ws *workspace) error {
	// An unconfirmed output counts as created at the next block's height.
	heights := make([]int32, len(ws.coins))
	for i, u := range ws.coins {
		heights[i] = ws.tipHeight + 1
		if u != nil {
			heights[i] = u.Height
		}
	}
	ok, err := mp.sequenceLocksOK(ws.tx, heights, ws.tipHeight, ws.mtp)
	if err != nil {
		return err
	}
	if !ok {
		return txRuleError(ErrNonBIP68Final, "")
	}
	fee, spendsCoinbase, err := mp.checkTxInputs(ws)
	if err != nil {
		return err
	}
	pol := &mp.cfg.Policy
	if pol.RequireStandard {
		if err := pol.checkInputsStandard(ws.tx, ws.prevOuts); err != nil {
			return err
		}
		if err := pol.checkWitnessStandard(ws.tx, ws.prevOuts); err != nil {
			return err
		}
	}
	sigops := int64(standalone.TxSigOpCost(ws.tx, ws.prevOuts))
	if sigops > pol.MaxStandardTxSigOpsCost {
		return txRuleError(ErrTooManySigOps, "%d", sigops)
	}
	ws.e = mp.newEntry(ws, fee, sigops, spendsCoinbase)
	return nil
}

// newEntry builds ws's pool entry, with the pool's prioritisation delta
// and the arrival time the caller gave, or now.
func (mp *TxPool) newEntry(ws *workspace, fee, sigops int64, spendsCoinbase bool) *entry {
	e := &entry{
		tx: ws.tx, txid: ws.txid, wtxid: ws.wtxid, fee: fee, delta: mp.deltas[ws.txid],
		vsize:  sigOpAdjustedVSize(ws.weight, sigops, mp.cfg.Policy.BytesPerSigOp),
		weight: ws.weight, sigops: sigops, usage: estimateUsage(ws.tx), added: ws.opts.added,
		height: ws.tipHeight, spendsCoinbase: spendsCoinbase, dust: ws.dust > 0,
	}
	if e.added.IsZero() {
		e.added = mp.cfg.Now()
	}
	return e
}

// checkTxInputs is Core's CheckTxInputs: coinbase maturity and value
// ranges. It returns the fee and whether a coinbase output is spent.
func (mp *TxPool) checkTxInputs(ws *workspace) (int64, bool, error) {
	nextHeight := ws.tipHeight + 1
	spendsCoinbase := false
	var valueIn int64
	for i, u := range ws.coins {
		if u != nil && u.IsCoinBase {
			spendsCoinbase = true
			if nextHeight-u.Height < mp.cfg.CoinbaseMaturity {
				return 0, false, txRuleError(ErrPrematureCoinbaseSpend,
					"tried to spend coinbase at depth %d", nextHeight-u.Height)
			}
		}
		v := ws.prevOuts[i].Value
		if v < 0 || v > maxMoney {
			return 0, false, txRuleError(ErrInputValuesOutOfRange, "")
		}
		valueIn += v
		if valueIn > maxMoney {
			return 0, false, txRuleError(ErrInputValuesOutOfRange, "")
		}
	}
	var valueOut int64
	for _, out := range ws.tx.TxOut {
		valueOut += out.Value
	}
	if valueIn < valueOut {
		return 0, false, txRuleError(ErrInBelowOut, "value in (%s) < value out (%s)",
			formatMoney(valueIn), formatMoney(valueOut))
	}
	return valueIn - valueOut, spendsCoinbase, nil
}

// checkFees applies the fee rules to the entry's modified fee: a
// transaction with ephemeral dust pays none; then, unless limits are
// bypassed, the fee floors in Core v30's order: a non-TRUC transaction
// must pay the minimum relay fee on its own, even in a package; then the
// pool's minimum and the relay minimum, which a package may meet together.
// The pool lock must be held for writing (the pool's minimum decays).
func (mp *TxPool) checkFees(ws *workspace) error {
	e := ws.e
	modFee := e.modFee()
	if ws.dust > 0 && (e.fee != 0 || modFee != 0) {
		return txRuleError(ErrDust, "tx with dust output must be 0-fee")
	}
	if ws.opts.mode.bypassLimits() {
		return nil
	}
	minRelay := mp.cfg.Policy.MinRelayTxFee.Fee(e.vsize)
	if ws.tx.Version != trucVersion && modFee < minRelay {
		return txRuleError(ErrMinRelayFee, "%d < %d", modFee, minRelay)
	}
	if ws.opts.mode.packageFeerates() {
		return nil
	}
	return mp.checkFeeRate(e.vsize, modFee)
}

// checkPoolPolicy applies the last of PreChecks, the rules on the
// transaction's place in the pool: TRUC (with sibling eviction), the
// ancestor, descendant and cluster limits (a sibling being evicted does not
// count), the caller's maximum fee rate, a pooled parent's dust spent, and
// no spending of what it replaces. The pool lock must be held.
func (mp *TxPool) checkPoolPolicy(ws *workspace) error {
	ws.ancestors = ancestorsOf(ws.parents)
	if err := mp.checkTRUCStage(ws); err != nil {
		return err
	}
	if err := mp.checkLimits(ws.e, ws.ancestors, ws.sibling); err != nil {
		return err
	}
	if max := ws.opts.maxFeeRate; max > 0 && feeRateOf(ws.e.modFee(), ws.e.vsize) > max {
		return txRuleError(ErrMaxFeeRateExceeded, "")
	}
	// Ephemeral dust: a pooled parent's dust must be spent by its child
	// (Core's CheckEphemeralSpends; a package checks its members at once).
	if pol := &mp.cfg.Policy; pol.RequireStandard && !ws.opts.mode.inPackage() {
		for p := range ws.parents {
			if p.dust && leavesDust(ws.tx, p.txid, p.tx, pol.DustRelayFee) {
				return ephemeralSpendsError(ws.txid, ws.wtxid)
			}
		}
	}
	// A replacement may not spend what it replaces (Core's
	// EntriesAndTxidsDisjoint, against the direct conflicts).
	for a := range ws.ancestors {
		if _, ok := ws.conflicts[a]; ok {
			return txRuleError(ErrSpendsConflicting,
				"%v spends conflicting transaction %v", ws.txid, a.txid)
		}
	}
	return nil
}

// checkTRUCStage applies the TRUC (version 3) rules. A sibling to evict
// becomes a conflict where the mode allows it; a package member may not
// evict one.
func (mp *TxPool) checkTRUCStage(ws *workspace) error {
	sibling, err := mp.checkTRUC(ws.e, ws.parents, ws.ancestors, ws.conflicts)
	ws.sibling = sibling
	if err != nil || sibling == nil {
		return err
	}
	if ws.opts.mode.inPackage() {
		// A TRUC child has one parent.
		for p := range sibling.parents {
			return txRuleError(ErrTRUCViolation,
				"tx %v (wtxid=%v) would exceed descendant count limit", p.txid, p.wtxid)
		}
	}
	ws.addConflict(sibling)
	return nil
}

// replacementChecks is Core's ReplacementChecks for a transaction alone
// that conflicts with the pool (checkReplacement); it records what the
// transaction evicts. A package judges its members' conflicts together
// instead (packageMempoolChecks). The pool lock must be held for writing.
func (mp *TxPool) replacementChecks(ws *workspace) error {
	ws.evict = nil
	if len(ws.conflicts) == 0 {
		return nil
	}
	evict, err := mp.checkReplacement(ws.e, ws.parents, ws.conflicts)
	if err != nil {
		if re, ok := err.(Error); ok && ws.sibling != nil {
			// Core names sibling evictions in the reason.
			re.Reason += " (including sibling eviction)"
			re.Description = re.Reason + re.Description[len(RejectReason(err)):]
			err = re
		}
		return err
	}
	ws.evict = evict
	return nil
}

// policyScriptChecks is Core's PolicyScriptChecks: the scripts under the
// standard flags, then, after a failure, under the consensus flags alone
// to name the failure's kind (verifyScripts). On success ws.verified
// holds the outputs they passed against. It reads only the transaction
// and its spent outputs, which never change, so it runs without the pool
// lock where it can.
func (mp *TxPool) policyScriptChecks(ws *workspace) error {
	if err := mp.verifyScripts(ws.tx, ws.prevOuts, &ws.txid); err != nil {
		return err
	}
	ws.verified = ws.prevOuts
	return nil
}

// consensusScriptChecks stands where Core's ConsensusScriptChecks does,
// under the lock just before the transaction is added: it makes sure the
// scripts passed against the very outputs the transaction spends now (as
// Core's CheckInputsFromMempoolAndCache). Scripts verified before the lock
// was taken against other outputs, or not yet verified, run now. The pool
// lock must be held.
func (mp *TxPool) consensusScriptChecks(ws *workspace) error {
	if samePrevOuts(ws.verified, ws.prevOuts) {
		return nil
	}
	return mp.policyScriptChecks(ws)
}

// checkMaxFee refuses a transaction whose base fee is above the caller's
// cap, if any.
func checkMaxFee(ws *workspace) error {
	if max := ws.opts.maxFee; max > 0 && ws.e.fee > max {
		return txRuleError(ErrMaxFeeExceeded, "%s > %s", formatMoney(ws.e.fee), formatMoney(max))
	}
	return nil
}

// recheck is the locked pass after scripts verified without the lock. It
// repeats, in PreChecks' order, only what the pool or the chain changing
// meanwhile can invalidate: that the transaction is not pooled yet, its
// conflicts (found anew), its fee (a new prioritisation, a higher pool
// minimum), its place in the pool (TRUC, limits, dust, conflicts spent)
// and ReplacementChecks. The rules it skips look only at the transaction,
// the chain's tip and the coins spent; when the tip or any spent coin is
// not the same, PreChecks runs whole instead. The pool lock must be held
// for writing.
func (mp *TxPool) recheck(ws *workspace) error {
	if !mp.sameCoins(ws) {
		return mp.checkSingle(ws)
	}
	if err := ws.run(mp.checkNotPooled, mp.findConflicts); err != nil {
		return err
	}
	ws.e.delta = mp.deltas[ws.txid]
	if ws.opts.added.IsZero() {
		ws.e.added = mp.cfg.Now()
	}
	return ws.run(mp.checkFees, mp.checkPoolPolicy, mp.replacementChecks)
}

// sameCoins reports whether the chain's tip and every output ws spends
// are what PreChecks judged: each pooled parent still pooled (its txid
// commits to its outputs) and each confirmed coin unchanged in the UTXO
// set. It then links ws to the parents' current entries. The pool lock
// must be held.
func (mp *TxPool) sameCoins(ws *workspace) bool {
	if mp.tipChanges != ws.tipChanges || mp.cfg.BestHeight() != ws.tipHeight ||
		!mp.cfg.MedianTimePast().Equal(ws.mtp) {
		return false
	}
	parents := make(map[*entry]struct{}, len(ws.parents))
	for i, in := range ws.tx.TxIn {
		op := in.PreviousOutPoint
		if p, ok := mp.pool[op.Hash]; ok {
			if ws.coins[i] != nil {
				return false
			}
			parents[p] = struct{}{}
			continue
		}
		was := ws.coins[i]
		if was == nil {
			return false // the parent left the pool
		}
		u, err := mp.cfg.FetchUTXO(op)
		if err != nil || u == nil || u.Amount != was.Amount || u.Height != was.Height ||
			u.IsCoinBase != was.IsCoinBase || !bytes.Equal(u.PkScript, was.PkScript) {
			return false
		}
	}
	ws.parents = parents
	return true
}

// finalize is Core's Finalize for a transaction alone: it evicts what the
// transaction replaces and adds it; then, unless limits are bypassed, it
// expires old entries and trims the pool to its size limit, refusing the
// transaction with ErrMempoolFull if the trim took it. The fee estimator
// learns what stays. The pool lock must be held for writing.
func (mp *TxPool) finalize(ws *workspace) (*TxDesc, error) {
	e := ws.e
	mp.commit(ws)
	bypass := ws.opts.mode.bypassLimits()
	if !bypass {
		mp.expire()
		mp.trimToSize()
		if _, ok := mp.pool[e.txid]; !ok {
			return nil, txRuleError(ErrMempoolFull, "")
		}
	}
	d := mp.desc(e)
	// Only transactions a disconnected block put back bypass the limits;
	// the estimator must not learn from them (Core's !bypass_limits).
	mp.learnFee(d, !bypass)
	log.Debugf("Accepted %v (pool size %d)", e.txid, len(mp.pool))
	return d, nil
}

// removeReplaced removes the entries a replacement evicts, keeping them
// for compact block reconstruction and counting them. The pool lock must
// be held for writing.
func (mp *TxPool) removeReplaced(evict map[*entry]struct{}) {
	mp.extra.addEntries(evict)
	mp.replaced.Add(uint64(len(evict)))
	mp.removeSet(evict, RemovedReplaced)
}

// commit evicts what ws replaces and adds ws's entry below the parents and
// ancestors ws holds. The pool lock must be held for writing.
func (mp *TxPool) commit(ws *workspace) {
	for c := range ws.evict {
		log.Debugf("Replacing %v with %v", c.txid, ws.txid)
	}
	mp.removeReplaced(ws.evict)
	// The ancestors PreChecks found are still e's: none of them is evicted
	// (a replacement may not spend a conflict or its descendants).
	mp.addEntry(ws.e, ws.parents, ws.ancestors)
	// A transaction held as an orphan that enters by another path (a
	// package, its parent's arrival) is an orphan no longer.
	if o := mp.orphans.byTxid[ws.txid]; o != nil {
		mp.orphans.remove(o)
	}
}
