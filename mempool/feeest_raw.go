package mempool

import (
	"math"
	"strconv"
)

// RawFeeBucket is a range of fee-rate buckets with its decayed counts,
// Core's EstimatorBucket: Start is -1 when there is no such range.
type RawFeeBucket struct {
	Start, End     float64 // sat/kvB
	WithinTarget   float64 // confirmed within the target
	TotalConfirmed float64 // confirmed at any time
	InMempool      float64 // still unconfirmed after the target
	LeftMempool    float64 // left the pool unconfirmed
}

// newRawFeeBucket is the empty range.
func newRawFeeBucket() RawFeeBucket { return RawFeeBucket{Start: -1, End: -1} }

// RawFeeHorizon is one horizon's answer to EstimateRawFee: the fee rate
// (sat/kvB, -1 when none meets the threshold), the horizon's decay and
// scale, and the pass and fail ranges of the search.
type RawFeeHorizon struct {
	Name    string // "short", "medium" or "long"
	FeeRate int64
	Decay   float64
	Scale   int
	Pass    RawFeeBucket
	Fail    RawFeeBucket
}

// EstimateRawFee is Core's estimateRawFee for every horizon that tracks
// confTarget: the lowest bucket range in which at least threshold of the
// transactions confirmed within confTarget blocks, with no smoothing
// across horizons or targets (estimaterawfee). A target outside
// 1..HighestTarget fails with ErrFeeEstimateTarget.
func (fe *FeeEstimator) EstimateRawFee(confTarget int, threshold float64) ([]RawFeeHorizon, error) {
	fe.mtx.Lock()
	defer fe.mtx.Unlock()
	if confTarget <= 0 || confTarget > fe.longStats.maxConfirms() {
		return nil, feeEstError(ErrFeeEstimateTarget, "Invalid conf_target, must be between 1 and "+
			strconv.Itoa(fe.longStats.maxConfirms()))
	}
	horizons := []struct {
		name       string
		stats      *txConfirmStats
		sufficient float64
	}{
		{"short", fe.shortStats, feeEstSufficientTxsShort},
		{"medium", fe.medStats, feeEstSufficientFeeTxs},
		{"long", fe.longStats, feeEstSufficientFeeTxs},
	}
	var out []RawFeeHorizon
	for _, h := range horizons {
		if confTarget > h.stats.maxConfirms() {
			continue
		}
		r := RawFeeHorizon{Name: h.name, FeeRate: -1}
		median := h.stats.estimateMedianValResult(fe.buckets, confTarget, h.sufficient, threshold,
			fe.bestSeenHeight, &r)
		if median >= 0 && !math.IsNaN(median) && !math.IsInf(median, 0) {
			r.FeeRate = int64(math.Round(median))
		}
		out = append(out, r)
	}
	return out, nil
}
