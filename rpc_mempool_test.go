package main

import (
	"math"
	"testing"

	"github.com/tern-org/ternd/wire"
)

// prioritisedEntry is one value of getprioritisedtransactions.
type prioritisedEntry struct {
	FeeDelta    int64  `json:"fee_delta"`
	InMempool   bool   `json:"in_mempool"`
	ModifiedFee *int64 `json:"modified_fee"`
}

// TestRPCPrioritiseSaturates checks review finding F10 through RPC:
// prioritisetransaction deltas saturate at the int64 range (Core's
// SaturatingAdd) instead of wrapping, for a transaction outside the pool
// and for a pooled one whose modified fee must not turn negative.
func TestRPCPrioritiseSaturates(t *testing.T) {
	tn := startTestNode(t, t.TempDir())
	w := newTestWallet(t, 21)
	tn.mustCall(nil, "generatetoaddress", 101, w.addr)

	absent := "ab" + "00000000000000000000000000000000000000000000000000000000000000"[:62]
	cases := []struct {
		name   string
		deltas []int64
		want   int64
	}{
		{"twice 9e18", []int64{9e18, 9e18}, math.MaxInt64},
		{"back down", []int64{-9e18}, math.MaxInt64 - 9e18},
		{"to the floor", []int64{-9e18, -9e18, -9e18}, math.MinInt64},
	}
	for _, c := range cases {
		for _, d := range c.deltas {
			var ok bool
			tn.mustCall(&ok, "prioritisetransaction", absent, nil, d)
			if !ok {
				t.Fatalf("%s: prioritisetransaction returned false", c.name)
			}
		}
		var prio map[string]prioritisedEntry
		tn.mustCall(&prio, "getprioritisedtransactions")
		p, found := prio[absent]
		if !found || p.FeeDelta != c.want || p.InMempool || p.ModifiedFee != nil {
			t.Fatalf("%s: %+v (found %v), want delta %d", c.name, p, found, c.want)
		}
	}

	// A pooled transaction paying 10000 sat: the review's single huge delta
	// used to wrap its modified fee negative.
	cb := tn.coinbaseOf(1)
	tx := w.spend(t, []prevOut{{wire.OutPoint{Hash: cb}, 5000000000}},
		[]*wire.TxOut{{Value: 4999990000, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum)
	tn.mustCall(nil, "sendrawtransaction", txHex(tx))
	id := tx.TxHash().String()
	tn.mustCall(nil, "prioritisetransaction", id, 0, int64(9223372036854775000))
	tn.mustCall(nil, "prioritisetransaction", id, 0, int64(9e18))
	var prio map[string]prioritisedEntry
	tn.mustCall(&prio, "getprioritisedtransactions")
	p := prio[id]
	if p.FeeDelta != math.MaxInt64 || !p.InMempool || p.ModifiedFee == nil || *p.ModifiedFee != math.MaxInt64 {
		t.Fatalf("pooled: %+v", p)
	}
	var entry struct {
		Fees struct {
			Base     float64 `json:"base"`
			Modified float64 `json:"modified"`
		} `json:"fees"`
	}
	tn.mustCall(&entry, "getmempoolentry", id)
	if entry.Fees.Base != 0.0001 || entry.Fees.Modified <= 0 {
		t.Fatalf("getmempoolentry fees: %+v", entry.Fees)
	}
	// MinInt64 itself stays refused, as before.
	tn.wantError(-8, "fee_delta out of range", "prioritisetransaction", id, 0, int64(math.MinInt64))
}
