package mempool

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// feeSim drives a FeeEstimator the way the daemon does: transactions at
// chosen fee rates enter at the tip and are confirmed (or evicted) a
// chosen number of blocks later.
type feeSim struct {
	t       testing.TB
	fe      *FeeEstimator
	height  int32
	n       uint64
	confirm map[int32][]chainhash.Hash
	evict   map[int32][]chainhash.Hash
	pool    map[chainhash.Hash]bool
}

// newFeeSim returns a simulation whose estimator has seen block 100.
func newFeeSim(t testing.TB) *feeSim {
	s := &feeSim{t: t, fe: NewFeeEstimator(), height: 100,
		confirm: make(map[int32][]chainhash.Hash), evict: make(map[int32][]chainhash.Hash),
		pool: make(map[chainhash.Hash]bool)}
	s.fe.ProcessBlock(s.height, nil)
	return s
}

// desc returns a 1,000-vbyte transaction paying rate sat/kvB.
func (s *feeSim) desc(rate int64) *TxDesc {
	s.n++
	d := &TxDesc{Fee: rate, VSize: 1000, Height: s.height}
	binary.LittleEndian.PutUint64(d.TxHash[:], s.n)
	d.TxHash[31] = 0xfe
	return d
}

// add enters count transactions at rate that a block confirms after
// confirmIn blocks, or, when evictIn > 0, that leave the pool unconfirmed
// after evictIn blocks.
func (s *feeSim) add(count int, rate int64, confirmIn, evictIn int32) {
	for range count {
		d := s.desc(rate)
		s.fe.ProcessTransaction(d, s.height, true)
		s.pool[d.TxHash] = true
		if evictIn > 0 {
			s.evict[s.height+evictIn] = append(s.evict[s.height+evictIn], d.TxHash)
		} else {
			s.confirm[s.height+confirmIn] = append(s.confirm[s.height+confirmIn], d.TxHash)
		}
	}
}

// mine connects the next block: evicted transactions leave the pool
// (reported through RemoveMissing), then the block confirms its share.
func (s *feeSim) mine() {
	next := s.height + 1
	for _, h := range s.evict[next] {
		delete(s.pool, h)
	}
	delete(s.evict, next)
	s.fe.RemoveMissing(func(h *chainhash.Hash) bool { return s.pool[*h] })
	txids := s.confirm[next]
	delete(s.confirm, next)
	for _, h := range txids {
		delete(s.pool, h)
	}
	s.height = next
	s.fe.ProcessBlock(next, txids)
}

// mustEstimate returns the estimate for target or fails.
func (s *feeSim) mustEstimate(target int, conservative bool) (int64, int) {
	s.t.Helper()
	rate, blocks, err := s.fe.EstimateSmartFee(target, conservative)
	if err != nil {
		s.t.Fatalf("EstimateSmartFee(%d, %v): %v", target, conservative, err)
	}
	return rate, blocks
}

func TestFeeEstBuckets(t *testing.T) {
	bs := feeEstBuckets()
	if len(bs) != 237 {
		t.Fatalf("%d buckets, want 237", len(bs))
	}
	if bs[0] != FeeEstMinBucketFeeRate || bs[len(bs)-1] != feeEstInfFeeRate {
		t.Fatalf("bounds %v .. %v", bs[0], bs[len(bs)-1])
	}
	if last := bs[len(bs)-2]; last > FeeEstMaxBucketFeeRate || last*FeeEstSpacing <= FeeEstMaxBucketFeeRate {
		t.Fatalf("last finite bound %v", last)
	}
	fe := NewFeeEstimator()
	tests := []struct {
		rate float64
		want int
	}{
		{0, 0}, {99, 0}, {100, 0}, {100.5, 1}, {105, 1}, {bs[235], 235}, {bs[235] + 1, 236},
		{1e7, 236}, {1e300, 236},
	}
	for _, tc := range tests {
		if got := fe.bucketIndex(tc.rate); got != tc.want {
			t.Errorf("bucketIndex(%v) = %d, want %d", tc.rate, got, tc.want)
		}
	}
	if got := fe.HighestTarget(); got != 1008 {
		t.Errorf("HighestTarget = %d, want 1008", got)
	}
}

