package mempool

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tern-org/ternd/wire"
)

func TestPackageSubmitErrorKinds(t *testing.T) {
	kinds := []ErrorKind{ErrPackageNotChildWithParents, ErrPackageTxFailed, ErrMaxFeeRateExceeded, ErrPackageRBF,
		ErrMissingEphemeralSpends, ErrUnspentDust}
	for _, k := range kinds {
		err := txRuleError(k, "")
		if !errors.Is(err, k) || RejectReason(err) != string(k) || err.Error() != string(k) {
			t.Fatalf("%q: is %v reason %q description %q", k, errors.Is(err, k), RejectReason(err), err.Error())
		}
		for _, other := range kinds {
			if other != k && errors.Is(err, other) {
				t.Fatalf("%q matches %q", k, other)
			}
		}
	}
	t.Logf("%d kinds", len(kinds))
}

// wantStatus is one transaction's expected SubmitPackage outcome: a status
// and, for a refusal, the error kind.
type wantStatus struct {
	status PackageTxStatus
	kind   ErrorKind
}

func accepted() wantStatus           { return wantStatus{status: PackageTxAccepted} }
func inPool() wantStatus             { return wantStatus{status: PackageTxInPool} }
func refused(k ErrorKind) wantStatus { return wantStatus{status: PackageTxRejected, kind: k} }

// checkSubmit compares res with the expected package error and outcomes,
// and that every accepted or skipped transaction is pooled and every
// refused one is not.
func (h *harness) checkSubmit(res *PackageSubmitResult, txs []*wire.MsgTx, pkgErr ErrorKind, want ...wantStatus) {
	h.t.Helper()
	for i, r := range res.Txs {
		if r.Err != nil {
			h.t.Logf("tx %d: %v", i, r.Err)
		}
	}
	if len(res.Txs) != len(txs) {
		h.t.Fatalf("%d results for %d txs", len(res.Txs), len(txs))
	}
	if pkgErr == "" && res.PackageErr != nil || pkgErr != "" && !errors.Is(res.PackageErr, pkgErr) {
		h.t.Fatalf("package error %v, want %q", res.PackageErr, pkgErr)
	}
	for i, w := range want {
		r := res.Txs[i]
		if r.TxHash != txs[i].TxHash() || r.WTxHash != txs[i].WitnessHash() {
			h.t.Fatalf("result %d is for %v", i, r.TxHash)
		}
		if r.Status != w.status || w.kind != "" && !errors.Is(r.Err, w.kind) {
			h.t.Fatalf("tx %d: status %d err %v, want %d %q", i, r.Status, r.Err, w.status, w.kind)
		}
		pooled := h.pool.IsTransactionInPool(&r.TxHash)
		if pooled != (w.status == PackageTxAccepted || w.status == PackageTxInPool) {
			h.t.Fatalf("tx %d: pooled %v with status %d", i, pooled, w.status)
		}
	}
	h.checkInvariants()
}

