package itest

import (
	"fmt"
	"testing"
	"time"

	"github.com/tern-org/ternd/wire"
)

// TestMempoolInvalidateRestoresChainAcrossBlocks: ten dependent
// transactions mined one a block, with an unconfirmed eleventh in the
// pool; invalidateblock on the first of those blocks brings all eleven
// back with their dependencies, and reconsiderblock confirms them again.
func TestMempoolInvalidateRestoresChainAcrossBlocks(t *testing.T) {
	needProcesses(t)
	w := NewWallet(12)
	n := StartTernd(t)
	var hashes []string
	n.MustCall(t, "generatetoaddress", &hashes, 101, w.Address(KindP2WPKH))
	coin := w.CoinbaseCoin(t, n, 1)
	var chain []*wire.MsgTx
	var blocks []string
	for i := 0; i < 11; i++ {
		tx, out := w.MustPay(t, []Coin{coin}, []Kind{AllKinds[i%len(AllKinds)]}, 2)
		n.MustSendTx(t, tx)
		chain = append(chain, tx)
		coin = out[0]
		if i < 10 {
			var h []string
			n.MustCall(t, "generatetoaddress", &h, 1, w.Address(KindP2WPKH))
			blocks = append(blocks, h[0])
		}
	}
	checkPool(t, n, map[string]bool{chain[10].TxHash().String(): true})

	n.MustCall(t, "invalidateblock", nil, blocks[0])
	if got := n.BestHash(t); got != hashes[100] {
		t.Fatalf("tip after invalidateblock %s, want %s", got, hashes[100])
	}
	want := map[string]bool{}
	for _, tx := range chain {
		want[tx.TxHash().String()] = true
	}
	checkPool(t, n, want)
	var verbose map[string]poolEntry
	n.MustCall(t, "getrawmempool", &verbose, true)
	for i, tx := range chain {
		e := verbose[tx.TxHash().String()]
		if i == 0 && len(e.Depends) != 0 ||
			i > 0 && (len(e.Depends) != 1 || e.Depends[0] != chain[i-1].TxHash().String()) {
			t.Fatalf("transaction %d depends on %v", i, e.Depends)
		}
	}

	n.MustCall(t, "reconsiderblock", nil, blocks[0])
	if got := n.BestHash(t); got != blocks[9] {
		t.Fatalf("tip after reconsiderblock %s, want %s", got, blocks[9])
	}
	checkPool(t, n, map[string]bool{chain[10].TxHash().String(): true})
}

// TestMempoolAncestorLimit: a chain of 26 unconfirmed transactions; the
// 26th is refused (Core's 25-ancestor default).
func TestMempoolAncestorLimit(t *testing.T) {
	needProcesses(t)
	w := NewWallet(13)
	n := StartTernd(t)
	var hashes []string
	n.MustCall(t, "generatetoaddress", &hashes, 101, w.Address(KindP2WPKH))
	coin := w.CoinbaseCoin(t, n, 1)
	for i := 0; i < 26; i++ {
		tx, out := w.MustPay(t, []Coin{coin}, []Kind{KindP2WPKH}, 2)
		err := n.SendTx(tx)
		if i < 25 && err != nil {
			t.Fatalf("transaction %d of the chain: %v", i+1, err)
		}
		if i == 25 {
			wantReject(t, "26th of a chain", err, -26, "too-long-mempool-chain")
		}
		coin = out[0]
	}
}

