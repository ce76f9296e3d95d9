package txscript

import "bytes"

// This file holds the handlers of Core's "Splice ops" and "Bitwise logic"
// groups that are still enabled; OP_CAT, OP_SUBSTR, OP_LEFT, OP_RIGHT,
// OP_INVERT, OP_AND, OP_OR and OP_XOR are disabled (see isDisabledOpcode).

// opcodeSize pushes the length of the top item, which stays.
func opcodeSize(vm *Engine, op byte, data []byte) error {
	if len(vm.dstack) < 1 {
		return errStack(op)
	}
	vm.pushNum(scriptNum(len(vm.top(1))))
	return nil
}

// opcodeEqual replaces the top two items with whether they are byte-equal.
func opcodeEqual(vm *Engine, op byte, data []byte) error {
	if len(vm.dstack) < 2 {
		return errStack(op)
	}
	equal := bytes.Equal(vm.top(2), vm.top(1))
	vm.dstack = vm.dstack[:len(vm.dstack)-2]
	vm.pushBool(equal)
	return nil
}

// opcodeEqualVerify is OP_EQUAL then OP_VERIFY, with its own error kind.
func opcodeEqualVerify(vm *Engine, op byte, data []byte) error {
	if err := opcodeEqual(vm, op, data); err != nil {
		return err
	}
	return vm.popVerify(ErrEqualVerify, "OP_EQUALVERIFY failed")
}
