package rpcserver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// This file holds the "Rawtransactions" methods (decoderawtransaction,
// decodescript, getrawtransaction) and the JSON helpers every RPC file
// shares: Core's script asm, descriptors and the transaction object of
// TxToUniv.

// scriptAsm is Core's ScriptToAsmStr (txscript implements it).
func scriptAsm(script []byte, decodeSigs bool) string {
	return txscript.ScriptToAsm(script, decodeSigs)
}

// scriptType is Core's GetTxnOutputType name for a script.
func scriptType(script []byte) string {
	return txscript.GetScriptClass(script).String()
}

// scriptAddress returns the address Core's ExtractDestination finds in
// script (none for bare pubkeys, multisig, data and non-standard scripts).
func scriptAddress(script []byte, params *chaincfg.Params) string {
	if txscript.IsPayToAnchor(script) {
		a, err := txscript.EncodeSegWitAddress(params.Bech32HRPSegwit, 1, script[2:])
		if err != nil {
			return ""
		}
		return a
	}
	class, addrs, _, err := txscript.ExtractPkScriptAddrs(script, params)
	if err != nil || len(addrs) != 1 {
		return ""
	}
	switch class {
	case txscript.PubKeyTy, txscript.MultiSigTy, txscript.NullDataTy, txscript.NonStandardTy:
		return ""
	}
	return addrs[0].EncodeAddress()
}

// inferDescriptor is Core's InferDescriptor without key knowledge: pk()
// for bare pubkeys, multi() for bare multisig, addr() for scripts with an
// address and raw() for the rest, each with its checksum.
func inferDescriptor(script []byte, params *chaincfg.Params) string {
	var desc string
	class, _, nreq, err := txscript.ExtractPkScriptAddrs(script, params)
	switch {
	case txscript.IsPayToTaproot(script):
		desc = "rawtr(" + hex.EncodeToString(script[2:]) + ")"
	case err == nil && class == txscript.PubKeyTy:
		pushes, _ := txscript.PushedData(script)
		if len(pushes) == 1 {
			desc = "pk(" + hex.EncodeToString(pushes[0]) + ")"
		}
	case err == nil && class == txscript.MultiSigTy:
		pushes, _ := txscript.PushedData(script)
		parts := []string{strconv.Itoa(nreq)}
		for _, p := range pushes {
			parts = append(parts, hex.EncodeToString(p))
		}
		desc = "multi(" + strings.Join(parts, ",") + ")"
	}
	if desc == "" {
		if a := scriptAddress(script, params); a != "" {
			desc = "addr(" + a + ")"
		} else {
			desc = "raw(" + hex.EncodeToString(script) + ")"
		}
	}
	return addDescriptorChecksum(desc)
}

// descInputCharset and descChecksumCharset are BIP380's descriptor
// checksum alphabets.
const (
	descInputCharset = "0123456789()[],'/*abcdefgh@:$%{}" +
		"IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~" +
		"ijklmnopqrstuvwxyzABCDEFGH`#\"\\ "
	descChecksumCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
)

// descPolymod is BIP380's checksum step.
func descPolymod(c uint64, val int) uint64 {
	c0 := c >> 35
	c = (c&0x7ffffffff)<<5 ^ uint64(val)
	gens := [5]uint64{0xf5dee51989, 0xa9fdca3312, 0x1bab10e32d, 0x3706b1677a, 0x644d626ffd}
	for i, g := range gens {
		if c0>>i&1 != 0 {
			c ^= g
		}
	}
	return c
}

// addDescriptorChecksum appends "#" and BIP380's eight-character checksum;
// a descriptor with characters outside the charset is returned unchanged.
func addDescriptorChecksum(desc string) string {
	c := uint64(1)
	cls, clsCount := 0, 0
	for _, ch := range desc {
		pos := strings.IndexRune(descInputCharset, ch)
		if pos < 0 {
			return desc
		}
		c = descPolymod(c, pos&31)
		cls = cls*3 + pos>>5
		clsCount++
		if clsCount == 3 {
			c = descPolymod(c, cls)
			cls, clsCount = 0, 0
		}
	}
	if clsCount > 0 {
		c = descPolymod(c, cls)
	}
	for i := 0; i < 8; i++ {
		c = descPolymod(c, 0)
	}
	c ^= 1
	out := make([]byte, 8)
	for i := 0; i < 8; i++ {
		out[i] = descChecksumCharset[c>>(5*(7-i))&31]
	}
	return desc + "#" + string(out)
}

