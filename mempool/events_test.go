package mempool

import (
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// TestEvents checks the pool's sequence numbers and events through
// additions, a replacement (the replaced transaction and its child, parents
// first), a confirmation (a number, no event) and a block conflict, and the
// bound of the queue.
func TestEvents(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.EventQueue = 100 })
	if h.pool.EventSignal() == nil || h.pool.MempoolSequence() != 1 {
		t.Fatalf("fresh pool: signal %v, sequence %d", h.pool.EventSignal(), h.pool.MempoolSequence())
	}
	in := h.fund(2, 100000, 100, false)
	a := h.tx(in[:1], 90000)
	h.mustAccept(a)
	child := h.tx(outs(a), 80000)
	h.mustAccept(child)
	b := h.tx(in[1:], 90000)
	h.mustAccept(b)
	select {
	case <-h.pool.EventSignal():
	default:
		t.Fatal("no signal after additions")
	}
	a2 := h.tx(in[:1], 60000)
	h.mustAccept(a2)
	h.pool.RemoveForBlock(&wire.MsgBlock{Transactions: []*wire.MsgTx{wire.NewMsgTx(1), b}}, h.chain.height)
	conflict := h.tx(in[:1], 50000)
	h.pool.RemoveForBlock(&wire.MsgBlock{Transactions: []*wire.MsgTx{wire.NewMsgTx(1), conflict}}, h.chain.height)

	type want struct {
		added  bool
		txid   chainhash.Hash
		reason RemovalReason
		seq    uint64
	}
	wants := []want{
		{true, a.TxHash(), 0, 1},
		{true, child.TxHash(), 0, 2},
		{true, b.TxHash(), 0, 3},
		{false, a.TxHash(), RemovedReplaced, 4},
		{false, child.TxHash(), RemovedReplaced, 5},
		{true, a2.TxHash(), 0, 6},
		// 7: b confirmed, no event.
		{false, a2.TxHash(), RemovedConflict, 8},
	}
	events, lost := h.pool.TakeEvents()
	if lost != 0 || len(events) != len(wants) {
		t.Fatalf("got %d events (%d lost): %+v", len(events), lost, events)
	}
	for i, w := range wants {
		ev := events[i]
		if ev.Added != w.added || ev.Txid != w.txid || ev.Reason != w.reason || ev.Sequence != w.seq ||
			ev.Tx.TxHash() != w.txid {
			t.Fatalf("event %d: got %+v, want %+v", i, ev, w)
		}
	}
	ids, seq := h.pool.TxHashesAndSequence()
	if seq != 9 || len(ids) != 0 || h.pool.MempoolSequence() != 9 {
		t.Fatalf("after: %v, sequence %d", ids, seq)
	}
	if events, _ := h.pool.TakeEvents(); len(events) != 0 {
		t.Fatalf("events taken twice: %+v", events)
	}
}

// TestEventQueueBound checks that a full queue drops its oldest events and
// counts them, and that a pool without a queue still numbers its changes.
func TestEventQueueBound(t *testing.T) {
	tests := []struct {
		name      string
		queue     int
		wantSeqs  []uint64
		wantLost  uint64
		wantNoSig bool
	}{
		{"bounded", 2, []uint64{2, 3}, 1, false},
		{"off", 0, nil, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.EventQueue = tc.queue })
			for _, in := range h.fund(3, 100000, 100, false) {
				h.mustAccept(h.tx([]spendable{in}, 90000))
			}
			events, lost := h.pool.TakeEvents()
			var seqs []uint64
			for _, ev := range events {
				seqs = append(seqs, ev.Sequence)
			}
			if len(seqs) != len(tc.wantSeqs) || lost != tc.wantLost || h.pool.MempoolSequence() != 4 ||
				(h.pool.EventSignal() == nil) != tc.wantNoSig {
				t.Fatalf("sequences %v lost %d next %d", seqs, lost, h.pool.MempoolSequence())
			}
			for i := range seqs {
				if seqs[i] != tc.wantSeqs[i] {
					t.Fatalf("sequences %v, want %v", seqs, tc.wantSeqs)
				}
			}
		})
	}
}
