package rpcserver

import (
	"context"
	"encoding/json"
	"math"

	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/mempool"
)

// This file holds estimaterawfee (Core's rpc/fees.cpp): the fee
// estimator's raw answer for each horizon, with the bucket ranges it
// passed and failed.

// estimateRawFeeMethods returns estimaterawfee.
func (s *Server) estimateRawFeeMethods() []rpcjson.Method {
	return []rpcjson.Method{{
		Name: "estimaterawfee", Category: "Hidden",
		Params: []rpcjson.ParamSpec{{Name: "conf_target", Type: "numeric"}, {Name: "threshold", Optional: true, Type: "numeric"}},
		Help: "WARNING: This interface is unstable and may disappear or change!\n\n" +
			"WARNING: This is an advanced API call that is tightly coupled to the specific\n" +
			"implementation of fee estimation. The parameters it can be called with\n" +
			"and the results it returns will change if the internal implementation changes.\n\n" +
			"Estimates the approximate fee per kilobyte needed for a transaction to begin\n" +
			"confirmation within conf_target blocks if possible.\n\n" +
			"Arguments:\n1. conf_target    (numeric, required) Confirmation target in blocks (1 - 1008)\n" +
			"2. threshold      (numeric, optional, default=0.95) The proportion of transactions in a given feerate range that must have been\n" +
			"                  confirmed within conf_target in order to consider those feerates as high enough and proceed to check\n" +
			"                  lower buckets.\n\n" +
			"Result:\n{\n  \"short\" : {            (json object, optional) estimate for short time horizon\n" +
			"    \"feerate\" : n,        (numeric, optional) estimate fee rate in BTC/kvB\n" +
			"    \"decay\" : n,          (numeric) exponential decay (per block) for historical moving average of confirmation data\n" +
			"    \"scale\" : n,          (numeric) The resolution of confirmation targets at this time horizon\n" +
			"    \"pass\" : {            (json object, optional) information about the lowest range of feerates to succeed in meeting the threshold\n" +
			"      \"startrange\" : n, \"endrange\" : n, \"withintarget\" : n, \"totalconfirmed\" : n, \"inmempool\" : n, \"leftmempool\" : n\n    },\n" +
			"    \"fail\" : {...},       (json object, optional) information about the highest range of feerates to fail to meet the threshold\n" +
			"    \"errors\" : [ \"str\", ... ]  (json array, optional) Errors encountered during processing (if there are any)\n  },\n" +
			"  \"medium\" : {...},     (json object, optional) estimate for medium time horizon\n" +
			"  \"long\" : {...}        (json object, optional) estimate for long time horizon\n}",
		Handler: s.handleEstimateRawFee,
	}}
}

// rawFeeBucketJSON is a pass or fail range of estimaterawfee.
type rawFeeBucketJSON struct {
	StartRange     float64 `json:"startrange"`
	EndRange       float64 `json:"endrange"`
	WithinTarget   float64 `json:"withintarget"`
	TotalConfirmed float64 `json:"totalconfirmed"`
	InMempool      float64 `json:"inmempool"`
	LeftMempool    float64 `json:"leftmempool"`
}

// rawFeeHorizonJSON is one horizon of estimaterawfee.
type rawFeeHorizonJSON struct {
	FeeRate *amount           `json:"feerate,omitempty"`
	Decay   float64           `json:"decay"`
	Scale   int               `json:"scale"`
	Pass    *rawFeeBucketJSON `json:"pass,omitempty"`
	Fail    *rawFeeBucketJSON `json:"fail,omitempty"`
	Errors  []string          `json:"errors,omitempty"`
}

// round2 rounds to two decimals, as Core prints the bucket counts.
func round2(v float64) float64 { return math.Round(v*100) / 100 }

// newRawFeeBucketJSON formats a bucket range as Core does.
func newRawFeeBucketJSON(b mempool.RawFeeBucket) *rawFeeBucketJSON {
	return &rawFeeBucketJSON{StartRange: math.Round(b.Start), EndRange: math.Round(b.End),
		WithinTarget: round2(b.WithinTarget), TotalConfirmed: round2(b.TotalConfirmed),
		InMempool: round2(b.InMempool), LeftMempool: round2(b.LeftMempool)}
}

// handleEstimateRawFee implements estimaterawfee.
func (s *Server) handleEstimateRawFee(_ context.Context, params []json.RawMessage) (any, error) {
	var target int64
	if _, err := rpcjson.UnmarshalParam(params, 0, "conf_target", &target); err != nil {
		return nil, err
	}
	highest := int64(s.cfg.FeeEstimator.HighestTarget())
	if target < 1 || target > highest {
		return nil, rpcjson.NewRPCErrorf(rpcjson.ErrRPCInvalidParameter,
			"Invalid conf_target, must be between 1 and %d", highest)
	}
	threshold := 0.95
	if _, err := rpcjson.UnmarshalParam(params, 1, "threshold", &threshold); err != nil {
		return nil, err
	}
	if threshold < 0 || threshold > 1 {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "Invalid threshold")
	}
	horizons, err := s.cfg.FeeEstimator.EstimateRawFee(int(target), threshold)
	if err != nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, err.Error())
	}
	out := make(map[string]*rawFeeHorizonJSON, len(horizons))
	for _, h := range horizons {
		r := &rawFeeHorizonJSON{Decay: h.Decay, Scale: h.Scale}
		if h.FeeRate > 0 {
			rate := amount(h.FeeRate)
			r.FeeRate, r.Pass = &rate, newRawFeeBucketJSON(h.Pass)
			if h.Fail.Start != -1 {
				r.Fail = newRawFeeBucketJSON(h.Fail)
			}
		} else {
			r.Fail = newRawFeeBucketJSON(h.Fail)
			r.Errors = []string{"Insufficient data or no feerate found which meets threshold"}
		}
		out[h.Name] = r
	}
	return out, nil
}
