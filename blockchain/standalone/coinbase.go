package standalone

import "github.com/tern-org/ternd/txscript"

// CoinbaseHeightScript returns the script Core's CScript() << height builds,
// which BIP34 requires a coinbase script to start with: OP_0 for 0, OP_1 to
// OP_16 for 1 to 16, else a minimal little-endian number push (with a zero
// byte when the top bit is set, so the number stays positive).
func CoinbaseHeightScript(height int32) []byte {
	if height == 0 {
		return []byte{txscript.OP_0}
	}
	if height >= 1 && height <= 16 {
		return []byte{txscript.OP_1 + byte(height-1)}
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
