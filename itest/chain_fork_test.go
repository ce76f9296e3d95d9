package itest

import (
	"fmt"
	"testing"
	"time"
)

// startApartBtcd starts a btcd that makes no automatic outbound
// connections (--connect to a port nobody listens on): ternd links to it
// with addnode onetry and splits with disconnectnode. (btcd v0.26.2's
// "addnode remove" disconnects but its connection manager redials the
// permanent request 5 s later, and without --connect it redials known
// addresses, so the groups would not stay apart.)
func startApartBtcd(t *testing.T, extra ...string) *Process {
	t.Helper()
	return StartBtcd(t, append([]string{fmt.Sprintf("--connect=127.0.0.1:%d", FreePort(t))}, extra...)...)
}

// shareCommonChain mines blocks on b1, starts ternd connected to b1 and
// lets b2 (started apart) sync the same chain through ternd; it returns
// ternd and the common chain's hashes. Unlinking b2 then splits them.
func shareCommonChain(t *testing.T, b1, b2 *Process, blocks int) (*Process, []string) {
	t.Helper()
	common := b1.Generate(t, blocks)
	n := StartTernd(t, "--connect="+b1.P2PAddr)
	WaitTip(t, 60*time.Second, common[blocks-1], n)
	link(t, n, b2)
	WaitTip(t, 60*time.Second, common[blocks-1], b2)
	return n, common
}

// link connects ternd to b (one try) and waits for the handshake.
func link(t *testing.T, n, b *Process) {
	t.Helper()
	n.AddNode(t, b.P2PAddr, "onetry")
	Wait(t, 20*time.Second, "ternd to reach "+b.P2PAddr, func() bool {
		for _, pi := range n.GetPeerInfo(t) {
			if pi.Addr == b.P2PAddr {
				return true
			}
		}
		return false
	})
}

// unlink disconnects ternd from b and waits until it is gone.
func unlink(t *testing.T, n, b *Process) {
	t.Helper()
	n.MustCall(t, "disconnectnode", nil, b.P2PAddr)
	Wait(t, 20*time.Second, "ternd to lose "+b.P2PAddr, func() bool {
		for _, pi := range n.GetPeerInfo(t) {
			if pi.Addr == b.P2PAddr {
				return false
			}
		}
		return true
	})
}

// TestChainForkReorg: ternd and btcd1 form one group, btcd2 another; they
// share 110 blocks, then mine apart (group 1 five blocks with a wallet
// transaction, group 2 eight), then reconnect. Every node ends on group 2's
// tip, the transaction of the dropped branch returns to ternd's pool, and
// ternd's UTXO set equals that of a fresh ternd that synced the chain
// from scratch.
func TestChainForkReorg(t *testing.T) {
	needProcesses(t)
	start := time.Now()
	w := NewWallet(7)
	b1 := StartBtcd(t, "--miningaddr="+w.Address(KindP2WPKH))
	b2 := startApartBtcd(t, "--miningaddr="+NewWallet(8).Address(KindP2TRKey))
	n, common := shareCommonChain(t, b1, b2, 110)

	// Split: ternd drops its connection to btcd2.
	unlink(t, n, b2)

	// Group 1 mines 5 blocks, the first with a wallet transaction.
	tx, _ := w.MustPay(t, []Coin{w.CoinbaseCoin(t, b1, 1)}, []Kind{KindP2TRScript, KindP2WSHMultiSig}, 2)
	n.MustSendTx(t, tx)
	waitInPool(t, 20*time.Second, txids(tx), b1)
	g1 := b1.Generate(t, 5)
	WaitTip(t, 30*time.Second, g1[4], n)
	if n.InMempool(t, tx.TxHash().String()) {
		t.Fatal("mined transaction still in ternd's pool")
	}
	g1Info := n.UTXOInfo(t)
	// Group 2 mines 8 blocks.
	g2 := b2.Generate(t, 8)
	if n.BestHash(t) != g1[4] {
		t.Fatal("ternd moved while apart")
	}

	// Reconnect: every node ends on group 2's tip.
	link(t, n, b2)
	WaitTip(t, 60*time.Second, g2[7], n, b1, b2)
	t.Logf("reorganised to the 8-block branch in %v", time.Since(start))
	info := n.UTXOInfo(t)
	if info.Height != 118 || info.BestBlock != g2[7] || info.Hash() == "" || info.Hash() == g1Info.Hash() {
		t.Fatalf("ternd after the reorganisation: %+v", info)
	}
	// The dropped branch's transaction is back in the pool (its input is
	// on both branches).
	waitInPool(t, 20*time.Second, txids(tx), n)

	// The UTXO set equals a fresh sync's and the one computed from blocks.
	fresh := StartTernd(t, "--connect="+b2.P2PAddr)
	WaitTip(t, 60*time.Second, g2[7], fresh)
	fi := fresh.UTXOInfo(t)
	if fi != info {
		t.Fatalf("reorganised ternd %+v, fresh sync %+v", info, fi)
	}
	hashes := append([]string{""}, common...)
	hashes = append(hashes, g2...)
	checkUTXO(t, n, utxoFromBlocks(t, b2, hashes), g2[7], 118)
	t.Logf("UTXO sets equal (%s); total %v", info.Hash(), time.Since(start))
}

