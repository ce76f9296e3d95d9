package rpcserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"sort"
	"strconv"

	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/psbt"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/txscript/descriptor"
	"github.com/tern-org/ternd/wire"
)

// This file holds the PSBT methods that need no wallet (Core's
// rpc/rawtransaction.cpp): createpsbt, converttopsbt, decodepsbt,
// combinepsbt, finalizepsbt, joinpsbts, utxoupdatepsbt and analyzepsbt.

// psbtMethods returns the PSBT methods.
func (s *Server) psbtMethods() []rpcjson.Method {
	psbtArg := []rpcjson.ParamSpec{{Name: "psbt", Type: "string"}}
	txsArg := []rpcjson.ParamSpec{{Name: "txs", Type: "json array"}}
	return []rpcjson.Method{
		{
			Name: "createpsbt", Category: "Rawtransactions", Params: createTxParams,
			Help: "Creates a transaction in the Partially Signed Transaction format.\n" +
				"Implements the Creator role.\n\n" + createTxArgsHelp +
				"\n\nResult:\n\"str\"    (string) The resulting raw transaction (base64-encoded string)",
			Handler: s.handleCreatePSBT,
		},
		{
			Name: "converttopsbt", Category: "Rawtransactions",
			Params: []rpcjson.ParamSpec{{Name: "hexstring", Type: "string"},
				{Name: "permitsigdata", Optional: true, Type: "boolean"}, {Name: "iswitness", Optional: true, Type: "boolean"}},
			Help: "Converts a network serialized transaction to a PSBT. This should be used only with createrawtransaction and fundrawtransaction\n" +
				"createpsbt and walletcreatefundedpsbt should be used for new applications.\n\n" +
				"Arguments:\n1. hexstring        (string, required) The hex string of a raw transaction\n" +
				"2. permitsigdata    (boolean, optional, default=false) If true, any signatures in the input will be discarded and conversion\n" +
				"                    will continue. If false, RPC will fail if any signatures are present.\n" +
				"3. iswitness        (boolean, optional, default=depends on heuristic tests) Whether the transaction hex is a serialized witness transaction.\n\n" +
				"Result:\n\"str\"    (string) The resulting raw transaction (base64-encoded string)",
			Handler: s.handleConvertToPSBT,
		},
		{
			Name: "decodepsbt", Category: "Rawtransactions", Params: psbtArg,
			Help: "Return a JSON object representing the serialized, base64-encoded partially signed Bitcoin transaction.\n\n" +
				"Arguments:\n1. psbt    (string, required) The PSBT base64 string\n\n" +
				"Result:\n{\n  \"tx\" : {...},                 (json object) The decoded network-serialized unsigned transaction.\n" +
				"  \"global_xpubs\" : [...],      (json array)\n  \"psbt_version\" : n,          (numeric) The PSBT version number.\n" +
				"  \"proprietary\" : [...],       (json array) The global proprietary map\n" +
				"  \"unknown\" : {...},           (json object) The unknown global fields\n" +
				"  \"inputs\" : [...],            (json array)\n  \"outputs\" : [...],           (json array)\n" +
				"  \"fee\" : n                    (numeric, optional) The transaction fee paid if all UTXOs slots in the PSBT have been filled.\n}",
			Handler: s.handleDecodePSBT,
		},
		{
			Name: "combinepsbt", Category: "Rawtransactions", Params: txsArg,
			Help: "Combine multiple partially signed Bitcoin transactions into one transaction.\n" +
				"Implements the Combiner role.\n\nArguments:\n1. txs    (json array, required) The base64 strings of partially signed transactions\n\n" +
				"Result:\n\"str\"    (string) The base64-encoded partially signed transaction",
			Handler: s.handleCombinePSBT,
		},
		{
			Name: "finalizepsbt", Category: "Rawtransactions",
			Params: []rpcjson.ParamSpec{{Name: "psbt", Type: "string"}, {Name: "extract", Optional: true, Type: "boolean"}},
			Help: "Finalize the inputs of a PSBT. If the transaction is fully signed, it will produce a\n" +
				"network serialized transaction which can be broadcast with sendrawtransaction. Otherwise a PSBT will be\n" +
				"created which has the final_scriptSig and final_scriptWitness fields filled for inputs that are complete.\n" +
				"Implements the Finalizer and Extractor roles.\n\n" +
				"Arguments:\n1. psbt       (string, required) A base64 string of a PSBT\n" +
				"2. extract    (boolean, optional, default=true) If true and the transaction is complete,\n" +
				"              extract and return the complete transaction in normal network serialization instead of the PSBT.\n\n" +
				"Result:\n{\n  \"psbt\" : \"str\",        (string, optional) The base64-encoded partially signed transaction if not extracted\n" +
				"  \"hex\" : \"hex\",         (string, optional) The hex-encoded network transaction if extracted\n" +
				"  \"complete\" : true|false (boolean) If the transaction has a complete set of signatures\n}",
			Handler: s.handleFinalizePSBT,
		},
		{
			Name: "joinpsbts", Category: "Rawtransactions", Params: txsArg,
			Help: "Joins multiple distinct PSBTs with different inputs and outputs into one PSBT with inputs and outputs from all of the PSBTs\n" +
				"No input in any of the PSBTs can be in more than one of the PSBTs.\n\n" +
				"Arguments:\n1. txs    (json array, required) The base64 strings of partially signed transactions\n\n" +
				"Result:\n\"str\"    (string) The base64-encoded partially signed transaction",
			Handler: s.handleJoinPSBTs,
		},
		{
			Name: "utxoupdatepsbt", Category: "Rawtransactions",
			Params: []rpcjson.ParamSpec{{Name: "psbt", Type: "string"}, {Name: "descriptors", Optional: true, Type: "json array"}},
			Help: "Updates all segwit inputs and outputs in a PSBT with data from output descriptors, the UTXO set or the mempool.\n\n" +
				"Arguments:\n1. psbt           (string, required) A base64 string of a PSBT\n" +
				"2. descriptors    (json array, optional) An array of either strings or objects\n" +
				"     [\"descriptor\", {\"desc\":\"str\",\"range\":n or [n,n]}, ...]   (range default 1000)\n\n" +
				"Result:\n\"str\"    (string) The base64-encoded partially signed transaction with inputs updated",
			Handler: s.handleUtxoUpdatePSBT,
		},
		{
			Name: "analyzepsbt", Category: "Rawtransactions", Params: psbtArg,
			Help: "Analyzes and provides information about the current status of a PSBT and its inputs\n\n" +
				"Arguments:\n1. psbt    (string, required) A base64 string of a PSBT\n\n" +
				"Result:\n{\n  \"inputs\" : [ { \"has_utxo\" : bool, \"is_final\" : bool, \"missing\" : {...}, \"next\" : \"str\" }, ... ],\n" +
				"  \"estimated_vsize\" : n,      (numeric, optional) Estimated vsize of the final signed transaction\n" +
				"  \"estimated_feerate\" : n,    (numeric, optional) Estimated feerate of the final signed transaction in BTC/kvB.\n" +
				"  \"fee\" : n,                  (numeric, optional) The transaction fee paid. Shown only if all UTXO slots in the PSBT have been filled\n" +
				"  \"next\" : \"str\",             (string) Role of the next person that this psbt needs to go to\n" +
				"  \"error\" : \"str\"             (string, optional) Error message (if there is one)\n}",
			Handler: s.handleAnalyzePSBT,
		},
	}
}

