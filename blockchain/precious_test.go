package blockchain

import (
	"errors"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// TestPreciousBlock builds two tips of equal work, A (first, so the tip)
// and B, and checks that preciousblock moves to B, back to A, that a
// block with less work changes nothing, that the marks reset once the
// chain grows, and an unknown block's error.
func TestPreciousBlock(t *testing.T) {
	h := newHarness(t)
	base := h.extend(2)
	parent := h.nodeOf(base[1].BlockHash())
	a := h.makeBlock(parent, nil, blockOpts{})
	h.mustProcess(a)
	b := h.makeBlock(parent, nil, blockOpts{})
	if h.mustProcess(b) {
		t.Fatal("equal-work block B became the tip")
	}
	aHash, bHash := a.BlockHash(), b.BlockHash()
	tipIs := func(want chainhash.Hash, step string) {
		t.Helper()
		if got, _ := h.tip(); got != want {
			t.Fatalf("%s: tip %v, want %v", step, got, want)
		}
	}
	tipIs(aHash, "start")
	if err := h.chain.PreciousBlock(&bHash); err != nil {
		t.Fatal(err)
	}
	tipIs(bHash, "precious B")
	if err := h.chain.PreciousBlock(&aHash); err != nil {
		t.Fatal(err)
	}
	tipIs(aHash, "precious A")
	baseHash := base[0].BlockHash()
	if err := h.chain.PreciousBlock(&baseHash); err != nil {
		t.Fatal(err)
	}
	tipIs(aHash, "precious ancestor")

	// B's child makes B's branch the best; a new tie at the new height is
	// decided by a fresh mark.
	c := h.makeBlock(h.nodeOf(bHash), nil, blockOpts{})
	h.mustProcess(c)
	d := h.makeBlock(h.nodeOf(aHash), nil, blockOpts{})
	h.mustProcess(d)
	cHash, dHash := c.BlockHash(), d.BlockHash()
	tipIs(cHash, "after growth")
	if err := h.chain.PreciousBlock(&dHash); err != nil {
		t.Fatal(err)
	}
	tipIs(dHash, "precious D")

	unknown := chainhash.Hash{1}
	if err := h.chain.PreciousBlock(&unknown); !errors.Is(err, ErrBlockNotFound) {
		t.Fatalf("unknown block: %v", err)
	}
}
