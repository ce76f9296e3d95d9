package blockchain

import (
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/wire"
)

// TestGetDifficulty checks getdifficulty's figure at mainnet's limit (the
// compact encoding itself is standalone's, tested there).
func TestGetDifficulty(t *testing.T) {
	if d := GetDifficulty(0x1d00ffff); d != 1 {
		t.Errorf("difficulty %v", d)
	}
}

// syntheticChain returns nodes for heights [from, to] with the given
// timestamp and bits functions; the first node has no parent.
func syntheticChain(from, to int32, ts func(h int32) int64, bits func(h int32) uint32) *blockNode {
	var n *blockNode
	for h := from; h <= to; h++ {
		c := &blockNode{parent: n, height: h, timestamp: ts(h), bits: bits(h), workSum: new(big.Int)}
		n = c
	}
	return n
}

// TestRetarget checks mainnet retargets against Core's pow_tests cases.
func TestRetarget(t *testing.T) {
	b := &BlockChain{params: &chaincfg.MainNetParams}
	tests := []struct {
		name      string
		lastH     int32
		lastTime  int64
		firstTime int64
		bits      uint32
		want      uint32
	}{
		{"get_next_work", 32255, 1262152739, 1261130161, 0x1d00ffff, 0x1d00d86a},
		{"pow_limit", 2015, 1233061996, 1231006505, 0x1d00ffff, 0x1d00ffff},
		{"lower_limit_actual", 68543, 1279297671, 1279008237, 0x1c05a3f4, 0x1c0168fd},
		{"upper_limit_actual", 46367, 1269211443, 1263163443, 0x1c387f6f, 0x1d00e1fd},
	}
	for _, tc := range tests {
		first := tc.lastH - 2015
		last := syntheticChain(first, tc.lastH, func(h int32) int64 {
			if h == first {
				return tc.firstTime
			}
			return tc.lastTime
		}, func(int32) uint32 { return tc.bits })
		if got := b.calcNextRequiredDifficulty(last, time.Unix(tc.lastTime+600, 0)); got != tc.want {
			t.Errorf("%s: %08x, want %08x", tc.name, got, tc.want)
		}
	}
	// Between retargets the bits stay.
	last := syntheticChain(100, 110, func(h int32) int64 { return int64(h) * 600 },
		func(int32) uint32 { return 0x1c05a3f4 })
	if got := b.calcNextRequiredDifficulty(last, time.Unix(1e9, 0)); got != 0x1c05a3f4 {
		t.Errorf("mid-period %08x", got)
	}
}

// TestTestnetMinDifficulty checks testnet's 20-minute rule and BIP94.
func TestTestnetMinDifficulty(t *testing.T) {
	p := chaincfg.TestNet3Params
	b := &BlockChain{params: &p}
	limit := p.PowLimitBits
	// Heights 2016..2020; 2019 and 2020 are min-difficulty blocks.
	last := syntheticChain(2016, 2020, func(h int32) int64 { return int64(h) * 600 },
		func(h int32) uint32 {
			if h >= 2019 {
				return limit
			}
			return 0x1c0fffff
		})
	if got := b.calcNextRequiredDifficulty(last, time.Unix(last.timestamp+20*60+1, 0)); got != limit {
		t.Errorf("late block: %08x", got)
	}
	if got := b.calcNextRequiredDifficulty(last, time.Unix(last.timestamp+20*60, 0)); got != 0x1c0fffff {
		t.Errorf("on-time block: %08x, want the last real difficulty", got)
	}

	// BIP94: a period whose last block is min-difficulty retargets from
	// the first block's bits; without BIP94 from the last's.
	p4 := chaincfg.TestNet4Params
	b4 := &BlockChain{params: &p4}
	// The period's last block is exactly two weeks after its first, so the
	// target is unchanged apart from its base.
	period := syntheticChain(0, 2015, func(h int32) int64 {
		if h == 2015 {
			return 1714777860 + 14*24*3600
		}
		return 1714777860 + int64(h)*600
	},
		func(h int32) uint32 {
			if h == 2015 {
				return p4.PowLimitBits
			}
			return 0x1c00ffff
		})
	if got := b4.calcNextRequiredDifficulty(period, time.Unix(period.timestamp+600, 0)); got != 0x1c00ffff {
		t.Errorf("BIP94 retarget %08x, want 0x1c00ffff", got)
	}
	p4.EnforceBIP94 = false
	if got := b4.calcNextRequiredDifficulty(period, time.Unix(period.timestamp+600, 0)); got != p4.PowLimitBits {
		t.Errorf("pre-BIP94 retarget %08x", got)
	}
	p4.EnforceBIP94 = true

	// The timewarp rule on the first block of a period.
	b4.timeSource = func() time.Time { return time.Unix(2e9, 0) }
	hdr := &wire.BlockHeader{Version: 4, Bits: 0x1c00ffff, Timestamp: time.Unix(period.timestamp-601, 0)}
	// Make the median time past low enough that only the timewarp rule
	// applies.
	for n := period.parent; n != nil && n.height > 2000; n = n.parent {
		n.timestamp = period.timestamp - 10000
	}
	if err := b4.checkBlockHeaderContext(hdr, period); !errors.Is(err, ErrTimewarpAttack) {
		t.Errorf("timewarp: %v", err)
	}
	hdr.Timestamp = time.Unix(period.timestamp-600, 0)
	if err := b4.checkBlockHeaderContext(hdr, period); err != nil {
		t.Errorf("600s earlier is allowed: %v", err)
	}
}

