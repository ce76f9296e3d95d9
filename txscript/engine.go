package txscript

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btclog"
	"github.com/tern-org/ternd/wire"
	"golang.org/x/crypto/ripemd160"
)

// These are the consensus limits of the script language.
const (
	// MaxScriptSize is the largest legacy or witness v0 script.
	MaxScriptSize = 10000

	// MaxScriptElementSize is the largest element that can be pushed.
	MaxScriptElementSize = 520

	// MaxOpsPerScript is the number of non-push opcodes a legacy or witness
	// v0 script may execute (CHECKMULTISIG also counts its keys).
	MaxOpsPerScript = 201

	// MaxStackSize is the largest combined size of the main and alt stacks.
	MaxStackSize = 1000

	// MaxPubKeysPerMultiSig is the most keys a CHECKMULTISIG may use.
	MaxPubKeysPerMultiSig = 20

	// LockTimeThreshold separates block heights from timestamps in lock
	// times.
	LockTimeThreshold = 500000000

	// validationWeightPerSigOp is the BIP342 budget spent per signature.
	validationWeightPerSigOp = 50

	// validationWeightOffset is the budget granted beyond the witness size.
	validationWeightOffset = 50

	// TaprootAnnexTag is the first byte of a taproot annex.
	TaprootAnnexTag = 0x50

	// BaseLeafVersion is the tapleaf version of BIP342 tapscript.
	BaseLeafVersion = 0xc0

	// TaprootLeafMask extracts the leaf version from a control block.
	TaprootLeafMask = 0xfe

	// ControlBlockBaseSize is the control block size without any path.
	ControlBlockBaseSize = 33

	// ControlBlockNodeSize is the size of one merkle path element.
	ControlBlockNodeSize = 32

	// ControlBlockMaxNodeCount is the deepest merkle path allowed.
	ControlBlockMaxNodeCount = 128

	// ControlBlockMaxSize is the largest control block.
	ControlBlockMaxSize = ControlBlockBaseSize + ControlBlockNodeSize*ControlBlockMaxNodeCount
)

// sigVersion says which rules a script runs under (Core's SigVersion).
type sigVersion uint8

const (
	sigVersionBase sigVersion = iota
	sigVersionWitnessV0
	sigVersionTaproot
	sigVersionTapscript
)

// taprootExecData is the taproot state of one input (Core's
// ScriptExecutionData).
type taprootExecData struct {
	annexPresent bool
	annexHash    chainhash.Hash
	tapLeafHash  chainhash.Hash
	codeSepPos   uint32
	weightLeft   int64
}

// Engine verifies one transaction input: it runs the scriptSig, the spent
// output's script and any P2SH or witness program, exactly as Bitcoin Core's
// VerifyScript. An Engine is not safe for concurrent use.
type Engine struct {
	flags     ScriptFlags
	tx        *wire.MsgTx
	txIdx     int
	amount    int64
	sigCache  *SigCache
	hashCache *TxSigHashes
	fetcher   PrevOutputFetcher

	scriptSig []byte
	pkScript  []byte
	witness   wire.TxWitness

	dstack [][]byte
	wstack [][]byte // backing store of the witness stack
	exec   execState
	tap    taprootExecData

	// stackBuf gives the main and witness stacks their first items
	// without separate allocations.
	stackBuf [16][]byte

	// arenaBuf is the arena's first block and p2wpkhScript the implied
	// script of a P2WPKH spend; both live in the Engine to save
	// allocations.
	arenaBuf     [160]byte
	p2wpkhScript [25]byte

	// arena holds the bytes of computed stack items (numbers, hashes) so
	// that they do not each need an allocation. Items are never modified in
	// place, so earlier slices stay valid when the arena is replaced.
	arena []byte
}