// decodePSBTParam decodes a base64 PSBT with Core's -22 error.
func decodePSBTParam(str string) (*psbt.Packet, error) {
	p, err := psbt.DecodeBase64(str)
	if err != nil {
		return nil, rpcjson.NewRPCErrorf(rpcjson.ErrRPCDeserialization, "TX decode failed %s", err.Error())
	}
	return p, nil
}

// psbtParam reads and decodes the PSBT at params[i].
func psbtParam(params []json.RawMessage, i int, name string) (*psbt.Packet, error) {
	var str string
	if _, err := stringParam(params, i, name, &str); err != nil {
		return nil, err
	}
	return decodePSBTParam(str)
}

// handleCreatePSBT implements createpsbt.
func (s *Server) handleCreatePSBT(_ context.Context, params []json.RawMessage) (any, error) {
	tx, err := s.buildRawTx(params)
	if err != nil {
		return nil, err
	}
	return psbt.New(tx).Base64(), nil
}

// handleConvertToPSBT implements converttopsbt.
func (s *Server) handleConvertToPSBT(_ context.Context, params []json.RawMessage) (any, error) {
	var hexStr string
	if _, err := stringParam(params, 0, "hexstring", &hexStr); err != nil {
		return nil, err
	}
	var permit bool
	if _, err := rpcjson.UnmarshalParam(params, 1, "permitsigdata", &permit); err != nil {
		return nil, err
	}
	tryNo, tryWit := true, true
	var isWitness bool
	if ok, err := rpcjson.UnmarshalParam(params, 2, "iswitness", &isWitness); err != nil {
		return nil, err
	} else if ok {
		tryNo, tryWit = !isWitness, isWitness
	}
	tx, ok := decodeTx(hexStr, tryNo, tryWit)
	if !ok {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCDeserialization, "TX decode failed")
	}
	for _, in := range tx.TxIn {
		if !permit && (len(in.SignatureScript) > 0 || len(in.Witness) > 0) {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCDeserialization,
				"Inputs must not have scriptSigs and scriptWitnesses")
		}
	}
	return psbt.New(tx).Base64(), nil
}

