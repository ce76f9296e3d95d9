package itest

import (
	"context"
	"testing"
	"time"
)

// TestKillDuringSyncRecovers: ternd is killed with SIGKILL while syncing a
// 2,000-block chain from btcd; restarted alone it has a consistent state
// (verifychain passes; gettxoutsetinfo matches the chain at its height),
// then it resumes the sync to btcd's tip and its UTXO set equals a fresh
// sync's.
func TestKillDuringSyncRecovers(t *testing.T) {
	needProcesses(t)
	start := time.Now()
	w := NewWallet(10)
	b := StartBtcd(t, "--miningaddr="+w.Address(KindP2WPKH))
	// Blocks with transactions: every 10 blocks a coinbase fanned out to
	// 20 outputs and the previous fan-out's 20 outputs joined into 2.
	hashes := append([]string{""}, b.Generate(t, 110)...)
	var prev []Coin
	kinds20 := make([]Kind, 20)
	for i := range kinds20 {
		kinds20[i] = AllKinds[i%len(AllKinds)]
	}
	for r := int64(1); len(hashes) <= 2000; r++ {
		fan, out := w.MustPay(t, []Coin{w.CoinbaseCoin(t, b, r)}, kinds20, 2)
		b.MustSendTx(t, fan)
		if prev != nil {
			join, _ := w.MustPay(t, prev, []Kind{KindP2TRKey, KindP2WSHMultiSig}, 2)
			b.MustSendTx(t, join)
		}
		prev = out
		hashes = append(hashes, b.Generate(t, min(10, 2001-len(hashes)))...)
	}
	tip := hashes[2000]
	t.Logf("btcd mined 2,000 blocks in %v", time.Since(start))

	n := StartTernd(t, "--connect="+b.P2PAddr)
	var h int64
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := n.Call(ctx, "getblockcount", &h)
		cancel()
		if err == nil && h >= 600 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	n.Kill()
	t.Logf("killed ternd at height %d (or a little later)", h)
	if h < 600 || h >= 2000 {
		t.Fatalf("kill point %d is not inside the sync", h)
	}

	// Restarted without peers, its state is consistent.
	r := StartTerndAt(t, n.Dir, "", "")
	h1 := r.Height(t)
	var ok bool
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := r.Call(ctx, "verifychain", &ok, 4, 0); err != nil || !ok {
		t.Fatalf("verifychain after the crash: %v, %v", ok, err)
	}
	info := r.UTXOInfo(t)
	want := utxoFromBlocks(t, b, hashes[:h1+1])
	count, sum := want.Total()
	if info.Height != h1 || info.BestBlock != hashes[h1] || info.TxOuts != count || info.Sats() != sum {
		t.Fatalf("after the crash at height %d: gettxoutsetinfo %+v; want tip %s, %d outputs, %d sat",
			h1, info, hashes[h1], count, sum)
	}
	t.Logf("restarted at height %d, consistent", h1)
	r.Stop(t)

	// Restarted with btcd, it resumes to the tip.
	resumed := time.Now()
	r2 := StartTerndAt(t, n.Dir, "", "", "--connect="+b.P2PAddr)
	WaitTip(t, 2*time.Minute, tip, r2)
	t.Logf("resumed %d blocks in %v", 2000-h1, time.Since(resumed))
	fresh := StartTernd(t, "--connect="+b.P2PAddr)
	WaitTip(t, 2*time.Minute, tip, fresh)
	if a, f := r2.UTXOInfo(t), fresh.UTXOInfo(t); a != f || a.Hash() == "" {
		t.Fatalf("resumed %+v, fresh sync %+v", a, f)
	}
	t.Logf("total %v", time.Since(start))
}

// TestKillDuringReorgRecovers: ternd follows btcd1's 150-block branch with
// transactions; btcd2 mined a longer branch apart. ternd is killed with
// SIGKILL shortly after it meets btcd2 (during or just after the
// reorganisation); restarted it passes verifychain, reaches btcd2's tip and
// its UTXO set equals a fresh sync's.
func TestKillDuringReorgRecovers(t *testing.T) {
	needProcesses(t)
	w := NewWallet(23)
	b1 := StartBtcd(t, "--miningaddr="+w.Address(KindP2WPKH))
	b2 := startApartBtcd(t, "--miningaddr="+NewWallet(24).Address(KindP2WPKH))
	n, _ := shareCommonChain(t, b1, b2, 101)
	unlink(t, n, b2)

	// Branch A on btcd1: 150 blocks, every 5th with a fan-out and a join.
	var prev []Coin
	kinds := make([]Kind, 10)
	for i := range kinds {
		kinds[i] = AllKinds[i%len(AllKinds)]
	}
	var tipA string
	for r := int64(1); r <= 30; r++ {
		fan, out := w.MustPay(t, []Coin{w.CoinbaseCoin(t, b1, r)}, kinds, 2)
		b1.MustSendTx(t, fan)
		if prev != nil {
			join, _ := w.MustPay(t, prev, []Kind{KindP2TRScript}, 2)
			b1.MustSendTx(t, join)
		}
		prev = out
		h := b1.Generate(t, 5)
		tipA = h[4]
	}
	WaitTip(t, 60*time.Second, tipA, n)
	g2 := b2.Generate(t, 170)
	tipB := g2[169]

	link(t, n, b2)
	Wait(t, 60*time.Second, "ternd to leave branch A", func() bool {
		h := n.tryBestHash()
		return h != "" && h != tipA
	})
	n.Kill()

	r := StartTerndAt(t, n.Dir, "", "")
	var ok bool
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := r.Call(ctx, "verifychain", &ok, 4, 0); err != nil || !ok {
		t.Fatalf("verifychain after the crash: %v, %v", ok, err)
	}
	t.Logf("restarted at height %d (%s)", r.Height(t), r.BestHash(t))
	r.Stop(t)
	r2 := StartTerndAt(t, n.Dir, "", "", "--connect="+b2.P2PAddr)
	WaitTip(t, 60*time.Second, tipB, r2)
	fresh := StartTernd(t, "--connect="+b2.P2PAddr)
	WaitTip(t, 60*time.Second, tipB, fresh)
	if a, f := r2.UTXOInfo(t), fresh.UTXOInfo(t); a != f || a.Hash() == "" {
		t.Fatalf("recovered %+v, fresh sync %+v", a, f)
	}
}