// TestSubmitPackage covers package submission: child pays for parent when
// the parent alone pays too little, the package fee rate still meeting the
// floors, pooled members skipped, the topology and size rules, and that a
// refused package evaluation adds nothing.
func TestSubmitPackage(t *testing.T) {
	v3 := func(tx *wire.MsgTx) *wire.MsgTx { tx.Version = 3; return tx }
	// pair is a parent spending a confirmed coin of 100000 sat with
	// parentFee, and a child of it paying childFee.
	pair := func(h *harness, version int32, parentFee, childFee int64) []*wire.MsgTx {
		coin := h.fund(1, 100000, 10, false)
		parent := h.tx(coin, 100000-parentFee)
		parent.Version = version
		child := h.tx(outs(parent), parent.TxOut[0].Value-childFee)
		child.Version = version
		return []*wire.MsgTx{parent, child}
	}

	t.Run("TRUC zero-fee parent paid by its child", func(t *testing.T) {
		h := newHarness(t, nil)
		txs := pair(h, 3, 0, 5000)
		// Alone the parent is refused: it pays nothing.
		h.reject(txs[0], ErrMinRelayFee)
		before := h.state()
		res := h.pool.SubmitPackage(txs, 0)
		h.checkSubmit(res, txs, "", accepted(), accepted())
		if h.state().count != before.count+2 {
			t.Fatalf("pool has %d, want %d", h.state().count, before.count+2)
		}
		var vsize int64
		for _, r := range res.Txs {
			vsize += r.VSize
		}
		want := feeRateOf(5000, vsize)
		for i, r := range res.Txs {
			if r.EffectiveFeeRate != want || len(r.EffectiveIncludes) != 2 ||
				r.EffectiveIncludes[0] != txs[0].WitnessHash() || r.EffectiveIncludes[1] != txs[1].WitnessHash() {
				t.Fatalf("tx %d: effective rate %d over %v, want %d over both", i, r.EffectiveFeeRate,
					r.EffectiveIncludes, want)
			}
		}
		if res.Txs[0].Fee != 0 || res.Txs[1].Fee != 5000 {
			t.Fatalf("fees %d %d", res.Txs[0].Fee, res.Txs[1].Fee)
		}
		if len(res.Accepted) != 2 || res.Accepted[0].TxHash != txs[0].TxHash() ||
			res.Accepted[1].TxHash != txs[1].TxHash() {
			t.Fatalf("accepted %v", res.Accepted)
		}
		// Submitting it again skips both, with their pool figures.
		res = h.pool.SubmitPackage(txs, 0)
		h.checkSubmit(res, txs, "", inPool(), inPool())
		if res.Txs[1].Fee != 5000 || res.Txs[1].VSize != txs[1].VSize() || len(res.Accepted) != 0 {
			t.Fatalf("skipped: %+v", res.Txs[1])
		}
	})

	t.Run("non-TRUC parent below the pool minimum", func(t *testing.T) {
		h := newHarness(t, nil)
		h.pool.rollingMinFee = 5000 // 5 sat/vB, the relay minimum being 0.1
		txs := pair(h, 2, 200, 3000)
		h.reject(txs[0], ErrMempoolMinFee)
		res := h.pool.SubmitPackage(txs, 0)
		h.checkSubmit(res, txs, "", accepted(), accepted())
	})

	t.Run("non-TRUC parent below the relay minimum", func(t *testing.T) {
		// Core v30: the package fee rate cannot pay the minimum relay fee
		// of a non-TRUC transaction.
		h := newHarness(t, nil)
		txs := pair(h, 2, 0, 5000)
		before := h.state()
		res := h.pool.SubmitPackage(txs, 0)
		h.checkSubmit(res, txs, ErrPackageTxFailed, refused(ErrMinRelayFee), refused(ErrMissingInputs))
		if h.state() != before {
			t.Fatal("pool changed")
		}
	})

	t.Run("package fee rate too low", func(t *testing.T) {
		h := newHarness(t, nil)
		h.pool.rollingMinFee = 5000
		txs := pair(h, 3, 0, 300) // 300 sat over ~220 vB: below 5 sat/vB
		before := h.state()
		res := h.pool.SubmitPackage(txs, 0)
		// The parent keeps its own refusal; the child carries the package's.
		h.checkSubmit(res, txs, ErrPackageTxFailed, refused(ErrMempoolMinFee), refused(ErrMempoolMinFee))
		if h.state() != before {
			t.Fatal("pool changed")
		}
		var e Error
		if !errors.As(res.Txs[1].Err, &e) || e.Description != "mempool min fee not met, 300 < "+
			strconv.FormatInt(FeeRate(5000).Fee(txs[0].VSize()+txs[1].VSize()), 10) {
			t.Fatalf("child error %v", res.Txs[1].Err)
		}
	})

	t.Run("pooled parent skipped", func(t *testing.T) {
		h := newHarness(t, nil)
		txs := pair(h, 2, 1000, 2000)
		h.mustAccept(txs[0])
		res := h.pool.SubmitPackage(txs, 0)
		h.checkSubmit(res, txs, "", inPool(), accepted())
		if r := res.Txs[0]; r.Fee != 1000 || r.VSize != txs[0].VSize() || r.EffectiveIncludes != nil {
			t.Fatalf("pooled parent: %+v", r)
		}
		// The child paid for itself: its own rate, itself only.
		if r := res.Txs[1]; len(r.EffectiveIncludes) != 1 || r.EffectiveFeeRate != feeRateOf(2000, r.VSize) {
			t.Fatalf("child: %+v", r)
		}
	})

	t.Run("pooled parent with another witness", func(t *testing.T) {
		h := newHarness(t, nil)
		txs := pair(h, 2, 1000, 2000)
		h.mustAccept(txs[0])
		other := txs[0].Copy()
		other.TxIn[0].Witness = fakeWitness(0x31)
		pkg := []*wire.MsgTx{other, txs[1]}
		res := h.pool.SubmitPackage(pkg, 0)
		if res.PackageErr != nil || res.Txs[0].Status != PackageTxOtherWitness ||
			res.Txs[0].OtherWTxHash != txs[0].WitnessHash() || res.Txs[1].Status != PackageTxAccepted {
			t.Fatalf("other witness: %v %+v", res.PackageErr, res.Txs)
		}
	})

	t.Run("topology", func(t *testing.T) {
		h := newHarness(t, nil)
		coins := h.fund(2, 100000, 10, false)
		a, b := h.tx(coins[:1], 99000), h.tx(coins[1:], 99000)
		res := h.pool.SubmitPackage([]*wire.MsgTx{a, b}, 0)
		if !errors.Is(res.PackageErr, ErrPackageNotChildWithParents) || res.Txs[0].Status != PackageTxUnevaluated ||
			h.pool.Count() != 0 {
			t.Fatalf("independent: %v", res.PackageErr)
		}
		// A grandparent, parent and child: every one is a parent of the
		// child, but the parents depend on each other.
		gp := h.tx(h.fund(1, 100000, 10, false), 50000, 49000)
		p := h.tx(outs(gp)[:1], 48000)
		c := h.tx(append(outs(gp)[1:], outs(p)...), 90000)
		chain := []*wire.MsgTx{gp, p, c}
		if !IsChildWithParents(chain) || IsChildWithParentsTree(chain) {
			t.Fatal("grandparent chain: want child-with-parents, not a tree")
		}
		if !IsChildWithParentsTree([]*wire.MsgTx{p, c}) || IsChildWithParents([]*wire.MsgTx{c}) {
			t.Fatal("parent and child")
		}
	})

	t.Run("too many", func(t *testing.T) {
		h := newHarness(t, nil)
		coin := h.fund(1, 1000000, 10, false)
		txs := []*wire.MsgTx{h.tx(coin, 990000)}
		for len(txs) < MaxPackageCount+1 {
			prev := txs[len(txs)-1]
			txs = append(txs, h.tx(outs(prev), prev.TxOut[0].Value-1000))
		}
		res := h.pool.SubmitPackage(txs, 0)
		if !errors.Is(res.PackageErr, ErrPackageTooManyTxs) || h.pool.Count() != 0 {
			t.Fatalf("26 transactions: %v", res.PackageErr)
		}
	})

	t.Run("bad child signature adds nothing", func(t *testing.T) {
		h := newHarness(t, nil)
		txs := pair(h, 3, 0, 5000)
		txs[1].TxIn[0].Witness = fakeWitness(0xde)
		before := h.state()
		res := h.pool.SubmitPackage(txs, 0)
		h.checkSubmit(res, txs, ErrPackageTxFailed, refused(ErrMinRelayFee), refused(ErrScriptConsensus))
		if h.state() != before {
			t.Fatal("pool changed")
		}
	})

	t.Run("bad parent alone stops the package", func(t *testing.T) {
		h := newHarness(t, nil)
		txs := pair(h, 3, 0, 5000)
		txs[0].TxOut[0].Value = 200000 // more out than in
		txs[1].TxIn[0].PreviousOutPoint.Hash = txs[0].TxHash()
		res := h.pool.SubmitPackage(txs, 0)
		h.checkSubmit(res, txs, ErrPackageTxFailed, refused(ErrInBelowOut), refused(ErrMissingInputs))
	})

	t.Run("maxfeerate", func(t *testing.T) {
		h := newHarness(t, nil)
		txs := pair(h, 2, 1000, 2000)
		res := h.pool.SubmitPackage(txs, 1000) // 1 sat/vB
		h.checkSubmit(res, txs, ErrPackageTxFailed, refused(ErrMaxFeeRateExceeded),
			refused(ErrMissingInputs))
		// In the package evaluation: the child's own rate is over it.
		h2 := newHarness(t, nil)
		txs = pair(h2, 3, 0, 5000)
		res = h2.pool.SubmitPackage(txs, 20000)
		h2.checkSubmit(res, txs, ErrPackageTxFailed, refused(ErrMinRelayFee),
			refused(ErrMaxFeeRateExceeded))
	})

	t.Run("package RBF", func(t *testing.T) {
		h := newHarness(t, nil)
		coin := h.fund(1, 100000, 10, false)
		old := h.mustAccept(h.tx(coin, 99000)) // 1000 sat
		parent := v3(h.tx(coin, 100000))
		child := v3(h.tx(outs(parent), 80000))
		txs := []*wire.MsgTx{parent, child}
		res := h.pool.SubmitPackage(txs, 0)
		h.checkSubmit(res, txs, "", accepted(), accepted())
		if len(res.Txs[0].Replaced) != 1 || res.Txs[0].Replaced[0] != old.TxHash ||
			h.pool.IsTransactionInPool(&old.TxHash) {
			t.Fatalf("replaced %v", res.Txs[0].Replaced)
		}
	})

	t.Run("package RBF refusals", func(t *testing.T) {
		// many is a transaction of 20 outputs, about 700 vB, most of the
		// value in the first.
		many := func(h *harness, in []spendable, fee int64) *wire.MsgTx {
			values := make([]int64, 20)
			for i := range values {
				values[i] = 1000
			}
			values[0] = in[0].amount - fee - 19000
			return h.tx(in, values...)
		}
		cases := []struct {
			name  string
			build func(h *harness) []*wire.MsgTx
			want  string
		}{
			{"anti-DoS fees", func(h *harness) []*wire.MsgTx {
				coin := h.fund(1, 100000, 10, false)
				h.mustAccept(h.tx(coin, 70000)) // 30000 sat
				parent := v3(h.tx(coin, 100000))
				return []*wire.MsgTx{parent, v3(h.tx(outs(parent), 80000))}
			}, "package RBF failed: insufficient anti-DoS fees, rejecting replacement "},
			{"child below parent", func(h *harness) []*wire.MsgTx {
				coin := h.fund(1, 100000, 10, false)
				h.mustAccept(h.tx(coin, 100000-1100)) // 10 sat/vB
				parent := many(h, coin, 4000)         // under 6 sat/vB
				return []*wire.MsgTx{parent, h.tx(outs(parent)[:1], parent.TxOut[0].Value-300)}
			}, "package RBF failed: package feerate is less than or equal to parent feerate, package feerate "},
			{"diagram", func(h *harness) []*wire.MsgTx {
				coin := h.fund(1, 100000, 10, false)
				low := h.mustAccept(h.tx(coin, 100000-110)) // 1 sat/vB
				h.mustAccept(h.tx(outs(low.Tx), low.Tx.TxOut[0].Value-11000))
				parent := many(h, coin, 1000) // less than both, and too little alone
				return []*wire.MsgTx{parent, h.tx(outs(parent)[:1], parent.TxOut[0].Value-10200)}
			}, "package RBF failed: insufficient feerate: does not improve feerate diagram"},
			{"conflict cluster too big", func(h *harness) []*wire.MsgTx {
				coin := h.fund(1, 100000, 10, false)
				a := h.mustAccept(h.tx(coin, 50000, 49000))
				h.mustAccept(h.tx(outs(a.Tx)[:1], 49000))
				h.mustAccept(h.tx(outs(a.Tx)[1:], 48000))
				parent := v3(h.tx(coin, 100000))
				return []*wire.MsgTx{parent, v3(h.tx(outs(parent), 50000))}
			}, "package RBF failed: "},
			{"three transactions", func(h *harness) []*wire.MsgTx {
				coins := h.fund(2, 100000, 10, false)
				h.pool.rollingMinFee = 5000
				h.mustAccept(h.tx(coins[:1], 90000))
				p1 := h.tx(coins[:1], 99000) // conflicts, below the pool minimum
				p2 := h.tx(coins[1:], 99800)
				c := h.tx(append(outs(p1), outs(p2)...), 99000+99800-20000)
				return []*wire.MsgTx{p1, p2, c}
			}, "package RBF failed: package must be 1-parent-1-child"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				h := newHarness(t, nil)
				txs := c.build(h)
				before := h.state()
				res := h.pool.SubmitPackage(txs, 0)
				if !errors.Is(res.PackageErr, ErrPackageRBF) || !strings.Contains(res.PackageErr.Error(), c.want) {
					t.Fatalf("package error %v, want %q", res.PackageErr, c.want)
				}
				// A conflict cluster of three breaks the topology rule at
				// whichever member comes first by txid.
				if c.name == "conflict cluster too big" {
					msg := res.PackageErr.Error()
					if !strings.Contains(msg, "max 1 allowed") && !strings.Contains(msg, "is not the only") &&
						!strings.Contains(msg, "exceeding cluster limit of 2") {
						t.Fatalf("topology error %q", msg)
					}
				}
				if h.state() != before {
					t.Fatal("pool changed")
				}
				h.checkInvariants()
			})
		}
	})

	t.Run("ephemeral dust", func(t *testing.T) {
		h := newHarness(t, nil)
		coins := h.fund(2, 100000, 10, false)
		// A zero-fee TRUC parent with a 0-value (dust) output, and a child
		// spending only the other output: refused as a whole.
		parent := v3(h.tx(coins[:1], 100000, 0))
		child := v3(h.tx(outs(parent)[:1], 95000))
		txs := []*wire.MsgTx{parent, child}
		before := h.state()
		res := h.pool.SubmitPackage(txs, 0)
		h.checkSubmit(res, txs, ErrUnspentDust, refused(ErrMinRelayFee), refused(ErrMissingEphemeralSpends))
		if h.state() != before {
			t.Fatal("pool changed")
		}
		// The child sweeping the dust too: accepted.
		child = v3(h.tx(outs(parent), 95000))
		txs = []*wire.MsgTx{parent, child}
		res = h.pool.SubmitPackage(txs, 0)
		h.checkSubmit(res, txs, "", accepted(), accepted())
		// A replacement of the child that leaves the dust is refused alone.
		h.reject(v3(h.tx(outs(parent)[:1], 90000)), ErrMissingEphemeralSpends)
		h.reject(v3(h.tx(append(outs(parent)[:1], coins[1]), 190000)), ErrMissingEphemeralSpends)
	})

	t.Run("evicted at the end", func(t *testing.T) {
		h := newHarness(t, nil)
		for _, coin := range h.fund(3, 100000, 10, false) {
			h.mustAccept(h.tx([]spendable{coin}, 100000-6000)) // over 50 sat/vB
		}
		usage, _ := h.pool.Usage()
		h.pool.cfg.Policy.MaxMempoolBytes = usage + 500
		txs := pair(h, 2, 2000, 2000)
		res := h.pool.SubmitPackage(txs, 0)
		h.checkSubmit(res, txs, ErrPackageTxFailed, refused(ErrMempoolFull), refused(ErrMempoolFull))
		if len(res.Accepted) != 0 || h.pool.Count() != 3 {
			t.Fatalf("accepted %d, pool %d", len(res.Accepted), h.pool.Count())
		}
	})

	t.Run("single transaction", func(t *testing.T) {
		h := newHarness(t, nil)
		txs := pair(h, 2, 0, 5000)[:1]
		res := h.pool.SubmitPackage(txs, 0)
		h.checkSubmit(res, txs, ErrPackageTxFailed, refused(ErrMinRelayFee))
		txs = pair(h, 2, 1000, 0)[:1]
		res = h.pool.SubmitPackage(txs, 0)
		h.checkSubmit(res, txs, "", accepted())
	})

	t.Run("orphans of the package", func(t *testing.T) {
		h := newHarness(t, nil)
		txs := pair(h, 2, 1000, 2000)
		orphan := h.tx(outs(txs[1]), txs[1].TxOut[0].Value-1000)
		if _, missing, err := h.pool.ProcessTransaction(orphan, true, 7); err != nil || len(missing) != 1 {
			t.Fatalf("orphan: %v %v", err, missing)
		}
		res := h.pool.SubmitPackage(txs, 0)
		h.checkSubmit(res, txs, "", accepted(), accepted())
		if len(res.Accepted) != 3 || res.Accepted[2].TxHash != orphan.TxHash() || h.pool.OrphanCount() != 0 {
			t.Fatalf("accepted %d, orphans %d", len(res.Accepted), h.pool.OrphanCount())
		}
	})
}

