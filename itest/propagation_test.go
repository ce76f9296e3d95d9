package itest

import (
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/tern-org/ternd/wire"
)

// linkBytes returns the bytes sent plus received on p's connection to
// addr (getpeerinfo's totals, which btcd reports too).
func linkBytes(t testing.TB, p *Process, addr string) uint64 {
	t.Helper()
	for _, pi := range p.GetPeerInfo(t) {
		if pi.Addr == addr {
			return pi.BytesRecv + pi.BytesSent
		}
	}
	return 0
}

// propagationLine measures, for a line of five nodes built by start, the
// time from A's mining call to E's tip and the bytes per hop, for blocks
// of nTxs pooled three-input transactions; it returns the medians.
func propagationLine(t *testing.T, blocks, nTxs int, btcd bool, start func(i int, prev *Process) *Process) (time.Duration, uint64, int) {
	w := NewWallet(61)
	var nodes []*Process
	for i := 0; i < 5; i++ {
		var prev *Process
		if i > 0 {
			prev = nodes[i-1]
		}
		nodes = append(nodes, start(i, prev))
	}
	a, e := nodes[0], nodes[4]
	mine := func(n int) []string {
		if btcd {
			return a.Generate(t, n)
		}
		var h []string
		a.MustCall(t, "generatetoaddress", &h, n, w.Address(KindP2WPKH))
		return h
	}
	per := 3
	need := blocks * nTxs * per
	base := mine(1)
	first, _ := heightOf(t, a, base[0])
	coinbases := need/3000 + 1
	hs := mine(coinbases + 100)
	WaitTip(t, 120*time.Second, hs[len(hs)-1], nodes...)
	// Split coinbases into 3,000 outputs each.
	kinds := make([]Kind, 3000)
	for i := range kinds {
		kinds[i] = KindP2WPKH
	}
	var coins []Coin
	for i := 0; i < coinbases; i++ {
		split, out := w.MustPay(t, []Coin{w.CoinbaseCoin(t, a, first+int64(i))}, kinds, 2)
		a.MustSendTx(t, split)
		coins = append(coins, out...)
	}
	// The splits weigh about 372,000 each: mine them all (several blocks).
	Wait(t, 60*time.Second, "splits in A's pool", func() bool { return mempoolSize(t, a) == coinbases })
	for mempoolSize(t, a) > 0 {
		hs = mine(1)
	}
	WaitTip(t, 60*time.Second, hs[0], nodes...)
	var times []time.Duration
	var hops []uint64
	size := 0
	for b := 0; b < blocks; b++ {
		txs := make([]*wire.MsgTx, 0, nTxs)
		for len(txs) < nTxs {
			tx, _ := w.MustPay(t, coins[:per], []Kind{KindP2WPKH}, 2)
			coins = coins[per:]
			txs = append(txs, tx)
		}
		for _, n := range nodes {
			sendRawBatch(t, n, txs)
		}
		Wait(t, 120*time.Second, "pools full", func() bool {
			for _, n := range nodes {
				if mempoolSize(t, n) < nTxs {
					return false
				}
			}
			return true
		})
		before := make([]uint64, 5)
		for i := 1; i < 5; i++ {
			before[i] = linkBytes(t, nodes[i], nodes[i-1].P2PAddr)
		}
		t0 := time.Now()
		hash := mine(1)[0]
		for e.tryBestHash() != hash {
			if time.Since(t0) > 60*time.Second {
				t.Fatal("block did not reach E")
			}
			time.Sleep(2 * time.Millisecond)
		}
		times = append(times, time.Since(t0))
		WaitTip(t, 30*time.Second, hash, nodes...)
		var sum uint64
		for i := 1; i < 5; i++ {
			sum += linkBytes(t, nodes[i], nodes[i-1].P2PAddr) - before[i]
		}
		hops = append(hops, sum/4)
		var blk struct {
			Size int `json:"size"`
		}
		a.MustCall(t, "getblock", &blk, hash, 1)
		size = blk.Size
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	sort.Slice(hops, func(i, j int) bool { return hops[i] < hops[j] })
	t.Logf("times %v", times)
	return times[len(times)/2], hops[len(hops)/2], size
}

// heightOf returns a block's height.
func heightOf(t testing.TB, p *Process, hash string) (int64, error) {
	var hdr struct {
		Height int64 `json:"height"`
	}
	err := p.Call(t.Context(), "getblockheader", &hdr, hash, true)
	return hdr.Height, err
}

// TestPropagationFigures measures block propagation across a line of
// five nodes (median of TERND_PROPAGATION_BLOCKS blocks, 10 by default,
// of 2,000 pooled transactions): ternd with compact blocks, ternd with
// --nocompactblocks, and btcd v0.26.2 (full blocks). It runs only with
// TERND_PROPAGATION=1.
func TestPropagationFigures(t *testing.T) {
	if os.Getenv("TERND_PROPAGATION") != "1" {
		t.Skip("set TERND_PROPAGATION=1 to measure block propagation")
	}
	blocks := 10
	if n, err := fmt.Sscan(os.Getenv("TERND_PROPAGATION_BLOCKS"), &blocks); n != 1 || err != nil {
		blocks = 10
	}
	const nTxs = 2000
	w := NewWallet(61)
	ternd := func(extra ...string) func(int, *Process) *Process {
		return func(i int, prev *Process) *Process {
			args := append([]string{"--debuglevel=info", "--maxmempool=1000"}, extra...)
			if prev != nil {
				args = append(args, "--connect="+prev.P2PAddr)
			}
			return StartTernd(t, args...)
		}
	}
	btcdLine := func(i int, prev *Process) *Process {
		args := []string{"--miningaddr=" + w.Address(KindP2WPKH), "--blockmaxsize=999000",
			"--blockmaxweight=3996000", "--debuglevel=info"}
		if prev != nil {
			args = append(args, "--connect="+prev.P2PAddr)
		}
		return StartBtcd(t, args...)
	}
	rows := []struct {
		name  string
		btcd  bool
		start func(int, *Process) *Process
	}{
		{"ternd (compact blocks)", false, ternd()},
		{"ternd --nocompactblocks", false, ternd("--nocompactblocks")},
		{"btcd v0.26.2", true, btcdLine},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			d, hop, size := propagationLine(t, blocks, nTxs, r.btcd, r.start)
			t.Logf("FIGURE %s: median A->E %v, median bytes per hop %d (block %d bytes, %.2f%%)",
				r.name, d.Round(time.Millisecond), hop, size, 100*float64(hop)/float64(size))
		})
	}
}
