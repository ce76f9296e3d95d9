package mining

import (
	"math/rand"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// selectedFees returns the modified fees of a selection.
func selectedFees(res SelectResult) int64 {
	var f int64
	for _, d := range res.Txs {
		f += d.ModifiedFee()
	}
	return f
}

// checkParentsFirst fails unless every selected transaction's pooled
// parents were selected before it.
func checkParentsFirst(t *testing.T, res SelectResult) {
	t.Helper()
	pos := map[chainhash.Hash]int{}
	for i, d := range res.Txs {
		pos[d.TxHash] = i
	}
	for i, d := range res.Txs {
		for _, p := range d.Depends {
			if j, ok := pos[p]; !ok || j > i {
				t.Fatalf("%v selected before (or without) its parent", d.TxHash)
			}
		}
	}
}

// TestSelectChunksVsAncestorScore: from random pools a template collects
// at least the modified fees of Core's ancestor-score selection, every fee
// when the block has room for all, and keeps parents first; how often the
// chunk order alone wins or loses when a budget binds is logged.
func TestSelectChunksVsAncestorScore(t *testing.T) {
	rng := rand.New(rand.NewSource(31))
	more, less, limited := 0, 0, 0
	for c := 0; c < 600; c++ {
		n := 1 + rng.Intn(60)
		pool := testPool(randomPool(rng, n))
		opts := DefaultSelectOptions()
		opts.ReservedWeight, opts.ReservedSigOps, opts.MinFeeRate = 0, 0, 0
		if c%3 != 0 {
			opts.MaxWeight = int64(400 + rng.Intn(4*550*n))
		}
		best := selectBest(pool, opts)
		checkParentsFirst(t, best)
		anc := SelectTransactions(pool, opts)
		if modifiedFees(best.Txs) < modifiedFees(anc.Txs) {
			t.Fatalf("case %d: template fees %d below the ancestor-score %d", c,
				modifiedFees(best.Txs), modifiedFees(anc.Txs))
		}
		mc := pool.MiningChunks()
		chunks := SelectChunks(mc, opts)
		checkParentsFirst(t, chunks)
		if !chunks.Limited {
			// Room for all: every chunk down to the first paying less
			// than nothing (a negative prioritisation).
			want := 0
			for _, ch := range mc {
				if ch.Fee < 0 {
					break
				}
				want += len(ch.Txs)
			}
			if len(chunks.Txs) != want {
				t.Fatalf("case %d: %d of %d taken with room for all", c, len(chunks.Txs), want)
			}
			continue
		}
		limited++
		switch cf, af := modifiedFees(chunks.Txs), modifiedFees(anc.Txs); {
		case cf > af:
			more++
		case cf < af:
			less++
		}
	}
	t.Logf("of %d pools a budget bound, the chunk order alone collected more in %d, less in %d",
		limited, more, less)
}

// TestSelectChunksOptimalOrderSmall: on small random pools with room for
// everything, the template takes the chunks in the optimal order: every
// topologically closed set of the pool's transactions has its (size, fee)
// point on or below the template's cumulative fee-rate diagram (brute
// force over all subsets).
func TestSelectChunksOptimalOrderSmall(t *testing.T) {
	rng := rand.New(rand.NewSource(32))
	for c := 0; c < 300; c++ {
		n := 1 + rng.Intn(10)
		pool := testPool(randomPool(rng, n))
		sel := SelectChunks(pool.MiningChunks(), DefaultSelectOptions())
		// The diagram: the selected chunks in order.
		var segs [][2]int64 // fee, size
		for _, ch := range pool.MiningChunks() {
			if ch.Fee < 0 {
				break
			}
			segs = append(segs, [2]int64{ch.Fee, ch.VSize})
		}
		if len(sel.Txs) == 0 && len(segs) > 0 {
			t.Fatalf("case %d: nothing selected", c)
		}
		index := map[chainhash.Hash]int{}
		for i, d := range pool {
			index[d.TxHash] = i
		}
		for set := 1; set < 1<<n; set++ {
			closed := true
			var fee, size int64
			for i, d := range pool {
				if set&(1<<i) == 0 {
					continue
				}
				fee += d.ModifiedFee()
				size += d.VSize
				for _, p := range d.Depends {
					closed = closed && set&(1<<index[p]) != 0
				}
			}
			if closed && !onOrBelow(segs, size, fee) {
				t.Fatalf("case %d: closed set %b (%d sat, %d vB) above the template's diagram %v",
					c, set, fee, size, segs)
			}
		}
	}
}

// onOrBelow reports whether (size, fee) lies on or below the diagram of
// segs (flat past its end).
func onOrBelow(segs [][2]int64, size, fee int64) bool {
	var accF, accS int64
	for _, s := range segs {
		if size <= accS+s[1] {
			return (fee-accF)*s[1] <= s[0]*(size-accS)
		}
		accF, accS = accF+s[0], accS+s[1]
	}
	return fee <= accF
}