// NewEngine returns an engine that verifies input txIdx of tx spending an
// output with pkScript and value inputAmount. sigCache and hashCache may be
// nil; prevOutFetcher must know every spent output for taproot inputs.
func NewEngine(scriptPubKey []byte, tx *wire.MsgTx, txIdx int, flags ScriptFlags,
	sigCache *SigCache, hashCache *TxSigHashes, inputAmount int64,
	prevOutFetcher PrevOutputFetcher) (*Engine, error) {

	if tx == nil || txIdx < 0 || txIdx >= len(tx.TxIn) {
		return nil, scriptError(ErrInvalidIndex, fmt.Sprintf(
			"transaction input index %d is out of range", txIdx))
	}
	if flags&ScriptVerifyCleanStack != 0 &&
		flags&(ScriptBip16|ScriptVerifyWitness) != ScriptBip16|ScriptVerifyWitness {
		return nil, scriptError(ErrInvalidParams,
			"CLEANSTACK requires both P2SH and WITNESS")
	}
	in := tx.TxIn[txIdx]
	vm := &Engine{
		flags:     flags,
		tx:        tx,
		txIdx:     txIdx,
		amount:    inputAmount,
		sigCache:  sigCache,
		hashCache: hashCache,
		fetcher:   prevOutFetcher,
		scriptSig: in.SignatureScript,
		pkScript:  scriptPubKey,
		witness:   in.Witness,
	}
	vm.dstack = vm.stackBuf[:0:8]
	vm.arena = vm.arenaBuf[:0]
	vm.wstack = vm.stackBuf[8:8]
	return vm, nil
}

// hasFlag reports whether flag is set.
func (vm *Engine) hasFlag(flag ScriptFlags) bool {
	return vm.flags&flag == flag
}

// Execute verifies the input and returns nil when it may spend the output,
// or an *Error whose kind is the Core script error.
func (vm *Engine) Execute() error {
	err := vm.verify()
	if err != nil && log.Level() <= btclog.LevelTrace {
		log.Tracef("script verification of input %d of %v failed: %v",
			vm.txIdx, vm.tx.TxHash(), err)
	}
	return err
}

// verify is Core's VerifyScript.
func (vm *Engine) verify() error {
	if vm.hasFlag(ScriptVerifySigPushOnly) && !IsPushOnlyScript(vm.scriptSig) {
		return scriptError(ErrNotPushOnly, "signature script is not push only")
	}
	vm.dstack = vm.dstack[:0]
	if err := vm.evalScript(vm.scriptSig, sigVersionBase); err != nil {
		return err
	}
	// Core copies the stack for every script under P2SH; only a P2SH
	// output ever uses the copy, so only it pays for one.
	var stackCopy [][]byte
	isP2SH := vm.hasFlag(ScriptBip16) && isPayToScriptHash(vm.pkScript)
	if isP2SH {
		stackCopy = append(stackCopy, vm.dstack...)
	}
	if err := vm.evalScript(vm.pkScript, sigVersionBase); err != nil {
		return err
	}
	if len(vm.dstack) == 0 || !asBool(vm.dstack[len(vm.dstack)-1]) {
		return scriptError(ErrEvalFalse, "false stack entry at end of script execution")
	}

	hadWitness := false
	if vm.hasFlag(ScriptVerifyWitness) {
		if version, program, ok := extractWitnessProgram(vm.pkScript); ok {
			hadWitness = true
			if len(vm.scriptSig) != 0 {
				return scriptError(ErrWitnessMalleated,
					"native witness program has a non-empty signature script")
			}
			if err := vm.verifyWitnessProgram(version, program, false); err != nil {
				return err
			}
			vm.dstack = vm.dstack[:1]
		}
	}

	if isP2SH {
		if !IsPushOnlyScript(vm.scriptSig) {
			return scriptError(ErrNotPushOnly, "P2SH signature script is not push only")
		}
		vm.dstack = stackCopy
		redeem := vm.dstack[len(vm.dstack)-1]
		vm.dstack = vm.dstack[:len(vm.dstack)-1]
		if err := vm.evalScript(redeem, sigVersionBase); err != nil {
			return err
		}
		if len(vm.dstack) == 0 || !asBool(vm.dstack[len(vm.dstack)-1]) {
			return scriptError(ErrEvalFalse, "false stack entry at end of redeem script")
		}
		if vm.hasFlag(ScriptVerifyWitness) {
			if version, program, ok := extractWitnessProgram(redeem); ok {
				hadWitness = true
				if len(vm.scriptSig) != len(redeem)+1 || int(vm.scriptSig[0]) != len(redeem) ||
					!bytes.Equal(vm.scriptSig[1:], redeem) {
					return scriptError(ErrWitnessMalleatedP2SH,
						"P2SH witness program signature script is not a single push")
				}
				if err := vm.verifyWitnessProgram(version, program, true); err != nil {
					return err
				}
				vm.dstack = vm.dstack[:1]
			}
		}
	}

	if vm.hasFlag(ScriptVerifyCleanStack) && len(vm.dstack) != 1 {
		return scriptError(ErrCleanStack, fmt.Sprintf(
			"stack holds %d items after evaluation, want 1", len(vm.dstack)))
	}
	if vm.hasFlag(ScriptVerifyWitness) && !hadWitness && len(vm.witness) != 0 {
		return scriptError(ErrWitnessUnexpected, "input has an unexpected witness")
	}
	return nil
}

