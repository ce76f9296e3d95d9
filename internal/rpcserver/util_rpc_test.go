package rpcserver

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/psbt"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/txscript/descriptor"
	"github.com/tern-org/ternd/wire"
)

// testKey returns a deterministic regtest key (seed n) with its WIF.
func testKey(t testing.TB, n byte) (*btcec.PrivateKey, string) {
	t.Helper()
	b := make([]byte, 32)
	b[31] = n
	b[0] = 0x11
	key, _ := btcec.PrivKeyFromBytes(b)
	return key, txscript.EncodeWIF(key, true, regtestParams(t))
}

// TestUtilMethodErrors checks Core's codes and messages for the common
// bad inputs of the Util methods.
func TestUtilMethodErrors(t *testing.T) {
	e := newHandlerEnv(t, regtestParams(t), nil)
	pub := "03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd"
	tests := []struct {
		name   string
		method string
		params []any
		code   rpcjson.RPCErrorCode
		msg    string
	}{
		{"descriptor syntax", "getdescriptorinfo", []any{"foo(x)"}, rpcjson.ErrRPCInvalidAddressOrKey, "'foo(x)' is not a valid descriptor function"},
		{"bad checksum", "getdescriptorinfo", []any{"raw(deedbeef)#89f8spxm"}, rpcjson.ErrRPCInvalidAddressOrKey, "Provided checksum '89f8spxm' does not match computed checksum"},
		{"derive missing checksum", "deriveaddresses", []any{"raw(deadbeef)"}, rpcjson.ErrRPCInvalidAddressOrKey, "Missing checksum"},
		{"derive no address", "deriveaddresses", []any{"raw(deadbeef)#89f8spxm"}, rpcjson.ErrRPCInvalidAddressOrKey, "Descriptor does not have a corresponding address"},
		{"derive range on unranged", "deriveaddresses", []any{descriptor.AddChecksum("wpkh(" + pub + ")"), 2}, rpcjson.ErrRPCInvalidParameter, "Range should not be specified for an un-ranged descriptor"},
		{"multisig bad key", "createmultisig", []any{1, []string{"02ab"}}, rpcjson.ErrRPCInvalidAddressOrKey, "Invalid public key: 02ab"},
		{"multisig zero", "createmultisig", []any{0, []string{pub}}, rpcjson.ErrRPCInvalidParameter, "a multisignature address must require at least one key to redeem"},
		{"multisig too few", "createmultisig", []any{2, []string{pub}}, rpcjson.ErrRPCInvalidParameter, "not enough keys supplied (got 1 keys, but need at least 2 to redeem)"},
		{"multisig bech32m", "createmultisig", []any{1, []string{pub}, "bech32m"}, rpcjson.ErrRPCInvalidAddressOrKey, "createmultisig cannot create bech32m multisig addresses"},
		{"multisig type", "createmultisig", []any{1, []string{pub}, "foo"}, rpcjson.ErrRPCInvalidAddressOrKey, "Unknown address type 'foo'"},
		{"verify bad address", "verifymessage", []any{"nope", "AA==", "m"}, rpcjson.ErrRPCType, "Invalid address"},
		{"verify not key", "verifymessage", []any{e.wallet.Addr, "AA==", "m"}, rpcjson.ErrRPCType, "Address does not refer to key"},
		{"sign bad key", "signmessagewithprivkey", []any{"nope", "m"}, rpcjson.ErrRPCInvalidAddressOrKey, "Invalid private key"},
		{"create no vout", "createrawtransaction", []any{[]any{map[string]any{"txid": strings.Repeat("a", 64)}}, map[string]any{}}, rpcjson.ErrRPCInvalidParameter, "Invalid parameter, missing vout key"},
		{"create negative vout", "createrawtransaction", []any{[]any{map[string]any{"txid": strings.Repeat("a", 64), "vout": -1}}, map[string]any{}}, rpcjson.ErrRPCInvalidParameter, "Invalid parameter, vout cannot be negative"},
		{"create bad txid", "createrawtransaction", []any{[]any{map[string]any{"txid": "ab", "vout": 0}}, map[string]any{}}, rpcjson.ErrRPCInvalidParameter, "txid must be of length 64 (not 2, for 'ab')"},
		{"create bad address", "createrawtransaction", []any{[]any{}, map[string]any{"nope": 1}}, rpcjson.ErrRPCInvalidAddressOrKey, "Invalid Bitcoin address: nope"},
		{"create two keys", "createrawtransaction", []any{[]any{}, []any{map[string]any{"data": "00", "x": 1}}}, rpcjson.ErrRPCInvalidParameter, "Invalid parameter, key-value pair must contain exactly one key"},
		{"create locktime", "createrawtransaction", []any{[]any{}, map[string]any{}, -1}, rpcjson.ErrRPCInvalidParameter, "Invalid parameter, locktime out of range"},
		{"sign bad hex", "signrawtransactionwithkey", []any{"zz", []string{}}, rpcjson.ErrRPCDeserialization, "TX decode failed"},
		{"sign bad sighash", "signrawtransactionwithkey", []any{txHex(e.spend), []string{}, nil, "FOO"}, rpcjson.ErrRPCInvalidParameter, "'FOO' is not a valid sighash parameter."},
		{"decodepsbt magic", "decodepsbt", []any{"AAAA"}, rpcjson.ErrRPCDeserialization, "TX decode failed Invalid PSBT magic bytes"},
		{"combinepsbt empty", "combinepsbt", []any{[]string{}}, rpcjson.ErrRPCInvalidParameter, "Parameter 'txs' cannot be empty"},
		{"joinpsbts one", "joinpsbts", []any{[]string{psbt.New(e.spend).Base64()}}, rpcjson.ErrRPCInvalidParameter, "At least two PSBTs are required to join PSBTs."},
		{"converttopsbt sigs", "converttopsbt", []any{txHex(e.spend)}, rpcjson.ErrRPCDeserialization, "Inputs must not have scriptSigs and scriptWitnesses"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, rerr := e.call(t, tc.method, tc.params...)
			if rerr == nil {
				t.Fatalf("no error")
			}
			if rerr.Code != tc.code || !strings.HasPrefix(rerr.Message, tc.msg) {
				t.Fatalf("got %d %q, want %d %q", rerr.Code, rerr.Message, tc.code, tc.msg)
			}
		})
	}
}