// scriptPubKeyJSON is Core's ScriptToUniv for an output script.
type scriptPubKeyJSON struct {
	Asm     string `json:"asm"`
	Desc    string `json:"desc"`
	Hex     string `json:"hex"`
	Address string `json:"address,omitempty"`
	Type    string `json:"type"`
}

// newScriptPubKeyJSON describes an output script.
func newScriptPubKeyJSON(script []byte, params *chaincfg.Params) scriptPubKeyJSON {
	return scriptPubKeyJSON{
		Asm:     scriptAsm(script, false),
		Desc:    inferDescriptor(script, params),
		Hex:     hex.EncodeToString(script),
		Address: scriptAddress(script, params),
		Type:    scriptType(script),
	}
}

// scriptSigJSON is a scriptSig in TxToUniv.
type scriptSigJSON struct {
	Asm string `json:"asm"`
	Hex string `json:"hex"`
}

// vinJSON is one input in TxToUniv.
type vinJSON struct {
	Coinbase    string         `json:"coinbase,omitempty"`
	Txid        string         `json:"txid,omitempty"`
	Vout        *uint32        `json:"vout,omitempty"`
	ScriptSig   *scriptSigJSON `json:"scriptSig,omitempty"`
	TxInWitness []string       `json:"txinwitness,omitempty"`
	Prevout     *prevoutJSON   `json:"prevout,omitempty"`
	Sequence    uint32         `json:"sequence"`
}

// prevoutJSON is the spent output getblock verbosity 3 shows per input.
type prevoutJSON struct {
	Generated    bool             `json:"generated"`
	Height       int32            `json:"height"`
	Value        amount           `json:"value"`
	ScriptPubKey scriptPubKeyJSON `json:"scriptPubKey"`
}

// voutJSON is one output in TxToUniv.
type voutJSON struct {
	Value        amount           `json:"value"`
	N            int              `json:"n"`
	ScriptPubKey scriptPubKeyJSON `json:"scriptPubKey"`
}

// txJSON is Core's TxToUniv, with the fields getrawtransaction and
// getblock add.
type txJSON struct {
	InActiveChain *bool      `json:"in_active_chain,omitempty"`
	Txid          string     `json:"txid"`
	Hash          string     `json:"hash"`
	Version       int32      `json:"version"`
	Size          int        `json:"size"`
	VSize         int64      `json:"vsize"`
	Weight        int64      `json:"weight"`
	LockTime      uint32     `json:"locktime"`
	Vin           []vinJSON  `json:"vin"`
	Vout          []voutJSON `json:"vout"`
	Fee           *amount    `json:"fee,omitempty"`
	Hex           string     `json:"hex,omitempty"`
	BlockHash     string     `json:"blockhash,omitempty"`
	Confirmations *int32     `json:"confirmations,omitempty"`
	Time          *int64     `json:"time,omitempty"`
	BlockTime     *int64     `json:"blocktime,omitempty"`
}

