package netsync

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/internal/siphash"
	"github.com/tern-org/ternd/wire"
)

// TestShortIDs: short ids are the low 48 bits of SipHash-2-4 of the
// wtxid keyed by SHA256(header || nonce) (BIP152), the coinbase is
// prefilled, and the compact block survives the wire.
func TestShortIDs(t *testing.T) {
	blk := testBlock(t, 5)
	c := NewCompactBlock(blk, 42)
	if len(c.PrefilledTxs) != 1 || c.PrefilledTxs[0].Index != 0 || len(c.ShortIDs) != 5 {
		t.Fatalf("prefilled %d, short ids %d", len(c.PrefilledTxs), len(c.ShortIDs))
	}
	k0, k1 := ShortIDKeys(&blk.Header, 42)
	for i, tx := range blk.Transactions[1:] {
		w := tx.WitnessHash()
		if want := siphash.Hash(k0, k1, w[:]) & (1<<48 - 1); c.ShortIDs[i] != want {
			t.Fatalf("short id %d = %#x, want %#x", i, c.ShortIDs[i], want)
		}
	}
	if k2, _ := ShortIDKeys(&blk.Header, 43); k2 == k0 {
		t.Fatal("nonce does not change the keys")
	}
	var buf strings.Builder
	if err := c.BtcEncode(&buf, wire.ProtocolVersion, wire.WitnessEncoding); err != nil {
		t.Fatal(err)
	}
	var back wire.MsgCmpctBlock
	if err := back.BtcDecode(strings.NewReader(buf.String()), wire.ProtocolVersion, wire.WitnessEncoding); err != nil {
		t.Fatal(err)
	}
	pb, err := newPartialBlock(&back, sliceSource(blk.Transactions[1:]))
	if err != nil || len(pb.missing()) != 0 {
		t.Fatalf("round trip: %v, missing %v", err, pb.missing())
	}
}

// testBlock returns a block of a coinbase and n distinct transactions,
// its merkle root set (not solved: reconstruction checks only the root).
func testBlock(t testing.TB, n int) *wire.MsgBlock {
	t.Helper()
	rc := buildChain(t, 1, time.Unix(1700000000, 0), func(height int32, b *wire.MsgBlock) {
		for i := 0; i < n; i++ {
			tx := wire.NewMsgTx(2)
			tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: chainhash.Hash{byte(i), byte(i >> 8)}}, opTrue, nil))
			tx.AddTxOut(wire.NewTxOut(int64(i+1), opTrue))
			if i%2 == 0 {
				tx.TxIn[0].Witness = wire.TxWitness{{byte(i)}}
			}
			b.Transactions = append(b.Transactions, tx)
		}
	})
	blk, _ := rc.tip()
	return blk
}

// sliceSource is a ReconstructionSource over a list of transactions.
type sliceSource []*wire.MsgTx

func (s sliceSource) ForEachReconstructionTx(fn func(*chainhash.Hash, *wire.MsgTx) bool) {
	for _, tx := range s {
		w := tx.WitnessHash()
		if !fn(&w, tx) {
			return
		}
	}
}

// liarSource offers tx under the wtxid of another (a short id match to
// the wrong transaction).
type liarSource struct{ as, tx *wire.MsgTx }

func (s liarSource) ForEachReconstructionTx(fn func(*chainhash.Hash, *wire.MsgTx) bool) {
	w := s.as.WitnessHash()
	fn(&w, s.tx)
}