// verifyWitnessProgram is Core's VerifyWitnessProgram.
func (vm *Engine) verifyWitnessProgram(version int, program []byte, isP2SH bool) error {
	witness := vm.witness
	switch {
	case version == 0 && len(program) == 32:
		if len(witness) == 0 {
			return scriptError(ErrWitnessProgramEmpty, "witness program has an empty witness")
		}
		script := witness[len(witness)-1]
		if h := sha256.Sum256(script); !bytes.Equal(h[:], program) {
			return scriptError(ErrWitnessProgramMismatch,
				"witness script does not match the witness program")
		}
		return vm.executeWitnessScript(witness[:len(witness)-1], script, sigVersionWitnessV0)

	case version == 0 && len(program) == 20:
		if len(witness) != 2 {
			return scriptError(ErrWitnessProgramMismatch, fmt.Sprintf(
				"P2WPKH witness has %d items, want 2", len(witness)))
		}
		script := &vm.p2wpkhScript
		script[0], script[1], script[2] = OP_DUP, OP_HASH160, OP_DATA_20
		copy(script[3:], program)
		script[23], script[24] = OP_EQUALVERIFY, OP_CHECKSIG
		return vm.executeWitnessScript(witness, script[:], sigVersionWitnessV0)

	case version == 0:
		return scriptError(ErrWitnessProgramWrongLength, fmt.Sprintf(
			"witness v0 program has length %d", len(program)))

	case version == 1 && len(program) == 32 && !isP2SH:
		if !vm.hasFlag(ScriptVerifyTaproot) {
			return nil
		}
		if len(witness) == 0 {
			return scriptError(ErrWitnessProgramEmpty, "taproot output has an empty witness")
		}
		stack := witness
		if len(stack) >= 2 {
			last := stack[len(stack)-1]
			if len(last) > 0 && last[0] == TaprootAnnexTag {
				vm.tap.annexPresent = true
				vm.tap.annexHash = annexHash(last)
				stack = stack[:len(stack)-1]
			}
		}
		if len(stack) == 1 {
			return vm.checkSchnorrSignature(stack[0], program, sigVersionTaproot)
		}
		control := stack[len(stack)-1]
		script := stack[len(stack)-2]
		stack = stack[:len(stack)-2]
		if len(control) < ControlBlockBaseSize || len(control) > ControlBlockMaxSize ||
			(len(control)-ControlBlockBaseSize)%ControlBlockNodeSize != 0 {
			return scriptError(ErrTaprootWrongControlSize, fmt.Sprintf(
				"control block has invalid size %d", len(control)))
		}
		vm.tap.tapLeafHash = TapLeafHash(control[0]&TaprootLeafMask, script)
		if !verifyTaprootCommitment(control, program, vm.tap.tapLeafHash) {
			return scriptError(ErrWitnessProgramMismatch,
				"taproot commitment does not match the output key")
		}
		if control[0]&TaprootLeafMask == BaseLeafVersion {
			return vm.executeWitnessScript(stack, script, sigVersionTapscript)
		}
		if vm.hasFlag(ScriptVerifyDiscourageUpgradeableTaprootVersion) {
			return scriptError(ErrDiscourageTaprootVersion, fmt.Sprintf(
				"tapleaf version %#x is reserved for upgrades", control[0]&TaprootLeafMask))
		}
		return nil

	default:
		if vm.hasFlag(ScriptVerifyDiscourageUpgradeableWitnessProgram) {
			return scriptError(ErrDiscourageUpgradableWitness, fmt.Sprintf(
				"witness version %d program of length %d is reserved for upgrades",
				version, len(program)))
		}
		return nil
	}
}

