package indexers

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/syndtr/goleveldb/leveldb"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/blockchain/chaingen"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/internal/store"
	"github.com/tern-org/ternd/wire"
)

// testEnv is a regtest chain over a temporary store, a block generator
// and, when started, a transaction index following the chain.
type testEnv struct {
	t      testing.TB
	params chaincfg.Params
	dir    string
	db     *store.Store
	chain  *blockchain.BlockChain
	gen    *chaingen.Generator

	// ix and fx receive the chain's notifications while set.
	ix atomic.Pointer[TxIndex]
	fx atomic.Pointer[FilterIndex]
	// filterRuns are the filter index goroutines started.
	filterRuns []*filterRun
	cancel     context.CancelFunc
	wg         sync.WaitGroup
}

// newTestEnv opens a fresh chain.
func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	e := &testEnv{t: t, params: chaincfg.RegressionNetParams, dir: t.TempDir()}
	db, err := store.Open(filepath.Join(e.dir, "chainstate"), nil)
	if err != nil {
		t.Fatal(err)
	}
	e.db = db
	e.chain, err = blockchain.New(&blockchain.Config{
		DB:          db,
		ChainParams: &e.params,
		TimeSource:  func() time.Time { return time.Unix(1900000000, 0) },
		Notifications: func(n *blockchain.Notification) {
			if x := e.ix.Load(); x != nil {
				x.Notify(n)
			}
			if f := e.fx.Load(); f != nil {
				f.Notify(n)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.gen = chaingen.New(&e.params)
	t.Cleanup(func() {
		e.stopIndex()
		e.stopFilterIndex()
		db.Close()
	})
	return e
}

// indexDir is where the env's index lives.
func (e *testEnv) indexDir() string { return filepath.Join(e.dir, "indexes", TxIndexName) }

// openIndex opens the index without running it.
func (e *testEnv) openIndex() *TxIndex {
	e.t.Helper()
	x, err := OpenTxIndex(e.indexDir(), e.chain)
	if err != nil {
		e.t.Fatal(err)
	}
	e.ix.Store(x)
	return x
}

// startIndex opens the index and runs it.
func (e *testEnv) startIndex() *TxIndex {
	e.t.Helper()
	x := e.openIndex()
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		x.Run(ctx)
	}()
	return x
}

// stopIndex stops Run, waits for it and closes the index.
func (e *testEnv) stopIndex() {
	x := e.ix.Swap(nil)
	if x == nil {
		return
	}
	if e.cancel != nil {
		e.cancel()
		e.wg.Wait()
		e.cancel = nil
	}
	if err := x.Close(); err != nil {
		e.t.Error(err)
	}
}

// process submits blocks to the chain.
func (e *testEnv) process(blocks ...*wire.MsgBlock) {
	e.t.Helper()
	for _, b := range blocks {
		if _, _, err := e.chain.ProcessBlock(b, blockchain.BFNone); err != nil {
			e.t.Fatalf("block %s: %v", b.BlockHash(), err)
		}
	}
}

// mine makes and processes n blocks on the generator's tip.
func (e *testEnv) mine(n int) []*wire.MsgBlock {
	e.t.Helper()
	var out []*wire.MsgBlock
	for i := 0; i < n; i++ {
		b := e.gen.NextBlock(nil, chaingen.Options{})
		e.process(b)
		out = append(out, b)
	}
	return out
}

// mineTx makes and processes one block holding txs (fee 1000 each).
func (e *testEnv) mineTx(txs ...*wire.MsgTx) *wire.MsgBlock {
	e.t.Helper()
	b := e.gen.NextBlock(txs, chaingen.Options{Fees: int64(1000 * len(txs))})
	e.process(b)
	return b
}

// spend returns a transaction spending output 0 of blk's coinbase.
func spend(blk *wire.MsgBlock, outs int) *wire.MsgTx {
	return chaingen.SpendTx([]wire.OutPoint{chaingen.CoinbaseOutPoint(blk)}, 50e8, 1000, outs)
}

// waitSynced waits until x is synced at the chain's tip with every
// notification so far processed.
func (e *testEnv) waitSynced(x *TxIndex) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if x.Synced() && x.BlockUntilSyncedToCurrentChain(context.Background()) &&
			x.Best().Hash == e.chain.BestSnapshot().Hash {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.t.Fatalf("index at %d, chain at %d, synced %v", x.Best().Height,
		e.chain.BestSnapshot().Height, x.Synced())
}

// wantFound checks that txid is indexed in blk at height.
func wantFound(t *testing.T, x *TxIndex, tx *wire.MsgTx, blk *wire.MsgBlock, height int32) {
	t.Helper()
	txid := tx.TxHash()
	got, loc, err := x.FetchTx(&txid)
	if err != nil {
		t.Fatalf("tx %s: %v", txid, err)
	}
	if loc.BlockHash != blk.BlockHash() || loc.Height != height || !bytes.Equal(got.Bytes(), tx.Bytes()) {
		t.Fatalf("tx %s: at %s/%d, want %s/%d", txid, loc.BlockHash, loc.Height, blk.BlockHash(), height)
	}
}

// wantMissing checks that txid is not indexed.
func wantMissing(t *testing.T, x *TxIndex, tx *wire.MsgTx) {
	t.Helper()
	txid := tx.TxHash()
	if _, loc, err := x.FetchTx(&txid); !errors.Is(err, ErrTxNotFound) {
		t.Fatalf("tx %s: found at %d (%v), want ErrTxNotFound", txid, loc.Height, err)
	}
}

// TestTxIndexConnect follows a chain as blocks connect: coinbases and
// spends are found at their block, the genesis coinbase is not.
func TestTxIndexConnect(t *testing.T) {
	e := newTestEnv(t)
	x := e.startIndex()
	e.waitSynced(x)
	blocks := e.mine(101)
	tx1, tx2 := spend(blocks[0], 2), spend(blocks[1], 3)
	b102 := e.mineTx(tx1, tx2)
	e.waitSynced(x)
	if got := x.Best(); got.Height != 102 || got.Hash != b102.BlockHash() {
		t.Fatalf("best %+v", got)
	}
	wantFound(t, x, tx1, b102, 102)
	wantFound(t, x, tx2, b102, 102)
	wantFound(t, x, b102.Transactions[0], b102, 102)
	wantFound(t, x, blocks[4].Transactions[0], blocks[4], 5)
	wantMissing(t, x, e.params.GenesisBlock.Transactions[0])
	wantMissing(t, x, spend(blocks[2], 1)) // never mined
}

// TestTxIndexReorg checks that a reorganisation, and invalidateblock,
// remove the disconnected blocks' entries and add the new branch's.
func TestTxIndexReorg(t *testing.T) {
	e := newTestEnv(t)
	x := e.startIndex()
	blocks := e.mine(101)
	fork := blocks[100].BlockHash()
	shared, onlyA := spend(blocks[0], 1), spend(blocks[1], 1)
	a1 := e.mineTx(shared, onlyA)
	a2 := e.mine(1)[0]
	e.waitSynced(x)
	wantFound(t, x, onlyA, a1, 102)

	// Branch B from height 101 overtakes A with three blocks.
	onlyB := spend(blocks[1], 2) // conflicts with onlyA
	b1, err := e.gen.BlockOn(fork, []*wire.MsgTx{shared, onlyB}, chaingen.Options{Fees: 2000, TimeDelta: 601})
	if err != nil {
		t.Fatal(err)
	}
	b2 := e.gen.NextBlock(nil, chaingen.Options{})
	b3 := e.gen.NextBlock(nil, chaingen.Options{})
	e.process(b1, b2, b3)
	e.waitSynced(x)
	if x.Best().Hash != b3.BlockHash() {
		t.Fatalf("best %d", x.Best().Height)
	}
	wantMissing(t, x, onlyA)
	wantMissing(t, x, a2.Transactions[0])
	wantFound(t, x, shared, b1, 102)
	wantFound(t, x, onlyB, b1, 102)

	// Invalidating B's first block goes back to A.
	b1Hash := b1.BlockHash()
	if err := e.chain.InvalidateBlock(&b1Hash); err != nil {
		t.Fatal(err)
	}
	e.waitSynced(x)
	if x.Best().Hash != a2.BlockHash() {
		t.Fatalf("best %d %s, want A's tip", x.Best().Height, x.Best().Hash)
	}
	wantMissing(t, x, onlyB)
	wantMissing(t, x, b3.Transactions[0])
	wantFound(t, x, shared, a1, 102)
	wantFound(t, x, onlyA, a1, 102)
}

// TestTxIndexRestartResumes stops the index, lets the chain grow without
// it, and checks that a reopened index resumes from its stored best block.
func TestTxIndexRestartResumes(t *testing.T) {
	e := newTestEnv(t)
	x := e.startIndex()
	blocks := e.mine(101)
	tx1 := spend(blocks[0], 1)
	b1 := e.mineTx(tx1)
	e.waitSynced(x)
	e.stopIndex()

	tx2 := spend(blocks[1], 1)
	b2 := e.mineTx(tx2)
	e.mine(3)

	x = e.openIndex()
	if got := x.Best(); got.Hash != b1.BlockHash() || got.Height != 102 {
		t.Fatalf("reopened at %+v, want block 102", got)
	}
	if x.Synced() || x.BlockUntilSyncedToCurrentChain(context.Background()) {
		t.Fatal("synced before Run")
	}
	e.stopIndex()
	x = e.startIndex()
	e.waitSynced(x)
	if x.Best().Height != 106 {
		t.Fatalf("best %d", x.Best().Height)
	}
	wantFound(t, x, tx1, b1, 102)
	wantFound(t, x, tx2, b2, 103)
}

// TestTxIndexCatchUp opens a new index on an existing chain of many
// blocks and transactions and checks that the background catch-up indexes
// all of them and is synced afterwards.
func TestTxIndexCatchUp(t *testing.T) {
	e := newTestEnv(t)
	blocks := e.mine(101)
	type placed struct {
		tx     *wire.MsgTx
		blk    *wire.MsgBlock
		height int32
	}
	var txs []placed
	for i := 0; i < 30; i++ {
		tx := spend(blocks[i], 1+i%3)
		b := e.mineTx(tx)
		txs = append(txs, placed{tx, b, int32(102 + i)})
	}
	x := e.startIndex()
	e.waitSynced(x)
	if x.Best().Height != 131 {
		t.Fatalf("best %d", x.Best().Height)
	}
	for _, p := range txs {
		wantFound(t, x, p.tx, p.blk, p.height)
	}
	wantFound(t, x, blocks[50].Transactions[0], blocks[50], 51)
}

// TestTxIndexStaleBestRewinds reorganises the chain while the index is
// stopped: on restart its best block is off the main chain, so it rewinds
// to the fork before adding the new branch.
func TestTxIndexStaleBestRewinds(t *testing.T) {
	e := newTestEnv(t)
	x := e.startIndex()
	blocks := e.mine(101)
	onlyA := spend(blocks[0], 1)
	a1 := e.mineTx(onlyA)
	e.mine(1)
	e.waitSynced(x)
	e.stopIndex()

	onlyB := spend(blocks[1], 1)
	b1, err := e.gen.BlockOn(blocks[100].BlockHash(), []*wire.MsgTx{onlyB},
		chaingen.Options{Fees: 1000, TimeDelta: 601})
	if err != nil {
		t.Fatal(err)
	}
	e.process(b1, e.gen.NextBlock(nil, chaingen.Options{}), e.gen.NextBlock(nil, chaingen.Options{}))

	x = e.openIndex()
	if stale := x.Best().Hash; e.chain.MainChainHasBlock(&stale) {
		t.Fatal("best block still in the main chain")
	}
	// Before the index runs, the stale entry reads as not found: its
	// height now holds another block.
	wantMissing(t, x, onlyA)
	e.stopIndex()
	x = e.startIndex()
	e.waitSynced(x)
	wantFound(t, x, onlyB, b1, 102)
	wantMissing(t, x, onlyA)
	// The entry itself is gone, not only unreadable.
	var k [txKeySize]byte
	id := onlyA.TxHash()
	if v, err := x.get(txKey(&k, &id)); err != nil || v != nil {
		t.Fatalf("stale entry %x %v", v, err)
	}
	_ = a1
}

// TestTxIndexUnknownBestResets opens an index built on one chain against
// another chain that never saw its best block: the index starts over.
func TestTxIndexUnknownBestResets(t *testing.T) {
	e := newTestEnv(t)
	x := e.startIndex()
	blocks := e.mine(101)
	tx := spend(blocks[0], 1)
	e.mineTx(tx)
	e.waitSynced(x)
	e.stopIndex()

	other := newTestEnv(t)
	other.dir = e.dir // same index directory, new chain database
	ob := other.mine(3)
	x = other.startIndex()
	other.waitSynced(x)
	if x.Best().Hash != ob[2].BlockHash() {
		t.Fatalf("best %d", x.Best().Height)
	}
	wantMissing(t, x, tx)
	wantFound(t, x, ob[1].Transactions[0], ob[1], 2)
}

// TestTxIndexShutdownMidCatchUp cancels Run during a catch-up and checks
// that what was written is consistent and the next run finishes.
func TestTxIndexShutdownMidCatchUp(t *testing.T) {
	e := newTestEnv(t)
	e.mine(150)
	x := e.startIndex()
	e.stopIndex() // possibly mid-pass
	x = e.openIndex()
	h := x.Best().Height
	if h < 0 || h > 150 {
		t.Fatalf("best %d", h)
	}
	hash, err := e.chain.BlockHashByHeight(h)
	if err != nil || *hash != x.Best().Hash {
		t.Fatalf("best %d %s is not the main chain's block", h, x.Best().Hash)
	}
	e.stopIndex()
	x = e.startIndex()
	e.waitSynced(x)
	if x.Best().Height != 150 {
		t.Fatalf("best %d", x.Best().Height)
	}
}

// TestTxLocsMatchStored checks that the locations computed from a decoded
// block (the notification path) equal those found by scanning its bytes
// (the store path), for witness and legacy transactions.
func TestTxLocsMatchStored(t *testing.T) {
	params := chaincfg.RegressionNetParams
	g := chaingen.New(&params)
	b1 := g.NextBlock(nil, chaingen.Options{})
	wtx := spend(b1, 2)
	wtx.TxIn[0].Witness = wire.TxWitness{{1, 2, 3}, make([]byte, 300)}
	legacy := spend(b1, 1)
	blk := g.NextBlock([]*wire.MsgTx{legacy, wtx}, chaingen.Options{WitnessCommitment: true})
	var decoded wire.MsgBlock
	want, err := decoded.DeserializeTxLoc(bytes.NewBuffer(blk.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	got := txLocs(blk, nil)
	if len(got) != len(want) {
		t.Fatalf("%d locations, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("tx %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestRecentBound checks the notified-block memory bound and that taken
// blocks do not leave the order list growing.
func TestRecentBound(t *testing.T) {
	x := &recentBlocks{}
	big := &wire.MsgBlock{Transactions: make([]*wire.MsgTx, maxRecentTxns/3)}
	for i := 0; i < 10; i++ {
		x.remember(chainhash.Hash{byte(i)}, big)
	}
	if x.txns > maxRecentTxns || len(x.blocks) != 3 {
		t.Fatalf("%d blocks, %d txns kept", len(x.blocks), x.txns)
	}
	if x.take(&chainhash.Hash{0}) != nil || x.take(&chainhash.Hash{9}) == nil {
		t.Fatal("kept the wrong blocks")
	}
	huge := &wire.MsgBlock{Transactions: make([]*wire.MsgTx, 2*maxRecentTxns)}
	x.remember(chainhash.Hash{42}, huge)
	if x.take(&chainhash.Hash{42}) == nil {
		t.Fatal("a single oversized block must be kept")
	}
	small := &wire.MsgBlock{Transactions: make([]*wire.MsgTx, 1)}
	for i := 0; i < 1000; i++ {
		h := chainhash.Hash{byte(i), byte(i >> 8), 7}
		x.remember(h, small)
		x.take(&h)
	}
	if len(x.blocks) != 0 || len(x.order) > 16+1 || x.txns != 0 {
		t.Fatalf("%d kept, order %d, txns %d", len(x.blocks), len(x.order), x.txns)
	}
}

// TestRecordDecoding covers the stored records' decoders on bad input.
func TestRecordDecoding(t *testing.T) {
	var v [entrySize]byte
	l, err := decodeEntry(encodeEntry(&v, 7, 81, 200))
	if err != nil || l.Height != 7 || l.Offset != 81 || l.Len != 200 {
		t.Fatalf("%+v %v", l, err)
	}
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"short", v[:5]},
		{"long", append(v[:], 0)},
		{"height zero", make([]byte, entrySize)},
		{"negative height", encodeEntry(&v, -1, 0, 0)},
	} {
		if _, err := decodeEntry(c.b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("entry %s: %v", c.name, err)
		}
	}
	p := BlockPos{Hash: chainhash.Hash{9}, Height: 12}
	if got, err := decodeBest(encodeBest(p)); err != nil || got != p {
		t.Fatalf("%+v %v", got, err)
	}
	neg := encodeBest(BlockPos{Height: -3})
	for _, b := range [][]byte{nil, neg, make([]byte, bestSize+1)} {
		if _, err := decodeBest(b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("best %x: %v", b, err)
		}
	}
}

// TestTxIndexErrors checks each error kind where the index returns it.
func TestTxIndexErrors(t *testing.T) {
	e := newTestEnv(t)
	x := e.openIndex()
	var zero chainhash.Hash
	if _, err := x.Lookup(&zero); !errors.Is(err, ErrTxNotFound) {
		t.Fatalf("missing tx: %v", err)
	}
	// A corrupt entry.
	var k [txKeySize]byte
	if err := x.db.Put(txKey(&k, &zero), []byte{1, 2}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Lookup(&zero); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("corrupt entry: %v", err)
	}
	// An entry pointing past the block's bytes, then at a block that is
	// not stored.
	var v [entrySize]byte
	x.db.Put(txKey(&k, &zero), encodeEntry(&v, 0+1, 1<<20, 10), nil)
	e.mine(1)
	if _, _, err := x.FetchTx(&zero); !errors.Is(err, ErrTxNotFound) {
		t.Fatalf("out of range: %v", err)
	}
	x.db.Put(txKey(&k, &zero), encodeEntry(&v, 5, 0, 10), nil)
	if _, err := x.Lookup(&zero); !errors.Is(err, ErrTxNotFound) {
		t.Fatalf("no block at height: %v", err)
	}
	// A bad schema version.
	x.db.Put([]byte{prefixVersion}, []byte{0, 0, 0, 9}, nil)
	e.stopIndex()
	if _, err := OpenTxIndex(e.indexDir(), e.chain); !errors.Is(err, ErrVersion) {
		t.Fatalf("version: %v", err)
	}
	// A closed index.
	db, err := leveldb.OpenFile(e.indexDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Delete([]byte{prefixVersion}, nil)
	db.Close()
	x, err = OpenTxIndex(e.indexDir(), e.chain)
	if err != nil {
		t.Fatal(err)
	}
	x.Close()
	if _, err := x.Lookup(&zero); !errors.Is(err, ErrClosed) {
		t.Fatalf("closed: %v", err)
	}
	if err := x.write(new(leveldb.Batch), BlockPos{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("closed write: %v", err)
	}
	// A path leveldb cannot open.
	if _, err := OpenTxIndex(filepath.Join(e.indexDir(), "CURRENT", "x"), e.chain); !errors.Is(err, ErrBackend) {
		t.Fatalf("backend: %v", err)
	}
	// A block the chain cannot give.
	var bt blockTxs
	if err := x.loadBlock(&zero, &bt); !errors.Is(err, ErrChain) {
		t.Fatalf("chain: %v", err)
	}
}

// TestErrorKinds checks that every kind is reachable through errors.Is and
// that Error reports its description.
func TestErrorKinds(t *testing.T) {
	for _, kind := range []ErrorKind{ErrTxNotFound, ErrFilterNotFound, ErrCorrupt, ErrVersion, ErrClosed, ErrBackend, ErrChain} {
		err := indexError(kind, "described "+string(kind))
		if !errors.Is(err, kind) || err.Error() != "described "+string(kind) || kind.Error() != string(kind) {
			t.Errorf("%s: %v", kind, err)
		}
	}
}
