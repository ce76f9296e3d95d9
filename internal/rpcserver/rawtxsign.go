package rpcserver

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// This file holds the raw transaction methods that build and sign
// (Core's rpc/rawtransaction.cpp): createrawtransaction,
// combinerawtransaction and signrawtransactionwithkey, with the signer
// they share with the PSBT methods.

const (
	// maxBIP125RBFSequence is the largest sequence that signals
	// replaceability (Core's MAX_BIP125_RBF_SEQUENCE).
	maxBIP125RBFSequence = 0xfffffffd

	// maxSequenceNonFinal lets a lock time apply without signalling
	// replaceability.
	maxSequenceNonFinal = 0xfffffffe
)

// rawTxSignMethods returns createrawtransaction, combinerawtransaction
// and signrawtransactionwithkey.
func (s *Server) rawTxSignMethods() []rpcjson.Method {
	return []rpcjson.Method{
		{
			Name: "createrawtransaction", Category: "Rawtransactions", Params: createTxParams,
			Help: "Create a transaction spending the given inputs and creating new outputs.\n" +
				"Outputs can be addresses or data.\nReturns hex-encoded raw transaction.\n" +
				"Note that the transaction's inputs are not signed, and\nit is not stored in the wallet or transmitted to the network.\n\n" +
				createTxArgsHelp + "\n\nResult:\n\"hex\"    (string) hex string of the transaction",
			Handler: s.handleCreateRawTransaction,
		},
		{
			Name: "combinerawtransaction", Category: "Rawtransactions",
			Params: []rpcjson.ParamSpec{{Name: "txs", Type: "json array"}},
			Help: "Combine multiple partially signed transactions into one transaction.\n" +
				"The combined transaction may be another partially signed transaction or a \nfully signed transaction.\n\n" +
				"Arguments:\n1. txs    (json array, required) The hex strings of partially signed transactions\n\n" +
				"Result:\n\"str\"    (string) The hex-encoded raw transaction with signature(s)",
			Handler: s.handleCombineRawTransaction,
		},
		{
			Name: "signrawtransactionwithkey", Category: "Rawtransactions",
			Params: []rpcjson.ParamSpec{{Name: "hexstring", Type: "string"}, {Name: "privkeys", Type: "json array"},
				{Name: "prevtxs", Optional: true, Type: "json array"}, {Name: "sighashtype", Optional: true, Type: "string"}},
			Help: "Sign inputs for raw transaction (serialized, hex-encoded).\n" +
				"The second argument is an array of base58-encoded private\nkeys that will be the only keys used to sign the transaction.\n" +
				"The third optional argument (may be null) is an array of previous transaction outputs that\nthis transaction depends on but may not yet be in the block chain.\n\n" +
				"Arguments:\n1. hexstring    (string, required) The transaction hex string\n" +
				"2. privkeys     (json array, required) The base58-encoded private keys for signing\n" +
				"3. prevtxs      (json array, optional) The previous dependent transaction outputs\n" +
				"     [{\"txid\":\"hex\",\"vout\":n,\"scriptPubKey\":\"hex\",\"redeemScript\":\"hex\",\"witnessScript\":\"hex\",\"amount\":amount},...]\n" +
				"4. sighashtype  (string, optional, default=\"DEFAULT for Taproot, ALL otherwise\") The signature hash type. Must be one of:\n" +
				"       \"DEFAULT\"\n       \"ALL\"\n       \"NONE\"\n       \"SINGLE\"\n       \"ALL|ANYONECANPAY\"\n       \"NONE|ANYONECANPAY\"\n       \"SINGLE|ANYONECANPAY\"\n\n" +
				"Result:\n{\n  \"hex\" : \"hex\",         (string) The hex-encoded raw transaction with signature(s)\n" +
				"  \"complete\" : true|false, (boolean) If the transaction has a complete set of signatures\n" +
				"  \"errors\" : [            (json array, optional) Script verification errors (if there are any)\n" +
				"    {\"txid\":\"hex\",\"vout\":n,\"witness\":[\"hex\",...],\"scriptSig\":\"hex\",\"sequence\":n,\"error\":\"str\"},...\n  ]\n}",
			Handler: s.handleSignRawTransactionWithKey,
		},
	}
}

