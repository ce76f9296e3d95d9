package itest

import (
	"math/rand/v2"
	"testing"
)

// mempoolInfo is the part of getmempoolinfo the tests read.
type mempoolInfo struct {
	Size          int64   `json:"size"`
	Bytes         int64   `json:"bytes"`
	Usage         int64   `json:"usage"`
	MaxMempool    int64   `json:"maxmempool"`
	MempoolMinFee float64 `json:"mempoolminfee"`
	MinRelayTxFee float64 `json:"minrelaytxfee"`
}

// TestMempoolLimitEvictsLowFee: with --maxmempool=5 (the smallest), 80
// large transactions of distinct fee rates overflow the pool; the ones
// evicted or refused pay less than every one kept, mempoolminfee rises
// above minrelaytxfee and a transaction below it is refused; the pool
// survives a restart.
func TestMempoolLimitEvictsLowFee(t *testing.T) {
	needProcesses(t)
	w := NewWallet(11)
	n := StartTernd(t, "--maxmempool=5")
	var hashes []string
	n.MustCall(t, "generatetoaddress", &hashes, 181, w.Address(KindP2WPKH))

	// Each transaction: one coinbase input, 1,000 P2WPKH outputs (about
	// 31 kvB, some 90 kB of pool memory).
	outs := make([]Kind, 1000)
	for i := range outs {
		outs[i] = KindP2WPKH
	}
	rng := rand.New(rand.NewPCG(3, 4))
	rates := rng.Perm(80)
	rateOf := map[string]int{}
	var accepted []string
	var refused int
	for i := 0; i < 80; i++ {
		rate := 2 + rates[i] // sat/vB, distinct
		tx, _ := w.MustPay(t, []Coin{w.CoinbaseCoin(t, n, int64(i+1))}, outs, float64(rate))
		id := tx.TxHash().String()
		rateOf[id] = rate
		if err := n.SendTx(tx); err != nil {
			wantReject(t, "transaction below the pool's minimum", err, -26, "mempool min fee not met")
			refused++
			continue
		}
		accepted = append(accepted, id)
	}
	pool := poolSet(t, n)
	minKept, maxGone := 1<<30, 0
	for id, r := range rateOf {
		if pool[id] {
			minKept = min(minKept, r)
		} else {
			maxGone = max(maxGone, r)
		}
	}
	evicted := len(accepted) - len(pool)
	t.Logf("80 sent: %d refused, %d evicted, %d kept (rates %d..81 sat/vB kept, up to %d gone)",
		refused, evicted, len(pool), minKept, maxGone)
	if evicted == 0 || maxGone == 0 || maxGone >= minKept {
		t.Fatalf("eviction not by fee rate: %d evicted, highest gone %d sat/vB, lowest kept %d sat/vB",
			evicted, maxGone, minKept)
	}
	var info mempoolInfo
	n.MustCall(t, "getmempoolinfo", &info)
	if info.Usage > info.MaxMempool || info.MaxMempool != 5_000_000 || info.MempoolMinFee <= info.MinRelayTxFee {
		t.Fatalf("getmempoolinfo %+v", info)
	}
	// mempoolminfee (BTC/kvB) lies above what was evicted.
	if minFee := info.MempoolMinFee * 1e5; minFee <= float64(maxGone) {
		t.Fatalf("mempoolminfee %.3f sat/vB not above the highest evicted rate %d", minFee, maxGone)
	}
	t.Logf("getmempoolinfo %+v", info)

	// Below the minimum (but above minrelaytxfee): refused.
	low, _ := w.MustPay(t, []Coin{w.CoinbaseCoin(t, n, 81)}, []Kind{KindP2WPKH}, 1)
	wantReject(t, "below mempoolminfee", n.SendTx(low), -26, "mempool min fee not met")

	// The pool survives a restart.
	n.Stop(t)
	r := StartTerndAt(t, n.Dir, "", "", "--maxmempool=5")
	after := poolSet(t, r)
	if len(after) != len(pool) {
		t.Fatalf("after a restart the pool holds %d, before %d", len(after), len(pool))
	}
	for id := range pool {
		if !after[id] {
			t.Fatalf("%s lost by the restart", id)
		}
	}
}
