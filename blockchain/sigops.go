package blockchain

import (
	"encoding/binary"

	"github.com/tern-org/ternd/wire"
)

// This file counts signature operations the way Core's consensus code does
// (GetLegacySigOpCount, GetP2SHSigOpCount, CountWitnessSigOps). It parses
// scripts only as far as sigop counting needs; the script engine itself is
// txscript's.

// Opcodes used by the counters.
const (
	op0                   = 0x00
	opPushData1           = 0x4c
	opPushData2           = 0x4d
	opPushData4           = 0x4e
	op1                   = 0x51
	op16                  = 0x60
	opReturn              = 0x6a
	opEqual               = 0x87
	opHash160             = 0xa9
	opCheckSig            = 0xac
	opCheckSigVerify      = 0xad
	opCheckMultiSig       = 0xae
	opCheckMultiSigVerify = 0xaf
)

// maxPubKeysPerMultisig is what an inaccurate count charges for a multisig.
const maxPubKeysPerMultisig = 20

// MaxBlockSigOpsCost is the block sigop cost limit (BIP141).
const MaxBlockSigOpsCost = 80000

// maxScriptSize is the largest script the interpreter runs; outputs with
// larger scripts are unspendable and kept out of the UTXO set.
const maxScriptSize = 10000

// nextOp decodes the operation at script[pc:]: its opcode, pushed data and
// the next position. ok is false when a push runs past the end (Core's
// GetOp failure).
func nextOp(script []byte, pc int) (op byte, data []byte, next int, ok bool) {
	if pc >= len(script) {
		return 0, nil, pc, false
	}
	op = script[pc]
	pc++
	var n int
	switch {
	case op < opPushData1:
		n = int(op)
	case op == opPushData1:
		if len(script)-pc < 1 {
			return op, nil, pc, false
		}
		n = int(script[pc])
		pc++
	case op == opPushData2:
		if len(script)-pc < 2 {
			return op, nil, pc, false
		}
		n = int(binary.LittleEndian.Uint16(script[pc:]))
		pc += 2
	case op == opPushData4:
		if len(script)-pc < 4 {
			return op, nil, pc, false
		}
		v := binary.LittleEndian.Uint32(script[pc:])
		if uint64(v) > uint64(len(script)-pc-4) {
			return op, nil, pc, false
		}
		n = int(v)
		pc += 4
	default:
		return op, nil, pc, true
	}
	if n > len(script)-pc {
		return op, nil, pc, false
	}
	return op, script[pc : pc+n], pc + n, true
}

// countSigOps is Core's CScript::GetSigOpCount(fAccurate).
func countSigOps(script []byte, accurate bool) int {
	n := 0
	var last byte = 0xff
	for pc := 0; pc < len(script); {
		op, _, next, ok := nextOp(script, pc)
		if !ok {
			break
		}
		pc = next
		switch op {
		case opCheckSig, opCheckSigVerify:
			n++
		case opCheckMultiSig, opCheckMultiSigVerify:
			if accurate && last >= op1 && last <= op16 {
				n += int(last - op1 + 1)
			} else {
				n += maxPubKeysPerMultisig
			}
		}
		last = op
	}
	return n
}

// isPayToScriptHash reports whether script is OP_HASH160 <20> OP_EQUAL.
func isPayToScriptHash(script []byte) bool {
	return len(script) == 23 && script[0] == opHash160 && script[1] == 0x14 &&
		script[22] == opEqual
}

// p2shSigOps is Core's GetSigOpCount(scriptSig) for a P2SH output: the
// accurate count of the redeem script, the last push of a push-only
// scriptSig.
func p2shSigOps(sigScript []byte) int {
	var last []byte
	for pc := 0; pc < len(sigScript); {
		op, data, next, ok := nextOp(sigScript, pc)
		if !ok || op > op16 {
			return 0
		}
		last = data
		pc = next
	}
	return countSigOps(last, true)
}

// witnessProgram returns the version and program of a segwit output script
// (Core's IsWitnessProgram): a version opcode then one 2..40-byte push.
func witnessProgram(script []byte) (version int, program []byte, ok bool) {
	if len(script) < 4 || len(script) > 42 {
		return 0, nil, false
	}
	if script[0] != op0 && (script[0] < op1 || script[0] > op16) {
		return 0, nil, false
	}
	if int(script[1])+2 != len(script) {
		return 0, nil, false
	}
	v := 0
	if script[0] != op0 {
		v = int(script[0] - op1 + 1)
	}
	return v, script[2:], true
}