// newTxJSON describes tx as TxToUniv does (with its hex when withHex).
func newTxJSON(tx *wire.MsgTx, params *chaincfg.Params, withHex bool) *txJSON {
	txid, wtxid := tx.TxHash(), tx.WitnessHash()
	r := &txJSON{
		Txid:     txid.String(),
		Hash:     wtxid.String(),
		Version:  tx.Version,
		Size:     tx.SerializeSize(),
		VSize:    tx.VSize(),
		Weight:   tx.Weight(),
		LockTime: tx.LockTime,
		Vin:      make([]vinJSON, 0, len(tx.TxIn)),
		Vout:     make([]voutJSON, 0, len(tx.TxOut)),
	}
	coinbase := standalone.IsCoinBaseTx(tx)
	for _, in := range tx.TxIn {
		v := vinJSON{Sequence: in.Sequence}
		if coinbase {
			v.Coinbase = hex.EncodeToString(in.SignatureScript)
		} else {
			v.Txid = in.PreviousOutPoint.Hash.String()
			idx := in.PreviousOutPoint.Index
			v.Vout = &idx
			v.ScriptSig = &scriptSigJSON{Asm: scriptAsm(in.SignatureScript, true),
				Hex: hex.EncodeToString(in.SignatureScript)}
		}
		for _, w := range in.Witness {
			v.TxInWitness = append(v.TxInWitness, hex.EncodeToString(w))
		}
		r.Vin = append(r.Vin, v)
	}
	for i, out := range tx.TxOut {
		r.Vout = append(r.Vout, voutJSON{Value: amount(out.Value), N: i,
			ScriptPubKey: newScriptPubKeyJSON(out.PkScript, params)})
	}
	if withHex {
		r.Hex = hex.EncodeToString(tx.Bytes())
	}
	return r
}

// addUndo adds what a block's undo data tells about tx: its fee, and with
// prevouts each input's spent output (getblock verbosity 2 and 3). spent
// holds tx's spent outputs in input order.
func (r *txJSON) addUndo(tx *wire.MsgTx, spent []*blockchain.UtxoEntry, prevouts bool,
	params *chaincfg.Params) {
	if len(spent) != len(tx.TxIn) {
		return
	}
	var in, out int64
	for i, e := range spent {
		if e == nil {
			return
		}
		in += e.Amount
		if prevouts {
			r.Vin[i].Prevout = &prevoutJSON{Generated: e.IsCoinBase, Height: e.BlockHeight,
				Value: amount(e.Amount), ScriptPubKey: newScriptPubKeyJSON(e.PkScript, params)}
		}
	}
	for _, o := range tx.TxOut {
		out += o.Value
	}
	fee := amount(in - out)
	r.Fee = &fee
}

// rawTxMethods returns the raw transaction methods.
func (s *Server) rawTxMethods() []rpcjson.Method {
	return []rpcjson.Method{
		{
			Name:     "decoderawtransaction",
			Category: "Rawtransactions",
			Params: []rpcjson.ParamSpec{{Name: "hexstring", Type: "string"},
				{Name: "iswitness", Optional: true, Type: "boolean"}},
			Help: "Return a JSON object representing the serialized, hex-encoded transaction.\n\n" +
				"Arguments:\n1. hexstring    (string, required) The transaction hex string\n" +
				"2. iswitness    (boolean, optional, default=depends on heuristic tests) Whether the transaction hex is a serialized witness transaction.\n\n" +
				"Result: the transaction as getrawtransaction's verbose result, without hex and block fields.",
			Handler: s.handleDecodeRawTransaction,
		},
		{
			Name:     "decodescript",
			Category: "Rawtransactions",
			Params:   []rpcjson.ParamSpec{{Name: "hexstring", Type: "string"}},
			Help: "Decode a hex-encoded script.\n\nArguments:\n1. hexstring    (string, required) the hex-encoded script\n\n" +
				"Result:\n{\n  \"asm\" : \"str\",    (string) Script public key\n  \"desc\" : \"str\",    (string) Inferred descriptor for the script\n" +
				"  \"type\" : \"str\",    (string) The output type\n  \"address\" : \"str\",    (string, optional) The Bitcoin address (only if a well-defined address exists)\n" +
				"  \"p2sh\" : \"str\",    (string, optional) address of P2SH script wrapping this redeem script (not returned for types that should not be wrapped)\n" +
				"  \"segwit\" : {...}    (json object, optional) Result of a witness output script wrapping this redeem script (not returned for types that should not be wrapped)\n}",
			Handler: s.handleDecodeScript,
		},
		{
			Name:     "getrawtransaction",
			Category: "Rawtransactions",
			Params: []rpcjson.ParamSpec{{Name: "txid", Type: "string"},
				{Name: "verbosity", Optional: true, Type: "numeric"},
				{Name: "blockhash", Optional: true, Type: "string"}},
			Help: "By default, this call only returns a transaction if it is in the mempool. If -txindex is enabled\n" +
				"and no blockhash argument is passed, it will return the transaction if it is in a block in the blockchain.\n\n" +
				"Arguments:\n1. txid    (string, required) The transaction id\n" +
				"2. verbosity    (numeric, optional, default=0) 0 for hex-encoded data, 1 for a JSON object, and 2 for JSON object with fee and prevout (a boolean is accepted too)\n" +
				"3. blockhash    (string, optional) The block in which to look for the transaction\n\n" +
				"Result (verbosity 0):\n\"hex\"    (string) The serialized, hex-encoded data for 'txid'\n\n" +
				"Result (verbosity 1): the decoded transaction with hex, blockhash, confirmations, time and blocktime",
			Handler: s.handleGetRawTransaction,
		},
	}
}