// TestFeeEstErrorKinds checks each estimator error kind through errors.Is.
func TestFeeEstErrorKinds(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.dat")
	if err := NewFeeEstimator().Save(good); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(good)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	upVersion := bytes.Clone(data)
	binary.LittleEndian.PutUint32(upVersion, feeEstClientVersion+1)
	stale := write("stale.dat", data)
	old := time.Now().Add(-FeeEstMaxFileAge - time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		run  func() error
		kind ErrorKind
	}{
		{"insufficient", func() error {
			_, _, err := NewFeeEstimator().EstimateSmartFee(6, false)
			return err
		}, ErrFeeEstimateInsufficient},
		{"target", func() error {
			_, _, err := NewFeeEstimator().EstimateSmartFee(1009, false)
			return err
		}, ErrFeeEstimateTarget},
		{"corrupt", func() error {
			return NewFeeEstimator().Load(write("short.dat", data[:30]))
		}, ErrFeeEstimatesCorrupt},
		{"version", func() error {
			return NewFeeEstimator().Load(write("up.dat", upVersion))
		}, ErrFeeEstimatesVersion},
		{"stale", func() error { return NewFeeEstimator().Load(stale) }, ErrFeeEstimatesStale},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if !errors.Is(err, tc.kind) {
				t.Fatalf("error %v, want kind %q", err, tc.kind)
			}
			if err.Error() == "" {
				t.Fatal("empty description")
			}
		})
	}
}

// TestFeeEstInsufficientData checks Core's answers before there is data.
func TestFeeEstInsufficientData(t *testing.T) {
	s := newFeeSim(t)
	// Three blocks: a span of two, so the usable target is 1.
	for range 3 {
		s.add(10, 50_000, 1, 0)
		s.mine()
	}
	tests := []struct {
		name       string
		fe         *FeeEstimator
		target     int
		kind       ErrorKind
		wantBlocks int
	}{
		{"fresh target 1", NewFeeEstimator(), 1, ErrFeeEstimateInsufficient, 0},
		{"fresh target 2", NewFeeEstimator(), 2, ErrFeeEstimateInsufficient, 0},
		{"fresh target 1008", NewFeeEstimator(), 1008, ErrFeeEstimateInsufficient, 0},
		{"target 0", NewFeeEstimator(), 0, ErrFeeEstimateTarget, 0},
		{"target -3", NewFeeEstimator(), -3, ErrFeeEstimateTarget, -3},
		{"target 1009", NewFeeEstimator(), 1009, ErrFeeEstimateTarget, 1009},
		{"short span", s.fe, 6, ErrFeeEstimateInsufficient, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, cons := range []bool{false, true} {
				rate, blocks, err := tc.fe.EstimateSmartFee(tc.target, cons)
				if !errors.Is(err, tc.kind) || rate != 0 || blocks != tc.wantBlocks {
					t.Fatalf("conservative %v: got (%d, %d, %v), want (0, %d, %q)",
						cons, rate, blocks, err, tc.wantBlocks, tc.kind)
				}
			}
		})
	}
	// Once the span reaches four blocks a target of 2 is answered.
	s.add(10, 50_000, 1, 0)
	s.mine()
	s.add(10, 50_000, 1, 0)
	s.mine()
	s.add(10, 50_000, 1, 0)
	s.mine()
	if rate, blocks := s.mustEstimate(6, false); blocks != 2 || rate != 50_000 {
		t.Fatalf("after 6 blocks: %d sat/kvB for %d blocks", rate, blocks)
	}
}

// TestFeeEstSimulation runs 200 blocks in which 50 sat/vB transactions
// confirm in the next block and 1 sat/vB ones ten blocks later: short
// targets need the high rate, targets of 20 and more the low one.
func TestFeeEstSimulation(t *testing.T) {
	s := newFeeSim(t)
	for range 200 {
		s.add(10, 50_000, 1, 0)
		s.add(10, 1_000, 10, 0)
		s.mine()
	}
	tests := []struct {
		target     int
		wantBlocks int
		lo, hi     int64
	}{
		{1, 2, 49_000, 51_000},
		{2, 2, 49_000, 51_000},
		{6, 6, 49_000, 51_000},
		{19, 19, 49_000, 51_000},
		{20, 20, 900, 1_100},
		{50, 50, 900, 1_100},
		{144, 99, 900, 1_100}, // max usable: (300-101)/2
		{1008, 99, 900, 1_100},
	}
	for _, tc := range tests {
		for _, cons := range []bool{false, true} {
			rate, blocks := s.mustEstimate(tc.target, cons)
			t.Logf("target %d conservative %v: %d sat/kvB for %d blocks", tc.target, cons, rate, blocks)
			if blocks != tc.wantBlocks || rate < tc.lo || rate > tc.hi {
				t.Errorf("target %d conservative %v: %d sat/kvB for %d blocks, want %d..%d for %d",
					tc.target, cons, rate, blocks, tc.lo, tc.hi, tc.wantBlocks)
			}
		}
	}
	// The floor is the pool's minimum fee.
	if rate, _, err := s.fe.EstimateSmartFeeFloor(20, false, 3_000); err != nil || rate != 3_000 {
		t.Errorf("floored estimate %d, %v; want 3000", rate, err)
	}
	if rate, _, err := s.fe.EstimateSmartFeeFloor(2, false, 3_000); err != nil || rate != 50_000 {
		t.Errorf("floored estimate %d, %v; want 50000", rate, err)
	}
	if n := s.fe.Tracked(); n != 90 {
		t.Errorf("%d tracked, want 90 (nine blocks of low-fee transactions)", n)
	}
}