// createTxParams are the parameters createrawtransaction and createpsbt
// share.
var createTxParams = []rpcjson.ParamSpec{{Name: "inputs", Type: "json array"}, {Name: "outputs", Type: "json array"},
	{Name: "locktime", Optional: true, Type: "numeric"}, {Name: "replaceable", Optional: true, Type: "boolean"},
	{Name: "version", Optional: true, Type: "numeric"}}

// createTxArgsHelp documents createTxParams.
const createTxArgsHelp = "Arguments:\n" +
	"1. inputs       (json array, required) The inputs\n" +
	"     [{\"txid\":\"hex\",\"vout\":n,\"sequence\":n},...]\n" +
	"2. outputs      (json array, required) The outputs specified as key-value pairs.\n" +
	"     [{\"address\":amount,...},{\"data\":\"hex\"},...]\n" +
	"3. locktime     (numeric, optional, default=0) Raw locktime. Non-0 value also locktime-activates inputs\n" +
	"4. replaceable  (boolean, optional, default=true) Marks this transaction as BIP125-replaceable.\n" +
	"5. version      (numeric, optional, default=2) Transaction version"

// keyValue is one member of a JSON object, in its order.
type keyValue struct {
	key   string
	value json.RawMessage
}

// decodeOrderedObject decodes a JSON object keeping its members' order (an
// output list's order is the transaction's).
func decodeOrderedObject(raw json.RawMessage) ([]keyValue, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var out []keyValue
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		out = append(out, keyValue{key, v})
	}
	return out, true
}

// buildRawTx is Core's ConstructTransaction: createrawtransaction's and
// createpsbt's inputs, outputs, locktime, replaceable and version.
func (s *Server) buildRawTx(params []json.RawMessage) (*wire.MsgTx, error) {
	version := int32(2)
	if _, err := rpcjson.UnmarshalParam(params, 4, "version", &version); err != nil {
		return nil, err
	}
	if version < 1 || version > 3 {
		return nil, rpcjson.NewRPCErrorf(rpcjson.ErrRPCInvalidParameter,
			"Invalid parameter, version out of range(1~3)")
	}
	tx := wire.NewMsgTx(version)
	var lockTime int64
	if _, err := rpcjson.UnmarshalParam(params, 2, "locktime", &lockTime); err != nil {
		return nil, err
	}
	if lockTime < 0 || lockTime > 0xffffffff {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "Invalid parameter, locktime out of range")
	}
	tx.LockTime = uint32(lockTime)
	rbf := false
	if _, err := rpcjson.UnmarshalParam(params, 3, "replaceable", &rbf); err != nil {
		return nil, err
	}
	if err := s.addRawTxInputs(tx, params, rbf); err != nil {
		return nil, err
	}
	if err := s.addRawTxOutputs(tx, params); err != nil {
		return nil, err
	}
	return tx, nil
}

// addRawTxInputs adds the inputs parameter's inputs.
func (s *Server) addRawTxInputs(tx *wire.MsgTx, params []json.RawMessage, rbf bool) error {
	var inputs []map[string]json.RawMessage
	if _, err := rpcjson.UnmarshalParam(params, 0, "inputs", &inputs); err != nil {
		return err
	}
	for _, in := range inputs {
		var txidStr string
		if err := json.Unmarshal(in["txid"], &txidStr); err != nil {
			return rpcjson.NewRPCError(rpcjson.ErrRPCType, "JSON value of type null for field txid is not of expected type string")
		}
		txid, err := parseHash(txidStr, "txid")
		if err != nil {
			return err
		}
		var vout int64
		if in["vout"] == nil {
			return rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "Invalid parameter, missing vout key")
		}
		if err := json.Unmarshal(in["vout"], &vout); err != nil {
			return rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "Invalid parameter, vout must be a number")
		}
		if vout < 0 {
			return rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "Invalid parameter, vout cannot be negative")
		}
		seq := uint32(wire.MaxTxInSequenceNum)
		switch {
		case rbf:
			seq = maxBIP125RBFSequence
		case tx.LockTime != 0:
			seq = maxSequenceNonFinal
		}
		if raw, ok := in["sequence"]; ok {
			var v int64
			if err := json.Unmarshal(raw, &v); err != nil || v < 0 || v > 0xffffffff {
				return rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "Invalid parameter, sequence number is out of range")
			}
			seq = uint32(v)
		}
		txIn := wire.NewTxIn(wire.NewOutPoint(&txid, uint32(vout)), nil, nil)
		txIn.Sequence = seq
		tx.AddTxIn(txIn)
	}
	return nil
}