// FuzzSubmitPackage submits child-with-parents packages built from the
// input (fees, versions, conflicts with a pooled transaction, a pooled
// member) and checks that results and the pool agree: a package without
// error is wholly pooled, refused members are not, a package-wide
// failure changes nothing, and the pool's bookkeeping stays consistent.
func FuzzSubmitPackage(f *testing.F) {
	f.Add([]byte{0, 2, 0, 0, 3, 1, 0, 9, 40})
	f.Add([]byte{1, 1, 3, 0, 0, 3, 200})
	f.Add([]byte{3, 3, 1, 2, 2, 1, 3, 5, 2, 0, 0, 0, 90})
	f.Fuzz(func(t *testing.T, data []byte) {
		next := func() byte {
			if len(data) == 0 {
				return 0
			}
			b := data[0]
			data = data[1:]
			return b
		}
		h := newHarness(t, nil)
		coins := h.fund(6, 100000, 10, false)
		flags := next()
		if flags&1 == 1 {
			h.pool.rollingMinFee = 5000
		}
		// A pooled transaction on the first coin, which parents may
		// conflict with.
		if flags&2 == 2 {
			h.pool.ProcessTransaction(h.tx(coins[:1], 100000-int64(next())*20), false, 0)
		}
		nParents := int(next()%4) + 1
		var txs []*wire.MsgTx
		var childIns []spendable
		for i := 0; i < nParents; i++ {
			coin := coins[int(next())%len(coins)]
			fee := int64(next()) * 10
			tx := h.tx([]spendable{coin}, coin.amount-fee)
			if next()&1 == 1 {
				tx.Version = 3
			}
			txs = append(txs, tx)
			childIns = append(childIns, outs(tx)[0])
		}
		var in int64
		for _, c := range childIns {
			in += c.amount
		}
		child := h.tx(childIns, in-int64(next())*100)
		if next()&1 == 1 {
			child.Version = 3
		}
		if next()&1 == 1 {
			child.TxIn[0].Witness = fakeWitness(0xde)
		}
		txs = append(txs, child)
		// Sometimes pool the first parent beforehand.
		if flags&4 == 4 {
			h.pool.ProcessTransaction(txs[0], false, 0)
		}
		before := h.state()
		res := h.pool.SubmitPackage(txs, FeeRate(next())*1000)
		if len(res.Txs) != len(txs) {
			t.Fatalf("%d results for %d", len(res.Txs), len(txs))
		}
		unevaluated := 0
		for i, r := range res.Txs {
			pooled := h.pool.IsTransactionInPool(&r.TxHash)
			switch r.Status {
			case PackageTxUnevaluated:
				unevaluated++
			case PackageTxAccepted, PackageTxInPool, PackageTxOtherWitness:
				if !pooled || r.Err != nil {
					t.Fatalf("tx %d: status %d, pooled %v, err %v", i, r.Status, pooled, r.Err)
				}
			case PackageTxRejected:
				if pooled || r.Err == nil {
					t.Fatalf("tx %d refused (%v) but pooled %v", i, r.Err, pooled)
				}
			}
			if res.PackageErr == nil && r.Status != PackageTxAccepted && r.Status != PackageTxInPool &&
				r.Status != PackageTxOtherWitness {
				t.Fatalf("success with tx %d in status %d", i, r.Status)
			}
		}
		if unevaluated > 0 && (unevaluated != len(txs) || res.PackageErr == nil || h.state() != before) {
			t.Fatalf("%d unevaluated of %d, package error %v", unevaluated, len(txs), res.PackageErr)
		}
		h.checkInvariants()
	})
}