// TestFeeEstFailures checks that transactions leaving the pool unconfirmed
// count against their bucket: half of the 5 sat/vB transactions confirm in
// the next block, the others are evicted after three.
func TestFeeEstFailures(t *testing.T) {
	tests := []struct {
		name    string
		evicted bool
		want    int64
	}{
		{"half evicted", true, 50_000},
		{"none evicted", false, 5_000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newFeeSim(t)
			for range 100 {
				s.add(10, 50_000, 1, 0)
				s.add(10, 5_000, 1, 0)
				if tc.evicted {
					s.add(10, 5_000, 0, 3)
				}
				s.mine()
			}
			for _, cons := range []bool{false, true} {
				if rate, _ := s.mustEstimate(2, cons); rate != tc.want {
					t.Errorf("conservative %v: %d sat/kvB, want %d", cons, rate, tc.want)
				}
			}
		})
	}
}

// TestFeeEstDecay checks the per-block decay of every horizon and that
// estimates adapt: old data stops counting after enough empty blocks.
func TestFeeEstDecay(t *testing.T) {
	tests := []struct {
		name  string
		stats func(*FeeEstimator) *txConfirmStats
		decay float64
	}{
		{"short", func(fe *FeeEstimator) *txConfirmStats { return fe.shortStats }, 0.962},
		{"medium", func(fe *FeeEstimator) *txConfirmStats { return fe.medStats }, 0.9952},
		{"long", func(fe *FeeEstimator) *txConfirmStats { return fe.longStats }, 0.99931},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newFeeSim(t)
			s.add(1, 20_000, 1, 0)
			s.mine()
			st := tc.stats(s.fe)
			b := s.fe.bucketIndex(20_000)
			if st.txCtAvg[b] != 1 || st.feeRateAvg[b] != 20_000 || st.confAvg[0][b] != 1 {
				t.Fatalf("after one block: count %v sum %v conf %v", st.txCtAvg[b], st.feeRateAvg[b], st.confAvg[0][b])
			}
			for range 100 {
				s.mine()
			}
			want := math.Pow(tc.decay, 100)
			for name, got := range map[string]float64{"count": st.txCtAvg[b],
				"sum": st.feeRateAvg[b] / 20_000, "conf": st.confAvg[len(st.confAvg)-1][b]} {
				if math.Abs(got-want) > 1e-12 {
					t.Errorf("%s after 100 blocks: %v, want %v", name, got, want)
				}
			}
		})
	}

	// Rising fees: 20 sat/vB confirmed next block, then only after six
	// blocks while 50 sat/vB takes its place; the estimate follows.
	s := newFeeSim(t)
	for range 200 {
		s.add(10, 20_000, 1, 0)
		s.add(10, 1_000, 10, 0)
		s.mine()
	}
	if rate, _ := s.mustEstimate(2, false); rate != 20_000 {
		t.Fatalf("before: %d", rate)
	}
	moved := -1
	for i := range 50 {
		s.add(10, 50_000, 1, 0)
		s.add(10, 20_000, 6, 0)
		s.add(10, 1_000, 10, 0)
		s.mine()
		if rate, _ := s.mustEstimate(2, false); rate == 50_000 && moved < 0 {
			moved = i + 1
		}
	}
	if moved < 0 {
		t.Fatal("estimate never moved to 50 sat/vB")
	}
	t.Logf("target 2 moved to 50 sat/vB after %d blocks", moved)

	// Without new transactions the short horizon runs out of data first
	// (its count 263 decays below 0.5/(1-0.962) after about 80 blocks)
	// and the medium one takes over; after many more blocks nothing is
	// left and the estimator says so.
	for range 20 { // let the pending ones confirm
		s.mine()
	}
	h := s.fe.bestSeenHeight
	if s.fe.shortStats.estimateMedianVal(s.fe.buckets, 2, feeEstSufficientTxsShort, 0.85, h) < 0 {
		t.Fatal("short horizon without data too soon")
	}
	for range 100 {
		s.mine()
	}
	h = s.fe.bestSeenHeight
	if v := s.fe.shortStats.estimateMedianVal(s.fe.buckets, 2, feeEstSufficientTxsShort, 0.85, h); v >= 0 {
		t.Fatalf("short horizon still answers %v", v)
	}
	if rate, _ := s.mustEstimate(2, false); rate != 50_000 {
		t.Fatalf("medium horizon fallback: %d", rate)
	}
	for range 12_000 {
		s.mine()
	}
	if _, _, err := s.fe.EstimateSmartFee(2, true); !errors.Is(err, ErrFeeEstimateInsufficient) {
		t.Fatalf("after 12,000 empty blocks: %v", err)
	}
}

