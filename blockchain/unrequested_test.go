package blockchain

import (
	"math/big"
	"testing"

	"github.com/tern-org/ternd/wire"
)

// TestUnrequestedBlock checks Core's AcceptBlock rules for blocks nobody
// asked for: one with less work than the tip, or too
// far ahead, or below MinimumChainWork is refused with ErrUnrequestedBlock
// and nothing of it is stored; one extending the tip, or a side block with
// as much work as the tip, is stored; without BFUnrequested nothing changes.
func TestUnrequestedBlock(t *testing.T) {
	h := newHarness(t)
	h.extend(20)
	genesis := h.nodeOf(*h.params.GenesisHash)

	// A side block on genesis: 19 blocks less work than the tip.
	bogus := spendTx([]wire.OutPoint{{Hash: [32]byte{9}, Index: 7}}, 1000, 0, 1)
	low := h.makeBlock(genesis, []*wire.MsgTx{bogus}, blockOpts{})
	lowHash := low.BlockHash()
	_, _, err := h.chain.ProcessBlock(low, BFUnrequested)
	expectKind(t, "low-work unrequested block", err, ErrUnrequestedBlock)
	if h.chain.HaveBlock(&lowHash) || h.chain.HaveHeader(&lowHash) {
		t.Fatal("low-work unrequested block (or its header) was stored")
	}
	if _, err := h.chain.BlockBytesByHash(&lowHash); err == nil {
		t.Fatal("low-work unrequested block is servable")
	}

	// A side block at the tip's height (same work as the tip) is kept.
	tip := h.tipNode()
	same := h.makeBlock(tip.parent, nil, blockOpts{timeDelta: 601})
	sameHash := same.BlockHash()
	if _, _, err := h.chain.ProcessBlock(same, BFUnrequested); err != nil {
		t.Fatalf("same-work unrequested block: %v", err)
	}
	if !h.chain.HaveBlock(&sameHash) {
		t.Fatal("same-work unrequested block not stored")
	}

	// A block extending the tip is accepted and becomes the tip.
	next := h.makeBlock(h.tipNode(), nil, blockOpts{})
	if isMain, _, err := h.chain.ProcessBlock(next, BFUnrequested); err != nil || !isMain {
		t.Fatalf("unrequested tip extension: main %v err %v", isMain, err)
	}

	// The same low-work block requested (BFNone) is still stored, as
	// before: a requested block is never refused for its work.
	if _, _, err := h.chain.ProcessBlock(low, BFNone); err != nil {
		t.Logf("requested low-work block: %v", err)
	}
	if !h.chain.HaveHeader(&lowHash) {
		t.Fatal("requested low-work block's header not indexed")
	}

	// Below MinimumChainWork even a tip extension is refused.
	h.chain.minChainWork = new(big.Int).Lsh(big.NewInt(1), 200)
	past := h.makeBlock(h.tipNode(), nil, blockOpts{})
	_, _, err = h.chain.ProcessBlock(past, BFUnrequested)
	expectKind(t, "below minimum chain work", err, ErrUnrequestedBlock)
	if got := h.chain.MinimumChainWork(); got == nil || got.Cmp(h.chain.minChainWork) != 0 {
		t.Fatalf("MinimumChainWork() = %v", got)
	}
	h.chain.minChainWork = nil
	if _, _, err := h.chain.ProcessBlock(past, BFUnrequested); err != nil {
		t.Fatalf("tip extension without minimum chain work: %v", err)
	}
}

// TestUnrequestedTooFarAhead checks fTooFarAhead: an unrequested block
// more than MinBlocksToKeep blocks past the tip (its headers known) is not
// stored.
func TestUnrequestedTooFarAhead(t *testing.T) {
	src := newHarness(t)
	blocks := src.extend(MinBlocksToKeep + 1)
	h := newHarness(t)
	headers := make([]*wire.BlockHeader, len(blocks))
	for i, b := range blocks {
		headers[i] = &b.Header
	}
	if _, err := h.chain.ProcessBlockHeaders(headers); err != nil {
		t.Fatalf("headers: %v", err)
	}
	last := blocks[len(blocks)-1]
	_, _, err := h.chain.ProcessBlock(last, BFUnrequested)
	expectKind(t, "too far ahead", err, ErrUnrequestedBlock)
	hash := last.BlockHash()
	if h.chain.HaveBlock(&hash) {
		t.Fatal("too-far-ahead unrequested block stored")
	}
	// One within reach is stored (held as data until its parents come).
	near := blocks[MinBlocksToKeep-1]
	if _, _, err := h.chain.ProcessBlock(near, BFUnrequested); err != nil {
		t.Fatalf("block %d ahead: %v", MinBlocksToKeep, err)
	}
}
