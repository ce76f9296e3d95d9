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
	vm.pop()
	vm.pushNum(f(n))
	return nil
}

// binaryNumOp replaces the top two items a b, read as numbers, with f(a, b):
// Core's shared body of OP_ADD through OP_MAX.
func (vm *Engine) binaryNumOp(op byte, f func(a, b scriptNum) scriptNum) error {
	if len(vm.dstack) < 2 {
		return errStack(op)
	}
	a, err := vm.numArg(2)
	if err != nil {
		return err
	}
	b, err := vm.numArg(1)
	if err != nil {
		return err
	}
	vm.dstack = vm.dstack[:len(vm.dstack)-2]
	vm.pushNum(f(a, b))
	return nil
}

// numBool is a comparison's result as a number: 1 or 0.
func numBool(v bool) scriptNum {
	if v {
		return 1
	}
	return 0
}

func opcode1Add(vm *Engine, op byte, data []byte) error {
	return vm.unaryNumOp(op, func(n scriptNum) scriptNum { return n + 1 })
}

func opcode1Sub(vm *Engine, op byte, data []byte) error {
	return vm.unaryNumOp(op, func(n scriptNum) scriptNum { return n - 1 })
}

func opcodeNegate(vm *Engine, op byte, data []byte) error {
	return vm.unaryNumOp(op, func(n scriptNum) scriptNum { return -n })
}

func opcodeAbs(vm *Engine, op byte, data []byte) error {
	return vm.unaryNumOp(op, func(n scriptNum) scriptNum { return max(n, -n) })
}

func opcodeNot(vm *Engine, op byte, data []byte) error {
	return vm.unaryNumOp(op, func(n scriptNum) scriptNum { return numBool(n == 0) })
}

func opcode0NotEqual(vm *Engine, op byte, data []byte) error {
	return vm.unaryNumOp(op, func(n scriptNum) scriptNum { return numBool(n != 0) })
}

func opcodeAdd(vm *Engine, op byte, data []byte) error {
	return vm.binaryNumOp(op, func(a, b scriptNum) scriptNum { return a + b })
}

func opcodeSub(vm *Engine, op byte, data []byte) error {
	return vm.binaryNumOp(op, func(a, b scriptNum) scriptNum { return a - b })
}

func opcodeBoolAnd(vm *Engine, op byte, data []byte) error {
	return vm.binaryNumOp(op, func(a, b scriptNum) scriptNum { return numBool(a != 0 && b != 0) })
}

func opcodeBoolOr(vm *Engine, op byte, data []byte) error {
	return vm.binaryNumOp(op, func(a, b scriptNum) scriptNum { return numBool(a != 0 || b != 0) })
}

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

func opcodeNumNotEqual(vm *Engine, op byte, data []byte) error {
	return vm.binaryNumOp(op, func(a, b scriptNum) scriptNum { return numBool(a != b) })
}

func opcodeLessThan(vm *Engine, op byte, data []byte) error {
	return vm.binaryNumOp(op, func(a, b scriptNum) scriptNum { return numBool(a < b) })
}

func opcodeGreaterThan(vm *Engine, op byte, data []byte) error {
	return vm.binaryNumOp(op, func(a, b scriptNum) scriptNum { return numBool(a > b) })
}

func opcodeLessThanOrEqual(vm *Engine, op byte, data []byte) error {
	return vm.binaryNumOp(op, func(a, b scriptNum) scriptNum { return numBool(a <= b) })
}

func opcodeGreaterThanOrEqual(vm *Engine, op byte, data []byte) error {
	return vm.binaryNumOp(op, func(a, b scriptNum) scriptNum { return numBool(a >= b) })
}

func opcodeMin(vm *Engine, op byte, data []byte) error {
	return vm.binaryNumOp(op, func(a, b scriptNum) scriptNum { return min(a, b) })
}

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
	lo, err := vm.numArg(2)
	if err != nil {
		return err
	}
	hi, err := vm.numArg(1)
	if err != nil {
		return err
	}
	vm.dstack = vm.dstack[:len(vm.dstack)-3]
	vm.pushBool(lo <= x && x < hi)
	return nil
}
