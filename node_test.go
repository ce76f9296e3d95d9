package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/internal/testwallet"
	"github.com/tern-org/ternd/wire"
)

// testNode is a regtest node running in the test process; RPC methods are
// called through the server's method table (the same path an HTTP request
// takes after authentication).
type testNode struct {
	t  testing.TB
	n  *daemon
	up bool
}

// startTestNode starts a regtest node whose data lives under app.
func startTestNode(t testing.TB, app string, extra ...string) *testNode {
	t.Helper()
	return startTestNodeWith(t, app, nil, extra...)
}

// newTestDaemon builds a daemon from command-line args, with its network
// data directory created; nothing is started.
func newTestDaemon(t testing.TB, args ...string) *daemon {
	t.Helper()
	cfg, err := loadConfig(args, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(cfg.netDataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	n, err := newDaemon(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// startTestNodeWith is startTestNode with a function that may change the
// daemon once its node is built, before anything runs (nil: none).
func startTestNodeWith(t testing.TB, app string, before func(*daemon), extra ...string) *testNode {
	t.Helper()
	// --nolisten: tests must not bind the shared regtest P2P port.
	args := append([]string{"--appdata=" + app, "--regtest", "--nolisten", "--rpclisten=127.0.0.1:" + freeTCPPort(t)},
		extra...)
	n := newTestDaemon(t, args...)
	tn := &testNode{t: t, n: n}
	n.tune = before
	if err := n.start(); err != nil {
		n.stop()
		t.Fatal(err)
	}
	tn.up = true
	t.Cleanup(tn.stop)
	return tn
}

// stop shuts the node down (once).
func (tn *testNode) stop() {
	if tn.up {
		tn.up = false
		if err := tn.n.stop(); err != nil {
			tn.t.Errorf("stop: %v", err)
		}
	}
}

// call runs method with positional params.
func (tn *testNode) call(method string, params ...any) (json.RawMessage, *rpcjson.RPCError) {
	tn.t.Helper()
	if params == nil {
		params = []any{}
	}
	raw, err := json.Marshal(params)
	if err != nil {
		tn.t.Fatal(err)
	}
	return tn.n.rpc.Execute(context.Background(), method, raw)
}

// mustCall runs method and decodes its result into out (when not nil).
func (tn *testNode) mustCall(out any, method string, params ...any) json.RawMessage {
	tn.t.Helper()
	res, rerr := tn.call(method, params...)
	if rerr != nil {
		tn.t.Fatalf("%s%v: %d %s", method, params, rerr.Code, rerr.Message)
	}
	if out != nil {
		if err := json.Unmarshal(res, out); err != nil {
			tn.t.Fatalf("%s: decode %s: %v", method, res, err)
		}
	}
	return res
}

// wantError runs method and checks Core's error code and message prefix.
func (tn *testNode) wantError(code rpcjson.RPCErrorCode, msgPrefix, method string, params ...any) {
	tn.t.Helper()
	res, rerr := tn.call(method, params...)
	if rerr == nil {
		tn.t.Fatalf("%s: want error %d, got %s", method, code, res)
	}
	if rerr.Code != code || !strings.HasPrefix(rerr.Message, msgPrefix) {
		tn.t.Fatalf("%s: want %d %q..., got %d %q", method, code, msgPrefix, rerr.Code, rerr.Message)
	}
}

// testWallet is the tests' P2WPKH signer (internal/testwallet) on regtest.
type testWallet struct {
	*testwallet.Wallet
	pkScript []byte
	addr     string
}

// prevOut is an output paying a test wallet that a transaction spends.
type prevOut struct {
	op    wire.OutPoint
	value int64
}

// newTestWallet derives a deterministic key from seed.
func newTestWallet(t testing.TB, seed byte) *testWallet {
	t.Helper()
	w := testwallet.MustNew(t, seed, &chaincfg.RegressionNetParams)
	return &testWallet{Wallet: w, pkScript: w.PkScript, addr: w.Addr}
}

// spend signs a version 2 transaction spending prevs to outs, with
// sequence seq on every input.
func (w *testWallet) spend(t testing.TB, prevs []prevOut, outs []*wire.TxOut, seq uint32) *wire.MsgTx {
	t.Helper()
	return w.spendVersion(t, 2, prevs, outs, seq)
}

// spendVersion is spend for a transaction of any version.
func (w *testWallet) spendVersion(t testing.TB, version int32, prevs []prevOut, outs []*wire.TxOut,
	seq uint32) *wire.MsgTx {
	t.Helper()
	ps := make([]testwallet.PrevOut, len(prevs))
	for i, p := range prevs {
		ps[i] = testwallet.PrevOut{OutPoint: p.op, Value: p.value}
	}
	return w.MustSign(t, version, ps, outs, seq)
}

// freeTCPPort returns a free port on 127.0.0.1.
func freeTCPPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// regtestParams returns the regtest parameters.
func regtestParams(testing.TB) *chaincfg.Params { return &chaincfg.RegressionNetParams }

// txHex serializes tx.
func txHex(tx *wire.MsgTx) string { return hex.EncodeToString(tx.Bytes()) }

// blockVerbose is the part of getblock's result the tests read.
type blockVerbose struct {
	Hash          string   `json:"hash"`
	Height        int32    `json:"height"`
	Confirmations int32    `json:"confirmations"`
	Tx            []string `json:"tx"`
}

// coinbaseOf returns the coinbase txid of the block at height.
func (tn *testNode) coinbaseOf(height int) chainhash.Hash {
	var hash string
	tn.mustCall(&hash, "getblockhash", height)
	var b blockVerbose
	tn.mustCall(&b, "getblock", hash, 1)
	h, err := chainhash.NewHashFromStr(b.Tx[0])
	if err != nil {
		tn.t.Fatal(err)
	}
	return *h
}

// mempoolHas reports whether getrawmempool lists txid.
func (tn *testNode) mempoolHas(txid chainhash.Hash) bool {
	var ids []string
	tn.mustCall(&ids, "getrawmempool")
	return slices.Contains(ids, txid.String())
}

// blockCount returns getblockcount.
func (tn *testNode) blockCount() int {
	var n int
	tn.mustCall(&n, "getblockcount")
	return n
}

// TestNodeEndToEnd drives a regtest node through RPC: mining to a key the
// test holds, a signed P2WPKH spend through the pool into a block, a
// replacement, Core's rejection codes, invalidate/reconsider, templates and
// a restart that keeps the chain and the pool.
func TestNodeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("mines a regtest chain")
	}
	app := t.TempDir()
	tn := startTestNode(t, app)
	w := newTestWallet(t, 7)
	const coin = 100000000

	var hashes []string
	tn.mustCall(&hashes, "generatetoaddress", 101, w.addr)
	if len(hashes) != 101 || tn.blockCount() != 101 {
		t.Fatalf("generated %d blocks, count %d", len(hashes), tn.blockCount())
	}
	var best string
	tn.mustCall(&best, "getbestblockhash")
	if best != hashes[100] {
		t.Fatalf("best %s, want %s", best, hashes[100])
	}

	// The first coinbase is mature and pays the wallet.
	cb1 := tn.coinbaseOf(1)
	var txout struct {
		BestBlock     string  `json:"bestblock"`
		Confirmations int     `json:"confirmations"`
		Value         float64 `json:"value"`
		ScriptPubKey  struct {
			Address string `json:"address"`
			Type    string `json:"type"`
			Desc    string `json:"desc"`
		} `json:"scriptPubKey"`
		Coinbase bool `json:"coinbase"`
	}
	tn.mustCall(&txout, "gettxout", cb1.String(), 0)
	if txout.Value != 50 || txout.Confirmations != 101 || !txout.Coinbase ||
		txout.ScriptPubKey.Address != w.addr || txout.ScriptPubKey.Type != "witness_v0_keyhash" ||
		!strings.HasPrefix(txout.ScriptPubKey.Desc, "addr("+w.addr+")#") {
		t.Fatalf("gettxout: %+v", txout)
	}

	// A signed P2WPKH spend enters the pool.
	tx1 := w.spend(t, []prevOut{{wire.OutPoint{Hash: cb1}, 50 * coin}},
		[]*wire.TxOut{{Value: 50*coin - 10000, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum-2)
	var txid string
	tn.mustCall(&txid, "sendrawtransaction", txHex(tx1))
	if txid != tx1.TxHash().String() || !tn.mempoolHas(tx1.TxHash()) {
		t.Fatalf("sendrawtransaction: %s", txid)
	}
	// Sending it again returns the txid (already pooled).
	tn.mustCall(&txid, "sendrawtransaction", txHex(tx1))
	var entry struct {
		VSize int64 `json:"vsize"`
		Fees  struct {
			Base float64 `json:"base"`
		} `json:"fees"`
		Wtxid       string `json:"wtxid"`
		Replaceable bool   `json:"bip125-replaceable"`
		Unbroadcast bool   `json:"unbroadcast"`
	}
	tn.mustCall(&entry, "getmempoolentry", txid)
	if entry.Fees.Base != 0.0001 || entry.Wtxid != tx1.WitnessHash().String() || !entry.Replaceable ||
		!entry.Unbroadcast {
		t.Fatalf("getmempoolentry: %+v", entry)
	}
	var rawHex string
	tn.mustCall(&rawHex, "getrawtransaction", txid)
	if rawHex != txHex(tx1) {
		t.Fatal("getrawtransaction hex differs")
	}
	var accept []map[string]any
	tn.mustCall(&accept, "testmempoolaccept", []string{txHex(tx1)})
	if accept[0]["allowed"] != false || accept[0]["reject-reason"] != "txn-already-in-mempool" {
		t.Fatalf("testmempoolaccept: %v", accept)
	}

	// Core's rejection codes.
	tn.wantError(rpcjson.ErrRPCDeserialization, "TX decode failed", "sendrawtransaction", "00zz")
	missing := w.spend(t, []prevOut{{wire.OutPoint{Hash: chainhash.Hash{1}}, coin}},
		[]*wire.TxOut{{Value: coin - 1000, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum)
	tn.wantError(rpcjson.ErrRPCVerify, "bad-txns-inputs-missingorspent", "sendrawtransaction", txHex(missing))
	immature := w.spend(t, []prevOut{{wire.OutPoint{Hash: tn.coinbaseOf(50)}, 50 * coin}},
		[]*wire.TxOut{{Value: 50*coin - 10000, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum)
	tn.wantError(rpcjson.ErrRPCVerifyRejected, "bad-txns-premature-spend-of-coinbase",
		"sendrawtransaction", txHex(immature))
	other := newTestWallet(t, 9)
	cb2 := tn.coinbaseOf(2)
	badSig := other.spend(t, []prevOut{{wire.OutPoint{Hash: cb2}, 50 * coin}},
		[]*wire.TxOut{{Value: 50*coin - 10000, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum)
	tn.wantError(rpcjson.ErrRPCVerifyRejected,
		"mempool-script-verify-flag-failed (Script failed an OP_EQUALVERIFY operation)", "sendrawtransaction", txHex(badSig))
	highFee := w.spend(t, []prevOut{{wire.OutPoint{Hash: cb2}, 50 * coin}},
		[]*wire.TxOut{{Value: coin, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum)
	tn.wantError(rpcjson.ErrRPCVerify, "Fee exceeds maximum configured by user", "sendrawtransaction",
		txHex(highFee))

	// A replacement paying more takes tx1's place; one paying less is refused.
	tx1b := w.spend(t, []prevOut{{wire.OutPoint{Hash: cb1}, 50 * coin}},
		[]*wire.TxOut{{Value: 50*coin - 20000, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum)
	tn.mustCall(&txid, "sendrawtransaction", txHex(tx1b))
	if tn.mempoolHas(tx1.TxHash()) || !tn.mempoolHas(tx1b.TxHash()) {
		t.Fatal("replacement did not replace")
	}
	tx1c := w.spend(t, []prevOut{{wire.OutPoint{Hash: cb1}, 50 * coin}},
		[]*wire.TxOut{{Value: 50*coin - 15000, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum)
	tn.wantError(rpcjson.ErrRPCVerifyRejected, "insufficient fee", "sendrawtransaction", txHex(tx1c))

	// Mining confirms it.
	tn.mustCall(&hashes, "generatetoaddress", 1, w.addr)
	if tn.mempoolHas(tx1b.TxHash()) {
		t.Fatal("confirmed transaction still pooled")
	}
	var blk blockVerbose
	tn.mustCall(&blk, "getblock", hashes[0], 1)
	if blk.Height != 102 || len(blk.Tx) != 2 || blk.Tx[1] != tx1b.TxHash().String() {
		t.Fatalf("getblock: %+v", blk)
	}
	var blk2 struct {
		Tx []struct {
			Txid string `json:"txid"`
			Hex  string `json:"hex"`
		} `json:"tx"`
	}
	tn.mustCall(&blk2, "getblock", hashes[0], 2)
	if blk2.Tx[1].Txid != tx1b.TxHash().String() || blk2.Tx[1].Hex != txHex(tx1b) {
		t.Fatalf("getblock 2: %+v", blk2)
	}
	var blk3 struct {
		Tx []struct {
			Fee *float64 `json:"fee"`
			Vin []struct {
				Prevout *struct {
					Generated bool    `json:"generated"`
					Height    int     `json:"height"`
					Value     float64 `json:"value"`
				} `json:"prevout"`
			} `json:"vin"`
		} `json:"tx"`
	}
	tn.mustCall(&blk3, "getblock", hashes[0], 3)
	if p := blk3.Tx[1].Vin[0].Prevout; blk3.Tx[0].Fee != nil || blk3.Tx[1].Fee == nil || *blk3.Tx[1].Fee != 0.0002 ||
		p == nil || !p.Generated || p.Height != 1 || p.Value != 50 {
		t.Fatalf("getblock 3: %+v", blk3)
	}
	tn.mustCall(&txout, "gettxout", tx1b.TxHash().String(), 0)
	if txout.Confirmations != 1 || txout.Value != 49.9998 || txout.Coinbase {
		t.Fatalf("gettxout: %+v", txout)
	}
	if res, _ := tn.call("gettxout", cb1.String(), 0); string(res) != "null" {
		t.Fatalf("spent coinbase: %s", res)
	}
	tn.wantError(rpcjson.ErrRPCVerifyAlreadyInChain, "Transaction outputs already in utxo set",
		"sendrawtransaction", txHex(tx1b))
	var verboseTx struct {
		Confirmations int    `json:"confirmations"`
		BlockHash     string `json:"blockhash"`
	}
	tn.mustCall(&verboseTx, "getrawtransaction", tx1b.TxHash().String(), 1, hashes[0])
	if verboseTx.Confirmations != 1 || verboseTx.BlockHash != hashes[0] {
		t.Fatalf("getrawtransaction in block: %+v", verboseTx)
	}
	var verbose2 struct {
		Fee float64 `json:"fee"`
		Vin []struct {
			Prevout struct {
				Value float64 `json:"value"`
			} `json:"prevout"`
		} `json:"vin"`
	}
	tn.mustCall(&verbose2, "getrawtransaction", tx1b.TxHash().String(), 2, hashes[0])
	if verbose2.Fee != 0.0002 || verbose2.Vin[0].Prevout.Value != 50 {
		t.Fatalf("getrawtransaction verbosity 2: %+v", verbose2)
	}
	tn.wantError(rpcjson.ErrRPCInvalidAddressOrKey, "No such mempool transaction", "getrawtransaction",
		tx1b.TxHash().String())

	// A parent and child in the pool.
	tx2 := w.spend(t, []prevOut{{wire.OutPoint{Hash: tx1b.TxHash()}, 50*coin - 20000}},
		[]*wire.TxOut{{Value: 40 * coin, PkScript: w.pkScript}, {Value: 10*coin - 30000, PkScript: w.pkScript}},
		wire.MaxTxInSequenceNum)
	tx3 := w.spend(t, []prevOut{{wire.OutPoint{Hash: tx2.TxHash(), Index: 1}, 10*coin - 30000}},
		[]*wire.TxOut{{Value: 10*coin - 40000, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum)
	tn.mustCall(nil, "sendrawtransaction", txHex(tx2))
	tn.mustCall(nil, "sendrawtransaction", txHex(tx3))
	var rel []string
	tn.mustCall(&rel, "getmempoolancestors", tx3.TxHash().String())
	if len(rel) != 1 || rel[0] != tx2.TxHash().String() {
		t.Fatalf("ancestors: %v", rel)
	}
	tn.mustCall(&rel, "getmempooldescendants", tx2.TxHash().String())
	if len(rel) != 1 || rel[0] != tx3.TxHash().String() {
		t.Fatalf("descendants: %v", rel)
	}
	var info struct {
		Size     int     `json:"size"`
		TotalFee float64 `json:"total_fee"`
		Loaded   bool    `json:"loaded"`
	}
	tn.mustCall(&info, "getmempoolinfo")
	if info.Size != 2 || info.TotalFee != 0.0002 || !info.Loaded {
		t.Fatalf("getmempoolinfo: %+v", info)
	}

	// Invalidating the tip puts tx1b back; reconsidering confirms it again.
	tn.mustCall(nil, "invalidateblock", hashes[0])
	if tn.blockCount() != 101 || !tn.mempoolHas(tx1b.TxHash()) || !tn.mempoolHas(tx3.TxHash()) {
		t.Fatal("invalidateblock did not return the block's transactions to the pool")
	}
	var tips []struct {
		Hash   string `json:"hash"`
		Status string `json:"status"`
	}
	tn.mustCall(&tips, "getchaintips")
	if !slices.ContainsFunc(tips, func(x struct {
		Hash   string `json:"hash"`
		Status string `json:"status"`
	}) bool {
		return x.Hash == hashes[0] && x.Status == "invalid"
	}) {
		t.Fatalf("getchaintips: %+v", tips)
	}
	tn.mustCall(nil, "reconsiderblock", hashes[0])
	tn.mustCall(&best, "getbestblockhash")
	if best != hashes[0] || tn.mempoolHas(tx1b.TxHash()) || !tn.mempoolHas(tx2.TxHash()) {
		t.Fatal("reconsiderblock did not restore the tip")
	}

	// The template orders parent before child; generateblock mines tx2 alone.
	var tmpl struct {
		Height       int32 `json:"height"`
		Transactions []struct {
			Txid    string `json:"txid"`
			Depends []int  `json:"depends"`
			Fee     int64  `json:"fee"`
		} `json:"transactions"`
		CoinbaseValue int64    `json:"coinbasevalue"`
		Rules         []string `json:"rules"`
	}
	tn.mustCall(&tmpl, "getblocktemplate", map[string]any{"rules": []string{"segwit"}})
	if tmpl.Height != 103 || len(tmpl.Transactions) != 2 || tmpl.Transactions[0].Txid != tx2.TxHash().String() ||
		!slices.Equal(tmpl.Transactions[1].Depends, []int{1}) || tmpl.CoinbaseValue != 50*coin+20000 {
		t.Fatalf("getblocktemplate: %+v", tmpl)
	}
	var gen struct {
		Hash string `json:"hash"`
	}
	tn.mustCall(&gen, "generateblock", w.addr, []string{tx2.TxHash().String()})
	if tn.blockCount() != 103 || tn.mempoolHas(tx2.TxHash()) || !tn.mempoolHas(tx3.TxHash()) {
		t.Fatal("generateblock")
	}
	tn.wantError(rpcjson.ErrRPCVerify, "TestBlockValidity failed: bad-txns-inputs-missingorspent",
		"generateblock", w.addr, []string{txHex(missing)})
	var raw string
	tn.mustCall(&raw, "getblock", gen.Hash, 0)
	var submit any
	tn.mustCall(&submit, "submitblock", raw)
	if submit != "duplicate" {
		t.Fatalf("submitblock: %v", submit)
	}
	var ok bool
	tn.mustCall(&ok, "verifychain", 4, 0)
	if !ok {
		t.Fatal("verifychain")
	}
	var set struct {
		Height      int32   `json:"height"`
		TotalAmount float64 `json:"total_amount"`
		Hash        string  `json:"hash_serialized_3"`
		BogoSize    int64   `json:"bogosize"`
		TxOuts      int64   `json:"txouts"`
	}
	tn.mustCall(&set, "gettxoutsetinfo")
	if set.Height != 103 || set.TotalAmount != 103*50 || len(set.Hash) != 64 || set.BogoSize <= 50*set.TxOuts {
		t.Fatalf("gettxoutsetinfo: %+v", set)
	}

	// A restart keeps the chain and the pool.
	tn.stop()
	if _, err := os.Stat(tn.n.cfg.netDataDir + "/mempool.dat"); err != nil {
		t.Fatal(err)
	}
	tn = startTestNode(t, app)
	if tn.blockCount() != 103 || !tn.mempoolHas(tx3.TxHash()) {
		t.Fatalf("after restart: count %d, pool has tx3 %v", tn.blockCount(), tn.mempoolHas(tx3.TxHash()))
	}
	tn.mustCall(&hashes, "generatetoaddress", 1, w.addr)
	if tn.mempoolHas(tx3.TxHash()) {
		t.Fatal("tx3 not mined after restart")
	}
}

// TestNodeOverHTTP runs a mining call and a rejected transaction through
// the real HTTP listener with cookie authentication.
func TestNodeOverHTTP(t *testing.T) {
	tn := startTestNode(t, t.TempDir())
	addrs := tn.n.rpc.Addrs()
	if len(addrs) == 0 {
		t.Fatal("no RPC listener")
	}
	user, pass, err := rpcjson.ReadCookie(tn.n.cfg.netDataDir + "/" + rpcjson.CookieFileName)
	if err != nil {
		t.Fatal(err)
	}
	c := &rpcjson.Client{URL: "http://" + addrs[0].String() + "/", User: user, Pass: pass}
	ctx := t.Context()
	var hashes []string
	if err := c.CallResult(ctx, &hashes, "generatetoaddress", 2, newTestWallet(t, 17).addr); err != nil ||
		len(hashes) != 2 {
		t.Fatalf("generatetoaddress: %v %v", hashes, err)
	}
	var count int
	if err := c.CallResult(ctx, &count, "getblockcount"); err != nil || count != 2 {
		t.Fatalf("getblockcount: %d %v", count, err)
	}
	_, err = c.Call(ctx, "sendrawtransaction", "beef")
	if rerr := rpcjson.AsRPCError(err); rerr == nil || rerr.Code != rpcjson.ErrRPCDeserialization {
		t.Fatalf("sendrawtransaction: %v", err)
	}
}

// TestFeeEstimation feeds the estimator through RPC (transactions at a
// fee rate confirmed in the next block, over many blocks) and checks that
// estimatesmartfee answers, and that the history survives a restart.
func TestFeeEstimation(t *testing.T) {
	app := t.TempDir()
	tn := startTestNode(t, app)
	w := newTestWallet(t, 18)
	var hashes []string
	tn.mustCall(&hashes, "generatetoaddress", 100+130, w.addr)
	var fee map[string]any
	tn.mustCall(&fee, "estimatesmartfee", 2)
	if _, ok := fee["feerate"]; ok {
		t.Fatalf("estimate without data: %v", fee)
	}
	next := 1
	for b := 0; b < 40; b++ {
		for i := 0; i < 3; i++ {
			// 2,000 sat/kvB-ish: fee 300 sat on a ~110 vB spend.
			tx := w.spend(t, []prevOut{{wire.OutPoint{Hash: tn.coinbaseOf(next)}, 5000000000}},
				[]*wire.TxOut{{Value: 5000000000 - 300, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum)
			next++
			tn.mustCall(nil, "sendrawtransaction", txHex(tx))
		}
		tn.mustCall(&hashes, "generatetoaddress", 1, w.addr)
	}
	var est struct {
		FeeRate float64  `json:"feerate"`
		Errors  []string `json:"errors"`
		Blocks  int      `json:"blocks"`
	}
	tn.mustCall(&est, "estimatesmartfee", 2)
	if est.FeeRate <= 0 || len(est.Errors) != 0 || est.Blocks != 2 {
		t.Fatalf("estimatesmartfee: %+v", est)
	}
	first := est.FeeRate
	tn.mustCall(&est, "estimatesmartfee", 6, "conservative")
	if est.FeeRate <= 0 {
		t.Fatalf("conservative: %+v", est)
	}
	tn.stop()
	tn = startTestNode(t, app)
	tn.mustCall(&est, "estimatesmartfee", 2)
	if est.FeeRate != first {
		t.Fatalf("after restart: %+v, want %v", est, first)
	}
}

// TestConcurrentRPC runs mining, submissions, invalidations and queries on
// several goroutines at once: no deadlock, no error other than Core's
// rejections, and a consistent pool afterwards.
func TestConcurrentRPC(t *testing.T) {
	tn := startTestNode(t, t.TempDir())
	w := newTestWallet(t, 20)
	var hashes []string
	tn.mustCall(&hashes, "generatetoaddress", 140, w.addr)
	txs := make([]*wire.MsgTx, 30)
	for i := range txs {
		txs[i] = w.spend(t, []prevOut{{wire.OutPoint{Hash: tn.coinbaseOf(i + 1)}, 5000000000}},
			[]*wire.TxOut{{Value: 4999990000, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	run := func(f func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f()
		}()
	}
	run(func() {
		for _, tx := range txs {
			if _, rerr := tn.call("sendrawtransaction", txHex(tx)); rerr != nil &&
				rerr.Code != rpcjson.ErrRPCVerifyAlreadyInChain {
				errs <- rerr.Message
			}
		}
	})
	run(func() {
		for i := 0; i < 10; i++ {
			var hs []string
			res, rerr := tn.call("generatetoaddress", 1, w.addr)
			if rerr != nil {
				errs <- rerr.Message
				continue
			}
			_ = json.Unmarshal(res, &hs)
			if i%3 == 0 && len(hs) == 1 {
				tn.call("invalidateblock", hs[0])
				tn.call("reconsiderblock", hs[0])
			}
		}
	})
	run(func() {
		for i := 0; i < 30; i++ {
			for _, m := range []string{"getrawmempool", "getmempoolinfo", "getblockchaininfo", "getchaintips"} {
				if _, rerr := tn.call(m); rerr != nil {
					errs <- m + ": " + rerr.Message
				}
			}
			if _, rerr := tn.call("getblocktemplate", map[string]any{"rules": []string{"segwit"}}); rerr != nil {
				errs <- rerr.Message
			}
		}
	})
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	// Every pooled transaction is still valid: mining them all works.
	tn.mustCall(&hashes, "generatetoaddress", 1, w.addr)
	var ids []string
	tn.mustCall(&ids, "getrawmempool")
	if len(ids) != 0 {
		t.Fatalf("pool not emptied by mining: %d left", len(ids))
	}
	for _, tx := range txs {
		if res, _ := tn.call("gettxout", tx.TxHash().String(), 0); string(res) == "null" {
			t.Fatalf("%v not confirmed", tx.TxHash())
		}
	}
}
