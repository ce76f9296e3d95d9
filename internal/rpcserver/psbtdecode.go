package rpcserver

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/psbt"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/txscript/descriptor"
	"github.com/tern-org/ternd/wire"
)

// This file holds decodepsbt: Core's JSON for every field of a PSBT.

// scriptJSON is a script with its asm and type (redeem and witness
// scripts).
type scriptJSON struct {
	Asm  string `json:"asm"`
	Hex  string `json:"hex"`
	Type string `json:"type"`
}

// derivJSON is one BIP32 derivation.
type derivJSON struct {
	Pubkey            string   `json:"pubkey,omitempty"`
	Xpub              string   `json:"xpub,omitempty"`
	MasterFingerprint string   `json:"master_fingerprint"`
	Path              string   `json:"path"`
	LeafHashes        []string `json:"leaf_hashes,omitempty"`
}

// proprietaryJSON is one proprietary field.
type proprietaryJSON struct {
	Identifier string `json:"identifier"`
	Subtype    uint64 `json:"subtype"`
	Key        string `json:"key"`
	Value      string `json:"value"`
}

// witnessUtxoJSON is an input's witness UTXO.
type witnessUtxoJSON struct {
	Amount       amount           `json:"amount"`
	ScriptPubKey scriptPubKeyJSON `json:"scriptPubKey"`
}

// tapScriptSigJSON is a taproot script path signature.
type tapScriptSigJSON struct {
	Pubkey   string `json:"pubkey"`
	LeafHash string `json:"leaf_hash"`
	Sig      string `json:"sig"`
}

// tapScriptJSON is a taproot leaf script with its control blocks.
type tapScriptJSON struct {
	Script        string   `json:"script"`
	LeafVer       int      `json:"leaf_ver"`
	ControlBlocks []string `json:"control_blocks"`
}

// tapTreeLeafJSON is one leaf of an output's taproot tree.
type tapTreeLeafJSON struct {
	Depth   int    `json:"depth"`
	LeafVer int    `json:"leaf_ver"`
	Script  string `json:"script"`
}

// psbtInputJSON is one input of decodepsbt.
type psbtInputJSON struct {
	NonWitnessUtxo        *txJSON            `json:"non_witness_utxo,omitempty"`
	WitnessUtxo           *witnessUtxoJSON   `json:"witness_utxo,omitempty"`
	PartialSignatures     map[string]string  `json:"partial_signatures,omitempty"`
	Sighash               string             `json:"sighash,omitempty"`
	RedeemScript          *scriptJSON        `json:"redeem_script,omitempty"`
	WitnessScript         *scriptJSON        `json:"witness_script,omitempty"`
	Bip32Derivs           []derivJSON        `json:"bip32_derivs,omitempty"`
	FinalScriptSig        *scriptSigJSON     `json:"final_scriptSig,omitempty"`
	FinalScriptWitness    []string           `json:"final_scriptwitness,omitempty"`
	Ripemd160Preimages    map[string]string  `json:"ripemd160_preimages,omitempty"`
	Sha256Preimages       map[string]string  `json:"sha256_preimages,omitempty"`
	Hash160Preimages      map[string]string  `json:"hash160_preimages,omitempty"`
	Hash256Preimages      map[string]string  `json:"hash256_preimages,omitempty"`
	PreviousTxid          string             `json:"previous_txid,omitempty"`
	PreviousVout          *uint32            `json:"previous_vout,omitempty"`
	Sequence              *uint32            `json:"sequence,omitempty"`
	TimeLocktime          *uint32            `json:"time_locktime,omitempty"`
	HeightLocktime        *uint32            `json:"height_locktime,omitempty"`
	TaprootKeyPathSig     string             `json:"taproot_key_path_sig,omitempty"`
	TaprootScriptPathSigs []tapScriptSigJSON `json:"taproot_script_path_sigs,omitempty"`
	TaprootScripts        []tapScriptJSON    `json:"taproot_scripts,omitempty"`
	TaprootBip32Derivs    []derivJSON        `json:"taproot_bip32_derivs,omitempty"`
	TaprootInternalKey    string             `json:"taproot_internal_key,omitempty"`
	TaprootMerkleRoot     string             `json:"taproot_merkle_root,omitempty"`
	Unknown               map[string]string  `json:"unknown,omitempty"`
	Proprietary           []proprietaryJSON  `json:"proprietary,omitempty"`
}