// TestReconstruction follows Core's blockencodings_tests: every
// transaction in the pool, some missing (a getblocktxn round), only the
// coinbase prefilled with an empty pool, a short id repeated in the
// message, a wrong match found by the merkle root, and malformed compact
// blocks and blocktxn answers.
func TestReconstruction(t *testing.T) {
	blk := testBlock(t, 8)
	txs := blk.Transactions
	full := NewCompactBlock(blk, 7)
	other := testBlock(t, 9).Transactions[9]
	tests := []struct {
		name    string
		msg     func() *wire.MsgCmpctBlock
		src     ReconstructionSource
		missing []uint16
		answer  func() []*wire.MsgTx
		initErr error
		fillErr error
	}{
		{name: "all in the pool", msg: func() *wire.MsgCmpctBlock { return full },
			src: sliceSource(txs[1:])},
		{name: "two missing", msg: func() *wire.MsgCmpctBlock { return full },
			src: sliceSource(append(append([]*wire.MsgTx{}, txs[1:3]...), txs[4:8]...)), missing: []uint16{3, 8},
			answer: func() []*wire.MsgTx { return []*wire.MsgTx{txs[3], txs[8]} }},
		{name: "only the coinbase, empty pool", msg: func() *wire.MsgCmpctBlock { return full },
			missing: []uint16{1, 2, 3, 4, 5, 6, 7, 8},
			answer:  func() []*wire.MsgTx { return txs[1:] }},
		{name: "prefilled in the middle", msg: func() *wire.MsgCmpctBlock {
			c := *full
			c.ShortIDs = append(append([]uint64{}, full.ShortIDs[:3]...), full.ShortIDs[4:]...)
			c.PrefilledTxs = []wire.PrefilledTx{{Index: 0, Tx: txs[0]}, {Index: 4, Tx: txs[4]}}
			return &c
		}, src: sliceSource(append(append([]*wire.MsgTx{}, txs[1:4]...), txs[5:]...))},
		{name: "short id repeated", msg: func() *wire.MsgCmpctBlock {
			c := *full
			c.ShortIDs = append([]uint64{}, full.ShortIDs...)
			c.ShortIDs[1] = c.ShortIDs[0]
			return &c
		}, initErr: ErrShortIDCollision},
		{name: "wrong match", msg: func() *wire.MsgCmpctBlock { return full },
			src: liarSource{as: txs[2], tx: other}, fillErr: ErrReconstructionFailed,
			answer: func() []*wire.MsgTx { return append([]*wire.MsgTx{txs[1]}, txs[3:]...) }},
		{name: "blocktxn too short", msg: func() *wire.MsgCmpctBlock { return full },
			answer: func() []*wire.MsgTx { return txs[1:8] }, fillErr: ErrInvalidBlockTxns},
		{name: "blocktxn too long", msg: func() *wire.MsgCmpctBlock { return full },
			answer: func() []*wire.MsgTx { return txs }, fillErr: ErrInvalidBlockTxns},
		{name: "empty", msg: func() *wire.MsgCmpctBlock { return &wire.MsgCmpctBlock{Header: blk.Header} },
			initErr: ErrInvalidCompactBlock},
		{name: "prefilled past the end", msg: func() *wire.MsgCmpctBlock {
			c := *full
			c.PrefilledTxs = []wire.PrefilledTx{{Index: 9, Tx: txs[0]}}
			return &c
		}, initErr: ErrInvalidCompactBlock},
		{name: "prefilled indexes repeated", msg: func() *wire.MsgCmpctBlock {
			c := *full
			c.ShortIDs = full.ShortIDs[1:]
			c.PrefilledTxs = []wire.PrefilledTx{{Index: 0, Tx: txs[0]}, {Index: 0, Tx: txs[1]}}
			return &c
		}, initErr: ErrInvalidCompactBlock},
		{name: "nil prefilled transaction", msg: func() *wire.MsgCmpctBlock {
			c := *full
			c.PrefilledTxs = []wire.PrefilledTx{{Index: 0}}
			return &c
		}, initErr: ErrInvalidCompactBlock},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pb, err := newPartialBlock(tc.msg(), tc.src)
			if tc.initErr != nil || err != nil {
				if !errors.Is(err, tc.initErr) {
					t.Fatalf("init: %v, want %v", err, tc.initErr)
				}
				return
			}
			var answer []*wire.MsgTx
			if tc.answer != nil {
				answer = tc.answer()
			}
			if got := pb.missing(); tc.fillErr == nil && !equalIndexes(got, tc.missing) {
				t.Fatalf("missing %v, want %v", got, tc.missing)
			}
			got, err := pb.fill(answer)
			if !errors.Is(err, tc.fillErr) {
				t.Fatalf("fill: %v, want %v", err, tc.fillErr)
			}
			if err == nil && got.BlockHash() != blk.BlockHash() {
				t.Fatal("rebuilt a different block")
			}
			if err == nil {
				for i, tx := range got.Transactions {
					if tx.WitnessHash() != txs[i].WitnessHash() {
						t.Fatalf("transaction %d differs", i)
					}
				}
			}
		})
	}
	t.Logf("%d cases", len(tests))
}

func equalIndexes(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// BenchmarkReconstruct rebuilds a 2,000-transaction compact block from a
// pool holding them.
func BenchmarkReconstruct(b *testing.B) {
	blk := testBlock(b, 2000)
	c := NewCompactBlock(blk, 1)
	src := sliceSource(blk.Transactions[1:])
	b.ReportAllocs()
	for b.Loop() {
		pb, err := newPartialBlock(c, src)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := pb.fill(nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkShortID is the per-transaction cost of matching the pool.
func BenchmarkShortID(b *testing.B) {
	var h chainhash.Hash
	b.ReportAllocs()
	var x uint64
	for b.Loop() {
		x += ShortID(1, 2, &h)
	}
	_ = x
}

// FuzzCompactReconstruct feeds arbitrary cmpctblock and blocktxn payloads
// to reconstruction against a small pool: whatever the bytes, it must
// not panic, and a rebuilt block must match its header's merkle root.
func FuzzCompactReconstruct(f *testing.F) {
	blk := testBlock(f, 6)
	pool := sliceSource(blk.Transactions[2:5])
	enc := func(m wire.Message) []byte {
		var sb strings.Builder
		_ = m.BtcEncode(&sb, wire.ProtocolVersion, wire.WitnessEncoding)
		return []byte(sb.String())
	}
	c := enc(NewCompactBlock(blk, 3))
	bt := enc(&wire.MsgBlockTxns{BlockHash: blk.BlockHash(),
		Txs: []*wire.MsgTx{blk.Transactions[1], blk.Transactions[5], blk.Transactions[6]}})
	f.Add(c, bt)
	f.Add(c, []byte{})
	f.Add(c[:len(c)/2], bt)
	f.Fuzz(func(t *testing.T, cb, txn []byte) {
		var msg wire.MsgCmpctBlock
		if msg.BtcDecode(strings.NewReader(string(cb)), wire.ProtocolVersion, wire.WitnessEncoding) != nil {
			return
		}
		pb, err := newPartialBlock(&msg, pool)
		if err != nil {
			return
		}
		var bt wire.MsgBlockTxns
		if bt.BtcDecode(strings.NewReader(string(txn)), wire.ProtocolVersion, wire.WitnessEncoding) != nil {
			bt.Txs = nil
		}
		got, err := pb.fill(bt.Txs)
		if err == nil && got.BlockHash() != msg.Header.BlockHash() {
			t.Fatal("rebuilt block does not match its header")
		}
	})
}
