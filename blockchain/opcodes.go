package blockchain

import (
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/txscript"
)

// Opcodes the chain's own scripts use (signet solutions, BIP34 heights).
// Script parsing and sigop counting are txscript's and standalone's.
const (
	op0         = txscript.OP_0
	opPushData1 = txscript.OP_PUSHDATA1
	opPushData2 = txscript.OP_PUSHDATA2
	opPushData4 = txscript.OP_PUSHDATA4
	op1         = txscript.OP_1
	opReturn    = txscript.OP_RETURN
)

// MaxBlockSigOpsCost is the block sigop cost limit (BIP141).
const MaxBlockSigOpsCost = standalone.MaxBlockSigOpsCost

// coinbaseHeightPrefix returns the script Core's CScript() << height builds:
// OP_0 for 0, OP_1..OP_16 for 1..16, else a minimal little-endian number push.
func coinbaseHeightPrefix(height int32) []byte {
	if height == 0 {
		return []byte{op0}
	}
	if height >= 1 && height <= 16 {
		return []byte{op1 + byte(height-1)}
	}
	var num []byte
	for v := uint32(height); v > 0; v >>= 8 {
		num = append(num, byte(v))
	}
	if num[len(num)-1]&0x80 != 0 {
		num = append(num, 0)
	}
	return append([]byte{byte(len(num))}, num...)
}
