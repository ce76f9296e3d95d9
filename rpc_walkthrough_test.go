package main

import (
	"encoding/json"
	"testing"
)

// walkthroughWIF and walkthroughAddr are the README's regtest key (the
// private key 0x1111...11, compressed) and its P2WPKH address.
const (
	walkthroughWIF  = "cN9spWsvaxA8taS7DFMxnk1yJD2gaF2PX1npuTpy3vuZFJdwavaw"
	walkthroughAddr = "bcrt1ql3e9pgs3mmwuwrh95fecme0s0qtn2880hlwwpw"
)

// TestWalletlessWalkthrough runs the README's walkthrough through the RPC
// table of an in-process regtest node: a WIF key's address from
// getdescriptorinfo and deriveaddresses, 101 blocks mined to it, a spend
// of the first coinbase built with createrawtransaction, signed with
// signrawtransactionwithkey, sent, and mined.
func TestWalletlessWalkthrough(t *testing.T) {
	tn := startTestNode(t, t.TempDir())

	var info struct {
		Descriptor     string `json:"descriptor"`
		HasPrivateKeys bool   `json:"hasprivatekeys"`
	}
	tn.mustCall(&info, "getdescriptorinfo", "wpkh("+walkthroughWIF+")")
	if !info.HasPrivateKeys {
		t.Fatalf("getdescriptorinfo: %+v", info)
	}
	var addrs []string
	tn.mustCall(&addrs, "deriveaddresses", info.Descriptor)
	if len(addrs) != 1 || addrs[0] != walkthroughAddr {
		t.Fatalf("deriveaddresses = %v, want [%s]", addrs, walkthroughAddr)
	}
	addr := addrs[0]

	var hashes []string
	tn.mustCall(&hashes, "generatetoaddress", 101, addr)
	if len(hashes) != 101 {
		t.Fatalf("generatetoaddress: %d blocks", len(hashes))
	}
	var block struct {
		Tx []string `json:"tx"`
	}
	tn.mustCall(&block, "getblock", hashes[0])
	coinbase := block.Tx[0]
	var txout struct {
		Value        float64 `json:"value"`
		ScriptPubKey struct {
			Hex string `json:"hex"`
		} `json:"scriptPubKey"`
	}
	tn.mustCall(&txout, "gettxout", coinbase, 0)
	if txout.Value != 50 {
		t.Fatalf("coinbase value %v", txout.Value)
	}

	var unsigned string
	tn.mustCall(&unsigned, "createrawtransaction",
		[]any{map[string]any{"txid": coinbase, "vout": 0}},
		[]any{map[string]any{addr: 49.999}})
	var signed struct {
		Hex      string `json:"hex"`
		Complete bool   `json:"complete"`
	}
	tn.mustCall(&signed, "signrawtransactionwithkey", unsigned, []string{walkthroughWIF},
		[]any{map[string]any{"txid": coinbase, "vout": 0, "scriptPubKey": txout.ScriptPubKey.Hex, "amount": 50}})
	if !signed.Complete {
		t.Fatalf("signrawtransactionwithkey incomplete")
	}
	var txid string
	tn.mustCall(&txid, "sendrawtransaction", signed.Hex)

	tn.mustCall(&hashes, "generatetoaddress", 1, addr)
	tn.mustCall(&block, "getblock", hashes[0])
	if len(block.Tx) != 2 || block.Tx[1] != txid {
		t.Fatalf("block holds %v, want the coinbase and %s", block.Tx, txid)
	}
}

// TestWaitForBlockAndTxOutProof checks that waitforblockheight wakes when
// a block is mined, that it returns the tip at its timeout, that a
// coinbase's gettxoutproof verifies, and that scantxoutset finds it in
// the UTXO set.
func TestWaitForBlockAndTxOutProof(t *testing.T) {
	tn := startTestNode(t, t.TempDir())
	type tip struct {
		Hash   string `json:"hash"`
		Height int32  `json:"height"`
	}
	done := make(chan tip, 1)
	go func() {
		res, rerr := tn.call("waitforblockheight", 1, 20000)
		var r tip
		if rerr == nil {
			json.Unmarshal(res, &r)
		}
		done <- r
	}()
	var hashes []string
	tn.mustCall(&hashes, "generatetoaddress", 1, walkthroughAddr)
	if r := <-done; r.Height != 1 || r.Hash != hashes[0] {
		t.Fatalf("waitforblockheight = %+v, want height 1 %s", r, hashes[0])
	}
	var r tip
	tn.mustCall(&r, "waitfornewblock", 10)
	if r.Height != 1 {
		t.Fatalf("waitfornewblock at timeout = %+v", r)
	}

	var block struct {
		Tx []string `json:"tx"`
	}
	tn.mustCall(&block, "getblock", hashes[0])
	var proof string
	tn.mustCall(&proof, "gettxoutproof", []string{block.Tx[0]})
	var ids []string
	tn.mustCall(&ids, "verifytxoutproof", proof)
	if len(ids) != 1 || ids[0] != block.Tx[0] {
		t.Fatalf("verifytxoutproof = %v", ids)
	}

	var scan struct {
		Success  bool  `json:"success"`
		Height   int32 `json:"height"`
		Unspents []struct {
			Txid     string `json:"txid"`
			Coinbase bool   `json:"coinbase"`
		} `json:"unspents"`
	}
	tn.mustCall(&scan, "scantxoutset", "start", []string{"addr(" + walkthroughAddr + ")"})
	if !scan.Success || scan.Height != 1 || len(scan.Unspents) != 1 || scan.Unspents[0].Txid != block.Tx[0] ||
		!scan.Unspents[0].Coinbase {
		t.Fatalf("scantxoutset = %+v", scan)
	}
}