// TestUtilMethods checks the results of the Util methods field by field.
func TestUtilMethods(t *testing.T) {
	e := newHandlerEnv(t, regtestParams(t), nil)
	key, wif := testKey(t, 1)
	pub := hex.EncodeToString(key.PubKey().SerializeCompressed())

	var info descriptorInfoJSON
	e.mustCall(t, &info, "getdescriptorinfo", "wpkh("+wif+")")
	if want := descriptor.AddChecksum("wpkh(" + pub + ")"); info.Descriptor != want || !info.HasPrivateKeys ||
		info.IsRange || !info.IsSolvable {
		t.Fatalf("getdescriptorinfo = %+v, want descriptor %s", info, want)
	}
	var addrs []string
	e.mustCall(t, &addrs, "deriveaddresses", info.Descriptor)
	want, _ := txscript.NewAddressWitnessPubKeyHash(txscript.Hash160(key.PubKey().SerializeCompressed()), regtestParams(t))
	if len(addrs) != 1 || addrs[0] != want.EncodeAddress() {
		t.Fatalf("deriveaddresses = %v, want %s", addrs, want.EncodeAddress())
	}

	var va map[string]any
	e.mustCall(t, &va, "validateaddress", addrs[0])
	if va["isvalid"] != true || va["iswitness"] != true || va["witness_version"] != 0.0 ||
		va["isscript"] != false || va["scriptPubKey"] == "" {
		t.Fatalf("validateaddress = %v", va)
	}
	for _, tc := range []struct{ addr, msg string }{
		{"bcrt1qinvalid", "Invalid Bech32 checksum"},
		{"tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", "Invalid or unsupported prefix for Segwit (Bech32) address (expected bcrt, got tb)."},
		{"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "Invalid or unsupported Base58-encoded address."},
		{"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3", "Invalid checksum or length of Base58 address (P2PKH or P2SH)"},
		{"0OIl", "Invalid or unsupported Segwit (Bech32) or Base58 encoding."},
	} {
		va = nil
		e.mustCall(t, &va, "validateaddress", tc.addr)
		if va["isvalid"] != false || va["error"] != tc.msg || va["error_locations"] == nil {
			t.Fatalf("validateaddress %s = %v, want %q", tc.addr, va, tc.msg)
		}
	}

	for _, typ := range []string{"legacy", "p2sh-segwit", "bech32"} {
		var ms createMultisigJSON
		e.mustCall(t, &ms, "createmultisig", 1, []string{pub}, typ)
		d, err := descriptor.Parse(ms.Descriptor, regtestParams(t), true)
		if err != nil {
			t.Fatalf("%s descriptor %s: %v", typ, ms.Descriptor, err)
		}
		scripts, _ := d.Scripts(0)
		if scriptAddress(scripts[0], regtestParams(t)) != ms.Address {
			t.Fatalf("%s: descriptor pays %x, address %s", typ, scripts[0], ms.Address)
		}
	}

	pkh, _ := txscript.NewAddressPubKeyHash(txscript.Hash160(key.PubKey().SerializeCompressed()), regtestParams(t))
	var sig string
	e.mustCall(t, &sig, "signmessagewithprivkey", wif, "hello")
	var ok bool
	e.mustCall(t, &ok, "verifymessage", pkh.EncodeAddress(), sig, "hello")
	if !ok {
		t.Fatal("verifymessage refused its own signature")
	}
	e.mustCall(t, &ok, "verifymessage", pkh.EncodeAddress(), sig, "hellO")
	if ok {
		t.Fatal("verifymessage accepted another message")
	}

	res := e.mustCall(t, nil, "echo", "a", nil, 3)
	if string(res) != `["a",null,3]` {
		t.Fatalf("echo = %s", res)
	}
}

// addCoin puts an output in the stub chain's UTXO set.
func (e *handlerEnv) addCoin(op wire.OutPoint, value int64, script []byte) {
	e.chain.mu.Lock()
	defer e.chain.mu.Unlock()
	e.chain.utxos[op] = &blockchain.UtxoEntry{Amount: value, PkScript: script, BlockHeight: 1}
}

// TestSignRawTransactionWithKey signs each kind of output Core's method
// signs, from the UTXO set or from prevtxs, and checks that a missing key
// yields an incomplete result with Core's error.
func TestSignRawTransactionWithKey(t *testing.T) {
	e := newHandlerEnv(t, regtestParams(t), nil)
	params := regtestParams(t)
	k1, wif1 := testKey(t, 1)
	k2, wif2 := testKey(t, 2)
	pub1, pub2 := k1.PubKey().SerializeCompressed(), k2.PubKey().SerializeCompressed()
	ms, _ := multisigScript(2, [][]byte{pub1, pub2})
	p2wpkh := txscript.PayToWitnessPubKeyHashScript(txscript.Hash160(pub1))
	tests := []struct {
		name     string
		script   []byte
		prevtx   map[string]any // extra prevtxs fields; nil: from the UTXO set
		keys     []string
		complete bool
		sighash  string // "" for the default
	}{
		{"p2pkh", txscript.PayToPubKeyHashScript(txscript.Hash160(pub1)), nil, []string{wif1}, true, ""},
		{"p2wpkh", p2wpkh, nil, []string{wif1}, true, ""},
		{"p2sh-p2wpkh", txscript.PayToScriptHashScript(txscript.Hash160(p2wpkh)), nil, []string{wif1}, true, ""},
		{"p2wsh multisig", txscript.PayToWitnessScriptHashScript(sha256Sum(ms)),
			map[string]any{"witnessScript": hex.EncodeToString(ms)}, []string{wif1, wif2}, true, ""},
		{"p2sh multisig", txscript.PayToScriptHashScript(txscript.Hash160(ms)),
			map[string]any{"redeemScript": hex.EncodeToString(ms)}, []string{wif2, wif1}, true, ""},
		{"p2wsh multisig one key", txscript.PayToWitnessScriptHashScript(sha256Sum(ms)),
			map[string]any{"witnessScript": hex.EncodeToString(ms)}, []string{wif1}, false, ""},
		{"p2tr key path", txscript.PayToTaprootScript(schnorrKey(k1)), nil, []string{wif1}, true, ""},
		{"missing key", p2wpkh, nil, []string{wif2}, false, ""},
		{"p2wpkh anyonecanpay", p2wpkh, nil, []string{wif1}, true, "ALL|ANYONECANPAY"},
		{"p2pkh single", txscript.PayToPubKeyHashScript(txscript.Hash160(pub1)), nil, []string{wif1}, true, "SINGLE"},
		{"p2tr none", txscript.PayToTaprootScript(schnorrKey(k1)), nil, []string{wif1}, true, "NONE"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			op := wire.OutPoint{Hash: chainhash.Hash{byte(i + 1), 0xee}, Index: 1}
			var prevtxs []map[string]any
			if tc.prevtx == nil {
				e.addCoin(op, 100000, tc.script)
			} else {
				p := map[string]any{"txid": op.Hash.String(), "vout": 1, "scriptPubKey": hex.EncodeToString(tc.script),
					"amount": 0.001}
				for k, v := range tc.prevtx {
					p[k] = v
				}
				prevtxs = append(prevtxs, p)
			}
			tx := wire.NewMsgTx(2)
			tx.AddTxIn(wire.NewTxIn(&op, nil, nil))
			tx.AddTxOut(wire.NewTxOut(90000, p2wpkh))
			var res signResultJSON
			args := []any{txHex(tx), tc.keys, prevtxs}
			if tc.sighash != "" {
				args = append(args, tc.sighash)
			}
			e.mustCall(t, &res, "signrawtransactionwithkey", args...)
			if res.Complete != tc.complete {
				t.Fatalf("complete = %v, errors %+v", res.Complete, res.Errors)
			}
			if !tc.complete && (len(res.Errors) != 1 || res.Errors[0].Error == "") {
				t.Fatalf("errors = %+v", res.Errors)
			}
			if want, ok := sigHashTypes[tc.sighash]; ok && tc.sighash != "" {
				signed, _ := decodeTx(res.Hex, true, true)
				in := signed.TxIn[0]
				sig := in.SignatureScript
				if len(in.Witness) > 0 {
					sig = in.Witness[0]
				} else {
					pushes, _ := txscript.PushedData(sig)
					sig = pushes[0]
				}
				if txscript.SigHashType(sig[len(sig)-1]) != want {
					t.Fatalf("signature hash type %#x, want %#x", sig[len(sig)-1], want)
				}
			}
			if tc.name == "p2wsh multisig one key" {
				// The second key completes it through combinerawtransaction.
				var other signResultJSON
				e.mustCall(t, &other, "signrawtransactionwithkey", txHex(tx), []string{wif2}, prevtxs)
				e.addCoin(op, 100000, tc.script)
				var merged string
				e.mustCall(t, &merged, "combinerawtransaction", []string{res.Hex, other.Hex})
				var check signResultJSON
				e.mustCall(t, &check, "signrawtransactionwithkey", merged, []string{}, prevtxs)
				if !check.Complete {
					t.Fatalf("combined transaction incomplete: %+v", check.Errors)
				}
			}
		})
	}
	_ = params
}