// addRawTxOutputs adds the outputs parameter's outputs: an object of
// address: amount and "data": hex, or an array of such one-key objects.
func (s *Server) addRawTxOutputs(tx *wire.MsgTx, params []json.RawMessage) error {
	var members []keyValue
	raw := bytes.TrimSpace(params[1])
	if len(raw) > 0 && raw[0] == '[' {
		var objs []json.RawMessage
		if err := json.Unmarshal(raw, &objs); err != nil {
			return rpcjson.NewRPCError(rpcjson.ErrRPCType, "Invalid parameter, outputs must be an array or an object")
		}
		for _, o := range objs {
			kv, ok := decodeOrderedObject(o)
			if !ok || len(kv) != 1 {
				return rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter,
					"Invalid parameter, key-value pair must contain exactly one key")
			}
			members = append(members, kv...)
		}
	} else {
		kv, ok := decodeOrderedObject(raw)
		if !ok {
			return rpcjson.NewRPCError(rpcjson.ErrRPCType, "Invalid parameter, outputs must be an array or an object")
		}
		members = kv
	}
	seen := make(map[string]bool)
	for _, m := range members {
		if m.key == "data" {
			if seen["data"] {
				return rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "Invalid parameter, duplicate key: data")
			}
			seen["data"] = true
			var h string
			if json.Unmarshal(m.value, &h) != nil || (h != "" && !isHex(h)) {
				return rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "Data must be hexadecimal string (not '"+strings.Trim(string(m.value), `"`)+"')")
			}
			data, _ := hex.DecodeString(h)
			script, err := txscript.NewScriptBuilder().AddOp(txscript.OP_RETURN).AddFullData(data).Script()
			if err != nil {
				return rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, err.Error())
			}
			tx.AddTxOut(wire.NewTxOut(0, script))
			continue
		}
		addr, err := txscript.DecodeAddress(m.key, s.cfg.ChainParams)
		if err != nil || !addr.IsForNet(s.cfg.ChainParams) {
			return rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey, "Invalid Bitcoin address: "+m.key)
		}
		if seen[m.key] {
			return rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "Invalid parameter, duplicated address: "+m.key)
		}
		seen[m.key] = true
		script, err := txscript.PayToAddrScript(addr)
		if err != nil {
			return rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey, "Invalid Bitcoin address: "+m.key)
		}
		v, err := parseAmount(m.value)
		if err != nil {
			return err
		}
		tx.AddTxOut(wire.NewTxOut(v, script))
	}
	return nil
}

// handleCreateRawTransaction implements createrawtransaction.
func (s *Server) handleCreateRawTransaction(_ context.Context, params []json.RawMessage) (any, error) {
	tx, err := s.buildRawTx(params)
	if err != nil {
		return nil, err
	}
	return hex.EncodeToString(tx.Bytes()), nil
}

// coin returns the output op, from the pool or the UTXO set (Core's
// CCoinsViewMemPool); nil when it is spent or unknown.
func (s *Server) coin(op wire.OutPoint) *wire.TxOut {
	if s.cfg.TxPool != nil {
		if tx, err := s.cfg.TxPool.FetchTransaction(&op.Hash); err == nil && tx.TxHash() == op.Hash {
			if int(op.Index) < len(tx.TxOut) && s.cfg.TxPool.Spender(op) == nil {
				return tx.TxOut[op.Index]
			}
			return nil
		}
	}
	if s.cfg.UtxoSet == nil {
		return nil
	}
	e, err := s.cfg.UtxoSet.FetchUtxoEntry(op)
	if err != nil || e == nil {
		return nil
	}
	if s.cfg.TxPool != nil && s.cfg.TxPool.Spender(op) != nil {
		return nil
	}
	return wire.NewTxOut(e.Amount, e.PkScript)
}

// signErrorJSON is one entry of signrawtransactionwithkey's "errors".
type signErrorJSON struct {
	Txid      string   `json:"txid"`
	Vout      uint32   `json:"vout"`
	Witness   []string `json:"witness"`
	ScriptSig string   `json:"scriptSig"`
	Sequence  uint32   `json:"sequence"`
	Error     string   `json:"error"`
}

