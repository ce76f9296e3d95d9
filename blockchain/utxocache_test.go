package blockchain

import (
	"errors"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/internal/store"
	"github.com/tern-org/ternd/wire"
)

// storedUtxo reports whether op is in the store (not the cache).
func storedUtxo(t *testing.T, db *store.Store, op wire.OutPoint) bool {
	t.Helper()
	_, err := db.FetchUtxo(&op.Hash, op.Index)
	if errors.Is(err, store.ErrNotFound) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

// TestUtxoCacheFlags drives the cache's add and spend (Core's AddCoin and
// SpendCoin) through sequences with and without a stored output and a flush
// between, and checks what the flush writes and what the set holds.
func TestUtxoCacheFlags(t *testing.T) {
	entry := &UtxoEntry{Amount: 5000, PkScript: opTrue, BlockHeight: 7}
	cbEntry := &UtxoEntry{Amount: 5000, PkScript: opTrue, BlockHeight: 7, IsCoinBase: true}
	tests := []struct {
		name   string
		stored bool     // the store holds op before the cache sees it
		ops    []string // "add", "addcb" (coinbase), "spend", "flush", "fetch"
		dirty  int      // dirty entries before the final flush
		want   bool     // op unspent in the store after the final flush
	}{
		{"fresh add then spend never reaches the store", false, []string{"add", "spend"}, 0, false},
		{"fresh add flushed", false, []string{"add"}, 1, true},
		{"add, flush, spend deletes", false, []string{"add", "flush", "spend"}, 1, false},
		{"coinbase add is not fresh", false, []string{"addcb", "spend"}, 1, false},
		{"stored output spent", true, []string{"fetch", "spend"}, 1, false},
		{"stored output spent without fetch", true, []string{"spend"}, 1, false},
		{"spent then restored is not fresh", true, []string{"fetch", "spend", "add", "spend"}, 1, false},
		{"spent then restored stays", true, []string{"fetch", "spend", "add"}, 1, true},
		{"fetched and untouched is clean", true, []string{"fetch"}, 0, true},
		{"add over fresh stays fresh", false, []string{"add", "add", "spend"}, 0, false},
	}
	var op wire.OutPoint
	op.Hash[0] = 0xab
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, err := store.Open(t.TempDir(), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if tc.stored {
				b := db.NewBatch()
				b.PutUtxo(&op.Hash, op.Index, appendUtxoEntry(nil, entry))
				if err := db.Write(b); err != nil {
					t.Fatal(err)
				}
			}
			c := newUtxoCache(db, 0, 0)
			tip := store.Tip{Height: 1}
			for _, o := range tc.ops {
				c.mu.Lock()
				switch o {
				case "add":
					c.addLocked(op, entry, false)
				case "addcb":
					c.addLocked(op, cbEntry, true)
				case "spend":
					c.spendLocked(op)
				}
				c.mu.Unlock()
				switch o {
				case "flush":
					if err := c.flush(tip, false); err != nil {
						t.Fatal(err)
					}
				case "fetch":
					if e, err := c.fetch(op); err != nil || e == nil {
						t.Fatalf("fetch: %v %v", e, err)
					}
				}
			}
			if _, dirty, _ := c.stats(); dirty != tc.dirty {
				t.Fatalf("%d dirty entries before the flush, want %d", dirty, tc.dirty)
			}
			if err := c.flush(tip, true); err != nil {
				t.Fatal(err)
			}
			if got := storedUtxo(t, db, op); got != tc.want {
				t.Fatalf("stored after flush: %v, want %v", got, tc.want)
			}
			if e, err := c.fetch(op); err != nil || (e != nil) != tc.want {
				t.Fatalf("fetch after flush: %v %v", e, err)
			}
		})
	}
}

