package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tern-org/ternd/bench/internal/benchnode"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// verifyInput runs the script engine on the single input of tx spending prev.
func verifyInput(t *testing.T, w *wallet, tx *wire.MsgTx, prev coin) {
	t.Helper()
	fetcher := txscript.NewCannedPrevOutputFetcher(w.pkScript, prev.value)
	vm, err := txscript.NewEngine(w.pkScript, tx, 0, txscript.StandardVerifyFlags, nil,
		txscript.NewTxSigHashes(tx, fetcher), prev.value, fetcher)
	if err != nil {
		t.Fatal(err)
	}
	if err := vm.Execute(); err != nil {
		t.Fatalf("tx %s does not verify: %v", tx.TxHash(), err)
	}
}

// fakeCoins returns n distinct coins of value each.
func fakeCoins(n int, value int64) []coin {
	coins := make([]coin, n)
	for i := range coins {
		coins[i].op.Hash[0], coins[i].op.Hash[1] = byte(i), byte(i>>8)
		coins[i].op.Index = uint32(i)
		coins[i].value = value
	}
	return coins
}

func TestWalletAddress(t *testing.T) {
	w, err := newWallet()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(w.addr, "bcrt1q") || !txscript.IsPayToWitnessPubKeyHash(w.pkScript) {
		t.Fatalf("address %s script %x", w.addr, w.pkScript)
	}
}

func TestFanOut(t *testing.T) {
	w, _ := newWallet()
	prev := fakeCoins(1, 50e8)[0]
	for _, n := range []int{1, 7, maxFanOut} {
		tx, err := w.fanOut(prev, n, 2)
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for _, o := range tx.TxOut {
			sum += o.Value
		}
		fee := prev.value - sum
		if len(tx.TxOut) != n || tx.Version != 2 || fee < 2*tx.VSize() || tx.Weight() > 400000 {
			t.Fatalf("%d outputs: got %d, version %d, fee %d for %d vB, weight %d",
				n, len(tx.TxOut), tx.Version, fee, tx.VSize(), tx.Weight())
		}
		verifyInput(t, w, tx, prev)
	}
	for _, bad := range []int{0, maxFanOut + 1} {
		if _, err := w.fanOut(prev, bad, 2); err == nil {
			t.Fatalf("%d outputs accepted", bad)
		}
	}
	if _, err := w.fanOut(coin{value: 100000}, 100, 2); err == nil {
		t.Fatal("dust split accepted")
	}
}

func TestWorkload(t *testing.T) {
	w, _ := newWallet()
	const n, depth = 100, 25
	fee := feeFor(p2wpkhSpendVSize, 1.5)
	coins := fakeCoins(fundingNeeded(n, depth), 1000000)
	if _, err := w.buildWorkload(coins[1:], n, depth, fee); err == nil {
		t.Fatal("too few coins accepted")
	}
	wl, err := w.buildWorkload(coins, n, depth, fee)
	if err != nil {
		t.Fatal(err)
	}
	spent := make(map[wire.OutPoint]bool)
	check := func(tx *wire.MsgTx, prev coin) {
		t.Helper()
		if tx.Version != 2 || len(tx.TxIn) != 1 || len(tx.TxOut) != 1 ||
			tx.TxIn[0].PreviousOutPoint != prev.op || tx.TxOut[0].Value != prev.value-fee ||
			tx.VSize() > p2wpkhSpendVSize || float64(fee) < 1.5*float64(tx.VSize()) {
			t.Fatalf("bad shape: %+v (vsize %d)", tx, tx.VSize())
		}
		if spent[prev.op] {
			t.Fatalf("%v spent twice", prev.op)
		}
		spent[prev.op] = true
		verifyInput(t, w, tx, prev)
	}
	next := 0
	for _, txs := range [][]*wire.MsgTx{wl.indepSingle, wl.indepBatch} {
		if len(txs) != n {
			t.Fatalf("%d independent txs", len(txs))
		}
		for _, tx := range txs {
			check(tx, coins[next])
			next++
		}
	}
	for _, txs := range [][]*wire.MsgTx{wl.chainSingle, wl.chainBatch} {
		if len(txs) != n/depth*depth {
			t.Fatalf("%d chain txs", len(txs))
		}
		for i, tx := range txs {
			var prev coin
			if i%depth == 0 {
				prev = coins[next]
				next++
			} else {
				prev = outputs(txs[i-1])[0]
			}
			check(tx, prev)
		}
	}
	t.Logf("%d transactions checked", len(spent))
}

