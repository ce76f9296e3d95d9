package mempool

// This file holds the small amount of script parsing the policy needs:
// push-only checks, output classification (Core's Solver), and signature
// operation counting. It deliberately does not execute scripts; execution
// belongs to the ScriptVerifier.

// Opcodes used by the policy code.
const (
	op0                   = 0x00
	opPushData1           = 0x4c
	opPushData2           = 0x4d
	opPushData4           = 0x4e
	op1Negate             = 0x4f
	op1                   = 0x51
	op16                  = 0x60
	opReturn              = 0x6a
	opDup                 = 0x76
	opEqual               = 0x87
	opEqualVerify         = 0x88
	opHash160             = 0xa9
	opCheckSig            = 0xac
	opCheckSigVerify      = 0xad
	opCheckMultiSig       = 0xae
	opCheckMultiSigVerify = 0xaf
)

// maxScriptSize is the consensus limit above which a script is unspendable.
const maxScriptSize = 10000

// scriptTokenizer walks a script one opcode at a time. A push that runs
// past the end of the script stops the walk with err set, like Core's
// GetScriptOp returning false.
type scriptTokenizer struct {
	script []byte
	pos    int
	op     byte
	data   []byte
	err    bool
}

// next advances to the next opcode and reports whether there was one.
func (t *scriptTokenizer) next() bool {
	if t.err || t.pos >= len(t.script) {
		return false
	}
	op := t.script[t.pos]
	t.pos++
	t.op = op
	t.data = nil
	var n int
	switch {
	case op > op0 && op < opPushData1:
		n = int(op)
	case op == opPushData1:
		if t.pos+1 > len(t.script) {
			t.err = true
			return false
		}
		n = int(t.script[t.pos])
		t.pos++
	case op == opPushData2:
		if t.pos+2 > len(t.script) {
			t.err = true
			return false
		}
		n = int(t.script[t.pos]) | int(t.script[t.pos+1])<<8
		t.pos += 2
	case op == opPushData4:
		if t.pos+4 > len(t.script) {
			t.err = true
			return false
		}
		n = int(uint32(t.script[t.pos]) | uint32(t.script[t.pos+1])<<8 |
			uint32(t.script[t.pos+2])<<16 | uint32(t.script[t.pos+3])<<24)
		t.pos += 4
		if n < 0 {
			t.err = true
			return false
		}
	default:
		return true
	}
	if n > len(t.script)-t.pos {
		t.err = true
		return false
	}
	t.data = t.script[t.pos : t.pos+n]
	t.pos += n
	return true
}

// isPushOnly reports whether script has only push opcodes (OP_16 or
// lower, as Core's CScript::IsPushOnly) and parses cleanly.
func isPushOnly(script []byte) bool {
	t := scriptTokenizer{script: script}
	for t.next() {
		if t.op > op16 {
			return false
		}
	}
	return !t.err
}

// pushedData returns the stack a push-only script leaves (nil, false when it
// is not push-only). Small-integer opcodes push their minimal encodings.
func pushedData(script []byte) ([][]byte, bool) {
	var stack [][]byte
	t := scriptTokenizer{script: script}
	for t.next() {
		switch {
		case t.op == op0:
			stack = append(stack, nil)
		case t.op <= opPushData4:
			stack = append(stack, t.data)
		case t.op == op1Negate:
			stack = append(stack, []byte{0x81})
		case t.op >= op1 && t.op <= op16:
			stack = append(stack, []byte{t.op - op1 + 1})
		default:
			return nil, false
		}
	}
	if t.err {
		return nil, false
	}
	return stack, true
}

// ScriptClass is an output script's type as Core's Solver names them.
type ScriptClass int

// The script classes.
const (
	NonStandardTy ScriptClass = iota
	PubKeyTy
	PubKeyHashTy
	ScriptHashTy
	MultiSigTy
	NullDataTy
	WitnessV0PubKeyHashTy
	WitnessV0ScriptHashTy
	WitnessV1TaprootTy
	AnchorTy
	WitnessUnknownTy
)

// witnessProgram returns the version and program of a witness program
// script (Core's IsWitnessProgram).
func witnessProgram(s []byte) (int, []byte, bool) {
	if len(s) < 4 || len(s) > 42 {
		return 0, nil, false
	}
	if s[0] != op0 && (s[0] < op1 || s[0] > op16) {
		return 0, nil, false
	}
	if int(s[1])+2 != len(s) {
		return 0, nil, false
	}
	v := 0
	if s[0] != op0 {
		v = int(s[0]-op1) + 1
	}
	return v, s[2:], true
}

// isPayToScriptHash reports whether s is OP_HASH160 <20> OP_EQUAL.
func isPayToScriptHash(s []byte) bool {
	return len(s) == 23 && s[0] == opHash160 && s[1] == 0x14 && s[22] == opEqual
}

// isPayToAnchor reports whether s is the P2A output OP_1 <0x4e73>.
func isPayToAnchor(s []byte) bool {
	return len(s) == 4 && s[0] == op1 && s[1] == 0x02 && s[2] == 0x4e && s[3] == 0x73
}