// schnorrKey is the BIP86 output key of k.
func schnorrKey(k *btcec.PrivateKey) []byte {
	out := txscript.ComputeTaprootKeyNoScript(k.PubKey())
	return out.SerializeCompressed()[1:]
}

// TestCreateRawTransaction checks output order, sequence defaults and the
// data output.
func TestCreateRawTransaction(t *testing.T) {
	e := newHandlerEnv(t, regtestParams(t), nil)
	txid := strings.Repeat("ab", 32)
	raw := json.RawMessage(`[[{"txid":"` + txid + `","vout":1}],{"` + e.wallet.Addr + `":1.5,"data":"beef"},7,true]`)
	res, rerr := e.srv.Execute(t.Context(), "createrawtransaction", raw)
	if rerr != nil {
		t.Fatal(rerr)
	}
	var h string
	json.Unmarshal(res, &h)
	tx, ok := decodeTx(h, true, true)
	if !ok {
		t.Fatal("undecodable")
	}
	if tx.Version != 2 || tx.LockTime != 7 || tx.TxIn[0].Sequence != maxBIP125RBFSequence ||
		len(tx.TxOut) != 2 || tx.TxOut[0].Value != 150000000 || !txscript.IsNullData(tx.TxOut[1].PkScript) {
		t.Fatalf("tx = %+v", tx)
	}
}

