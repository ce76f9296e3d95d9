package indexers

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain/chaingen"
	"github.com/tern-org/ternd/blockfilter"
	"github.com/tern-org/ternd/wire"
)

// filterRun is a running filter index of a testEnv.
type filterRun struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// filterDir is where the env's filter index lives.
func (e *testEnv) filterDir() string { return filepath.Join(e.dir, filepath.FromSlash(FilterIndexDir)) }

// startFilterIndex opens the filter index and runs it.
func (e *testEnv) startFilterIndex() *FilterIndex {
	e.t.Helper()
	x, err := OpenFilterIndex(e.filterDir(), e.chain)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &filterRun{cancel: cancel, done: make(chan struct{})}
	e.filterRuns = append(e.filterRuns, r)
	e.fx.Store(x)
	go func() {
		defer close(r.done)
		x.Run(ctx)
	}()
	return x
}

// stopFilterIndex stops the running filter index and closes it.
func (e *testEnv) stopFilterIndex() {
	x := e.fx.Swap(nil)
	for _, r := range e.filterRuns {
		r.cancel()
		<-r.done
	}
	e.filterRuns = nil
	if x != nil {
		if err := x.Close(); err != nil {
			e.t.Error(err)
		}
	}
}

// waitFilterSynced waits until x holds the chain's tip with every
// notification so far processed.
func (e *testEnv) waitFilterSynced(x *FilterIndex) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if x.Synced() && x.BlockUntilSyncedToCurrentChain(context.Background()) &&
			x.Best().Hash == e.chain.BestSnapshot().Hash {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.t.Fatalf("filter index at %d, chain at %d, synced %v", x.Best().Height,
		e.chain.BestSnapshot().Height, x.Synced())
}

// wantFilters recomputes the filter and header of every main-chain block
// from the blocks themselves (spent scripts looked up in txs, every
// transaction ever mined) and compares them with the index.
func (e *testEnv) wantFilters(x *FilterIndex, txs map[chainhash.Hash]*wire.MsgTx) {
	e.t.Helper()
	var prev chainhash.Hash
	tip := e.chain.BestSnapshot().Height
	for h := int32(0); h <= tip; h++ {
		hash, err := e.chain.BlockHashByHeight(h)
		if err != nil {
			e.t.Fatal(err)
		}
		blk, err := e.chain.BlockByHash(hash)
		if err != nil {
			e.t.Fatal(err)
		}
		var spent [][]byte
		for _, tx := range blk.Transactions[1:] {
			for _, in := range tx.TxIn {
				spent = append(spent, txs[in.PreviousOutPoint.Hash].TxOut[in.PreviousOutPoint.Index].PkScript)
			}
		}
		f, err := blockfilter.BuildBasic(blk, hash, spent)
		if err != nil {
			e.t.Fatal(err)
		}
		got, err := x.Filter(hash)
		if err != nil || !bytes.Equal(got, f.Bytes()) {
			e.t.Fatalf("height %d: filter %x (%v), want %x", h, got, err, f.Bytes())
		}
		fh := blockfilter.FilterHash(got)
		want := blockfilter.MakeHeader(&fh, &prev)
		ent, err := x.Entry(hash)
		if err != nil || ent.Header != want || ent.FilterHash != fh {
			e.t.Fatalf("height %d: header %s (%v), want %s", h, ent.Header, err, want)
		}
		prev = want
	}
}

// record adds the transactions of blocks to txs.
func record(txs map[chainhash.Hash]*wire.MsgTx, blocks ...*wire.MsgBlock) {
	for _, b := range blocks {
		for _, tx := range b.Transactions {
			txs[tx.TxHash()] = tx
		}
	}
}

// TestFilterIndexConnect follows a chain with spends as blocks connect
// and checks every filter and header, the genesis block's included.
func TestFilterIndexConnect(t *testing.T) {
	e := newTestEnv(t)
	x := e.startFilterIndex()
	e.waitFilterSynced(x)
	txs := map[chainhash.Hash]*wire.MsgTx{}
	blocks := e.mine(101)
	record(txs, blocks...)
	b := e.mineTx(spend(blocks[0], 2), spend(blocks[1], 3))
	record(txs, b)
	b = e.mineTx(chaingen.SpendTx([]wire.OutPoint{{Hash: b.Transactions[1].TxHash(), Index: 1}},
		b.Transactions[1].TxOut[1].Value, 1000, 2))
	record(txs, b)
	e.waitFilterSynced(x)
	if got := x.Best(); got.Height != 103 || got.Hash != b.BlockHash() {
		t.Fatalf("best %+v", got)
	}
	e.wantFilters(x, txs)
	if !x.SyncedTo(103) || x.SyncedTo(104) {
		t.Fatalf("SyncedTo wrong at height 103")
	}
	if _, err := x.Filter(&chainhash.Hash{1}); !errors.Is(err, ErrFilterNotFound) {
		t.Fatalf("unknown block: %v", err)
	}
	if _, err := x.Entry(&chainhash.Hash{1}); !errors.Is(err, ErrFilterNotFound) {
		t.Fatalf("unknown block: %v", err)
	}
}

