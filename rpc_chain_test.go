package main

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/wire"
)

// TestRPCParamErrors checks Core's codes and messages for bad parameters
// of every method the server registers.
func TestRPCParamErrors(t *testing.T) {
	tn := startTestNode(t, t.TempDir())
	w := newTestWallet(t, 11)
	var hashes []string
	tn.mustCall(&hashes, "generatetoaddress", 2, w.addr)
	unknown := strings.Repeat("ab", 32)
	burn := wire.NewMsgTx(2)
	burn.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Hash: chainhash.Hash{9}}})
	burn.AddTxOut(&wire.TxOut{Value: 1000, PkScript: []byte{0x6a, 0x01, 0x01}})
	const (
		misc   = rpcjson.ErrRPCMisc
		typ    = rpcjson.ErrRPCType
		param  = rpcjson.ErrRPCInvalidParameter
		notFnd = rpcjson.ErrRPCInvalidAddressOrKey
		decode = rpcjson.ErrRPCDeserialization
	)
	cases := []struct {
		name   string
		method string
		params []any
		code   rpcjson.RPCErrorCode
		prefix string
	}{
		{"getblockhash missing", "getblockhash", nil, misc, "getblockhash height"},
		{"getblockhash type", "getblockhash", []any{"x"}, typ, "JSON value of type string"},
		{"getblockhash range", "getblockhash", []any{3}, param, "Block height out of range"},
		{"getblockhash negative", "getblockhash", []any{-1}, param, "Block height out of range"},
		{"getblock short hash", "getblock", []any{"abc"}, param, "blockhash must be of length 64 (not 3, for 'abc')"},
		{"getblock bad hex", "getblock", []any{strings.Repeat("zz", 32)}, param, "blockhash must be hexadecimal string"},
		{"getblock unknown", "getblock", []any{unknown}, notFnd, "Block not found"},
		{"getblock verbosity type", "getblock", []any{hashes[0], "x"}, typ, "JSON value of type string"},
		{"getblockheader unknown", "getblockheader", []any{unknown}, notFnd, "Block not found"},
		{"getblockheader verbose type", "getblockheader", []any{hashes[0], 3}, typ, ""},
		{"getblockcount extra", "getblockcount", []any{1}, misc, "getblockcount"},
		{"gettxout missing n", "gettxout", []any{unknown}, misc, "gettxout"},
		{"gettxout bad txid", "gettxout", []any{"00", 0}, param, "txid must be of length 64"},
		{"gettxout negative n", "gettxout", []any{unknown, -1}, param, "Invalid vout index"},
		{"gettxoutsetinfo hash_type", "gettxoutsetinfo", []any{"sha1"}, param, "'sha1' is not a valid hash_type"},
		{"gettxoutsetinfo muhash", "gettxoutsetinfo", []any{"muhash"}, param, "hash_type 'muhash'"},
		{"gettxoutsetinfo height", "gettxoutsetinfo", []any{"none", 1}, param, "Querying specific block heights"},
		{"invalidateblock unknown", "invalidateblock", []any{unknown}, notFnd, "Block not found"},
		{"reconsiderblock bad", "reconsiderblock", []any{"xyz"}, param, "blockhash must be of length 64"},
		{"verifychain type", "verifychain", []any{"x"}, typ, ""},
		{"generatetoaddress bad address", "generatetoaddress", []any{1, "notanaddress"}, notFnd, "Error: Invalid address"},
		{"generatetoaddress mainnet address", "generatetoaddress",
			[]any{1, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"}, notFnd, "Error: Invalid address"},
		{"generatetoaddress type", "generatetoaddress", []any{"1", w.addr}, typ, ""},
		{"generateblock bad output", "generateblock", []any{"nope", []string{}}, notFnd,
			"Error: Invalid address or descriptor"},
		{"generateblock bad checksum", "generateblock", []any{"raw(51)#aaaaaaaa", []string{}}, notFnd,
			"Error: Invalid address or descriptor"},
		{"generateblock not in pool", "generateblock", []any{w.addr, []string{unknown}}, notFnd,
			"Transaction " + unknown + " not in mempool."},
		{"generateblock bad tx", "generateblock", []any{w.addr, []string{"0011"}}, decode,
			"Transaction decode failed for 0011"},
		{"generatetodescriptor address", "generatetodescriptor", []any{1, w.addr}, notFnd, "Error: Invalid descriptor"},
		{"generatetodescriptor checksum", "generatetodescriptor", []any{1, "addr(" + w.addr + ")#qqqqqqqq"}, notFnd,
			"Error: Invalid descriptor"},
		{"submitheader short", "submitheader", []any{"00"}, decode, "Block header decode failed"},
		{"submitheader orphan", "submitheader", []any{hex.EncodeToString((&wire.BlockHeader{PrevBlock: chainhash.Hash{1}}).Bytes())},
			rpcjson.ErrRPCVerify, "Must submit previous header (0000000000000000000000000000000000000000000000000000000000000001) first"},
		{"submitheader bad pow", "submitheader", []any{hex.EncodeToString((&wire.BlockHeader{PrevBlock: mustHash(t, hashes[1]),
			Bits: 0x1d00ffff}).Bytes())}, rpcjson.ErrRPCVerify, ""},
		{"submitblock bad hex", "submitblock", []any{"zz"}, decode, "Block decode failed"},
		{"submitblock no coinbase", "submitblock", []any{emptyBlockHex()}, decode,
			"Block does not start with a coinbase"},
		{"getblocktemplate no segwit", "getblocktemplate", []any{map[string]any{}}, param,
			"getblocktemplate must be called with the segwit rule set"},
		{"getblocktemplate bad mode", "getblocktemplate", []any{map[string]any{"mode": "x"}}, param, "Invalid mode"},
		{"getblocktemplate proposal no data", "getblocktemplate", []any{map[string]any{"mode": "proposal"}}, typ,
			"Missing data String key for proposal"},
		{"getblocktemplate type", "getblocktemplate", []any{"x"}, typ, ""},
		{"sendrawtransaction decode", "sendrawtransaction", []any{"abcd"}, decode, "TX decode failed"},
		{"sendrawtransaction maxfeerate", "sendrawtransaction", []any{"00", "x"}, typ, "Invalid amount"},
		{"sendrawtransaction maxfeerate too high", "sendrawtransaction", []any{"00", 2}, param,
			"Fee rates larger than or equal to 1BTC/kvB are not accepted"},
		{"sendrawtransaction negative burn", "sendrawtransaction", []any{"00", 0.1, -1}, typ, "Amount out of range"},
		{"sendrawtransaction burn", "sendrawtransaction", []any{txHex(burn)}, rpcjson.ErrRPCVerify,
			"Unspendable output exceeds maximum configured by user (maxburnamount)"},
		{"testmempoolaccept empty", "testmempoolaccept", []any{[]string{}}, param,
			"Array must contain between 1 and 25 transactions."},
		{"testmempoolaccept type", "testmempoolaccept", []any{"00"}, typ, ""},
		{"testmempoolaccept decode", "testmempoolaccept", []any{[]string{"00"}}, decode, "TX decode failed"},
		{"getrawmempool verbose+sequence", "getrawmempool", []any{true, true}, param,
			"Verbose results cannot contain mempool sequence values."},
		{"getmempoolentry unknown", "getmempoolentry", []any{unknown}, notFnd, "Transaction not in mempool"},
		{"getmempoolancestors unknown", "getmempoolancestors", []any{unknown}, notFnd, "Transaction not in mempool"},
		{"getmempooldescendants bad", "getmempooldescendants", []any{"12"}, param, "txid must be of length 64"},
		{"prioritisetransaction dummy", "prioritisetransaction", []any{unknown, 1, 100}, param,
			"Priority is no longer supported"},
		{"prioritisetransaction missing delta", "prioritisetransaction", []any{unknown}, misc, "prioritisetransaction"},
		{"estimatesmartfee zero", "estimatesmartfee", []any{0}, param, "Invalid conf_target, must be between 1 and 1008"},
		{"estimatesmartfee mode", "estimatesmartfee", []any{6, "fast"}, param, "Invalid estimate_mode parameter"},
		{"getrawtransaction unknown", "getrawtransaction", []any{unknown}, notFnd, "No such mempool transaction."},
		{"getrawtransaction bad block", "getrawtransaction", []any{unknown, 1, unknown}, notFnd, "Block hash not found"},
		{"getrawtransaction not in block", "getrawtransaction", []any{unknown, 0, hashes[0]}, notFnd,
			"No such transaction found in the provided block."},
		{"getrawtransaction genesis", "getrawtransaction",
			[]any{regtestParams(t).GenesisBlock.Transactions[0].TxHash().String()}, notFnd,
			"The genesis block coinbase is not considered an ordinary transaction"},
		{"getnetworkhashps height", "getnetworkhashps", []any{120, 99}, param,
			"Block does not exist at specified height"},
		{"getnetworkhashps type", "getnetworkhashps", []any{"x"}, typ, ""},
		{"gettxspendingprevout empty", "gettxspendingprevout", []any{[]any{}}, param,
			"Invalid parameter, outputs are missing"},
		{"gettxspendingprevout no vout", "gettxspendingprevout", []any{[]any{map[string]any{"txid": unknown}}},
			typ, "Missing vout"},
		{"gettxspendingprevout bad txid", "gettxspendingprevout",
			[]any{[]any{map[string]any{"txid": "00", "vout": 0}}}, param, "txid must be of length 64"},
		{"decoderawtransaction bad", "decoderawtransaction", []any{"00"}, decode, "TX decode failed"},
		{"decodescript bad hex", "decodescript", []any{"0g"}, decode, "argument must be hexadecimal string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(st *testing.T) {
			tn.t = st
			defer func() { tn.t = t }()
			tn.wantError(c.code, c.prefix, c.method, c.params...)
		})
	}
	t.Logf("%d parameter error cases", len(cases))
}

