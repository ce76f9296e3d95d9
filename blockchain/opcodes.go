package blockchain

import "github.com/tern-org/ternd/txscript"

// Opcodes the chain's own scripts use (signet solutions).
// Script parsing and sigop counting are txscript's and standalone's.
const (
	op0         = txscript.OP_0
	opPushData1 = txscript.OP_PUSHDATA1
	opPushData2 = txscript.OP_PUSHDATA2
	opPushData4 = txscript.OP_PUSHDATA4
	opReturn    = txscript.OP_RETURN
)
