package mempool

import (
	"errors"
	"testing"
)

// TestProcessLocalTransactionMaxFee checks sendrawtransaction's fee cap in
// one acceptance: a fee at the cap is accepted, one above it is refused with
// ErrMaxFeeExceeded and leaves the pool unchanged, a rule or script failure
// is reported before the cap (as Core's test acceptance does), and a zero
// cap means none.
func TestProcessLocalTransactionMaxFee(t *testing.T) {
	h := newHarness(t, nil)
	coins := h.fund(6, 100000, 10, false)

	tests := []struct {
		name    string
		fee     int64
		maxFee  int64
		badSig  bool
		want    ErrorKind
		pooled  bool
		coinIdx int
	}{
		{name: "below cap", fee: 1000, maxFee: 2000, pooled: true, coinIdx: 0},
		{name: "at cap", fee: 2000, maxFee: 2000, pooled: true, coinIdx: 1},
		{name: "above cap", fee: 2001, maxFee: 2000, want: ErrMaxFeeExceeded, coinIdx: 2},
		{name: "no cap", fee: 90000, maxFee: 0, pooled: true, coinIdx: 3},
		{name: "script before cap", fee: 5000, maxFee: 2000, badSig: true,
			want: ErrScriptConsensus, coinIdx: 4},
		{name: "fee floor", fee: 1, maxFee: 2000, want: ErrMinRelayFee, coinIdx: 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tx := h.tx(coins[tc.coinIdx:tc.coinIdx+1], 100000-tc.fee)
			if tc.badSig {
				tx.TxIn[0].Witness = fakeWitness(0xde)
			}
			before := h.pool.Count()
			acc, err := h.pool.ProcessLocalTransaction(tx, tc.maxFee)
			if tc.want != "" {
				if !errors.Is(err, tc.want) {
					t.Fatalf("want %v, got %v", tc.want, err)
				}
				if acc != nil || h.pool.Count() != before {
					t.Fatal("a refused transaction changed the pool")
				}
				return
			}
			if err != nil || len(acc) != 1 {
				t.Fatalf("accept: %v", err)
			}
			txid := tx.TxHash()
			if tc.pooled != h.pool.IsTransactionInPool(&txid) {
				t.Fatalf("pooled %v", !tc.pooled)
			}
		})
	}
	err := func() error {
		tx := h.tx(coins[2:3], 100000-2001)
		_, err := h.pool.ProcessLocalTransaction(tx, 2000)
		return err
	}()
	if got := err.Error(); got != "max-fee-exceeded, 0.00002001 > 0.00002" {
		t.Fatalf("description %q", got)
	}
	h.checkInvariants()
}
