package txscript

import (
	"fmt"

	"github.com/tern-org/ternd/chaincfg"
)

// ScriptBuilder builds scripts with canonical (minimal) pushes. Errors are
// sticky: the first one is returned by Script.
type ScriptBuilder struct {
	script []byte
	err    error
}

// NewScriptBuilder returns an empty builder.
func NewScriptBuilder() *ScriptBuilder {
	return &ScriptBuilder{script: make([]byte, 0, 64)}
}

// AddOp appends an opcode.
func (b *ScriptBuilder) AddOp(op byte) *ScriptBuilder {
	b.script = append(b.script, op)
	return b
}

// AddOps appends opcodes.
func (b *ScriptBuilder) AddOps(ops []byte) *ScriptBuilder {
	b.script = append(b.script, ops...)
	return b
}

// AddData appends a minimal push of data (OP_0, OP_1..OP_16 and OP_1NEGATE
// for the values they encode).
func (b *ScriptBuilder) AddData(data []byte) *ScriptBuilder {
	if b.err != nil {
		return b
	}
	if len(data) > MaxScriptElementSize {
		b.err = scriptError(ErrElementTooBig, fmt.Sprintf(
			"push of %d bytes exceeds %d", len(data), MaxScriptElementSize))
		return b
	}
	b.script = appendMinimalPush(b.script, data)
	return b
}

// AddFullData appends data with the canonical push opcode without checking
// the element size limit (for tests of oversized pushes).
func (b *ScriptBuilder) AddFullData(data []byte) *ScriptBuilder {
	b.script = appendMinimalPush(b.script, data)
	return b
}

// AddInt64 appends a push of a script number.
func (b *ScriptBuilder) AddInt64(v int64) *ScriptBuilder {
	switch {
	case v == 0:
		b.script = append(b.script, OP_0)
	case v == -1 || (v >= 1 && v <= 16):
		b.script = append(b.script, byte(int64(OP_1)+v-1))
	default:
		b.script = appendPush(b.script, scriptNum(v).Bytes())
	}
	return b
}

// Script returns the script or the first error.
func (b *ScriptBuilder) Script() ([]byte, error) {
	return b.script, b.err
}

// appendMinimalPush appends the push MINIMALDATA requires for data.
func appendMinimalPush(dst, data []byte) []byte {
	if len(data) == 0 {
		return append(dst, OP_0)
	}
	if len(data) == 1 && data[0] >= 1 && data[0] <= 16 {
		return append(dst, OP_1+data[0]-1)
	}
	if len(data) == 1 && data[0] == 0x81 {
		return append(dst, OP_1NEGATE)
	}
	return appendPush(dst, data)
}

// PayToAddrScript returns the output script paying addr.
func PayToAddrScript(addr Address) ([]byte, error) {
	switch a := addr.(type) {
	case *AddressPubKeyHash:
		return payToPubKeyHash(a.hash[:]), nil
	case *AddressScriptHash:
		return payToScriptHash(a.hash[:]), nil
	case *AddressPubKey:
		return append(appendPush(nil, a.serialized), OP_CHECKSIG), nil
	case *AddressWitnessPubKeyHash:
		return payToWitness(0, a.program), nil
	case *AddressWitnessScriptHash:
		return payToWitness(0, a.program), nil
	case *AddressTaproot:
		return payToWitness(1, a.program), nil
	case *AddressWitnessUnknown:
		return payToWitness(a.version, a.program), nil
	}
	return nil, scriptError(ErrUnsupportedAddress, fmt.Sprintf("unsupported address type %T", addr))
}

func payToPubKeyHash(h []byte) []byte {
	s := make([]byte, 0, 25)
	s = append(s, OP_DUP, OP_HASH160, OP_DATA_20)
	s = append(s, h...)
	return append(s, OP_EQUALVERIFY, OP_CHECKSIG)
}

func payToScriptHash(h []byte) []byte {
	s := make([]byte, 0, 23)
	s = append(s, OP_HASH160, OP_DATA_20)
	s = append(s, h...)
	return append(s, OP_EQUAL)
}