// TestPSBTMethods walks a PSBT through the methods: create, update from
// the UTXO set, decode, analyze, sign (a partial signature), combine,
// finalize and join.
func TestPSBTMethods(t *testing.T) {
	e := newHandlerEnv(t, regtestParams(t), nil)
	w := e.wallet
	op := wire.OutPoint{Hash: chainhash.Hash{0x42}, Index: 0}
	e.addCoin(op, 100000, w.PkScript)
	var p64 string
	e.mustCall(t, &p64, "createpsbt", []any{map[string]any{"txid": op.Hash.String(), "vout": 0}},
		[]any{map[string]any{w.Addr: 0.0009}})
	e.mustCall(t, &p64, "utxoupdatepsbt", p64)
	var dec map[string]any
	e.mustCall(t, &dec, "decodepsbt", p64)
	inputs := dec["inputs"].([]any)
	if dec["fee"] != 0.0001 || inputs[0].(map[string]any)["witness_utxo"] == nil || dec["psbt_version"] != 0.0 {
		t.Fatalf("decodepsbt = %v", dec)
	}
	var an struct {
		Inputs []analyzeInputJSON `json:"inputs"`
		Fee    float64            `json:"fee"`
		Next   string             `json:"next"`
	}
	e.mustCall(t, &an, "analyzepsbt", p64)
	if an.Next != "signer" || len(an.Inputs) != 1 || !an.Inputs[0].HasUtxo || an.Inputs[0].Missing == nil ||
		an.Fee != 0.0001 {
		t.Fatalf("analyzepsbt = %+v", an)
	}

	p, _ := psbt.DecodeBase64(p64)
	tx := p.UnsignedTx()
	fetcher := txscript.NewCannedPrevOutputFetcher(w.PkScript, 100000)
	sig, err := txscript.RawTxInWitnessSignature(tx, txscript.NewTxSigHashes(tx, fetcher), 0, 100000,
		w.PkScript, txscript.SigHashAll, w.Key)
	if err != nil {
		t.Fatal(err)
	}
	signed, _ := psbt.DecodeBase64(p64)
	signed.SetInput(0, psbt.InPartialSig, w.Key.PubKey().SerializeCompressed(), sig)
	var combined string
	e.mustCall(t, &combined, "combinepsbt", []string{p64, signed.Base64()})
	var fin finalizeJSON
	e.mustCall(t, &fin, "finalizepsbt", combined)
	if !fin.Complete || fin.Hex == "" {
		t.Fatalf("finalizepsbt = %+v", fin)
	}
	fin = finalizeJSON{}
	e.mustCall(t, &fin, "finalizepsbt", combined, false)
	if !fin.Complete || fin.PSBT == "" || fin.Hex != "" {
		t.Fatalf("finalizepsbt without extract = %+v", fin)
	}

	other := wire.NewMsgTx(2)
	other.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: chainhash.Hash{0x43}}, nil, nil))
	other.AddTxOut(wire.NewTxOut(1000, w.PkScript))
	var joined string
	e.mustCall(t, &joined, "joinpsbts", []string{p64, psbt.New(other).Base64()})
	j, err := psbt.DecodeBase64(joined)
	if err != nil || len(j.Inputs) != 2 || len(j.Outputs) != 2 {
		t.Fatalf("joinpsbts: %v", err)
	}
	var conv string
	unsigned := tx.Copy()
	e.mustCall(t, &conv, "converttopsbt", txHex(unsigned))
	if conv != psbt.New(tx).Base64() {
		t.Fatalf("converttopsbt = %s", conv)
	}
}