// handleDecodeRawTransaction implements decoderawtransaction.
func (s *Server) handleDecodeRawTransaction(_ context.Context, params []json.RawMessage) (any, error) {
	var hexStr string
	if _, err := stringParam(params, 0, "hexstring", &hexStr); err != nil {
		return nil, err
	}
	tryNo, tryWit := true, true
	var isWitness bool
	if ok, err := rpcjson.UnmarshalParam(params, 1, "iswitness", &isWitness); err != nil {
		return nil, err
	} else if ok {
		tryNo, tryWit = !isWitness, isWitness
	}
	tx, ok := decodeTx(hexStr, tryNo, tryWit)
	if !ok {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCDeserialization, "TX decode failed")
	}
	return newTxJSON(tx, s.cfg.ChainParams, false), nil
}

// decodeScriptJSON is decodescript's result.
type decodeScriptJSON struct {
	Asm     string            `json:"asm"`
	Desc    string            `json:"desc"`
	Type    string            `json:"type"`
	Address string            `json:"address,omitempty"`
	P2SH    string            `json:"p2sh,omitempty"`
	Segwit  *decodeSegwitJSON `json:"segwit,omitempty"`
}

// decodeSegwitJSON is decodescript's "segwit" object.
type decodeSegwitJSON struct {
	Asm        string `json:"asm"`
	Hex        string `json:"hex"`
	Type       string `json:"type"`
	Address    string `json:"address,omitempty"`
	Desc       string `json:"desc"`
	P2SHSegwit string `json:"p2sh-segwit,omitempty"`
}

// handleDecodeScript implements decodescript.
func (s *Server) handleDecodeScript(_ context.Context, params []json.RawMessage) (any, error) {
	var hexStr string
	if _, err := stringParam(params, 0, "hexstring", &hexStr); err != nil {
		return nil, err
	}
	var script []byte
	if hexStr != "" {
		if !isHex(hexStr) {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCDeserialization,
				"argument must be hexadecimal string (not '"+hexStr+"')")
		}
		script, _ = hex.DecodeString(hexStr)
	}
	r := &decodeScriptJSON{
		Asm:     scriptAsm(script, false),
		Desc:    inferDescriptor(script, s.cfg.ChainParams),
		Type:    scriptType(script),
		Address: scriptAddress(script, s.cfg.ChainParams),
	}
	class := txscript.GetScriptClass(script)
	if !canWrapP2SH(script, class) {
		return r, nil
	}
	if a, err := txscript.NewAddressScriptHash(script, s.cfg.ChainParams); err == nil {
		r.P2SH = a.EncodeAddress()
	}
	// The segwit wrapping: P2WPKH for a P2PK or P2PKH script, P2WSH for
	// multisig and non-standard scripts, nothing for witness programs or
	// scripts with uncompressed keys (as Core's decodescript).
	var seg []byte
	switch class {
	case txscript.PubKeyHashTy:
		seg = txscript.PayToWitnessPubKeyHashScript(script[3:23])
	case txscript.PubKeyTy:
		if !hasUncompressedKey(script) {
			pushes, _ := txscript.PushedData(script)
			seg = txscript.PayToWitnessPubKeyHashScript(txscript.Hash160(pushes[0]))
		}
	case txscript.MultiSigTy:
		if !hasUncompressedKey(script) {
			seg = txscript.PayToWitnessScriptHashScript(sha256Sum(script))
		}
	case txscript.NonStandardTy:
		seg = txscript.PayToWitnessScriptHashScript(sha256Sum(script))
	}
	if seg != nil {
		sw := &decodeSegwitJSON{
			Asm:     scriptAsm(seg, false),
			Hex:     hex.EncodeToString(seg),
			Type:    scriptType(seg),
			Address: scriptAddress(seg, s.cfg.ChainParams),
			Desc:    inferDescriptor(seg, s.cfg.ChainParams),
		}
		if a, err := txscript.NewAddressScriptHash(seg, s.cfg.ChainParams); err == nil {
			sw.P2SHSegwit = a.EncodeAddress()
		}
		r.Segwit = sw
	}
	return r, nil
}

