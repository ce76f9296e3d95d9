package mempool

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// verifyScripts runs the scripts under the standard flags and, on failure,
// under the consensus flags to name the failure's kind. The txid is only
// formatted for a failure.
func (mp *TxPool) verifyScripts(tx *wire.MsgTx, prevOuts []*wire.TxOut, txid *chainhash.Hash) error {
	if idx, err := mp.cfg.Verifier.VerifyScripts(tx, prevOuts, true); err != nil {
		kind := ErrScriptPolicy
		if _, err2 := mp.cfg.Verifier.VerifyScripts(tx, prevOuts, false); err2 != nil {
			kind = ErrScriptConsensus
		}
		return scriptError(kind, err.Error(), idx, txid.String())
	}
	return nil
}

// samePrevOuts reports whether a and b are the same spent outputs.
func samePrevOuts(a, b []*wire.TxOut) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Value != b[i].Value || !bytes.Equal(a[i].PkScript, b[i].PkScript) {
			return false
		}
	}
	return true
}

// missingInputsError carries the parents a transaction lacks.
type missingInputsError struct {
	err     Error
	parents []chainhash.Hash
}

func (m missingInputsError) Error() string { return m.err.Error() }
func (m missingInputsError) Unwrap() error { return m.err }

// AcceptResult reports a successful dry run (testmempoolaccept): the
// transaction's vsize, base fee and modified fee, and what it replaces.
type AcceptResult struct {
	TxHash      chainhash.Hash
	WTxHash     chainhash.Hash
	VSize       int64
	Fee         int64
	ModifiedFee int64
	Replaced    []chainhash.Hash
}

// TestAccept checks tx against every rule without adding it (Core's
// testmempoolaccept for one transaction): PreChecks and ReplacementChecks
// under the pool lock, then PolicyScriptChecks without it, as nothing is
// added.
func (mp *TxPool) TestAccept(tx *wire.MsgTx) (*AcceptResult, error) {
	ws := newWorkspace(tx, acceptOpts{})
	mp.mtx.Lock()
	err := mp.checkSingle(ws)
	var res *AcceptResult
	if err == nil {
		res = ws.result()
	}
	mp.mtx.Unlock()
	if err != nil {
		return nil, err
	}
	if err := mp.policyScriptChecks(ws); err != nil {
		return nil, err
	}
	return res, nil
}

// MaybeAcceptTransaction validates tx and adds it to the pool. It does not
// keep orphans: a transaction with missing inputs is refused with
// ErrMissingInputs, and the missing parents' txids are returned.
func (mp *TxPool) MaybeAcceptTransaction(tx *wire.MsgTx) ([]chainhash.Hash, *TxDesc, error) {
	mp.mtx.Lock()
	defer mp.mtx.Unlock()
	d, err := mp.acceptSingle(newWorkspace(tx, acceptOpts{}))
	if me, ok := err.(missingInputsError); ok {
		return me.parents, nil, me.err
	}
	return nil, d, err
}

// acceptSingle chains the stages for a transaction alone with its scripts
// verified while the pool lock is released, so that peers' transactions
// verify in parallel: PreChecks and ReplacementChecks under the lock,
// PolicyScriptChecks without it, then, under the lock again, recheck
// (what a change of the pool or the chain meanwhile can invalidate),
// ConsensusScriptChecks, the fee cap and Finalize. A transaction PreChecks
// refuses keeps the lock throughout, so the caller may hold it as an
// orphan under the same lock. The pool lock must be held for writing on
// entry; it is held again on return.
func (mp *TxPool) acceptSingle(ws *workspace) (*TxDesc, error) {
	if err := mp.checkSingle(ws); err != nil {
		return nil, err
	}
	mp.mtx.Unlock()
	err := mp.policyScriptChecks(ws)
	mp.mtx.Lock()
	if err != nil {
		return nil, err
	}
	if err := ws.run(mp.recheck, mp.consensusScriptChecks, checkMaxFee); err != nil {
		return nil, err
	}
	return mp.finalize(ws)
}

