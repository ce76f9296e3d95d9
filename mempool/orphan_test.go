package mempool

import (
	"errors"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// TestIsReconsiderable: only refusals for the fee alone may be overcome by
// a child paying for the transaction; a non-TRUC transaction below the
// minimum relay fee may not (Core v30).
func TestIsReconsiderable(t *testing.T) {
	v2, v3 := wire.NewMsgTx(2), wire.NewMsgTx(3)
	tests := []struct {
		name string
		tx   *wire.MsgTx
		kind ErrorKind
		want bool
	}{
		{"below the pool minimum", v2, ErrMempoolMinFee, true},
		{"replacement paying too little", v2, ErrInsufficientFee, true},
		{"TRUC below the relay minimum", v3, ErrMinRelayFee, true},
		{"non-TRUC below the relay minimum", v2, ErrMinRelayFee, false},
		{"missing inputs", v2, ErrMissingInputs, false},
		{"consensus script failure", v3, ErrScriptConsensus, false},
		{"dust", v2, ErrDust, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsReconsiderable(tt.tx, txRuleError(tt.kind, "")); got != tt.want {
				t.Fatalf("IsReconsiderable = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestOrphanChildren: the children of a parent among one peer's orphans,
// newest first; other peers' orphans and unrelated ones are left out.
func TestOrphanChildren(t *testing.T) {
	h := newHarness(t, nil)
	coin := h.fund(1, 100000, 10, false)
	parent := h.tx(coin, 50000, 50000)
	parent.Version = 3
	older := h.tx(outs(parent)[:1], 45000)
	newer := h.tx(outs(parent)[1:], 44000)
	other := h.tx(outs(parent)[:1], 40000) // another peer's conflicting child
	unrelated := h.tx([]spendable{{op: wire.OutPoint{Hash: chainhash.Hash{7}}, amount: 1000}}, 500)
	for _, o := range []struct {
		tx  *wire.MsgTx
		tag Tag
	}{{older, 1}, {unrelated, 1}, {newer, 1}, {other, 2}} {
		if _, missing, err := h.pool.ProcessTransaction(o.tx, true, o.tag); err != nil || len(missing) == 0 {
			t.Fatalf("orphan: %v %v", missing, err)
		}
	}
	got := h.pool.OrphanChildren(parent.TxHash(), 1)
	if len(got) != 2 || got[0] != newer || got[1] != older {
		t.Fatalf("children of peer 1: %v", got)
	}
	if got := h.pool.OrphanChildren(parent.TxHash(), 3); len(got) != 0 {
		t.Fatalf("children of a peer with no orphans: %v", got)
	}
	if !h.pool.RemoveOrphan(newer.WitnessHash()) || h.pool.RemoveOrphan(newer.TxHash()) {
		t.Fatal("RemoveOrphan by wtxid")
	}
	if !h.pool.RemoveOrphan(other.TxHash()) || h.pool.OrphanCount() != 2 {
		t.Fatalf("RemoveOrphan by txid: %d left", h.pool.OrphanCount())
	}

	// The zero-fee parent and its orphan child as a package: both enter
	// the pool and the child leaves the orphans.
	if _, _, err := h.pool.ProcessTransaction(parent, true, 1); !errors.Is(err, ErrMinRelayFee) ||
		!IsReconsiderable(parent, err) {
		t.Fatalf("parent alone: %v", err)
	}
	if !h.pool.RemoveOrphan(older.TxHash()) {
		t.Fatal("orphan gone")
	}
	older.Version = 3 // a TRUC parent's child is TRUC
	if _, _, err := h.pool.ProcessTransaction(older, true, 1); err != nil {
		t.Fatal(err)
	}
	res := h.pool.SubmitPackage([]*wire.MsgTx{parent, older}, 0)
	if res.PackageErr != nil || len(res.Accepted) != 2 {
		t.Fatalf("package: %v, %d accepted", res.PackageErr, len(res.Accepted))
	}
	if h.pool.IsOrphanInPool(ptr(older.TxHash())) || h.pool.OrphanCount() != 1 {
		t.Fatalf("child still an orphan (%d orphans)", h.pool.OrphanCount())
	}
	h.checkInvariants()
}

// TestOrphanProtectedShare: when the total count is exceeded, the peer
// furthest past its share loses orphans, not an honest peer holding one
// large orphan within its weight reservation (Core's
// p2p_opportunistic_1p1c.py orphanage DoS cases).
func TestOrphanProtectedShare(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Policy.MaxOrphansPerPeer = 20
		c.Policy.MaxOrphans = 60
	})
	missing := func(a, b byte) spendable {
		g := spendable{amount: 100000}
		g.op.Hash[0], g.op.Hash[1] = a, b
		return g
	}
	big := h.tx([]spendable{missing(1, 0)}, 500)
	big.TxIn[0].Witness = wire.TxWitness{make([]byte, 300000)}
	if _, _, err := h.pool.ProcessTransaction(big, true, 1); err != nil {
		t.Fatal(err)
	}
	for peer := byte(2); peer < 12; peer++ {
		for i := byte(0); i < 20; i++ {
			h.pool.ProcessTransaction(h.tx([]spendable{missing(peer, i)}, 500), true, Tag(peer))
		}
	}
	if n := h.pool.OrphanCount(); n > 60 {
		t.Fatalf("%d orphans, bound 60", n)
	}
	if !h.pool.IsOrphanInPool(ptr(big.TxHash())) {
		t.Fatal("the honest peer's orphan was evicted")
	}
}