// packetsParam decodes the array of base64 PSBTs at params[0].
func packetsParam(params []json.RawMessage) ([]*psbt.Packet, error) {
	var strs []string
	if _, err := rpcjson.UnmarshalParam(params, 0, "txs", &strs); err != nil {
		return nil, err
	}
	if len(strs) == 0 {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "Parameter 'txs' cannot be empty")
	}
	out := make([]*psbt.Packet, len(strs))
	for i, str := range strs {
		p, err := decodePSBTParam(str)
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

// handleCombinePSBT implements combinepsbt.
func (s *Server) handleCombinePSBT(_ context.Context, params []json.RawMessage) (any, error) {
	packets, err := packetsParam(params)
	if err != nil {
		return nil, err
	}
	c, err := psbt.Combine(packets)
	if err != nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, err.Error())
	}
	return c.Base64(), nil
}

// finalizeJSON is finalizepsbt's result.
type finalizeJSON struct {
	PSBT     string `json:"psbt,omitempty"`
	Hex      string `json:"hex,omitempty"`
	Complete bool   `json:"complete"`
}

// handleFinalizePSBT implements finalizepsbt: each input that can be
// finalized is, and when every input is final and its scripts verify the
// transaction is extracted (unless extract is false).
func (s *Server) handleFinalizePSBT(_ context.Context, params []json.RawMessage) (any, error) {
	p, err := psbtParam(params, 0, "psbt")
	if err != nil {
		return nil, err
	}
	extract := true
	if _, err := rpcjson.UnmarshalParam(params, 1, "extract", &extract); err != nil {
		return nil, err
	}
	complete := p.Finalize()
	var tx *wire.MsgTx
	if complete {
		tx, err = p.Extract()
		complete = err == nil && verifyPSBTTx(p, tx)
	}
	if complete && extract {
		return &finalizeJSON{Hex: hex.EncodeToString(tx.Bytes()), Complete: true}, nil
	}
	return &finalizeJSON{PSBT: p.Base64(), Complete: complete}, nil
}

// verifyPSBTTx runs every input's scripts of tx, extracted from p.
func verifyPSBTTx(p *psbt.Packet, tx *wire.MsgTx) bool {
	prev := make(map[wire.OutPoint]*wire.TxOut)
	for i, in := range tx.TxIn {
		u := p.InputUtxo(i)
		if u == nil {
			return false
		}
		prev[in.PreviousOutPoint] = u
	}
	fetcher := txscript.NewMultiPrevOutFetcher(prev)
	sh := txscript.NewTxSigHashes(tx, fetcher)
	for i, in := range tx.TxIn {
		u := prev[in.PreviousOutPoint]
		if verifyInput(tx, i, u.PkScript, u.Value, sh, fetcher) != nil {
			return false
		}
	}
	return true
}

