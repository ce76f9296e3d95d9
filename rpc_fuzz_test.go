package main

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/tern-org/ternd/internal/rpcjson"
)

// fuzzMethods are the methods FuzzRPCParams calls: every method of the node
// core whose work is bounded whatever its parameters (mining is left out:
// nblocks can ask for any amount of work).
var fuzzMethods = []string{"getblockchaininfo", "getbestblockhash", "getblockcount", "getblockhash",
	"getblock", "getblockheader", "getblockstats", "getchaintips", "gettxout", "gettxoutsetinfo",
	"getdifficulty", "verifychain", "getrawmempool", "getmempoolinfo", "getmempoolentry",
	"getmempoolancestors", "getmempooldescendants", "gettxspendingprevout", "getprioritisedtransactions",
	"prioritisetransaction", "estimatesmartfee", "getblocktemplate", "getmininginfo", "getnetworkhashps",
	"submitblock", "submitheader", "sendrawtransaction", "testmempoolaccept", "getrawtransaction",
	"decoderawtransaction", "decodescript", "invalidateblock", "reconsiderblock"}

// FuzzRPCParams sends arbitrary parameters to the node's methods: a handler
// may refuse them with any Core error but must never panic (the server
// turns a panic into -32603, which fails the target).
func FuzzRPCParams(f *testing.F) {
	f.Add(uint8(0), `[]`)
	f.Add(uint8(4), `["0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206", 2]`)
	f.Add(uint8(6), `[0, ["totalfee"]]`)
	f.Add(uint8(8), `["0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206", 0]`)
	f.Add(uint8(21), `[{"rules":["segwit"]}]`)
	f.Add(uint8(21), `[{"mode":"proposal","data":"00"}]`)
	f.Add(uint8(26), `["0200000001000000000000000000000000000000000000000000000000000000000000000000000000ffffffff0100000000000000000000000000"]`)
	f.Add(uint8(30), `["5121"]`)
	f.Add(uint8(17), `[[{"txid":"00","vout":-1}]]`)
	tn := startFuzzNode(f)
	f.Fuzz(func(t *testing.T, m uint8, params string) {
		if len(params) > 4096 {
			return
		}
		method := fuzzMethods[int(m)%len(fuzzMethods)]
		_, rerr := tn.n.rpc.Execute(context.Background(), method, json.RawMessage(params))
		if rerr != nil && rerr.Code == rpcjson.ErrRPCInternal && rerr.Message == "Internal error" {
			t.Fatalf("%s %s: handler panicked", method, params)
		}
	})
}

// startFuzzNode starts a regtest node with a few blocks for a fuzz target.
func startFuzzNode(f *testing.F) *testNode {
	f.Helper()
	tn := startTestNode(f, f.TempDir())
	if _, rerr := tn.call("generatetoaddress", 3, newTestWallet(f, 24).addr); rerr != nil {
		f.Fatal(rerr)
	}
	return tn
}