// signResultJSON is signrawtransactionwithkey's result.
type signResultJSON struct {
	Hex      string          `json:"hex"`
	Complete bool            `json:"complete"`
	Errors   []signErrorJSON `json:"errors,omitempty"`
}

// sigHashTypes maps Core's sighash parameter names to their types.
var sigHashTypes = map[string]txscript.SigHashType{
	"DEFAULT":             txscript.SigHashDefault,
	"ALL":                 txscript.SigHashAll,
	"NONE":                txscript.SigHashNone,
	"SINGLE":              txscript.SigHashSingle,
	"ALL|ANYONECANPAY":    txscript.SigHashAll | txscript.SigHashAnyOneCanPay,
	"NONE|ANYONECANPAY":   txscript.SigHashNone | txscript.SigHashAnyOneCanPay,
	"SINGLE|ANYONECANPAY": txscript.SigHashSingle | txscript.SigHashAnyOneCanPay,
}

// sigHashParam reads a sighash type parameter (DEFAULT when absent).
func sigHashParam(params []json.RawMessage, i int) (txscript.SigHashType, error) {
	name := "DEFAULT"
	if _, err := rpcjson.UnmarshalParam(params, i, "sighashtype", &name); err != nil {
		return 0, err
	}
	ht, ok := sigHashTypes[name]
	if !ok {
		return 0, rpcjson.NewRPCErrorf(rpcjson.ErrRPCInvalidParameter, "'%s' is not a valid sighash parameter.", name)
	}
	return ht, nil
}

// handleSignRawTransactionWithKey implements signrawtransactionwithkey:
// the given WIF keys sign every input they can, the spent outputs coming
// from prevtxs, the pool or the UTXO set.
func (s *Server) handleSignRawTransactionWithKey(_ context.Context, params []json.RawMessage) (any, error) {
	var hexStr string
	if _, err := stringParam(params, 0, "hexstring", &hexStr); err != nil {
		return nil, err
	}
	tx, ok := decodeTx(hexStr, true, true)
	if !ok {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCDeserialization, "TX decode failed. Make sure the tx has at least one input.")
	}
	var wifs []string
	if _, err := rpcjson.UnmarshalParam(params, 1, "privkeys", &wifs); err != nil {
		return nil, err
	}
	ks := newKeyStore()
	for _, w := range wifs {
		key, compressed, err := txscript.DecodeWIF(w, s.cfg.ChainParams)
		if err != nil {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey, "Invalid private key")
		}
		ks.addKey(key, compressed)
	}
	coins, err := s.prevOuts(tx, params, 2, ks)
	if err != nil {
		return nil, err
	}
	hashType, err := sigHashParam(params, 3)
	if err != nil {
		return nil, err
	}
	return s.signTx(tx, coins, ks, hashType), nil
}

// prevOuts collects the outputs tx spends: the prevtxs parameter at
// params[i] first (whose scripts ks learns), then the pool and the UTXO
// set.
func (s *Server) prevOuts(tx *wire.MsgTx, params []json.RawMessage, i int, ks *keyStore) (map[wire.OutPoint]*wire.TxOut, error) {
	coins := make(map[wire.OutPoint]*wire.TxOut)
	for _, in := range tx.TxIn {
		if c := s.coin(in.PreviousOutPoint); c != nil {
			coins[in.PreviousOutPoint] = c
		}
	}
	var prevs []map[string]json.RawMessage
	if _, err := rpcjson.UnmarshalParam(params, i, "prevtxs", &prevs); err != nil {
		return nil, err
	}
	for _, p := range prevs {
		var txidStr, spkHex string
		var vout int64 = -1
		if json.Unmarshal(p["txid"], &txidStr) != nil || json.Unmarshal(p["vout"], &vout) != nil ||
			json.Unmarshal(p["scriptPubKey"], &spkHex) != nil {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCType, "expected object with {\"txid'\",\"vout\",\"scriptPubKey\"}")
		}
		txid, err := parseHash(txidStr, "txid")
		if err != nil {
			return nil, err
		}
		if vout < 0 {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCDeserialization, "vout cannot be negative")
		}
		spk, err := hex.DecodeString(spkHex)
		if err != nil {
			return nil, rpcjson.NewRPCErrorf(rpcjson.ErrRPCDeserialization, "scriptPubKey must be hexadecimal string (not '%s')", spkHex)
		}
		op := wire.OutPoint{Hash: txid, Index: uint32(vout)}
		if c, ok := coins[op]; ok && !bytes.Equal(c.PkScript, spk) {
			return nil, rpcjson.NewRPCErrorf(rpcjson.ErrRPCDeserialization,
				"Previous output scriptPubKey mismatch:\n%s\nvs:\n%s", scriptAsm(c.PkScript, false), scriptAsm(spk, false))
		}
		amt := int64(-1)
		if raw, ok := p["amount"]; ok {
			if amt, err = parseAmount(raw); err != nil {
				return nil, err
			}
		}
		coins[op] = wire.NewTxOut(amt, spk)
		for _, name := range []string{"redeemScript", "witnessScript"} {
			var h string
			if raw, ok := p[name]; ok {
				if json.Unmarshal(raw, &h) != nil || !isHex(h) {
					return nil, rpcjson.NewRPCErrorf(rpcjson.ErrRPCDeserialization, "%s must be hexadecimal string (not '%s')", name, strings.Trim(string(raw), `"`))
				}
				b, _ := hex.DecodeString(h)
				ks.addScript(b)
			}
		}
	}
	return coins, nil
}

