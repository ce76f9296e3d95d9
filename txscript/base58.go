package txscript

import (
	"math/big"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// base58Rev maps a character to its value, or -1.
var base58Rev = func() [256]int8 {
	var r [256]int8
	for i := range r {
		r[i] = -1
	}
	for i, c := range base58Alphabet {
		r[c] = int8(i)
	}
	return r
}()

// maxBase58Len bounds decoding work on outside input.
const maxBase58Len = 1000

var bigRadix = big.NewInt(58)

// Base58Encode encodes b in base58 (leading zero bytes become '1's).
func Base58Encode(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	x := new(big.Int).SetBytes(b)
	var out []byte
	mod := new(big.Int)
	for x.Sign() > 0 {
		x.DivMod(x, bigRadix, mod)
		out = append(out, base58Alphabet[mod.Int64()])
	}
	for i := 0; i < zeros; i++ {
		out = append(out, '1')
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

// Base58Decode decodes a base58 string; ok is false on a bad character or
// an over-long input.
func Base58Decode(s string) ([]byte, bool) {
	if len(s) > maxBase58Len {
		return nil, false
	}
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	x := new(big.Int)
	for i := zeros; i < len(s); i++ {
		v := base58Rev[s[i]]
		if v < 0 {
			return nil, false
		}
		x.Mul(x, bigRadix)
		x.Add(x, big.NewInt(int64(v)))
	}
	body := x.Bytes()
	out := make([]byte, zeros+len(body))
	copy(out[zeros:], body)
	return out, true
}

// Base58CheckEncode encodes version || payload with a 4-byte checksum.
func Base58CheckEncode(payload []byte, version byte) string {
	b := make([]byte, 0, 1+len(payload)+4)
	b = append(b, version)
	b = append(b, payload...)
	sum := chainhash.DoubleHashB(b)
	return Base58Encode(append(b, sum[:4]...))
}

// Base58CheckDecode decodes a base58check string into its version byte and
// payload.
func Base58CheckDecode(s string) (byte, []byte, error) {
	b, ok := Base58Decode(s)
	if !ok {
		return 0, nil, scriptError(ErrInvalidAddress, "invalid base58 string")
	}
	if len(b) < 5 {
		return 0, nil, scriptError(ErrInvalidAddress, "base58check string too short")
	}
	sum := chainhash.DoubleHashB(b[:len(b)-4])
	for i := 0; i < 4; i++ {
		if sum[i] != b[len(b)-4+i] {
			return 0, nil, scriptError(ErrInvalidChecksum, "bad base58check checksum")
		}
	}
	return b[0], b[1 : len(b)-4], nil
}
