package itest

import (
	"testing"
	"time"

	"github.com/tern-org/ternd/wire"
)

// startPair starts btcd mining to w's P2WPKH address, mines blocks, and
// starts ternd connected to it (extra ternd flags appended), waiting until
// both share the tip.
func startPair(t *testing.T, w *Wallet, blocks int, extra ...string) (b, n *Process) {
	t.Helper()
	b = StartBtcd(t, "--miningaddr="+w.Address(KindP2WPKH))
	hashes := b.Generate(t, blocks)
	n = StartTernd(t, append([]string{"--connect=" + b.P2PAddr}, extra...)...)
	WaitTip(t, 60*time.Second, hashes[len(hashes)-1], n)
	return b, n
}

// waitInPool waits until every txid is in each process's pool.
func waitInPool(t *testing.T, timeout time.Duration, txids []string, ps ...*Process) {
	t.Helper()
	Wait(t, timeout, "transactions in the pools", func() bool {
		for _, p := range ps {
			pool := map[string]bool{}
			for _, id := range p.RawMempool(t) {
				pool[id] = true
			}
			for _, id := range txids {
				if !pool[id] {
					return false
				}
			}
		}
		return true
	})
}

func txids(txs ...*wire.MsgTx) []string {
	var out []string
	for _, tx := range txs {
		out = append(out, tx.TxHash().String())
	}
	return out
}

// relayChain sends a chain of n dependent transactions starting at coin
// to from and waits until all are in to's pool.
func relayChain(t *testing.T, w *Wallet, from, to *Process, coin Coin, n int) {
	t.Helper()
	start := time.Now()
	var chain []*wire.MsgTx
	for i := 0; i < n; i++ {
		tx, out := w.MustPay(t, []Coin{coin}, []Kind{AllKinds[i%len(AllKinds)]}, 1.5)
		from.MustSendTx(t, tx)
		chain = append(chain, tx)
		coin = out[0]
	}
	waitInPool(t, 30*time.Second, txids(chain...), to)
	t.Logf("chain of %d %s -> %s in %v", n, from.Name, to.Name, time.Since(start))
}

// TestMempoolRelayTerndToBtcd: a transaction sent to ternd by RPC reaches
// btcd's pool, and a chain of 20 dependent transactions relays whole.
func TestMempoolRelayTerndToBtcd(t *testing.T) {
	needProcesses(t)
	w := NewWallet(2)
	b, n := startPair(t, w, 104)
	start := time.Now()
	tx1, out1 := w.MustPay(t, []Coin{w.CoinbaseCoin(t, b, 1)}, []Kind{KindP2WPKH, KindP2TRKey}, 2)
	n.MustSendTx(t, tx1)
	waitInPool(t, 20*time.Second, txids(tx1), b)
	t.Logf("ternd -> btcd in %v", time.Since(start))
	relayChain(t, w, n, b, out1[0], 20)
	if got, want := len(b.RawMempool(t)), 21; got != want {
		t.Fatalf("btcd pool holds %d transactions, want %d", got, want)
	}
}