// signTx signs every input of tx it can with ks and reports the result as
// signrawtransactionwithkey does; an input whose script fails afterwards
// gets an error entry with Core's message.
func (s *Server) signTx(tx *wire.MsgTx, coins map[wire.OutPoint]*wire.TxOut, ks *keyStore,
	hashType txscript.SigHashType) *signResultJSON {
	known := make(map[wire.OutPoint]*wire.TxOut, len(coins))
	for op, c := range coins {
		if c.Value >= 0 {
			known[op] = c
		}
	}
	fetcher := txscript.NewMultiPrevOutFetcher(known)
	sigHashes := txscript.NewTxSigHashes(tx, fetcher)
	res := &signResultJSON{Complete: true}
	for i, in := range tx.TxIn {
		c := coins[in.PreviousOutPoint]
		if c == nil {
			res.addError(tx, i, "Input not found or already spent")
			continue
		}
		if c.Value < 0 && txscript.IsWitnessProgram(c.PkScript) {
			res.addError(tx, i, "Missing amount")
			continue
		}
		amt := max(c.Value, 0)
		sg := &inputSigner{tx: tx, idx: i, amount: amt, sigHashes: sigHashes, hashType: hashType, ks: ks}
		sg.collectExisting()
		if sigScript, witness, ok := sg.sign(c.PkScript); ok || sigScript != nil || witness != nil {
			in.SignatureScript, in.Witness = sigScript, witness
		}
		if c.Value < 0 && len(in.Witness) > 0 {
			// A wrapped segwit spend signs its amount (Core: "Missing
			// amount" when a witness results without one).
			res.addError(tx, i, "Missing amount")
			continue
		}
		if err := verifyInput(tx, i, c.PkScript, amt, sigHashes, fetcher); err != nil {
			res.addError(tx, i, scriptErrorString(err))
		}
	}
	res.Hex = hex.EncodeToString(tx.Bytes())
	return res
}

// addError records a failed input.
func (r *signResultJSON) addError(tx *wire.MsgTx, i int, msg string) {
	in := tx.TxIn[i]
	e := signErrorJSON{Txid: in.PreviousOutPoint.Hash.String(), Vout: in.PreviousOutPoint.Index,
		Witness: []string{}, ScriptSig: hex.EncodeToString(in.SignatureScript), Sequence: in.Sequence, Error: msg}
	for _, w := range in.Witness {
		e.Witness = append(e.Witness, hex.EncodeToString(w))
	}
	r.Errors = append(r.Errors, e)
	r.Complete = false
}

// verifyInput runs input i's scripts with the standard flags.
func verifyInput(tx *wire.MsgTx, i int, pkScript []byte, amt int64, sh *txscript.TxSigHashes,
	fetcher txscript.PrevOutputFetcher) error {
	vm, err := txscript.NewEngine(pkScript, tx, i, txscript.StandardVerifyFlags, nil, sh, amt, fetcher)
	if err != nil {
		return err
	}
	return vm.Execute()
}