// accept chains every stage for a transaction alone under the pool lock,
// scripts included (Core's AcceptSingleTransaction): for orphans, a
// disconnected block's transactions and mempool.dat, which are taken in
// while the lock is held. ConsensusScriptChecks runs the scripts, none
// having run yet. The pool lock must be held for writing.
func (mp *TxPool) accept(tx *wire.MsgTx, opts acceptOpts) (*TxDesc, error) {
	ws := newWorkspace(tx, opts)
	err := ws.run(mp.preChecks, mp.replacementChecks, mp.consensusScriptChecks, checkMaxFee)
	if err != nil {
		return nil, err
	}
	return mp.finalize(ws)
}

// checkSingle runs the stages before the scripts for a transaction alone:
// PreChecks, then ReplacementChecks. The pool lock must be held for
// writing.
func (mp *TxPool) checkSingle(ws *workspace) error {
	return ws.run(mp.preChecks, mp.replacementChecks)
}

// learnFee passes a transaction the pool just accepted to the fee
// estimator, if there is one. atTip is false for a transaction a
// disconnected block put back; the estimator then counts it without
// tracking it, as it does for one accepted while the chain is not current.
// This is the one place that rule lives. The pool lock must be held; the
// estimator takes its own lock after it (see Config.FeeEstimator).
func (mp *TxPool) learnFee(d *TxDesc, atTip bool) {
	fe := mp.cfg.FeeEstimator
	if fe == nil {
		return
	}
	valid := atTip && (mp.cfg.IsCurrent == nil || mp.cfg.IsCurrent())
	fe.ProcessTransaction(d, d.Height, valid)
}

// checkFeeRate is Core's CheckFeeRate: fee for vsize (one transaction's, or
// a package's totals) must meet the pool's current minimum and the minimum
// relay fee. The pool lock must be held for writing.
func (mp *TxPool) checkFeeRate(vsize, fee int64) error {
	if rej := mp.minFee().Fee(vsize); rej > 0 && fee < rej {
		return txRuleError(ErrMempoolMinFee, "%d < %d", fee, rej)
	}
	if min := mp.cfg.Policy.MinRelayTxFee.Fee(vsize); fee < min {
		return txRuleError(ErrMinRelayFee, "%d < %d", fee, min)
	}
	return nil
}

// checkLimits enforces the ancestor, descendant and cluster limits for e
// joining below ancestors. Conflicts about to be replaced still count, as
// in Core v30 outside its single-conflict carve-outs.
func (mp *TxPool) checkLimits(e *entry, ancestors map[*entry]struct{}, sibling *entry) error {
	pol := &mp.cfg.Policy
	if len(ancestors)+1 > pol.AncestorLimitCount {
		return txRuleError(ErrTooLongChain, "too many unconfirmed ancestors [limit: %d]",
			pol.AncestorLimitCount)
	}
	ancSize := e.vsize
	for a := range ancestors {
		ancSize += a.vsize
	}
	if ancSize > pol.AncestorLimitSize {
		return txRuleError(ErrTooLongChain, "exceeds ancestor size limit [limit: %d]",
			pol.AncestorLimitSize)
	}
	for a := range ancestors {
		descCount, descSize := a.descCount, a.descSize
		if sibling != nil {
			if _, ok := sibling.parents[a]; ok {
				descCount--
				descSize -= sibling.vsize
			}
		}
		if descCount+1 > pol.DescendantLimitCount {
			return txRuleError(ErrTooLongChain, "too many descendants for tx %v [limit: %d]",
				a.txid, pol.DescendantLimitCount)
		}
		if descSize+e.vsize > pol.DescendantLimitSize {
			return txRuleError(ErrTooLongChain,
				"exceeds descendant size limit for tx %v [limit: %d]", a.txid,
				pol.DescendantLimitSize)
		}
	}
	if pol.ClusterLimitCount > 0 || pol.ClusterLimitSize > 0 {
		seen := make(map[*cluster]struct{})
		count, size := 1, e.vsize
		for a := range ancestors {
			if _, ok := seen[a.cluster]; ok {
				continue
			}
			seen[a.cluster] = struct{}{}
			count += len(a.cluster.members)
			size += a.cluster.vsize
		}
		if pol.ClusterLimitCount > 0 && count > pol.ClusterLimitCount ||
			pol.ClusterLimitSize > 0 && size > pol.ClusterLimitSize {
			return txRuleError(ErrTooLongChain, "too many unconfirmed transactions in cluster [limit: %d]",
				pol.ClusterLimitCount)
		}
	}
	return nil
}