// sha256Sum is a single SHA-256 (the P2WSH program).
func sha256Sum(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:]
}

// canWrapP2SH is Core's decodescript test for offering a P2SH wrapping:
// only bare multisig, pubkey, pubkey-hash, v0 witness and non-standard
// scripts, and only when every opcode is valid, the script is spendable and
// it has no OP_CHECKSIGADD or OP_SUCCESSx.
func canWrapP2SH(script []byte, class txscript.ScriptClass) bool {
	switch class {
	case txscript.ScriptHashTy, txscript.NullDataTy, txscript.WitnessV1TaprootTy,
		txscript.WitnessUnknownTy, txscript.AnchorTy:
		return false
	}
	if txscript.IsUnspendable(script) {
		return false
	}
	t := txscript.MakeScriptTokenizer(script)
	for t.Next() {
		op := t.Opcode()
		if op > txscript.OP_CHECKSIGADD || op == txscript.OP_CHECKSIGADD || txscript.IsOpSuccess(op) {
			return false
		}
	}
	return t.Err() == nil
}

// hasUncompressedKey reports whether a script pushes a 65-byte public key
// (Core does not wrap such scripts in segwit).
func hasUncompressedKey(script []byte) bool {
	pushes, err := txscript.PushedData(script)
	if err != nil {
		return true
	}
	for _, p := range pushes {
		if len(p) == 65 && (p[0] == 4 || p[0] == 6 || p[0] == 7) {
			return true
		}
	}
	return false
}

// handleGetRawTransaction implements getrawtransaction: from the pool,
// then from the transaction index (with --txindex), or from the given
// block.
func (s *Server) handleGetRawTransaction(ctx context.Context, params []json.RawMessage) (any, error) {
	txid, err := hashParam(params, 0, "parameter 1")
	if err != nil {
		return nil, err
	}
	verbosity := 0
	if rpcjson.Present(params, 1) {
		var b bool
		if json.Unmarshal(params[1], &b) == nil {
			if b {
				verbosity = 1
			}
		} else if _, err := rpcjson.UnmarshalParam(params, 1, "verbosity", &verbosity); err != nil {
			return nil, err
		}
	}
	if txid == s.cfg.ChainParams.GenesisBlock.Transactions[0].TxHash() {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey,
			"The genesis block coinbase is not considered an ordinary transaction and cannot be retrieved")
	}
	if !rpcjson.Present(params, 2) {
		if tx, err := s.cfg.TxPool.FetchTransaction(&txid); err == nil && tx.TxHash() == txid {
			if verbosity <= 0 {
				return hex.EncodeToString(tx.Bytes()), nil
			}
			return newTxJSON(tx, s.cfg.ChainParams, true), nil
		}
		return s.indexedRawTransaction(ctx, txid, verbosity)
	}
	blockHash, err := hashParam(params, 2, "parameter 3")
	if err != nil {
		return nil, err
	}
	return s.rawTransactionInBlock(txid, blockHash, verbosity, true)
}