// TestSignRawTransactionErrors checks the per-input errors for an unknown
// spent output and a witness output without an amount, and Core's error
// for a prevtx contradicting the UTXO set.
func TestSignRawTransactionErrors(t *testing.T) {
	e := newHandlerEnv(t, regtestParams(t), nil)
	_, wif := testKey(t, 1)
	op := wire.OutPoint{Hash: chainhash.Hash{0x77}, Index: 0}
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&op, nil, nil))
	tx.AddTxOut(wire.NewTxOut(1000, e.wallet.PkScript))
	var res signResultJSON
	e.mustCall(t, &res, "signrawtransactionwithkey", txHex(tx), []string{wif})
	if res.Complete || len(res.Errors) != 1 || res.Errors[0].Error != "Input not found or already spent" ||
		res.Errors[0].Txid != op.Hash.String() || res.Errors[0].Witness == nil {
		t.Fatalf("unknown input: %+v", res)
	}
	prev := map[string]any{"txid": op.Hash.String(), "vout": 0, "scriptPubKey": hex.EncodeToString(e.wallet.PkScript)}
	e.mustCall(t, &res, "signrawtransactionwithkey", txHex(tx), []string{wif}, []any{prev})
	if res.Complete || len(res.Errors) != 1 || res.Errors[0].Error != "Missing amount" {
		t.Fatalf("no amount: %+v", res)
	}
	e.addCoin(op, 5000, []byte{txscript.OP_TRUE})
	_, rerr := e.call(t, "signrawtransactionwithkey", txHex(tx), []string{wif}, []any{prev})
	if rerr == nil || rerr.Code != rpcjson.ErrRPCDeserialization || !strings.HasPrefix(rerr.Message, "Previous output scriptPubKey mismatch:") {
		t.Fatalf("mismatch: %v", rerr)
	}
}

