package mempool

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tern-org/ternd/wire"
)

func TestPackageErrorKinds(t *testing.T) {
	kinds := []ErrorKind{ErrPackageTooManyTxs, ErrPackageTooLarge, ErrPackageDuplicates,
		ErrPackageNotSorted, ErrConflictInPackage, ErrPackageMempoolLimit, ErrReplacementDisallowed}
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

// poolState is what a test acceptance must leave untouched.
type poolState struct {
	count         int
	usage, vsize  int64
	updated       time.Time
	seq           uint64
	spent, wtxids int
}

func (h *harness) state() poolState {
	mp := h.pool
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	return poolState{count: len(mp.pool), usage: mp.usage, vsize: mp.totalVSz,
		updated: mp.lastUpdated, seq: mp.sequence, spent: len(mp.spentBy), wtxids: len(mp.byWtxid)}
}

// want describes one transaction's expected outcome: "ok", "none" (not
// fully validated) or the error kind it fails with.
func checkPackageResult(t *testing.T, res *PackageTestResult, txs []*wire.MsgTx, pkgErr ErrorKind,
	want ...string) {
	t.Helper()
	if res.PackageErr != nil {
		t.Logf("package error: %v", res.PackageErr)
	}
	for i, r := range res.Txs {
		if r.Err != nil {
			t.Logf("tx %d: %v", i, r.Err)
		}
	}
	if len(res.Txs) != len(txs) {
		t.Fatalf("%d results for %d txs", len(res.Txs), len(txs))
	}
	for i, r := range res.Txs {
		if r.TxHash != txs[i].TxHash() {
			t.Fatalf("result %d is for %v", i, r.TxHash)
		}
	}
	if pkgErr != "" {
		if !errors.Is(res.PackageErr, pkgErr) {
			t.Fatalf("package error %v, want %v", res.PackageErr, pkgErr)
		}
		for i, r := range res.Txs {
			if r.Result != nil || r.Err != nil {
				t.Fatalf("tx %d has a result beside the package error: %+v", i, r)
			}
		}
		return
	}
	if res.PackageErr != nil {
		t.Fatalf("unexpected package error %v", res.PackageErr)
	}
	for i, w := range want {
		r := res.Txs[i]
		switch w {
		case "ok":
			if r.Err != nil || r.Result == nil {
				t.Fatalf("tx %d: want accepted, got %v", i, r.Err)
			}
		case "none":
			if r.Err != nil || r.Result != nil {
				t.Fatalf("tx %d: want no result, got %+v", i, r)
			}
		default:
			if r.Result != nil || !errors.Is(r.Err, ErrorKind(w)) {
				t.Fatalf("tx %d: want %s, got %v (result %+v)", i, w, r.Err, r.Result)
			}
		}
	}
}

func TestTestAcceptPackage(t *testing.T) {
	type build func(h *harness) []*wire.MsgTx
	// chain returns a parent spending a confirmed coin and n-1 descendants
	// in a line, each paying 1000 sat.
	chain := func(h *harness, n int) []*wire.MsgTx {
		coin := h.fund(1, 100000, 10, false)
		txs := []*wire.MsgTx{h.tx(coin, 99000)}
		for len(txs) < n {
			prev := txs[len(txs)-1]
			txs = append(txs, h.tx(outs(prev), prev.TxOut[0].Value-1000))
		}
		return txs
	}
	v3 := func(tx *wire.MsgTx) *wire.MsgTx { tx.Version = 3; return tx }
	cases := []struct {
		name   string
		mutate func(*Config)
		build  build
		pkgErr ErrorKind
		want   []string
	}{
		{"parent and child", nil, func(h *harness) []*wire.MsgTx { return chain(h, 2) }, "",
			[]string{"ok", "ok"}},
		{"single", nil, func(h *harness) []*wire.MsgTx { return chain(h, 1) }, "", []string{"ok"}},
		{"independent", nil, func(h *harness) []*wire.MsgTx {
			coins := h.fund(2, 100000, 10, false)
			return []*wire.MsgTx{h.tx(coins[:1], 99000), h.tx(coins[1:], 98000)}
		}, "", []string{"ok", "ok"}},
		{"child of pooled parent", nil, func(h *harness) []*wire.MsgTx {
			txs := chain(h, 3)
			h.mustAccept(txs[0])
			return txs[1:]
		}, "", []string{"ok", "ok"}},
		{"not sorted", nil, func(h *harness) []*wire.MsgTx {
			txs := chain(h, 2)
			return []*wire.MsgTx{txs[1], txs[0]}
		}, ErrPackageNotSorted, nil},
		{"conflict in package", nil, func(h *harness) []*wire.MsgTx {
			coin := h.fund(1, 100000, 10, false)
			return []*wire.MsgTx{h.tx(coin, 99000), h.tx(coin, 98000)}
		}, ErrConflictInPackage, nil},
		{"duplicate", nil, func(h *harness) []*wire.MsgTx {
			txs := chain(h, 1)
			return []*wire.MsgTx{txs[0], txs[0]}
		}, ErrPackageDuplicates, nil},
		{"too many", nil, func(h *harness) []*wire.MsgTx { return chain(h, 26) },
			ErrPackageTooManyTxs, nil},
		{"too heavy", nil, func(h *harness) []*wire.MsgTx {
			coins := h.fund(2, 10000000, 10, false)
			values := make([]int64, 1700)
			for i := range values {
				values[i] = 1000
			}
			return []*wire.MsgTx{h.tx(coins[:1], values...), h.tx(coins[1:], values...)}
		}, ErrPackageTooLarge, nil},
		{"bad second stops there", nil, func(h *harness) []*wire.MsgTx {
			txs := chain(h, 3)
			txs[1].TxOut[0].Value = 200000 // more out than in
			return txs
		}, "", []string{"none", string(ErrInBelowOut), "none"}},
		{"missing input", nil, func(h *harness) []*wire.MsgTx {
			txs := chain(h, 2)
			ghost := h.tx([]spendable{{op: wire.OutPoint{Index: 7}, amount: 1}}, 1)
			ghost.TxIn[0].PreviousOutPoint.Hash = txs[0].TxHash()
			return append(txs, ghost)
		}, "", []string{"none", "none", string(ErrMissingInputs)}},
		{"script failure keeps earlier results", nil, func(h *harness) []*wire.MsgTx {
			txs := chain(h, 3)
			txs[1].TxIn[0].Witness = fakeWitness(0xde)
			txs[2].TxIn[0].PreviousOutPoint.Hash = txs[1].TxHash()
			return txs
		}, "", []string{"ok", string(ErrScriptConsensus), "none"}},
		{"no CPFP", nil, func(h *harness) []*wire.MsgTx {
			coin := h.fund(1, 100000, 10, false)
			parent := h.tx(coin, 50000)
			child := h.tx(outs(parent), 50000) // pays nothing
			return []*wire.MsgTx{parent, child}
		}, "", []string{"none", string(ErrMinRelayFee)}},
		{"unspent dust", func(c *Config) { c.Policy.MinRelayTxFee = 0 }, func(h *harness) []*wire.MsgTx {
			coin := h.fund(1, 100000, 10, false)
			parent := v3(h.tx(coin, 100000, 0)) // zero fee, a dust output
			return []*wire.MsgTx{parent, v3(h.tx(outs(parent)[:1], 99000))}
		}, "", []string{"none", string(ErrMissingEphemeralSpends)}},
		{"dust swept", func(c *Config) { c.Policy.MinRelayTxFee = 0 }, func(h *harness) []*wire.MsgTx {
			coin := h.fund(1, 100000, 10, false)
			parent := v3(h.tx(coin, 100000, 0))
			return []*wire.MsgTx{parent, v3(h.tx(outs(parent), 99000))}
		}, "", []string{"ok", "ok"}},
		{"conflict with the pool", nil, func(h *harness) []*wire.MsgTx {
			coin := h.fund(1, 100000, 10, false)
			h.mustAccept(h.tx(coin, 99000))
			// A higher fee would replace it in a single acceptance.
			return []*wire.MsgTx{h.tx(coin, 90000), chain(h, 1)[0]}
		}, "", []string{string(ErrReplacementDisallowed), "none"}},
		{"already pooled", nil, func(h *harness) []*wire.MsgTx {
			txs := chain(h, 2)
			h.mustAccept(txs[0])
			return txs
		}, "", []string{string(ErrAlreadyInPool), "none"}},
		{"package limits", func(c *Config) { c.Policy.AncestorLimitCount = 3 },
			func(h *harness) []*wire.MsgTx {
				txs := chain(h, 4)
				h.mustAccept(txs[0])
				return txs[1:]
			}, ErrPackageMempoolLimit, nil},
		{"package descendant limit", func(c *Config) { c.Policy.DescendantLimitCount = 3 },
			func(h *harness) []*wire.MsgTx {
				txs := chain(h, 4)
				h.mustAccept(txs[0])
				h.mustAccept(txs[1])
				return txs[2:]
			}, ErrPackageMempoolLimit, nil},
		{"TRUC parent and child", nil, func(h *harness) []*wire.MsgTx {
			coin := h.fund(1, 100000, 10, false)
			parent := v3(h.tx(coin, 49000, 50000))
			return []*wire.MsgTx{parent, v3(h.tx(outs(parent)[:1], 48000))}
		}, "", []string{"ok", "ok"}},
		{"TRUC two children", nil, func(h *harness) []*wire.MsgTx {
			coin := h.fund(1, 100000, 10, false)
			parent := v3(h.tx(coin, 49000, 50000))
			o := outs(parent)
			return []*wire.MsgTx{parent, v3(h.tx(o[:1], 48000)), v3(h.tx(o[1:], 49000))}
		}, ErrTRUCViolation, nil},
		{"TRUC parent of non-TRUC child", nil, func(h *harness) []*wire.MsgTx {
			coin := h.fund(1, 100000, 10, false)
			parent := v3(h.tx(coin, 99000))
			return []*wire.MsgTx{parent, h.tx(outs(parent), 98000)}
		}, ErrTRUCViolation, nil},
		{"TRUC grandchild", nil, func(h *harness) []*wire.MsgTx {
			coin := h.fund(1, 100000, 10, false)
			a := v3(h.tx(coin, 99000))
			b := v3(h.tx(outs(a), 98000))
			return []*wire.MsgTx{a, b, v3(h.tx(outs(b), 97000))}
		}, ErrTRUCViolation, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, c.mutate)
			txs := c.build(h)
			before := h.state()
			res := h.pool.TestAcceptPackage(txs)
			checkPackageResult(t, res, txs, c.pkgErr, c.want...)
			if after := h.state(); after != before {
				t.Fatalf("pool changed: %+v -> %+v", before, after)
			}
			for _, tx := range txs {
				id := tx.TxHash()
				if res.PackageErr == nil && res.Txs[0].Err == nil && h.pool.IsTransactionInPool(&id) {
					t.Fatalf("%v was added", id)
				}
			}
			h.checkInvariants()
		})
	}
	t.Logf("%d cases", len(cases))
}

