package mempool

import (
	"errors"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// Package limits (Core v30's policy/packages.h).
const (
	// MaxPackageCount is the most transactions a package may hold
	// (MAX_PACKAGE_COUNT), and so the most testmempoolaccept takes.
	MaxPackageCount = 25
	// MaxPackageWeight is the most total weight a package of more than one
	// transaction may have (MAX_PACKAGE_WEIGHT).
	MaxPackageWeight = 404000
)

// These kinds are Core's package-wide rejections (PCKG_POLICY) and the
// package test acceptance's own transaction rejection.
const (
	ErrPackageTooManyTxs   = ErrorKind("package-too-many-transactions")
	ErrPackageTooLarge     = ErrorKind("package-too-large")
	ErrPackageDuplicates   = ErrorKind("package-contains-duplicates")
	ErrPackageNotSorted    = ErrorKind("package-not-sorted")
	ErrConflictInPackage   = ErrorKind("conflict-in-package")
	ErrPackageMempoolLimit = ErrorKind("package-mempool-limits")

	// ErrReplacementDisallowed refuses a transaction that conflicts with
	// the pool where no replacement is allowed (a package under test).
	ErrReplacementDisallowed = ErrorKind("bip125-replacement-disallowed")
)

// PackageTxResult is the outcome of one transaction of a package test.
// Result is set when it passed every rule, Err when it failed; neither when
// validation stopped before it was fully checked (Core then leaves out
// "allowed").
type PackageTxResult struct {
	TxHash  chainhash.Hash
	WTxHash chainhash.Hash
	Result  *AcceptResult
	Err     error
}

// PackageTestResult is the outcome of TestAcceptPackage. PackageErr is a
// package-wide policy failure (Core's PCKG_POLICY, testmempoolaccept's
// "package-error"); when it is set no transaction has a result.
type PackageTestResult struct {
	PackageErr error
	Txs        []PackageTxResult
}

// checkWellFormedPackage is Core's IsWellFormedPackage with sorting
// required: at most MaxPackageCount transactions, at most
// MaxPackageWeight in all (for more than one), no duplicate txids, parents
// before children, and no two transactions spending the same output.
func checkWellFormedPackage(txs []*wire.MsgTx, txids []chainhash.Hash) error {
	if len(txs) > MaxPackageCount {
		return txRuleError(ErrPackageTooManyTxs, "")
	}
	var weight int64
	for _, tx := range txs {
		weight += tx.Weight()
	}
	if len(txs) > 1 && weight > MaxPackageWeight {
		return txRuleError(ErrPackageTooLarge, "")
	}
	later := make(map[chainhash.Hash]struct{}, len(txs))
	for _, h := range txids {
		later[h] = struct{}{}
	}
	if len(later) != len(txs) {
		return txRuleError(ErrPackageDuplicates, "")
	}
	// later holds this transaction's txid and those after it: spending
	// any of them puts a parent after its child.
	for i, tx := range txs {
		for _, in := range tx.TxIn {
			if _, ok := later[in.PreviousOutPoint.Hash]; ok {
				return txRuleError(ErrPackageNotSorted, "")
			}
		}
		delete(later, txids[i])
	}
	// A transaction's own inputs are added after its check, so a duplicate
	// input within one transaction is left to CheckTransactionSanity.
	seen := make(map[wire.OutPoint]struct{})
	for _, tx := range txs {
		if len(tx.TxIn) == 0 {
			return txRuleError(ErrConflictInPackage, "")
		}
		for _, in := range tx.TxIn {
			if _, ok := seen[in.PreviousOutPoint]; ok {
				return txRuleError(ErrConflictInPackage, "")
			}
		}
		for _, in := range tx.TxIn {
			seen[in.PreviousOutPoint] = struct{}{}
		}
	}
	return nil
}

// packageHashes returns the txid and wtxid of each package member (the
// wtxid is the txid for a transaction without witness data).
func packageHashes(txs []*wire.MsgTx) (txids, wtxids []chainhash.Hash) {
	txids = make([]chainhash.Hash, len(txs))
	wtxids = make([]chainhash.Hash, len(txs))
	for i, tx := range txs {
		txids[i] = tx.TxHash()
		wtxids[i] = txids[i]
		if tx.HasWitness() {
			wtxids[i] = tx.WitnessHash()
		}
	}
	return txids, wtxids
}

// TestAcceptPackage checks txs as a package without adding anything (Core's
// ProcessNewPackage with test_accept, i.e. AcceptMultipleTransactions under
// PackageTestAccept): the package must be well formed; each transaction is
// then checked in order against the pool and the outputs of the earlier
// ones, every rule but the scripts, with no replacement of pooled
// transactions allowed and each paying its own fee floor (no CPFP). The
// first failure stops the run and is the only result. Then the package's
// TRUC topology and its combined ancestor and descendant limits are
// checked, then that each member spends its parents' dust (ephemeral
// dust), and last the scripts, in order: a script failure stops there,
// the transactions before it keeping their results. The pool is not
// changed. Safe for concurrent use; the scripts run without the lock.
func (mp *TxPool) TestAcceptPackage(txs []*wire.MsgTx) *PackageTestResult {
	res := &PackageTestResult{Txs: make([]PackageTxResult, len(txs))}
	txids, wtxids := packageHashes(txs)
	for i := range txs {
		res.Txs[i].TxHash, res.Txs[i].WTxHash = txids[i], wtxids[i]
	}
	if err := checkWellFormedPackage(txs, txids); err != nil {
		res.PackageErr = err
		return res
	}

	checked := mp.checkPackage(txs, res)
	if checked == nil {
		return res
	}
	for i, r := range checked {
		if err := mp.verifyScripts(txs[i], r.prevOuts, &r.e.txid); err != nil {
			res.Txs[i].Err = err
			return res
		}
		res.Txs[i].Result = &AcceptResult{TxHash: r.e.txid, WTxHash: r.e.wtxid,
			VSize: r.e.vsize, Fee: r.e.fee, ModifiedFee: r.e.modFee()}
	}
	return res
}

// checkPackage runs every rule but the scripts on each transaction of a
// well-formed package in order, under the pool lock, then the package-wide
// TRUC and limit checks. It returns the checks' results, or nil after
// recording in res the package-wide error or the first transaction's.
func (mp *TxPool) checkPackage(txs []*wire.MsgTx, res *PackageTestResult) []*checkResult {
	mp.mtx.Lock()
	defer mp.mtx.Unlock()
	opts := acceptOpts{dryRun: true, skipScripts: true, noReplace: true,
		pkg: make(map[chainhash.Hash]*wire.MsgTx, len(txs))}
	checked := make([]*checkResult, len(txs))
	for i, tx := range txs {
		r, err := mp.check(tx, opts)
		if err != nil {
			if me, ok := err.(missingInputsError); ok {
				err = me.err
			}
			res.Txs[i].Err = err
			return nil
		}
		checked[i] = r
		opts.pkg[r.e.txid] = tx
	}
	for i := range checked {
		if err := checkPackageTRUC(checked, i); err != nil {
			res.PackageErr = err
			return nil
		}
	}
	if len(txs) > 1 {
		if err := mp.checkPackageLimits(checked); err != nil {
			res.PackageErr = err
			return nil
		}
	}
	// Core's PCKG_TX "unspent-dust": the member that leaves a parent's
	// dust is the only result.
	if mp.cfg.Policy.RequireStandard {
		if k := mp.checkPackageEphemeral(checked, opts.pkg); k >= 0 {
			res.Txs[k].Err = ephemeralSpendsError(checked[k].e.txid, checked[k].e.wtxid)
			return nil
		}
	}
	return checked
}

// checkPackageTRUC is Core's PackageTRUCChecks for the i-th member of a
// checked package, whose in-pool ancestors check found: the version 3
// rules across the package, where a parent may be an earlier member rather
// than a pool entry.
func checkPackageTRUC(checked []*checkResult, i int) error {
	r := checked[i]
	e := r.e
	inputs := make(map[chainhash.Hash]struct{}, len(e.tx.TxIn))
	for _, in := range e.tx.TxIn {
		inputs[in.PreviousOutPoint.Hash] = struct{}{}
	}
	// The members are unconfirmed and not pooled: entries only in name.
	var pkgParents []*entry
	for _, c := range checked[:i] {
		if _, ok := inputs[c.e.txid]; ok {
			pkgParents = append(pkgParents, c.e)
		}
	}

	if e.tx.Version != trucVersion {
		for a := range r.ancestors {
			if a.tx.Version == trucVersion {
				return txRuleError(ErrTRUCViolation,
					"non-version=3 tx %v (wtxid=%v) cannot spend from version=3 tx %v (wtxid=%v)",
					e.txid, e.wtxid, a.txid, a.wtxid)
			}
		}
		for _, p := range pkgParents {
			if p.tx.Version == trucVersion {
				return txRuleError(ErrTRUCViolation,
					"non-version=3 tx %v (wtxid=%v) cannot spend from version=3 tx %v (wtxid=%v)",
					e.txid, e.wtxid, p.txid, p.wtxid)
			}
		}
		return nil
	}

	if e.vsize > trucMaxVSize {
		return txRuleError(ErrTRUCViolation, "version=3 tx %v (wtxid=%v) is too big: %d > %d virtual bytes",
			e.txid, e.wtxid, e.vsize, trucMaxVSize)
	}
	if len(r.ancestors)+len(pkgParents)+1 > trucAncestorLimit {
		return txRuleError(ErrTRUCViolation, "tx %v (wtxid=%v) would have too many ancestors",
			e.txid, e.wtxid)
	}
	if len(r.ancestors)+len(pkgParents) == 0 {
		return nil
	}
	if e.vsize > trucChildMaxVSize {
		return txRuleError(ErrTRUCViolation,
			"version=3 child tx %v (wtxid=%v) is too big: %d > %d virtual bytes",
			e.txid, e.wtxid, e.vsize, trucChildMaxVSize)
	}
	// Exactly one parent, in the pool or in the package; only a pooled
	// one can have other children already.
	var parent *entry
	hasPoolChild := false
	for a := range r.ancestors {
		parent = a
		hasPoolChild = a.descCount > 1
	}
	if parent == nil {
		parent = pkgParents[0]
	}
	if parent.tx.Version != trucVersion {
		return txRuleError(ErrTRUCViolation,
			"version=3 tx %v (wtxid=%v) cannot spend from non-version=3 tx %v (wtxid=%v)",
			e.txid, e.wtxid, parent.txid, parent.wtxid)
	}
	for j, c := range checked {
		if j == i {
			continue
		}
		for _, in := range c.e.tx.TxIn {
			if in.PreviousOutPoint.Hash == parent.txid {
				return txRuleError(ErrTRUCViolation, "tx %v (wtxid=%v) would exceed descendant count limit",
					parent.txid, parent.wtxid)
			}
			if in.PreviousOutPoint.Hash == e.txid {
				return txRuleError(ErrTRUCViolation, "tx %v (wtxid=%v) would have too many ancestors",
					c.e.txid, c.e.wtxid)
			}
		}
	}
	if hasPoolChild {
		return txRuleError(ErrTRUCViolation, "tx %v (wtxid=%v) would exceed descendant count limit",
			parent.txid, parent.wtxid)
	}
	return nil
}

// checkPackageLimits is Core's CheckPackageLimits: the package counts as
// one transaction of its total size and count below the union of its
// members' in-pool ancestors, which may overestimate. The pool lock must be
// held.
func (mp *TxPool) checkPackageLimits(checked []*checkResult) error {
	pol := &mp.cfg.Policy
	n := len(checked)
	var total int64
	for _, r := range checked {
		total += r.e.vsize
	}
	switch {
	case n > pol.AncestorLimitCount:
		return txRuleError(ErrPackageMempoolLimit, "package count %d exceeds ancestor count limit [limit: %d]",
			n, pol.AncestorLimitCount)
	case n > pol.DescendantLimitCount:
		return txRuleError(ErrPackageMempoolLimit, "package count %d exceeds descendant count limit [limit: %d]",
			n, pol.DescendantLimitCount)
	case total > pol.AncestorLimitSize:
		return txRuleError(ErrPackageMempoolLimit, "package size %d exceeds ancestor size limit [limit: %d]",
			total, pol.AncestorLimitSize)
	case total > pol.DescendantLimitSize:
		return txRuleError(ErrPackageMempoolLimit, "package size %d exceeds descendant size limit [limit: %d]",
			total, pol.DescendantLimitSize)
	}
	parents := make(map[*entry]struct{})
	for _, r := range checked {
		for p := range r.parents {
			parents[p] = struct{}{}
		}
	}
	if len(parents)+n > pol.AncestorLimitCount {
		return txRuleError(ErrPackageMempoolLimit, "too many unconfirmed parents [limit: %d]",
			pol.AncestorLimitCount)
	}
	ancestors := ancestorsOf(parents)
	if len(ancestors)+n > pol.AncestorLimitCount {
		return txRuleError(ErrPackageMempoolLimit, "possibly too many unconfirmed ancestors [limit: %d]",
			pol.AncestorLimitCount)
	}
	ancSize := total
	for a := range ancestors {
		ancSize += a.vsize
		if a.descSize+total > pol.DescendantLimitSize {
			return txRuleError(ErrPackageMempoolLimit,
				"possibly exceeds descendant size limit for tx %v [limit: %d]", a.txid, pol.DescendantLimitSize)
		}
		if a.descCount+n > pol.DescendantLimitCount {
			return txRuleError(ErrPackageMempoolLimit,
				"possibly too many descendants for tx %v [limit: %d]", a.txid, pol.DescendantLimitCount)
		}
	}
	if ancSize > pol.AncestorLimitSize {
		return txRuleError(ErrPackageMempoolLimit, "possibly exceeds ancestor size limit [limit: %d]",
			pol.AncestorLimitSize)
	}
	if pol.ClusterLimitCount > 0 || pol.ClusterLimitSize > 0 {
		seen := make(map[*cluster]struct{})
		count, size := n, total
		for a := range ancestors {
			if _, ok := seen[a.cluster]; !ok {
				seen[a.cluster] = struct{}{}
				count += len(a.cluster.members)
				size += a.cluster.vsize
			}
		}
		if pol.ClusterLimitCount > 0 && count > pol.ClusterLimitCount ||
			pol.ClusterLimitSize > 0 && size > pol.ClusterLimitSize {
			return txRuleError(ErrPackageMempoolLimit,
				"too many unconfirmed transactions in cluster [limit: %d]", pol.ClusterLimitCount)
		}
	}
	return nil
}

// These kinds are package submission's own rejections (Core's
// submitpackage, ProcessNewPackage without test_accept).
const (
	// ErrPackageNotChildWithParents is a package of several transactions
	// whose last is not a child of every other one (PCKG_POLICY).
	ErrPackageNotChildWithParents = ErrorKind("package-not-child-with-parents")
	// ErrPackageTxFailed is Core's package-wide PCKG_TX result: some
	// member was refused; each transaction's result says which and why.
	ErrPackageTxFailed = ErrorKind("transaction failed")
	// ErrMaxFeeRateExceeded refuses a member whose modified fee rate is
	// above the submitter's maxfeerate.
	ErrMaxFeeRateExceeded = ErrorKind("max feerate exceeded")
	// ErrMissingEphemeralSpends refuses a transaction that spends a
	// parent with dust outputs without spending all of them.
	ErrMissingEphemeralSpends = ErrorKind("missing-ephemeral-spends")
	// ErrUnspentDust is the package-wide result when a member leaves a
	// parent's dust unspent (PCKG_TX).
	ErrUnspentDust = ErrorKind("unspent-dust")
)

// leavesDust reports whether tx spends an output of parent (whose txid is
// parentHash) but not every dust output of it.
func leavesDust(tx *wire.MsgTx, parentHash chainhash.Hash, parent *wire.MsgTx, rate FeeRate) bool {
	for i, out := range parent.TxOut {
		if !isDust(out, rate) {
			continue
		}
		spent := false
		for _, in := range tx.TxIn {
			if in.PreviousOutPoint.Hash == parentHash && in.PreviousOutPoint.Index == uint32(i) {
				spent = true
				break
			}
		}
		if !spent {
			return true
		}
	}
	return false
}

// ephemeralSpendsError is Core's missing-ephemeral-spends rejection.
func ephemeralSpendsError(txid, wtxid chainhash.Hash) error {
	return txRuleError(ErrMissingEphemeralSpends, "tx %v (wtxid=%v) did not spend parent's ephemeral dust",
		txid, wtxid)
}

// checkPackageEphemeral is Core's CheckEphemeralSpends for the checked
// members of a package under evaluation: each must spend all the dust of
// its parents, pooled or earlier members. It returns the index in checked
// of the first member that does not, or -1. The pool lock must be held.
func (mp *TxPool) checkPackageEphemeral(checked []*checkResult, pkg map[chainhash.Hash]*wire.MsgTx) int {
	rate := mp.cfg.Policy.DustRelayFee
	for k, c := range checked {
		for _, in := range c.e.tx.TxIn {
			h := in.PreviousOutPoint.Hash
			if p, ok := pkg[h]; ok && leavesDust(c.e.tx, h, p, rate) {
				return k
			}
			if p, ok := mp.pool[h]; ok && p.dust && leavesDust(c.e.tx, h, p.tx, rate) {
				return k
			}
		}
	}
	return -1
}

// IsChildWithParents reports whether txs, at least two, are one child (the
// last) and parents of it: every other transaction is spent by the last
// (Core's IsChildWithParents).
func IsChildWithParents(txs []*wire.MsgTx) bool {
	if len(txs) < 2 {
		return false
	}
	spent := make(map[chainhash.Hash]struct{}, len(txs[len(txs)-1].TxIn))
	for _, in := range txs[len(txs)-1].TxIn {
		spent[in.PreviousOutPoint.Hash] = struct{}{}
	}
	for _, tx := range txs[:len(txs)-1] {
		if _, ok := spent[tx.TxHash()]; !ok {
			return false
		}
	}
	return true
}

// IsChildWithParentsTree is IsChildWithParents where, in addition, no
// parent spends another parent (Core's IsChildWithParentsTree, the
// topology submitpackage takes).
func IsChildWithParentsTree(txs []*wire.MsgTx) bool {
	if !IsChildWithParents(txs) {
		return false
	}
	parents := make(map[chainhash.Hash]struct{}, len(txs)-1)
	for _, tx := range txs[:len(txs)-1] {
		parents[tx.TxHash()] = struct{}{}
	}
	for _, tx := range txs[:len(txs)-1] {
		for _, in := range tx.TxIn {
			if _, ok := parents[in.PreviousOutPoint.Hash]; ok {
				return false
			}
		}
	}
	return true
}

// PackageTxStatus says what became of one transaction of a submitted
// package (Core's MempoolAcceptResult::ResultType, or no result at all).
type PackageTxStatus int

const (
	// PackageTxUnevaluated: the package failed as a whole before this
	// transaction was looked at.
	PackageTxUnevaluated PackageTxStatus = iota
	// PackageTxAccepted: added to the pool by this submission (VALID).
	PackageTxAccepted
	// PackageTxInPool: already pooled, skipped (MEMPOOL_ENTRY).
	PackageTxInPool
	// PackageTxOtherWitness: a transaction with the same txid and another
	// witness is pooled; this one was ignored (DIFFERENT_WITNESS).
	PackageTxOtherWitness
	// PackageTxRejected: refused, Err says why (INVALID).
	PackageTxRejected
)

// PackageSubmitTx is the outcome of one transaction of SubmitPackage.
// VSize and Fee are set for accepted and already pooled transactions;
// EffectiveFeeRate, EffectiveIncludes and Replaced for accepted ones:
// the fee rate the transaction was judged by (its own, or the package's)
// and the wtxids whose fees and sizes it counts. OtherWTxHash is the
// pooled witness variant's wtxid.
type PackageSubmitTx struct {
	TxHash            chainhash.Hash
	WTxHash           chainhash.Hash
	Status            PackageTxStatus
	OtherWTxHash      chainhash.Hash
	VSize             int64
	Fee               int64
	EffectiveFeeRate  FeeRate
	EffectiveIncludes []chainhash.Hash
	Replaced          []chainhash.Hash
	Err               error
}

// PackageSubmitResult is the outcome of SubmitPackage. PackageErr is nil
// when every transaction is now pooled (Core's "success"); otherwise it is
// a package-wide policy failure (no transaction was evaluated) or
// ErrPackageTxFailed. Accepted lists what the pool gained, in order: the
// package's new transactions, then the orphans they unlocked, for the
// caller to relay (with the members already pooled, which Txs names).
type PackageSubmitResult struct {
	PackageErr error
	Txs        []PackageSubmitTx
	Accepted   []*TxDesc
}

// IsReconsiderable reports whether err refused tx for its fee alone, a
// refusal a child paying for it in a package may overcome (Core's
// TX_RECONSIDERABLE): below the pool's minimum fee, a replacement paying too
// little, or, for a TRUC transaction only, below the minimum relay fee. A
// peer's transaction so refused is worth keeping in mind as a possible
// parent of a 1-parent-1-child package rather than rejected for good.
func IsReconsiderable(tx *wire.MsgTx, err error) bool {
	return errors.Is(err, ErrMempoolMinFee) || errors.Is(err, ErrInsufficientFee) ||
		tx.Version == trucVersion && errors.Is(err, ErrMinRelayFee)
}

// reconsiderable reports whether err refused tx alone for a reason a
// package may overcome (Core's TX_RECONSIDERABLE and TX_MISSING_INPUTS):
// missing inputs (a parent in the package was refused first), the pool's
// minimum fee, a replacement's fees, or, for a TRUC transaction only, the
// minimum relay fee.
func reconsiderable(tx *wire.MsgTx, err error) bool {
	return errors.Is(err, ErrMissingInputs) || IsReconsiderable(tx, err)
}

// accepted records a transaction this submission added, judged at rate
// over the transactions named in includes.
func (r *PackageSubmitTx) accepted(c *checkResult, rate FeeRate, includes []chainhash.Hash) {
	r.Status = PackageTxAccepted
	r.VSize, r.Fee = c.e.vsize, c.e.fee
	r.EffectiveFeeRate, r.EffectiveIncludes = rate, includes
	for x := range c.evict {
		r.Replaced = append(r.Replaced, x.txid)
	}
	r.Err = nil
}

// rejected records a refusal.
func (r *PackageSubmitTx) rejected(err error) {
	if me, ok := err.(missingInputsError); ok {
		err = me.err
	}
	r.Status, r.Err = PackageTxRejected, err
}

// SubmitPackage adds a package to the pool as Core v30's submitpackage
// does (ProcessNewPackage, AcceptPackage): txs must be well formed and,
// when more than one, a child (last) with parents of it. Transactions
// already pooled are skipped. Each other transaction is first tried alone,
// replacement allowed, and stays if it passes. Those refused only for a
// reason a package can overcome (a fee floor, or a parent refused before
// them) are then evaluated together: every rule on each with the earlier
// ones' outputs spendable, TRUC and package limits across them, and their
// total modified fee over their total vsize against the pool's minimum and
// the minimum relay fee, which is child-pays-for-parent at acceptance.
// That evaluation adds all of them or none. A non-TRUC transaction must
// still pay the minimum relay fee alone, as in Core v30. In that evaluation
// the package may replace pooled transactions only under Core v30's
// package RBF rules (checkPackageRBF: one parent and one child, no pooled
// ancestors, conflicts in clusters of at most two, paying for what goes
// and improving the fee-rate diagram), else ErrPackageRBF; and each member
// must spend all the dust of its parents (ephemeral dust), else
// ErrUnspentDust. maxFeeRate, when positive, refuses a transaction whose
// modified fee rate is above it. At the end the pool is trimmed to its
// size limit; a package transaction evicted there reports ErrMempoolFull.
// Orphans the new transactions complete are then processed.
//
// Safe for concurrent use. As for a single transaction, the scripts run
// before the pool lock is taken for the submission, against the outputs
// the members spend then; the submission itself is judged and added under
// the lock against one pool state, and runs a script again only where
// what a member spends has changed in between.
func (mp *TxPool) SubmitPackage(txs []*wire.MsgTx, maxFeeRate FeeRate) *PackageSubmitResult {
	res := &PackageSubmitResult{Txs: make([]PackageSubmitTx, len(txs))}
	txids, wtxids := packageHashes(txs)
	for i := range txs {
		res.Txs[i].TxHash, res.Txs[i].WTxHash = txids[i], wtxids[i]
	}
	if len(txs) == 0 {
		res.PackageErr = txRuleError(ErrPackageNotChildWithParents, "")
		return res
	}
	if err := checkWellFormedPackage(txs, txids); err != nil {
		res.PackageErr = err
		return res
	}
	if len(txs) > 1 && !IsChildWithParents(txs) {
		res.PackageErr = txRuleError(ErrPackageNotChildWithParents, "")
		return res
	}

	verified := mp.preVerifyPackage(txs)
	mp.mtx.Lock()
	defer mp.mtx.Unlock()
	var added []*entry
	var eval []int
	quit := false
	for i, tx := range txs {
		r := &res.Txs[i]
		if e, ok := mp.byWtxid[r.WTxHash]; ok {
			r.Status, r.VSize, r.Fee = PackageTxInPool, e.vsize, e.fee
			continue
		}
		if e, ok := mp.pool[r.TxHash]; ok {
			r.Status, r.OtherWTxHash = PackageTxOtherWitness, e.wtxid
			continue
		}
		c, err := mp.check(tx, acceptOpts{maxFeeRate: maxFeeRate, verified: verified[i]})
		if err == nil {
			mp.commit(c)
			added = append(added, c.e)
			r.accepted(c, feeRateOf(c.e.modFee(), c.e.vsize), []chainhash.Hash{c.e.wtxid})
			continue
		}
		r.rejected(err)
		if len(txs) == 1 || !reconsiderable(tx, r.Err) {
			// Core goes on with the others alone, but evaluates no
			// package: the refusal would not change in one.
			quit = true
			continue
		}
		eval = append(eval, i)
	}
	if quit {
		res.PackageErr = txRuleError(ErrPackageTxFailed, "")
	} else if len(eval) > 0 {
		added = append(added, mp.acceptSubpackage(txs, eval, maxFeeRate, verified, res)...)
	}

	// Core's LimitMempoolSize once, at the end: a package transaction,
	// new or already pooled, may be evicted.
	if len(added) > 0 {
		mp.expire()
		mp.trimToSize()
	}
	for i := range res.Txs {
		r := &res.Txs[i]
		switch r.Status {
		case PackageTxAccepted, PackageTxInPool, PackageTxOtherWitness:
			if _, ok := mp.pool[r.TxHash]; !ok {
				*r = PackageSubmitTx{TxHash: r.TxHash, WTxHash: r.WTxHash}
				r.rejected(txRuleError(ErrMempoolFull, ""))
				res.PackageErr = txRuleError(ErrPackageTxFailed, "")
			}
		}
	}
	for _, e := range added {
		if mp.pool[e.txid] != e {
			continue
		}
		d := mp.desc(e)
		res.Accepted = append(res.Accepted, d)
		mp.learnFee(d, true)
		log.Debugf("Accepted %v from a package (pool size %d)", e.txid, len(mp.pool))
	}
	pkgAccepted := res.Accepted
	for _, d := range pkgAccepted {
		res.Accepted = append(res.Accepted, mp.processOrphans(d.Tx)...)
	}
	return res
}

// preVerifyPackage runs the scripts of txs before the pool lock is held for
// the submission, as preVerify does for one transaction: each is checked
// without the fee floors and the scripts, with the earlier members'
// outputs spendable, and its scripts are then run unlocked. It returns,
// per transaction, the spent outputs its scripts passed against, or nil
// (pre-check or scripts failed: the locked pass runs them and reports).
// The locked pass runs no script again against the same outputs.
func (mp *TxPool) preVerifyPackage(txs []*wire.MsgTx) [][]*wire.TxOut {
	prevOuts := make([][]*wire.TxOut, len(txs))
	txids := make([]chainhash.Hash, len(txs))
	opts := acceptOpts{skipScripts: true, packageFees: true, packageRBF: true,
		pkg: make(map[chainhash.Hash]*wire.MsgTx, len(txs))}
	mp.mtx.Lock()
	for i, tx := range txs {
		if c, err := mp.check(tx, opts); err == nil {
			prevOuts[i], txids[i] = c.prevOuts, c.e.txid
		}
		opts.pkg[tx.TxHash()] = tx
	}
	mp.mtx.Unlock()
	for i, tx := range txs {
		if prevOuts[i] != nil && mp.verifyScripts(tx, prevOuts[i], &txids[i]) != nil {
			prevOuts[i] = nil
		}
	}
	return prevOuts
}

// acceptSubpackage evaluates the transactions of txs at the indexes eval,
// each refused alone for a reason a package may overcome, as Core's
// AcceptSubPackage: one is simply tried alone again; several are judged
// together by their package fee rate and added all or none. It records
// their results in res and returns the entries added. The pool lock must
// be held for writing.
func (mp *TxPool) acceptSubpackage(txs []*wire.MsgTx, eval []int, maxFeeRate FeeRate,
	verified [][]*wire.TxOut, res *PackageSubmitResult) []*entry {
	failed := func(i int, err error) []*entry {
		res.Txs[i].rejected(err)
		res.PackageErr = txRuleError(ErrPackageTxFailed, "")
		return nil
	}
	if len(eval) == 1 {
		i := eval[0]
		c, err := mp.check(txs[i], acceptOpts{maxFeeRate: maxFeeRate, verified: verified[i]})
		if err != nil {
			return failed(i, err)
		}
		mp.commit(c)
		res.Txs[i].accepted(c, feeRateOf(c.e.modFee(), c.e.vsize), []chainhash.Hash{c.e.wtxid})
		return []*entry{c.e}
	}

	// Every rule but the fee floors and the scripts, in order, with the
	// earlier members' outputs spendable.
	opts := acceptOpts{skipScripts: true, packageRBF: true, packageFees: true,
		maxFeeRate: maxFeeRate, pkg: make(map[chainhash.Hash]*wire.MsgTx, len(eval))}
	checked := make([]*checkResult, len(eval))
	for k, i := range eval {
		c, err := mp.check(txs[i], opts)
		if err != nil {
			return failed(i, err)
		}
		checked[k] = c
		opts.pkg[c.e.txid] = txs[i]
	}
	for k := range checked {
		if err := checkPackageTRUC(checked, k); err != nil {
			res.PackageErr = err
			return nil
		}
	}
	// The package fee rate pays the floors: child pays for parent.
	var fees, vsize int64
	includes := make([]chainhash.Hash, len(eval))
	for k, c := range checked {
		fees = satAdd(fees, c.e.modFee())
		vsize += c.e.vsize
		includes[k] = c.e.wtxid
	}
	if err := mp.checkFeeRate(vsize, fees); err != nil {
		// Core reports the package's fee failure on its child.
		return failed(eval[len(eval)-1], err)
	}
	if err := mp.checkPackageLimits(checked); err != nil {
		res.PackageErr = err
		return nil
	}
	var evict map[*entry]struct{}
	for _, c := range checked {
		if len(c.conflicts) > 0 {
			var err error
			if evict, err = mp.checkPackageRBF(checked, fees, vsize); err != nil {
				res.PackageErr = err
				return nil
			}
			break
		}
	}
	if mp.cfg.Policy.RequireStandard {
		if k := mp.checkPackageEphemeral(checked, opts.pkg); k >= 0 {
			res.Txs[eval[k]].rejected(ephemeralSpendsError(checked[k].e.txid, checked[k].e.wtxid))
			res.PackageErr = txRuleError(ErrUnspentDust, "")
			return nil
		}
	}
	for k, c := range checked {
		if samePrevOuts(verified[eval[k]], c.prevOuts) {
			continue
		}
		if err := mp.verifyScripts(txs[eval[k]], c.prevOuts, &c.e.txid); err != nil {
			return failed(eval[k], err)
		}
	}

	// Evict what the package replaces, then add the members in order.
	// Each is checked again, now that its parents are pool entries and its
	// conflicts gone, so that it is linked and counted as any other (the
	// scripts are not run again); nothing else has changed in between, so
	// this cannot fail, but if it did the ones added are taken out again.
	var replaced []chainhash.Hash
	for x := range evict {
		replaced = append(replaced, x.txid)
		log.Debugf("Replacing %v with package child %v", x.txid, txs[eval[len(eval)-1]].TxHash())
	}
	mp.extra.addEntries(evict)
	mp.replaced.Add(uint64(len(evict)))
	mp.removeSet(evict, RemovedReplaced)
	rate := feeRateOf(fees, vsize)
	added := make([]*entry, 0, len(eval))
	for k, i := range eval {
		c, err := mp.check(txs[i], acceptOpts{noReplace: true, packageFees: true,
			verified: checked[k].prevOuts})
		if err != nil {
			log.Errorf("Package member %v failed after its package passed: %v", txs[i].TxHash(), err)
			set := make(map[*entry]struct{}, len(added))
			for _, e := range added {
				set[e] = struct{}{}
			}
			mp.removeSet(set, RemovedConflict)
			for _, j := range eval {
				res.Txs[j].rejected(err)
			}
			res.PackageErr = txRuleError(ErrPackageTxFailed, "")
			return nil
		}
		mp.commit(c)
		added = append(added, c.e)
		res.Txs[i].accepted(c, rate, includes)
	}
	// Core lists the replaced transactions with the package's first result.
	res.Txs[eval[0]].Replaced = replaced
	return added
}
