package itest

import (
	"testing"
	"time"

	"github.com/tern-org/ternd/wire"
)

// minedChain is the result of mineKindsChain.
type minedChain struct {
	hashes []string // Block hashes by height (index 0 is genesis, "").
	txs    int      // Wallet transactions mined.
	coins  []Coin   // Confirmed wallet outputs, one of each kind.
}

// mineKindsChain has btcd (mining to w's P2WPKH address) mine blocks up to
// height total, with blocks holding transactions that spend and create
// outputs of every standard kind, signed by txscript's helpers and sent to
// btcd with sendrawtransaction. It returns the chain's hashes.
func mineKindsChain(t *testing.T, b *Process, w *Wallet, total int, rounds int) minedChain {
	t.Helper()
	var mc minedChain
	mc.hashes = append([]string{""}, b.Generate(t, 101+rounds)...)
	var prev []Coin
	for r := 0; r < rounds; r++ {
		cb := w.CoinbaseCoin(t, b, int64(r+1))
		// Fan the coinbase out to one output of every kind.
		fan, fanOut := w.MustPay(t, []Coin{cb}, AllKinds, 2)
		b.MustSendTx(t, fan)
		mc.txs++
		// Spend each new output alone (in the same block, a child of fan).
		for i, c := range fanOut {
			tx, out := w.MustPay(t, []Coin{c}, []Kind{AllKinds[(i+r)%len(AllKinds)]}, 1.5)
			b.MustSendTx(t, tx)
			mc.txs++
			if r > 0 {
				prev = append(prev, out...)
			}
		}
		// Spend every kind in one transaction (from the previous round).
		if len(prev) > 0 {
			tx, out := w.MustPay(t, prev, AllKinds, 3)
			b.MustSendTx(t, tx)
			mc.txs++
			prev = out
		}
		mc.hashes = append(mc.hashes, b.Generate(t, 1)...)
		if pool := b.RawMempool(t); len(pool) != 0 {
			t.Fatalf("btcd left %d transactions unmined", len(pool))
		}
	}
	mc.coins = prev
	if left := total - (len(mc.hashes) - 1); left > 0 {
		mc.hashes = append(mc.hashes, b.Generate(t, left)...)
	}
	return mc
}

// utxoFromBlocks computes the UTXO set of p's chain from its blocks.
func utxoFromBlocks(t *testing.T, p *Process, hashes []string) UTXOSet {
	t.Helper()
	u := UTXOSet{}
	for _, h := range hashes[1:] {
		u.Apply(p.Block(t, h))
	}
	return u
}

// checkUTXO compares ternd's gettxoutsetinfo with a computed set.
func checkUTXO(t *testing.T, n *Process, u UTXOSet, tip string, height int64) TxOutSetInfo {
	t.Helper()
	info := n.UTXOInfo(t)
	count, sum := u.Total()
	if info.BestBlock != tip || info.Height != height || info.TxOuts != count || info.Sats() != sum {
		t.Fatalf("ternd gettxoutsetinfo %+v (%d sat); computed from btcd's blocks: tip %s height %d, %d outputs, %d sat",
			info, info.Sats(), tip, height, count, sum)
	}
	return info
}

// TestChainSyncAllKindsFromBtcd: btcd mines 300 blocks with transactions of
// every standard kind; ternd syncs to the same tip and UTXO set (computed
// from btcd's blocks, as btcd v0.26.2 has no gettxoutsetinfo); then ternd
// mines 10 blocks and btcd follows.
func TestChainSyncAllKindsFromBtcd(t *testing.T) {
	needProcesses(t)
	start := time.Now()
	w := NewWallet(1)
	b := StartBtcd(t, "--miningaddr="+w.Address(KindP2WPKH))
	mc := mineKindsChain(t, b, w, 300, 8)
	tip := mc.hashes[300]
	t.Logf("btcd mined 300 blocks with %d wallet transactions in %v", mc.txs, time.Since(start))

	syncStart := time.Now()
	n := StartTernd(t, "--connect="+b.P2PAddr)
	WaitTip(t, 90*time.Second, tip, n)
	t.Logf("ternd synced 300 blocks in %v", time.Since(syncStart))
	u := utxoFromBlocks(t, b, mc.hashes)
	info := checkUTXO(t, n, u, tip, 300)
	t.Logf("UTXO set at 300: %d outputs, %d sat", info.TxOuts, info.Sats())

	// ternd mines 10 blocks, the first with transactions spending every
	// kind (sent to ternd, relayed to btcd); btcd accepts them.
	var spends []*wire.MsgTx
	for i, c := range mc.coins {
		tx, _ := w.MustPay(t, []Coin{c}, []Kind{AllKinds[(i+1)%len(AllKinds)], KindP2WPKH}, 2)
		n.MustSendTx(t, tx)
		spends = append(spends, tx)
	}
	waitInPool(t, 20*time.Second, txids(spends...), b)
	var mined []string
	n.MustCall(t, "generatetoaddress", &mined, 10, w.Address(KindP2TRKey))
	if len(mined) != 10 {
		t.Fatalf("generatetoaddress returned %d hashes", len(mined))
	}
	WaitTip(t, 60*time.Second, mined[9], b, n)
	for _, h := range mined {
		u.Apply(b.Block(t, h))
	}
	checkUTXO(t, n, u, mined[9], 310)
	if got := blockTxids(b.Block(t, mined[0])); len(got) != len(spends) {
		t.Fatalf("ternd's first block holds %d transactions, want %d", len(got), len(spends))
	}
	checkPool(t, b, map[string]bool{})
	if cb := w.CoinbaseCoin(t, b, 305); cb.Kind != KindP2TRKey {
		t.Fatalf("ternd's coinbase pays %v", cb.Kind)
	}

	// A fresh btcd syncs the whole chain (witness blocks) from ternd.
	b2 := StartBtcd(t)
	b2.AddNode(t, n.P2PAddr, "onetry")
	WaitTip(t, 60*time.Second, mined[9], b2)
	t.Logf("total %v", time.Since(start))
}

// TestSyncSurvivesPeerLoss: ternd syncs 4,100 blocks (three headers
// messages) from two btcds; one is killed mid-sync and ternd finishes from
// the other.
func TestSyncSurvivesPeerLoss(t *testing.T) {
	needProcesses(t)
	b1 := StartBtcd(t)
	var hashes []string
	for len(hashes) < 4100 {
		hashes = append(hashes, b1.Generate(t, min(500, 4100-len(hashes)))...)
	}
	b2 := StartBtcd(t)
	b2.AddNode(t, b1.P2PAddr, "onetry")
	WaitTip(t, 60*time.Second, hashes[4099], b2)
	n := StartTernd(t, "--connect="+b1.P2PAddr, "--connect="+b2.P2PAddr)
	Wait(t, 60*time.Second, "ternd past height 400", func() bool { return n.Height(t) >= 400 })
	b1.Kill()
	h := n.Height(t)
	if h >= 4100 {
		t.Fatalf("sync finished before the peer was lost (height %d)", h)
	}
	WaitTip(t, 90*time.Second, hashes[4099], n)
	t.Logf("lost a peer at height %d; finished from the other", h)
}
