package rpcserver

import (
	"bytes"
	"encoding/hex"
	"sort"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/txscript/descriptor"
	"github.com/tern-org/ternd/wire"
)

// ForEachUtxo walks the stub's UTXO set in outpoint order.
func (c *testRPCChain) ForEachUtxo(fn func(wire.OutPoint, *blockchain.UtxoEntry) error) (chainhash.Hash, int32, error) {
	c.mu.Lock()
	ops := make([]wire.OutPoint, 0, len(c.utxos))
	for op := range c.utxos {
		ops = append(ops, op)
	}
	entries := make(map[wire.OutPoint]*blockchain.UtxoEntry, len(c.utxos))
	for op, e := range c.utxos {
		entries[op] = e
	}
	c.mu.Unlock()
	sort.Slice(ops, func(i, j int) bool {
		if d := bytes.Compare(ops[i].Hash[:], ops[j].Hash[:]); d != 0 {
			return d < 0
		}
		return ops[i].Index < ops[j].Index
	})
	for _, op := range ops {
		if err := fn(op, entries[op]); err != nil {
			return chainhash.Hash{}, 0, err
		}
	}
	best := c.BestSnapshot()
	return best.Hash, best.Height, nil
}

// TestScanTxOutSet finds the outputs paying a descriptor's scripts (a
// ranged one and an addr()), and checks status, abort and the errors.
func TestScanTxOutSet(t *testing.T) {
	e := newHandlerEnv(t, regtestParams(t), nil)
	k, wif := testKey(t, 5)
	pkh := txscript.PayToPubKeyHashScript(txscript.Hash160(k.PubKey().SerializeCompressed()))
	e.addCoin(wire.OutPoint{Hash: chainhash.Hash{1}, Index: 0}, 1000, pkh)
	e.addCoin(wire.OutPoint{Hash: chainhash.Hash{2}, Index: 3}, 2500, e.wallet.PkScript)
	e.addCoin(wire.OutPoint{Hash: chainhash.Hash{3}, Index: 1}, 7, []byte{txscript.OP_TRUE})

	var r struct {
		Success     bool              `json:"success"`
		TxOuts      int64             `json:"txouts"`
		Height      int32             `json:"height"`
		Unspents    []scanUnspentJSON `json:"unspents"`
		TotalAmount float64           `json:"total_amount"`
	}
	objs := []any{"pkh(" + wif + ")", map[string]any{"desc": "addr(" + e.wallet.Addr + ")"}}
	e.mustCall(t, &r, "scantxoutset", "start", objs)
	if !r.Success || r.TxOuts != 3 || len(r.Unspents) != 2 || r.TotalAmount != 0.000035 || r.Height != 1 {
		t.Fatalf("scantxoutset = %+v", r)
	}
	if r.Unspents[1].Vout != 3 || r.Unspents[1].Confirmations != 1 || r.Unspents[1].BlockHash == "" {
		t.Fatalf("unspent = %+v", r.Unspents[1])
	}
	pkhDesc := descriptor.AddChecksum("pkh(" + hex.EncodeToString(k.PubKey().SerializeCompressed()) + ")")
	if r.Unspents[0].Desc != pkhDesc || !strings.HasPrefix(r.Unspents[1].Desc, "addr("+e.wallet.Addr+")#") {
		t.Fatalf("descs %q, %q; want %q and addr()", r.Unspents[0].Desc, r.Unspents[1].Desc, pkhDesc)
	}

	// A ranged descriptor scans [0,1000] by default, or the given range.
	ranged := descriptor.AddChecksum("pkh(tprv8ZgxMBicQKsPd9TeAdPADNnSyH9SSUUbTVeFszDE23Ki6TBB5nCefAdHkK8Fm3qMQR6sHwA56zqRmKmxnHk37JkiFzvncDqoKmPWubu7hDF/0/*)")
	d, _ := descriptor.Parse(ranged, regtestParams(t), true)
	s7, _ := d.Scripts(7)
	e.addCoin(wire.OutPoint{Hash: chainhash.Hash{4}}, 99, s7[0])
	e.mustCall(t, &r, "scantxoutset", "start", []any{ranged})
	if len(r.Unspents) != 1 || r.Unspents[0].Txid != (chainhash.Hash{4}).String() ||
		!strings.HasPrefix(r.Unspents[0].Desc, "pkh([") || !strings.Contains(r.Unspents[0].Desc, "/0/7]") {
		t.Fatalf("ranged scan = %+v", r)
	}
	r.Unspents = nil
	e.mustCall(t, &r, "scantxoutset", "start", []any{map[string]any{"desc": ranged, "range": []int{0, 6}}})
	if len(r.Unspents) != 0 {
		t.Fatalf("range [0,6] found %+v", r.Unspents)
	}

	res := e.mustCall(t, nil, "scantxoutset", "status")
	if string(res) != "null" {
		t.Fatalf("status without a scan = %s", res)
	}
	res = e.mustCall(t, nil, "scantxoutset", "abort")
	if string(res) != "false" {
		t.Fatalf("abort without a scan = %s", res)
	}
	_, rerr := e.call(t, "scantxoutset", "foo")
	if rerr == nil || rerr.Code != rpcjson.ErrRPCInvalidParameter || rerr.Message != "Invalid action 'foo'" {
		t.Fatalf("bad action: %v", rerr)
	}
	_, rerr = e.call(t, "scantxoutset", "start", []any{"bad("})
	if rerr == nil || rerr.Code != rpcjson.ErrRPCInvalidAddressOrKey {
		t.Fatalf("bad descriptor: %v", rerr)
	}

	// A scan in progress refuses another and reports its progress.
	e.srv.scan.running = true
	_, rerr = e.call(t, "scantxoutset", "start", objs)
	if rerr == nil || rerr.Message != `Scan already in progress, use action "abort" or "status"` {
		t.Fatalf("second scan: %v", rerr)
	}
	res = e.mustCall(t, nil, "scantxoutset", "status")
	if string(res) != `{"progress":0}` {
		t.Fatalf("status = %s", res)
	}
	res = e.mustCall(t, nil, "scantxoutset", "abort")
	if string(res) != "true" || !e.srv.scan.abort.Load() {
		t.Fatalf("abort = %s", res)
	}
	e.srv.scan.running = false
}
