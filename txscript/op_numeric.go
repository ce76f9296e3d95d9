package txscript

// This file holds the handlers of Core's "Numeric" group. Operands are
// numbers of up to 4 bytes (minimally encoded under MINIMALDATA); results
// may be longer and are only checked if read again as operands.

// numArg reads the item n places from the top (n = 1 is the top) as a
// number operand.
func (vm *Engine) numArg(n int) (scriptNum, error) {
	return makeScriptNum(vm.top(n), vm.exec.requireMinimal, maxScriptNumLen)
}

// unaryNumOp replaces the top item, read as a number, with f of it: Core's
// shared body of OP_1ADD through OP_0NOTEQUAL.
func (vm *Engine) unaryNumOp(op byte, f func(scriptNum) scriptNum) error {
	if len(vm.dstack) < 1 {
		return errStack(op)
	}
	n, err := vm.numArg(1)
	if err != nil {
		return err
	}
	vm.dstack[len(vm.dstack)-1] = vm.numBytes(f(n))
	return nil
}

// binaryNumOp replaces the top two items a b, read as numbers, with f(a, b):
// Core's shared body of OP_ADD through OP_MAX.
func (vm *Engine) binaryNumOp(op byte, f func(a, b scriptNum) scriptNum) error {
	a, b, err := vm.numArgs2(op)
	if err != nil {
		return err
	}
	vm.dstack = vm.dstack[:len(vm.dstack)-1]
	vm.dstack[len(vm.dstack)-1] = vm.numBytes(f(a, b))
	return nil
}

// numArgs2 reads the top two items as number operands a b, the deeper
// first, without popping them.
func (vm *Engine) numArgs2(op byte) (a, b scriptNum, err error) {
	if len(vm.dstack) < 2 {
		return 0, 0, errStack(op)
	}
	if a, err = vm.numArg(2); err == nil {
		b, err = vm.numArg(1)
	}
	return a, b, err
}

// numBool is a comparison's result as a number: 1 or 0.
func numBool(v bool) scriptNum {
	if v {
		return 1
	}
	return 0
}

// opcode1Add adds 1 to the top item.
func opcode1Add(vm *Engine, op byte, data []byte) error {
	return vm.unaryNumOp(op, func(n scriptNum) scriptNum { return n + 1 })
}

// opcode1Sub subtracts 1 from the top item.
func opcode1Sub(vm *Engine, op byte, data []byte) error {
	return vm.unaryNumOp(op, func(n scriptNum) scriptNum { return n - 1 })
}

// opcodeNegate negates the top item.
func opcodeNegate(vm *Engine, op byte, data []byte) error {
	return vm.unaryNumOp(op, func(n scriptNum) scriptNum { return -n })
}

// opcodeAbs replaces the top item with its absolute value.
func opcodeAbs(vm *Engine, op byte, data []byte) error {
	return vm.unaryNumOp(op, func(n scriptNum) scriptNum { return max(n, -n) })
}

// opcodeNot replaces the top item with 1 if it is 0, else with 0.
func opcodeNot(vm *Engine, op byte, data []byte) error {
	return vm.unaryNumOp(op, func(n scriptNum) scriptNum { return numBool(n == 0) })
}

// opcode0NotEqual replaces the top item with 0 if it is 0, else with 1.
func opcode0NotEqual(vm *Engine, op byte, data []byte) error {
	return vm.unaryNumOp(op, func(n scriptNum) scriptNum { return numBool(n != 0) })
}

// opcodeAdd replaces a b with a+b.
func opcodeAdd(vm *Engine, op byte, data []byte) error {
	return vm.binaryNumOp(op, func(a, b scriptNum) scriptNum { return a + b })
}

// opcodeSub replaces a b with a-b.
func opcodeSub(vm *Engine, op byte, data []byte) error {
	return vm.binaryNumOp(op, func(a, b scriptNum) scriptNum { return a - b })
}

// opcodeBoolAnd replaces a b with 1 if both are non-zero, else 0.
func opcodeBoolAnd(vm *Engine, op byte, data []byte) error {
	return vm.binaryNumOp(op, func(a, b scriptNum) scriptNum { return numBool(a != 0 && b != 0) })
}

// opcodeBoolOr replaces a b with 1 if either is non-zero, else 0.
func opcodeBoolOr(vm *Engine, op byte, data []byte) error {
	return vm.binaryNumOp(op, func(a, b scriptNum) scriptNum { return numBool(a != 0 || b != 0) })
}

// opcodeNumEqual replaces a b with 1 if they are equal numbers, else 0.
func opcodeNumEqual(vm *Engine, op byte, data []byte) error {
	return vm.binaryNumOp(op, func(a, b scriptNum) scriptNum { return numBool(a == b) })
}

// opcodeNumEqualVerify is OP_NUMEQUAL then OP_VERIFY, with its own error
// kind.
func opcodeNumEqualVerify(vm *Engine, op byte, data []byte) error {
	if err := opcodeNumEqual(vm, op, data); err != nil {
		return err
	}
	return vm.popVerify(ErrNumEqualVerify, "OP_NUMEQUALVERIFY failed")
}

// opcodeNumNotEqual replaces a b with 1 if they are different numbers, else 0.
func opcodeNumNotEqual(vm *Engine, op byte, data []byte) error {
	return vm.binaryNumOp(op, func(a, b scriptNum) scriptNum { return numBool(a != b) })
}

// opcodeLessThan replaces a b with 1 if a < b, else 0.
func opcodeLessThan(vm *Engine, op byte, data []byte) error {
	return vm.binaryNumOp(op, func(a, b scriptNum) scriptNum { return numBool(a < b) })
}

// opcodeGreaterThan replaces a b with 1 if a > b, else 0.
func opcodeGreaterThan(vm *Engine, op byte, data []byte) error {
	return vm.binaryNumOp(op, func(a, b scriptNum) scriptNum { return numBool(a > b) })
}

// opcodeLessThanOrEqual replaces a b with 1 if a <= b, else 0.
func opcodeLessThanOrEqual(vm *Engine, op byte, data []byte) error {
	return vm.binaryNumOp(op, func(a, b scriptNum) scriptNum { return numBool(a <= b) })
}

// opcodeGreaterThanOrEqual replaces a b with 1 if a >= b, else 0.
func opcodeGreaterThanOrEqual(vm *Engine, op byte, data []byte) error {
	return vm.binaryNumOp(op, func(a, b scriptNum) scriptNum { return numBool(a >= b) })
}

// opcodeMin replaces a b with the smaller.
func opcodeMin(vm *Engine, op byte, data []byte) error {
	return vm.binaryNumOp(op, func(a, b scriptNum) scriptNum { return min(a, b) })
}

// opcodeMax replaces a b with the larger.
func opcodeMax(vm *Engine, op byte, data []byte) error {
	return vm.binaryNumOp(op, func(a, b scriptNum) scriptNum { return max(a, b) })
}

// opcodeWithin replaces x min max with whether min <= x < max.
func opcodeWithin(vm *Engine, op byte, data []byte) error {
	if len(vm.dstack) < 3 {
		return errStack(op)
	}
	x, err := vm.numArg(3)
	if err != nil {
		return err
	}
	lo, hi, err := vm.numArgs2(op)
	if err != nil {
		return err
	}
	vm.dstack = vm.dstack[:len(vm.dstack)-3]
	vm.pushBool(lo <= x && x < hi)
	return nil
}
