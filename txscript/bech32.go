package txscript

import (
	"strings"
)

// Bech32Encoding says which checksum constant a bech32 string uses.
type Bech32Encoding int

// These are the bech32 variants: BIP173 for witness v0 and BIP350 (bech32m)
// for witness v1 and later.
const (
	Bech32Invalid Bech32Encoding = iota
	Bech32
	Bech32m
)

const (
	bech32Charset    = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	bech32Const      = 1
	bech32mConst     = 0x2bc830a3
	bech32MaxLength  = 90
	bech32ChecksumSz = 6
)

// bech32CharsetRev maps a lower-case character to its 5-bit value, or -1.
var bech32CharsetRev = func() [128]int8 {
	var r [128]int8
	for i := range r {
		r[i] = -1
	}
	for i, c := range bech32Charset {
		r[c] = int8(i)
	}
	return r
}()

func bech32Polymod(values []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := 0; i < 5; i++ {
			if (top>>uint(i))&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}

func bech32HRPExpand(hrp string) []byte {
	out := make([]byte, 0, len(hrp)*2+1)
	for i := 0; i < len(hrp); i++ {
		out = append(out, hrp[i]>>5)
	}
	out = append(out, 0)
	for i := 0; i < len(hrp); i++ {
		out = append(out, hrp[i]&31)
	}
	return out
}

// Bech32Encode encodes 5-bit data under a lower-case hrp.
func Bech32Encode(hrp string, data []byte, enc Bech32Encoding) string {
	c := uint32(bech32Const)
	if enc == Bech32m {
		c = bech32mConst
	}
	values := append(bech32HRPExpand(hrp), data...)
	values = append(values, 0, 0, 0, 0, 0, 0)
	mod := bech32Polymod(values) ^ c
	var sb strings.Builder
	sb.Grow(len(hrp) + 1 + len(data) + 6)
	sb.WriteString(hrp)
	sb.WriteByte('1')
	for _, d := range data {
		sb.WriteByte(bech32Charset[d])
	}
	for i := 0; i < 6; i++ {
		sb.WriteByte(bech32Charset[(mod>>uint(5*(5-i)))&31])
	}
	return sb.String()
}

// Bech32Decode decodes a bech32 or bech32m string into its lower-case hrp
// and 5-bit data (without the checksum).
func Bech32Decode(s string) (string, []byte, Bech32Encoding, error) {
	if len(s) > bech32MaxLength {
		return "", nil, Bech32Invalid, scriptError(ErrInvalidAddress, "bech32 string too long")
	}
	lower, upper := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 33 || c > 126 {
			return "", nil, Bech32Invalid, scriptError(ErrInvalidAddress, "invalid bech32 character")
		}
		if c >= 'a' && c <= 'z' {
			lower = true
		}
		if c >= 'A' && c <= 'Z' {
			upper = true
		}
	}
	if lower && upper {
		return "", nil, Bech32Invalid, scriptError(ErrInvalidAddress, "mixed-case bech32 string")
	}
	s = strings.ToLower(s)
	pos := strings.LastIndexByte(s, '1')
	if pos < 1 || pos+bech32ChecksumSz >= len(s) {
		return "", nil, Bech32Invalid, scriptError(ErrInvalidAddress, "bech32 separator misplaced")
	}
	hrp := s[:pos]
	data := make([]byte, 0, len(s)-pos-1)
	for i := pos + 1; i < len(s); i++ {
		v := bech32CharsetRev[s[i]]
		if v < 0 {
			return "", nil, Bech32Invalid, scriptError(ErrInvalidAddress, "invalid bech32 data character")
		}
		data = append(data, byte(v))
	}
	var enc Bech32Encoding
	switch bech32Polymod(append(bech32HRPExpand(hrp), data...)) {
	case bech32Const:
		enc = Bech32
	case bech32mConst:
		enc = Bech32m
	default:
		return "", nil, Bech32Invalid, scriptError(ErrInvalidChecksum, "bad bech32 checksum")
	}
	return hrp, data[:len(data)-bech32ChecksumSz], enc, nil
}

// convertBits regroups data from fromBits- to toBits-wide values. With pad
// false the leftover bits must be fewer than fromBits and all zero.
func convertBits(data []byte, fromBits, toBits uint, pad bool) ([]byte, bool) {
	var acc, bits uint
	maxv := uint(1)<<toBits - 1
	out := make([]byte, 0, len(data)*int(fromBits)/int(toBits)+1)
	for _, v := range data {
		if uint(v)>>fromBits != 0 {
			return nil, false
		}
		acc = acc<<fromBits | uint(v)
		bits += fromBits
		for bits >= toBits {
			bits -= toBits
			out = append(out, byte(acc>>bits&maxv))
		}
	}
	if pad {
		if bits > 0 {
			out = append(out, byte(acc<<(toBits-bits)&maxv))
		}
	} else if bits >= fromBits || acc<<(toBits-bits)&maxv != 0 {
		return nil, false
	}
	return out, true
}

// EncodeSegWitAddress encodes a witness program (bech32 for version 0,
// bech32m otherwise).
func EncodeSegWitAddress(hrp string, version byte, program []byte) (string, error) {
	if version > 16 || len(program) < 2 || len(program) > 40 ||
		(version == 0 && len(program) != 20 && len(program) != 32) {
		return "", scriptError(ErrInvalidAddress, "invalid witness program")
	}
	conv, _ := convertBits(program, 8, 5, true)
	enc := Bech32
	if version != 0 {
		enc = Bech32m
	}
	return Bech32Encode(hrp, append([]byte{version}, conv...), enc), nil
}

// DecodeSegWitAddress decodes a segwit address for the given hrp, enforcing
// BIP173/BIP350 (version 0 uses bech32, later versions bech32m).
func DecodeSegWitAddress(hrp, addr string) (byte, []byte, error) {
	gotHRP, data, enc, err := Bech32Decode(addr)
	if err != nil {
		return 0, nil, err
	}
	if gotHRP != hrp {
		return 0, nil, scriptError(ErrUnknownNetwork, "address is for another network")
	}
	if len(data) < 1 {
		return 0, nil, scriptError(ErrInvalidAddress, "empty witness data")
	}
	version := data[0]
	if version > 16 {
		return 0, nil, scriptError(ErrInvalidAddress, "invalid witness version")
	}
	if (version == 0 && enc != Bech32) || (version != 0 && enc != Bech32m) {
		return 0, nil, scriptError(ErrInvalidChecksum, "wrong bech32 variant for the witness version")
	}
	program, ok := convertBits(data[1:], 5, 8, false)
	if !ok {
		return 0, nil, scriptError(ErrInvalidAddress, "invalid witness program padding")
	}
	if len(program) < 2 || len(program) > 40 {
		return 0, nil, scriptError(ErrInvalidAddress, "invalid witness program length")
	}
	if version == 0 && len(program) != 20 && len(program) != 32 {
		return 0, nil, scriptError(ErrInvalidAddress, "invalid witness v0 program length")
	}
	return version, program, nil
}