// handleJoinPSBTs implements joinpsbts: the inputs and outputs of every
// PSBT in one, the highest transaction version and the lowest lock time,
// inputs and outputs shuffled as Core does (so no party learns which
// input is whose by its position).
func (s *Server) handleJoinPSBTs(_ context.Context, params []json.RawMessage) (any, error) {
	packets, err := packetsParam(params)
	if err != nil {
		return nil, err
	}
	if len(packets) < 2 {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "At least two PSBTs are required to join PSBTs.")
	}
	version := int32(0)
	lockTime := uint32(0xffffffff)
	type input struct {
		in *wire.TxIn
		m  psbt.Map
	}
	type output struct {
		out *wire.TxOut
		m   psbt.Map
	}
	var ins []input
	var outs []output
	seen := make(map[wire.OutPoint]bool)
	for _, p := range packets {
		tx := p.UnsignedTx()
		version = max(version, tx.Version)
		lockTime = min(lockTime, tx.LockTime)
		for i, in := range tx.TxIn {
			if seen[in.PreviousOutPoint] {
				return nil, rpcjson.NewRPCErrorf(rpcjson.ErrRPCInvalidParameter, "Input %s:%d exists in multiple PSBTs",
					in.PreviousOutPoint.Hash, in.PreviousOutPoint.Index)
			}
			seen[in.PreviousOutPoint] = true
			ins = append(ins, input{in, p.Inputs[i]})
		}
		for i, out := range tx.TxOut {
			outs = append(outs, output{out, p.Outputs[i]})
		}
	}
	shuffle(len(ins), func(i, j int) { ins[i], ins[j] = ins[j], ins[i] })
	shuffle(len(outs), func(i, j int) { outs[i], outs[j] = outs[j], outs[i] })
	tx := wire.NewMsgTx(version)
	tx.LockTime = lockTime
	for _, in := range ins {
		tx.AddTxIn(in.in)
	}
	for _, out := range outs {
		tx.AddTxOut(out.out)
	}
	joined := psbt.New(tx)
	for i, in := range ins {
		for _, pr := range in.m {
			joined.SetInput(i, pr.Key[0], pr.Key[1:], pr.Value)
		}
	}
	for i, out := range outs {
		for _, pr := range out.m {
			joined.SetOutput(i, pr.Key[0], pr.Key[1:], pr.Value)
		}
	}
	return joined.Base64(), nil
}

// shuffle is a Fisher-Yates shuffle from the system's random source.
func shuffle(n int, swap func(i, j int)) {
	for i := n - 1; i > 0; i-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return
		}
		swap(i, int(j.Int64()))
	}
}

// handleUtxoUpdatePSBT implements utxoupdatepsbt: each input spending a
// segwit output known to the pool or the UTXO set gets its witness UTXO,
// and a non-witness input whose transaction is in the pool its
// non-witness UTXO; the descriptors' redeem and witness scripts are added
// to the inputs and outputs whose scripts they expand to (a P2SH input
// whose redeem script is a witness program then counts as segwit).
func (s *Server) handleUtxoUpdatePSBT(_ context.Context, params []json.RawMessage) (any, error) {
	p, err := psbtParam(params, 0, "psbt")
	if err != nil {
		return nil, err
	}
	known, err := s.descriptorScripts(params, 1)
	if err != nil {
		return nil, err
	}
	tx := p.UnsignedTx()
	for i, in := range tx.TxIn {
		c := p.InputUtxo(i)
		if c == nil {
			c = s.coin(in.PreviousOutPoint)
		}
		if c == nil {
			continue
		}
		ex, haveEx := known[string(c.PkScript)]
		if haveEx {
			if ex.RedeemScript != nil {
				p.SetInput(i, psbt.InRedeemScript, nil, ex.RedeemScript)
			}
			if ex.WitnessScript != nil {
				p.SetInput(i, psbt.InWitnessScript, nil, ex.WitnessScript)
			}
		}
		if p.Inputs[i].Has(psbt.InWitnessUtxo) || p.Inputs[i].Has(psbt.InNonWitnessUtxo) {
			continue
		}
		segwit := txscript.IsWitnessProgram(c.PkScript) ||
			(haveEx && ex.RedeemScript != nil && txscript.IsWitnessProgram(ex.RedeemScript))
		if segwit {
			p.SetInput(i, psbt.InWitnessUtxo, nil, psbt.SerializeTxOut(c))
			continue
		}
		if s.cfg.TxPool != nil {
			if ptx, err := s.cfg.TxPool.FetchTransaction(&in.PreviousOutPoint.Hash); err == nil &&
				ptx.TxHash() == in.PreviousOutPoint.Hash {
				p.SetInput(i, psbt.InNonWitnessUtxo, nil, ptx.Bytes())
			}
		}
	}
	for i, out := range tx.TxOut {
		if ex, ok := known[string(out.PkScript)]; ok {
			if ex.RedeemScript != nil {
				p.SetOutput(i, psbt.OutRedeemScript, nil, ex.RedeemScript)
			}
			if ex.WitnessScript != nil {
				p.SetOutput(i, psbt.OutWitnessScript, nil, ex.WitnessScript)
			}
		}
	}
	return p.Base64(), nil
}

