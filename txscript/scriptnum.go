package txscript

import "fmt"

const (
	// maxScriptNumLen is the default size limit of a number operand.
	maxScriptNumLen = 4

	// cltvMaxScriptNumLen is the limit for CHECKLOCKTIMEVERIFY and
	// CHECKSEQUENCEVERIFY operands, which need 5 bytes to reach 2^32-1.
	cltvMaxScriptNumLen = 5
)

// scriptNum is a script number: the result of arithmetic, which may exceed the
// operand range (it is checked when it is read back as an operand).
type scriptNum int64

// makeScriptNum decodes a little-endian sign-magnitude number of at most
// maxLen bytes; when requireMinimal is set the encoding must be the shortest.
func makeScriptNum(v []byte, requireMinimal bool, maxLen int) (scriptNum, error) {
	if len(v) > maxLen {
		return 0, scriptError(ErrScriptNum, fmt.Sprintf(
			"numeric value encoded as %x is %d bytes which exceeds the max allowed of %d",
			v, len(v), maxLen))
	}
	if requireMinimal && len(v) > 0 {
		if v[len(v)-1]&0x7f == 0 && (len(v) == 1 || v[len(v)-2]&0x80 == 0) {
			return 0, scriptError(ErrScriptNum, fmt.Sprintf(
				"numeric value encoded as %x is not minimally encoded", v))
		}
	}
	if len(v) == 0 {
		return 0, nil
	}
	var r int64
	for i, b := range v {
		r |= int64(b) << (8 * uint(i))
	}
	if v[len(v)-1]&0x80 != 0 {
		r &^= int64(0x80) << (8 * uint(len(v)-1))
		return scriptNum(-r), nil
	}
	return scriptNum(r), nil
}

// Bytes returns the minimal encoding of n.
func (n scriptNum) Bytes() []byte {
	if n == 0 {
		return nil
	}
	var buf [9]byte
	return n.appendBytes(buf[:0])
}

// appendBytes appends the minimal encoding of n to dst.
func (n scriptNum) appendBytes(dst []byte) []byte {
	if n == 0 {
		return dst
	}
	neg := n < 0
	m := uint64(n)
	if neg {
		m = uint64(-n)
	}
	start := len(dst)
	for m > 0 {
		dst = append(dst, byte(m))
		m >>= 8
	}
	if dst[len(dst)-1]&0x80 != 0 {
		if neg {
			dst = append(dst, 0x80)
		} else {
			dst = append(dst, 0x00)
		}
	} else if neg {
		dst[len(dst)-1] |= 0x80
	}
	_ = start
	return dst
}

// Int32 returns n clamped to the int32 range, as Core's getint does.
func (n scriptNum) Int32() int32 {
	if n > 0x7fffffff {
		return 0x7fffffff
	}
	if n < -0x80000000 {
		return -0x80000000
	}
	return int32(n)
}

// asBool is Core's CastToBool: false for any encoding of zero, including
// negative zero.
func asBool(v []byte) bool {
	for i, b := range v {
		if b != 0 {
			if i == len(v)-1 && b == 0x80 {
				return false
			}
			return true
		}
	}
	return false
}

// fromBool returns the canonical encoding of a boolean.
func fromBool(b bool) []byte {
	if b {
		return trueBytes
	}
	return nil
}

var trueBytes = []byte{1}
