package txscript

import (
	"github.com/tern-org/ternd/wire"
)

// ScriptClass is the kind of a standard output script.
type ScriptClass byte

// These are the standard script classes (btcd names).
const (
	NonStandardTy         ScriptClass = iota // None of the recognized forms.
	PubKeyTy                                 // Pay to pubkey.
	PubKeyHashTy                             // Pay to pubkey hash.
	WitnessV0PubKeyHashTy                    // Pay to witness pubkey hash.
	ScriptHashTy                             // Pay to script hash.
	WitnessV0ScriptHashTy                    // Pay to witness script hash.
	MultiSigTy                               // Bare multisig.
	NullDataTy                               // OP_RETURN data carrier.
	WitnessV1TaprootTy                       // Taproot output.
	WitnessUnknownTy                         // Witness program of a future version.
	AnchorTy                                 // Pay to anchor (P2A), OP_1 <0x4e73>.
)

var scriptClassNames = [...]string{
	NonStandardTy:         "nonstandard",
	PubKeyTy:              "pubkey",
	PubKeyHashTy:          "pubkeyhash",
	WitnessV0PubKeyHashTy: "witness_v0_keyhash",
	ScriptHashTy:          "scripthash",
	WitnessV0ScriptHashTy: "witness_v0_scripthash",
	MultiSigTy:            "multisig",
	NullDataTy:            "nulldata",
	WitnessV1TaprootTy:    "witness_v1_taproot",
	WitnessUnknownTy:      "witness_unknown",
	AnchorTy:              "anchor",
}

// String returns Core's name of the class (as in decodescript's "type").
func (c ScriptClass) String() string {
	if int(c) < len(scriptClassNames) {
		return scriptClassNames[c]
	}
	return "invalid"
}

// MaxDataCarrierSize is the largest standard OP_RETURN payload (Core's
// historical -datacarriersize default of 83 script bytes less the opcodes).
const MaxDataCarrierSize = 80

// extractWitnessProgram is Core's IsWitnessProgram.
func extractWitnessProgram(script []byte) (int, []byte, bool) {
	if len(script) < 4 || len(script) > 42 {
		return 0, nil, false
	}
	if script[0] != OP_0 && (script[0] < OP_1 || script[0] > OP_16) {
		return 0, nil, false
	}
	if int(script[1])+2 != len(script) {
		return 0, nil, false
	}
	return asSmallInt(script[0]), script[2:], true
}

// ExtractWitnessProgram returns the version and program of a witness
// program script (Core's IsWitnessProgram: a version opcode then one push of
// 2 to 40 bytes); ok is false for any other script. It does not allocate.
func ExtractWitnessProgram(script []byte) (version int, program []byte, ok bool) {
	return extractWitnessProgram(script)
}

// ExtractWitnessProgramInfo returns the version and program of a witness
// program script.
func ExtractWitnessProgramInfo(script []byte) (int, []byte, error) {
	v, p, ok := extractWitnessProgram(script)
	if !ok {
		return 0, nil, scriptError(ErrInvalidParams, "script is not a witness program")
	}
	return v, p, nil
}

// IsWitnessProgram reports whether script is a witness program.
func IsWitnessProgram(script []byte) bool {
	_, _, ok := extractWitnessProgram(script)
	return ok
}

// asSmallInt decodes OP_0 and OP_1..OP_16.
func asSmallInt(op byte) int {
	if op == OP_0 {
		return 0
	}
	return int(op - (OP_1 - 1))
}

// isPayToScriptHash reports whether script is exactly OP_HASH160 <20> OP_EQUAL.
func isPayToScriptHash(script []byte) bool {
	return len(script) == 23 && script[0] == OP_HASH160 && script[1] == OP_DATA_20 &&
		script[22] == OP_EQUAL
}

// IsPayToScriptHash reports whether script is a P2SH output script.
func IsPayToScriptHash(script []byte) bool { return isPayToScriptHash(script) }

// IsPayToPubKeyHash reports whether script is a P2PKH output script.
func IsPayToPubKeyHash(script []byte) bool {
	return len(script) == 25 && script[0] == OP_DUP && script[1] == OP_HASH160 &&
		script[2] == OP_DATA_20 && script[23] == OP_EQUALVERIFY && script[24] == OP_CHECKSIG
}

// IsPayToWitnessPubKeyHash reports whether script is a P2WPKH output script.
func IsPayToWitnessPubKeyHash(script []byte) bool {
	return len(script) == 22 && script[0] == OP_0 && script[1] == OP_DATA_20
}