// validPubKeySize mirrors Core's CPubKey::ValidSize on the header byte.
func validPubKeySize(k []byte) bool {
	if len(k) == 0 {
		return false
	}
	switch k[0] {
	case 2, 3:
		return len(k) == 33
	case 4, 6, 7:
		return len(k) == 65
	}
	return false
}

// classifyScript returns the class of an output script and, for bare
// multisig, its m and n.
func classifyScript(s []byte) (class ScriptClass, m, n int) {
	if isPayToAnchor(s) {
		return AnchorTy, 0, 0
	}
	if isPayToScriptHash(s) {
		return ScriptHashTy, 0, 0
	}
	if v, prog, ok := witnessProgram(s); ok {
		switch {
		case v == 0 && len(prog) == 20:
			return WitnessV0PubKeyHashTy, 0, 0
		case v == 0 && len(prog) == 32:
			return WitnessV0ScriptHashTy, 0, 0
		case v == 1 && len(prog) == 32:
			return WitnessV1TaprootTy, 0, 0
		case v != 0:
			return WitnessUnknownTy, 0, 0
		}
		return NonStandardTy, 0, 0
	}
	if len(s) >= 1 && s[0] == opReturn && isPushOnly(s[1:]) {
		return NullDataTy, 0, 0
	}
	if len(s) == 35 && s[0] == 33 && s[34] == opCheckSig && validPubKeySize(s[1:34]) ||
		len(s) == 67 && s[0] == 65 && s[66] == opCheckSig && validPubKeySize(s[1:66]) {
		return PubKeyTy, 0, 0
	}
	if len(s) == 25 && s[0] == opDup && s[1] == opHash160 && s[2] == 0x14 &&
		s[23] == opEqualVerify && s[24] == opCheckSig {
		return PubKeyHashTy, 0, 0
	}
	if m, n, ok := matchMultisig(s); ok {
		return MultiSigTy, m, n
	}
	return NonStandardTy, 0, 0
}

// matchMultisig matches OP_m <pubkey>... OP_n OP_CHECKMULTISIG with small
// integers m and n (Core's MatchMultisig).
func matchMultisig(s []byte) (int, int, bool) {
	if len(s) < 1 || s[len(s)-1] != opCheckMultiSig {
		return 0, 0, false
	}
	t := scriptTokenizer{script: s[:len(s)-1]}
	if !t.next() || t.op < op1 || t.op > op16 {
		return 0, 0, false
	}
	m := int(t.op-op1) + 1
	keys := 0
	for t.next() {
		if t.op >= op1 && t.op <= op16 {
			n := int(t.op-op1) + 1
			if t.next() || t.err || n != keys || m > n {
				return 0, 0, false
			}
			return m, n, true
		}
		if t.op > opPushData4 || !validPubKeySize(t.data) {
			return 0, 0, false
		}
		keys++
	}
	return 0, 0, false
}

// isUnspendable reports whether an output can never be spent (Core's
// CScript::IsUnspendable).
func isUnspendable(s []byte) bool {
	return len(s) > 0 && s[0] == opReturn || len(s) > maxScriptSize
}

// sigOpCount counts signature operations in script. With accurate set, a
// CHECKMULTISIG preceded by OP_1..OP_16 counts that many keys, otherwise
// 20 (Core's CScript::GetSigOpCount). Counting stops at a parse error.
func sigOpCount(script []byte, accurate bool) int {
	n := 0
	var last byte = 0xff
	t := scriptTokenizer{script: script}
	for t.next() {
		switch t.op {
		case opCheckSig, opCheckSigVerify:
			n++
		case opCheckMultiSig, opCheckMultiSigVerify:
			if accurate && last >= op1 && last <= op16 {
				n += int(last-op1) + 1
			} else {
				n += 20
			}
		}
		last = t.op
	}
	return n
}

// p2shSigOps counts the signature operations of the redeem script that a
// push-only scriptSig spending a P2SH output reveals.
func p2shSigOps(scriptSig []byte) int {
	stack, ok := pushedData(scriptSig)
	if !ok || len(stack) == 0 {
		return 0
	}
	return sigOpCount(stack[len(stack)-1], true)
}

// witnessSigOps counts the signature operations of a witness program spend
// (Core's CountWitnessSigOps); taproot spends count zero here.
func witnessSigOps(scriptSig, pkScript []byte, witness [][]byte) int {
	if isPayToScriptHash(pkScript) {
		stack, ok := pushedData(scriptSig)
		if !ok || len(stack) == 0 {
			return 0
		}
		pkScript = stack[len(stack)-1]
	}
	v, prog, ok := witnessProgram(pkScript)
	if !ok || v != 0 {
		return 0
	}
	if len(prog) == 20 {
		return 1
	}
	if len(prog) == 32 && len(witness) > 0 {
		return sigOpCount(witness[len(witness)-1], true)
	}
	return 0
}