// executeWitnessScript is Core's ExecuteWitnessScript: it runs script over
// the given initial stack with an implied clean-stack rule.
func (vm *Engine) executeWitnessScript(stack [][]byte, script []byte, sv sigVersion) error {
	if sv == sigVersionTapscript {
		vm.tap.weightLeft = int64(vm.witness.SerializeSize()) + validationWeightOffset
		t := MakeScriptTokenizer(script)
		for t.Next() {
			if IsOpSuccess(t.Opcode()) {
				if vm.hasFlag(ScriptVerifyDiscourageOpSuccess) {
					return scriptError(ErrDiscourageOpSuccess, fmt.Sprintf(
						"tapscript uses OP_SUCCESS%d", t.Opcode()))
				}
				return nil
			}
		}
		if t.Err() != nil {
			return scriptError(ErrBadOpcode, t.Err().Error())
		}
		if len(stack) > MaxStackSize {
			return scriptError(ErrStackOverflow, "initial tapscript stack is too large")
		}
	}
	for _, item := range stack {
		if len(item) > MaxScriptElementSize {
			return scriptError(ErrElementTooBig, fmt.Sprintf(
				"witness element of %d bytes exceeds %d", len(item), MaxScriptElementSize))
		}
	}
	// The witness runs on its own stack; the main stack is restored after.
	saved := vm.dstack
	vm.dstack = append(vm.wstack[:0], stack...)
	err := vm.evalScript(script, sv)
	vm.wstack, vm.dstack = vm.dstack, saved
	if err != nil {
		return err
	}
	if len(vm.wstack) != 1 {
		return scriptError(ErrCleanStack, fmt.Sprintf(
			"witness script left %d stack items, want 1", len(vm.wstack)))
	}
	if !asBool(vm.wstack[0]) {
		return scriptError(ErrEvalFalse, "witness script left a false value")
	}
	return nil
}

// annexHash is SHA256 of the annex with its compact-size length prefix.
func annexHash(annex []byte) chainhash.Hash {
	h := sha256.New()
	var scratch [9]byte
	h.Write(wire.AppendVarInt(scratch[:0], uint64(len(annex))))
	h.Write(annex)
	var out chainhash.Hash
	h.Sum(out[:0])
	return out
}

// IsOpSuccess reports whether op is one of BIP342's OP_SUCCESSx opcodes,
// which make a tapscript succeed unconditionally (the interpreter's
// pre-scan); decodescript uses it to refuse a P2SH wrapping, as Core does.
func IsOpSuccess(op byte) bool {
	return op == 80 || op == 98 || (op >= 126 && op <= 129) ||
		(op >= 131 && op <= 134) || (op >= 137 && op <= 138) ||
		(op >= 141 && op <= 142) || (op >= 149 && op <= 153) ||
		(op >= 187 && op <= 254)
}

// isDisabledOpcode reports whether op fails even in an unexecuted branch.
func isDisabledOpcode(op byte) bool {
	switch op {
	case OP_CAT, OP_SUBSTR, OP_LEFT, OP_RIGHT, OP_INVERT, OP_AND, OP_OR, OP_XOR,
		OP_2MUL, OP_2DIV, OP_MUL, OP_DIV, OP_MOD, OP_LSHIFT, OP_RSHIFT:
		return true
	}
	return false
}

// alloc returns n bytes from the arena.
func (vm *Engine) alloc(n int) []byte {
	if len(vm.arena)+n > cap(vm.arena) {
		size := 512
		if n > size {
			size = n
		}
		vm.arena = make([]byte, 0, size)
	}
	start := len(vm.arena)
	vm.arena = vm.arena[:start+n]
	return vm.arena[start : start+n : start+n]
}

// pushNum pushes the minimal encoding of n.
func (vm *Engine) pushNum(n scriptNum) {
	vm.dstack = append(vm.dstack, vm.numBytes(n))
}

// numBytes returns the minimal encoding of n in the arena (nil for 0).
func (vm *Engine) numBytes(n scriptNum) []byte {
	if n == 0 {
		return nil
	}
	var tmp [9]byte
	enc := n.appendBytes(tmp[:0])
	b := vm.alloc(len(enc))
	copy(b, enc)
	return b
}