// psbtOutputJSON is one output of decodepsbt.
type psbtOutputJSON struct {
	RedeemScript       *scriptJSON       `json:"redeem_script,omitempty"`
	WitnessScript      *scriptJSON       `json:"witness_script,omitempty"`
	Bip32Derivs        []derivJSON       `json:"bip32_derivs,omitempty"`
	Amount             *amount           `json:"amount,omitempty"`
	Script             *scriptPubKeyJSON `json:"script,omitempty"`
	TaprootInternalKey string            `json:"taproot_internal_key,omitempty"`
	TaprootTree        []tapTreeLeafJSON `json:"taproot_tree,omitempty"`
	TaprootBip32Derivs []derivJSON       `json:"taproot_bip32_derivs,omitempty"`
	Unknown            map[string]string `json:"unknown,omitempty"`
	Proprietary        []proprietaryJSON `json:"proprietary,omitempty"`
}

// decodePSBTJSON is decodepsbt's result.
type decodePSBTJSON struct {
	Tx          *txJSON           `json:"tx"`
	GlobalXpubs []derivJSON       `json:"global_xpubs"`
	PSBTVersion uint32            `json:"psbt_version"`
	Proprietary []proprietaryJSON `json:"proprietary"`
	Unknown     map[string]string `json:"unknown"`
	Inputs      []psbtInputJSON   `json:"inputs"`
	Outputs     []psbtOutputJSON  `json:"outputs"`
	Fee         *amount           `json:"fee,omitempty"`
}

// sigHashName is Core's SighashToStr.
func sigHashName(v uint32) string {
	for name, ht := range sigHashTypes {
		if uint32(ht) == v {
			return name
		}
	}
	return strconv.FormatUint(uint64(v), 10)
}

// hdPath formats a BIP32 derivation value (fingerprint then path) as
// Core does, with "h" for hardened steps.
func hdPath(v []byte) (string, string) {
	if len(v) < 4 {
		return "", ""
	}
	var b strings.Builder
	b.WriteString("m")
	for i := 4; i+4 <= len(v); i += 4 {
		n := binary.LittleEndian.Uint32(v[i:])
		b.WriteString("/" + strconv.FormatUint(uint64(n&^descriptor.HardenedKeyStart), 10))
		if n >= descriptor.HardenedKeyStart {
			b.WriteByte('h')
		}
	}
	return hex.EncodeToString(v[:4]), b.String()
}

// newScriptJSON describes a redeem or witness script.
func newScriptJSON(script []byte) *scriptJSON {
	return &scriptJSON{Asm: scriptAsm(script, false), Hex: hex.EncodeToString(script), Type: scriptType(script)}
}

// proprietary decodes a proprietary key: its identifier, subtype and key.
func proprietary(pr psbt.Pair) proprietaryJSON {
	k := pr.Key[1:]
	p := proprietaryJSON{Key: hex.EncodeToString(pr.Key), Value: hex.EncodeToString(pr.Value)}
	if len(k) > 0 && int(k[0]) < len(k) && k[0] < 0xfd {
		p.Identifier = hex.EncodeToString(k[1 : 1+k[0]])
		if rest := k[1+k[0]:]; len(rest) > 0 && rest[0] < 0xfd {
			p.Subtype = uint64(rest[0])
		}
	}
	return p
}

// tapDeriv decodes a taproot BIP32 derivation value: leaf hashes, then the
// fingerprint and path.
func tapDeriv(pubkey, v []byte) derivJSON {
	d := derivJSON{Pubkey: hex.EncodeToString(pubkey), LeafHashes: []string{}}
	if len(v) == 0 || v[0] >= 0xfd || 1+int(v[0])*32 > len(v) {
		return d
	}
	n := int(v[0])
	for i := 0; i < n; i++ {
		h := hashFromSlice(v[1+32*i : 1+32*(i+1)])
		d.LeafHashes = append(d.LeafHashes, hex.EncodeToString(h[:]))
	}
	d.MasterFingerprint, d.Path = hdPath(v[1+32*n:])
	return d
}

// hashFromSlice copies 32 bytes into a hash.
func hashFromSlice(b []byte) chainhash.Hash {
	var h chainhash.Hash
	copy(h[:], b)
	return h
}