// TestFilterIndexReorg checks that the index follows a reorganisation and
// an invalidateblock back, and that a stale block's filter stays readable.
func TestFilterIndexReorg(t *testing.T) {
	e := newTestEnv(t)
	x := e.startFilterIndex()
	txs := map[chainhash.Hash]*wire.MsgTx{}
	blocks := e.mine(101)
	record(txs, blocks...)
	fork := blocks[100].BlockHash()
	a1 := e.mineTx(spend(blocks[0], 1), spend(blocks[1], 1))
	a2 := e.mine(1)[0]
	record(txs, a1, a2)
	e.waitFilterSynced(x)

	b1, err := e.gen.BlockOn(fork, []*wire.MsgTx{spend(blocks[1], 2)}, chaingen.Options{Fees: 1000, TimeDelta: 601})
	if err != nil {
		t.Fatal(err)
	}
	b2 := e.gen.NextBlock(nil, chaingen.Options{})
	b3 := e.gen.NextBlock(nil, chaingen.Options{})
	e.process(b1, b2, b3)
	record(txs, b1, b2, b3)
	e.waitFilterSynced(x)
	if x.Best().Hash != b3.BlockHash() {
		t.Fatalf("best %d", x.Best().Height)
	}
	e.wantFilters(x, txs)
	a1Hash := a1.BlockHash()
	if _, err := x.Filter(&a1Hash); err != nil {
		t.Fatalf("stale block's filter: %v", err)
	}

	b1Hash := b1.BlockHash()
	if err := e.chain.InvalidateBlock(&b1Hash); err != nil {
		t.Fatal(err)
	}
	e.waitFilterSynced(x)
	if x.Best().Hash != a2.BlockHash() {
		t.Fatalf("best %d, want A's tip", x.Best().Height)
	}
	e.wantFilters(x, txs)
}

// TestFilterIndexCatchUpAndRestart builds the index over an existing
// chain, stops it, lets the chain grow and reorganise without it, and
// checks that the reopened index rewinds and catches up.
func TestFilterIndexCatchUpAndRestart(t *testing.T) {
	e := newTestEnv(t)
	txs := map[chainhash.Hash]*wire.MsgTx{}
	blocks := e.mine(110)
	record(txs, blocks...)
	x := e.startFilterIndex()
	e.waitFilterSynced(x)
	e.wantFilters(x, txs)
	e.stopFilterIndex()

	// While stopped: the tip is replaced by a longer branch.
	fork := blocks[108].BlockHash()
	c1, err := e.gen.BlockOn(fork, []*wire.MsgTx{spend(blocks[2], 1)}, chaingen.Options{Fees: 1000, TimeDelta: 7})
	if err != nil {
		t.Fatal(err)
	}
	c2 := e.gen.NextBlock(nil, chaingen.Options{})
	e.process(c1, c2)
	record(txs, c1, c2)
	stored, err := OpenFilterIndex(e.filterDir(), e.chain)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Best().Hash != blocks[109].BlockHash() {
		t.Fatalf("reopened at %d, want the stored best", stored.Best().Height)
	}
	stored.Close()
	x = e.startFilterIndex()
	e.waitFilterSynced(x)
	e.wantFilters(x, txs)
}

// TestFilterIndexUnknownBestResets replaces the chain under an index and
// checks that the index rebuilds from genesis.
func TestFilterIndexUnknownBestResets(t *testing.T) {
	e := newTestEnv(t)
	txs := map[chainhash.Hash]*wire.MsgTx{}
	record(txs, e.mine(5)...)
	x := e.startFilterIndex()
	e.waitFilterSynced(x)
	e.stopFilterIndex()

	other := newTestEnv(t)
	txs = map[chainhash.Hash]*wire.MsgTx{}
	record(txs, other.mine(3)...)
	other.dir = e.dir // the index directory of the first chain
	x = other.startFilterIndex()
	other.waitFilterSynced(x)
	other.wantFilters(x, txs)
}

// TestFilterIndexClosed checks reads of a closed index.
func TestFilterIndexClosed(t *testing.T) {
	e := newTestEnv(t)
	x, err := OpenFilterIndex(e.filterDir(), e.chain)
	if err != nil {
		t.Fatal(err)
	}
	x.Close()
	if _, err := x.Filter(e.params.GenesisHash); !errors.Is(err, ErrClosed) {
		t.Fatalf("read after close: %v", err)
	}
}

// failingBlocks is a chain whose stored blocks cannot be read.
type failingBlocks struct{ FilterChain }

func (failingBlocks) BlockBytesByHash(*chainhash.Hash) ([]byte, error) {
	return nil, errors.New("disk read error")
}

// TestFilterIndexFailedCreationLeavesNothing checks that a new index
// whose genesis filter cannot be built leaves no half-made database: the
// version is written with the genesis filter in one batch, so the next
// open starts afresh instead of finding a version without a best block.
func TestFilterIndexFailedCreationLeavesNothing(t *testing.T) {
	e := newTestEnv(t)
	if _, err := OpenFilterIndex(e.filterDir(), failingBlocks{e.chain}); err == nil {
		t.Fatal("index created without its genesis block")
	}
	x, err := OpenFilterIndex(e.filterDir(), e.chain)
	if err != nil {
		t.Fatalf("reopen after a failed creation: %v", err)
	}
	defer x.Close()
	if best := x.Best(); best.Hash != *e.params.GenesisHash || best.Height != 0 {
		t.Fatalf("best %v, want genesis", best)
	}
	if _, err := x.Filter(e.params.GenesisHash); err != nil {
		t.Fatalf("genesis filter: %v", err)
	}
}