// scriptErrorString is the message signrawtransactionwithkey gives a
// script failure, as Core's ScriptErrorString with its two special cases.
func scriptErrorString(err error) string {
	switch txscript.ErrorKind(txscript.ErrorName(err)) {
	case txscript.ErrInvalidStackOperation:
		return "Unable to sign input, invalid stack size (possibly missing key)"
	case txscript.ErrNullFail:
		return "CHECK(MULTI)SIG failing with non-zero signature (possibly need more signatures)"
	case txscript.ErrEvalFalse:
		return "Script evaluated without error but finished with a false/empty top stack element"
	case txscript.ErrWitnessProgramEmpty:
		return "Witness program was passed an empty witness"
	case txscript.ErrWitnessProgramMismatch:
		return "Witness program hash mismatch"
	case txscript.ErrEqualVerify:
		return "Script failed an OP_EQUALVERIFY operation"
	case txscript.ErrSigDER:
		return "Non-canonical DER signature"
	}
	return err.Error()
}

// keyStore holds the keys and scripts a signer may use: Core's
// FillableSigningProvider, which also learns the P2WPKH script of each
// compressed key (for P2SH-P2WPKH) and the P2WSH wrapping of each script.
type keyStore struct {
	byHash  map[string]*btcec.PrivateKey // HASH160 of the serialized key
	pubs    map[string][]byte            // HASH160 -> serialized key
	tapKeys map[string]*btcec.PrivateKey // BIP86 output key -> internal key
	scripts map[string][]byte            // HASH160 or SHA256 of a script -> script
}

// newKeyStore returns an empty store.
func newKeyStore() *keyStore {
	return &keyStore{byHash: map[string]*btcec.PrivateKey{}, pubs: map[string][]byte{},
		tapKeys: map[string]*btcec.PrivateKey{}, scripts: map[string][]byte{}}
}

// addKey adds a private key with the serialization its addresses use.
func (ks *keyStore) addKey(key *btcec.PrivateKey, compressed bool) {
	pub := key.PubKey().SerializeUncompressed()
	if compressed {
		pub = key.PubKey().SerializeCompressed()
	}
	h := string(txscript.Hash160(pub))
	ks.byHash[h], ks.pubs[h] = key, pub
	if compressed {
		ks.addScript(txscript.PayToWitnessPubKeyHashScript([]byte(h)))
		out := txscript.ComputeTaprootKeyNoScript(key.PubKey())
		ks.tapKeys[string(schnorr.SerializePubKey(out))] = key
	}
}

// addScript learns a redeem or witness script, and its P2WSH wrapping.
func (ks *keyStore) addScript(script []byte) {
	ks.scripts[string(txscript.Hash160(script))] = script
	sum := sha256Sum(script)
	ks.scripts[string(sum)] = script
	w := txscript.PayToWitnessScriptHashScript(sum)
	ks.scripts[string(txscript.Hash160(w))] = w
}

// sigVersion is the signature scheme a script is signed under.
type sigVersion int

const (
	sigBase sigVersion = iota
	sigWitnessV0
)

// inputSigner signs one input: it solves the spent script with the store's
// keys and scripts, reusing the signatures the input already holds (so
// partial multisig signatures combine).
type inputSigner struct {
	tx        *wire.MsgTx
	idx       int
	amount    int64
	sigHashes *txscript.TxSigHashes
	hashType  txscript.SigHashType
	ks        *keyStore
	existing  [][]byte
}

// collectExisting gathers the pushes of the input's scriptSig and witness
// as candidate signatures, and learns their scripts.
func (sg *inputSigner) collectExisting() {
	in := sg.tx.TxIn[sg.idx]
	pushes, _ := txscript.PushedData(in.SignatureScript)
	sg.addExisting(pushes, in.Witness)
}

// addExisting adds candidate signatures and scripts from a scriptSig's
// pushes and a witness.
func (sg *inputSigner) addExisting(pushes [][]byte, witness wire.TxWitness) {
	sg.existing = append(sg.existing, pushes...)
	sg.existing = append(sg.existing, witness...)
	if n := len(pushes); n > 0 && len(pushes[n-1]) > 0 {
		sg.ks.addScript(pushes[n-1])
	}
	if n := len(witness); n > 0 && len(witness[n-1]) > 0 {
		sg.ks.addScript(witness[n-1])
	}
}

