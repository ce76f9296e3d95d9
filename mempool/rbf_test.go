package mempool

import (
	"testing"

	"github.com/tern-org/ternd/wire"
)

// TestCompareDiagrams: fee-rate diagram comparisons in the manner of
// Core's rbf_tests (CompareChunks): equal, higher everywhere, higher with
// a different chunking, crossing, a shorter diagram (flat past its end)
// and a negative chunk.
func TestCompareDiagrams(t *testing.T) {
	tests := []struct {
		name          string
		a, b          []feeFrac
		better, worse bool
	}{
		{"equal", []feeFrac{{10, 10}}, []feeFrac{{10, 10}}, false, false},
		{"higher", []feeFrac{{11, 10}}, []feeFrac{{10, 10}}, true, false},
		{"lower", []feeFrac{{10, 10}}, []feeFrac{{11, 10}}, false, true},
		{"better chunking", []feeFrac{{20, 10}, {0, 10}}, []feeFrac{{15, 20}}, true, false},
		{"same line, other split", []feeFrac{{10, 10}, {10, 10}}, []feeFrac{{20, 20}}, false, false},
		{"crossing", []feeFrac{{10, 10}, {10, 10}}, []feeFrac{{15, 10}, {1, 10}}, true, true},
		{"shorter", []feeFrac{{10, 10}}, []feeFrac{{10, 10}, {5, 10}}, false, true},
		{"longer", []feeFrac{{10, 10}, {5, 10}}, []feeFrac{{10, 10}}, true, false},
		{"negative tail", []feeFrac{{10, 10}, {-5, 10}}, []feeFrac{{10, 10}}, false, true},
		{"empty against something", nil, []feeFrac{{1, 10}}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			better, worse := compareDiagrams(tt.a, tt.b)
			if better != tt.better || worse != tt.worse {
				t.Fatalf("compareDiagrams = %v, %v; want %v, %v", better, worse, tt.better, tt.worse)
			}
			// Swapped, the answers swap.
			better, worse = compareDiagrams(tt.b, tt.a)
			if better != tt.worse || worse != tt.better {
				t.Fatalf("swapped: %v, %v", better, worse)
			}
		})
	}
}

// pad grows tx's first input witness by n bytes (n/4 vB).
func pad(tx *wire.MsgTx, n int) *wire.MsgTx {
	tx.TxIn[0].Witness = append(tx.TxIn[0].Witness, make([]byte, n))
	return tx
}

// TestReplacementDiagram: Core v31 judges a replacement by the fee-rate
// diagram of the clusters it touches, not by its own fee rate against the
// direct conflicts'.
func TestReplacementDiagram(t *testing.T) {
	t.Run("lower fee rate than the conflict, better diagram", func(t *testing.T) {
		// P (0.1 sat/vB, 1,000 vB) and its child C (25 sat/vB) form one
		// chunk. R replaces C at some 5 sat/vB without spending P:
		// refused by the old rule 6, but R alone and then P alone beat
		// the P+C chunk everywhere.
		h := newHarness(t, nil)
		coins := h.fund(2, 1000000, 10, false)
		p := pad(h.tx(coins[0:1], 1000000), 3600)
		p.TxOut[0].Value -= p.VSize()/10 + 1
		h.mustAccept(p)
		c := h.tx([]spendable{outs(p)[0], coins[1]}, 0)
		c.TxOut[0].Value = outs(p)[0].amount + 1000000 - 25*c.VSize()
		h.mustAccept(c)
		feeC := 25 * c.VSize()
		r := pad(h.tx(coins[1:2], 0), 3600)
		feeR := feeC + r.VSize()/10 + 50
		r.TxOut[0].Value = 1000000 - feeR
		if feeR*c.VSize() >= feeC*r.VSize() {
			t.Fatalf("R's fee rate (%d/%d) not below C's (%d/%d)", feeR, r.VSize(), feeC, c.VSize())
		}
		h.mustAccept(r)
		if !h.pool.IsTransactionInPool(ptr(p.TxHash())) || h.pool.IsTransactionInPool(ptr(c.TxHash())) {
			t.Fatal("P should stay and C go")
		}
		h.checkInvariants()
	})

	t.Run("new low-fee parent makes the diagram worse", func(t *testing.T) {
		// C pays 10 sat/vB. R replaces it with more fee, but spends a
		// pooled 1 sat/vB parent P of 1,000 vB: P+R is one chunk far
		// below C, so the diagram gets worse (the old rule 2 refused it
		// for its new unconfirmed input instead).
		h := newHarness(t, nil)
		coins := h.fund(2, 1000000, 10, false)
		c := h.tx(coins[0:1], 0)
		feeC := 10 * c.VSize()
		c.TxOut[0].Value = 1000000 - feeC
		h.mustAccept(c)
		p := pad(h.tx(coins[1:2], 0), 3600)
		p.TxOut[0].Value = 1000000 - p.VSize()
		h.mustAccept(p)
		r := h.tx([]spendable{coins[0], outs(p)[0]}, 0)
		feeR := feeC + r.VSize()/10 + 100
		r.TxOut[0].Value = 1000000 + outs(p)[0].amount - feeR
		err := h.reject(r, ErrInsufficientFee)
		if !contains(err.Error(), "does not improve feerate diagram") {
			t.Fatalf("reason %q", err.Error())
		}
		h.checkInvariants()
	})

	t.Run("paying less than what it evicts", func(t *testing.T) {
		h := newHarness(t, nil)
		coins := h.fund(1, 1000000, 10, false)
		c := h.tx(coins, 1000000-5000)
		h.mustAccept(c)
		h.mustAccept(h.tx(outs(c), 1000000-5000-20000)) // a child paying 20,000
		r := h.tx(coins, 1000000-20000)                 // more than C, less than C and child
		err := h.reject(r, ErrInsufficientFee)
		if !contains(err.Error(), "less fees than conflicting txs") {
			t.Fatalf("reason %q", err.Error())
		}
	})
}
