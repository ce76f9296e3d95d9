package standalone

import "github.com/tern-org/ternd/chaincfg"

// baseSubsidy is the first-era block subsidy.
const baseSubsidy = 50 * SatoshiPerBitcoin

// CalcBlockSubsidy returns the subsidy of a block at height: 50 coins halved
// every SubsidyReductionInterval blocks, zero after 64 halvings (a shift of
// 64 or more is undefined in C++, so Core stops there). A network without a
// reduction interval pays the first-era subsidy forever.
func CalcBlockSubsidy(height int32, params *chaincfg.Params) int64 {
	if params.SubsidyReductionInterval == 0 {
		return baseSubsidy
	}
	halvings := height / params.SubsidyReductionInterval
	if halvings >= 64 {
		return 0
	}
	return baseSubsidy >> uint(halvings)
}