// sign returns the scriptSig and witness spending pkScript and whether
// they are complete; incomplete multisig results hold the signatures
// found so far.
func (sg *inputSigner) sign(pkScript []byte) ([]byte, wire.TxWitness, bool) {
	switch {
	case txscript.IsPayToScriptHash(pkScript):
		redeem := sg.ks.scripts[string(pkScript[2:22])]
		if redeem == nil {
			return nil, nil, false
		}
		if txscript.IsWitnessProgram(redeem) {
			_, w, ok := sg.signWitness(redeem)
			return pushAll([][]byte{redeem}), w, ok
		}
		stack, ok := sg.solve(redeem, sigBase)
		if stack == nil {
			return nil, nil, false
		}
		return pushAll(append(stack, redeem)), nil, ok
	case txscript.IsWitnessProgram(pkScript):
		return sg.signWitness(pkScript)
	}
	stack, ok := sg.solve(pkScript, sigBase)
	if stack == nil {
		return nil, nil, false
	}
	return pushAll(stack), nil, ok
}

// signWitness signs a witness program: P2WPKH, P2WSH or a P2TR key path.
func (sg *inputSigner) signWitness(program []byte) ([]byte, wire.TxWitness, bool) {
	switch {
	case txscript.IsPayToWitnessPubKeyHash(program):
		stack, ok := sg.solve(txscript.PayToPubKeyHashScript(program[2:]), sigWitnessV0)
		return nil, stack, ok
	case txscript.IsPayToWitnessScriptHash(program):
		ws := sg.ks.scripts[string(program[2:])]
		if ws == nil {
			return nil, nil, false
		}
		stack, ok := sg.solve(ws, sigWitnessV0)
		if stack == nil {
			return nil, nil, false
		}
		return nil, append(stack, ws), ok
	case txscript.IsPayToTaproot(program):
		key := sg.ks.tapKeys[string(program[2:])]
		if key == nil {
			return nil, nil, false
		}
		sig, err := txscript.RawTxInTaprootSignature(sg.tx, sg.sigHashes, sg.idx, sg.amount, program,
			nil, sg.hashType, key)
		if err != nil {
			return nil, nil, false
		}
		return nil, wire.TxWitness{sig}, true
	}
	return nil, nil, false
}

// solve returns the stack satisfying a P2PK, P2PKH or multisig script
// (nil when it cannot start one) and whether it is complete.
func (sg *inputSigner) solve(script []byte, sv sigVersion) ([][]byte, bool) {
	if txscript.IsPayToPubKeyHash(script) {
		pub := sg.ks.pubs[string(script[3:23])]
		if pub == nil {
			return nil, false
		}
		sig := sg.sigFor(script, pub, sv)
		if sig == nil {
			return nil, false
		}
		return [][]byte{sig, pub}, true
	}
	pushes, err := txscript.PushedData(script)
	if err != nil {
		return nil, false
	}
	switch txscript.GetScriptClass(script) {
	case txscript.PubKeyTy:
		sig := sg.sigFor(script, pushes[0], sv)
		if sig == nil {
			return nil, false
		}
		return [][]byte{sig}, true
	case txscript.MultiSigTy:
		_, need, err := txscript.CalcMultiSigStats(script)
		if err != nil {
			return nil, false
		}
		stack := [][]byte{nil}
		for _, pub := range pushes {
			if len(stack)-1 == need {
				break
			}
			if sig := sg.sigFor(script, pub, sv); sig != nil {
				stack = append(stack, sig)
			}
		}
		complete := len(stack)-1 == need
		for len(stack)-1 < need {
			stack = append(stack, nil)
		}
		return stack, complete
	}
	return nil, false
}