// TestChainDeepForkBothWays: ternd follows btcd1 on a 60-block branch
// while btcd2 mines 75 apart; on reconnection ternd and btcd1 reorganise 60
// blocks deep. Then ternd and btcd1 mine 20 more than btcd2 while apart
// again, and btcd2 reorganises to them through ternd.
func TestChainDeepForkBothWays(t *testing.T) {
	needProcesses(t)
	start := time.Now()
	b1 := StartBtcd(t)
	b2 := startApartBtcd(t, "--miningaddr="+NewWallet(15).Address(KindP2WPKH))
	n, common := shareCommonChain(t, b1, b2, 10)
	split := func() {
		t.Helper()
		unlink(t, n, b2)
	}

	split()
	g1 := b1.Generate(t, 60)
	WaitTip(t, 30*time.Second, g1[59], n)
	g2 := b2.Generate(t, 75)
	link(t, n, b2)
	WaitTip(t, 60*time.Second, g2[74], n, b1, b2)
	t.Logf("60-block reorganisation done in %v", time.Since(start))

	split()
	g3 := b2.Generate(t, 10)
	g4 := b1.Generate(t, 30)
	WaitTip(t, 30*time.Second, g4[29], n)
	if b2.BestHash(t) != g3[9] {
		t.Fatal("btcd2 moved while apart")
	}
	link(t, n, b2)
	WaitTip(t, 60*time.Second, g4[29], n, b1, b2)

	hashes := append([]string{""}, common...)
	hashes = append(hashes, g2...)
	hashes = append(hashes, g4...)
	checkUTXO(t, n, utxoFromBlocks(t, b2, hashes), g4[29], 115)
	t.Logf("total %v", time.Since(start))
}

