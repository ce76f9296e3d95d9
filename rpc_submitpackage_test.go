package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/wire"
)

// submitPackageJSON is submitpackage's result as a client decodes it, with
// the tx-results keys in their order.
type submitPackageJSON struct {
	PackageMsg string                    `json:"package_msg"`
	TxResults  map[string]map[string]any `json:"tx-results"`
	Replaced   []string                  `json:"replaced-transactions"`
	order      []string
}

// submitPackage calls submitpackage and decodes its result.
func (tn *testNode) submitPackage(t *testing.T, params ...any) submitPackageJSON {
	t.Helper()
	raw := tn.mustCall(nil, "submitpackage", params...)
	var res submitPackageJSON
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	// The keys' order, read from the raw object.
	var top map[string]json.RawMessage
	_ = json.Unmarshal(raw, &top)
	dec := json.NewDecoder(strings.NewReader(string(top["tx-results"])))
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				depth++
			} else {
				depth--
			}
		case string:
			if depth == 1 {
				res.order = append(res.order, v)
				// Skip the value.
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return res
}

// TestRPCSubmitPackage checks submitpackage against Core v30's JSON shapes
// and error codes: a zero-fee TRUC parent paid for by its child, the same
// package again (pooled figures, no effective fee rate), a non-TRUC
// zero-fee parent refused with nothing added, a package-wide failure
// reporting every wtxid, an individual replacement listed in
// "replaced-transactions", and the parameter errors.
func TestRPCSubmitPackage(t *testing.T) {
	tn := startTestNode(t, t.TempDir())
	w := newTestWallet(t, 41)
	tn.mustCall(nil, "generatetoaddress", 110, w.addr)
	const coin = 5000000000
	pay := func(v int64) []*wire.TxOut { return []*wire.TxOut{{Value: v, PkScript: w.pkScript}} }
	hexes := func(txs ...*wire.MsgTx) []string {
		out := make([]string, len(txs))
		for i, tx := range txs {
			out[i] = txHex(tx)
		}
		return out
	}
	keys := func(m map[string]any) string { return keysOf(m) }

	// A zero-fee TRUC parent and its child paying 10000 sat for both.
	parent := w.spendVersion(t, 3, []prevOut{{wire.OutPoint{Hash: tn.coinbaseOf(1)}, coin}}, pay(coin), wire.MaxTxInSequenceNum)
	child := w.spendVersion(t, 3, []prevOut{{wire.OutPoint{Hash: parent.TxHash()}, coin}}, pay(coin-10000), wire.MaxTxInSequenceNum)
	// Alone, the parent is refused.
	tn.wantError(rpcjson.ErrRPCVerifyRejected, "min relay fee not met", "sendrawtransaction", txHex(parent))

	res := tn.submitPackage(t, hexes(parent, child))
	t.Logf("result: %+v", res)
	if res.PackageMsg != "success" || len(res.Replaced) != 0 || res.Replaced == nil {
		t.Fatalf("package: %+v", res)
	}
	pw, cw := parent.WitnessHash().String(), child.WitnessHash().String()
	if len(res.order) != 2 || res.order[0] != pw || res.order[1] != cw {
		t.Fatalf("tx-results order %v", res.order)
	}
	vsize := parent.VSize() + child.VSize()
	rate := float64(10000*1000/vsize) / 1e8
	for i, tx := range []*wire.MsgTx{parent, child} {
		r := res.TxResults[tx.WitnessHash().String()]
		if keys(r) != "fees,txid,vsize" || r["txid"] != tx.TxHash().String() || r["vsize"] != float64(tx.VSize()) {
			t.Fatalf("result %d: %v", i, r)
		}
		fees := r["fees"].(map[string]any)
		inc, _ := fees["effective-includes"].([]any)
		if keys(fees) != "base,effective-feerate,effective-includes" || fees["effective-feerate"] != rate ||
			len(inc) != 2 || inc[0] != pw || inc[1] != cw {
			t.Fatalf("result %d fees: %v (want rate %v)", i, fees, rate)
		}
	}
	if b := res.TxResults[cw]["fees"].(map[string]any)["base"]; b != 0.0001 {
		t.Fatalf("child base fee %v", b)
	}
	if !tn.mempoolHas(parent.TxHash()) || !tn.mempoolHas(child.TxHash()) {
		t.Fatal("package not pooled")
	}

	// Again: both are skipped, reported with their pool figures only.
	res = tn.submitPackage(t, hexes(parent, child))
	if res.PackageMsg != "success" {
		t.Fatalf("again: %+v", res)
	}
	for _, r := range res.TxResults {
		if keys(r) != "fees,txid,vsize" || keys(r["fees"].(map[string]any)) != "base" {
			t.Fatalf("pooled result: %v", r)
		}
	}

	// A non-TRUC zero-fee parent cannot be paid for (Core v30): nothing
	// is added, each transaction says why.
	parent2 := w.spendVersion(t, 2, []prevOut{{wire.OutPoint{Hash: tn.coinbaseOf(2)}, coin}}, pay(coin), wire.MaxTxInSequenceNum)
	child2 := w.spendVersion(t, 2, []prevOut{{wire.OutPoint{Hash: parent2.TxHash()}, coin}}, pay(coin-10000), wire.MaxTxInSequenceNum)
	res = tn.submitPackage(t, hexes(parent2, child2))
	if res.PackageMsg != "transaction failed" ||
		!strings.HasPrefix(res.TxResults[parent2.WitnessHash().String()]["error"].(string), "min relay fee not met, 0 < ") ||
		res.TxResults[child2.WitnessHash().String()]["error"] != "bad-txns-inputs-missingorspent" ||
		keys(res.TxResults[child2.WitnessHash().String()]) != "error,txid" {
		t.Fatalf("non-TRUC: %+v", res)
	}
	if tn.mempoolHas(parent2.TxHash()) || tn.mempoolHas(child2.TxHash()) {
		t.Fatal("refused package pooled")
	}

	// Two parents spending one coin: a package-wide failure, no
	// transaction evaluated, every wtxid reported.
	cb3 := wire.OutPoint{Hash: tn.coinbaseOf(3)}
	p1 := w.spendVersion(t, 2, []prevOut{{cb3, coin}}, pay(coin-1000), wire.MaxTxInSequenceNum)
	p2 := w.spendVersion(t, 2, []prevOut{{cb3, coin}}, pay(coin-2000), wire.MaxTxInSequenceNum)
	c := w.spendVersion(t, 2, []prevOut{{wire.OutPoint{Hash: p1.TxHash()}, coin - 1000},
		{wire.OutPoint{Hash: p2.TxHash()}, coin - 2000}}, pay(2*coin-10000), wire.MaxTxInSequenceNum)
	res = tn.submitPackage(t, hexes(p1, p2, c))
	if res.PackageMsg != "conflict-in-package" || len(res.TxResults) != 3 {
		t.Fatalf("conflict: %+v", res)
	}
	for _, r := range res.TxResults {
		if keys(r) != "error,txid" || r["error"] != "package-not-validated" {
			t.Fatalf("conflict result: %v", r)
		}
	}

	// A parent that replaces a pooled transaction on its own fees.
	cb4 := wire.OutPoint{Hash: tn.coinbaseOf(4)}
	old := w.spendVersion(t, 2, []prevOut{{cb4, coin}}, pay(coin-1000), wire.MaxTxInSequenceNum)
	tn.mustCall(nil, "sendrawtransaction", txHex(old))
	repl := w.spendVersion(t, 2, []prevOut{{cb4, coin}}, pay(coin-5000), wire.MaxTxInSequenceNum)
	replChild := w.spendVersion(t, 2, []prevOut{{wire.OutPoint{Hash: repl.TxHash()}, coin - 5000}},
		pay(coin-6000), wire.MaxTxInSequenceNum)
	res = tn.submitPackage(t, hexes(repl, replChild))
	if res.PackageMsg != "success" || len(res.Replaced) != 1 || res.Replaced[0] != old.TxHash().String() ||
		tn.mempoolHas(old.TxHash()) {
		t.Fatalf("replacement: %+v", res)
	}

	// Package RBF: a zero-fee TRUC parent replacing a pooled transaction,
	// paid for by its child.
	cb6 := wire.OutPoint{Hash: tn.coinbaseOf(6)}
	old6 := w.spendVersion(t, 2, []prevOut{{cb6, coin}}, pay(coin-1000), wire.MaxTxInSequenceNum)
	tn.mustCall(nil, "sendrawtransaction", txHex(old6))
	rbfParent := w.spendVersion(t, 3, []prevOut{{cb6, coin}}, pay(coin), wire.MaxTxInSequenceNum)
	rbfChild := w.spendVersion(t, 3, []prevOut{{wire.OutPoint{Hash: rbfParent.TxHash()}, coin}}, pay(coin-20000), wire.MaxTxInSequenceNum)
	res = tn.submitPackage(t, hexes(rbfParent, rbfChild))
	if res.PackageMsg != "success" || len(res.Replaced) != 1 || res.Replaced[0] != old6.TxHash().String() ||
		tn.mempoolHas(old6.TxHash()) || !tn.mempoolHas(rbfChild.TxHash()) {
		t.Fatalf("package RBF: %+v", res)
	}

	// maxfeerate: the parent pays more than 0.00001 BTC/kvB.
	cb5 := wire.OutPoint{Hash: tn.coinbaseOf(5)}
	rich := w.spendVersion(t, 2, []prevOut{{cb5, coin}}, pay(coin-100000), wire.MaxTxInSequenceNum)
	res = tn.submitPackage(t, hexes(rich), 0.00001)
	if res.PackageMsg != "transaction failed" ||
		res.TxResults[rich.WitnessHash().String()]["error"] != "max feerate exceeded" {
		t.Fatalf("maxfeerate: %+v", res)
	}

	// Parameter errors, in Core's order and codes.
	many := make([]string, 26)
	for i := range many {
		many[i] = "00"
	}
	tn.wantError(rpcjson.ErrRPCInvalidParameter, "Array must contain between 1 and 25 transactions.",
		"submitpackage", many)
	tn.wantError(rpcjson.ErrRPCInvalidParameter, "Array must contain between 1 and 25 transactions.",
		"submitpackage", []string{})
	tn.wantError(rpcjson.ErrRPCDeserialization, "TX decode failed: zz Make sure the tx has at least one input.",
		"submitpackage", []string{txHex(parent), "zz"})
	tn.wantError(rpcjson.ErrRPCVerify,
		"package topology disallowed. not child-with-parents or parents depend on each other.",
		"submitpackage", hexes(child, parent))
	burn := w.spendVersion(t, 2, []prevOut{{cb5, coin}},
		[]*wire.TxOut{{Value: coin - 1000, PkScript: w.pkScript}, {Value: 1, PkScript: []byte{0x6a, 0x01, 0x01}}}, wire.MaxTxInSequenceNum)
	tn.wantError(rpcjson.ErrRPCVerify, "Unspendable output exceeds maximum configured by user (maxburnamount)",
		"submitpackage", hexes(burn))
	tn.wantError(rpcjson.ErrRPCInvalidParameter, "Fee rates larger than or equal to 1BTC/kvB are not accepted",
		"submitpackage", hexes(rich), 1)
}