// pushBool pushes 1 or the empty vector.
func (vm *Engine) pushBool(v bool) {
	vm.dstack = append(vm.dstack, fromBool(v))
}

// top returns the item n places from the top (n = 1 is the top).
func (vm *Engine) top(n int) []byte {
	return vm.dstack[len(vm.dstack)-n]
}

// pop removes the top item.
func (vm *Engine) pop() {
	vm.dstack = vm.dstack[:len(vm.dstack)-1]
}

func errStack(op byte) error {
	return scriptError(ErrInvalidStackOperation, fmt.Sprintf(
		"%s needs more stack items", opcodeNames[op]))
}

// evalScript is Core's EvalScript over vm.dstack. Every opcode, executed or
// not, first passes Core's checks in Core's order: the push size, the op
// count of legacy and witness v0 scripts (non-push opcodes only), disabled
// opcodes and OP_CODESEPARATOR under CONST_SCRIPTCODE. It then runs its
// handler from opcodeTable if it is in an executed branch or is a
// conditional (which must track nesting in unexecuted branches too), and
// after it the main and alt stacks together may hold at most MaxStackSize
// items. The checks stay in the loop rather than in a function of their own
// because they run for every opcode.
func (vm *Engine) evalScript(script []byte, sv sigVersion) error {
	legacyLimits := sv == sigVersionBase || sv == sigVersionWitnessV0
	if legacyLimits && len(script) > MaxScriptSize {
		return scriptError(ErrScriptTooBig, fmt.Sprintf(
			"script of %d bytes exceeds %d", len(script), MaxScriptSize))
	}
	vm.exec.reset(script, sv, vm.hasFlag(ScriptVerifyMinimalData))
	vm.tap.codeSepPos = 0xffffffff
	constScriptCode := sv == sigVersionBase && vm.hasFlag(ScriptVerifyConstScriptCode)

	t := MakeScriptTokenizer(script)
	for ; t.Next(); vm.exec.opcodePos++ {
		op, data := t.Opcode(), t.Data()
		if len(data) > MaxScriptElementSize {
			return errPushSize(len(data))
		}
		if legacyLimits && op > OP_16 {
			if vm.exec.opCount++; vm.exec.opCount > MaxOpsPerScript {
				return errOpCount()
			}
		}
		if isDisabledOpcode(op) {
			return opcodeDisabled(vm, op, data)
		}
		if op == OP_CODESEPARATOR && constScriptCode {
			return scriptError(ErrCodeSeparator, "OP_CODESEPARATOR in a legacy script")
		}
		// Core's own branch for pushes comes before its switch; the table
		// holds the same handler for them, for callers without the branch.
		var err error
		fExec := vm.exec.cond.allTrue()
		if fExec && op <= OP_PUSHDATA4 {
			err = opcodePushData(vm, op, data)
		} else if fExec || (op >= OP_IF && op <= OP_ENDIF) {
			vm.exec.pc = t.ByteIndex()
			err = opcodeTable[op](vm, op, data)
		}
		if err != nil {
			return err
		}
		if len(vm.dstack)+len(vm.exec.altStack) > MaxStackSize {
			return scriptError(ErrStackOverflow, fmt.Sprintf(
				"combined stack size exceeds %d", MaxStackSize))
		}
	}
	if err := t.Err(); err != nil {
		return scriptError(ErrBadOpcode, err.Error())
	}
	if vm.exec.cond.size != 0 {
		return scriptError(ErrUnbalancedConditional, "IF without ENDIF")
	}
	return nil
}

// errPushSize is the PUSH_SIZE failure of a push of n bytes.
func errPushSize(n int) error {
	return scriptError(ErrElementTooBig, fmt.Sprintf(
		"push of %d bytes exceeds %d", n, MaxScriptElementSize))
}

// errOpCount is the OP_COUNT failure, shared with CHECKMULTISIG's key count.
func errOpCount() error {
	return scriptError(ErrTooManyOperations, "too many operations in script")
}

// hash160 is RIPEMD160(SHA256(b)).
func hash160(b []byte) []byte {
	s := sha256.Sum256(b)
	h := ripemd160.New()
	h.Write(s[:])
	return h.Sum(nil)
}

// Hash160 returns RIPEMD160(SHA256(b)).
func Hash160(b []byte) []byte {
	return hash160(b)
}
