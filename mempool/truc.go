package mempool

// TRUC (BIP431, version 3) limits, Core v30's policy/truc_policy.h.
const (
	trucVersion         = 3
	trucMaxVSize        = 10000
	trucChildMaxVSize   = 1000
	trucAncestorLimit   = 2
	trucDescendantLimit = 2
)

// checkTRUC applies Core's SingleTRUCChecks to e with its in-pool parents
// and direct conflicts. A version 3 child whose parent already has another
// child may evict that sibling: the sibling is returned, to be replaced
// under the usual RBF rules.
func (mp *TxPool) checkTRUC(e *entry, parents, ancestors, conflicts map[*entry]struct{}) (*entry, error) {
	v3 := e.tx.Version == trucVersion
	for p := range parents {
		pv3 := p.tx.Version == trucVersion
		if pv3 && !v3 {
			return nil, txRuleError(ErrTRUCViolation,
				"non-version=3 tx %v (wtxid=%v) cannot spend from version=3 tx %v (wtxid=%v)",
				e.txid, e.wtxid, p.txid, p.wtxid)
		}
		if v3 && !pv3 {
			return nil, txRuleError(ErrTRUCViolation,
				"version=3 tx %v (wtxid=%v) cannot spend from non-version=3 tx %v (wtxid=%v)",
				e.txid, e.wtxid, p.txid, p.wtxid)
		}
	}
	if !v3 {
		return nil, nil
	}
	if e.vsize > trucMaxVSize {
		return nil, txRuleError(ErrTRUCViolation,
			"version=3 tx %v (wtxid=%v) is too big: %d > %d virtual bytes",
			e.txid, e.wtxid, e.vsize, trucMaxVSize)
	}
	if len(ancestors)+1 > trucAncestorLimit {
		return nil, txRuleError(ErrTRUCViolation,
			"tx %v (wtxid=%v) would have too many ancestors", e.txid, e.wtxid)
	}
	if len(parents) == 0 {
		return nil, nil
	}
	if e.vsize > trucChildMaxVSize {
		return nil, txRuleError(ErrTRUCViolation,
			"version=3 child tx %v (wtxid=%v) is too big: %d > %d virtual bytes",
			e.txid, e.wtxid, e.vsize, trucChildMaxVSize)
	}
	var parent *entry
	for p := range parents {
		parent = p
	}
	if parent.descCount+1 <= trucDescendantLimit {
		return nil, nil
	}
	// The parent has a child already. Fine if that child is being
	// replaced; otherwise evict it as a sibling if it has no children.
	for c := range parent.children {
		if _, ok := conflicts[c]; ok {
			return nil, nil
		}
	}
	if len(parent.children) == 1 && parent.descCount == 2 {
		for c := range parent.children {
			return c, nil
		}
	}
	return nil, txRuleError(ErrTRUCViolation,
		"tx %v (wtxid=%v) would exceed descendant count limit", parent.txid, parent.wtxid)
}
