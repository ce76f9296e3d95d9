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

	wss := mp.checkPackage(txs, res)
	if wss == nil {
		return res
	}
	for i, ws := range wss {
		if err := mp.policyScriptChecks(ws); err != nil {
			res.Txs[i].Err = err
			return res
		}
		res.Txs[i].Result = ws.result()
	}
	return res
}

// checkPackage runs the stages before the scripts on a well-formed package
// under test, under the pool lock: PreChecks on each transaction in order,
// then the package's TRUC checks, PackageMempoolChecks (for more than one)
// and the members' dust spent. It returns the members' workspaces, or nil
// after recording in res the package-wide error or the first
// transaction's.
func (mp *TxPool) checkPackage(txs []*wire.MsgTx, res *PackageTestResult) []*workspace {
	mp.mtx.Lock()
	defer mp.mtx.Unlock()
	opts := acceptOpts{mode: modePackageTest, pkg: make(map[chainhash.Hash]*wire.MsgTx, len(txs))}
	wss := make([]*workspace, len(txs))
	for i, tx := range txs {
		ws := newWorkspace(tx, opts)
		if err := mp.preChecks(ws); err != nil {
			if me, ok := err.(missingInputsError); ok {
				err = me.err
			}
			res.Txs[i].Err = err
			return nil
		}
		wss[i] = ws
		opts.pkg[ws.txid] = tx
	}
	if err := packageTRUCChecks(wss); err != nil {
		res.PackageErr = err
		return nil
	}
	if len(txs) > 1 {
		if _, err := mp.packageMempoolChecks(wss, 0, 0); err != nil {
			res.PackageErr = err
			return nil
		}
	}
	// Core's PCKG_TX "unspent-dust": the member that leaves a parent's
	// dust is the only result.
	if mp.cfg.Policy.RequireStandard {
		if k := mp.checkPackageEphemeral(wss, opts.pkg); k >= 0 {
			res.Txs[k].Err = ephemeralSpendsError(wss[k].txid, wss[k].wtxid)
			return nil
		}
	}
	return wss
}

// packageTRUCChecks is Core's PackageTRUCChecks on every member of a
// package whose members passed PreChecks.
func packageTRUCChecks(wss []*workspace) error {
	for i := range wss {
		if err := checkPackageTRUC(wss, i); err != nil {
			return err
		}
	}
	return nil
}

// packageMempoolChecks is Core's PackageMempoolChecks for a package of
// several members that passed PreChecks: the package's combined ancestor,
// descendant and cluster limits, then, when a member conflicts with the
// pool, the package replacement rules for the package's fees over its
// vsize. It returns what the package evicts. The pool lock must be held.
func (mp *TxPool) packageMempoolChecks(wss []*workspace, fees, vsize int64) (map[*entry]struct{}, error) {
	if err := mp.checkPackageLimits(wss); err != nil {
		return nil, err
	}
	for _, ws := range wss {
		if len(ws.conflicts) > 0 {
			return mp.checkPackageRBF(wss, fees, vsize)
		}
	}
	return nil, nil
}

