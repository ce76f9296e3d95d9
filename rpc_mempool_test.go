package main

import (
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/wire"
)

// prioritisedEntry is one value of getprioritisedtransactions.
type prioritisedEntry struct {
	FeeDelta    int64  `json:"fee_delta"`
	InMempool   bool   `json:"in_mempool"`
	ModifiedFee *int64 `json:"modified_fee"`
}

// TestRPCPrioritiseSaturates checks through RPC that
// prioritisetransaction deltas saturate at the int64 range (Core's
// SaturatingAdd) instead of wrapping, for a transaction outside the pool
// and for a pooled one whose modified fee must not turn negative.
func TestRPCPrioritiseSaturates(t *testing.T) {
	tn := startTestNode(t, t.TempDir())
	w := newTestWallet(t, 21)
	tn.mustCall(nil, "generatetoaddress", 101, w.addr)

	absent := "ab" + "00000000000000000000000000000000000000000000000000000000000000"[:62]
	cases := []struct {
		name   string
		deltas []int64
		want   int64
	}{
		{"twice 9e18", []int64{9e18, 9e18}, math.MaxInt64},
		{"back down", []int64{-9e18}, math.MaxInt64 - 9e18},
		{"to the floor", []int64{-9e18, -9e18, -9e18}, math.MinInt64},
	}
	for _, c := range cases {
		for _, d := range c.deltas {
			var ok bool
			tn.mustCall(&ok, "prioritisetransaction", absent, nil, d)
			if !ok {
				t.Fatalf("%s: prioritisetransaction returned false", c.name)
			}
		}
		var prio map[string]prioritisedEntry
		tn.mustCall(&prio, "getprioritisedtransactions")
		p, found := prio[absent]
		if !found || p.FeeDelta != c.want || p.InMempool || p.ModifiedFee != nil {
			t.Fatalf("%s: %+v (found %v), want delta %d", c.name, p, found, c.want)
		}
	}

	// A pooled transaction paying 10000 sat: a single huge delta
	// used to wrap its modified fee negative.
	cb := tn.coinbaseOf(1)
	tx := w.spend(t, []prevOut{{wire.OutPoint{Hash: cb}, 5000000000}},
		[]*wire.TxOut{{Value: 4999990000, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum)
	tn.mustCall(nil, "sendrawtransaction", txHex(tx))
	id := tx.TxHash().String()
	tn.mustCall(nil, "prioritisetransaction", id, 0, int64(9223372036854775000))
	tn.mustCall(nil, "prioritisetransaction", id, 0, int64(9e18))
	var prio map[string]prioritisedEntry
	tn.mustCall(&prio, "getprioritisedtransactions")
	p := prio[id]
	if p.FeeDelta != math.MaxInt64 || !p.InMempool || p.ModifiedFee == nil || *p.ModifiedFee != math.MaxInt64 {
		t.Fatalf("pooled: %+v", p)
	}
	var entry struct {
		Fees struct {
			Base     float64 `json:"base"`
			Modified float64 `json:"modified"`
		} `json:"fees"`
	}
	tn.mustCall(&entry, "getmempoolentry", id)
	if entry.Fees.Base != 0.0001 || entry.Fees.Modified <= 0 {
		t.Fatalf("getmempoolentry fees: %+v", entry.Fees)
	}
	// Every int64 is a valid delta, as in Core: MinInt64 brings the
	// saturated MaxInt64 back to -1.
	tn.mustCall(nil, "prioritisetransaction", id, 0, int64(math.MinInt64))
	tn.mustCall(&prio, "getprioritisedtransactions")
	if p := prio[id]; p.FeeDelta != -1 || p.ModifiedFee == nil || *p.ModifiedFee != 9999 {
		t.Fatalf("after MinInt64: %+v", p)
	}
}

// TestRPCPrioritiseDust checks Core's refusal to prioritise a pooled
// transaction with a dust output (ephemeral dust enters with no fee, so
// its fee may not change afterwards); outside the pool it is allowed.
func TestRPCPrioritiseDust(t *testing.T) {
	tn := startTestNode(t, t.TempDir(), "--minrelaytxfee=0")
	w := newTestWallet(t, 22)
	tn.mustCall(nil, "generatetoaddress", 101, w.addr)
	cb := tn.coinbaseOf(1)
	dusty := w.spend(t, []prevOut{{wire.OutPoint{Hash: cb}, 5000000000}},
		[]*wire.TxOut{{Value: 4999999900, PkScript: w.pkScript}, {Value: 100, PkScript: w.pkScript}},
		wire.MaxTxInSequenceNum)
	id := dusty.TxHash().String()
	tn.mustCall(nil, "prioritisetransaction", id, 0, 5)
	tn.mustCall(nil, "prioritisetransaction", id, 0, -5)
	tn.mustCall(nil, "sendrawtransaction", txHex(dusty))
	tn.wantError(-8, "Priority is not supported for transactions with dust outputs.",
		"prioritisetransaction", id, 0, 1)
	var prio map[string]prioritisedEntry
	tn.mustCall(&prio, "getprioritisedtransactions")
	if len(prio) != 0 {
		t.Fatalf("getprioritisedtransactions: %v", prio)
	}
}

// keysOf returns the sorted keys of a JSON object.
func keysOf(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

// TestRPCTestMempoolAcceptPackage checks testmempoolaccept with several
// transactions against Core's JSON shapes: a parent and child spending the
// parent's unpooled output, package-wide errors on every result, a failing
// member stopping the run, maxfeerate, the 25-transaction limit, and that
// nothing reaches the pool.
func TestRPCTestMempoolAcceptPackage(t *testing.T) {
	tn := startTestNode(t, t.TempDir())
	w := newTestWallet(t, 31)
	other := newTestWallet(t, 32)
	tn.mustCall(nil, "generatetoaddress", 101, w.addr)
	cb := tn.coinbaseOf(1)
	const coin = 5000000000
	spendTo := func(prev wire.OutPoint, value, out int64, signer *testWallet) *wire.MsgTx {
		return signer.spend(t, []prevOut{{prev, value}},
			[]*wire.TxOut{{Value: out, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum)
	}
	parent := spendTo(wire.OutPoint{Hash: cb}, coin, coin-10000, w)
	parentOut := wire.OutPoint{Hash: parent.TxHash()}
	child := spendTo(parentOut, coin-10000, coin-30000, w)
	call := func(params ...any) []map[string]any {
		t.Helper()
		var res []map[string]any
		tn.mustCall(&res, "testmempoolaccept", params...)
		return res
	}
	hexes := func(txs ...*wire.MsgTx) []string {
		out := make([]string, len(txs))
		for i, tx := range txs {
			out[i] = txHex(tx)
		}
		return out
	}

	// Parent and child: both allowed, each with its own fee and feerate.
	res := call(hexes(parent, child))
	if len(res) != 2 {
		t.Fatalf("results: %v", res)
	}
	for i, tx := range []*wire.MsgTx{parent, child} {
		r := res[i]
		if keysOf(r) != "allowed,fees,txid,vsize,wtxid" || r["allowed"] != true ||
			r["txid"] != tx.TxHash().String() || r["wtxid"] != tx.WitnessHash().String() ||
			r["vsize"] != float64(tx.VSize()) {
			t.Fatalf("result %d: %v", i, r)
		}
		fees := r["fees"].(map[string]any)
		inc, _ := fees["effective-includes"].([]any)
		if len(inc) != 1 || inc[0] != tx.WitnessHash().String() {
			t.Fatalf("result %d fees: %v", i, fees)
		}
	}
	if b := res[0]["fees"].(map[string]any)["base"]; b != 0.0001 {
		t.Fatalf("parent base fee %v", b)
	}
	if b := res[1]["fees"].(map[string]any)["base"]; b != 0.0002 {
		t.Fatalf("child base fee %v", b)
	}
	if tn.mempoolHas(parent.TxHash()) || tn.mempoolHas(child.TxHash()) {
		t.Fatal("testmempoolaccept added to the pool")
	}

	// Package-wide errors: every result carries it and nothing else.
	conflicting := spendTo(wire.OutPoint{Hash: cb}, coin, coin-20000, w)
	for _, c := range []struct {
		name string
		txs  []*wire.MsgTx
		want string
	}{
		{"not sorted", []*wire.MsgTx{child, parent}, "package-not-sorted"},
		{"conflict", []*wire.MsgTx{parent, conflicting}, "conflict-in-package"},
		{"duplicate", []*wire.MsgTx{parent, parent}, "package-contains-duplicates"},
	} {
		res := call(hexes(c.txs...))
		for i, r := range res {
			if keysOf(r) != "package-error,txid,wtxid" || r["package-error"] != c.want ||
				r["txid"] != c.txs[i].TxHash().String() {
				t.Fatalf("%s: result %d: %v", c.name, i, r)
			}
		}
	}

	// A bad second member stops there: the others are not fully validated.
	overspend := spendTo(parentOut, coin-10000, coin, w)
	independent := spendTo(wire.OutPoint{Hash: tn.coinbaseOf(2)}, coin, coin-10000, w)
	res = call(hexes(parent, overspend, independent))
	if keysOf(res[0]) != "txid,wtxid" || keysOf(res[2]) != "txid,wtxid" {
		t.Fatalf("unfinished results: %v", res)
	}
	if r := res[1]; r["allowed"] != false || r["reject-reason"] != "bad-txns-in-belowout" ||
		!strings.HasPrefix(r["reject-details"].(string), "bad-txns-in-belowout, value in") {
		t.Fatalf("failing result: %v", r)
	}

	// A bad signature fails last, in the scripts: the parent keeps its result.
	badSig := spendTo(parentOut, coin-10000, coin-30000, other)
	res = call(hexes(parent, badSig))
	if res[0]["allowed"] != true || res[1]["allowed"] != false ||
		!strings.HasPrefix(res[1]["reject-reason"].(string), "mempool-script-verify-flag-failed") {
		t.Fatalf("script failure: %v", res)
	}

	// maxfeerate: the parent is over it, the child is left out.
	res = call(hexes(parent, child), 0.00000001)
	if keysOf(res[0]) != "allowed,reject-reason,txid,wtxid" || res[0]["reject-reason"] != "max-fee-exceeded" ||
		keysOf(res[1]) != "txid,wtxid" {
		t.Fatalf("maxfeerate: %v", res)
	}

	// A child whose parent is missing from the package and the pool.
	res = call(hexes(child, independent))
	if res[0]["allowed"] != false || res[0]["reject-reason"] != "missing-inputs" || keysOf(res[1]) != "txid,wtxid" {
		t.Fatalf("missing inputs: %v", res)
	}

	// More than 25 transactions: -8 before anything is decoded.
	many := make([]string, 26)
	for i := range many {
		many[i] = "00"
	}
	tn.wantError(-8, "Array must contain between 1 and 25 transactions.", "testmempoolaccept", many)

	// The package can then really be sent, in order.
	tn.mustCall(nil, "sendrawtransaction", txHex(parent))
	tn.mustCall(nil, "sendrawtransaction", txHex(child))
	if !tn.mempoolHas(child.TxHash()) {
		t.Fatal("child not pooled")
	}
	// Now pooled, both are refused as already there.
	res = call(hexes(parent, child))
	if res[0]["reject-reason"] != "txn-already-in-mempool" || keysOf(res[1]) != "txid,wtxid" {
		t.Fatalf("already pooled: %v", res)
	}
}

// TestRPCMempoolCluster checks Core v31's cluster RPCs on a real pool: a
// zero-fee TRUC parent and its child form one chunk (getmempoolcluster,
// getmempoolentry's chunk figures), listed before a lone transaction in
// getmempoolfeeratediagram; getmempoolinfo reports the cluster limits and
// optimality.
func TestRPCMempoolCluster(t *testing.T) {
	tn := startTestNode(t, t.TempDir())
	w := newTestWallet(t, 43)
	tn.mustCall(nil, "generatetoaddress", 110, w.addr)
	const coin = 5000000000
	pay := func(v int64) []*wire.TxOut { return []*wire.TxOut{{Value: v, PkScript: w.pkScript}} }
	parent := w.spendVersion(t, 3, []prevOut{{wire.OutPoint{Hash: tn.coinbaseOf(1)}, coin}}, pay(coin),
		wire.MaxTxInSequenceNum)
	child := w.spendVersion(t, 3, []prevOut{{wire.OutPoint{Hash: parent.TxHash()}, coin}}, pay(coin-20000),
		wire.MaxTxInSequenceNum)
	lone := w.spend(t, []prevOut{{wire.OutPoint{Hash: tn.coinbaseOf(2)}, coin}}, pay(coin-1000),
		wire.MaxTxInSequenceNum)
	if res := tn.submitPackage(t, []string{txHex(parent), txHex(child)}); res.PackageMsg != "success" {
		t.Fatalf("package: %+v", res)
	}
	tn.mustCall(nil, "sendrawtransaction", txHex(lone))

	pairWeight := int64(4 * (parent.VSize() + child.VSize()))
	var cluster struct {
		ClusterWeight int64 `json:"clusterweight"`
		TxCount       int   `json:"txcount"`
		Chunks        []struct {
			ChunkFee    float64  `json:"chunkfee"`
			ChunkWeight int64    `json:"chunkweight"`
			Txs         []string `json:"txs"`
		} `json:"chunks"`
	}
	tn.mustCall(&cluster, "getmempoolcluster", child.TxHash().String())
	if cluster.TxCount != 2 || len(cluster.Chunks) != 1 || cluster.Chunks[0].ChunkFee != 0.0002 ||
		len(cluster.Chunks[0].Txs) != 2 || cluster.Chunks[0].Txs[0] != parent.TxHash().String() ||
		cluster.ClusterWeight < pairWeight-8 || cluster.ClusterWeight > pairWeight {
		t.Fatalf("getmempoolcluster: %+v", cluster)
	}
	tn.wantError(rpcjson.ErrRPCInvalidAddressOrKey, "Transaction not in mempool", "getmempoolcluster",
		tn.coinbaseOf(3).String())

	var entry struct {
		ChunkWeight int64 `json:"chunkweight"`
		Fees        struct {
			Chunk float64 `json:"chunk"`
		} `json:"fees"`
	}
	tn.mustCall(&entry, "getmempoolentry", parent.TxHash().String())
	if entry.Fees.Chunk != 0.0002 || entry.ChunkWeight != cluster.ClusterWeight {
		t.Fatalf("getmempoolentry chunk: %+v", entry)
	}

	var diag []struct {
		Weight int64   `json:"weight"`
		Fee    float64 `json:"fee"`
	}
	tn.mustCall(&diag, "getmempoolfeeratediagram")
	if len(diag) != 3 || diag[0].Weight != 0 || diag[1].Weight != cluster.ClusterWeight ||
		diag[1].Fee != 0.0002 || diag[2].Fee != 0.0002+0.00001 {
		t.Fatalf("getmempoolfeeratediagram: %+v", diag)
	}

	var info map[string]any
	tn.mustCall(&info, "getmempoolinfo")
	if info["optimal"] != true || info["limitclustercount"] == nil || info["limitclustersize"] == nil {
		t.Fatalf("getmempoolinfo: %v", info)
	}
}