// TestMempoolOrphanChainAndBlockConflicts: a raw peer sends a grandchild,
// its parent, then the grandparent: all three end in the pool. Then a
// block from the peer spends the grandparent's input differently: the
// pool drops the three (conflict and descendants) and keeps an unrelated
// transaction.
func TestMempoolOrphanChainAndBlockConflicts(t *testing.T) {
	needProcesses(t)
	w := NewWallet(14)
	n := StartTernd(t)
	var hashes []string
	n.MustCall(t, "generatetoaddress", &hashes, 101, w.Address(KindP2PKH))
	tip := n.Block(t, hashes[100])
	coin := w.CoinbaseCoin(t, n, 1)
	g0, o0 := w.MustPay(t, []Coin{coin}, []Kind{KindP2WPKH, KindP2TRKey}, 2)
	g1, o1 := w.MustPay(t, o0[:1], []Kind{KindP2WSHMultiSig}, 2)
	g2, _ := w.MustPay(t, append(o1, o0[1]), []Kind{KindP2TRScript}, 3)
	other, _ := w.MustPay(t, []Coin{w.CoinbaseCoin(t, n, 2)}, []Kind{KindP2WPKH}, 2)
	n.MustSendTx(t, other)

	rp := dialRaw(t, n.P2PAddr, "", 101, nil)
	for _, tx := range []*wire.MsgTx{g2, g1} {
		if err := rp.QueueMessage(tx, nil); err != nil {
			t.Fatal(err)
		}
	}
	// Both orphans are held (the node asks for their missing parents).
	Wait(t, 20*time.Second, "getdata for the missing parents", func() bool {
		return len(rp.received(wire.CmdGetData)) > 0
	})
	if err := rp.QueueMessage(g0, nil); err != nil {
		t.Fatal(err)
	}
	all := map[string]bool{}
	for _, tx := range []*wire.MsgTx{g0, g1, g2, other} {
		all[tx.TxHash().String()] = true
	}
	checkPool(t, n, all)

	// A block spending coin elsewhere (no witness, so no commitment).
	conflict := w.Build([]Coin{coin}, wire.NewTxOut(coin.Value-10_000, w.PkScript(KindP2PKH)))
	if err := w.Sign(conflict, []Coin{coin}); err != nil {
		t.Fatal(err)
	}
	blk := buildBlock(t, tip, 102, 50_0000_0000+10_000, w.PkScript(KindP2PKH), []*wire.MsgTx{conflict}, false)
	if err := rp.QueueMessage(blk, nil); err != nil {
		t.Fatal(err)
	}
	WaitTip(t, 20*time.Second, blk.BlockHash().String(), n)
	checkPool(t, n, map[string]bool{other.TxHash().String(): true})
	if !rp.Connected() {
		t.Fatal("honest peer disconnected")
	}
}

// TestMempoolRestartKeepsChain: a chain of 20 dependent transactions of
// every kind survives a restart (mempool.dat), dependencies intact.
func TestMempoolRestartKeepsChain(t *testing.T) {
	needProcesses(t)
	w := NewWallet(16)
	n := StartTernd(t)
	var hashes []string
	n.MustCall(t, "generatetoaddress", &hashes, 101, w.Address(KindP2WPKH))
	coin := w.CoinbaseCoin(t, n, 1)
	want := map[string]bool{}
	var last string
	for i := 0; i < 20; i++ {
		tx, out := w.MustPay(t, []Coin{coin}, []Kind{AllKinds[i%len(AllKinds)], KindP2WPKH}, 2)
		n.MustSendTx(t, tx)
		want[tx.TxHash().String()] = true
		last = tx.TxHash().String()
		coin = out[0]
	}
	n.Stop(t)
	r := StartTerndAt(t, n.Dir, "", "")
	checkPool(t, r, want)
	var e struct {
		AncestorCount int `json:"ancestorcount"`
	}
	r.MustCall(t, "getmempoolentry", &e, last)
	if e.AncestorCount != 20 {
		t.Fatalf("last of the chain has %d ancestors after a restart, want 20", e.AncestorCount)
	}
}

// TestMempoolReloadAfterChainMovedOn: ternd stops with X and Y pooled;
// while it is down btcd confirms X and a double spend Y' of Y. Restarted
// on its mempool.dat, ternd syncs the blocks and its pool drops both.
func TestMempoolReloadAfterChainMovedOn(t *testing.T) {
	needProcesses(t)
	w := NewWallet(22)
	b := StartBtcd(t, "--miningaddr="+w.Address(KindP2WPKH))
	hashes := b.Generate(t, 105)
	// ternd syncs, then runs alone (--connect to a dead port) to pool X
	// and Y.
	n := StartTernd(t, "--connect="+b.P2PAddr)
	WaitTip(t, 60*time.Second, hashes[104], n)
	n.Stop(t)
	alone := StartTerndAt(t, n.Dir, "", "", fmt.Sprintf("--connect=127.0.0.1:%d", FreePort(t)))
	x, _ := w.MustPay(t, []Coin{w.CoinbaseCoin(t, b, 1)}, []Kind{KindP2WPKH}, 2)
	c2 := w.CoinbaseCoin(t, b, 2)
	y, _ := w.MustPay(t, []Coin{c2}, []Kind{KindP2TRKey}, 2)
	y2, _ := w.MustPay(t, []Coin{c2}, []Kind{KindP2PKH}, 3)
	alone.MustSendTx(t, x)
	alone.MustSendTx(t, y)
	alone.Stop(t)

	b.MustSendTx(t, x)
	b.MustSendTx(t, y2)
	tip := b.Generate(t, 3)[2]
	r := StartTerndAt(t, n.Dir, "", "", "--connect="+b.P2PAddr)
	WaitTip(t, 60*time.Second, tip, r)
	checkPool(t, r, map[string]bool{})
}