// checkPackageTRUC is Core's PackageTRUCChecks for the i-th member of a
// package whose members passed PreChecks, which found their in-pool
// ancestors: the version 3 rules across the package, where a parent may be
// an earlier member rather than a pool entry.
func checkPackageTRUC(checked []*workspace, i int) error {
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
func (mp *TxPool) checkPackageLimits(checked []*workspace) error {
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
func (mp *TxPool) checkPackageEphemeral(checked []*workspace, pkg map[chainhash.Hash]*wire.MsgTx) int {
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
func (r *PackageSubmitTx) accepted(c *workspace, rate FeeRate, includes []chainhash.Hash) {
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
	if err := checkSubmittedPackage(txs, txids); err != nil {
		res.PackageErr = err
		return res
	}
	verified := mp.preVerifyPackage(txs)
	mp.mtx.Lock()
	defer mp.mtx.Unlock()
	added, eval, quit := mp.submitEach(txs, maxFeeRate, verified, res)
	if quit {
		// Core goes on with the others alone, but evaluates no package:
		// the refusal would not change in one.
		res.PackageErr = txRuleError(ErrPackageTxFailed, "")
	} else if len(eval) > 0 {
		added = append(added, mp.acceptSubpackage(txs, eval, maxFeeRate, verified, res)...)
	}
	mp.finishPackage(added, res)
	return res
}

// checkSubmittedPackage applies submitpackage's package-wide rules: at
// least one transaction, well formed, and, for several, a child (last)
// with parents of it.
func checkSubmittedPackage(txs []*wire.MsgTx, txids []chainhash.Hash) error {
	if len(txs) == 0 {
		return txRuleError(ErrPackageNotChildWithParents, "")
	}
	if err := checkWellFormedPackage(txs, txids); err != nil {
		return err
	}
	if len(txs) > 1 && !IsChildWithParents(txs) {
		return txRuleError(ErrPackageNotChildWithParents, "")
	}
	return nil
}

// preVerifyPackage runs the scripts of txs before the pool lock is held for
// the submission: PreChecks on each member under the lock, as a member of
// the package (no fee floors of its own, the earlier members' outputs
// spendable), then PolicyScriptChecks on those that passed, unlocked. It
// returns, per transaction, the spent outputs its scripts passed against,
// or nil (PreChecks or the scripts failed: the locked pass runs them and
// reports). The locked pass runs no script again against the same
// outputs.
func (mp *TxPool) preVerifyPackage(txs []*wire.MsgTx) [][]*wire.TxOut {
	opts := acceptOpts{mode: modePackage, pkg: make(map[chainhash.Hash]*wire.MsgTx, len(txs))}
	wss := make([]*workspace, len(txs))
	mp.mtx.Lock()
	for i, tx := range txs {
		ws := newWorkspace(tx, opts)
		if mp.preChecks(ws) == nil {
			wss[i] = ws
		}
		opts.pkg[ws.txid] = tx
	}
	mp.mtx.Unlock()
	verified := make([][]*wire.TxOut, len(txs))
	for i, ws := range wss {
		if ws != nil && mp.policyScriptChecks(ws) == nil {
			verified[i] = ws.verified
		}
	}
	return verified
}

// submitEach tries each member of a submitted package alone, in order, as
// Core's AcceptPackage does first: members already pooled are skipped, the
// others added if they pass (submitAlone). It returns the entries added,
// the indexes of the members refused for a reason a package may overcome,
// and whether one was refused for another reason (then no package is
// evaluated). The pool lock must be held for writing.
func (mp *TxPool) submitEach(txs []*wire.MsgTx, maxFeeRate FeeRate, verified [][]*wire.TxOut,
	res *PackageSubmitResult) (added []*entry, eval []int, quit bool) {
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
		e, err := mp.submitAlone(tx, maxFeeRate, verified[i], r)
		if err == nil {
			added = append(added, e)
			continue
		}
		r.rejected(err)
		if len(txs) == 1 || !reconsiderable(tx, r.Err) {
			quit = true
			continue
		}
		eval = append(eval, i)
	}
	return added, eval, quit
}

// submitAlone chains the stages for a package member alone, under the
// lock: PreChecks, ReplacementChecks and ConsensusScriptChecks (scripts
// that passed before the lock against the outputs in verified do not run
// again), then adds it and records it in r. Trimming is left to the end of
// the submission. The pool lock must be held for writing.
func (mp *TxPool) submitAlone(tx *wire.MsgTx, maxFeeRate FeeRate, verified []*wire.TxOut,
	r *PackageSubmitTx) (*entry, error) {
	ws := newWorkspace(tx, acceptOpts{maxFeeRate: maxFeeRate})
	ws.verified = verified
	if err := ws.run(mp.preChecks, mp.replacementChecks, mp.consensusScriptChecks); err != nil {
		return nil, err
	}
	mp.commit(ws)
	r.accepted(ws, feeRateOf(ws.e.modFee(), ws.e.vsize), []chainhash.Hash{ws.wtxid})
	return ws.e, nil
}

// failed records member i's refusal, which fails the package.
func (res *PackageSubmitResult) failed(i int, err error) {
	res.Txs[i].rejected(err)
	res.PackageErr = txRuleError(ErrPackageTxFailed, "")
}

// acceptSubpackage evaluates the transactions of txs at the indexes eval,
// each refused alone for a reason a package may overcome, as Core's
// AcceptSubPackage: one is simply tried alone again; several are judged
// together (acceptTogether). It records their results in res and returns
// the entries added. The pool lock must be held for writing.
func (mp *TxPool) acceptSubpackage(txs []*wire.MsgTx, eval []int, maxFeeRate FeeRate,
	verified [][]*wire.TxOut, res *PackageSubmitResult) []*entry {
	if len(eval) > 1 {
		return mp.acceptTogether(txs, eval, maxFeeRate, verified, res)
	}
	i := eval[0]
	e, err := mp.submitAlone(txs[i], maxFeeRate, verified[i], &res.Txs[i])
	if err != nil {
		res.failed(i, err)
		return nil
	}
	return []*entry{e}
}

// acceptTogether chains the stages for several package members judged
// together by their package fee rate, added all or none (Core's
// AcceptMultipleTransactions and SubmitPackage): PreChecks on each in
// order, the package's TRUC checks, the package fee rate against the fee
// floors (child pays for parent), PackageMempoolChecks, the members' dust
// spent, ConsensusScriptChecks on each and finalizePackage. It records the
// results in res and returns the entries added. The pool lock must be
// held for writing.
func (mp *TxPool) acceptTogether(txs []*wire.MsgTx, eval []int, maxFeeRate FeeRate,
	verified [][]*wire.TxOut, res *PackageSubmitResult) []*entry {
	wss, k, err := mp.packagePreChecks(txs, eval, maxFeeRate, verified)
	if err != nil {
		res.failed(eval[k], err)
		return nil
	}
	if err := packageTRUCChecks(wss); err != nil {
		res.PackageErr = err
		return nil
	}
	fees, vsize := packageFees(wss)
	if err := mp.checkFeeRate(vsize, fees); err != nil {
		// Core reports the package's fee failure on its child.
		res.failed(eval[len(eval)-1], err)
		return nil
	}
	evict, err := mp.packageMempoolChecks(wss, fees, vsize)
	if err != nil {
		res.PackageErr = err
		return nil
	}
	if mp.cfg.Policy.RequireStandard {
		if k := mp.checkPackageEphemeral(wss, wss[0].opts.pkg); k >= 0 {
			res.Txs[eval[k]].rejected(ephemeralSpendsError(wss[k].txid, wss[k].wtxid))
			res.PackageErr = txRuleError(ErrUnspentDust, "")
			return nil
		}
	}
	for k, ws := range wss {
		if err := mp.consensusScriptChecks(ws); err != nil {
			res.failed(eval[k], err)
			return nil
		}
	}
	replaced := mp.finalizePackage(wss, evict)
	return res.acceptedTogether(wss, eval, feeRateOf(fees, vsize), replaced)
}

// acceptedTogether records the members at eval, added together at the
// package's fee rate, and returns their entries. Core lists the replaced
// transactions with the package's first result.
func (res *PackageSubmitResult) acceptedTogether(wss []*workspace, eval []int, rate FeeRate,
	replaced []chainhash.Hash) []*entry {
	includes := make([]chainhash.Hash, len(wss))
	for k, ws := range wss {
		includes[k] = ws.wtxid
	}
	added := make([]*entry, len(wss))
	for k, ws := range wss {
		res.Txs[eval[k]].accepted(ws, rate, includes)
		added[k] = ws.e
	}
	res.Txs[eval[0]].Replaced = replaced
	return added
}

// packageFees returns the package's total modified fee and vsize, which
// it pays the fee floors with (child pays for parent).
func packageFees(wss []*workspace) (fees, vsize int64) {
	for _, ws := range wss {
		fees = satAdd(fees, ws.e.modFee())
		vsize += ws.e.vsize
	}
	return fees, vsize
}

// packagePreChecks runs PreChecks on the members of txs at the indexes
// eval, in order, each as a member of the package with the earlier ones'
// outputs spendable. It returns their workspaces, or the position in eval
// of the first refused and why. The pool lock must be held for writing.
func (mp *TxPool) packagePreChecks(txs []*wire.MsgTx, eval []int, maxFeeRate FeeRate,
	verified [][]*wire.TxOut) ([]*workspace, int, error) {
	opts := acceptOpts{mode: modePackage, maxFeeRate: maxFeeRate,
		pkg: make(map[chainhash.Hash]*wire.MsgTx, len(eval))}
	wss := make([]*workspace, len(eval))
	for k, i := range eval {
		ws := newWorkspace(txs[i], opts)
		ws.verified = verified[i]
		if err := mp.preChecks(ws); err != nil {
			return nil, k, err
		}
		wss[k] = ws
		opts.pkg[ws.txid] = txs[i]
	}
	return wss, 0, nil
}

// finalizePackage is Core's SubmitPackage for members judged together: it
// evicts what the package replaces, then adds the members in order, each
// linked below its pooled parents, the earlier members now among them.
// Nothing is judged again: every rule passed with the earlier members'
// outputs spendable, and the package's combined limits bound each
// member's. It returns the txids evicted. The pool lock must be held for
// writing.
func (mp *TxPool) finalizePackage(wss []*workspace, evict map[*entry]struct{}) []chainhash.Hash {
	var replaced []chainhash.Hash
	for x := range evict {
		replaced = append(replaced, x.txid)
		log.Debugf("Replacing %v with package child %v", x.txid, wss[len(wss)-1].txid)
	}
	mp.removeReplaced(evict)
	for _, ws := range wss {
		ws.parents = make(map[*entry]struct{})
		for _, in := range ws.tx.TxIn {
			if p, ok := mp.pool[in.PreviousOutPoint.Hash]; ok {
				ws.parents[p] = struct{}{}
			}
		}
		ws.ancestors = ancestorsOf(ws.parents)
		mp.commit(ws)
	}
	return replaced
}

// finishPackage ends a submission: Core's LimitMempoolSize once for the
// whole package, which may evict a member, new or already pooled (it is
// then refused with ErrMempoolFull and the package fails); the fee
// estimator learns the new members that stay, which res.Accepted lists
// with the orphans they complete, processed last. The pool lock must be
// held for writing.
func (mp *TxPool) finishPackage(added []*entry, res *PackageSubmitResult) {
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
}
