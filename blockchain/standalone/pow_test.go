package standalone

import (
	"errors"
	"math/big"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// TestCompact checks the compact encoding against Core's arith_uint256
// SetCompact/GetCompact cases.
func TestCompact(t *testing.T) {
	tests := []struct {
		compact uint32
		want    string // hex, "-" prefix for negative
		back    uint32 // GetCompact of the value
	}{
		{0x00000000, "0", 0},
		{0x00123456, "0", 0},
		{0x01003456, "0", 0},
		{0x02000056, "0", 0},
		{0x03000000, "0", 0},
		{0x04000000, "0", 0},
		{0x00923456, "0", 0},
		{0x01803456, "0", 0},
		{0x01123456, "12", 0x01120000},
		{0x02008000, "80", 0x02008000},
		{0x05009234, "92340000", 0x05009234},
		{0x04923456, "-12345600", 0x04923456},
		{0x04123456, "12345600", 0x04123456},
		{0x20123456, "1234560000000000000000000000000000000000000000000000000000000000", 0x20123456},
		{0x1d00ffff, "ffff0000000000000000000000000000000000000000000000000000", 0x1d00ffff},
	}
	for _, tc := range tests {
		got := CompactToBig(tc.compact)
		want, _ := new(big.Int).SetString(tc.want, 16)
		if got.Cmp(want) != 0 {
			t.Errorf("CompactToBig(%08x) = %x, want %s", tc.compact, got, tc.want)
		}
		if back := BigToCompact(got); back != tc.back {
			t.Errorf("BigToCompact(%x) = %08x, want %08x", got, back, tc.back)
		}
	}
	if !CompactOverflows(0xff123456) || CompactOverflows(0x1d00ffff) {
		t.Error("CompactOverflows")
	}
}

// TestCalcWork checks the work of valid and invalid targets.
func TestCalcWork(t *testing.T) {
	tests := []struct {
		name string
		bits uint32
		want *big.Int
	}{
		{"difficulty 1", 0x1d00ffff, big.NewInt(0x100010001)},
		{"regtest limit", 0x207fffff, big.NewInt(2)},
		{"negative target", 0x04923456, big.NewInt(0)},
		{"zero target", 0x00000000, big.NewInt(0)},
		{"overflow", 0xff123456, big.NewInt(0)},
	}
	for _, tc := range tests {
		if got := CalcWork(tc.bits); got.Cmp(tc.want) != 0 {
			t.Errorf("%s: CalcWork(%08x) = %v, want %v", tc.name, tc.bits, got, tc.want)
		}
	}
}

// TestCheckProofOfWork covers the target range and the hash comparison.
func TestCheckProofOfWork(t *testing.T) {
	limit := CompactToBig(0x207fffff)
	low := chainhash.Hash{} // zero: below every positive target
	var high chainhash.Hash
	high[31] = 0x80 // 2^255, above the regtest limit 0x7fffff << 232
	tests := []struct {
		name string
		hash chainhash.Hash
		bits uint32
		ok   bool
	}{
		{"meets", low, 0x207fffff, true},
		{"above target", high, 0x207fffff, false},
		{"zero target", low, 0x00000000, false},
		{"negative target", low, 0x04923456, false},
		{"overflow", low, 0xff123456, false},
		{"above the limit", low, 0x21010000, false},
	}
	for _, tc := range tests {
		err := CheckProofOfWork(&tc.hash, tc.bits, limit)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrHighHash)) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if HashToBig(&high).Cmp(new(big.Int).Lsh(big.NewInt(1), 255)) != 0 {
		t.Error("HashToBig reads the hash little-endian")
	}
}

// FuzzCompact checks that decoding any compact target and encoding it again
// is stable: BigToCompact(CompactToBig(x)) decodes to the same value.
func FuzzCompact(f *testing.F) {
	for _, c := range []uint32{0, 0x1d00ffff, 0x207fffff, 0x04923456, 0x01803456, 0xff123456} {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, c uint32) {
		if CompactOverflows(c) {
			return
		}
		v := CompactToBig(c)
		if back := CompactToBig(BigToCompact(v)); back.Cmp(v) != 0 {
			t.Fatalf("%08x: %x re-encodes to %x", c, v, back)
		}
		_ = CalcWork(c)
	})
}