// sigFor returns a signature by pub over the input: a new one when the
// store has its key, else an existing one that verifies; nil otherwise.
func (sg *inputSigner) sigFor(scriptCode, pub []byte, sv sigVersion) []byte {
	ht := sg.hashType
	if ht == txscript.SigHashDefault {
		ht = txscript.SigHashAll
	}
	if key := sg.ks.byHash[string(txscript.Hash160(pub))]; key != nil && bytes.Equal(sg.ks.pubs[string(txscript.Hash160(pub))], pub) {
		var sig []byte
		var err error
		if sv == sigWitnessV0 {
			sig, err = txscript.RawTxInWitnessSignature(sg.tx, sg.sigHashes, sg.idx, sg.amount, scriptCode, ht, key)
		} else {
			sig, err = txscript.RawTxInSignature(sg.tx, sg.idx, scriptCode, ht, key)
		}
		if err == nil {
			return sig
		}
	}
	pk, err := btcec.ParsePubKey(pub)
	if err != nil {
		return nil
	}
	for _, cand := range sg.existing {
		if len(cand) < 9 || len(cand) > 73 {
			continue
		}
		sig, err := ecdsa.ParseDERSignature(cand[:len(cand)-1])
		if err != nil {
			continue
		}
		hash, err := sg.sigHash(scriptCode, txscript.SigHashType(cand[len(cand)-1]), sv)
		if err == nil && sig.Verify(hash, pk) {
			return cand
		}
	}
	return nil
}

// sigHash is the hash an ECDSA signature of the input commits to.
func (sg *inputSigner) sigHash(scriptCode []byte, ht txscript.SigHashType, sv sigVersion) ([]byte, error) {
	if sv == sigWitnessV0 {
		return txscript.CalcWitnessSigHash(scriptCode, sg.sigHashes, ht, sg.tx, sg.idx, sg.amount)
	}
	return txscript.CalcSignatureHash(scriptCode, ht, sg.tx, sg.idx)
}

// pushAll builds a push-only script of items (an empty item is OP_0).
func pushAll(items [][]byte) []byte {
	b := txscript.NewScriptBuilder()
	for _, it := range items {
		b.AddFullData(it)
	}
	s, _ := b.Script()
	return s
}

// handleCombineRawTransaction implements combinerawtransaction: for each
// input the signatures of every variant are merged (a variant whose input
// already verifies is taken as is).
func (s *Server) handleCombineRawTransaction(_ context.Context, params []json.RawMessage) (any, error) {
	var raws []string
	if _, err := rpcjson.UnmarshalParam(params, 0, "txs", &raws); err != nil {
		return nil, err
	}
	variants := make([]*wire.MsgTx, len(raws))
	for i, r := range raws {
		tx, ok := decodeTx(r, true, true)
		if !ok {
			return nil, rpcjson.NewRPCErrorf(rpcjson.ErrRPCDeserialization,
				"TX decode failed for tx %d. Make sure the tx has at least one input.", i)
		}
		variants[i] = tx
	}
	if len(variants) == 0 {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCDeserialization, "Missing transactions")
	}
	merged := variants[0].Copy()
	coins := make(map[wire.OutPoint]*wire.TxOut)
	for _, in := range merged.TxIn {
		c := s.coin(in.PreviousOutPoint)
		if c == nil {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCVerify, "Input not found or already spent")
		}
		coins[in.PreviousOutPoint] = c
	}
	fetcher := txscript.NewMultiPrevOutFetcher(coins)
	sigHashes := txscript.NewTxSigHashes(merged, fetcher)
	for i, in := range merged.TxIn {
		c := coins[in.PreviousOutPoint]
		if mergeInput(merged, i, c, variants, sigHashes, fetcher) {
			continue
		}
		sg := &inputSigner{tx: merged, idx: i, amount: c.Value, sigHashes: sigHashes,
			hashType: txscript.SigHashAll, ks: newKeyStore()}
		for _, v := range variants {
			if i < len(v.TxIn) {
				pushes, _ := txscript.PushedData(v.TxIn[i].SignatureScript)
				sg.addExisting(pushes, v.TxIn[i].Witness)
			}
		}
		if sigScript, witness, _ := sg.sign(c.PkScript); sigScript != nil || witness != nil {
			in.SignatureScript, in.Witness = sigScript, witness
		}
	}
	return hex.EncodeToString(merged.Bytes()), nil
}

// mergeInput takes input i from the first variant whose input verifies;
// false when none does.
func mergeInput(merged *wire.MsgTx, i int, c *wire.TxOut, variants []*wire.MsgTx,
	sh *txscript.TxSigHashes, fetcher txscript.PrevOutputFetcher) bool {
	in := merged.TxIn[i]
	for _, v := range variants {
		if i >= len(v.TxIn) {
			continue
		}
		in.SignatureScript, in.Witness = v.TxIn[i].SignatureScript, v.TxIn[i].Witness
		if verifyInput(merged, i, c.PkScript, c.Value, sh, fetcher) == nil {
			return true
		}
	}
	return false
}
