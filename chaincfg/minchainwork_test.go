package chaincfg

import (
	"bytes"
	"testing"
)

// TestMinimumChainWork checks Core's nMinimumChainWork per network: set on
// the public networks, none on regtest and custom signets.
func TestMinimumChainWork(t *testing.T) {
	tests := []struct {
		params *Params
		want   string // hex, "" for none
	}{
		{&MainNetParams, "dee8e2a309ad8a9820433c68"},
		{&TestNet3Params, "16dd270dd94fac1d7632"},
		{&TestNet4Params, "34a4690fe592dc49c7c"},
		{&SigNetParams, "67d328e681a"},
		{&RegressionNetParams, ""},
	}
	for _, tc := range tests {
		got := tc.params.MinimumChainWork
		if tc.want == "" {
			if got != nil && got.Sign() != 0 {
				t.Errorf("%s: MinimumChainWork %x, want none", tc.params.Name, got)
			}
			continue
		}
		if got == nil || got.Text(16) != tc.want {
			t.Errorf("%s: MinimumChainWork %v, want %s", tc.params.Name, got, tc.want)
		}
	}
	custom := CustomSignetParams([]byte{0x51}, nil)
	if custom.MinimumChainWork != nil {
		t.Errorf("custom signet MinimumChainWork %x, want none", custom.MinimumChainWork)
	}
	if !bytes.Equal(SigNetParams.SignetChallenge, DefaultSignetChallenge) {
		t.Error("default signet lost its challenge")
	}
}