// descriptorScripts expands utxoupdatepsbt's descriptors parameter (at
// params[i]: strings, or objects with "desc" and "range", a ranged one
// over [0,1000] by default) into its output scripts with their redeem and
// witness scripts, bounded as scantxoutset's.
func (s *Server) descriptorScripts(params []json.RawMessage, i int) (map[string]descriptor.Expansion, error) {
	out := make(map[string]descriptor.Expansion)
	if !rpcjson.Present(params, i) {
		return out, nil
	}
	var descs []json.RawMessage
	if _, err := rpcjson.UnmarshalParam(params, i, "descriptors", &descs); err != nil {
		return nil, err
	}
	for _, d := range descs {
		var str string
		var obj struct {
			Desc  string          `json:"desc"`
			Range json.RawMessage `json:"range"`
		}
		if json.Unmarshal(d, &str) != nil {
			if json.Unmarshal(d, &obj) != nil || obj.Desc == "" {
				return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "Descriptor must be a string or an object")
			}
			str = obj.Desc
		}
		desc, err := s.parseDescriptor(str, false)
		if err != nil {
			return nil, err
		}
		begin, end := uint32(0), uint32(0)
		if desc.IsRange() {
			end = defaultScanRange
			if len(obj.Range) > 0 {
				if begin, end, err = rangeParam(obj.Range); err != nil {
					return nil, err
				}
			}
		}
		for pos := begin; pos <= end; pos++ {
			exs, err := desc.Expand(pos)
			if err != nil {
				return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey, err.Error())
			}
			for _, ex := range exs {
				out[string(ex.Script)] = ex
			}
			if len(out) > maxScanScripts {
				return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "Range is too large")
			}
		}
	}
	return out, nil
}

// analyzeInputJSON is one input of analyzepsbt.
type analyzeInputJSON struct {
	HasUtxo bool                `json:"has_utxo"`
	IsFinal bool                `json:"is_final"`
	Missing *analyzeMissingJSON `json:"missing,omitempty"`
	Next    string              `json:"next,omitempty"`
}

// analyzeMissingJSON is what an input lacks.
type analyzeMissingJSON struct {
	Pubkeys       []string `json:"pubkeys,omitempty"`
	Signatures    []string `json:"signatures,omitempty"`
	RedeemScript  string   `json:"redeemscript,omitempty"`
	WitnessScript string   `json:"witnessscript,omitempty"`
}

// analyzeJSON is analyzepsbt's result.
type analyzeJSON struct {
	Inputs           []analyzeInputJSON `json:"inputs,omitempty"`
	EstimatedVSize   *int64             `json:"estimated_vsize,omitempty"`
	EstimatedFeeRate *amount            `json:"estimated_feerate,omitempty"`
	Fee              *amount            `json:"fee,omitempty"`
	Next             string             `json:"next"`
	Error            string             `json:"error,omitempty"`
}

// psbtRoles orders BIP174's roles as analyzepsbt reports the next one.
var psbtRoles = []string{"creator", "updater", "signer", "finalizer", "extractor"}