// TestFeeEstTracking checks which transactions are tracked and how they
// are forgotten.
func TestFeeEstTracking(t *testing.T) {
	s := newFeeSim(t)
	parent := chainhash.Hash{1}
	tests := []struct {
		name   string
		mutate func(*TxDesc) (height int32, valid bool)
		track  bool
	}{
		{"valid", func(*TxDesc) (int32, bool) { return 100, true }, true},
		{"not valid", func(*TxDesc) (int32, bool) { return 100, false }, false},
		{"old height", func(*TxDesc) (int32, bool) { return 99, true }, false},
		{"future height", func(*TxDesc) (int32, bool) { return 101, true }, false},
		{"in-pool parent", func(d *TxDesc) (int32, bool) {
			d.Depends = []chainhash.Hash{parent}
			return 100, true
		}, false},
		{"zero vsize", func(d *TxDesc) (int32, bool) { d.VSize = 0; return 100, true }, false},
		{"negative fee", func(d *TxDesc) (int32, bool) { d.Fee = -5; return 100, true }, true},
		{"huge fee", func(d *TxDesc) (int32, bool) { d.Fee = math.MaxInt64; return 100, true }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := s.desc(1_000)
			h, valid := tc.mutate(d)
			before := s.fe.Tracked()
			s.fe.ProcessTransaction(d, h, valid)
			s.fe.ProcessTransaction(d, h, valid) // duplicates are ignored
			if got := s.fe.Tracked() - before; got != map[bool]int{true: 1, false: 0}[tc.track] {
				t.Fatalf("tracked %d", got)
			}
			if s.fe.RemoveTx(&d.TxHash) != tc.track || s.fe.RemoveTx(&d.TxHash) {
				t.Fatal("RemoveTx result")
			}
		})
	}
	s.fe.ProcessTransaction(nil, 100, true)

	// The bound.
	s.fe.SetMaxTracked(3)
	for range 5 {
		s.fe.ProcessTransaction(s.desc(1_000), 100, true)
	}
	if n := s.fe.Tracked(); n != 3 {
		t.Fatalf("tracked %d with a bound of 3", n)
	}
	s.fe.FlushUnconfirmed()
	if n := s.fe.Tracked(); n != 0 {
		t.Fatalf("tracked %d after flush", n)
	}
	s.fe.SetMaxTracked(DefaultFeeEstMaxTracked)

	// A reorg's block (height not above the best seen) only forgets
	// what it confirms, records nothing and keeps the best height.
	d := s.desc(7_000)
	s.fe.ProcessTransaction(d, 100, true)
	s.fe.ProcessBlock(101, nil)
	s.fe.ProcessBlock(101, []chainhash.Hash{d.TxHash})
	b := s.fe.bucketIndex(7_000)
	if s.fe.Tracked() != 0 || s.fe.shortStats.txCtAvg[b] != 0 || s.fe.BestSeenHeight() != 101 {
		t.Fatalf("reorg block: tracked %d, count %v, best %d",
			s.fe.Tracked(), s.fe.shortStats.txCtAvg[b], s.fe.BestSeenHeight())
	}

	// RemoveMissing keeps what the pool still holds and records failures.
	s.height = 101
	d1, d2 := s.desc(7_000), s.desc(7_000)
	s.fe.ProcessTransaction(d1, 101, true)
	s.fe.ProcessTransaction(d2, 101, true)
	s.fe.ProcessBlock(102, nil)
	s.fe.ProcessBlock(103, nil)
	n := s.fe.RemoveMissing(func(h *chainhash.Hash) bool { return *h == d1.TxHash })
	if n != 1 || s.fe.Tracked() != 1 {
		t.Fatalf("RemoveMissing removed %d, %d left", n, s.fe.Tracked())
	}
	if f := s.fe.shortStats.failAvg[1][b]; f != 1 {
		t.Fatalf("short failures within 2 blocks: %v", f)
	}
	if f := s.fe.shortStats.failAvg[2][b]; f != 0 {
		t.Fatalf("short failures within 3 blocks: %v", f)
	}
}