func TestBodies(t *testing.T) {
	w, _ := newWallet()
	wl, err := w.buildWorkload(fakeCoins(fundingNeeded(50, 10), 1000000), 50, 10, 200)
	if err != nil {
		t.Fatal(err)
	}
	var req struct {
		JSONRPC string   `json:"jsonrpc"`
		ID      int      `json:"id"`
		Method  string   `json:"method"`
		Params  []string `json:"params"`
	}
	tx := wl.indepSingle[3]
	if err := json.Unmarshal(sendRawBody(tx, 7, ""), &req); err != nil {
		t.Fatal(err)
	}
	if req.JSONRPC != "1.0" || req.ID != 7 || req.Method != "sendrawtransaction" ||
		len(req.Params) != 1 || req.Params[0] != hex.EncodeToString(tx.Bytes()) {
		t.Fatalf("single body %+v", req)
	}

	var withCap struct {
		Params []any `json:"params"`
	}
	if err := json.Unmarshal(sendRawBody(tx, 8, ",0"), &withCap); err != nil || len(withCap.Params) != 2 ||
		withCap.Params[1] != 0.0 {
		t.Fatalf("body with maxfeerate: %+v %v", withCap, err)
	}

	single := singleUnits(wl.chainSingle, 10, "")
	if len(single) != 5 || len(single[0].bodies) != 10 || single[0].txs != 10 {
		t.Fatalf("single chain units: %d", len(single))
	}
	tests := []struct {
		name       string
		txs        []*wire.MsgTx
		size, grp  int
		units, per int
	}{
		{"independent", wl.indepBatch, 20, 1, 3, 20},
		{"chains rounded down", wl.chainBatch, 25, 10, 3, 20},
		{"chains at least one", wl.chainBatch, 3, 10, 5, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			units := batchUnits(tc.txs, tc.size, tc.grp, ",0")
			if len(units) != tc.units || units[0].txs != tc.per {
				t.Fatalf("%d units, first %d txs", len(units), units[0].txs)
			}
			total := 0
			for _, u := range units {
				var batch []json.RawMessage
				if len(u.bodies) != 1 || json.Unmarshal(u.bodies[0], &batch) != nil || len(batch) != u.txs {
					t.Fatalf("batch body of %d txs", u.txs)
				}
				total += u.txs
			}
			if total != len(tc.txs) {
				t.Fatalf("%d of %d txs in batches", total, len(tc.txs))
			}
		})
	}
}

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags([]string{"-n", "50", "-nodes", "ternd", "-terndargs", "--a --b"})
	if err != nil || cfg.n != 50 || len(cfg.nodes) != 1 || cfg.nodes[0] != "ternd" || len(cfg.terndArg) != 2 ||
		cfg.senders != 4 || cfg.batch != 100 || cfg.depth != 25 {
		t.Fatalf("%+v %v", cfg, err)
	}
	for _, bad := range [][]string{{"-nodes", "bitcoind"}, {"-n", "10"}, {"-feerate", "0.5"}, {"-senders", "0"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Fatalf("%v accepted", bad)
		}
	}
}

