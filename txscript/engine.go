package txscript

import (
	"bytes"
	"crypto/sha1"
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

// condStack is Core's ConditionStack: it only tracks the depth and the
// position of the first false entry, which is all execution needs.
type condStack struct {
	size       int
	firstFalse int // -1 when every entry is true
}

func (c *condStack) reset()        { c.size, c.firstFalse = 0, -1 }
func (c *condStack) allTrue() bool { return c.firstFalse < 0 }
func (c *condStack) push(v bool) {
	if !v && c.firstFalse < 0 {
		c.firstFalse = c.size
	}
	c.size++
}
func (c *condStack) pop() {
	c.size--
	if c.firstFalse == c.size {
		c.firstFalse = -1
	}
}
func (c *condStack) toggle() {
	switch {
	case c.firstFalse < 0:
		c.firstFalse = c.size - 1
	case c.firstFalse == c.size-1:
		c.firstFalse = -1
	}
}

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
	astack [][]byte
	wstack [][]byte // backing store of the witness stack
	cond   condStack
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
			if isOpSuccess(t.Opcode()) {
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

// isOpSuccess reports whether op is an OP_SUCCESSx in tapscript (BIP342).
func isOpSuccess(op byte) bool {
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
	if n == 0 {
		vm.dstack = append(vm.dstack, nil)
		return
	}
	var tmp [9]byte
	enc := n.appendBytes(tmp[:0])
	b := vm.alloc(len(enc))
	copy(b, enc)
	vm.dstack = append(vm.dstack, b)
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

// evalScript is Core's EvalScript over vm.dstack.
func (vm *Engine) evalScript(script []byte, sv sigVersion) error {
	if (sv == sigVersionBase || sv == sigVersionWitnessV0) && len(script) > MaxScriptSize {
		return scriptError(ErrScriptTooBig, fmt.Sprintf(
			"script of %d bytes exceeds %d", len(script), MaxScriptSize))
	}
	vm.astack = vm.astack[:0]
	vm.cond.reset()
	vm.tap.codeSepPos = 0xffffffff
	legacyLimits := sv == sigVersionBase || sv == sigVersionWitnessV0
	minimal := vm.hasFlag(ScriptVerifyMinimalData)
	codeStart := 0
	opCount := 0
	var opPos uint32

	t := MakeScriptTokenizer(script)
	for ; t.Next(); opPos++ {
		op := t.Opcode()
		data := t.Data()
		exec := vm.cond.allTrue()

		if len(data) > MaxScriptElementSize {
			return scriptError(ErrElementTooBig, fmt.Sprintf(
				"push of %d bytes exceeds %d", len(data), MaxScriptElementSize))
		}
		if legacyLimits && op > OP_16 {
			opCount++
			if opCount > MaxOpsPerScript {
				return scriptError(ErrTooManyOperations, "too many operations in script")
			}
		}
		if isDisabledOpcode(op) {
			return scriptError(ErrDisabledOpcode, fmt.Sprintf(
				"%s is disabled", opcodeNames[op]))
		}
		if op == OP_CODESEPARATOR && sv == sigVersionBase &&
			vm.hasFlag(ScriptVerifyConstScriptCode) {
			return scriptError(ErrCodeSeparator, "OP_CODESEPARATOR in a legacy script")
		}

		if exec && op <= OP_PUSHDATA4 {
			if minimal && !checkMinimalDataPush(op, data) {
				return scriptError(ErrMinimalData, fmt.Sprintf(
					"push of %d bytes with %s is not minimal", len(data), opcodeNames[op]))
			}
			vm.dstack = append(vm.dstack, data)
		} else if exec || (op >= OP_IF && op <= OP_ENDIF) {
			if err := vm.execOp(op, script, t.ByteIndex(), &codeStart, &opCount,
				opPos, sv, minimal, exec); err != nil {
				return err
			}
		}

		if len(vm.dstack)+len(vm.astack) > MaxStackSize {
			return scriptError(ErrStackOverflow, fmt.Sprintf(
				"combined stack size exceeds %d", MaxStackSize))
		}
	}
	if err := t.Err(); err != nil {
		return scriptError(ErrBadOpcode, err.Error())
	}
	if vm.cond.size != 0 {
		return scriptError(ErrUnbalancedConditional, "IF without ENDIF")
	}
	return nil
}

// execOp executes one non-push opcode (or a conditional in an unexecuted
// branch). pc is the offset just past op in script.
func (vm *Engine) execOp(op byte, script []byte, pc int, codeStart, opCount *int,
	opPos uint32, sv sigVersion, minimal, exec bool) error {

	switch op {
	case OP_1NEGATE, OP_1, OP_2, OP_3, OP_4, OP_5, OP_6, OP_7, OP_8, OP_9,
		OP_10, OP_11, OP_12, OP_13, OP_14, OP_15, OP_16:
		vm.pushNum(scriptNum(int(op) - int(OP_1-1)))

	case OP_NOP:

	case OP_CHECKLOCKTIMEVERIFY:
		if !vm.hasFlag(ScriptVerifyCheckLockTimeVerify) {
			break
		}
		if len(vm.dstack) < 1 {
			return errStack(op)
		}
		lockTime, err := makeScriptNum(vm.top(1), minimal, cltvMaxScriptNumLen)
		if err != nil {
			return err
		}
		if lockTime < 0 {
			return scriptError(ErrNegativeLockTime, fmt.Sprintf("negative lock time %d", lockTime))
		}
		if !vm.checkLockTime(int64(lockTime)) {
			return scriptError(ErrUnsatisfiedLockTime, fmt.Sprintf(
				"lock time %d is not satisfied", lockTime))
		}

	case OP_CHECKSEQUENCEVERIFY:
		if !vm.hasFlag(ScriptVerifyCheckSequenceVerify) {
			break
		}
		if len(vm.dstack) < 1 {
			return errStack(op)
		}
		seq, err := makeScriptNum(vm.top(1), minimal, cltvMaxScriptNumLen)
		if err != nil {
			return err
		}
		if seq < 0 {
			return scriptError(ErrNegativeLockTime, fmt.Sprintf("negative sequence %d", seq))
		}
		if int64(seq)&wire.SequenceLockTimeDisabled != 0 {
			break
		}
		if !vm.checkSequence(int64(seq)) {
			return scriptError(ErrUnsatisfiedLockTime, fmt.Sprintf(
				"relative lock time %d is not satisfied", seq))
		}

	case OP_NOP1, OP_NOP4, OP_NOP5, OP_NOP6, OP_NOP7, OP_NOP8, OP_NOP9, OP_NOP10:
		if vm.hasFlag(ScriptDiscourageUpgradableNops) {
			return scriptError(ErrDiscourageUpgradableNOPs, fmt.Sprintf(
				"%s is reserved for upgrades", opcodeNames[op]))
		}

	case OP_IF, OP_NOTIF:
		value := false
		if exec {
			if len(vm.dstack) < 1 {
				return errStack(op)
			}
			v := vm.top(1)
			if sv == sigVersionTapscript {
				if len(v) > 1 || (len(v) == 1 && v[0] != 1) {
					return scriptError(ErrTapscriptMinimalIf,
						"tapscript IF argument is not empty or 0x01")
				}
			}
			if sv == sigVersionWitnessV0 && vm.hasFlag(ScriptVerifyMinimalIf) {
				if len(v) > 1 || (len(v) == 1 && v[0] != 1) {
					return scriptError(ErrMinimalIf, "IF argument is not empty or 0x01")
				}
			}
			value = asBool(v)
			if op == OP_NOTIF {
				value = !value
			}
			vm.pop()
		}
		vm.cond.push(value)

	case OP_ELSE:
		if vm.cond.size == 0 {
			return scriptError(ErrUnbalancedConditional, "ELSE without IF")
		}
		vm.cond.toggle()

	case OP_ENDIF:
		if vm.cond.size == 0 {
			return scriptError(ErrUnbalancedConditional, "ENDIF without IF")
		}
		vm.cond.pop()

	case OP_VERIFY:
		if len(vm.dstack) < 1 {
			return errStack(op)
		}
		if !asBool(vm.top(1)) {
			return scriptError(ErrVerify, "OP_VERIFY failed")
		}
		vm.pop()

	case OP_RETURN:
		return scriptError(ErrEarlyReturn, "OP_RETURN executed")

	case OP_TOALTSTACK:
		if len(vm.dstack) < 1 {
			return errStack(op)
		}
		vm.astack = append(vm.astack, vm.top(1))
		vm.pop()

	case OP_FROMALTSTACK:
		if len(vm.astack) < 1 {
			return scriptError(ErrInvalidAltStackOperation, "OP_FROMALTSTACK with an empty alt stack")
		}
		vm.dstack = append(vm.dstack, vm.astack[len(vm.astack)-1])
		vm.astack = vm.astack[:len(vm.astack)-1]

	case OP_2DROP:
		if len(vm.dstack) < 2 {
			return errStack(op)
		}
		vm.dstack = vm.dstack[:len(vm.dstack)-2]

	case OP_2DUP:
		if len(vm.dstack) < 2 {
			return errStack(op)
		}
		a, b := vm.top(2), vm.top(1)
		vm.dstack = append(vm.dstack, a, b)

	case OP_3DUP:
		if len(vm.dstack) < 3 {
			return errStack(op)
		}
		a, b, c := vm.top(3), vm.top(2), vm.top(1)
		vm.dstack = append(vm.dstack, a, b, c)

	case OP_2OVER:
		if len(vm.dstack) < 4 {
			return errStack(op)
		}
		a, b := vm.top(4), vm.top(3)
		vm.dstack = append(vm.dstack, a, b)

	case OP_2ROT:
		if len(vm.dstack) < 6 {
			return errStack(op)
		}
		n := len(vm.dstack)
		a, b := vm.dstack[n-6], vm.dstack[n-5]
		copy(vm.dstack[n-6:], vm.dstack[n-4:])
		vm.dstack[n-2], vm.dstack[n-1] = a, b

	case OP_2SWAP:
		if len(vm.dstack) < 4 {
			return errStack(op)
		}
		n := len(vm.dstack)
		s := vm.dstack
		s[n-4], s[n-2] = s[n-2], s[n-4]
		s[n-3], s[n-1] = s[n-1], s[n-3]

	case OP_IFDUP:
		if len(vm.dstack) < 1 {
			return errStack(op)
		}
		if v := vm.top(1); asBool(v) {
			vm.dstack = append(vm.dstack, v)
		}

	case OP_DEPTH:
		vm.pushNum(scriptNum(len(vm.dstack)))

	case OP_DROP:
		if len(vm.dstack) < 1 {
			return errStack(op)
		}
		vm.pop()

	case OP_DUP:
		if len(vm.dstack) < 1 {
			return errStack(op)
		}
		vm.dstack = append(vm.dstack, vm.top(1))

	case OP_NIP:
		if len(vm.dstack) < 2 {
			return errStack(op)
		}
		n := len(vm.dstack)
		vm.dstack[n-2] = vm.dstack[n-1]
		vm.dstack = vm.dstack[:n-1]

	case OP_OVER:
		if len(vm.dstack) < 2 {
			return errStack(op)
		}
		vm.dstack = append(vm.dstack, vm.top(2))

	case OP_PICK, OP_ROLL:
		if len(vm.dstack) < 2 {
			return errStack(op)
		}
		num, err := makeScriptNum(vm.top(1), minimal, maxScriptNumLen)
		if err != nil {
			return err
		}
		vm.pop()
		n := int(num.Int32())
		if n < 0 || n >= len(vm.dstack) {
			return scriptError(ErrInvalidStackOperation, fmt.Sprintf(
				"%s index %d out of range", opcodeNames[op], n))
		}
		idx := len(vm.dstack) - n - 1
		v := vm.dstack[idx]
		if op == OP_ROLL {
			copy(vm.dstack[idx:], vm.dstack[idx+1:])
			vm.dstack[len(vm.dstack)-1] = v
		} else {
			vm.dstack = append(vm.dstack, v)
		}

	case OP_ROT:
		if len(vm.dstack) < 3 {
			return errStack(op)
		}
		n := len(vm.dstack)
		s := vm.dstack
		s[n-3], s[n-2], s[n-1] = s[n-2], s[n-1], s[n-3]

	case OP_SWAP:
		if len(vm.dstack) < 2 {
			return errStack(op)
		}
		n := len(vm.dstack)
		vm.dstack[n-2], vm.dstack[n-1] = vm.dstack[n-1], vm.dstack[n-2]

	case OP_TUCK:
		if len(vm.dstack) < 2 {
			return errStack(op)
		}
		n := len(vm.dstack)
		v := vm.dstack[n-1]
		vm.dstack = append(vm.dstack, v)
		vm.dstack[n-1] = vm.dstack[n-2]
		vm.dstack[n-2] = v

	case OP_SIZE:
		if len(vm.dstack) < 1 {
			return errStack(op)
		}
		vm.pushNum(scriptNum(len(vm.top(1))))

	case OP_EQUAL, OP_EQUALVERIFY:
		if len(vm.dstack) < 2 {
			return errStack(op)
		}
		equal := bytes.Equal(vm.top(2), vm.top(1))
		vm.dstack = vm.dstack[:len(vm.dstack)-2]
		vm.pushBool(equal)
		if op == OP_EQUALVERIFY {
			if !equal {
				return scriptError(ErrEqualVerify, "OP_EQUALVERIFY failed")
			}
			vm.pop()
		}

	case OP_1ADD, OP_1SUB, OP_NEGATE, OP_ABS, OP_NOT, OP_0NOTEQUAL:
		if len(vm.dstack) < 1 {
			return errStack(op)
		}
		n, err := makeScriptNum(vm.top(1), minimal, maxScriptNumLen)
		if err != nil {
			return err
		}
		switch op {
		case OP_1ADD:
			n++
		case OP_1SUB:
			n--
		case OP_NEGATE:
			n = -n
		case OP_ABS:
			if n < 0 {
				n = -n
			}
		case OP_NOT:
			if n == 0 {
				n = 1
			} else {
				n = 0
			}
		case OP_0NOTEQUAL:
			if n != 0 {
				n = 1
			}
		}
		vm.pop()
		vm.pushNum(n)

	case OP_ADD, OP_SUB, OP_BOOLAND, OP_BOOLOR, OP_NUMEQUAL, OP_NUMEQUALVERIFY,
		OP_NUMNOTEQUAL, OP_LESSTHAN, OP_GREATERTHAN, OP_LESSTHANOREQUAL,
		OP_GREATERTHANOREQUAL, OP_MIN, OP_MAX:
		if len(vm.dstack) < 2 {
			return errStack(op)
		}
		a, err := makeScriptNum(vm.top(2), minimal, maxScriptNumLen)
		if err != nil {
			return err
		}
		b, err := makeScriptNum(vm.top(1), minimal, maxScriptNumLen)
		if err != nil {
			return err
		}
		var r scriptNum
		b2n := func(v bool) scriptNum {
			if v {
				return 1
			}
			return 0
		}
		switch op {
		case OP_ADD:
			r = a + b
		case OP_SUB:
			r = a - b
		case OP_BOOLAND:
			r = b2n(a != 0 && b != 0)
		case OP_BOOLOR:
			r = b2n(a != 0 || b != 0)
		case OP_NUMEQUAL, OP_NUMEQUALVERIFY:
			r = b2n(a == b)
		case OP_NUMNOTEQUAL:
			r = b2n(a != b)
		case OP_LESSTHAN:
			r = b2n(a < b)
		case OP_GREATERTHAN:
			r = b2n(a > b)
		case OP_LESSTHANOREQUAL:
			r = b2n(a <= b)
		case OP_GREATERTHANOREQUAL:
			r = b2n(a >= b)
		case OP_MIN:
			r = min(a, b)
		case OP_MAX:
			r = max(a, b)
		}
		vm.dstack = vm.dstack[:len(vm.dstack)-2]
		vm.pushNum(r)
		if op == OP_NUMEQUALVERIFY {
			if r == 0 {
				return scriptError(ErrNumEqualVerify, "OP_NUMEQUALVERIFY failed")
			}
			vm.pop()
		}

	case OP_WITHIN:
		if len(vm.dstack) < 3 {
			return errStack(op)
		}
		x, err := makeScriptNum(vm.top(3), minimal, maxScriptNumLen)
		if err != nil {
			return err
		}
		lo, err := makeScriptNum(vm.top(2), minimal, maxScriptNumLen)
		if err != nil {
			return err
		}
		hi, err := makeScriptNum(vm.top(1), minimal, maxScriptNumLen)
		if err != nil {
			return err
		}
		vm.dstack = vm.dstack[:len(vm.dstack)-3]
		vm.pushBool(lo <= x && x < hi)

	case OP_RIPEMD160, OP_SHA1, OP_SHA256, OP_HASH160, OP_HASH256:
		if len(vm.dstack) < 1 {
			return errStack(op)
		}
		v := vm.top(1)
		var out []byte
		switch op {
		case OP_RIPEMD160:
			h := ripemd160.New()
			h.Write(v)
			out = h.Sum(vm.alloc(20)[:0])
		case OP_SHA1:
			s := sha1.Sum(v)
			out = vm.alloc(20)
			copy(out, s[:])
		case OP_SHA256:
			s := sha256.Sum256(v)
			out = vm.alloc(32)
			copy(out, s[:])
		case OP_HASH160:
			s := sha256.Sum256(v)
			h := ripemd160.New()
			h.Write(s[:])
			out = h.Sum(vm.alloc(20)[:0])
		case OP_HASH256:
			s := chainhash.DoubleHashH(v)
			out = vm.alloc(32)
			copy(out, s[:])
		}
		vm.dstack[len(vm.dstack)-1] = out

	case OP_CODESEPARATOR:
		*codeStart = pc
		vm.tap.codeSepPos = opPos

	case OP_CHECKSIG, OP_CHECKSIGVERIFY:
		if len(vm.dstack) < 2 {
			return errStack(op)
		}
		sig, pubKey := vm.top(2), vm.top(1)
		ok, err := vm.evalCheckSig(sig, pubKey, script[*codeStart:], sv)
		if err != nil {
			return err
		}
		vm.dstack = vm.dstack[:len(vm.dstack)-2]
		vm.pushBool(ok)
		if op == OP_CHECKSIGVERIFY {
			if !ok {
				return scriptError(ErrCheckSigVerify, "OP_CHECKSIGVERIFY failed")
			}
			vm.pop()
		}

	case OP_CHECKSIGADD:
		if sv == sigVersionBase || sv == sigVersionWitnessV0 {
			return scriptError(ErrBadOpcode, "OP_CHECKSIGADD outside tapscript")
		}
		if len(vm.dstack) < 3 {
			return errStack(op)
		}
		sig := vm.top(3)
		num, err := makeScriptNum(vm.top(2), minimal, maxScriptNumLen)
		if err != nil {
			return err
		}
		pubKey := vm.top(1)
		ok, err := vm.evalCheckSig(sig, pubKey, nil, sv)
		if err != nil {
			return err
		}
		vm.dstack = vm.dstack[:len(vm.dstack)-3]
		if ok {
			num++
		}
		vm.pushNum(num)

	case OP_CHECKMULTISIG, OP_CHECKMULTISIGVERIFY:
		if sv == sigVersionTapscript {
			return scriptError(ErrTapscriptCheckMultisig, "CHECKMULTISIG in tapscript")
		}
		return vm.checkMultiSig(op, script[*codeStart:], opCount, sv, minimal)

	default:
		return scriptError(ErrBadOpcode, fmt.Sprintf("invalid opcode %s", opcodeNames[op]))
	}
	return nil
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

// checkLockTime is Core's CheckLockTime.
func (vm *Engine) checkLockTime(lockTime int64) bool {
	txLockTime := int64(vm.tx.LockTime)
	if !((txLockTime < LockTimeThreshold && lockTime < LockTimeThreshold) ||
		(txLockTime >= LockTimeThreshold && lockTime >= LockTimeThreshold)) {
		return false
	}
	if lockTime > txLockTime {
		return false
	}
	return vm.tx.TxIn[vm.txIdx].Sequence != wire.MaxTxInSequenceNum
}

// checkSequence is Core's CheckSequence.
func (vm *Engine) checkSequence(seq int64) bool {
	txSeq := int64(vm.tx.TxIn[vm.txIdx].Sequence)
	if uint32(vm.tx.Version) < 2 {
		return false
	}
	if txSeq&wire.SequenceLockTimeDisabled != 0 {
		return false
	}
	const mask = wire.SequenceLockTimeIsSeconds | wire.SequenceLockTimeMask
	txSeq &= mask
	seq &= mask
	if !((txSeq < wire.SequenceLockTimeIsSeconds && seq < wire.SequenceLockTimeIsSeconds) ||
		(txSeq >= wire.SequenceLockTimeIsSeconds && seq >= wire.SequenceLockTimeIsSeconds)) {
		return false
	}
	return seq <= txSeq
}

// checkMultiSig is OP_CHECKMULTISIG(VERIFY) under legacy and witness v0 rules.
func (vm *Engine) checkMultiSig(op byte, scriptCode []byte, opCount *int, sv sigVersion,
	minimal bool) error {

	i := 1
	if len(vm.dstack) < i {
		return errStack(op)
	}
	nk, err := makeScriptNum(vm.top(i), minimal, maxScriptNumLen)
	if err != nil {
		return err
	}
	nKeys := int(nk.Int32())
	if nKeys < 0 || nKeys > MaxPubKeysPerMultiSig {
		return scriptError(ErrInvalidPubKeyCount, fmt.Sprintf("invalid key count %d", nKeys))
	}
	*opCount += nKeys
	if *opCount > MaxOpsPerScript {
		return scriptError(ErrTooManyOperations, "too many operations in script")
	}
	i++
	ikey := i
	ikey2 := nKeys + 2
	i += nKeys
	if len(vm.dstack) < i {
		return errStack(op)
	}
	ns, err := makeScriptNum(vm.top(i), minimal, maxScriptNumLen)
	if err != nil {
		return err
	}
	nSigs := int(ns.Int32())
	if nSigs < 0 || nSigs > nKeys {
		return scriptError(ErrInvalidSignatureCount, fmt.Sprintf("invalid signature count %d", nSigs))
	}
	i++
	isig := i
	i += nSigs
	if len(vm.dstack) < i {
		return errStack(op)
	}

	if sv == sigVersionBase {
		for k := 0; k < nSigs; k++ {
			var found bool
			scriptCode, found = findAndDeleteSig(scriptCode, vm.top(isig+k))
			if found && vm.hasFlag(ScriptVerifyConstScriptCode) {
				return scriptError(ErrSigFindAndDelete, "signature found in script code")
			}
		}
	}

	success := true
	for success && nSigs > 0 {
		sig, pubKey := vm.top(isig), vm.top(ikey)
		if err := vm.checkSignatureEncoding(sig); err != nil {
			return err
		}
		if err := vm.checkPubKeyEncoding(pubKey, sv); err != nil {
			return err
		}
		if vm.verifyECDSA(sig, pubKey, scriptCode, sv) {
			isig++
			nSigs--
		}
		ikey++
		nKeys--
		if nSigs > nKeys {
			success = false
		}
	}

	for ; i > 1; i-- {
		if !success && vm.hasFlag(ScriptVerifyNullFail) && ikey2 == 0 && len(vm.top(1)) > 0 {
			return scriptError(ErrNullFail, "failed CHECKMULTISIG with a non-empty signature")
		}
		if ikey2 > 0 {
			ikey2--
		}
		vm.pop()
	}
	if len(vm.dstack) < 1 {
		return errStack(op)
	}
	if vm.hasFlag(ScriptStrictMultiSig) && len(vm.top(1)) != 0 {
		return scriptError(ErrSigNullDummy, "CHECKMULTISIG dummy argument is not empty")
	}
	vm.pop()
	vm.pushBool(success)
	if op == OP_CHECKMULTISIGVERIFY {
		if !success {
			return scriptError(ErrCheckMultiSigVerify, "OP_CHECKMULTISIGVERIFY failed")
		}
		vm.pop()
	}
	return nil
}