// TestUtxoCacheWriteBack checks that connected blocks change only the cache
// until a flush, that a coin created and spent between flushes never
// reaches the store, and that the stored tip moves with the flushed set.
func TestUtxoCacheWriteBack(t *testing.T) {
	h := newHarness(t)
	base := h.extend(101)
	tx1 := spendTx([]wire.OutPoint{coinbaseOut(base[0])}, 50*SatoshiPerBitcoin, 1000, 2)
	h.mustProcess(h.makeBlock(h.tipNode(), []*wire.MsgTx{tx1}, blockOpts{fees: 1000}))
	op1 := wire.OutPoint{Hash: tx1.TxHash(), Index: 0}
	tx2 := spendTx([]wire.OutPoint{op1}, tx1.TxOut[0].Value, 1000, 1)
	h.mustProcess(h.makeBlock(h.tipNode(), []*wire.MsgTx{tx2}, blockOpts{fees: 1000}))
	op2 := wire.OutPoint{Hash: tx2.TxHash(), Index: 0}

	if e, err := h.chain.FetchUtxoEntry(op2); err != nil || e == nil {
		t.Fatalf("FetchUtxoEntry of a cached output: %v %v", e, err)
	}
	if storedUtxo(t, h.db, op2) || storedUtxo(t, h.db, op1) {
		t.Fatal("a connect wrote through to the store")
	}
	stored, err := h.db.FetchTip()
	if err != nil || stored.Height != 0 {
		t.Fatalf("stored tip %+v %v, want genesis", stored, err)
	}
	if err := h.chain.FlushUtxoCache(FlushIfNeeded); err != nil {
		t.Fatal(err)
	}
	if stored, _ := h.db.FetchTip(); stored.Height != 0 {
		t.Fatal("FlushIfNeeded flushed a cache under its bounds")
	}
	if err := h.chain.Close(); err != nil {
		t.Fatal(err)
	}
	tipHash, height := h.tip()
	if stored, _ := h.db.FetchTip(); stored.Height != height || stored.Hash != tipHash {
		t.Fatalf("stored tip %+v after Close, want %d", stored, height)
	}
	if !storedUtxo(t, h.db, op2) || storedUtxo(t, h.db, op1) {
		t.Fatal("flush did not write the created output or wrote the spent one")
	}
	if !storedUtxo(t, h.db, wire.OutPoint{Hash: tx1.TxHash(), Index: 1}) {
		t.Fatal("flush lost an output")
	}
	if storedUtxo(t, h.db, coinbaseOut(base[0])) {
		t.Fatal("flush kept a spent coinbase")
	}
}

// TestUtxoCacheSmallReplay connects the same blocks (spends, a
// reorganisation) into a chain with a cache of a few hundred bytes, which
// flushes and empties itself every block, and one with the default cache
// that never flushes; restarts both without Close (so the second replays
// every block from genesis) and checks their sets agree.
func TestUtxoCacheSmallReplay(t *testing.T) {
	small := &testHarness{t: t, dir: t.TempDir(), params: regtestParams(), cacheBytes: 300}
	small.open()
	t.Cleanup(small.close)
	big := newHarness(t)
	both := func(blk *wire.MsgBlock) {
		small.mustProcess(blk)
		big.mustProcess(blk)
	}
	var blocks []*wire.MsgBlock
	for i := 0; i < 101; i++ {
		blk := big.makeBlock(big.tipNode(), nil, blockOpts{})
		both(blk)
		blocks = append(blocks, blk)
	}
	var ops []wire.OutPoint
	var vals []int64
	for i := 0; i < 20; i++ {
		var txs []*wire.MsgTx
		tx := spendTx([]wire.OutPoint{coinbaseOut(blocks[i])}, 50*SatoshiPerBitcoin, 1000, 3)
		txs = append(txs, tx)
		fees := int64(1000)
		if len(ops) > 0 {
			// Spend an output of the previous block and, in the same
			// block, the output that spend creates.
			a := spendTx(ops[:1], vals[0], 500, 1)
			b := spendTx([]wire.OutPoint{{Hash: a.TxHash()}}, a.TxOut[0].Value, 500, 1)
			txs = append(txs, a, b)
			fees += 1000
			ops, vals = ops[1:], vals[1:]
		}
		for j := range tx.TxOut {
			ops = append(ops, wire.OutPoint{Hash: tx.TxHash(), Index: uint32(j)})
			vals = append(vals, tx.TxOut[j].Value)
		}
		both(big.makeBlock(big.tipNode(), txs, blockOpts{fees: fees}))
	}
	// A side branch from two blocks back: s1 has less work and s2 ties
	// with the tip (no reorganisation), s3 has more (reorganise).
	fork := big.tipNode().parent.parent
	s1 := big.makeBlock(fork, nil, blockOpts{timeDelta: 601})
	both(s1)
	s2 := big.makeBlock(big.nodeOf(s1.BlockHash()), nil, blockOpts{})
	both(s2)
	s3 := big.makeBlock(big.nodeOf(s2.BlockHash()), nil, blockOpts{})
	both(s3)
	if got, _ := small.tip(); got != s3.BlockHash() {
		t.Fatal("small-cache chain did not reorganise")
	}
	want, err := big.chain.UtxoSetStats()
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []*testHarness{small, big} {
		h.reopen()
		if hash, _ := h.tip(); hash != s3.BlockHash() {
			t.Fatalf("tip %s after restart, want %s", hash, s3.BlockHash())
		}
		got, err := h.chain.UtxoSetStats()
		if err != nil {
			t.Fatal(err)
		}
		if *got != *want {
			t.Fatalf("set after restart %+v, want %+v", got, want)
		}
		if err := h.chain.VerifyChain(30); err != nil {
			t.Fatal(err)
		}
	}
}

