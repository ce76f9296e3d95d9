package itest

import (
	"strings"
	"testing"
	"time"

	"github.com/tern-org/ternd/wire"
)

// TestPeerTransactions: transactions from raw peers. A consensus-invalid
// one (bad signature) and a non-standard one (dust) are refused without
// punishing the sender (Core v30 no longer punishes invalid transactions,
// bitcoin/bitcoin#33050); a valid one is accepted and relayed to btcd, the
// refused ones are not.
func TestPeerTransactions(t *testing.T) {
	needProcesses(t)
	w := NewWallet(19)
	b, n := startPair(t, w, 105)
	tipHeight := int32(n.Height(t))

	bad, _ := w.MustPay(t, []Coin{w.CoinbaseCoin(t, b, 1)}, []Kind{KindP2WPKH}, 2)
	bad.TxIn[0].Witness[0][8] ^= 0x01
	c2 := w.CoinbaseCoin(t, b, 2)
	dust := w.Build([]Coin{c2}, wire.NewTxOut(c2.Value-10_000, w.PkScript(KindP2WPKH)),
		wire.NewTxOut(50, w.PkScript(KindP2WPKH)))
	if err := w.Sign(dust, []Coin{c2}); err != nil {
		t.Fatal(err)
	}
	good, _ := w.MustPay(t, []Coin{w.CoinbaseCoin(t, b, 3)}, []Kind{KindP2TRKey}, 2)

	// The non-standard one first: refused, sender kept.
	honest := dialRaw(t, n.P2PAddr, "127.0.0.7", tipHeight, nil)
	if err := honest.QueueMessage(dust, nil); err != nil {
		t.Fatal(err)
	}
	if err := honest.QueueMessage(good, nil); err != nil {
		t.Fatal(err)
	}
	waitInPool(t, 20*time.Second, txids(good), n, b)
	if n.InMempool(t, dust.TxHash().String()) || b.InMempool(t, dust.TxHash().String()) {
		t.Fatal("dust transaction pooled")
	}
	if !honest.Connected() {
		t.Fatal("sender of a non-standard transaction disconnected")
	}

	// The consensus-invalid one: refused, sender kept. A valid
	// transaction from it afterwards is a barrier: it was handled after.
	rp := dialRaw(t, n.P2PAddr, "127.0.0.8", tipHeight, nil)
	if err := rp.QueueMessage(bad, nil); err != nil {
		t.Fatal(err)
	}
	after, _ := w.MustPay(t, []Coin{w.CoinbaseCoin(t, b, 4)}, []Kind{KindP2WPKH}, 2)
	if err := rp.QueueMessage(after, nil); err != nil {
		t.Fatal(err)
	}
	waitInPool(t, 20*time.Second, txids(after), n, b)
	if !rp.Connected() {
		t.Fatal("sender of a consensus-invalid transaction punished")
	}
	for _, a := range listBanned(t, n) {
		if strings.HasPrefix(a, "127.0.0.8") {
			t.Fatal("sender of a consensus-invalid transaction banned")
		}
	}
	if n.InMempool(t, bad.TxHash().String()) || b.InMempool(t, bad.TxHash().String()) {
		t.Fatal("bad transaction pooled")
	}
	if !honest.Connected() {
		t.Fatal("honest peer disconnected")
	}
}