// witnessSigOps is Core's WitnessSigOps.
func witnessSigOps(version int, program []byte, witness wire.TxWitness) int {
	if version == 0 {
		if len(program) == 20 {
			return 1
		}
		if len(program) == 32 && len(witness) > 0 {
			return countSigOps(witness[len(witness)-1], true)
		}
	}
	return 0
}

// countWitnessSigOps is Core's CountWitnessSigOps for one input.
func countWitnessSigOps(sigScript, pkScript []byte, witness wire.TxWitness) int {
	if v, prog, ok := witnessProgram(pkScript); ok {
		return witnessSigOps(v, prog, witness)
	}
	if isPayToScriptHash(pkScript) {
		var last []byte
		for pc := 0; pc < len(sigScript); {
			op, data, next, ok := nextOp(sigScript, pc)
			if !ok || op > op16 {
				return 0
			}
			last = data
			pc = next
		}
		if v, prog, ok := witnessProgram(last); ok {
			return witnessSigOps(v, prog, witness)
		}
	}
	return 0
}

// legacyTxSigOps is Core's GetLegacySigOpCount: inaccurate counts over every
// input and output script.
func legacyTxSigOps(tx *wire.MsgTx) int {
	n := 0
	for _, in := range tx.TxIn {
		n += countSigOps(in.SignatureScript, false)
	}
	for _, out := range tx.TxOut {
		n += countSigOps(out.PkScript, false)
	}
	return n
}

// txSigOpCost is Core's GetTransactionSigOpCost with P2SH and WITNESS flags:
// legacy and P2SH sigops weigh four, witness sigops one. prevOuts holds the
// spent output of each input (unused for a coinbase).
func txSigOpCost(tx *wire.MsgTx, isCoinBase bool, prevOuts []*wire.TxOut) int {
	cost := legacyTxSigOps(tx) * wire.WitnessScaleFactor
	if isCoinBase {
		return cost
	}
	for i, in := range tx.TxIn {
		pk := prevOuts[i].PkScript
		if isPayToScriptHash(pk) {
			cost += p2shSigOps(in.SignatureScript) * wire.WitnessScaleFactor
		}
		cost += countWitnessSigOps(in.SignatureScript, pk, in.Witness)
	}
	return cost
}

// isUnspendable reports whether an output can never be spent (it starts
// with OP_RETURN or is longer than the interpreter allows); such outputs
// never enter the UTXO set, as in Core.
func isUnspendable(pkScript []byte) bool {
	return (len(pkScript) > 0 && pkScript[0] == opReturn) || len(pkScript) > maxScriptSize
}

// coinbaseHeightPrefix returns the script Core's CScript() << height builds:
// OP_0 for 0, OP_1..OP_16 for 1..16, else a minimal little-endian number push.
func coinbaseHeightPrefix(height int32) []byte {
	if height == 0 {
		return []byte{op0}
	}
	if height >= 1 && height <= 16 {
		return []byte{op1 + byte(height-1)}
	}
	var num []byte
	for v := uint32(height); v > 0; v >>= 8 {
		num = append(num, byte(v))
	}
	if num[len(num)-1]&0x80 != 0 {
		num = append(num, 0)
	}
	return append([]byte{byte(len(num))}, num...)
}

// TxSigOpCost returns tx's sigop cost as Core's GetTransactionSigOpCost with
// the P2SH and WITNESS flags: legacy and P2SH sigops count four, witness
// sigops one. prevOuts[i] is the output input i spends; it is ignored for a
// coinbase. It is what the mempool needs for its sigop-adjusted size.
func TxSigOpCost(tx *wire.MsgTx, prevOuts []*wire.TxOut) int {
	cb := IsCoinBaseTx(tx)
	if !cb && len(prevOuts) != len(tx.TxIn) {
		return legacyTxSigOps(tx) * wire.WitnessScaleFactor
	}
	return txSigOpCost(tx, cb, prevOuts)
}

// LegacySigOps returns Core's GetLegacySigOpCount of tx (inaccurate counts
// of every input and output script), as limited by CheckBlockSanity.
func LegacySigOps(tx *wire.MsgTx) int { return legacyTxSigOps(tx) }