// checkReplacement applies Core v31's replace-by-fee rules
// (doc/policy/mempool-replacements.md under the cluster mempool) in Core's
// order and returns the set to evict: the conflicts and all their
// descendants. Every conflict may be replaced (full RBF) and the
// replacement may spend new unconfirmed outputs; the direct conflicts
// belong to at most MaxReplacementEvictions clusters; the replacement
// pays at least the fees of everything evicted plus its own relay at the
// incremental relay fee; and the fee-rate diagram of the clusters it
// touches strictly improves (improvesClusterDiagram). parents are e's
// pooled parents. The pool lock must be held for writing.
func (mp *TxPool) checkReplacement(e *entry, parents, conflicts map[*entry]struct{}) (map[*entry]struct{}, error) {
	pol := &mp.cfg.Policy
	hash := e.txid

	clusters := make(map[*cluster]struct{})
	for c := range conflicts {
		clusters[c.cluster] = struct{}{}
	}
	if len(clusters) > pol.MaxReplacementEvictions {
		return nil, txRuleError(ErrTooManyReplacements,
			"rejecting replacement %v; too many conflicting clusters (%d > %d)",
			hash, len(clusters), pol.MaxReplacementEvictions)
	}
	evict := make(map[*entry]struct{})
	for c := range conflicts {
		for d := range descendantsOf(c) {
			evict[d] = struct{}{}
		}
	}

	// Pay for everything evicted, plus its own relay.
	var origFees int64
	for x := range evict {
		origFees = satAdd(origFees, x.modFee())
	}
	if msg := mp.paysForRBF(origFees, e.modFee(), e.vsize, hash); msg != "" {
		return nil, txRuleError(ErrInsufficientFee, "%s", msg)
	}
	if !mp.improvesClusterDiagram(e, parents, evict) {
		return nil, txRuleError(ErrInsufficientFee, "insufficient feerate: does not improve feerate diagram")
	}
	return evict, nil
}

// addEntry links e below parents, updates every relative's statistics and
// the cluster bookkeeping, and indexes it. ancestors is ancestorsOf(parents)
// (the workspace's). The pool lock must be held.
func (mp *TxPool) addEntry(e *entry, parents, ancestors map[*entry]struct{}) {
	if len(parents) == 0 {
		parents = nil // most entries have none: no empty map kept
	}
	e.parents = parents
	e.ancCount, e.ancSize, e.ancFees, e.ancSigOps = 1, e.vsize, e.modFee(), e.sigops
	for a := range ancestors {
		e.ancCount++
		e.ancSize += a.vsize
		e.ancFees = satAdd(e.ancFees, a.modFee())
		e.ancSigOps += a.sigops
		a.descCount++
		a.descSize += e.vsize
		a.descFees = satAdd(a.descFees, e.modFee())
	}
	e.descCount, e.descSize, e.descFees = 1, e.vsize, e.modFee()
	for p := range parents {
		if p.children == nil {
			p.children = make(map[*entry]struct{}, 1)
		}
		p.children[e] = struct{}{}
	}

	// Clusters: merge the parents' clusters into the largest.
	var c *cluster
	for p := range parents {
		mp.markDirty(p.cluster)
		if c == nil || len(p.cluster.members) > len(c.members) {
			c = p.cluster
		}
	}
	if c == nil {
		c = &cluster{}
	}
	for p := range parents {
		if p.cluster != c {
			old := p.cluster
			for _, m := range old.members {
				c.addMember(m)
			}
			c.vsize += old.vsize
			c.fees = satAdd(c.fees, old.fees)
			old.members = nil
		}
	}
	c.addMember(e)
	c.vsize += e.vsize
	c.fees = satAdd(c.fees, e.modFee())

	mp.pool[e.txid] = e
	mp.byWtxid[e.wtxid] = e
	for _, in := range e.tx.TxIn {
		mp.spentBy[in.PreviousOutPoint] = e
	}
	if n := len(mp.byTime); n > 0 && e.added.Before(mp.byTime[n-1].added) {
		// Loaded or restored with an old arrival time: order lazily.
		mp.byTimeDirty = true
	}
	mp.byTime = append(mp.byTime, e)
	mp.usage += e.usage
	mp.totalVSz += e.vsize
	mp.markDirty(c)
	mp.sequence++
	mp.lastUpdated = mp.cfg.Now()
	mp.recordAdd(e)
}

