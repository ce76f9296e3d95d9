package mempool

import (
	"errors"
	"testing"
)

// TestEstimateRawFee checks estimaterawfee's per-horizon answers on the
// simulation of TestFeeEstSimulation: a 95% answer of 50 sat/vB for 2
// blocks in the short and medium horizons, 1 sat/vB in the long one (its
// 24-block periods count the 10-block confirmations as within target),
// pass and fail ranges around them, no answer for an impossible
// threshold, and the target bounds.
func TestEstimateRawFee(t *testing.T) {
	s := newFeeSim(t)
	for range 200 {
		s.add(10, 50_000, 1, 0)
		s.add(10, 1_000, 10, 0)
		s.mine()
	}
	hs, err := s.fe.EstimateRawFee(2, 0.95)
	if err != nil || len(hs) != 3 {
		t.Fatalf("EstimateRawFee(2): %d horizons, %v", len(hs), err)
	}
	for i, name := range []string{"short", "medium", "long"} {
		h := hs[i]
		want := int64(50_000)
		if name == "long" {
			want = 1_000
		}
		if h.Name != name || h.FeeRate < want*98/100 || h.FeeRate > want*102/100 || h.Decay <= 0 || h.Scale < 1 {
			t.Fatalf("%s: %+v", name, h)
		}
		if h.Pass.Start < 0 || h.Pass.End < h.Pass.Start || h.Pass.WithinTarget <= 0 {
			t.Fatalf("%s pass bucket: %+v", name, h.Pass)
		}
		if h.Fail.Start < 0 || h.Fail.End > h.Pass.Start {
			t.Fatalf("%s fail bucket: %+v (pass starts at %v)", name, h.Fail, h.Pass.Start)
		}
	}
	hs, err = s.fe.EstimateRawFee(20, 0.95)
	if err != nil || len(hs) != 2 || hs[0].Name != "medium" {
		t.Fatalf("EstimateRawFee(20): %+v, %v", hs, err)
	}
	hs, _ = s.fe.EstimateRawFee(2, 1.01)
	if hs[0].FeeRate != -1 {
		t.Fatalf("threshold above 1 answered %d", hs[0].FeeRate)
	}
	for _, target := range []int{0, 1009} {
		if _, err := s.fe.EstimateRawFee(target, 0.95); !errors.Is(err, ErrFeeEstimateTarget) {
			t.Fatalf("target %d: %v", target, err)
		}
	}
}