// countingVerifier counts script runs under the standard flags.
type countingVerifier struct {
	fakeVerifier
	mu sync.Mutex
	n  int
}

func (v *countingVerifier) VerifyScripts(tx *wire.MsgTx, prev []*wire.TxOut, standard bool) (int, error) {
	if standard {
		v.mu.Lock()
		v.n++
		v.mu.Unlock()
	}
	return v.fakeVerifier.VerifyScripts(tx, prev, standard)
}

// TestSubmitPackageScriptsOnce checks that a package's scripts run once
// each, before the pool lock is taken for the submission.
func TestSubmitPackageScriptsOnce(t *testing.T) {
	v := &countingVerifier{}
	h := newHarness(t, func(c *Config) { c.Verifier = v })
	coins := h.fund(2, 100000, 10, false)
	parent := h.tx(coins[:1], 100000)
	parent.Version = 3
	child := h.tx(outs(parent), 95000)
	child.Version = 3
	res := h.pool.SubmitPackage([]*wire.MsgTx{parent, child}, 0)
	if res.PackageErr != nil || v.n != 2 {
		t.Fatalf("CPFP package: %v, %d script runs, want 2", res.PackageErr, v.n)
	}
	// A parent accepted alone and its child.
	v.n = 0
	coin := h.fund(1, 100000, 10, false)
	p := h.tx(coin, 99000)
	c := h.tx(outs(p), 98000)
	res = h.pool.SubmitPackage([]*wire.MsgTx{p, c}, 0)
	if res.PackageErr != nil || v.n != 2 {
		t.Fatalf("plain package: %v, %d script runs, want 2", res.PackageErr, v.n)
	}
}