// handleAnalyzePSBT implements analyzepsbt: per input whether its UTXO is
// known and it is final, what it misses (the scripts its output needs,
// the keys of P2PKH and P2WPKH outputs without a signature), the next role
// overall, and the fee, size and fee rate when they can be known.
func (s *Server) handleAnalyzePSBT(_ context.Context, params []json.RawMessage) (any, error) {
	p, err := psbtParam(params, 0, "psbt")
	if err != nil {
		return nil, err
	}
	r := &analyzeJSON{Inputs: []analyzeInputJSON{}}
	next := len(psbtRoles) - 1
	var in, out int64
	allUtxos := true
	tx := p.UnsignedTx()
	for i := range p.Inputs {
		ai := analyzeInputJSON{IsFinal: p.IsFinalized(i)}
		u := p.InputUtxo(i)
		ai.HasUtxo = u != nil
		role := 4
		switch {
		case u == nil:
			allUtxos = false
			role = 1
		case u.Value < 0 || u.Value > maxMoney:
			r.Error = "PSBT is not valid. Input " + strconv.Itoa(i) + " has invalid value"
			r.Next = "creator"
			r.Inputs = nil
			return r, nil
		case ai.IsFinal:
			in += u.Value
			role = 4
		default:
			in += u.Value
			ai.Missing = missingFor(p, i, u.PkScript)
			role = 2
			if ai.Missing == nil {
				role = 3
			}
		}
		if !ai.IsFinal || u == nil {
			ai.Next = psbtRoles[role]
		}
		next = min(next, role)
		r.Inputs = append(r.Inputs, ai)
	}
	r.Next = psbtRoles[next]
	if !allUtxos {
		return r, nil
	}
	for _, o := range tx.TxOut {
		out += o.Value
	}
	fee := amount(in - out)
	if in < out {
		r.Error = "PSBT is not valid. Output amount invalid"
		r.Next = "creator"
		r.Inputs = nil
		return r, nil
	}
	r.Fee = &fee
	if p.Finalize() {
		if signed, err := p.Extract(); err == nil {
			vsize := signed.VSize()
			rate := amount(int64(fee) * 1000 / vsize)
			r.EstimatedVSize, r.EstimatedFeeRate = &vsize, &rate
		}
	}
	return r, nil
}

// missingFor reports what input i of p misses to be signed: nil when it
// holds a signature for every key its output needs (finalizer next).
func missingFor(p *psbt.Packet, i int, pkScript []byte) *analyzeMissingJSON {
	m := p.Inputs[i]
	script := pkScript
	miss := &analyzeMissingJSON{}
	if txscript.IsPayToScriptHash(script) {
		rs, ok := m.Get(psbt.InRedeemScript, nil)
		if !ok {
			miss.RedeemScript = hex.EncodeToString(script[2:22])
			return miss
		}
		script = rs
	}
	if txscript.IsPayToWitnessScriptHash(script) {
		ws, ok := m.Get(psbt.InWitnessScript, nil)
		if !ok {
			miss.WitnessScript = hex.EncodeToString(script[2:])
			return miss
		}
		script = ws
	}
	switch {
	case txscript.IsPayToTaproot(script):
		if m.Has(psbt.InTapKeySig) {
			return nil
		}
		miss.Signatures = []string{hex.EncodeToString(script[2:])}
	case txscript.IsPayToPubKeyHash(script) || txscript.IsPayToWitnessPubKeyHash(script):
		h := script[3:23]
		if txscript.IsPayToWitnessPubKeyHash(script) {
			h = script[2:]
		}
		for _, pr := range m.All(psbt.InPartialSig) {
			if string(txscript.Hash160(pr.Key[1:])) == string(h) {
				return nil
			}
		}
		miss.Pubkeys = []string{hex.EncodeToString(h)}
	case txscript.GetScriptClass(script) == txscript.MultiSigTy:
		pushes, _ := txscript.PushedData(script)
		_, need, _ := txscript.CalcMultiSigStats(script)
		have := 0
		var lacking []string
		for _, pub := range pushes {
			if _, ok := m.Get(psbt.InPartialSig, pub); ok {
				have++
			} else {
				lacking = append(lacking, hex.EncodeToString(txscript.Hash160(pub)))
			}
		}
		if have >= need {
			return nil
		}
		sort.Strings(lacking)
		miss.Signatures = lacking
	default:
		return nil
	}
	return miss
}