// removeSet removes every entry of set for reason, updating the
// statistics of relatives that stay and splitting clusters that fall
// apart; each removal takes a sequence number (and an event). The pool
// lock must be held.
func (mp *TxPool) removeSet(set map[*entry]struct{}, reason RemovalReason) {
	if len(set) == 0 {
		return
	}
	mp.recordRemove(set, reason)
	touched := make(map[*cluster]struct{})
	for e := range set {
		mp.markDirty(e.cluster)
	}
	for e := range set {
		for a := range ancestorsOf(e.parents) {
			if _, gone := set[a]; gone {
				continue
			}
			a.descCount--
			a.descSize -= e.vsize
			a.descFees = satSub(a.descFees, e.modFee())
		}
		for d := range descendantsOf(e) {
			if _, gone := set[d]; gone {
				continue
			}
			d.ancCount--
			d.ancSize -= e.vsize
			d.ancFees = satSub(d.ancFees, e.modFee())
			d.ancSigOps -= e.sigops
		}
	}
	for e := range set {
		for p := range e.parents {
			delete(p.children, e)
			if len(p.children) == 0 {
				p.children = nil
			}
		}
		for c := range e.children {
			delete(c.parents, e)
			if len(c.parents) == 0 {
				c.parents = nil
			}
		}
		delete(mp.pool, e.txid)
		delete(mp.byWtxid, e.wtxid)
		delete(mp.unbroadcast, e.txid)
		for _, in := range e.tx.TxIn {
			if mp.spentBy[in.PreviousOutPoint] == e {
				delete(mp.spentBy, in.PreviousOutPoint)
			}
		}
		mp.usage -= e.usage
		mp.totalVSz -= e.vsize
		c := e.cluster
		c.removeMember(e)
		c.vsize -= e.vsize
		c.fees = satSub(c.fees, e.modFee())
		touched[c] = struct{}{}
		e.cluster = nil
	}
	for c := range touched {
		for _, part := range mp.splitCluster(c) {
			mp.markDirty(part)
		}
	}
	mp.sequence++
	mp.lastUpdated = mp.cfg.Now()
	if len(mp.byTime) > 64 && len(mp.byTime) > 2*len(mp.pool) {
		kept := mp.byTime[:0]
		for _, e := range mp.byTime {
			if mp.pool[e.txid] == e {
				kept = append(kept, e)
			}
		}
		for i := len(kept); i < len(mp.byTime); i++ {
			mp.byTime[i] = nil
		}
		mp.byTime = kept
	}
}

// splitCluster recomputes the connected components of c's remaining
// members after removals and returns them (c itself when it stays whole,
// none when it is empty).
func (mp *TxPool) splitCluster(c *cluster) []*cluster {
	if len(c.members) == 0 {
		return nil
	}
	seen := make(map[*entry]bool, len(c.members))
	var parts []*cluster
	for _, seed := range c.members {
		if seen[seed] {
			continue
		}
		seen[seed] = true
		comp := []*entry{seed}
		for i := 0; i < len(comp); i++ {
			x := comp[i]
			for _, rel := range []map[*entry]struct{}{x.parents, x.children} {
				for y := range rel {
					if !seen[y] {
						seen[y] = true
						comp = append(comp, y)
					}
				}
			}
		}
		if len(comp) == len(c.members) {
			return []*cluster{c} // still one component: keep the cluster
		}
		part := &cluster{members: make([]*entry, 0, len(comp))}
		for _, m := range comp {
			part.addMember(m)
			part.vsize += m.vsize
			part.fees = satAdd(part.fees, m.modFee())
		}
		parts = append(parts, part)
	}
	c.members = nil
	return parts
}

