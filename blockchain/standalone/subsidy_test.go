package standalone

import (
	"testing"

	"github.com/tern-org/ternd/chaincfg"
)

// TestCalcBlockSubsidy checks the halving schedule on mainnet and regtest.
func TestCalcBlockSubsidy(t *testing.T) {
	tests := []struct {
		name   string
		params *chaincfg.Params
		height int32
		want   int64
	}{
		{"genesis", &chaincfg.MainNetParams, 0, 50 * SatoshiPerBitcoin},
		{"last of era 1", &chaincfg.MainNetParams, 209999, 50 * SatoshiPerBitcoin},
		{"first halving", &chaincfg.MainNetParams, 210000, 25 * SatoshiPerBitcoin},
		{"fourth era", &chaincfg.MainNetParams, 840000, 3.125 * SatoshiPerBitcoin},
		{"33rd era", &chaincfg.MainNetParams, 32 * 210000, 1},
		{"64 halvings", &chaincfg.MainNetParams, 64 * 210000, 0},
		{"regtest halving", &chaincfg.RegressionNetParams, 150, 25 * SatoshiPerBitcoin},
	}
	for _, tc := range tests {
		if got := CalcBlockSubsidy(tc.height, tc.params); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	flat := chaincfg.RegressionNetParams
	flat.SubsidyReductionInterval = 0
	if got := CalcBlockSubsidy(1e9, &flat); got != 50*SatoshiPerBitcoin {
		t.Errorf("no reduction interval: %d", got)
	}
}
