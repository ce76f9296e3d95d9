package mempool

import (
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

// TestAcceptPackage checks txs as a package without adding anything (Core's
// ProcessNewPackage with test_accept, i.e. AcceptMultipleTransactions under
// PackageTestAccept): the package must be well formed; each transaction is
// then checked in order against the pool and the outputs of the earlier
// ones, every rule but the scripts, with no replacement of pooled
// transactions allowed and each paying its own fee floor (no CPFP). The
// first failure stops the run and is the only result. Then the package's
// TRUC topology and its combined ancestor and descendant limits are
// checked, and last the scripts, in order: a script failure stops there,
// the transactions before it keeping their results. The pool is not
// changed. Safe for concurrent use; the scripts run without the lock.
func (mp *TxPool) TestAcceptPackage(txs []*wire.MsgTx) *PackageTestResult {
	res := &PackageTestResult{Txs: make([]PackageTxResult, len(txs))}
	txids := make([]chainhash.Hash, len(txs))
	for i, tx := range txs {
		txids[i] = tx.TxHash()
		res.Txs[i].TxHash = txids[i]
		res.Txs[i].WTxHash = txids[i]
		if tx.HasWitness() {
			res.Txs[i].WTxHash = tx.WitnessHash()
		}
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