// TestFeeEstPool drives the estimator from a real pool (Config.FeeEstimator):
// learned on acceptance, confirmed or failed in RemoveForBlock.
func TestFeeEstPool(t *testing.T) {
	fe := NewFeeEstimator()
	h := newHarness(t, func(c *Config) { c.FeeEstimator = fe })
	fe.ProcessBlock(h.chain.height, nil)
	coins := h.fund(40, 1_000_000, 10, false)
	var txs []*wire.MsgTx
	for i := range 20 {
		// 1-in 1-out P2WPKH-like transactions paying 10,000 sat.
		txs = append(txs, h.tx(coins[i:i+1], 990_000))
		h.mustAccept(txs[i])
	}
	// A child of a pooled transaction is not tracked.
	child := h.tx([]spendable{{op: wire.OutPoint{Hash: txs[0].TxHash()}, amount: 990_000}}, 980_000)
	h.mustAccept(child)
	if n := fe.Tracked(); n != 20 {
		t.Fatalf("tracked %d, want 20", n)
	}
	// Block 201 confirms ten of them; ten others are removed.
	block := &wire.MsgBlock{Transactions: []*wire.MsgTx{h.tx(coins[39:40], 1)}}
	for _, tx := range txs[10:20] {
		block.Transactions = append(block.Transactions, tx)
	}
	for _, tx := range txs[1:5] {
		h.pool.RemoveTransaction(ptr(tx.TxHash()), true)
	}
	h.chain.height++
	h.pool.RemoveForBlock(block, h.chain.height)
	if n := fe.Tracked(); n != 6 {
		t.Fatalf("tracked %d after the block, want 6", n)
	}
	d, _ := h.pool.TxDesc(ptr(txs[5].TxHash()))
	rate := float64(d.Fee * 1000 / d.VSize)
	b := fe.bucketIndex(rate)
	if got := fe.shortStats.txCtAvg[b]; got != 10 {
		t.Fatalf("bucket of %v sat/kvB counts %v confirmed, want 10", rate, got)
	}
}

// TestFeeEstPoolRules checks which acceptances the pool lets its estimator
// track: those at the tip while the chain is current, not those while it
// is behind, nor transactions a disconnected block put back.
func TestFeeEstPoolRules(t *testing.T) {
	tests := []struct {
		name       string
		current    bool
		disconnect bool
		tracked    int
	}{
		{name: "current", current: true, tracked: 1},
		{name: "not current", current: false, tracked: 0},
		{name: "put back by a disconnect", current: true, disconnect: true, tracked: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fe := NewFeeEstimator()
			h := newHarness(t, func(c *Config) {
				c.FeeEstimator = fe
				c.IsCurrent = func() bool { return tc.current }
			})
			fe.ProcessBlock(h.chain.height, nil)
			tx := h.tx(h.fund(1, 1_000_000, 10, false), 990_000)
			if tc.disconnect {
				cb := wire.NewMsgTx(1)
				cb.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Index: wire.MaxPrevOutIndex}})
				cb.AddTxOut(&wire.TxOut{Value: 1, PkScript: p2wpkh(1)})
				if back := h.pool.AddBackForDisconnect(&wire.MsgBlock{
					Transactions: []*wire.MsgTx{cb, tx}}); len(back) != 1 {
					t.Fatalf("put back %d, want 1", len(back))
				}
			} else {
				h.mustAccept(tx)
			}
			if n := fe.Tracked(); n != tc.tracked {
				t.Fatalf("tracked %d, want %d", n, tc.tracked)
			}
		})
	}
}

// ptr returns a pointer to a copy of h.
func ptr(h chainhash.Hash) *chainhash.Hash { return &h }