// TestTestAcceptPackageResults checks the figures of accepted members and
// that a package which passed can then really be accepted in order.
func TestTestAcceptPackageResults(t *testing.T) {
	h := newHarness(t, nil)
	coin := h.fund(1, 100000, 10, false)
	parent := h.tx(coin, 99000)
	child := h.tx(outs(parent), 97000)
	cid := child.TxHash()
	h.pool.PrioritiseTransaction(&cid, 500)
	res := h.pool.TestAcceptPackage([]*wire.MsgTx{parent, child})
	checkPackageResult(t, res, []*wire.MsgTx{parent, child}, "", "ok", "ok")
	p, c := res.Txs[0].Result, res.Txs[1].Result
	if p.Fee != 1000 || p.ModifiedFee != 1000 || c.Fee != 2000 || c.ModifiedFee != 2500 {
		t.Fatalf("fees: parent %+v child %+v", p, c)
	}
	if p.VSize != parent.VSize() || c.VSize != child.VSize() || c.WTxHash != child.WitnessHash() {
		t.Fatalf("sizes or hashes: parent %+v child %+v", p, c)
	}
	if h.pool.Count() != 0 {
		t.Fatalf("pool holds %d", h.pool.Count())
	}
	h.mustAccept(parent)
	h.mustAccept(child)
	h.checkInvariants()
}