// decodeInput describes input i of p.
func decodeInput(p *psbt.Packet, i int, params *chaincfg.Params) psbtInputJSON {
	var r psbtInputJSON
	for _, pr := range p.Inputs[i] {
		k, v := pr.Key[1:], pr.Value
		switch pr.Type() {
		case psbt.InNonWitnessUtxo:
			tx := new(wire.MsgTx)
			if _, err := tx.DeserializeBytes(v); err == nil {
				r.NonWitnessUtxo = newTxJSON(tx, params, false)
			}
		case psbt.InWitnessUtxo:
			if u := p.InputUtxo(i); u != nil {
				r.WitnessUtxo = &witnessUtxoJSON{Amount: amount(u.Value),
					ScriptPubKey: newScriptPubKeyJSON(u.PkScript, params)}
			}
		case psbt.InPartialSig:
			if r.PartialSignatures == nil {
				r.PartialSignatures = map[string]string{}
			}
			r.PartialSignatures[hex.EncodeToString(k)] = hex.EncodeToString(v)
		case psbt.InSighashType:
			r.Sighash = sigHashName(binary.LittleEndian.Uint32(v))
		case psbt.InRedeemScript:
			r.RedeemScript = newScriptJSON(v)
		case psbt.InWitnessScript:
			r.WitnessScript = newScriptJSON(v)
		case psbt.InBip32Derivation:
			fp, path := hdPath(v)
			r.Bip32Derivs = append(r.Bip32Derivs, derivJSON{Pubkey: hex.EncodeToString(k), MasterFingerprint: fp, Path: path})
		case psbt.InFinalScriptSig:
			r.FinalScriptSig = &scriptSigJSON{Asm: scriptAsm(v, true), Hex: hex.EncodeToString(v)}
		case psbt.InFinalScriptWitness:
			w, _ := psbt.ParseWitness(v)
			r.FinalScriptWitness = []string{}
			for _, item := range w {
				r.FinalScriptWitness = append(r.FinalScriptWitness, hex.EncodeToString(item))
			}
		case psbt.InRipemd160, psbt.InSha256, psbt.InHash160, psbt.InHash256:
			dst := map[byte]*map[string]string{psbt.InRipemd160: &r.Ripemd160Preimages,
				psbt.InSha256: &r.Sha256Preimages, psbt.InHash160: &r.Hash160Preimages,
				psbt.InHash256: &r.Hash256Preimages}[pr.Type()]
			if *dst == nil {
				*dst = map[string]string{}
			}
			(*dst)[hex.EncodeToString(k)] = hex.EncodeToString(v)
		case psbt.InPreviousTxid:
			h := hashFromSlice(v)
			r.PreviousTxid = h.String()
		case psbt.InOutputIndex, psbt.InSequence, psbt.InRequiredTimeLocktime, psbt.InRequiredHeightLocktime:
			n := binary.LittleEndian.Uint32(v)
			*map[byte]**uint32{psbt.InOutputIndex: &r.PreviousVout, psbt.InSequence: &r.Sequence,
				psbt.InRequiredTimeLocktime: &r.TimeLocktime, psbt.InRequiredHeightLocktime: &r.HeightLocktime}[pr.Type()] = &n
		case psbt.InTapKeySig:
			r.TaprootKeyPathSig = hex.EncodeToString(v)
		case psbt.InTapScriptSig:
			r.TaprootScriptPathSigs = append(r.TaprootScriptPathSigs, tapScriptSigJSON{
				Pubkey: hex.EncodeToString(k[:32]), LeafHash: hex.EncodeToString(k[32:]), Sig: hex.EncodeToString(v)})
		case psbt.InTapLeafScript:
			r.TaprootScripts = append(r.TaprootScripts, tapScriptJSON{Script: hex.EncodeToString(v[:len(v)-1]),
				LeafVer: int(v[len(v)-1]), ControlBlocks: []string{hex.EncodeToString(k)}})
		case psbt.InTapBip32Derivation:
			r.TaprootBip32Derivs = append(r.TaprootBip32Derivs, tapDeriv(k, v))
		case psbt.InTapInternalKey:
			r.TaprootInternalKey = hex.EncodeToString(v)
		case psbt.InTapMerkleRoot:
			r.TaprootMerkleRoot = hex.EncodeToString(v)
		case psbt.ProprietaryType:
			r.Proprietary = append(r.Proprietary, proprietary(pr))
		default:
			if r.Unknown == nil {
				r.Unknown = map[string]string{}
			}
			r.Unknown[hex.EncodeToString(pr.Key)] = hex.EncodeToString(v)
		}
	}
	return r
}

