package blockchain

import (
	"math/rand"
	"testing"
	"time"

	"github.com/tern-org/ternd/wire"
)

// TestRandomBlockTree builds a random tree of blocks with spends on top of
// mature coinbases, submits them in random order (so many arrive as
// orphans and the chain reorganises back and forth), and checks the final
// UTXO set equals the one built from the winning branch alone.
func TestRandomBlockTree(t *testing.T) {
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewSource(seed))
	t.Logf("seed %d", seed)
	h := newHarness(t)
	h.quiet = true
	base := h.extend(110)
	spendable := base[:10] // coinbases mature for any block above 110

	type treeBlock struct {
		blk   *wire.MsgBlock
		node  *blockNode      // a detached node for building children
		spent map[int]bool    // base coinbases spent on this branch
		outs  []wire.OutPoint // outputs of this branch's spends, unspent
		vals  map[wire.OutPoint]int64
	}
	root := &treeBlock{node: h.tipNode(), spent: map[int]bool{}, vals: map[wire.OutPoint]int64{}}
	tree := []*treeBlock{root}
	var all []*wire.MsgBlock
	for i := 0; i < 80; i++ {
		parent := tree[len(tree)-1-rng.Intn(min(len(tree), 6))]
		spent := make(map[int]bool, len(parent.spent))
		for k := range parent.spent {
			spent[k] = true
		}
		outs := append([]wire.OutPoint(nil), parent.outs...)
		vals := make(map[wire.OutPoint]int64, len(parent.vals))
		for k, v := range parent.vals {
			vals[k] = v
		}
		var txs []*wire.MsgTx
		var fees int64
		if k := rng.Intn(len(spendable)); !spent[k] && rng.Intn(2) == 0 {
			spent[k] = true
			tx := spendTx([]wire.OutPoint{coinbaseOut(spendable[k])}, 50*SatoshiPerBitcoin, 1000, 2)
			fees += 1000
			txs = append(txs, tx)
			for o := range tx.TxOut {
				op := wire.OutPoint{Hash: tx.TxHash(), Index: uint32(o)}
				outs = append(outs, op)
				vals[op] = tx.TxOut[o].Value
			}
		}
		if len(outs) > 0 && rng.Intn(2) == 0 {
			j := rng.Intn(len(outs))
			op := outs[j]
			outs = append(outs[:j], outs[j+1:]...)
			tx := spendTx([]wire.OutPoint{op}, vals[op], 100, 1)
			delete(vals, op)
			fees += 100
			txs = append(txs, tx)
			nop := wire.OutPoint{Hash: tx.TxHash()}
			outs = append(outs, nop)
			vals[nop] = tx.TxOut[0].Value
		}
		blk := h.makeBlock(parent.node, txs, blockOpts{fees: fees, timeDelta: int64(590 + rng.Intn(20))})
		tb := &treeBlock{blk: blk, node: newBlockNode(&blk.Header, parent.node), spent: spent, outs: outs, vals: vals}
		tree = append(tree, tb)
		all = append(all, blk)
	}
	// Submit in creation order (many reorganisations) to h, shuffled (many
	// orphans) to h2; both must end on the same valid state.
	h.quiet = false
	h2 := newHarness(t)
	h2.quiet = true
	for _, blk := range base {
		h2.mustProcess(blk)
	}
	shuffled := append([]*wire.MsgBlock(nil), all...)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	orphans := 0
	for i := range all {
		if _, _, err := h.chain.ProcessBlock(all[i], BFNone); err != nil {
			t.Fatalf("block %s: %v", all[i].BlockHash(), err)
		}
		_, orphan, err := h2.chain.ProcessBlock(shuffled[i], BFNone)
		if err != nil {
			t.Fatalf("shuffled block %s: %v", shuffled[i].BlockHash(), err)
		}
		if orphan {
			orphans++
		}
	}
	disconnects := 0
	for _, n := range h.notes {
		if n.Type == NTBlockDisconnected {
			disconnects++
		}
	}
	_, height := h.tip()
	t.Logf("%d blocks, tip height %d, %d tips; in order: %d disconnects; shuffled: %d orphans",
		len(all), height, len(h.chain.ChainTips()), disconnects, orphans)
	// Every block is stored and the tip has the most work.
	for _, tb := range tree[1:] {
		hash := tb.blk.BlockHash()
		if n := h.nodeOf(hash); n == nil || !n.status.HaveData() {
			t.Fatalf("block %s missing", hash)
		}
		if tb.node.height > height {
			t.Fatalf("block at height %d above the tip %d", tb.node.height, height)
		}
	}
	got2, err := h2.chain.UtxoSetStats()
	if err != nil {
		t.Fatal(err)
	}
	if _, h2height := h2.tip(); h2height != height {
		t.Fatalf("shuffled tip height %d, in-order %d", h2height, height)
	}
	got, err := h.chain.UtxoSetStats()
	if err != nil {
		t.Fatal(err)
	}
	fresh := newHarness(t)
	fresh.quiet = true
	for ht := int32(1); ht <= height; ht++ {
		hash, _ := h.chain.BlockHashByHeight(ht)
		blk, err := h.chain.BlockByHash(hash)
		if err != nil {
			t.Fatal(err)
		}
		fresh.mustProcess(blk)
	}
	want, _ := fresh.chain.UtxoSetStats()
	if got.SerializedHash != want.SerializedHash || got.TxOuts != want.TxOuts {
		t.Fatalf("utxo set %+v, rebuilt %+v", got, want)
	}
	// The shuffled chain may have picked another tip of equal work; its set
	// must match its own branch.
	fresh2 := newHarness(t)
	fresh2.quiet = true
	for ht := int32(1); ht <= height; ht++ {
		hash, _ := h2.chain.BlockHashByHeight(ht)
		blk, err := h2.chain.BlockByHash(hash)
		if err != nil {
			t.Fatal(err)
		}
		fresh2.mustProcess(blk)
	}
	if want2, _ := fresh2.chain.UtxoSetStats(); got2.SerializedHash != want2.SerializedHash {
		t.Fatalf("shuffled utxo set %+v, rebuilt %+v", got2, want2)
	}
	if err := h.chain.VerifyChain(0); err != nil {
		t.Fatal(err)
	}
}