// TestFeeEstSaveLoad checks that saved and loaded estimates agree for
// every target, and that a failed load leaves the estimator as it was.
func TestFeeEstSaveLoad(t *testing.T) {
	s := newFeeSim(t)
	for range 150 {
		s.add(10, 50_000, 1, 0)
		s.add(5, 12_000, 3, 0)
		s.add(10, 1_000, 10, 0)
		s.add(3, 5_000, 0, 4)
		s.mine()
	}
	s.fe.FlushUnconfirmed()
	path := filepath.Join(t.TempDir(), "fee_estimates.dat")
	if err := s.fe.Save(path); err != nil {
		t.Fatal(err)
	}
	loaded := NewFeeEstimator()
	if err := loaded.Load(path); err != nil {
		t.Fatal(err)
	}
	if loaded.BestSeenHeight() != s.fe.BestSeenHeight() {
		t.Fatalf("best height %d, want %d", loaded.BestSeenHeight(), s.fe.BestSeenHeight())
	}
	compare := func(a, b *FeeEstimator) int {
		t.Helper()
		answered := 0
		for target := 1; target <= 1008; target++ {
			for _, cons := range []bool{false, true} {
				r1, b1, e1 := a.EstimateSmartFee(target, cons)
				r2, b2, e2 := b.EstimateSmartFee(target, cons)
				if r1 != r2 || b1 != b2 || (e1 == nil) != (e2 == nil) {
					t.Fatalf("target %d conservative %v: (%d, %d, %v) vs (%d, %d, %v)",
						target, cons, r1, b1, e1, r2, b2, e2)
				}
				if e1 == nil {
					answered++
				}
			}
		}
		return answered
	}
	n := compare(s.fe, loaded)
	if n == 0 {
		t.Fatal("no target answered")
	}
	t.Logf("%d (target, mode) pairs agree", n)
	var b1, b2 bytes.Buffer
	if err := s.fe.Encode(&b1); err != nil {
		t.Fatal(err)
	}
	if err := loaded.Encode(&b2); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b1.Bytes(), b2.Bytes()) {
		t.Fatal("re-encoded file differs")
	}
	// A failed load changes nothing; no temporary files are left.
	if err := loaded.Decode(b1.Bytes()[:len(b1.Bytes())-1]); !errors.Is(err, ErrFeeEstimatesCorrupt) {
		t.Fatalf("truncated: %v", err)
	}
	compare(s.fe, loaded)
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Fatalf("%d files in the directory", len(ents))
	}
	// A missing file is reported as such.
	if err := loaded.Load(path + ".missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

// TestFeeEstLoadErrors checks that damaged files are refused with the
// right kind.
func TestFeeEstLoadErrors(t *testing.T) {
	s := newFeeSim(t)
	for range 30 {
		s.add(5, 50_000, 1, 0)
		s.mine()
	}
	var buf bytes.Buffer
	if err := s.fe.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	const medDecay = 20 + 1 + 237*8 // header, bucket count, buckets
	edit := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	putF := func(b []byte, off int, v float64) []byte {
		binary.LittleEndian.PutUint64(b[off:], math.Float64bits(v))
		return b
	}
	putU := func(b []byte, off int, v uint32) []byte {
		binary.LittleEndian.PutUint32(b[off:], v)
		return b
	}
	tests := []struct {
		name string
		data []byte
		kind ErrorKind
	}{
		{"empty", nil, ErrFeeEstimatesCorrupt},
		{"header only", good[:8], ErrFeeEstimatesCorrupt},
		{"up-version", edit(func(b []byte) []byte { return putU(b, 0, feeEstClientVersion+1) }), ErrFeeEstimatesVersion},
		{"old version", edit(func(b []byte) []byte { return putU(b, 0, 139900) }), ErrFeeEstimatesVersion},
		{"history after best", edit(func(b []byte) []byte { return putU(b, 16, 1<<20) }), ErrFeeEstimatesCorrupt},
		{"first after last", edit(func(b []byte) []byte { return putU(b, 12, 1<<20) }), ErrFeeEstimatesCorrupt},
		{"best above int32", edit(func(b []byte) []byte { return putU(b, 8, 1<<31) }), ErrFeeEstimatesCorrupt},
		{"one bucket", append(bytes.Clone(good[:20]), 1, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f), ErrFeeEstimatesCorrupt},
		{"unordered buckets", edit(func(b []byte) []byte { return putF(b, 21, 1e9) }), ErrFeeEstimatesCorrupt},
		{"NaN bucket", edit(func(b []byte) []byte { return putF(b, 29, math.NaN()) }), ErrFeeEstimatesCorrupt},
		{"decay 1", edit(func(b []byte) []byte { return putF(b, medDecay, 1) }), ErrFeeEstimatesCorrupt},
		{"decay NaN", edit(func(b []byte) []byte { return putF(b, medDecay, math.NaN()) }), ErrFeeEstimatesCorrupt},
		{"scale 0", edit(func(b []byte) []byte { return putU(b, medDecay+8, 0) }), ErrFeeEstimatesCorrupt},
		{"scale huge", edit(func(b []byte) []byte { return putU(b, medDecay+8, 100) }), ErrFeeEstimatesCorrupt},
		{"negative average", edit(func(b []byte) []byte { return putF(b, medDecay+13, -1) }), ErrFeeEstimatesCorrupt},
		{"infinite average", edit(func(b []byte) []byte { return putF(b, medDecay+13, math.Inf(1)) }), ErrFeeEstimatesCorrupt},
		{"wrong count", edit(func(b []byte) []byte { b[medDecay+12] = 236; return b }), ErrFeeEstimatesCorrupt},
		{"trailing byte", append(bytes.Clone(good), 0), ErrFeeEstimatesCorrupt},
		{"truncated", good[:len(good)-3], ErrFeeEstimatesCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fe := NewFeeEstimator()
			if err := fe.Decode(tc.data); !errors.Is(err, tc.kind) {
				t.Fatalf("error %v, want kind %q", err, tc.kind)
			}
		})
	}
	// Every prefix is refused without a panic.
	for n := 0; n < len(good); n += 1 + n/16 {
		if err := NewFeeEstimator().Decode(good[:n]); err == nil {
			t.Fatalf("prefix of %d bytes accepted", n)
		}
	}
	// A stale file is refused unless stale files are accepted.
	path := filepath.Join(t.TempDir(), "fee_estimates.dat")
	if err := s.fe.Save(path); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-FeeEstMaxFileAge - time.Minute)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	fe := NewFeeEstimator()
	if err := fe.Load(path); !errors.Is(err, ErrFeeEstimatesStale) {
		t.Fatalf("stale: %v", err)
	}
	if err := fe.LoadFile(path, true); err != nil {
		t.Fatalf("stale accepted: %v", err)
	}
}