// TestRegtestNoRetarget checks regtest keeps its bits at a retarget height.
func TestRegtestNoRetarget(t *testing.T) {
	p := chaincfg.RegressionNetParams
	b := &BlockChain{params: &p}
	last := syntheticChain(0, 2015, func(h int32) int64 { return int64(h) }, func(int32) uint32 {
		return p.PowLimitBits
	})
	if got := b.calcNextRequiredDifficulty(last, time.Unix(5000, 0)); got != p.PowLimitBits {
		t.Errorf("regtest %08x", got)
	}
}

// TestBlockIndexHelpers checks Ancestor, the median time past, the chain
// view and the locator on a long synthetic chain.
func TestBlockIndexHelpers(t *testing.T) {
	p := chaincfg.RegressionNetParams
	var nodes []*blockNode
	var parent *blockNode
	for h := 0; h < 3000; h++ {
		hdr := wire.BlockHeader{Version: 4, Bits: p.PowLimitBits, Timestamp: time.Unix(int64(1e9+h*10), 0),
			Nonce: uint32(h)}
		if parent != nil {
			hdr.PrevBlock = parent.hash
		}
		n := newBlockNode(&hdr, parent)
		nodes = append(nodes, n)
		parent = n
	}
	tip := nodes[len(nodes)-1]
	for _, h := range []int32{0, 1, 2, 17, 1024, 2047, 2998, 2999} {
		if a := tip.Ancestor(h); a != nodes[h] {
			t.Fatalf("Ancestor(%d) wrong", h)
		}
	}
	if tip.Ancestor(3000) != nil || tip.Ancestor(-1) != nil {
		t.Fatal("out of range ancestor")
	}
	if mtp := tip.CalcPastMedianTime(); mtp != nodes[2994].timestamp {
		t.Fatalf("mtp %d", mtp)
	}
	var v chainView
	v.SetTip(tip)
	if v.Height() != 2999 || !v.Contains(nodes[5]) || v.FindFork(nodes[100]) != nodes[100] {
		t.Fatal("chain view")
	}
	v.SetTip(nodes[10])
	if v.Height() != 10 || v.Contains(nodes[11]) {
		t.Fatal("shrunk view")
	}
	v.SetTip(tip)
	if v.NodeByHeight(2000) != nodes[2000] {
		t.Fatal("regrown view")
	}
	loc := blockLocator(tip)
	if loc[0] != tip.hash || loc[len(loc)-1] != nodes[0].hash || len(loc) > 30 {
		t.Fatalf("locator of %d entries", len(loc))
	}
	// Index records round-trip.
	n := nodes[1234]
	n.status = statusHeaderValid | statusDataStored
	n.numTxns = 77
	r, err := decodeIndexRecord(encodeIndexRecord(n))
	if err != nil || r.height != 1234 || r.header.BlockHash() != n.hash || r.status != n.status ||
		r.numTxns != 77 {
		t.Fatalf("record round trip: %+v %v", r, err)
	}
	if _, err := decodeIndexRecord(make([]byte, 3)); !errors.Is(err, ErrCorruptDatabase) {
		t.Fatalf("short record: %v", err)
	}
}
