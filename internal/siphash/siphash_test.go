package siphash

import (
	"encoding/binary"
	"testing"
)

// TestVectors checks Hash against the reference implementation's vectors
// (key 00..0f, message 00..n-1) and Hash256 against Core's SipHashUint256
// vector and against Hash on other inputs.
func TestVectors(t *testing.T) {
	k0, k1 := uint64(0x0706050403020100), uint64(0x0f0e0d0c0b0a0908)
	msg := make([]byte, 64)
	for i := range msg {
		msg[i] = byte(i)
	}
	tests := []struct {
		n    int
		want uint64
	}{
		{0, 0x726fdb47dd0e0e31}, {1, 0x74f839c593dc67fd}, {2, 0x0d6c8009d9a94f5a},
		{3, 0x85676696d7fb7e2d}, {15, 0xa129ca6149be45e5}, {32, 0x7127512f72f27cce},
	}
	for _, tc := range tests {
		if got := Hash(k0, k1, msg[:tc.n]); got != tc.want {
			t.Errorf("Hash of %d bytes = %#x, want %#x", tc.n, got, tc.want)
		}
	}
	var h [32]byte
	copy(h[:], msg)
	if got := Hash256(k0, k1, &h); got != 0x7127512f72f27cce {
		t.Fatalf("Hash256 = %#x", got)
	}
	for i := 0; i < 100; i++ {
		binary.LittleEndian.PutUint64(h[i%24:], uint64(i)*0x9e3779b97f4a7c15)
		if a, b := Hash256(uint64(i), k1, &h), Hash(uint64(i), k1, h[:]); a != b {
			t.Fatalf("input %d: %#x != %#x", i, a, b)
		}
	}
}

func BenchmarkHash256(b *testing.B) {
	var h [32]byte
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h[0] = byte(i)
		Hash256(1, 2, &h)
	}
}