// FuzzTestAcceptPackage builds packages from the input (spends of funded
// coins, pooled transactions and earlier members, in any order, with
// duplicates and conflicts) and checks that a test acceptance never
// panics, never changes the pool, and reports at most one failing member
// with no accepted member after it.
func FuzzTestAcceptPackage(f *testing.F) {
	f.Add([]byte{0, 1, 0, 0, 1, 2, 1, 0})
	f.Add([]byte{1, 1, 0, 0, 1, 1, 0, 0, 2, 4, 0, 2, 0})
	f.Add([]byte{0, 2, 0, 1, 2, 9, 0, 3, 1, 5, 1, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		h := newHarness(t, nil)
		avail := h.fund(4, 100000, 10, false)
		next := func() byte {
			if len(data) == 0 {
				return 0
			}
			b := data[0]
			data = data[1:]
			return b
		}
		// The first byte pools a transaction spending the first coin.
		if next()&1 == 1 {
			tx := h.tx(avail[:1], 99000)
			h.mustAccept(tx)
			avail = append(avail, outs(tx)...)
		}
		var txs []*wire.MsgTx
		for len(data) > 0 && len(txs) < MaxPackageCount+2 {
			nIn := int(next()%2) + 1
			var ins []spendable
			var value int64
			for i := 0; i < nIn; i++ {
				in := avail[int(next())%len(avail)]
				ins = append(ins, in)
				value += in.amount
			}
			fee := int64(next()) * 50
			nOut := int(next()%2) + 1
			values := make([]int64, nOut)
			for i := range values {
				values[i] = (value - fee) / int64(nOut)
			}
			tx := h.tx(ins, values...)
			txs = append(txs, tx)
			avail = append(avail, outs(tx)...)
		}
		if len(txs) == 0 {
			return
		}
		before := h.state()
		res := h.pool.TestAcceptPackage(txs)
		if len(res.Txs) != len(txs) {
			t.Fatalf("%d results for %d", len(res.Txs), len(txs))
		}
		failed := false
		for i, r := range res.Txs {
			if res.PackageErr != nil && (r.Err != nil || r.Result != nil) {
				t.Fatalf("tx %d has a result beside %v", i, res.PackageErr)
			}
			if r.Err != nil && r.Result != nil {
				t.Fatalf("tx %d both failed and passed", i)
			}
			if failed && (r.Err != nil || r.Result != nil) {
				t.Fatalf("tx %d has a result after a failure", i)
			}
			failed = failed || r.Err != nil
		}
		if after := h.state(); after != before {
			t.Fatalf("pool changed: %+v -> %+v", before, after)
		}
		h.checkInvariants()
	})
}

// BenchmarkTestAcceptPackage measures a package test acceptance of a chain
// of 2 and of 25 transactions over an empty pool (fake scripts).
func BenchmarkTestAcceptPackage(b *testing.B) {
	for _, n := range []int{2, MaxPackageCount} {
		b.Run(fmt.Sprintf("chain%d", n), func(b *testing.B) {
			h := newHarness(b, nil)
			coin := h.fund(1, 100000, 10, false)
			txs := []*wire.MsgTx{h.tx(coin, 99000)}
			for len(txs) < n {
				prev := txs[len(txs)-1]
				txs = append(txs, h.tx(outs(prev), prev.TxOut[0].Value-1000))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				res := h.pool.TestAcceptPackage(txs)
				if res.PackageErr != nil || res.Txs[n-1].Result == nil {
					b.Fatalf("package refused: %v %v", res.PackageErr, res.Txs[n-1].Err)
				}
			}
		})
	}
}
