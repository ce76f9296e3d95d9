package netsync

import (
	"testing"
	"time"

	"github.com/tern-org/ternd/wire"
)

// benchSync measures an in-process headers-first sync of rc from two
// peers, with real chain validation and storage, and reports blocks/s and
// tx/s.
func benchSync(b *testing.B, rc *remoteChain) {
	_, n := rc.tip()
	txs := 0
	for _, blk := range rc.blocks[1:] {
		txs += len(blk.Transactions)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		h := newHarness(b, nil, nil)
		p1, p2 := newFakePeer(b, h.sm, 1, rc), newFakePeer(b, h.sm, 2, rc)
		b.StartTimer()
		_ = h.sm.NewPeer(p1)
		_ = h.sm.NewPeer(p2)
		waitFor(b, "synced", func() bool { return h.height() == n })
	}
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(int(n)*b.N)/secs, "blocks/s")
	b.ReportMetric(float64(txs*b.N)/secs, "tx/s")
}

// BenchmarkSyncTwoPeers syncs 500 coinbase-only blocks: the manager's
// and the chain's per-block overhead.
func BenchmarkSyncTwoPeers(b *testing.B) {
	benchSync(b, buildChain(b, 500, time.Now().Add(-30*24*time.Hour), nil))
}

// BenchmarkSyncWithTxs syncs 300 blocks, the last 200 with 50
// transactions each spending the 50 outputs of the coinbase 100 blocks
// back (anyone-can-spend scripts, so the figure is sync and UTXO work
// rather than signature checks).
func BenchmarkSyncWithTxs(b *testing.B) {
	const outs = 50
	rc := buildChain(b, 0, time.Time{}, nil)
	start := time.Now().Add(-30 * 24 * time.Hour)
	rc.extend(b, 300, start, func(height int32, blk *wire.MsgBlock) {
		cb := blk.Transactions[0]
		value := cb.TxOut[0].Value / outs
		cb.TxOut = cb.TxOut[:0]
		for i := 0; i < outs; i++ {
			cb.AddTxOut(&wire.TxOut{Value: value, PkScript: opTrue})
		}
		if height <= 100 {
			return
		}
		src := rc.blocks[height-100].Transactions[0]
		srcHash := src.TxHash()
		for i := 0; i < outs; i++ {
			tx := wire.NewMsgTx(2)
			tx.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Hash: srcHash, Index: uint32(i)},
				Sequence: wire.MaxTxInSequenceNum})
			tx.AddTxOut(&wire.TxOut{Value: src.TxOut[i].Value, PkScript: opTrue})
			blk.Transactions = append(blk.Transactions, tx)
		}
	})
	benchSync(b, rc)
}

// sinkPeer discards what it is sent.
type sinkPeer struct{ fakePeer }

func (s *sinkPeer) QueueMessage(msg wire.Message, done chan<- struct{}) error {
	if done != nil {
		done <- struct{}{}
	}
	return nil
}

// BenchmarkServeBlocks serves 100 stored witness blocks per getdata.
func BenchmarkServeBlocks(b *testing.B) {
	rc := buildChain(b, 100, time.Now().Add(-2*time.Hour), nil)
	h := newHarness(b, nil, nil)
	h.processAll(rc, 100)
	gd := wire.NewMsgGetData()
	for i := 1; i <= 100; i++ {
		hash := rc.blocks[i].BlockHash()
		_ = gd.AddInvVect(wire.NewInvVect(wire.InvTypeWitnessBlock, &hash))
	}
	p := &sinkPeer{fakePeer{id: 1}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.sm.HandleGetData(p, gd, nil)
	}
	b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "blocks/s")
}
