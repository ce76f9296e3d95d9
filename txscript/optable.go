package txscript

import "fmt"

// opcodeHandler executes one opcode on the engine: op is the opcode byte
// (several opcodes share a handler, and error messages name the opcode) and
// data the bytes a push opcode pushes (nil for the others). The script-wide
// checks of evalScript have already passed when a handler runs.
type opcodeHandler func(vm *Engine, op byte, data []byte) error

// opcodeTable maps every opcode byte to its handler; it is Core's switch in
// EvalScript as a table. It is built once when the package is initialised and
// never modified, so every engine may read it concurrently.
var opcodeTable = newOpcodeTable()

// newOpcodeTable builds opcodeTable in the order of Core's interpreter.cpp.
// Opcodes with no meaning of their own (OP_RESERVED, OP_VER, OP_VERIF,
// OP_VERNOTIF, OP_RESERVED1/2, OP_UNKNOWNx, OP_INVALIDOPCODE and, outside
// tapscript, every OP_SUCCESSx) keep opcodeInvalid, Core's default case.
func newOpcodeTable() [256]opcodeHandler {
	var t [256]opcodeHandler
	for op := range t {
		t[op] = opcodeInvalid
	}

	// Push value.
	for op := OP_0; op <= OP_PUSHDATA4; op++ {
		t[op] = opcodePushData
	}
	t[OP_1NEGATE] = opcodeSmallInt
	for op := OP_1; op <= OP_16; op++ {
		t[op] = opcodeSmallInt
	}

	// Control.
	t[OP_NOP] = opcodeNop
	t[OP_CHECKLOCKTIMEVERIFY] = opcodeCheckLockTimeVerify
	t[OP_CHECKSEQUENCEVERIFY] = opcodeCheckSequenceVerify
	for _, op := range []byte{OP_NOP1, OP_NOP4, OP_NOP5, OP_NOP6, OP_NOP7, OP_NOP8,
		OP_NOP9, OP_NOP10} {
		t[op] = opcodeUpgradableNop
	}
	t[OP_IF] = opcodeIf
	t[OP_NOTIF] = opcodeIf
	t[OP_ELSE] = opcodeElse
	t[OP_ENDIF] = opcodeEndif
	t[OP_VERIFY] = opcodeVerify
	t[OP_RETURN] = opcodeReturn

	// Stack ops.
	t[OP_TOALTSTACK] = opcodeToAltStack
	t[OP_FROMALTSTACK] = opcodeFromAltStack
	t[OP_2DROP] = opcode2Drop
	t[OP_2DUP] = opcode2Dup
	t[OP_3DUP] = opcode3Dup
	t[OP_2OVER] = opcode2Over
	t[OP_2ROT] = opcode2Rot
	t[OP_2SWAP] = opcode2Swap
	t[OP_IFDUP] = opcodeIfDup
	t[OP_DEPTH] = opcodeDepth
	t[OP_DROP] = opcodeDrop
	t[OP_DUP] = opcodeDup
	t[OP_NIP] = opcodeNip
	t[OP_OVER] = opcodeOver
	t[OP_PICK] = opcodePick
	t[OP_ROLL] = opcodeRoll
	t[OP_ROT] = opcodeRot
	t[OP_SWAP] = opcodeSwap
	t[OP_TUCK] = opcodeTuck

	// Splice ops and bitwise logic.
	t[OP_SIZE] = opcodeSize
	t[OP_EQUAL] = opcodeEqual
	t[OP_EQUALVERIFY] = opcodeEqualVerify

	// Numeric.
	t[OP_1ADD] = opcode1Add
	t[OP_1SUB] = opcode1Sub
	t[OP_NEGATE] = opcodeNegate
	t[OP_ABS] = opcodeAbs
	t[OP_NOT] = opcodeNot
	t[OP_0NOTEQUAL] = opcode0NotEqual
	t[OP_ADD] = opcodeAdd
	t[OP_SUB] = opcodeSub
	t[OP_BOOLAND] = opcodeBoolAnd
	t[OP_BOOLOR] = opcodeBoolOr
	t[OP_NUMEQUAL] = opcodeNumEqual
	t[OP_NUMEQUALVERIFY] = opcodeNumEqualVerify
	t[OP_NUMNOTEQUAL] = opcodeNumNotEqual
	t[OP_LESSTHAN] = opcodeLessThan
	t[OP_GREATERTHAN] = opcodeGreaterThan
	t[OP_LESSTHANOREQUAL] = opcodeLessThanOrEqual
	t[OP_GREATERTHANOREQUAL] = opcodeGreaterThanOrEqual
	t[OP_MIN] = opcodeMin
	t[OP_MAX] = opcodeMax
	t[OP_WITHIN] = opcodeWithin

	// Crypto.
	t[OP_RIPEMD160] = opcodeRipemd160
	t[OP_SHA1] = opcodeSha1
	t[OP_SHA256] = opcodeSha256
	t[OP_HASH160] = opcodeHash160
	t[OP_HASH256] = opcodeHash256
	t[OP_CODESEPARATOR] = opcodeCodeSeparator
	t[OP_CHECKSIG] = opcodeCheckSig
	t[OP_CHECKSIGVERIFY] = opcodeCheckSigVerify
	t[OP_CHECKMULTISIG] = opcodeCheckMultiSig
	t[OP_CHECKMULTISIGVERIFY] = opcodeCheckMultiSigVerify
	t[OP_CHECKSIGADD] = opcodeCheckSigAdd

	// Disabled opcodes never reach their handler (evalScript fails on them
	// first, executed or not); the table still names the failure.
	for op := range t {
		if isDisabledOpcode(byte(op)) {
			t[op] = opcodeDisabled
		}
	}
	return t
}

// opcodeInvalid is Core's default case: the opcode has no meaning here.
func opcodeInvalid(vm *Engine, op byte, data []byte) error {
	return scriptError(ErrBadOpcode, fmt.Sprintf("invalid opcode %s", opcodeNames[op]))
}

// opcodeDisabled fails for the opcodes Bitcoin disabled in 2010.
func opcodeDisabled(vm *Engine, op byte, data []byte) error {
	return scriptError(ErrDisabledOpcode, fmt.Sprintf("%s is disabled", opcodeNames[op]))
}
