package descriptor

import "strings"

// inputCharset and checksumCharset are BIP380's alphabets: every character
// a descriptor may hold, and the checksum's bech32 characters.
const (
	inputCharset = "0123456789()[],'/*abcdefgh@:$%{}" +
		"IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~" +
		"ijklmnopqrstuvwxyzABCDEFGH`#\"\\ "
	checksumCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
)

// polyMod is one step of BIP380's checksum over GF(32).
func polyMod(c uint64, val int) uint64 {
	c0 := c >> 35
	c = (c&0x7ffffffff)<<5 ^ uint64(val)
	if c0&1 != 0 {
		c ^= 0xf5dee51989
	}
	if c0&2 != 0 {
		c ^= 0xa9fdca3312
	}
	if c0&4 != 0 {
		c ^= 0x1bab10e32d
	}
	if c0&8 != 0 {
		c ^= 0x3706b1677a
	}
	if c0&16 != 0 {
		c ^= 0x644d626ffd
	}
	return c
}

// Checksum returns BIP380's eight-character checksum of desc (which must
// not carry one), false when desc has a character outside the charset.
func Checksum(desc string) (string, bool) {
	c := uint64(1)
	cls, clsCount := 0, 0
	for i := 0; i < len(desc); i++ {
		pos := strings.IndexByte(inputCharset, desc[i])
		if pos < 0 || desc[i] >= 0x80 {
			return "", false
		}
		c = polyMod(c, pos&31)
		cls = cls*3 + pos>>5
		if clsCount++; clsCount == 3 {
			c = polyMod(c, cls)
			cls, clsCount = 0, 0
		}
	}
	if clsCount > 0 {
		c = polyMod(c, cls)
	}
	for j := 0; j < 8; j++ {
		c = polyMod(c, 0)
	}
	c ^= 1
	var out [8]byte
	for j := range out {
		out[j] = checksumCharset[c>>(5*(7-j))&31]
	}
	return string(out[:]), true
}

// AddChecksum returns desc followed by "#" and its checksum; a descriptor
// with characters outside the charset is returned unchanged.
func AddChecksum(desc string) string {
	sum, ok := Checksum(desc)
	if !ok {
		return desc
	}
	return desc + "#" + sum
}

// SplitChecksum checks the checksum after a "#", as Core's CheckChecksum,
// and returns the descriptor without it and the checksum computed over
// it. Without a checksum it fails only when require is set.
func SplitChecksum(s string, require bool) (desc, sum string, err error) {
	parts := strings.Split(s, "#")
	if len(parts) > 2 {
		return "", "", errorf(ErrChecksum, "Multiple '#' symbols")
	}
	desc = parts[0]
	computed, ok := Checksum(desc)
	if len(parts) == 1 {
		if require {
			return "", "", errorf(ErrChecksum, "Missing checksum")
		}
		if !ok {
			return "", "", errorf(ErrChecksum, "Invalid characters in payload")
		}
		return desc, computed, nil
	}
	if len(parts[1]) != 8 {
		return "", "", errorf(ErrChecksum, "Expected 8 character checksum, not %d characters", len(parts[1]))
	}
	if !ok {
		return "", "", errorf(ErrChecksum, "Invalid characters in payload")
	}
	if parts[1] != computed {
		return "", "", errorf(ErrChecksum, "Provided checksum '%s' does not match computed checksum '%s'", parts[1], computed)
	}
	return desc, computed, nil
}