// TestChainForkWithConflicts: the dropped branch confirmed T1 (with a
// pooled child) and T2; the winning branch confirmed T1', a double spend
// of T1. After the reorganisation ternd's and btcd1's pools hold T2 but
// neither T1 nor its child, and a block ternd then mines is accepted by
// both btcds.
func TestChainForkWithConflicts(t *testing.T) {
	needProcesses(t)
	w := NewWallet(17)
	b1 := StartBtcd(t, "--miningaddr="+w.Address(KindP2WPKH))
	b2 := startApartBtcd(t, "--miningaddr="+NewWallet(18).Address(KindP2WPKH))
	n, _ := shareCommonChain(t, b1, b2, 110)
	unlink(t, n, b2)

	c1, c2 := w.CoinbaseCoin(t, b1, 1), w.CoinbaseCoin(t, b1, 2)
	t1, t1Out := w.MustPay(t, []Coin{c1}, []Kind{KindP2TRKey}, 2)
	t2, _ := w.MustPay(t, []Coin{c2}, []Kind{KindP2SHP2WPKH}, 2)
	t1x, _ := w.MustPay(t, []Coin{c1}, []Kind{KindP2PKH, KindP2WPKH}, 3)
	n.MustSendTx(t, t1)
	n.MustSendTx(t, t2)
	waitInPool(t, 20*time.Second, txids(t1, t2), b1)
	g1 := b1.Generate(t, 2)
	WaitTip(t, 30*time.Second, g1[1], n)
	child, _ := w.MustPay(t, t1Out, []Kind{KindP2WSHMultiSig}, 2)
	n.MustSendTx(t, child)
	waitInPool(t, 20*time.Second, txids(child), b1)

	b2.MustSendTx(t, t1x)
	g2 := b2.Generate(t, 3)
	if !blockTxids(b2.Block(t, g2[0]))[t1x.TxHash().String()] {
		t.Fatal("btcd2 did not mine T1'")
	}
	link(t, n, b2)
	WaitTip(t, 60*time.Second, g2[2], n, b1, b2)
	checkPool(t, n, map[string]bool{t2.TxHash().String(): true})
	checkPool(t, b1, map[string]bool{t2.TxHash().String(): true})

	var mined []string
	n.MustCall(t, "generatetoaddress", &mined, 1, w.Address(KindP2WPKH))
	WaitTip(t, 30*time.Second, mined[0], b1, b2)
	if !blockTxids(b2.Block(t, mined[0]))[t2.TxHash().String()] {
		t.Fatal("ternd's block after the reorganisation lacks T2")
	}
	checkPool(t, n, map[string]bool{})
}

// TestReorgReturnsBranchTransactions: ternd follows btcd1's 150-block
// branch holding 59 dependent wallet transactions; btcd2's longer branch
// has none. After the reorganisation all 59 are back in ternd's pool (the
// joins after the fan-outs they spend), and the block ternd then mines
// holds them all and is accepted by both btcds.
func TestReorgReturnsBranchTransactions(t *testing.T) {
	needProcesses(t)
	w := NewWallet(27)
	b1 := StartBtcd(t, "--miningaddr="+w.Address(KindP2WPKH))
	b2 := startApartBtcd(t, "--miningaddr="+NewWallet(28).Address(KindP2WPKH))
	n, _ := shareCommonChain(t, b1, b2, 101)
	unlink(t, n, b2)

	var prev []Coin
	kinds := make([]Kind, 10)
	for i := range kinds {
		kinds[i] = AllKinds[i%len(AllKinds)]
	}
	want := map[string]bool{}
	var tipA string
	for r := int64(1); r <= 30; r++ {
		fan, out := w.MustPay(t, []Coin{w.CoinbaseCoin(t, b1, r)}, kinds, 2)
		b1.MustSendTx(t, fan)
		want[fan.TxHash().String()] = true
		if prev != nil {
			join, _ := w.MustPay(t, prev, []Kind{KindP2TRScript}, 2)
			b1.MustSendTx(t, join)
			want[join.TxHash().String()] = true
		}
		prev = out
		tipA = b1.Generate(t, 5)[4]
	}
	WaitTip(t, 60*time.Second, tipA, n)
	tipB := b2.Generate(t, 170)[169]
	link(t, n, b2)
	WaitTip(t, 60*time.Second, tipB, n, b1)
	checkPool(t, n, want)

	var mined []string
	n.MustCall(t, "generatetoaddress", &mined, 1, w.Address(KindP2WPKH))
	WaitTip(t, 30*time.Second, mined[0], b1, b2)
	if got := blockTxids(b2.Block(t, mined[0])); len(got) != len(want) {
		t.Fatalf("ternd's block after the reorganisation holds %d transactions, want %d", len(got), len(want))
	}
	checkPool(t, n, map[string]bool{})
}