// mustHash parses a hash in Core's byte order.
func mustHash(t *testing.T, s string) chainhash.Hash {
	t.Helper()
	h, err := chainhash.NewHashFromStr(s)
	if err != nil {
		t.Fatal(err)
	}
	return *h
}

// emptyBlockHex is a block without transactions.
func emptyBlockHex() string {
	b := wire.MsgBlock{}
	return hex.EncodeToString(b.Bytes())
}

// TestRPCQueries checks the result shapes of the query and mining methods
// on a short chain.
func TestRPCQueries(t *testing.T) {
	tn := startTestNode(t, t.TempDir())
	w := newTestWallet(t, 12)
	var hashes []string
	tn.mustCall(&hashes, "generatetoaddress", 101, w.addr)

	var bci struct {
		Chain      string   `json:"chain"`
		Blocks     int      `json:"blocks"`
		Headers    int      `json:"headers"`
		Best       string   `json:"bestblockhash"`
		Bits       string   `json:"bits"`
		Target     string   `json:"target"`
		ChainWork  string   `json:"chainwork"`
		IBD        bool     `json:"initialblockdownload"`
		Warnings   []string `json:"warnings"`
		SizeOnDisk int64    `json:"size_on_disk"`
	}
	tn.mustCall(&bci, "getblockchaininfo")
	if bci.Chain != "regtest" || bci.Blocks != 101 || bci.Headers != 101 || bci.Best != hashes[100] ||
		bci.Bits != "207fffff" || len(bci.Target) != 64 || len(bci.ChainWork) != 64 || bci.IBD ||
		bci.Warnings == nil || bci.SizeOnDisk <= 0 {
		t.Fatalf("getblockchaininfo: %+v", bci)
	}
	var hdr struct {
		Hash          string  `json:"hash"`
		Height        int     `json:"height"`
		Confirmations int     `json:"confirmations"`
		Prev          string  `json:"previousblockhash"`
		Next          string  `json:"nextblockhash"`
		NTx           int     `json:"nTx"`
		Difficulty    float64 `json:"difficulty"`
		VersionHex    string  `json:"versionHex"`
	}
	tn.mustCall(&hdr, "getblockheader", hashes[49])
	if hdr.Height != 50 || hdr.Confirmations != 52 || hdr.Prev != hashes[48] || hdr.Next != hashes[50] ||
		hdr.NTx != 1 || hdr.VersionHex != "20000000" {
		t.Fatalf("getblockheader: %+v", hdr)
	}
	var hdrHex string
	tn.mustCall(&hdrHex, "getblockheader", hashes[49], false)
	raw, _ := hex.DecodeString(hdrHex)
	if len(raw) != 80 || chainhash.DoubleHashH(raw).String() != hashes[49] {
		t.Fatalf("header hex %s", hdrHex)
	}
	var blockHex string
	tn.mustCall(&blockHex, "getblock", hashes[49], 0)
	braw, _ := hex.DecodeString(blockHex)
	var blk wire.MsgBlock
	if _, err := blk.DeserializeBytes(braw); err != nil || blk.BlockHash().String() != hashes[49] {
		t.Fatalf("getblock 0: %v", err)
	}
	var diff float64
	tn.mustCall(&diff, "getdifficulty")
	if diff <= 0 {
		t.Fatalf("getdifficulty %v", diff)
	}
	var mi struct {
		Blocks int    `json:"blocks"`
		Chain  string `json:"chain"`
		Next   struct {
			Height int `json:"height"`
		} `json:"next"`
		NetworkHashPS float64 `json:"networkhashps"`
	}
	tn.mustCall(&mi, "getmininginfo")
	if mi.Blocks != 101 || mi.Chain != "regtest" || mi.Next.Height != 102 {
		t.Fatalf("getmininginfo: %+v", mi)
	}
	var hps float64
	tn.mustCall(&hps, "getnetworkhashps", -1, 50)
	tn.mustCall(&hps, "getnetworkhashps")
	var fee map[string]any
	tn.mustCall(&fee, "estimatesmartfee", 6)
	if errs, ok := fee["errors"].([]any); !ok || errs[0] != "Insufficient data or no feerate found" ||
		fee["blocks"] != float64(0) {
		t.Fatalf("estimatesmartfee: %v", fee)
	}

	// A pooled spend: testmempoolaccept, prioritisation, verbose pool,
	// gettxout through the pool.
	cb := tn.coinbaseOf(1)
	tx := w.spend(t, []prevOut{{wire.OutPoint{Hash: cb}, 5000000000}},
		[]*wire.TxOut{{Value: 4999990000, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum)
	var accept []struct {
		Allowed bool  `json:"allowed"`
		VSize   int64 `json:"vsize"`
		Fees    struct {
			Base     float64  `json:"base"`
			Includes []string `json:"effective-includes"`
		} `json:"fees"`
	}
	tn.mustCall(&accept, "testmempoolaccept", []string{txHex(tx)})
	if !accept[0].Allowed || accept[0].VSize != tx.VSize() || accept[0].Fees.Base != 0.0001 {
		t.Fatalf("testmempoolaccept: %+v", accept)
	}
	tn.mustCall(&accept, "testmempoolaccept", []string{txHex(tx)}, 0.00000001)
	var rejected []map[string]any
	tn.mustCall(&rejected, "testmempoolaccept", []string{txHex(tx)}, 0.00000001)
	if rejected[0]["allowed"] != false || rejected[0]["reject-reason"] != "max-fee-exceeded" {
		t.Fatalf("testmempoolaccept maxfeerate: %v", rejected)
	}
	tn.mustCall(nil, "sendrawtransaction", txHex(tx))
	var ok bool
	tn.mustCall(&ok, "prioritisetransaction", tx.TxHash().String(), nil, 5000)
	var verbose map[string]struct {
		Fees struct {
			Base     float64 `json:"base"`
			Modified float64 `json:"modified"`
		} `json:"fees"`
		Depends []string `json:"depends"`
	}
	tn.mustCall(&verbose, "getrawmempool", true)
	e, found := verbose[tx.TxHash().String()]
	if !ok || !found || e.Fees.Base != 0.0001 || e.Fees.Modified != 0.00015 || e.Depends == nil {
		t.Fatalf("getrawmempool verbose: %+v", verbose)
	}
	var spending []map[string]any
	tn.mustCall(&spending, "gettxspendingprevout", []map[string]any{{"txid": cb.String(), "vout": 0},
		{"txid": cb.String(), "vout": 1}})
	if len(spending) != 2 || spending[0]["spendingtxid"] != tx.TxHash().String() || spending[1]["spendingtxid"] != nil {
		t.Fatalf("gettxspendingprevout: %v", spending)
	}
	var prio map[string]struct {
		FeeDelta    int64 `json:"fee_delta"`
		InMempool   bool  `json:"in_mempool"`
		ModifiedFee int64 `json:"modified_fee"`
	}
	tn.mustCall(&prio, "getprioritisedtransactions")
	if p := prio[tx.TxHash().String()]; p.FeeDelta != 5000 || !p.InMempool || p.ModifiedFee != 15000 {
		t.Fatalf("getprioritisedtransactions: %+v", prio)
	}
	var saved map[string]string
	tn.mustCall(&saved, "savemempool")
	if !strings.HasSuffix(saved["filename"], "mempool.dat") {
		t.Fatalf("savemempool: %v", saved)
	}
	var out struct {
		Confirmations int     `json:"confirmations"`
		Value         float64 `json:"value"`
	}
	tn.mustCall(&out, "gettxout", tx.TxHash().String(), 0)
	if out.Value != 49.9999 || out.Confirmations != 0 {
		t.Fatalf("gettxout pool: %+v", out)
	}
	if res, _ := tn.call("gettxout", tx.TxHash().String(), 0, false); string(res) != "null" {
		t.Fatalf("gettxout without pool: %s", res)
	}

	// A block built but not submitted, proposed, then submitted.
	var gen struct {
		Hash string `json:"hash"`
		Hex  string `json:"hex"`
	}
	tn.mustCall(&gen, "generateblock", "addr("+w.addr+")", []string{tx.TxHash().String()}, false)
	if gen.Hex == "" || tn.blockCount() != 101 {
		t.Fatalf("generateblock submit=false: %+v", gen)
	}
	var proposal any
	tn.mustCall(&proposal, "getblocktemplate", map[string]any{"mode": "proposal", "data": gen.Hex})
	if proposal != nil {
		t.Fatalf("proposal: %v", proposal)
	}
	var submit any
	tn.mustCall(&submit, "submitblock", gen.Hex)
	if submit != nil || tn.blockCount() != 102 || tn.mempoolHas(tx.TxHash()) {
		t.Fatalf("submitblock: %v", submit)
	}
	tn.mustCall(&proposal, "getblocktemplate", map[string]any{"mode": "proposal", "data": gen.Hex})
	if proposal != "duplicate" {
		t.Fatalf("proposal of a known block: %v", proposal)
	}
	// A block on an old parent is not the best.
	var stale wire.MsgBlock
	braw, _ = hex.DecodeString(gen.Hex)
	_, _ = stale.DeserializeBytes(braw)
	stale.Header.Nonce++
	tn.mustCall(&proposal, "getblocktemplate", map[string]any{"mode": "proposal",
		"data": hex.EncodeToString(stale.Bytes())})
	if proposal != "inconclusive-not-best-prevblk" {
		t.Fatalf("stale proposal: %v", proposal)
	}
	// A mutated coinbase breaks the merkle root.
	bad := tn.templateBlock(t, w)
	bad.Transactions[0].TxOut[0].Value++
	tn.mustCall(&proposal, "getblocktemplate", map[string]any{"mode": "proposal",
		"data": hex.EncodeToString(bad.Bytes())})
	if proposal != "bad-txnmrklroot" {
		t.Fatalf("bad proposal: %v", proposal)
	}
	// generatetodescriptor (the descriptor with its checksum, as
	// decodescript infers it) and submitheader of a block built elsewhere.
	var ds struct {
		Desc string `json:"desc"`
	}
	tn.mustCall(&ds, "decodescript", hex.EncodeToString(w.pkScript))
	if want := "addr(" + w.addr + ")#"; !strings.HasPrefix(ds.Desc, want) || len(ds.Desc) != len(want)+8 {
		t.Fatalf("decodescript desc %q", ds.Desc)
	}
	var dh []string
	tn.mustCall(&dh, "generatetodescriptor", 1, ds.Desc)
	next := tn.templateBlock(t, w)
	tries := uint64(1 << 30)
	if err := tn.n.core.solve(t.Context(), next, &tries); err != nil {
		t.Fatal(err)
	}
	tn.mustCall(nil, "submitheader", hex.EncodeToString(next.Header.Bytes()))
	var hdrInfo struct {
		Confirmations int `json:"confirmations"`
	}
	tn.mustCall(&hdrInfo, "getblockheader", next.BlockHash().String())
	if hdrInfo.Confirmations != -1 {
		t.Fatalf("submitted header: %+v", hdrInfo)
	}
	var gbt struct {
		Commitment string `json:"default_witness_commitment"`
	}
	tn.mustCall(&gbt, "getblocktemplate", map[string]any{"rules": []string{"segwit"}})
	if !strings.HasPrefix(gbt.Commitment, "6a24aa21a9ed") || len(gbt.Commitment) != 76 {
		t.Fatalf("default_witness_commitment %q", gbt.Commitment)
	}
	var help string
	tn.mustCall(&help, "help")
	for _, m := range []string{"getblockchaininfo", "sendrawtransaction", "generatetoaddress", "decodescript"} {
		if !strings.Contains(help, m) {
			t.Errorf("help lacks %s", m)
		}
	}
}

// templateBlock returns a valid unsolved block on the tip.
func (tn *testNode) templateBlock(t *testing.T, w *testWallet) *wire.MsgBlock {
	t.Helper()
	var gen struct {
		Hex string `json:"hex"`
	}
	tn.mustCall(&gen, "generateblock", w.addr, []string{}, false)
	raw, _ := hex.DecodeString(gen.Hex)
	var b wire.MsgBlock
	if _, err := b.DeserializeBytes(raw); err != nil {
		t.Fatal(err)
	}
	return &b
}