// IsPayToWitnessScriptHash reports whether script is a P2WSH output script.
func IsPayToWitnessScriptHash(script []byte) bool {
	return len(script) == 34 && script[0] == OP_0 && script[1] == OP_DATA_32
}

// IsPayToAnchor reports whether script is the pay-to-anchor output
// OP_1 <0x4e73> (a witness v1 program that policy treats as its own class).
func IsPayToAnchor(script []byte) bool {
	return len(script) == 4 && script[0] == OP_1 && script[1] == OP_DATA_2 &&
		script[2] == 0x4e && script[3] == 0x73
}

// IsPayToTaproot reports whether script is a P2TR output script.
func IsPayToTaproot(script []byte) bool {
	return len(script) == 34 && script[0] == OP_1 && script[1] == OP_DATA_32
}

// validPubKeySize is Core's CPubKey::ValidSize: the header byte decides the
// length (0x02 and 0x03 compressed, 33 bytes; 0x04, 0x06 and 0x07
// uncompressed or hybrid, 65 bytes). Standardness classifies keys by it.
func validPubKeySize(key []byte) bool {
	if len(key) == 0 {
		return false
	}
	switch key[0] {
	case 0x02, 0x03:
		return len(key) == 33
	case 0x04, 0x06, 0x07:
		return len(key) == 65
	}
	return false
}

// extractPubKey returns the key of a P2PK script (Core's MatchPayToPubkey: a
// 33- or 65-byte push of a key of valid size, then OP_CHECKSIG), or nil.
func extractPubKey(script []byte) []byte {
	if len(script) == 35 && script[0] == OP_DATA_33 && script[34] == OP_CHECKSIG &&
		validPubKeySize(script[1:34]) {
		return script[1:34]
	}
	if len(script) == 67 && script[0] == OP_DATA_65 && script[66] == OP_CHECKSIG &&
		validPubKeySize(script[1:66]) {
		return script[1:66]
	}
	return nil
}

// multiSigDetails parses a bare m-of-n CHECKMULTISIG script (Core's
// MatchMultisig: small integers m <= n, n keys of valid size).
func multiSigDetails(script []byte) (m int, pubKeys [][]byte, ok bool) {
	if len(script) < 1 || script[len(script)-1] != OP_CHECKMULTISIG {
		return 0, nil, false
	}
	t := MakeScriptTokenizer(script)
	if !t.Next() || t.Opcode() < OP_1 || t.Opcode() > OP_16 {
		return 0, nil, false
	}
	m = asSmallInt(t.Opcode())
	for t.Next() {
		d := t.Data()
		if t.Opcode() > OP_PUSHDATA4 || !validPubKeySize(d) {
			break
		}
		pubKeys = append(pubKeys, d)
	}
	if t.Err() != nil || t.Opcode() < OP_1 || t.Opcode() > OP_16 {
		return 0, nil, false
	}
	n := asSmallInt(t.Opcode())
	if n != len(pubKeys) || m > n {
		return 0, nil, false
	}
	if !t.Next() || t.Opcode() != OP_CHECKMULTISIG || t.Next() {
		return 0, nil, false
	}
	return m, pubKeys, true
}

// isNullData reports whether script is OP_RETURN followed by pushes only.
func isNullData(script []byte) bool {
	if len(script) < 1 || script[0] != OP_RETURN {
		return false
	}
	return IsPushOnlyScript(script[1:])
}

// GetScriptClass returns the standard class of an output script, as Core's
// Solver names it (pay-to-anchor included). It is the one classification
// behind both decodescript's "type" and the pool's standardness rules.
func GetScriptClass(script []byte) ScriptClass {
	switch {
	case IsPayToAnchor(script):
		return AnchorTy
	case IsPayToPubKeyHash(script):
		return PubKeyHashTy
	case isPayToScriptHash(script):
		return ScriptHashTy
	case IsPayToWitnessPubKeyHash(script):
		return WitnessV0PubKeyHashTy
	case IsPayToWitnessScriptHash(script):
		return WitnessV0ScriptHashTy
	case IsPayToTaproot(script):
		return WitnessV1TaprootTy
	case extractPubKey(script) != nil:
		return PubKeyTy
	case isNullData(script):
		return NullDataTy
	}
	if v, _, ok := extractWitnessProgram(script); ok && v != 0 {
		return WitnessUnknownTy
	}
	if _, _, ok := multiSigDetails(script); ok {
		return MultiSigTy
	}
	return NonStandardTy
}