// TestUtxoUpdatePSBTDescriptors checks that utxoupdatepsbt adds the
// redeem and witness scripts of a P2SH-P2WSH multisig input from its
// descriptor, treats it as segwit (a witness UTXO), and fills an output
// paying a descriptor's script; finalizepsbt then completes the input
// once the signatures are in.
func TestUtxoUpdatePSBTDescriptors(t *testing.T) {
	e := newHandlerEnv(t, regtestParams(t), nil)
	k1, _ := testKey(t, 1)
	pub1 := hex.EncodeToString(k1.PubKey().SerializeCompressed())
	desc := "sh(wsh(multi(1," + pub1 + ")))"
	d, err := descriptor.Parse(desc, regtestParams(t), false)
	if err != nil {
		t.Fatal(err)
	}
	ex, _ := d.Expand(0)
	op := wire.OutPoint{Hash: chainhash.Hash{0x51}}
	e.addCoin(op, 100000, ex[0].Script)
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&op, nil, nil))
	tx.AddTxOut(wire.NewTxOut(90000, ex[0].Script))
	var updated string
	e.mustCall(t, &updated, "utxoupdatepsbt", psbt.New(tx).Base64(), []any{desc})
	p, err := psbt.DecodeBase64(updated)
	if err != nil {
		t.Fatal(err)
	}
	in := p.Inputs[0]
	rs, _ := in.Get(psbt.InRedeemScript, nil)
	ws, _ := in.Get(psbt.InWitnessScript, nil)
	if !in.Has(psbt.InWitnessUtxo) || !bytes.Equal(rs, ex[0].RedeemScript) || !bytes.Equal(ws, ex[0].WitnessScript) {
		t.Fatalf("input not updated: %+v", in)
	}
	if !p.Outputs[0].Has(psbt.OutRedeemScript) || !p.Outputs[0].Has(psbt.OutWitnessScript) {
		t.Fatalf("output not updated: %+v", p.Outputs[0])
	}

	sigTx := p.UnsignedTx()
	fetcher := txscript.NewCannedPrevOutputFetcher(ex[0].Script, 100000)
	sig, err := txscript.RawTxInWitnessSignature(sigTx, txscript.NewTxSigHashes(sigTx, fetcher), 0, 100000,
		ex[0].WitnessScript, txscript.SigHashAll, k1)
	if err != nil {
		t.Fatal(err)
	}
	p.SetInput(0, psbt.InPartialSig, k1.PubKey().SerializeCompressed(), sig)
	var fin finalizeJSON
	e.mustCall(t, &fin, "finalizepsbt", p.Base64())
	if !fin.Complete || fin.Hex == "" {
		t.Fatalf("finalizepsbt = %+v", fin)
	}
}
