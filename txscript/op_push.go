package txscript

import "fmt"

// This file holds the handlers of Core's "Push value" group.

// opcodePushData is Core's branch for OP_0 through OP_PUSHDATA4: under
// MINIMALDATA the push must use its smallest encoding, and then data is
// pushed as it stands in the script.
func opcodePushData(vm *Engine, op byte, data []byte) error {
	if vm.exec.requireMinimal && !checkMinimalDataPush(op, data) {
		return scriptError(ErrMinimalData, fmt.Sprintf(
			"push of %d bytes with %s is not minimal", len(data), opcodeNames[op]))
	}
	vm.dstack = append(vm.dstack, data)
	return nil
}

// opcodeSmallInt pushes the number OP_1NEGATE and OP_1 through OP_16 name.
func opcodeSmallInt(vm *Engine, op byte, data []byte) error {
	vm.pushNum(scriptNum(int(op) - int(OP_1-1)))
	return nil
}