// TestFeeEstConcurrent runs every entry point from several goroutines (for
// the race detector).
func TestFeeEstConcurrent(t *testing.T) {
	fe := NewFeeEstimator()
	fe.ProcessBlock(1, nil)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				var d TxDesc
				binary.LittleEndian.PutUint64(d.TxHash[:], uint64(g*1000+i))
				d.Fee, d.VSize = int64(1000+i*10), 200
				fe.ProcessTransaction(&d, fe.BestSeenHeight(), true)
				switch i % 4 {
				case 0:
					fe.EstimateSmartFee(2+i%10, i%8 == 0)
				case 1:
					fe.RemoveMissing(func(*chainhash.Hash) bool { return i%3 != 0 })
				case 2:
					if g == 0 {
						fe.ProcessBlock(int32(2+i), []chainhash.Hash{d.TxHash})
					}
				case 3:
					fe.Encode(&bytes.Buffer{})
				}
			}
		}()
	}
	wg.Wait()
}

// FuzzFeeEstimatorDecode checks that no input makes Decode panic and that
// accepted inputs re-encode to themselves.
func FuzzFeeEstimatorDecode(f *testing.F) {
	// Small valid files (four buckets, short horizons) keep the fuzzer
	// fast; one carries data from a short simulation.
	small := smallFeeEstFile()
	f.Add(small)
	f.Add(small[:len(small)/2])
	fe := NewFeeEstimator()
	if err := fe.Decode(small); err != nil {
		f.Fatal(err)
	}
	var n uint64
	for h := int32(6); h < 30; h++ {
		fe.ProcessBlock(h, nil)
		for i := range 4 {
			n++
			d := &TxDesc{Fee: int64(50 + 400*i), VSize: 100}
			binary.LittleEndian.PutUint64(d.TxHash[:], n)
			fe.ProcessTransaction(d, h, true)
		}
		if h%3 == 0 {
			fe.FlushUnconfirmed()
		}
	}
	var buf bytes.Buffer
	fe.Encode(&buf)
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:20])
	f.Fuzz(func(t *testing.T, data []byte) {
		// Decode replaces all state, so skip NewFeeEstimator's tables.
		fe := &FeeEstimator{maxTracked: 10}
		if err := fe.Decode(data); err != nil {
			var e Error
			if !errors.As(err, &e) {
				t.Fatalf("error without a kind: %v", err)
			}
			return
		}
		var out bytes.Buffer
		if err := fe.Encode(&out); err != nil {
			t.Fatal(err)
		}
		// The written version and history range may be normalised.
		if len(out.Bytes()) != len(data) || !bytes.Equal(out.Bytes()[20:], data[20:]) {
			t.Fatal("accepted input does not re-encode")
		}
		for _, target := range []int{1, 2, 6, 25, 100, 1008} {
			fe.EstimateSmartFee(target, target%2 == 0)
		}
		fe.ProcessTransaction(&TxDesc{Fee: 1000, VSize: 100}, fe.BestSeenHeight(), true)
		fe.ProcessBlock(fe.BestSeenHeight()+1, nil)
		fe.FlushUnconfirmed()
	})
}

// smallFeeEstFile returns a valid fee estimates file with four buckets and
// horizons of 3x1, 3x2 and 2x6 blocks.
func smallFeeEstFile() []byte {
	b := binary.LittleEndian.AppendUint32(nil, feeEstFileVersionRequired)
	b = binary.LittleEndian.AppendUint32(b, feeEstClientVersion)
	b = binary.LittleEndian.AppendUint32(b, 5) // best seen
	b = binary.LittleEndian.AppendUint32(b, 1) // history first
	b = binary.LittleEndian.AppendUint32(b, 3) // history last
	vec := func(vals ...float64) {
		b = append(b, byte(len(vals)))
		for _, v := range vals {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
	}
	vec(100, 1000, 10_000, 1e99)
	for _, h := range []struct {
		decay          float64
		scale, periods int
	}{{0.99, 2, 3}, {0.9, 1, 3}, {0.999, 6, 2}} { // medium, short, long
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(h.decay))
		b = binary.LittleEndian.AppendUint32(b, uint32(h.scale))
		vec(0, 500, 20_000, 0)
		vec(0, 1, 2, 0)
		for range 2 {
			b = append(b, byte(h.periods))
			for range h.periods {
				vec(0, 1, 1, 0)
			}
		}
	}
	return b
}

