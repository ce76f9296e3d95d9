package itest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tern-org/ternd/wire"
)

// submitPackageResult is the part of submitpackage's result the test reads.
type submitPackageResult struct {
	PackageMsg string `json:"package_msg"`
	TxResults  map[string]struct {
		Txid  string `json:"txid"`
		VSize int64  `json:"vsize"`
		Error string `json:"error"`
		Fees  struct {
			EffectiveIncludes []string `json:"effective-includes"`
		} `json:"fees"`
	} `json:"tx-results"`
}

// submitPackage calls ternd's submitpackage.
func submitPackage(t *testing.T, n *Process, txs ...*wire.MsgTx) submitPackageResult {
	t.Helper()
	hexes := make([]string, len(txs))
	for i, tx := range txs {
		hexes[i] = TxHex(tx)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var res submitPackageResult
	if err := n.Call(ctx, "submitpackage", &res, hexes); err != nil {
		t.Fatal(err)
	}
	return res
}

// TestSubmitPackageRelay: child pays for parent across the network. ternd
// (--maxmempool=5) is filled with large transactions until its
// mempoolminfee is well above btcd's 1 sat/vB relay minimum. A parent
// paying 2 sat/vB is then refused alone by ternd, and accepted with its
// 100 sat/vB child through submitpackage, each judged at the package fee
// rate; both reach btcd (its harness refuses non-standard and free
// transactions, so the parent pays btcd's minimum). A package whose
// parent pays nothing is refused (Core v30: a non-TRUC transaction pays the
// relay minimum alone) and nothing of it enters either pool.
func TestSubmitPackageRelay(t *testing.T) {
	needProcesses(t)
	w := NewWallet(21)
	b, n := startPair(t, w, 200, "--maxmempool=5")

	// Fill the pool: one coinbase input, 1,000 P2WPKH outputs each (some
	// 90 kB of pool memory), fee rates rising from 2 sat/vB, until the
	// pool's minimum passes 5 sat/vB.
	outs := make([]Kind, 1000)
	for i := range outs {
		outs[i] = KindP2WPKH
	}
	var info mempoolInfo
	height := int64(1)
	for ; height < 95; height++ {
		tx, _ := w.MustPay(t, []Coin{w.CoinbaseCoin(t, b, height)}, outs, float64(1+height))
		n.MustSendTx(t, tx)
		n.MustCall(t, "getmempoolinfo", &info)
		if info.MempoolMinFee*1e5 > 5 {
			break
		}
	}
	if info.MempoolMinFee*1e5 <= 5 {
		t.Fatalf("pool minimum still %.3f sat/vB after %d transactions", info.MempoolMinFee*1e5, height)
	}
	t.Logf("after %d large transactions mempoolminfee is %.3f sat/vB", height, info.MempoolMinFee*1e5)

	parent, pout := w.MustPay(t, []Coin{w.CoinbaseCoin(t, b, height+1)}, []Kind{KindP2WPKH}, 2)
	child, _ := w.MustPay(t, pout, []Kind{KindP2WPKH}, 100)
	wantReject(t, "parent alone", n.SendTx(parent), -26, "mempool min fee not met")

	start := time.Now()
	res := submitPackage(t, n, parent, child)
	if res.PackageMsg != "success" || len(res.TxResults) != 2 {
		t.Fatalf("submitpackage: %+v", res)
	}
	for _, tx := range []*wire.MsgTx{parent, child} {
		r := res.TxResults[tx.WitnessHash().String()]
		if r.Txid != tx.TxHash().String() || r.Error != "" || r.VSize != tx.VSize() ||
			len(r.Fees.EffectiveIncludes) != 2 {
			t.Fatalf("result for %v: %+v", tx.TxHash(), r)
		}
	}
	waitInPool(t, 30*time.Second, txids(parent, child), n, b)
	t.Logf("package ternd -> btcd in %v", time.Since(start))

	// A zero-fee parent: refused with its child, in both pools.
	parent2, pout2 := w.MustPay(t, []Coin{w.CoinbaseCoin(t, b, height+2)}, []Kind{KindP2WPKH}, 0)
	child2, _ := w.MustPay(t, pout2, []Kind{KindP2WPKH}, 100)
	res = submitPackage(t, n, parent2, child2)
	if res.PackageMsg != "transaction failed" ||
		!strings.HasPrefix(res.TxResults[parent2.WitnessHash().String()].Error, "min relay fee not met") ||
		res.TxResults[child2.WitnessHash().String()].Error != "bad-txns-inputs-missingorspent" {
		t.Fatalf("zero-fee parent: %+v", res)
	}
	// Anything relayed would follow a later transaction: send one and
	// wait for it at btcd, then check the refused pair is in neither pool.
	marker, _ := w.MustPay(t, []Coin{w.CoinbaseCoin(t, b, height+3)}, []Kind{KindP2WPKH}, 50)
	n.MustSendTx(t, marker)
	waitInPool(t, 30*time.Second, txids(marker), b)
	for _, p := range []*Process{n, b} {
		for _, tx := range []*wire.MsgTx{parent2, child2} {
			if p.InMempool(t, tx.TxHash().String()) {
				t.Fatalf("%s holds %v of the refused package", p.Name, tx.TxHash())
			}
		}
	}
}
