package itest

import (
	"testing"
	"time"
)

// TestMempoolReplaceByFee: a replacement paying more replaces the original
// on ternd and, relayed, on btcd; one paying less is refused and the
// original stays on both.
func TestMempoolReplaceByFee(t *testing.T) {
	needProcesses(t)
	w := NewWallet(5)
	b, n := startPair(t, w, 104)
	coin := w.CoinbaseCoin(t, b, 1)

	orig, _ := w.MustPay(t, []Coin{coin}, []Kind{KindP2WPKH}, 2)
	n.MustSendTx(t, orig)
	waitInPool(t, 20*time.Second, txids(orig), n, b)

	repl, _ := w.MustPay(t, []Coin{coin}, []Kind{KindP2TRKey}, 10)
	n.MustSendTx(t, repl)
	if n.InMempool(t, orig.TxHash().String()) {
		t.Fatal("original still in ternd's pool after its replacement")
	}
	waitInPool(t, 20*time.Second, txids(repl), n, b)
	if b.InMempool(t, orig.TxHash().String()) {
		t.Fatal("original still in btcd's pool after the replacement")
	}

	low, _ := w.MustPay(t, []Coin{coin}, []Kind{KindP2PKH}, 5)
	wantReject(t, "lower-fee replacement", n.SendTx(low), -26, "insufficient fee")
	// A barrier: once an unrelated transaction reached btcd, so would have
	// the refused one.
	other, _ := w.MustPay(t, []Coin{w.CoinbaseCoin(t, b, 2)}, []Kind{KindP2WPKH}, 2)
	n.MustSendTx(t, other)
	waitInPool(t, 20*time.Second, txids(other, repl), n, b)
	for _, p := range []*Process{n, b} {
		if p.InMempool(t, low.TxHash().String()) {
			t.Fatalf("refused replacement in %s's pool", p.Name)
		}
		if got := len(p.RawMempool(t)); got != 2 {
			t.Fatalf("%s's pool holds %d transactions, want 2", p.Name, got)
		}
	}
}

// TestReplaceByFeeWithDescendants: a replacement must pay for the
// original and its child (Core's rule 3): paying more than the original
// alone is refused; paying for both replaces both on ternd and on btcd.
func TestReplaceByFeeWithDescendants(t *testing.T) {
	needProcesses(t)
	w := NewWallet(21)
	b, n := startPair(t, w, 104)
	coin := w.CoinbaseCoin(t, b, 1)
	orig, out := w.MustPay(t, []Coin{coin}, []Kind{KindP2WPKH}, 2)
	child, _ := w.MustPay(t, out, []Kind{KindP2TRKey}, 50)
	n.MustSendTx(t, orig)
	n.MustSendTx(t, child)
	waitInPool(t, 20*time.Second, txids(orig, child), n, b)

	// More than orig's fee rate and fee, less than orig and child together.
	cheap, _ := w.MustPay(t, []Coin{coin}, []Kind{KindP2PKH}, 10)
	wantReject(t, "replacement not paying for the child", n.SendTx(cheap), -26, "insufficient fee")
	rich, _ := w.MustPay(t, []Coin{coin}, []Kind{KindP2PKH}, 80)
	n.MustSendTx(t, rich)
	want := map[string]bool{rich.TxHash().String(): true}
	checkPool(t, n, want)
	checkPool(t, b, want)
}