// BenchmarkFeeEstProcessBlock measures a block confirming 3,000 tracked
// transactions (the tracking itself is outside the timer).
func BenchmarkFeeEstProcessBlock(b *testing.B) {
	s := newFeeSim(b)
	for range 50 { // some history
		s.add(100, 20_000, 1, 0)
		s.add(100, 2_000, 5, 0)
		s.mine()
	}
	descs := make([]*TxDesc, 3000)
	txids := make([]chainhash.Hash, 3000)
	for i := range descs {
		descs[i] = s.desc(int64(1000 + i*37))
		txids[i] = descs[i].TxHash
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		for _, d := range descs {
			s.fe.ProcessTransaction(d, s.height, true)
		}
		s.height++
		b.StartTimer()
		s.fe.ProcessBlock(s.height, txids)
	}
}

// BenchmarkFeeEstConnectBlock measures ConnectBlock for a block of 3,000
// tracked transactions while 10,000 others stay in the pool.
func BenchmarkFeeEstConnectBlock(b *testing.B) {
	s := newFeeSim(b)
	s.add(10_000, 3_000, 1_000_000, 0)
	descs := make([]*TxDesc, 3000)
	txids := make([]chainhash.Hash, 3000)
	for i := range descs {
		descs[i] = s.desc(int64(1000 + i*37))
		txids[i] = descs[i].TxHash
	}
	inPool := func(h *chainhash.Hash) bool { return s.pool[*h] }
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		for _, d := range descs {
			s.fe.ProcessTransaction(d, s.height, true)
		}
		s.height++
		b.StartTimer()
		s.fe.ConnectBlock(s.height, txids, inPool)
	}
	b.StopTimer()
	if n := s.fe.Tracked(); n != 10_000 {
		b.Fatalf("tracked %d", n)
	}
}

// BenchmarkFeeEstEmptyBlock measures a block with no tracked transactions
// (every block during initial sync): the decay of all three horizons.
func BenchmarkFeeEstEmptyBlock(b *testing.B) {
	s := newFeeSim(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s.height++
		s.fe.ProcessBlock(s.height, nil)
	}
}

// BenchmarkFeeEstEstimateSmartFee measures one conservative estimate with
// a full history.
func BenchmarkFeeEstEstimateSmartFee(b *testing.B) {
	s := newFeeSim(b)
	for range 300 {
		s.add(20, 20_000, 1, 0)
		s.add(20, 2_000, 5, 0)
		s.mine()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, _, err := s.fe.EstimateSmartFee(6, true); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFeeEstProcessTransaction measures tracking one transaction.
func BenchmarkFeeEstProcessTransaction(b *testing.B) {
	s := newFeeSim(b)
	descs := make([]*TxDesc, b.N)
	for i := range descs {
		descs[i] = s.desc(int64(1000 + i%100_000))
	}
	s.fe.SetMaxTracked(b.N + 1)
	b.ReportAllocs()
	b.ResetTimer()
	for _, d := range descs {
		s.fe.ProcessTransaction(d, s.height, true)
	}
}

// ExampleFeeEstimator shows the calls the daemon makes: on accept, on
// each block connected, and the RPC's query with the pool's minimum fee.
func ExampleFeeEstimator() {
	fe := NewFeeEstimator()
	fe.ProcessBlock(1000, nil) // the estimator follows the tip
	pool := make(map[chainhash.Hash]bool)
	var n uint64
	for height := int32(1000); height < 1100; height++ {
		var confirmed []chainhash.Hash
		for range 20 {
			n++
			d := &TxDesc{Fee: 20_000, VSize: 1000, Height: height} // 20 sat/vB
			binary.LittleEndian.PutUint64(d.TxHash[:], n)
			fe.ProcessTransaction(d, height, true) // from the pool, on acceptance
			pool[d.TxHash] = true
			confirmed = append(confirmed, d.TxHash)
		}
		// Block height+1 confirms them (the pool's RemoveForBlock).
		for _, h := range confirmed {
			delete(pool, h)
		}
		fe.ConnectBlock(height+1, confirmed, func(h *chainhash.Hash) bool { return pool[*h] })
	}
	rate, blocks, err := fe.EstimateSmartFeeFloor(6, false, 1_000)
	fmt.Println(rate, blocks, err)
	// Output: 20000 6 <nil>
}
