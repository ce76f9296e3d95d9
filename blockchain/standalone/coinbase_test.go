package standalone

import (
	"bytes"
	"testing"
)

// TestCoinbaseHeightScript checks the BIP34 encoding against Core's
// CScript() << height.
func TestCoinbaseHeightScript(t *testing.T) {
	tests := []struct {
		h    int32
		want []byte
	}{
		{0, []byte{0x00}}, {1, []byte{0x51}}, {16, []byte{0x60}}, {17, []byte{0x01, 0x11}},
		{127, []byte{0x01, 0x7f}}, {128, []byte{0x02, 0x80, 0x00}}, {255, []byte{0x02, 0xff, 0x00}},
		{256, []byte{0x02, 0x00, 0x01}}, {227931, []byte{0x03, 0x5b, 0x7a, 0x03}},
	}
	for _, tc := range tests {
		if got := CoinbaseHeightScript(tc.h); !bytes.Equal(got, tc.want) {
			t.Errorf("%d: %x, want %x", tc.h, got, tc.want)
		}
	}
}