// RemoveTransaction removes txid and, if removeRedeemers, every pooled
// descendant (btcd's API; Core's removeRecursive).
func (mp *TxPool) RemoveTransaction(txid *chainhash.Hash, removeRedeemers bool) {
	mp.mtx.Lock()
	defer mp.mtx.Unlock()
	e, ok := mp.pool[*txid]
	if !ok {
		return
	}
	if removeRedeemers {
		mp.removeSet(descendantsOf(e), RemovedConflict)
	} else {
		mp.removeSet(map[*entry]struct{}{e: {}}, RemovedConflict)
	}
}

// expire removes transactions older than the expiry time, with their
// descendants. The pool lock must be held.
func (mp *TxPool) expire() int {
	cutoff := mp.cfg.Now().Add(-mp.cfg.Policy.MempoolExpiry)
	if mp.byTimeDirty {
		sort.SliceStable(mp.byTime, func(i, j int) bool {
			return mp.byTime[i].added.Before(mp.byTime[j].added)
		})
		mp.byTimeDirty = false
	}
	n := 0
	for len(mp.byTime) > 0 {
		e := mp.byTime[0]
		if mp.pool[e.txid] == e && !e.added.Before(cutoff) {
			break
		}
		mp.byTime[0] = nil
		mp.byTime = mp.byTime[1:]
		if mp.pool[e.txid] != e {
			continue
		}
		set := descendantsOf(e)
		n += len(set)
		mp.removeSet(set, RemovedExpiry)
	}
	if n > 0 {
		log.Debugf("Expired %d transactions from the pool", n)
	}
	return n
}

// Expire removes every transaction older than --mempoolexpiry and returns
// how many went.
func (mp *TxPool) Expire() int {
	mp.mtx.Lock()
	defer mp.mtx.Unlock()
	return mp.expire()
}

// trimToSize evicts the pool's worst chunk (the last chunk of the cluster
// whose last chunk has the lowest fee rate) until the pool fits
// --maxmempool, raising the rolling minimum fee to each removed chunk's
// fee rate plus the incremental relay fee (Core v31's TrimToSize). A
// cluster's last chunk holds the descendants of its members, so the rest
// of the cluster stays whole. The pool lock must be held.
func (mp *TxPool) trimToSize() {
	for mp.usage > mp.cfg.Policy.MaxMempoolBytes {
		mp.settleClusters()
		tail := mp.byChunk.min()
		if tail == nil {
			return
		}
		c := tail.cluster
		last := c.chunks[len(c.chunks)-1]
		start := 0
		if len(c.chunks) > 1 {
			start = c.chunks[len(c.chunks)-2].end
		}
		set := make(map[*entry]struct{}, last.end-start)
		for _, x := range c.lin[start:last.end] {
			set[x] = struct{}{}
		}
		rate := feeRateOf(last.fee, last.size) + mp.cfg.Policy.IncrementalRelayFee
		mp.trackPackageRemoved(rate)
		log.Debugf("Evicting %d transactions at %v to fit the pool limit", len(set), rate)
		mp.extra.addEntries(set)
		mp.removeSet(set, RemovedSizeLimit)
	}
}

// dedupe returns hashes without repeats, order kept.
func dedupe(hashes []chainhash.Hash) []chainhash.Hash {
	seen := make(map[chainhash.Hash]struct{}, len(hashes))
	out := hashes[:0]
	for _, h := range hashes {
		if _, ok := seen[h]; !ok {
			seen[h] = struct{}{}
			out = append(out, h)
		}
	}
	return out
}

// formatMoney renders satoshis as Core's FormatMoney does (BTC, at least
// two decimals, trailing zeros trimmed).
func formatMoney(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := fmt.Sprintf("%d.%08d", n/1e8, n%1e8)
	for i := 0; i < 6 && s[len(s)-1] == '0'; i++ {
		s = s[:len(s)-1]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// formatFeeRate renders a fee rate as Core's CFeeRate::ToString does.
func formatFeeRate(r FeeRate) string {
	return fmt.Sprintf("%d.%08d BTC/kvB", int64(r)/1e8, int64(r)%1e8)
}