func payToWitness(version byte, program []byte) []byte {
	s := make([]byte, 0, 2+len(program))
	if version == 0 {
		s = append(s, OP_0)
	} else {
		s = append(s, OP_1+version-1)
	}
	s = append(s, byte(len(program)))
	return append(s, program...)
}

// PayToPubKeyHashScript returns a P2PKH script for a 20-byte key hash.
func PayToPubKeyHashScript(pkHash []byte) []byte { return payToPubKeyHash(pkHash) }

// PayToScriptHashScript returns a P2SH script for a 20-byte script hash.
func PayToScriptHashScript(scriptHash []byte) []byte { return payToScriptHash(scriptHash) }

// PayToWitnessPubKeyHashScript returns a P2WPKH script.
func PayToWitnessPubKeyHashScript(pkHash []byte) []byte { return payToWitness(0, pkHash) }

// PayToWitnessScriptHashScript returns a P2WSH script for a 32-byte hash.
func PayToWitnessScriptHashScript(scriptHash []byte) []byte { return payToWitness(0, scriptHash) }

// PayToTaprootScript returns a P2TR script for a 32-byte x-only key.
func PayToTaprootScript(outputKey []byte) []byte { return payToWitness(1, outputKey) }

// NullDataScript returns an OP_RETURN script carrying data.
func NullDataScript(data []byte) ([]byte, error) {
	if len(data) > MaxDataCarrierSize {
		return nil, scriptError(ErrInvalidParams, "data carrier payload too large")
	}
	return appendMinimalPush([]byte{OP_RETURN}, data), nil
}

// MultiSigScript returns an m-of-n CHECKMULTISIG script over serialised keys.
func MultiSigScript(pubKeys [][]byte, nRequired int) ([]byte, error) {
	if nRequired < 1 || len(pubKeys) > 16 || nRequired > len(pubKeys) {
		return nil, scriptError(ErrInvalidParams, "invalid multisig parameters")
	}
	b := NewScriptBuilder().AddInt64(int64(nRequired))
	for _, k := range pubKeys {
		b.AddData(k)
	}
	b.AddInt64(int64(len(pubKeys))).AddOp(OP_CHECKMULTISIG)
	return b.Script()
}

// ExtractPkScriptAddrs returns the class of pkScript, the addresses it pays
// and the number of signatures it requires.
func ExtractPkScriptAddrs(pkScript []byte, params *chaincfg.Params) (ScriptClass, []Address, int, error) {
	class := GetScriptClass(pkScript)
	var addrs []Address
	var err error
	add := func(a Address, e error) {
		if e != nil {
			err = e
			return
		}
		addrs = append(addrs, a)
	}
	required := 1
	switch class {
	case PubKeyHashTy:
		add(NewAddressPubKeyHash(pkScript[3:23], params))
	case ScriptHashTy:
		add(NewAddressScriptHashFromHash(pkScript[2:22], params))
	case WitnessV0PubKeyHashTy:
		add(NewAddressWitnessPubKeyHash(pkScript[2:], params))
	case WitnessV0ScriptHashTy:
		add(NewAddressWitnessScriptHash(pkScript[2:], params))
	case WitnessV1TaprootTy:
		add(NewAddressTaproot(pkScript[2:], params))
	case WitnessUnknownTy, AnchorTy:
		v, p, _ := extractWitnessProgram(pkScript)
		add(NewAddressWitnessUnknown(byte(v), p, params))
	case PubKeyTy:
		if a, e := NewAddressPubKey(extractPubKey(pkScript), params); e == nil {
			addrs = append(addrs, a)
		}
	case MultiSigTy:
		m, keys, _ := multiSigDetails(pkScript)
		required = m
		for _, k := range keys {
			if a, e := NewAddressPubKey(k, params); e == nil {
				addrs = append(addrs, a)
			}
		}
	default:
		required = 0
	}
	if err != nil {
		return class, nil, 0, err
	}
	return class, addrs, required, nil
}
