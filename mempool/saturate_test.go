package mempool

import (
	"math"
	"testing"
)

func TestSatAdd(t *testing.T) {
	cases := []struct {
		name    string
		a, b    int64
		add     int64
		sub     int64
		addSkip bool
	}{
		{"small", 5, 3, 8, 2, false},
		{"negative", -5, -3, -8, -2, false},
		{"max plus one", math.MaxInt64, 1, math.MaxInt64, math.MaxInt64 - 1, false},
		{"twice 9e18", 9e18, 9e18, math.MaxInt64, 0, false},
		{"min minus one", math.MinInt64, -1, math.MinInt64, math.MinInt64 + 1, false},
		{"twice -9e18", -9e18, -9e18, math.MinInt64, 0, false},
		{"max plus min", math.MaxInt64, math.MinInt64, -1, math.MaxInt64, false},
		{"zero minus min", 0, math.MinInt64, math.MinInt64, math.MaxInt64, false},
		{"min minus max", math.MinInt64, math.MaxInt64, -1, math.MinInt64, false},
	}
	for _, c := range cases {
		if got := satAdd(c.a, c.b); got != c.add {
			t.Errorf("%s: satAdd(%d, %d) = %d, want %d", c.name, c.a, c.b, got, c.add)
		}
		if got := satSub(c.a, c.b); got != c.sub {
			t.Errorf("%s: satSub(%d, %d) = %d, want %d", c.name, c.a, c.b, got, c.sub)
		}
	}
	t.Logf("%d cases", len(cases))
}

// TestPrioritiseSaturates checks that deltas and the fee
// totals they feed saturate (Core's SaturatingAdd) instead of wrapping.
func TestPrioritiseSaturates(t *testing.T) {
	cases := []struct {
		name   string
		deltas []int64
		want   int64 // the stored delta, 0 when removed
	}{
		{"twice 9e18", []int64{9e18, 9e18}, math.MaxInt64},
		{"twice -9e18", []int64{-9e18, -9e18}, math.MinInt64},
		{"saturated then back", []int64{9e18, 9e18, -9e18}, math.MaxInt64 - 9e18},
		{"cancel", []int64{5, -5}, 0},
		{"max then max", []int64{math.MaxInt64, math.MaxInt64}, math.MaxInt64},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, nil)
			coins := h.fund(1, 100000, 10, false)
			tx := h.tx(coins, 99000) // 1000 sat
			id := tx.TxHash()
			for _, d := range c.deltas {
				h.pool.PrioritiseTransaction(&id, d)
			}
			got, ok := h.pool.FeeDeltas()[id]
			if got != c.want || ok != (c.want != 0) {
				t.Fatalf("delta %d (present %v), want %d", got, ok, c.want)
			}
			// The same delta applied once the transaction is pooled: the
			// modified fee is the saturated sum of fee and delta.
			if c.want < 0 {
				return // a negative modified fee cannot enter the pool
			}
			d := h.mustAccept(tx)
			if d.FeeDelta != c.want || d.ModifiedFee() != satAdd(1000, c.want) {
				t.Fatalf("pooled delta %d modified %d", d.FeeDelta, d.ModifiedFee())
			}
			h.checkInvariants()
		})
	}
}

// TestPrioritiseHugeDeltaOrdering prioritises pooled transactions with
// deltas near the int64 limit: modified fees stay positive, a child of a
// saturated parent keeps a saturated (not wrapped) ancestor fee, and the
// orders stay right.
func TestPrioritiseHugeDeltaOrdering(t *testing.T) {
	h := newHarness(t, nil)
	coins := h.fund(3, 100000, 10, false)
	low := h.tx(coins[0:1], 99000) // 1000 sat
	mid := h.tx(coins[1:2], 98000) // 2000 sat
	sink := h.tx(coins[2:3], 97000)
	h.mustAccept(low)
	h.mustAccept(mid)
	h.mustAccept(sink)
	lowID, midID, sinkID := low.TxHash(), mid.TxHash(), sink.TxHash()

	// The case that used to fail: one delta of 9223372036854775000 on a tx paying
	// at least 808 sat used to wrap its modified fee negative.
	h.pool.PrioritiseTransaction(&lowID, 9223372036854775000)
	d, _ := h.pool.TxDesc(&lowID)
	if d.ModifiedFee() != math.MaxInt64 || d.AncestorFees != math.MaxInt64 ||
		d.DescendantFees != math.MaxInt64 {
		t.Fatalf("modified %d ancestor %d descendant %d", d.ModifiedFee(), d.AncestorFees,
			d.DescendantFees)
	}
	h.checkInvariants()

	// A child joins below the saturated parent.
	child := h.tx(outs(low), 98000) // 1000 sat
	h.mustAccept(child)
	childID := child.TxHash()
	cd, _ := h.pool.TxDesc(&childID)
	if cd.AncestorFees != math.MaxInt64 {
		t.Fatalf("child ancestor fees %d", cd.AncestorFees)
	}
	pd, _ := h.pool.TxDesc(&lowID)
	if pd.DescendantFees != math.MaxInt64 {
		t.Fatalf("parent descendant fees %d", pd.DescendantFees)
	}
	h.checkInvariants()

	// A huge negative delta sinks one transaction to the bottom without
	// touching the others.
	h.pool.PrioritiseTransaction(&sinkID, -9e18)
	h.pool.PrioritiseTransaction(&sinkID, -9e18)
	sd, _ := h.pool.TxDesc(&sinkID)
	if sd.ModifiedFee() != satAdd(3000, math.MinInt64) || sd.ModifiedFee() >= 0 {
		t.Fatalf("sink modified %d", sd.ModifiedFee())
	}
	h.checkInvariants()

	md := h.pool.MiningDescs()
	if md[0].TxHash != lowID || md[len(md)-1].TxHash != sinkID {
		t.Fatalf("mining order first %v last %v", md[0].TxHash, md[len(md)-1].TxHash)
	}
	var order []string
	h.pool.ByFeeRate(func(d *TxDesc) bool {
		switch d.TxHash {
		case lowID:
			order = append(order, "low")
		case midID:
			order = append(order, "mid")
		case sinkID:
			order = append(order, "sink")
		case childID:
			order = append(order, "child")
		}
		return true
	})
	if order[0] != "low" || order[len(order)-1] != "sink" {
		t.Fatalf("fee-rate order %v", order)
	}

	// Taking the deltas back out restores the plain fees.
	h.pool.PrioritiseTransaction(&lowID, -9223372036854775000)
	pd, _ = h.pool.TxDesc(&lowID)
	if pd.ModifiedFee() != 1000 {
		t.Fatalf("restored modified fee %d", pd.ModifiedFee())
	}
	h.checkInvariants()
}

func TestHasDust(t *testing.T) {
	for _, standard := range []bool{true, false} {
		h := newHarness(t, func(c *Config) {
			c.Policy.MinRelayTxFee = 0
			c.Policy.RequireStandard = standard
		})
		coins := h.fund(2, 100000, 10, false)
		dusty := h.tx(coins[:1], 99900, 100) // no fee, one dust output
		clean := h.tx(coins[1:], 99000)
		dh, ch := dusty.TxHash(), clean.TxHash()
		if h.pool.HasDust(&dh) {
			t.Fatal("dust reported for a transaction outside the pool")
		}
		h.mustAccept(dusty)
		h.mustAccept(clean)
		if h.pool.HasDust(&dh) != standard || h.pool.HasDust(&ch) {
			t.Fatalf("standard %v: dusty %v clean %v", standard, h.pool.HasDust(&dh), h.pool.HasDust(&ch))
		}
	}
}