// TestRunPhase sends a phase to a fake server that rejects one
// transaction, measuring this test process as the "node".
func TestRunPhase(t *testing.T) {
	w, _ := newWallet()
	wl, err := w.buildWorkload(fakeCoins(fundingNeeded(50, 10), 1000000), 50, 10, 200)
	if err != nil {
		t.Fatal(err)
	}
	reject := hex.EncodeToString(wl.indepBatch[17].Bytes())
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if u, p, ok := r.BasicAuth(); !ok || u != "u" || p != "p" {
			rw.WriteHeader(http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(r.Body)
		answer := func(raw json.RawMessage) json.RawMessage {
			var req struct {
				ID     json.RawMessage `json:"id"`
				Params []string        `json:"params"`
			}
			json.Unmarshal(raw, &req)
			if len(req.Params) == 1 && req.Params[0] == reject {
				return json.RawMessage(`{"result":null,"error":{"code":-26,"message":"rejected"},"id":` + string(req.ID) + `}`)
			}
			return json.RawMessage(`{"result":"00","error":null,"id":` + string(req.ID) + `}`)
		}
		if bytes.HasPrefix(body, []byte("[")) {
			var batch []json.RawMessage
			json.Unmarshal(body, &batch)
			out := make([]json.RawMessage, len(batch))
			for i, b := range batch {
				out[i] = answer(b)
			}
			json.NewEncoder(rw).Encode(out)
			return
		}
		rw.Write(answer(body))
	}))
	defer srv.Close()

	self, err := benchnode.Attach("fake", os.Getpid(),
		benchnode.NewClient(strings.TrimPrefix(srv.URL, "http://"), "u", "p", 4))
	if err != nil {
		t.Fatal(err)
	}
	n := &node{Node: self}
	defer n.RPC.Close()
	ctx := context.Background()

	res, err := runPhase(ctx, n, "single", singleUnits(wl.chainSingle, 10, ""), 3)
	if err != nil || res.txs != 50 || res.accepted != 50 || res.failed != 0 || res.rate() <= 0 {
		t.Fatalf("single: %+v %v", res, err)
	}
	if requests.Load() != 50 {
		t.Fatalf("%d requests", requests.Load())
	}
	res, err = runPhase(ctx, n, "batch", batchUnits(wl.indepBatch, 20, 1, ""), 4)
	if err != nil || res.txs != 50 || res.accepted != 49 || res.failed != 1 || !strings.Contains(res.firstErr, "rejected") {
		t.Fatalf("batch: %+v %v", res, err)
	}
	if requests.Load() != 53 {
		t.Fatalf("%d requests", requests.Load())
	}

	// A server that is gone counts every transaction of the body as failed.
	srv.Close()
	res, err = runPhase(ctx, n, "gone", batchUnits(wl.indepBatch, 20, 1, ""), 2)
	if err != nil || res.accepted != 0 || res.failed != 50 || res.firstErr == "" {
		t.Fatalf("gone: %+v %v", res, err)
	}
	var info mempoolInfo
	if err := n.RPC.Call(ctx, "getmempoolinfo", &info); err == nil {
		t.Fatal("call to a closed server succeeded")
	}
}

func TestMedian(t *testing.T) {
	mk := func(acc int, secs float64, rssEnd int64) nodeResult {
		d := time.Duration(secs * float64(time.Second))
		return nodeResult{name: "x", pool: mempoolInfo{Size: 1000}, rssStartKB: 0, rssEndKB: rssEnd,
			phases: []phaseResult{{name: "a", accepted: acc, elapsed: d}, {name: "b", accepted: acc, elapsed: 2 * d}}}
	}
	got := median([]nodeResult{mk(100, 1, 3000), mk(100, 4, 1000), mk(100, 2, 2000)})
	if got.rssEndKB != 2000 || len(got.phases) != 2 || got.phases[0].rate() != 50 || got.phases[1].rate() != 25 {
		t.Fatalf("median %+v", got)
	}
	one := median([]nodeResult{mk(10, 1, 5)})
	if one.rssEndKB != 5 || one.phases[0].rate() != 10 {
		t.Fatalf("one run %+v", one)
	}
}
