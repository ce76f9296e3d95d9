package txscript

import "fmt"

// This file holds the handlers of Core's "Stack ops" group. Each checks the
// depth it needs first and fails with INVALID_STACK_OPERATION, as Core does.

// opcodeToAltStack moves the top item to the alt stack.
func opcodeToAltStack(vm *Engine, op byte, data []byte) error {
	if len(vm.dstack) < 1 {
		return errStack(op)
	}
	vm.exec.altStack = append(vm.exec.altStack, vm.top(1))
	vm.pop()
	return nil
}

// opcodeFromAltStack moves the top of the alt stack to the main stack.
func opcodeFromAltStack(vm *Engine, op byte, data []byte) error {
	alt := vm.exec.altStack
	if len(alt) < 1 {
		return scriptError(ErrInvalidAltStackOperation, "OP_FROMALTSTACK with an empty alt stack")
	}
	vm.dstack = append(vm.dstack, alt[len(alt)-1])
	vm.exec.altStack = alt[:len(alt)-1]
	return nil
}

// opcode2Drop removes the top two items.
func opcode2Drop(vm *Engine, op byte, data []byte) error {
	if len(vm.dstack) < 2 {
		return errStack(op)
	}
	vm.dstack = vm.dstack[:len(vm.dstack)-2]
	return nil
}

// copyItems pushes copies of n items, the first of them depth places from
// the top (1 is the top), in their order: the shared body of DUP (1, 1), OVER
// (2, 1), 2DUP (2, 2), 3DUP (3, 3) and 2OVER (4, 2).
func (vm *Engine) copyItems(op byte, depth, n int) error {
	if len(vm.dstack) < depth {
		return errStack(op)
	}
	// One item at a time: each append moves the next item to copy to
	// depth places from the new top.
	for i := 0; i < n; i++ {
		vm.dstack = append(vm.dstack, vm.dstack[len(vm.dstack)-depth])
	}
	return nil
}

// opcode2Dup copies the top two items: x1 x2 -> x1 x2 x1 x2.
func opcode2Dup(vm *Engine, op byte, data []byte) error {
	return vm.copyItems(op, 2, 2)
}

// opcode3Dup copies the top three items.
func opcode3Dup(vm *Engine, op byte, data []byte) error {
	return vm.copyItems(op, 3, 3)
}

// opcode2Over copies the pair below the top pair: x1 x2 x3 x4 -> x1 x2 x3 x4
// x1 x2.
func opcode2Over(vm *Engine, op byte, data []byte) error {
	return vm.copyItems(op, 4, 2)
}

// rotate moves n items (1 or 2), the first of them depth places from the top
// (1 is the top), to the top in their order, the items above them sliding
// down: the shared body of SWAP (2, 1), ROT (3, 1), 2SWAP (4, 2), 2ROT (6, 2)
// and ROLL.
func (vm *Engine) rotate(op byte, depth, n int) error {
	if len(vm.dstack) < depth {
		return errStack(op)
	}
	// An element loop rather than copy: the stacks are short, and the
	// builtin's bulk write barrier costs more than it saves here.
	s := vm.dstack[len(vm.dstack)-depth:]
	first, last := s[0], s[n-1]
	for i := n; i < len(s); i++ {
		s[i-n] = s[i]
	}
	s[len(s)-n], s[len(s)-1] = first, last
	return nil
}

// opcode2Rot moves the fifth and sixth items to the top: x1 x2 x3 x4 x5 x6
// -> x3 x4 x5 x6 x1 x2.
func opcode2Rot(vm *Engine, op byte, data []byte) error {
	return vm.rotate(op, 6, 2)
}

// opcode2Swap swaps the top two pairs: x1 x2 x3 x4 -> x3 x4 x1 x2.
func opcode2Swap(vm *Engine, op byte, data []byte) error {
	return vm.rotate(op, 4, 2)
}

// opcodeIfDup copies the top item if it is true.
func opcodeIfDup(vm *Engine, op byte, data []byte) error {
	if len(vm.dstack) < 1 {
		return errStack(op)
	}
	if v := vm.top(1); asBool(v) {
		vm.dstack = append(vm.dstack, v)
	}
	return nil
}

// opcodeDepth pushes the number of items on the stack.
func opcodeDepth(vm *Engine, op byte, data []byte) error {
	vm.pushNum(scriptNum(len(vm.dstack)))
	return nil
}

// opcodeDrop removes the top item.
func opcodeDrop(vm *Engine, op byte, data []byte) error {
	if len(vm.dstack) < 1 {
		return errStack(op)
	}
	vm.pop()
	return nil
}

// opcodeDup copies the top item.
func opcodeDup(vm *Engine, op byte, data []byte) error {
	return vm.copyItems(op, 1, 1)
}

// opcodeNip removes the second item: x1 x2 -> x2.
func opcodeNip(vm *Engine, op byte, data []byte) error {
	if err := vm.rotate(op, 2, 1); err != nil {
		return err
	}
	vm.pop()
	return nil
}

// opcodeOver copies the second item: x1 x2 -> x1 x2 x1.
func opcodeOver(vm *Engine, op byte, data []byte) error {
	return vm.copyItems(op, 2, 1)
}

// pickIndex pops PICK's or ROLL's operand n and returns the index in
// vm.dstack of the item n places below the new top.
func (vm *Engine) pickIndex(op byte) (int, error) {
	if len(vm.dstack) < 2 {
		return 0, errStack(op)
	}
	num, err := vm.numArg(1)
	if err != nil {
		return 0, err
	}
	vm.pop()
	n := int(num.Int32())
	if n < 0 || n >= len(vm.dstack) {
		return 0, scriptError(ErrInvalidStackOperation, fmt.Sprintf(
			"%s index %d out of range", opcodeNames[op], n))
	}
	return len(vm.dstack) - n - 1, nil
}

// opcodePick copies the item n places below the top: xn ... x0 n -> xn ...
// x0 xn.
func opcodePick(vm *Engine, op byte, data []byte) error {
	idx, err := vm.pickIndex(op)
	if err != nil {
		return err
	}
	vm.dstack = append(vm.dstack, vm.dstack[idx])
	return nil
}

// opcodeRoll moves the item n places below the top to the top: xn ... x0 n
// -> ... x0 xn.
func opcodeRoll(vm *Engine, op byte, data []byte) error {
	idx, err := vm.pickIndex(op)
	if err != nil {
		return err
	}
	return vm.rotate(op, len(vm.dstack)-idx, 1)
}

// opcodeRot moves the third item to the top: x1 x2 x3 -> x2 x3 x1.
func opcodeRot(vm *Engine, op byte, data []byte) error {
	return vm.rotate(op, 3, 1)
}

// opcodeSwap swaps the top two items.
func opcodeSwap(vm *Engine, op byte, data []byte) error {
	return vm.rotate(op, 2, 1)
}

// opcodeTuck copies the top item below the second: x1 x2 -> x2 x1 x2.
func opcodeTuck(vm *Engine, op byte, data []byte) error {
	if len(vm.dstack) < 2 {
		return errStack(op)
	}
	n := len(vm.dstack)
	v := vm.dstack[n-1]
	vm.dstack = append(vm.dstack, v)
	vm.dstack[n-1] = vm.dstack[n-2]
	vm.dstack[n-2] = v
	return nil
}