// indexedRawTransaction is getrawtransaction for a transaction not in the
// pool and without a block hash: it asks the transaction index, after
// Core's BlockUntilSyncedToCurrentChain, and answers Core's error for each
// state (no index, index catching up, not found).
func (s *Server) indexedRawTransaction(ctx context.Context, txid chainhash.Hash, verbosity int) (any, error) {
	ix := s.cfg.TxIndex
	if ix == nil || !ix.Open() {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey,
			"No such mempool transaction. Use -txindex or provide a block hash to enable "+
				"blockchain transaction queries. Use gettransaction for wallet transactions.")
	}
	ready := ix.BlockUntilSyncedToCurrentChain(ctx)
	tx, blockHash, err := ix.FetchTx(&txid)
	if err != nil {
		if !errors.Is(err, ErrTxNotIndexed) {
			log.Debugf("getrawtransaction %v: %v", txid, err)
		}
		msg := "No such mempool or blockchain transaction"
		if !ready {
			msg = "No such mempool transaction. Blockchain transactions are still in the process of being indexed"
		}
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey,
			msg+". Use gettransaction for wallet transactions.")
	}
	if verbosity <= 0 {
		return hex.EncodeToString(tx.Bytes()), nil
	}
	if verbosity >= 2 {
		// The fee and prevouts need the inputs of the transactions before
		// it in the block: take the block path, without in_active_chain
		// (Core adds it only for an explicit block hash).
		return s.rawTransactionInBlock(txid, blockHash, verbosity, false)
	}
	r := newTxJSON(tx, s.cfg.ChainParams, true)
	if info, err := s.cfg.Chain.BlockInfoByHash(&blockHash); err == nil {
		r.addBlockFields(info)
	}
	return r, nil
}

// addBlockFields adds Core's TxToJSON block fields for a transaction in
// the block info describes: blockhash, and confirmations, time and
// blocktime in the main chain (confirmations 0 off it).
func (r *txJSON) addBlockFields(info *blockchain.BlockInfo) {
	r.BlockHash = info.Hash.String()
	if info.InMainChain {
		conf := info.Confirmations
		t := info.Header.Timestamp.Unix()
		r.Confirmations, r.Time, r.BlockTime = &conf, &t, &t
	} else {
		zero := int32(0)
		r.Confirmations = &zero
	}
}

// rawTransactionInBlock is getrawtransaction for txid in the block
// blockHash; explicit (a block hash parameter) adds in_active_chain.
func (s *Server) rawTransactionInBlock(txid, blockHash chainhash.Hash, verbosity int,
	explicit bool) (any, error) {
	info, err := s.cfg.Chain.BlockInfoByHash(&blockHash)
	if err != nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey, "Block hash not found")
	}
	block, err := s.cfg.BlockStore.BlockByHash(&blockHash)
	if err != nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCMisc, "Block not available")
	}
	next := 0
	for i, tx := range block.Transactions {
		if tx.TxHash() != txid {
			if i > 0 {
				next += len(tx.TxIn)
			}
			continue
		}
		if verbosity <= 0 {
			return hex.EncodeToString(tx.Bytes()), nil
		}
		r := newTxJSON(tx, s.cfg.ChainParams, true)
		if verbosity >= 2 && i > 0 && info.InMainChain {
			// Verbosity 2 adds the fee and each input's prevout from the
			// block's undo data, as Core.
			if spent, err := s.cfg.BlockStore.SpentOutputs(&blockHash); err == nil &&
				next+len(tx.TxIn) <= len(spent) {
				r.addUndo(tx, spent[next:next+len(tx.TxIn)], true, s.cfg.ChainParams)
			}
		}
		if explicit {
			inActive := info.InMainChain
			r.InActiveChain = &inActive
		}
		r.addBlockFields(info)
		return r, nil
	}
	return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey,
		"No such transaction found in the provided block. Use gettransaction for wallet transactions.")
}
