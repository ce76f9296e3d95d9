package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/tern-org/ternd/internal/indexers"
	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/wire"
)

// Core's getrawtransaction errors for a transaction neither in the pool
// nor (with -txindex) in the index.
const (
	errNoTxIndex = "No such mempool transaction. Use -txindex or provide a block hash to enable " +
		"blockchain transaction queries. Use gettransaction for wallet transactions."
	errTxIndexSyncing = "No such mempool transaction. Blockchain transactions are still in the " +
		"process of being indexed. Use gettransaction for wallet transactions."
	errTxNotIndexed = "No such mempool or blockchain transaction. Use gettransaction for wallet transactions."
)

// waitIndexSynced polls getindexinfo until the transaction index is synced
// at height.
// indexInfoJSON is one index's entry in getindexinfo's result.
type indexInfoJSON struct {
	Synced          bool  `json:"synced"`
	BestBlockHeight int32 `json:"best_block_height"`
}

func (tn *testNode) waitIndexSynced(height int32) {
	tn.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var info map[string]indexInfoJSON
	for time.Now().Before(deadline) {
		tn.mustCall(&info, "getindexinfo")
		if ti, ok := info[indexers.TxIndexName]; ok && ti.Synced && ti.BestBlockHeight == height {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	tn.t.Fatalf("txindex not synced at %d: %+v", height, info)
}

// wantRPCError checks the exact code and message of a failing call.
func (tn *testNode) wantRPCError(code rpcjson.RPCErrorCode, msg, method string, params ...any) {
	tn.t.Helper()
	res, rerr := tn.call(method, params...)
	if rerr == nil {
		tn.t.Fatalf("%s%v: want error %q, got %s", method, params, msg, res)
	}
	if rerr.Code != code || rerr.Message != msg {
		tn.t.Fatalf("%s%v: got %d %q, want %d %q", method, params, rerr.Code, rerr.Message, code, msg)
	}
}

// rawTxVerbose is the part of getrawtransaction's verbose result the
// tests read; a pointer is nil when the field is absent.
type rawTxVerbose struct {
	Txid          string   `json:"txid"`
	Hex           string   `json:"hex"`
	InActiveChain *bool    `json:"in_active_chain"`
	BlockHash     *string  `json:"blockhash"`
	Confirmations *int     `json:"confirmations"`
	Time          *int64   `json:"time"`
	BlockTime     *int64   `json:"blocktime"`
	Fee           *float64 `json:"fee"`
}

// TestTxIndexGetRawTransaction mines a spend on a --txindex node and finds
// it without a block hash; invalidateblock takes it out of the index (back
// to the pool), reconsiderblock brings it back, and a restart keeps it.
func TestTxIndexGetRawTransaction(t *testing.T) {
	app := t.TempDir()
	tn := startTestNode(t, app, "--txindex")
	tn.waitIndexSynced(0)
	w := newTestWallet(t, 21)
	tn.mustCall(nil, "generatetoaddress", 101, w.addr)
	tx := w.spend(t, []prevOut{{wire.OutPoint{Hash: tn.coinbaseOf(1)}, 5000000000}},
		[]*wire.TxOut{{Value: 4999990000, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum)
	txid := tx.TxHash().String()
	tn.mustCall(nil, "sendrawtransaction", txHex(tx))
	var mined []string
	tn.mustCall(&mined, "generatetoaddress", 1, w.addr)
	tn.waitIndexSynced(102)

	var hexTx string
	tn.mustCall(&hexTx, "getrawtransaction", txid)
	if hexTx != txHex(tx) {
		t.Fatalf("hex %s", hexTx)
	}
	var v rawTxVerbose
	tn.mustCall(&v, "getrawtransaction", txid, 1)
	if v.Txid != txid || v.Hex != txHex(tx) || v.BlockHash == nil || *v.BlockHash != mined[0] ||
		v.Confirmations == nil || *v.Confirmations != 1 || v.Time == nil || v.BlockTime == nil ||
		*v.Time != *v.BlockTime || v.InActiveChain != nil {
		t.Fatalf("verbose: %+v", v)
	}
	var v2 rawTxVerbose
	tn.mustCall(&v2, "getrawtransaction", txid, 2)
	if v2.Fee == nil || *v2.Fee != 0.0001 || v2.InActiveChain != nil || *v2.BlockHash != mined[0] {
		t.Fatalf("verbosity 2: %+v", v2)
	}
	var ve rawTxVerbose
	tn.mustCall(&ve, "getrawtransaction", txid, true, mined[0])
	if ve.InActiveChain == nil || !*ve.InActiveChain {
		t.Fatalf("explicit block hash: %+v", ve)
	}
	// An old coinbase, confirmed 98 blocks deep.
	cb5 := tn.coinbaseOf(5)
	var vc rawTxVerbose
	tn.mustCall(&vc, "getrawtransaction", cb5.String(), 1)
	if vc.Confirmations == nil || *vc.Confirmations != 98 {
		t.Fatalf("coinbase: %+v", vc)
	}
	tn.wantRPCError(rpcjson.ErrRPCInvalidAddressOrKey,
		"The genesis block coinbase is not considered an ordinary transaction and cannot be retrieved",
		"getrawtransaction", regtestParams(t).GenesisBlock.Transactions[0].TxHash().String())

	var info map[string]indexInfoJSON
	raw := tn.mustCall(&info, "getindexinfo")
	if string(raw) != `{"txindex":{"synced":true,"best_block_height":102}}` {
		t.Fatalf("getindexinfo: %s", raw)
	}
	raw = tn.mustCall(nil, "getindexinfo", "txindex")
	if string(raw) != `{"txindex":{"synced":true,"best_block_height":102}}` {
		t.Fatalf("getindexinfo txindex: %s", raw)
	}
	if raw = tn.mustCall(nil, "getindexinfo", "basic block filter index"); string(raw) != `{}` {
		t.Fatalf("getindexinfo other: %s", raw)
	}

	// Invalidating the block: the spend is no longer confirmed (it is
	// back in the pool), and its coinbase is found nowhere.
	var cb102 blockVerbose
	tn.mustCall(&cb102, "getblock", mined[0], 1)
	tn.mustCall(nil, "invalidateblock", mined[0])
	var vi rawTxVerbose
	tn.mustCall(&vi, "getrawtransaction", txid, 1)
	if vi.BlockHash != nil || vi.Confirmations != nil {
		t.Fatalf("after invalidateblock: %+v", vi)
	}
	tn.wantRPCError(rpcjson.ErrRPCInvalidAddressOrKey, errTxNotIndexed, "getrawtransaction", cb102.Tx[0])
	tn.waitIndexSynced(101)

	tn.mustCall(nil, "reconsiderblock", mined[0])
	tn.mustCall(&v, "getrawtransaction", cb102.Tx[0], 1)
	if v.BlockHash == nil || *v.BlockHash != mined[0] {
		t.Fatalf("after reconsiderblock: %+v", v)
	}

	// A restart finds the index where it was.
	tn.stop()
	tn = startTestNode(t, app, "--txindex")
	tn.waitIndexSynced(102)
	tn.mustCall(&v, "getrawtransaction", txid, 1)
	if v.BlockHash == nil || *v.BlockHash != mined[0] {
		t.Fatalf("after restart: %+v", v)
	}
}

// TestRawTransactionWithoutTxIndex keeps Core's error without the index,
// then turns --txindex on for the existing chain, which the index catches
// up with in the background.
func TestRawTransactionWithoutTxIndex(t *testing.T) {
	app := t.TempDir()
	tn := startTestNode(t, app)
	w := newTestWallet(t, 22)
	tn.mustCall(nil, "generatetoaddress", 30, w.addr)
	cb := tn.coinbaseOf(10).String()
	tn.wantRPCError(rpcjson.ErrRPCInvalidAddressOrKey, errNoTxIndex, "getrawtransaction", cb)
	if raw := tn.mustCall(nil, "getindexinfo"); string(raw) != `{}` {
		t.Fatalf("getindexinfo without the index: %s", raw)
	}
	tn.stop()

	tn = startTestNode(t, app, "--txindex")
	tn.waitIndexSynced(30)
	var v rawTxVerbose
	tn.mustCall(&v, "getrawtransaction", cb, 1)
	if v.Confirmations == nil || *v.Confirmations != 21 {
		t.Fatalf("after catch-up: %+v", v)
	}
}

// TestTxIndexSyncingError checks Core's message while the index has not
// caught up: an index opened on the node's chain but not running.
func TestTxIndexSyncingError(t *testing.T) {
	app, indexDir := t.TempDir(), t.TempDir()
	tn := startTestNode(t, app)
	tn.mustCall(nil, "generatetoaddress", 3, newTestWallet(t, 23).addr)
	tn.stop()
	// Restarted with an index that never runs: it stays at genesis.
	var ix *indexers.TxIndex
	tn = startTestNodeWith(t, app, func(d *daemon) {
		var err error
		if ix, err = indexers.OpenTxIndex(filepath.Join(indexDir, "txindex"), d.core.chain); err != nil {
			t.Fatal(err)
		}
		d.core.txIndex = ix
	})
	t.Cleanup(func() { ix.Close() })
	tn.wantRPCError(rpcjson.ErrRPCInvalidAddressOrKey, errTxIndexSyncing, "getrawtransaction",
		tn.coinbaseOf(2).String())
	var info map[string]json.RawMessage
	if raw := tn.mustCall(&info, "getindexinfo"); string(raw) != `{"txindex":{"synced":false,"best_block_height":0}}` {
		t.Fatalf("getindexinfo: %s", raw)
	}
	tn.wantError(rpcjson.ErrRPCType, "JSON value of type number", "getindexinfo", 5)
}