// TestMempoolRelayBtcdToTernd: a transaction sent to btcd reaches ternd's
// pool, and a chain of 20 dependent transactions relays whole.
func TestMempoolRelayBtcdToTernd(t *testing.T) {
	needProcesses(t)
	w := NewWallet(4)
	b, n := startPair(t, w, 104)
	start := time.Now()
	tx2, out2 := w.MustPay(t, []Coin{w.CoinbaseCoin(t, b, 2)}, []Kind{KindP2SHP2WPKH, KindP2PKH}, 2)
	b.MustSendTx(t, tx2)
	deadline := time.Now().Add(20 * time.Second)
	for !n.InMempool(t, tx2.TxHash().String()) {
		if time.Now().After(deadline) {
			t.Fatal("btcd did not relay a transaction to ternd within 20 s (is ternd's feefilter " +
				"still the MAX_MONEY one of initial block download? Core sends the real one as soon " +
				"as it leaves IBD)")
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("btcd -> ternd in %v", time.Since(start))
	relayChain(t, w, b, n, out2[0], 20)
	if got, want := len(n.RawMempool(t)), 21; got != want {
		t.Fatalf("ternd pool holds %d transactions, want %d", got, want)
	}
}

// TestMempoolRejects: invalid transactions sent to ternd are refused with
// Core's reject reasons and RPC codes and never reach btcd; an orphan from
// a peer is kept and accepted when its parent arrives.
func TestMempoolRejects(t *testing.T) {
	needProcesses(t)
	w := NewWallet(3)
	b, n := startPair(t, w, 110)

	// A confirmed spend, for the spent-input case.
	spend, spendOut := w.MustPay(t, []Coin{w.CoinbaseCoin(t, b, 1)}, []Kind{KindP2WPKH, KindP2TRKey, KindP2PKH}, 2)
	n.MustSendTx(t, spend)
	waitInPool(t, 20*time.Second, txids(spend), b)
	tip := b.Generate(t, 1)[0]
	WaitTip(t, 30*time.Second, tip, n)

	cb2 := w.CoinbaseCoin(t, b, 2)
	var rejected []*wire.MsgTx
	cases := []struct {
		name   string
		tx     func() *wire.MsgTx
		code   int
		reason string
	}{
		{"bad signature", func() *wire.MsgTx {
			tx, _ := w.MustPay(t, []Coin{spendOut[0]}, []Kind{KindP2WPKH}, 2)
			tx.TxIn[0].Witness[0][10] ^= 1
			return tx
		}, -26, "script-verify-flag-failed"},
		{"bad taproot signature", func() *wire.MsgTx {
			tx, _ := w.MustPay(t, []Coin{spendOut[1]}, []Kind{KindP2WPKH}, 2)
			tx.TxIn[0].Witness[0][5] ^= 1
			return tx
		}, -26, "script-verify-flag-failed"},
		{"spent input", func() *wire.MsgTx {
			tx, _ := w.MustPay(t, []Coin{w.CoinbaseCoin(t, b, 1)}, []Kind{KindP2WPKH}, 2)
			return tx
		}, -25, "bad-txns-inputs-missingorspent"},
		{"missing input", func() *wire.MsgTx {
			c := spendOut[2]
			c.Op.Index = 7
			tx, _ := w.MustPay(t, []Coin{c}, []Kind{KindP2WPKH}, 2)
			return tx
		}, -25, "bad-txns-inputs-missingorspent"},
		{"zero fee", func() *wire.MsgTx {
			tx, _ := w.MustPay(t, []Coin{cb2}, []Kind{KindP2WPKH}, 0)
			return tx
		}, -26, "min relay fee not met"},
		{"dust output", func() *wire.MsgTx {
			tx := w.Build([]Coin{cb2}, wire.NewTxOut(cb2.Value-10_000, w.PkScript(KindP2WPKH)),
				wire.NewTxOut(100, w.PkScript(KindP2TRKey)))
			if err := w.Sign(tx, []Coin{cb2}); err != nil {
				t.Fatal(err)
			}
			return tx
		}, -26, "dust"},
		{"non-standard output script", func() *wire.MsgTx {
			tx := w.Build([]Coin{cb2}, wire.NewTxOut(cb2.Value-10_000, []byte{0x51, 0x51, 0x93}))
			if err := w.Sign(tx, []Coin{cb2}); err != nil {
				t.Fatal(err)
			}
			return tx
		}, -26, "scriptpubkey"},
		{"immature coinbase", func() *wire.MsgTx {
			tx, _ := w.MustPay(t, []Coin{w.CoinbaseCoin(t, b, 100)}, []Kind{KindP2WPKH}, 2)
			return tx
		}, -26, "bad-txns-premature-spend-of-coinbase"},
	}
	for _, tc := range cases {
		tx := tc.tx()
		rejected = append(rejected, tx)
		wantReject(t, tc.name, n.SendTx(tx), tc.code, tc.reason)
		if n.InMempool(t, tx.TxHash().String()) {
			t.Fatalf("%s: in ternd's pool", tc.name)
		}
		t.Logf("%s: refused as expected", tc.name)
	}

	// An orphan from a peer: kept, then accepted with its parent.
	parent, pOut := w.MustPay(t, []Coin{cb2}, []Kind{KindP2WPKH}, 2)
	child, _ := w.MustPay(t, pOut, []Kind{KindP2TRScript}, 2)
	rp := dialRaw(t, n.P2PAddr, "", int32(n.Height(t)), nil)
	if err := rp.QueueMessage(child, nil); err != nil {
		t.Fatal(err)
	}
	// The node asks the orphan's sender for the missing parent.
	Wait(t, 20*time.Second, "getdata for the orphan's parent", func() bool {
		for _, m := range rp.received(wire.CmdGetData) {
			for _, iv := range m.(*wire.MsgGetData).InvList {
				if iv.Hash == parent.TxHash() {
					return true
				}
			}
		}
		return false
	})
	if n.InMempool(t, child.TxHash().String()) {
		t.Fatal("orphan in the pool before its parent")
	}
	if err := rp.QueueMessage(parent, nil); err != nil {
		t.Fatal(err)
	}
	waitInPool(t, 20*time.Second, txids(parent, child), n, b)

	// Nothing refused reached btcd (the valid pair did, so relay works).
	for i, tx := range rejected {
		if b.InMempool(t, tx.TxHash().String()) {
			t.Fatalf("%s: relayed to btcd", cases[i].name)
		}
	}
	if !rp.Connected() {
		t.Fatal("orphan sender disconnected")
	}
}

// TestMempoolBulkRelayBtcdToTernd: 1,000 transactions sent to btcd all
// reach ternd's pool (more than Core's 100 requests in flight per peer).
func TestMempoolBulkRelayBtcdToTernd(t *testing.T) {
	needProcesses(t)
	w := NewWallet(26)
	b, n := startPair(t, w, 120)
	kinds := make([]Kind, 50)
	for i := range kinds {
		kinds[i] = KindP2WPKH
	}
	var coins []Coin
	for h := int64(1); h <= 20; h++ {
		tx, out := w.MustPay(t, []Coin{w.CoinbaseCoin(t, b, h)}, kinds, 2)
		b.MustSendTx(t, tx)
		coins = append(coins, out...)
	}
	tip := b.Generate(t, 1)[0]
	WaitTip(t, 30*time.Second, tip, n)
	var all []*wire.MsgTx
	for _, c := range coins {
		tx, _ := w.MustPay(t, []Coin{c}, []Kind{KindP2TRKey}, 2)
		all = append(all, tx)
	}
	start := time.Now()
	sendAll(t, b, all)
	waitInPool(t, 60*time.Second, txids(all...), n)
	t.Logf("1,000 transactions btcd -> ternd in %v", time.Since(start))
}
