package mempool

import (
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// extraTestTx returns a distinct transaction for ring tests.
func extraTestTx(i int) *wire.MsgTx {
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: chainhash.Hash{byte(i), byte(i >> 8)}}, nil, nil))
	tx.AddTxOut(wire.NewTxOut(int64(i), []byte{0x51}))
	return tx
}

// TestExtraTxnsRing: the ring keeps the newest transactions up to its
// capacity, newest first, and keeps none at a negative capacity.
func TestExtraTxnsRing(t *testing.T) {
	tests := []struct {
		name     string
		capacity int
		added    int
		want     []int // values of the kept transactions, newest first
	}{
		{"empty", 3, 0, nil},
		{"under capacity", 3, 2, []int{1, 0}},
		{"full", 3, 3, []int{2, 1, 0}},
		{"wrapped", 3, 5, []int{4, 3, 2}},
		{"disabled", -1, 5, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := newExtraTxns(tc.capacity)
			for i := 0; i < tc.added; i++ {
				tx := extraTestTx(i)
				x.add(tx, tx.WitnessHash())
			}
			var got []int
			x.each(func(w *chainhash.Hash, tx *wire.MsgTx) bool {
				if *w != tx.WitnessHash() {
					t.Fatal("wtxid does not match")
				}
				got = append(got, int(tx.TxOut[0].Value))
				return true
			})
			if len(got) != len(tc.want) {
				t.Fatalf("kept %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("kept %v, want %v", got, tc.want)
				}
			}
		})
	}
	t.Logf("%d cases", len(tests))
}

// TestExtraTxnsOrphanEviction: an orphan evicted by the orphan pool's
// bounds is kept for reconstruction, and the pool's accessors show it.
func TestExtraTxnsOrphanEviction(t *testing.T) {
	mp := New(&Config{Policy: DefaultPolicy(), MaxExtraTxns: 10})
	pol := mp.cfg.Policy
	pol.MaxOrphans = 2
	now := time.Now()
	for i := 0; i < 3; i++ {
		tx := extraTestTx(i)
		mp.orphans.add(tx, tx.TxHash(), tx.WitnessHash(), 1, tx.Weight(), now.Add(time.Hour))
	}
	if n := mp.orphans.limit(&pol, 1); n != 1 {
		t.Fatalf("evicted %d", n)
	}
	extra := mp.ExtraTxns()
	if len(extra) != 1 || extra[0].TxOut[0].Value != 0 {
		t.Fatalf("extra %v", extra)
	}
	seen := 0
	mp.ForEachReconstructionTx(func(*chainhash.Hash, *wire.MsgTx) bool { seen++; return true })
	if seen != 3 {
		t.Fatalf("reconstruction sees %d transactions, want 2 orphans and 1 evicted", seen)
	}
}
