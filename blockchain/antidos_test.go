package blockchain

import (
	"errors"
	"math/big"
	"testing"

	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/wire"
)

// sideHeaders makes n headers of a branch on parent (not processed).
func sideHeaders(h *testHarness, parent *blockNode, n int) []*wire.BlockHeader {
	var out []*wire.BlockHeader
	for i := 0; i < n; i++ {
		blk := h.makeBlock(parent, nil, blockOpts{timeDelta: 601})
		out = append(out, &blk.Header)
		parent = newBlockNode(&blk.Header, parent)
	}
	return out
}

// TestProcessBlockHeadersAntiDoS checks the low-work headers defence: a
// branch forking far below the tip is refused and not indexed, one forking
// within the 144-block buffer is stored, known headers pass, and
// Config.MinimumChainWork raises the threshold.
func TestProcessBlockHeadersAntiDoS(t *testing.T) {
	h := newHarness(t)
	blocks := h.extend(200)
	w := standalone.CalcWork(h.params.PowLimitBits)
	want := new(big.Int).Mul(w, big.NewInt(201-144))
	if got := h.chain.AntiDoSWorkThreshold(); got.Cmp(want) != 0 {
		t.Fatalf("threshold %v, want %v", got, want)
	}
	genesis := h.nodeOf(*h.params.GenesisHash)
	near := h.nodeOf(blocks[149].BlockHash()) // height 150
	tests := []struct {
		name    string
		headers []*wire.BlockHeader
		wantN   int
		wantErr error
	}{
		{"fork at genesis", sideHeaders(h, genesis, 10), 0, ErrLowWorkHeaders},
		{"fork near the tip", sideHeaders(h, near, 10), 10, nil},
		{"known main chain", []*wire.BlockHeader{&blocks[198].Header, &blocks[199].Header}, 2, nil},
		{"not continuous", skipOne(sideHeaders(h, near, 3)), 0, ErrPrevBlockNotFound},
		{"unknown parent", sideHeaders(h, genesis, 3)[1:], 0, ErrPrevBlockNotFound},
		{"empty", nil, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := h.chain.ProcessBlockHeadersAntiDoS(tc.headers)
			if n != tc.wantN || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("got %d, %v; want %d, %v", n, err, tc.wantN, tc.wantErr)
			}
			for i, hd := range tc.headers {
				stored := h.nodeOf(hd.BlockHash()) != nil
				if stored != (i < n) && tc.wantErr != ErrPrevBlockNotFound {
					t.Fatalf("header %d indexed: %v", i, stored)
				}
			}
		})
	}

	// A minimum chain work above the tip refuses even a fork at the tip.
	h.chain.minChainWork = new(big.Int).Mul(w, big.NewInt(1000))
	if got := h.chain.AntiDoSWorkThreshold(); got.Cmp(h.chain.minChainWork) != 0 {
		t.Fatalf("threshold %v with a minimum chain work", got)
	}
	hs := sideHeaders(h, h.tipNode(), 2)
	if _, err := h.chain.ProcessBlockHeadersAntiDoS(hs); !errors.Is(err, ErrLowWorkHeaders) {
		t.Fatalf("with a minimum chain work: %v", err)
	}
	if _, err := HeadersWork(hs, h.params.PowLimit); err != nil {
		t.Fatal(err)
	}
	bad := *hs[0]
	bad.Bits = 0x2300ffff // target above the limit
	if _, err := HeadersWork([]*wire.BlockHeader{&bad}, h.params.PowLimit); !errors.Is(err, ErrHighHash) {
		t.Fatalf("HeadersWork over the limit: %v", err)
	}
}

// skipOne drops the middle of three headers.
func skipOne(hs []*wire.BlockHeader) []*wire.BlockHeader {
	return []*wire.BlockHeader{hs[0], hs[2]}
}