// TestUtxoCacheEntriesBound checks Config.UtxoCacheEntries still bounds the
// cache: the set stays within it across connects.
func TestUtxoCacheEntriesBound(t *testing.T) {
	h := &testHarness{t: t, dir: t.TempDir(), params: regtestParams()}
	h.open()
	t.Cleanup(h.close)
	h.chain.cache.maxEntries = 10
	h.extend(30)
	if n, _, _ := h.chain.cache.stats(); n > 11 {
		t.Fatalf("%d cached entries, bound 10", n)
	}
	if stored, _ := h.db.FetchTip(); stored.Height < 20 {
		t.Fatalf("stored tip %d: the bound did not flush", stored.Height)
	}
	var zero chainhash.Hash
	if _, err := h.chain.FetchUtxoEntry(wire.OutPoint{Hash: zero}); err != nil {
		t.Fatal(err)
	}
}

// TestUtxoCacheTrim checks a trim evicts the oldest clean entries first and
// keeps dirty ones.
func TestUtxoCacheTrim(t *testing.T) {
	db, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := newUtxoCache(db, 0, 0)
	c.mu.Lock()
	for h := int32(1); h <= 10; h++ {
		var op wire.OutPoint
		op.Hash[0] = byte(h)
		c.addLocked(op, &UtxoEntry{Amount: 1, PkScript: opTrue, BlockHeight: h}, false)
	}
	c.mu.Unlock()
	if err := c.flush(store.Tip{Height: 10}, false); err != nil {
		t.Fatal(err)
	}
	var dirtyOp wire.OutPoint
	dirtyOp.Hash[0] = 0xff
	c.mu.Lock()
	c.addLocked(dirtyOp, &UtxoEntry{Amount: 1, PkScript: opTrue, BlockHeight: 0}, false)
	per := entryUsage(c.m[dirtyOp])
	c.trimLocked(5*per, 0)
	c.mu.Unlock()
	n, dirty, usage := c.stats()
	if n != 5 || dirty != 1 || usage != 5*per {
		t.Fatalf("%d entries (%d dirty), %d bytes after the trim", n, dirty, usage)
	}
	for op, ce := range c.m {
		if ce.flags&cacheDirty == 0 && ce.entry.BlockHeight < 7 {
			t.Fatalf("kept %v at height %d", op, ce.entry.BlockHeight)
		}
	}
}

// TestRestartOnInvalidatedTip simulates a crash between InvalidateBlock
// marking the tip's chain invalid and the flush of the reorganisation: the
// stored tip is marked invalid, and the restarted chain must step back to
// the last valid block with the matching UTXO set.
func TestRestartOnInvalidatedTip(t *testing.T) {
	h := newHarness(t)
	h.extend(110)
	parent := h.tipNode().parent.parent
	want := parent.hash
	if err := h.chain.Close(); err != nil {
		t.Fatal(err)
	}
	h.chain.chainLock.Lock()
	err := h.chain.markInvalid(parent.children[0])
	h.chain.chainLock.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	h.reopen()
	if got, height := h.tip(); got != want || height != parent.height {
		t.Fatalf("tip %s at %d after restart, want %s", got, height, want)
	}
	stored, err := h.db.FetchTip()
	if err != nil || stored.Hash != want {
		t.Fatalf("stored tip %+v %v", stored, err)
	}
	if err := h.chain.VerifyChain(20); err != nil {
		t.Fatal(err)
	}
	fresh := newHarness(t)
	for ht := int32(1); ht <= parent.height; ht++ {
		hash, _ := h.chain.BlockHashByHeight(ht)
		blk, err := h.chain.BlockByHash(hash)
		if err != nil {
			t.Fatal(err)
		}
		fresh.mustProcess(blk)
	}
	a, _ := h.chain.UtxoSetStats()
	b, _ := fresh.chain.UtxoSetStats()
	if *a != *b {
		t.Fatalf("set %+v, rebuilt %+v", a, b)
	}
}
