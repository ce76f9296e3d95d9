package netsync

import (
	"math/big"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/wire"
)

// servedBlocks sends p one getdata for hash (as MSG_WITNESS_BLOCK and as
// MSG_BLOCK) and returns how many block messages and notfound entries
// came back.
func servedBlocks(t *testing.T, h *harness, p *fakePeer, hash chainhash.Hash) (blocks, notFound int) {
	t.Helper()
	before := len(p.messages())
	gd := wire.NewMsgGetData()
	_ = gd.AddInvVect(wire.NewInvVect(wire.InvTypeWitnessBlock, &hash))
	_ = gd.AddInvVect(wire.NewInvVect(wire.InvTypeBlock, &hash))
	h.sm.HandleGetData(p, gd, nil)
	for _, m := range p.messages()[before:] {
		switch m := m.(type) {
		case *wire.MsgNotFound:
			notFound += len(m.InvList)
		default:
			if m.Command() == wire.CmdBlock {
				blocks++
			}
		}
	}
	return blocks, notFound
}

// TestServeBlockRequestAllowed checks Core's BlockRequestAllowed:
// active-chain blocks and recent fully-validated side blocks are
// served; a validated side block more than a month older than the best
// header, a stored block never validated, a block marked invalid and an
// unknown block are ignored, without notfound, as Core does.
func TestServeBlockRequestAllowed(t *testing.T) {
	h := newHarness(t, nil, nil)
	now := time.Now()
	// old: a chain of the past, connected first and then reorganised away
	// by recent, itself reorganised away by main. side: a lone block with
	// less work, stored (we asked for it) but never connected.
	old := buildChain(t, 2, now.Add(-60*24*time.Hour), nil)
	recent := buildChain(t, 3, now.Add(-3*time.Hour), nil)
	main := buildChain(t, 4, now.Add(-2*time.Hour), nil)
	side := buildChain(t, 1, now.Add(-100*time.Minute), nil)
	h.processAll(old, 2)
	h.processAll(recent, 3)
	h.processAll(main, 4)
	h.processAll(side, 1)
	invalid := main.blocks[4].BlockHash()
	if err := h.chain.InvalidateBlock(&invalid); err != nil {
		t.Fatal(err)
	}
	p := newFakePeer(t, h.sm, 1, nil)

	tests := []struct {
		name  string
		hash  chainhash.Hash
		serve bool
		// want is the index status that makes the case meaningful.
		want func(*blockchain.BlockInfo) bool
	}{
		{"genesis (active chain, years old)", main.blocks[0].BlockHash(), true,
			func(i *blockchain.BlockInfo) bool { return i.InMainChain }},
		{"active chain", main.blocks[2].BlockHash(), true,
			func(i *blockchain.BlockInfo) bool { return i.InMainChain }},
		{"recent valid side block", recent.blocks[2].BlockHash(), true,
			func(i *blockchain.BlockInfo) bool { return !i.InMainChain && i.Status.Valid }},
		{"valid side block older than the limit", old.blocks[1].BlockHash(), false,
			func(i *blockchain.BlockInfo) bool { return !i.InMainChain && i.Status.Valid }},
		{"stored, never validated", side.blocks[1].BlockHash(), false,
			func(i *blockchain.BlockInfo) bool {
				return !i.InMainChain && i.Status.HaveData && !i.Status.Valid && !i.Status.Invalid
			}},
		{"invalidated (was valid)", invalid, false,
			func(i *blockchain.BlockInfo) bool {
				return !i.InMainChain && i.Status.HaveData && i.Status.Invalid
			}},
		{"unknown", chainhash.Hash{0x42}, false, nil},
	}
	for _, tc := range tests {
		if tc.want != nil {
			info, err := h.chain.BlockInfoByHash(&tc.hash)
			if err != nil || !tc.want(info) {
				t.Fatalf("%s: setup: status %+v, main %v (%v)", tc.name, info.Status, info.InMainChain, err)
			}
		}
		blocks, nf := servedBlocks(t, h, p, tc.hash)
		if nf != 0 {
			t.Errorf("%s: %d notfound entries, want none (Core ignores block requests)", tc.name, nf)
		}
		if want := map[bool]int{true: 2, false: 0}[tc.serve]; blocks != want {
			t.Errorf("%s: %d blocks served, want %d", tc.name, blocks, want)
		}
	}
	t.Logf("%d cases", len(tests))
}

// TestServeBlockProofTimeLimit: a validated side block whose work lags the
// best header by more than a month of block intervals is not served even
// when its timestamp is recent (Core's GetBlockProofEquivalentTime test).
// The spacing is stretched to 11 days so three blocks make 33 days.
func TestServeBlockProofTimeLimit(t *testing.T) {
	for _, tc := range []struct {
		name    string
		spacing time.Duration
		serve   bool
	}{
		{"regtest spacing", 0, true},
		{"11-day spacing", 11 * 24 * time.Hour, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			params := chaincfg.RegressionNetParams
			if tc.spacing > 0 {
				params.TargetTimePerBlock = tc.spacing
				params.TargetTimespan = 2016 * tc.spacing
			}
			h := newHarnessParams(t, &params, nil, nil)
			now := time.Now()
			fork := buildChain(t, 1, now.Add(-3*time.Hour), nil)
			main := buildChain(t, 4, now.Add(-2*time.Hour), nil)
			h.processAll(fork, 1)
			h.processAll(main, 4)
			p := newFakePeer(t, h.sm, 1, nil)
			blocks, _ := servedBlocks(t, h, p, fork.blocks[1].BlockHash())
			if got := blocks > 0; got != tc.serve {
				t.Fatalf("served %v, want %v", got, tc.serve)
			}
		})
	}
}

// TestProofEquivalentTime checks the work-to-time conversion.
func TestProofEquivalentTime(t *testing.T) {
	bits := chaincfg.RegressionNetParams.PowLimitBits
	one := standalone.CalcWork(bits)
	times := func(n int64) *big.Int { return new(big.Int).Mul(one, big.NewInt(n)) }
	huge := new(big.Int).Lsh(one, 200)
	tests := []struct {
		name     string
		to, from *big.Int
		want     time.Duration
	}{
		{"equal", times(5), times(5), 0},
		{"two blocks ahead", times(7), times(5), 20 * time.Minute},
		{"behind", times(5), times(8), -30 * time.Minute},
		{"saturates", huge, times(1), time.Duration(1<<63 - 1).Truncate(time.Second)},
		{"nil work", nil, times(1), 0},
	}
	for _, tc := range tests {
		if got := proofEquivalentTime(tc.to, tc.from, bits, 10*time.Minute); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	t.Logf("%d cases", len(tests))
}
