package txscript

import (
	"fmt"

	"github.com/tern-org/ternd/wire"
)

// This file holds the handlers of Core's "Control" group: NOPs, the lock time
// checks, conditionals, VERIFY and RETURN.

// opcodeNop does nothing.
func opcodeNop(vm *Engine, op byte, data []byte) error {
	return nil
}

// opcodeUpgradableNop is OP_NOP1 and OP_NOP4 through OP_NOP10: a NOP that
// policy rejects so that a soft fork may give it a meaning.
func opcodeUpgradableNop(vm *Engine, op byte, data []byte) error {
	if vm.hasFlag(ScriptDiscourageUpgradableNops) {
		return scriptError(ErrDiscourageUpgradableNOPs, fmt.Sprintf(
			"%s is reserved for upgrades", opcodeNames[op]))
	}
	return nil
}

// lockTimeArg reads the top item, which CHECKLOCKTIMEVERIFY and
// CHECKSEQUENCEVERIFY leave on the stack, as a number of up to 5 bytes (so
// that it can reach 2^32-1) that must not be negative; what names it in the
// error.
func (vm *Engine) lockTimeArg(op byte, what string) (int64, error) {
	if len(vm.dstack) < 1 {
		return 0, errStack(op)
	}
	n, err := makeScriptNum(vm.top(1), vm.exec.requireMinimal, cltvMaxScriptNumLen)
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, scriptError(ErrNegativeLockTime, fmt.Sprintf("negative %s %d", what, n))
	}
	return int64(n), nil
}

// opcodeCheckLockTimeVerify is BIP65: it fails unless the transaction's lock
// time has reached the top item. Without the flag it is OP_NOP2.
func opcodeCheckLockTimeVerify(vm *Engine, op byte, data []byte) error {
	if !vm.hasFlag(ScriptVerifyCheckLockTimeVerify) {
		return nil
	}
	lockTime, err := vm.lockTimeArg(op, "lock time")
	if err == nil && !vm.checkLockTime(lockTime) {
		err = scriptError(ErrUnsatisfiedLockTime, fmt.Sprintf(
			"lock time %d is not satisfied", lockTime))
	}
	return err
}

// opcodeCheckSequenceVerify is BIP112: it fails unless the input's relative
// lock time has reached the top item. Without the flag it is OP_NOP3, and a
// top item with the disable bit set makes it a NOP too.
func opcodeCheckSequenceVerify(vm *Engine, op byte, data []byte) error {
	if !vm.hasFlag(ScriptVerifyCheckSequenceVerify) {
		return nil
	}
	seq, err := vm.lockTimeArg(op, "sequence")
	if err != nil || seq&wire.SequenceLockTimeDisabled != 0 {
		return err
	}
	if !vm.checkSequence(seq) {
		return scriptError(ErrUnsatisfiedLockTime, fmt.Sprintf(
			"relative lock time %d is not satisfied", seq))
	}
	return nil
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

// opcodeIf is OP_IF and OP_NOTIF. It runs in unexecuted branches too, where
// it only opens a false branch; in an executed one it pops its argument,
// which tapscript (always) and witness v0 (under MINIMALIF) require to be
// empty or 0x01.
func opcodeIf(vm *Engine, op byte, data []byte) error {
	value := false
	if vm.exec.cond.allTrue() {
		if len(vm.dstack) < 1 {
			return errStack(op)
		}
		v := vm.top(1)
		if err := vm.checkMinimalIf(v); err != nil {
			return err
		}
		value = asBool(v)
		if op == OP_NOTIF {
			value = !value
		}
		vm.pop()
	}
	vm.exec.cond.push(value)
	return nil
}

// checkMinimalIf applies the tapscript and MINIMALIF rules to an IF or
// NOTIF argument.
func (vm *Engine) checkMinimalIf(v []byte) error {
	minimal := len(v) == 0 || (len(v) == 1 && v[0] == 1)
	switch {
	case minimal:
		return nil
	case vm.exec.sigVersion == sigVersionTapscript:
		return scriptError(ErrTapscriptMinimalIf, "tapscript IF argument is not empty or 0x01")
	case vm.exec.sigVersion == sigVersionWitnessV0 && vm.hasFlag(ScriptVerifyMinimalIf):
		return scriptError(ErrMinimalIf, "IF argument is not empty or 0x01")
	}
	return nil
}

// opcodeElse flips the innermost branch; it runs in unexecuted branches too.
func opcodeElse(vm *Engine, op byte, data []byte) error {
	if vm.exec.cond.size == 0 {
		return scriptError(ErrUnbalancedConditional, "ELSE without IF")
	}
	vm.exec.cond.toggle()
	return nil
}

// opcodeEndif closes the innermost branch; it runs in unexecuted branches too.
func opcodeEndif(vm *Engine, op byte, data []byte) error {
	if vm.exec.cond.size == 0 {
		return scriptError(ErrUnbalancedConditional, "ENDIF without IF")
	}
	vm.exec.cond.pop()
	return nil
}

// opcodeVerify pops the top item and fails if it is false.
func opcodeVerify(vm *Engine, op byte, data []byte) error {
	if len(vm.dstack) < 1 {
		return errStack(op)
	}
	return vm.popVerify(ErrVerify, "OP_VERIFY failed")
}

// popVerify is the tail Core's VERIFY opcodes share: pop the top item if it
// is true, else fail with kind.
func (vm *Engine) popVerify(kind ErrorKind, desc string) error {
	if !asBool(vm.top(1)) {
		return scriptError(kind, desc)
	}
	vm.pop()
	return nil
}

// opcodeReturn fails: OP_RETURN marks an output unspendable.
func opcodeReturn(vm *Engine, op byte, data []byte) error {
	return scriptError(ErrEarlyReturn, "OP_RETURN executed")
}