// IsUnspendable reports whether an output script can never be spent: it
// starts with OP_RETURN or is larger than MaxScriptSize.
func IsUnspendable(script []byte) bool {
	return (len(script) > 0 && script[0] == OP_RETURN) || len(script) > MaxScriptSize
}

// countSigOps is Core's CScript::GetSigOpCount.
func countSigOps(script []byte, precise bool) int {
	n := 0
	last := byte(OP_INVALIDOPCODE)
	t := MakeScriptTokenizer(script)
	for t.Next() {
		switch op := t.Opcode(); op {
		case OP_CHECKSIG, OP_CHECKSIGVERIFY:
			n++
		case OP_CHECKMULTISIG, OP_CHECKMULTISIGVERIFY:
			if precise && last >= OP_1 && last <= OP_16 {
				n += asSmallInt(last)
			} else {
				n += MaxPubKeysPerMultiSig
			}
		}
		last = t.Opcode()
	}
	return n
}

// GetSigOpCount returns the legacy (inaccurate) sigop count of a script:
// each CHECKMULTISIG counts 20.
func GetSigOpCount(script []byte) int {
	return countSigOps(script, false)
}

// GetAccurateSigOpCount returns the accurate sigop count of a script (Core's
// GetSigOpCount(true)): a CHECKMULTISIG right after OP_1..OP_16 counts that
// many keys, any other counts 20. Counting stops where the script fails to
// parse.
func GetAccurateSigOpCount(script []byte) int {
	return countSigOps(script, true)
}

// FinalPushData returns the data of the last push of a push-only script: the
// redeem script of a P2SH scriptSig. ok is false when the script is empty,
// fails to parse or has an opcode above OP_16. OP_0 to OP_16 push no data
// here, as in Core's GetOp.
func FinalPushData(script []byte) (data []byte, ok bool) {
	t := MakeScriptTokenizer(script)
	for t.Next() {
		if t.Opcode() > OP_16 {
			return nil, false
		}
		data = t.Data()
	}
	if t.Err() != nil || len(script) == 0 {
		return nil, false
	}
	return data, true
}

// GetPreciseSigOpCount returns the accurate sigop count of spending a P2SH
// output with scriptSig (Core's P2SH-aware GetSigOpCount); for other scripts
// it is the accurate count of scriptPubKey.
func GetPreciseSigOpCount(scriptSig, scriptPubKey []byte, bip16 bool) int {
	if !bip16 || !isPayToScriptHash(scriptPubKey) {
		return countSigOps(scriptPubKey, true)
	}
	redeem, ok := FinalPushData(scriptSig)
	if !ok {
		return 0
	}
	return countSigOps(redeem, true)
}

// GetWitnessSigOpCount returns the witness sigops of spending pkScript
// (Core's CountWitnessSigOps, unscaled): 1 for P2WPKH, the accurate count of
// the witness script for P2WSH, also through P2SH.
func GetWitnessSigOpCount(sigScript, pkScript []byte, witness wire.TxWitness) int {
	if v, p, ok := extractWitnessProgram(pkScript); ok {
		return witnessSigOps(v, p, witness)
	}
	if isPayToScriptHash(pkScript) && IsPushOnlyScript(sigScript) {
		redeem, ok := FinalPushData(sigScript)
		if ok {
			if v, p, ok := extractWitnessProgram(redeem); ok {
				return witnessSigOps(v, p, witness)
			}
		}
	}
	return 0
}

func witnessSigOps(version int, program []byte, witness wire.TxWitness) int {
	if version != 0 {
		return 0
	}
	if len(program) == 20 {
		return 1
	}
	if len(program) == 32 && len(witness) > 0 {
		return countSigOps(witness[len(witness)-1], true)
	}
	return 0
}

// PushedData returns the data of every push in script.
func PushedData(script []byte) ([][]byte, error) {
	var out [][]byte
	t := MakeScriptTokenizer(script)
	for t.Next() {
		if t.Opcode() <= OP_PUSHDATA4 {
			out = append(out, t.Data())
		}
	}
	return out, t.Err()
}

// CalcMultiSigStats returns the number of keys and of required signatures
// of a bare multisig script.
func CalcMultiSigStats(script []byte) (int, int, error) {
	m, keys, ok := multiSigDetails(script)
	if !ok {
		return 0, 0, scriptError(ErrInvalidParams, "script is not a multisig script")
	}
	return len(keys), m, nil
}

// IsNullData reports whether script is a data carrier (OP_RETURN followed
// only by pushes).
func IsNullData(script []byte) bool { return isNullData(script) }
