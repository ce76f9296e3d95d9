package rpcserver

import (
	"strings"
	"testing"

	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/mempool"
)

// EstimateRawFee answers 25 sat/vB in the short horizon and nothing in
// the medium one.
func (f *testRPCFeeEstimator) EstimateRawFee(target int, threshold float64) ([]mempool.RawFeeHorizon, error) {
	return []mempool.RawFeeHorizon{
		{Name: "short", FeeRate: 25000, Decay: 0.962, Scale: 1,
			Pass: mempool.RawFeeBucket{Start: 24000.4, End: 26000, WithinTarget: 10.123, TotalConfirmed: 11},
			Fail: mempool.RawFeeBucket{Start: -1, End: -1}},
		{Name: "medium", FeeRate: -1, Decay: 0.9952, Scale: 2,
			Pass: mempool.RawFeeBucket{Start: -1, End: -1},
			Fail: mempool.RawFeeBucket{Start: 0, End: 1000, InMempool: 3}},
	}, nil
}

// TestEstimateRawFee checks estimaterawfee's shape (pass without fail
// when every bucket passed, fail and errors without a rate) and its
// parameter errors.
func TestEstimateRawFee(t *testing.T) {
	e := newHandlerEnv(t, regtestParams(t), nil)
	var r map[string]map[string]any
	e.mustCall(t, &r, "estimaterawfee", 2)
	short, medium := r["short"], r["medium"]
	pass, _ := short["pass"].(map[string]any)
	if short["feerate"] != 0.00025 || short["scale"] != 1.0 || pass == nil || pass["startrange"] != 24000.0 ||
		pass["withintarget"] != 10.12 || short["fail"] != nil || short["errors"] != nil {
		t.Fatalf("short = %v", short)
	}
	if medium["feerate"] != nil || medium["pass"] != nil || medium["fail"] == nil || medium["errors"] == nil {
		t.Fatalf("medium = %v", medium)
	}
	for _, tc := range []struct {
		params []any
		msg    string
	}{
		{[]any{0}, "Invalid conf_target, must be between 1 and 1008"},
		{[]any{2, 1.5}, "Invalid threshold"},
	} {
		_, rerr := e.call(t, "estimaterawfee", tc.params...)
		if rerr == nil || rerr.Code != rpcjson.ErrRPCInvalidParameter || !strings.HasPrefix(rerr.Message, tc.msg) {
			t.Fatalf("%v: %v", tc.params, rerr)
		}
	}
}
