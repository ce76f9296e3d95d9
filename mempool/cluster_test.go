package mempool

import (
	"math/rand"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

func TestClusterChunks(t *testing.T) {
	h := newHarness(t, nil)
	coins := h.fund(2, 1000000, 10, false)
	// Poor parent, rich child: one chunk. An unrelated tx is its own cluster.
	p := h.tx(coins[0:1], 899900, 100000)
	h.mustAccept(p)
	c := h.tx(outs(p)[0:1], 889900)
	h.mustAccept(c)
	lone := h.tx(coins[1:2], 999000)
	h.mustAccept(lone)
	pid := p.TxHash()
	info, ok := h.pool.Cluster(&pid)
	if !ok || len(info.Txids) != 2 || len(info.Chunks) != 1 || info.Chunks[0].Fee != 10100 {
		t.Fatalf("cluster %+v", info)
	}
	// A poor grandchild-free sibling forms a second, lower chunk.
	sib := h.tx(outs(p)[1:2], 99950)
	h.mustAccept(sib)
	info, _ = h.pool.Cluster(&pid)
	if len(info.Chunks) != 2 || info.Chunks[1].Txids[0] != sib.TxHash() {
		t.Fatalf("chunks %+v", info.Chunks)
	}

	// Random clusters: every order is topological and chunk rates never rise.
	rng := rand.New(rand.NewSource(5))
	h2 := newHarness(t, nil)
	avail := h2.fund(4, 1000000, 10, false)
	for i := 0; i < 60; i++ {
		k := rng.Intn(len(avail))
		in := avail[k]
		avail = append(avail[:k], avail[k+1:]...)
		fee := int64(100 + rng.Intn(3000))
		tx := h2.tx([]spendable{in}, (in.amount-fee)/2, (in.amount-fee)/2)
		if _, _, err := h2.pool.ProcessTransaction(tx, false, 0); err == nil {
			avail = append(avail, outs(tx)...)
		}
	}
	checked := 0
	for _, id := range h2.pool.TxHashes() {
		info, _ := h2.pool.Cluster(&id)
		pos := map[chainhash.Hash]int{}
		for i, x := range info.Txids {
			pos[x] = i
		}
		for _, x := range info.Txids {
			tx, _ := h2.pool.FetchTransaction(&x)
			for _, in := range tx.TxIn {
				if j, ok := pos[in.PreviousOutPoint.Hash]; ok && j > pos[x] {
					t.Fatal("parent after child")
				}
			}
		}
		for i := 1; i < len(info.Chunks); i++ {
			if l, _ := lessRate(info.Chunks[i-1].Fee, info.Chunks[i-1].VSize,
				info.Chunks[i].Fee, info.Chunks[i].VSize); l {
				t.Fatal("chunk fee rates rise")
			}
		}
		checked++
	}
	h2.checkInvariants()
	t.Logf("clusters of %d transactions checked", checked)
}

// TestChunkFiguresAndDiagram: TxDesc carries its chunk's figures, Cluster
// its chunks' sigop-adjusted weights, FeeRateDiagram the pool's chunks
// best first from (0, 0), MiningChunks the same chunks with their
// transactions, and Info whether every cluster is optimally linearized.
func TestChunkFiguresAndDiagram(t *testing.T) {
	h := newHarness(t, nil)
	coins := h.fund(2, 1000000, 10, false)
	p := h.tx(coins[0:1], 1000000-100) // 100 sat
	h.mustAccept(p)
	c := h.tx(outs(p), outs(p)[0].amount-9900) // pays for its parent
	h.mustAccept(c)
	lone := h.tx(coins[1:2], 1000000-2000)
	h.mustAccept(lone)

	d, _ := h.pool.TxDesc(ptr(p.TxHash()))
	if d.ChunkFee != 10000 || d.ChunkSize != p.VSize()+c.VSize() ||
		d.ChunkWeight != p.Weight()+c.Weight() {
		t.Fatalf("parent's chunk %d sat %d vB %d WU", d.ChunkFee, d.ChunkSize, d.ChunkWeight)
	}
	info, _ := h.pool.Cluster(ptr(c.TxHash()))
	if info.Weight != p.Weight()+c.Weight() || len(info.Chunks) != 1 || info.Chunks[0].Weight != info.Weight {
		t.Fatalf("cluster %+v", info)
	}
	diag := h.pool.FeeRateDiagram()
	want := []DiagramPoint{{0, 0}, {p.Weight() + c.Weight(), 10000},
		{p.Weight() + c.Weight() + lone.Weight(), 12000}}
	if len(diag) != len(want) {
		t.Fatalf("diagram %v, want %v", diag, want)
	}
	for i := range want {
		if diag[i] != want[i] {
			t.Fatalf("diagram %v, want %v", diag, want)
		}
	}
	mc := h.pool.MiningChunks()
	if len(mc) != 2 || len(mc[0].Txs) != 2 || mc[0].Txs[0].TxHash != p.TxHash() ||
		mc[0].Txs[1].Depends[0] != p.TxHash() || mc[1].Txs[0].TxHash != lone.TxHash() {
		t.Fatalf("mining chunks %+v", mc)
	}
	if !h.pool.Info().Optimal {
		t.Fatal("small clusters not reported optimal")
	}
	// A chain longer than the exact search is not known optimal.
	prev := outs(lone)
	for i := 0; i <= exactLinearizeMax; i++ {
		tx := h.tx(prev, prev[0].amount-1000)
		h.mustAccept(tx)
		prev = outs(tx)
	}
	if h.pool.Info().Optimal {
		t.Fatal("a cluster of 16 reported optimal")
	}
	h.checkInvariants()
}

// TestDirtyListBounded: with nothing reading linearizations, clusters
// merged away or emptied do not pile up in the list of clusters awaiting
// linearization, and the pool stays consistent.
func TestDirtyListBounded(t *testing.T) {
	h := newHarness(t, nil)
	coins := h.fund(3000, 100000, 10, false)
	for i := range coins {
		tx := h.tx(coins[i:i+1], 99000)
		h.mustAccept(tx)
		h.pool.RemoveTransaction(ptr(tx.TxHash()), true)
	}
	h.pool.mtx.RLock()
	n := len(h.pool.dirty)
	h.pool.mtx.RUnlock()
	if n > 1024+2 {
		t.Fatalf("%d clusters listed for an empty pool", n)
	}
	h.checkInvariants()
}