// decodeOutput describes an output map.
func decodeOutput(m psbt.Map, params *chaincfg.Params) psbtOutputJSON {
	var r psbtOutputJSON
	for _, pr := range m {
		k, v := pr.Key[1:], pr.Value
		switch pr.Type() {
		case psbt.OutRedeemScript:
			r.RedeemScript = newScriptJSON(v)
		case psbt.OutWitnessScript:
			r.WitnessScript = newScriptJSON(v)
		case psbt.OutBip32Derivation:
			fp, path := hdPath(v)
			r.Bip32Derivs = append(r.Bip32Derivs, derivJSON{Pubkey: hex.EncodeToString(k), MasterFingerprint: fp, Path: path})
		case psbt.OutAmount:
			a := amount(int64(binary.LittleEndian.Uint64(v)))
			r.Amount = &a
		case psbt.OutScript:
			sp := newScriptPubKeyJSON(v, params)
			r.Script = &sp
		case psbt.OutTapInternalKey:
			r.TaprootInternalKey = hex.EncodeToString(v)
		case psbt.OutTapTree:
			r.TaprootTree = decodeTapTree(v)
		case psbt.OutTapBip32Deriv:
			r.TaprootBip32Derivs = append(r.TaprootBip32Derivs, tapDeriv(k, v))
		case psbt.ProprietaryType:
			r.Proprietary = append(r.Proprietary, proprietary(pr))
		default:
			if r.Unknown == nil {
				r.Unknown = map[string]string{}
			}
			r.Unknown[hex.EncodeToString(pr.Key)] = hex.EncodeToString(v)
		}
	}
	return r
}

// decodeTapTree decodes PSBT_OUT_TAP_TREE: (depth, leaf version, script)
// tuples.
func decodeTapTree(v []byte) []tapTreeLeafJSON {
	var out []tapTreeLeafJSON
	for len(v) >= 3 {
		depth, ver := int(v[0]), int(v[1])
		n := int(v[2])
		if v[2] >= 0xfd || 3+n > len(v) {
			break
		}
		out = append(out, tapTreeLeafJSON{Depth: depth, LeafVer: ver, Script: hex.EncodeToString(v[3 : 3+n])})
		v = v[3+n:]
	}
	return out
}

// handleDecodePSBT implements decodepsbt.
func (s *Server) handleDecodePSBT(_ context.Context, params []json.RawMessage) (any, error) {
	p, err := psbtParam(params, 0, "psbt")
	if err != nil {
		return nil, err
	}
	tx := p.UnsignedTx()
	r := &decodePSBTJSON{Tx: newTxJSON(tx, s.cfg.ChainParams, false), GlobalXpubs: []derivJSON{},
		PSBTVersion: p.Version, Proprietary: []proprietaryJSON{}, Unknown: map[string]string{},
		Inputs: []psbtInputJSON{}, Outputs: []psbtOutputJSON{}}
	for _, pr := range p.Global {
		switch pr.Type() {
		case psbt.GlobalUnsignedTx, psbt.GlobalVersion, psbt.GlobalTxVersion, psbt.GlobalFallbackLocktime,
			psbt.GlobalInputCount, psbt.GlobalOutputCount, psbt.GlobalTxModifiable:
		case psbt.GlobalXpub:
			fp, path := hdPath(pr.Value)
			x := pr.Key[1:]
			r.GlobalXpubs = append(r.GlobalXpubs, derivJSON{
				Xpub:              encodeXpub(x),
				MasterFingerprint: fp, Path: path})
		case psbt.ProprietaryType:
			r.Proprietary = append(r.Proprietary, proprietary(pr))
		default:
			r.Unknown[hex.EncodeToString(pr.Key)] = hex.EncodeToString(pr.Value)
		}
	}
	var in int64
	haveAll := true
	for i := range p.Inputs {
		r.Inputs = append(r.Inputs, decodeInput(p, i, s.cfg.ChainParams))
		if u := p.InputUtxo(i); u != nil {
			in += u.Value
		} else {
			haveAll = false
		}
	}
	for _, m := range p.Outputs {
		r.Outputs = append(r.Outputs, decodeOutput(m, s.cfg.ChainParams))
	}
	if haveAll {
		var out int64
		for _, o := range tx.TxOut {
			out += o.Value
		}
		fee := amount(in - out)
		r.Fee = &fee
	}
	return r, nil
}

// encodeXpub writes a 78-byte serialized extended key in base58check.
func encodeXpub(x []byte) string {
	payload := append([]byte(nil), x...)
	sum := chainhash.DoubleHashB(payload)
	return txscript.Base58Encode(append(payload, sum[:4]...))
}
