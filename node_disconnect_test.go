package main

import (
	"testing"

	"github.com/tern-org/ternd/wire"
)

// disconnectedBlock builds a block with a coinbase and one transaction
// whose output script is scriptLen bytes, tagged so each block differs.
func disconnectedBlock(tag byte, scriptLen int) *wire.MsgBlock {
	coinbase := wire.NewMsgTx(2)
	coinbase.AddTxIn(&wire.TxIn{SignatureScript: []byte{tag, 0}, Sequence: wire.MaxTxInSequenceNum})
	coinbase.AddTxOut(&wire.TxOut{Value: 50, PkScript: []byte{0x51}})
	spend := wire.NewMsgTx(2)
	spend.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Index: uint32(tag)}, Sequence: wire.MaxTxInSequenceNum})
	spend.AddTxOut(&wire.TxOut{Value: 1, PkScript: make([]byte, scriptLen)})
	return &wire.MsgBlock{Transactions: []*wire.MsgTx{coinbase, spend}}
}

// TestQueueDisconnectedBounded checks the disconnect pool's byte cap: the
// youngest blocks (disconnected first) are dropped, the oldest kept in
// order, the held size never passes the cap (coinbases not counted), and
// taking them starts the count again.
func TestQueueDisconnectedBounded(t *testing.T) {
	txSize := int64(disconnectedBlock(0, 300).Transactions[1].SerializeSize())
	tests := []struct {
		name     string
		blocks   int
		capTxs   int64 // the cap, in transactions of txSize
		wantKept []byte
	}{
		{"under the cap", 3, 5, []byte{0, 1, 2}},
		{"exactly at the cap", 5, 5, []byte{0, 1, 2, 3, 4}},
		{"youngest dropped", 8, 3, []byte{5, 6, 7}},
		{"cap below one block keeps the oldest", 4, 0, []byte{3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &node{discMax: tc.capTxs*txSize + txSize/2}
			if tc.capTxs == 0 {
				s.discMax = 1
			}
			for i := 0; i < tc.blocks; i++ {
				s.queueDisconnected(disconnectedBlock(byte(i), 300))
				if len(s.disconnected) > 1 && s.discBytes > s.discMax {
					t.Fatalf("after block %d: %d bytes held, cap %d", i, s.discBytes, s.discMax)
				}
			}
			if len(s.disconnected) != len(tc.wantKept) {
				t.Fatalf("kept %d blocks, want %d", len(s.disconnected), len(tc.wantKept))
			}
			for i, b := range s.disconnected {
				if got := b.Transactions[1].TxIn[0].PreviousOutPoint.Index; got != uint32(tc.wantKept[i]) {
					t.Errorf("kept[%d] is block %d, want %d", i, got, tc.wantKept[i])
				}
			}
			if want := int64(len(tc.wantKept)) * txSize; s.discBytes != want {
				t.Errorf("held bytes %d, want %d", s.discBytes, want)
			}
			if got := s.takeDisconnected(); len(got) != len(tc.wantKept) {
				t.Errorf("took %d blocks, want %d", len(got), len(tc.wantKept))
			}
			if len(s.disconnected) != 0 || s.discBytes != 0 {
				t.Errorf("after flush: %d blocks, %d bytes", len(s.disconnected), s.discBytes)
			}
		})
	}
}
