package mempool

import (
	"fmt"
	"sort"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// ErrPackageRBF is Core v30's package replacement failure (PCKG_POLICY);
// the reason names the rule ("package RBF failed: ...").
const ErrPackageRBF = ErrorKind("package RBF failed")

// packageRBFError builds a package replacement failure whose reason is
// Core's "package RBF failed: <what>" and whose details, if any, follow.
func packageRBFError(what, details string) Error {
	reason := string(ErrPackageRBF) + ": " + what
	desc := reason
	if details != "" {
		desc += ", " + details
	}
	return Error{Err: ErrPackageRBF, Description: desc, Reason: reason}
}

// paysForRBF is Core's PaysForRBF, replacement rules 3 and 4: the
// replacement pays at least the fees of everything it evicts, and on top
// of that its own relay at the incremental relay fee. It returns Core's
// detail text on failure, "" otherwise.
func (mp *TxPool) paysForRBF(origFees, replFees, replVSize int64, hash chainhash.Hash) string {
	if replFees < origFees {
		return fmt.Sprintf("rejecting replacement %v, less fees than conflicting txs; %s < %s", hash,
			formatMoney(replFees), formatMoney(origFees))
	}
	additional := satSub(replFees, origFees)
	if need := mp.cfg.Policy.IncrementalRelayFee.Fee(replVSize); additional < need {
		return fmt.Sprintf("rejecting replacement %v, not enough additional fees to relay; %s < %s", hash,
			formatMoney(additional), formatMoney(need))
	}
	return ""
}

// checkPackageRBF is Core v30's package replacement (PackageRBFChecks) for
// a checked package whose members conflict with the pool: only one parent
// and one child, with no pooled ancestors; at most MaxReplacementEvictions
// transactions evicted; the package pays for what it evicts and for its own
// relay; the child raises the package's fee rate above the parent's; and
// the pool's fee-rate diagram improves. It returns the entries to evict.
// The pool lock must be held.
func (mp *TxPool) checkPackageRBF(checked []*workspace, fees, vsize int64) (map[*entry]struct{}, error) {
	if len(checked) != 2 {
		return nil, packageRBFError("package must be 1-parent-1-child", "")
	}
	for _, c := range checked {
		if len(c.parents) > 0 {
			return nil, packageRBFError("new transaction cannot have mempool ancestors", "")
		}
	}
	parent, child := checked[0].e, checked[1].e
	direct := make(map[*entry]struct{})
	for _, c := range checked {
		for x := range c.conflicts {
			direct[x] = struct{}{}
		}
	}
	// Rule 5, counted as Core's GetEntriesForConflicts, for the child.
	count := 0
	for x := range direct {
		count += x.descCount
		if count > mp.cfg.Policy.MaxReplacementEvictions {
			return nil, packageRBFError("too many potential replacements",
				fmt.Sprintf("rejecting replacement %v; too many potential replacements (%d > %d)",
					child.txid, count, mp.cfg.Policy.MaxReplacementEvictions))
		}
	}
	evict := make(map[*entry]struct{})
	for x := range direct {
		for d := range descendantsOf(x) {
			evict[d] = struct{}{}
		}
	}
	var origFees int64
	for x := range evict {
		origFees = satAdd(origFees, x.modFee())
	}
	if msg := mp.paysForRBF(origFees, fees, vsize, child.txid); msg != "" {
		return nil, packageRBFError("insufficient anti-DoS fees", msg)
	}
	pkgRate, parentRate := feeRateOf(fees, vsize), feeRateOf(parent.modFee(), parent.vsize)
	if pkgRate <= parentRate {
		return nil, packageRBFError("package feerate is less than or equal to parent feerate",
			fmt.Sprintf("package feerate %s <= parent feerate is %s", formatFeeRate(pkgRate),
				formatFeeRate(parentRate)))
	}
	if msg := improvesDiagram(evict, fees, vsize); msg != "" {
		return nil, packageRBFError(msg, "")
	}
	return evict, nil
}

// feeFrac is a fee and a size: a chunk, or a point of a fee-rate diagram.
type feeFrac struct{ fee, size int64 }

// higher reports whether a's fee rate is above b's.
func (a feeFrac) higher(b feeFrac) bool {
	less, _ := lessRate(b.fee, b.size, a.fee, a.size)
	return less
}

// improvesDiagram is Core v30's ImprovesFeerateDiagram for evicting evict
// and adding one chunk of fees over vsize: every evicted transaction's
// cluster must have at most two transactions (CheckConflictTopology), and
// the new diagram must be at least the old one everywhere and better
// somewhere. It returns Core's reason on failure, "" otherwise.
func improvesDiagram(evict map[*entry]struct{}, fees, vsize int64) string {
	// In txid order, so that the topology error named is always the same.
	sorted := make([]*entry, 0, len(evict))
	for x := range evict {
		sorted = append(sorted, x)
	}
	sortEntries(sorted, func(a, b *entry) bool { return lessHash(&a.txid, &b.txid) })
	for _, x := range sorted {
		switch {
		case x.ancCount > 2:
			return fmt.Sprintf("%v has %d ancestors, max 1 allowed", x.txid, x.ancCount-1)
		case x.descCount > 2:
			return fmt.Sprintf("%v has %d descendants, max 1 allowed", x.txid, x.descCount-1)
		case x.ancCount > 1 && x.descCount > 1:
			return fmt.Sprintf("%v has both ancestor and descendant, exceeding cluster limit of 2", x.txid)
		}
		// With at most one child or one parent (above), these loops look
		// at one entry.
		for c := range x.children {
			if c.ancCount > 2 {
				return fmt.Sprintf("%v is not the only parent of child %v", x.txid, c.txid)
			}
		}
		for p := range x.parents {
			if p.descCount > 2 {
				return fmt.Sprintf("%v is not the only child of parent %v", x.txid, p.txid)
			}
		}
	}
	// Old: each evicted transaction's cluster of one or two, chunked.
	var old []feeFrac
	for x := range evict {
		if x.descCount > 1 {
			continue // counted with its child
		}
		own := feeFrac{x.modFee(), x.vsize}
		if x.ancCount == 1 {
			old = append(old, own)
			continue
		}
		pkg := feeFrac{x.ancFees, x.ancSize}
		if own.higher(pkg) {
			old = append(old, pkg)
		} else {
			old = append(old, feeFrac{satSub(pkg.fee, own.fee), pkg.size - own.size}, own)
		}
	}
	// New: the parents that stay, alone, and the package.
	next := []feeFrac{{fees, vsize}}
	for x := range evict {
		for p := range x.parents {
			if _, gone := evict[p]; !gone {
				next = append(next, feeFrac{p.modFee(), p.vsize})
			}
		}
	}
	byRate := func(s []feeFrac) {
		sort.Slice(s, func(i, j int) bool {
			if s[i].higher(s[j]) || s[j].higher(s[i]) {
				return s[i].higher(s[j])
			}
			return s[i].size < s[j].size
		})
	}
	byRate(old)
	byRate(next)
	if better, worse := compareDiagrams(next, old); !better || worse {
		return "insufficient feerate: does not improve feerate diagram"
	}
	return ""
}

// compareDiagrams is Core's CompareChunks on two chunk lists sorted by
// fee rate: whether a's diagram is above b's somewhere (better) and below
// it somewhere (worse). Past its end a diagram stays flat.
func compareDiagrams(a, b []feeFrac) (better, worse bool) {
	chunks := [2][]feeFrac{a, b}
	var next [2]int
	var acc [2]feeFrac
	var above [2]bool
	point := func(d int) feeFrac {
		c := chunks[d][next[d]]
		return feeFrac{acc[d].fee + c.fee, acc[d].size + c.size}
	}
	advance := func(d int) {
		c := chunks[d][next[d]]
		acc[d] = feeFrac{acc[d].fee + c.fee, acc[d].size + c.size}
		next[d]++
	}
	for {
		done0, done1 := next[0] == len(chunks[0]), next[1] == len(chunks[1])
		if done0 && done1 {
			break
		}
		// The side with the next point at the smaller size (or the only
		// side left) is p's; a and b are the other side's points around it.
		side := 0
		if done0 || !done1 && point(0).size > point(1).size {
			side = 1
		}
		p, a := point(side), acc[1-side]
		ap := feeFrac{p.fee - a.fee, p.size - a.size}
		var cmp int
		if done0 || done1 {
			cmp = sign(ap.fee) // the other diagram is flat
		} else {
			bp := point(1 - side)
			ab := feeFrac{bp.fee - a.fee, bp.size - a.size}
			switch {
			case ap.higher(ab):
				cmp = 1
			case ab.higher(ap):
				cmp = -1
			}
			if bp.size == p.size {
				advance(1 - side)
			}
		}
		if cmp > 0 {
			above[side] = true
		} else if cmp < 0 {
			above[1-side] = true
		}
		advance(side)
		if above[0] && above[1] {
			break
		}
	}
	return above[0], above[1]
}

// sign returns -1, 0 or 1.
func sign(n int64) int {
	switch {
	case n > 0:
		return 1
	case n < 0:
		return -1
	}
	return 0
}
