package blockchain

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// TestGenesisAndRestart checks a fresh chain starts at genesis and keeps
// its tip across a restart.
func TestGenesisAndRestart(t *testing.T) {
	h := newHarness(t)
	hash, height := h.tip()
	if height != 0 || hash != *h.params.GenesisHash {
		t.Fatalf("fresh tip %s/%d", hash, height)
	}
	blocks := h.extend(5)
	h.reopen()
	hash, height = h.tip()
	if height != 5 || hash != blocks[4].BlockHash() {
		t.Fatalf("reopened tip %s/%d", hash, height)
	}
	got, err := h.chain.BlockHashByHeight(3)
	if err != nil || *got != blocks[2].BlockHash() {
		t.Fatalf("BlockHashByHeight(3) = %v, %v", got, err)
	}
	if info, err := h.chain.BlockInfoByHash(got); err != nil || info.NumTxns != 1 || info.Confirmations != 3 {
		t.Fatalf("BlockInfoByHash after restart: %+v %v", info, err)
	}
	if _, err := h.chain.BlockHashByHeight(6); !errors.Is(err, ErrBlockNotFound) {
		t.Fatalf("BlockHashByHeight(6): %v", err)
	}
}

// TestConnectAndSpend mines past coinbase maturity, spends coinbases in a
// chain of transactions inside one block, and checks the UTXO set.
func TestConnectAndSpend(t *testing.T) {
	h := newHarness(t)
	blocks := h.extend(101)
	op := coinbaseOut(blocks[0])
	e, err := h.chain.FetchUtxoEntry(op)
	if err != nil || e == nil || !e.IsCoinBase || e.BlockHeight != 1 || e.Amount != 50*SatoshiPerBitcoin {
		t.Fatalf("coinbase entry %+v, %v", e, err)
	}
	tx1 := spendTx([]wire.OutPoint{op}, e.Amount, 1000, 2)
	tx2 := spendTx([]wire.OutPoint{{Hash: tx1.TxHash(), Index: 1}}, tx1.TxOut[1].Value, 500, 1)
	blk := h.makeBlock(h.tipNode(), []*wire.MsgTx{tx1, tx2}, blockOpts{fees: 1500})
	h.mustProcess(blk)
	if e, _ := h.chain.FetchUtxoEntry(op); e != nil {
		t.Fatal("spent coinbase still unspent")
	}
	if e, _ := h.chain.FetchUtxoEntry(wire.OutPoint{Hash: tx1.TxHash(), Index: 1}); e != nil {
		t.Fatal("output spent in the same block still unspent")
	}
	e2, _ := h.chain.FetchUtxoEntry(wire.OutPoint{Hash: tx2.TxHash(), Index: 0})
	if e2 == nil || e2.BlockHeight != 102 || e2.IsCoinBase {
		t.Fatalf("new output %+v", e2)
	}
	st, err := h.chain.UtxoSetStats()
	if err != nil {
		t.Fatal(err)
	}
	// 102 coinbases minus one spent, plus tx1:0 and tx2:0.
	if st.TxOuts != 103 || st.Height != 102 {
		t.Fatalf("stats %+v", st)
	}
	want := int64(102) * 50 * SatoshiPerBitcoin
	if st.TotalAmount != want {
		t.Fatalf("total %d, want %d", st.TotalAmount, want)
	}
	if err := h.chain.VerifyChain(0); err != nil {
		t.Fatalf("VerifyChain: %v", err)
	}
	bh := blk.BlockHash()
	if info, err := h.chain.BlockInfoByHash(&bh); err != nil || info.NumTxns != 3 ||
		info.Confirmations != 1 || !info.InMainChain || !info.Status.Valid || info.Height != 102 {
		t.Fatalf("BlockInfoByHash: %+v %v", info, err)
	}
	spent, err := h.chain.SpentOutputs(&bh)
	if err != nil || len(spent) != 2 || !spent[0].IsCoinBase || spent[1].Amount != tx1.TxOut[1].Value {
		t.Fatalf("SpentOutputs: %v %v", spent, err)
	}
	// Corrupt the set behind the chain's back: verifychain must notice.
	lost := wire.OutPoint{Hash: tx2.TxHash(), Index: 0}
	batch := h.db.NewBatch()
	batch.DeleteUtxo(&lost.Hash, lost.Index)
	if err := h.db.Write(batch); err != nil {
		t.Fatal(err)
	}
	h.chain.cache.m = map[wire.OutPoint]cacheEntry{} // clean after UtxoSetStats's flush
	h.chain.cache.usage = 0
	if err := h.chain.VerifyChain(5); !errors.Is(err, ErrCorruptDatabase) {
		t.Fatalf("VerifyChain on a corrupt set: %v", err)
	}
	// Notifications: genesis has none; 102 connects and accepts.
	connects := 0
	for _, n := range h.notes {
		if n.Type == NTBlockConnected {
			connects++
			if n.ValidationTime <= 0 {
				t.Fatalf("block %d connected with no validation time", n.Height)
			}
		} else if n.ValidationTime != 0 {
			t.Fatalf("%v of block %d carries a validation time", n.Type, n.Height)
		}
	}
	if connects != 102 {
		t.Fatalf("%d connect notifications", connects)
	}
}

// TestReorg builds a side chain with more work, checks the reorganisation,
// its notifications, and that the UTXO set equals one built on the winning
// branch alone.
func TestReorg(t *testing.T) {
	h := newHarness(t)
	base := h.extend(101)
	fork := h.tipNode()
	// Main branch: spend coinbase 0 then two more blocks.
	op := coinbaseOut(base[0])
	spend := spendTx([]wire.OutPoint{op}, 50*SatoshiPerBitcoin, 1000, 1)
	a1 := h.makeBlock(fork, []*wire.MsgTx{spend}, blockOpts{fees: 1000})
	h.mustProcess(a1)
	a2 := h.makeBlock(h.nodeOf(a1.BlockHash()), nil, blockOpts{})
	h.mustProcess(a2)
	// Side branch of three blocks spending coinbase 1 instead.
	op1 := coinbaseOut(base[1])
	spendB := spendTx([]wire.OutPoint{op1}, 50*SatoshiPerBitcoin, 2000, 3)
	b1 := h.makeBlock(fork, []*wire.MsgTx{spendB}, blockOpts{fees: 2000, timeDelta: 601})
	if main := h.mustProcess(b1); main {
		t.Fatal("b1 should be a side block")
	}
	b2 := h.makeBlock(h.nodeOf(b1.BlockHash()), nil, blockOpts{})
	h.mustProcess(b2)
	h.notes = nil
	b3 := h.makeBlock(h.nodeOf(b2.BlockHash()), nil, blockOpts{})
	if main := h.mustProcess(b3); !main {
		t.Fatal("b3 should be on the main chain")
	}
	if hash, height := h.tip(); hash != b3.BlockHash() || height != 104 {
		t.Fatalf("tip %s/%d", hash, height)
	}
	var kinds []NotificationType
	var hashes []chainhash.Hash
	for _, n := range h.notes {
		if n.Type != NTBlockAccepted {
			kinds = append(kinds, n.Type)
			hashes = append(hashes, n.Hash)
		}
	}
	wantKinds := []NotificationType{NTBlockDisconnected, NTBlockDisconnected, NTBlockConnected,
		NTBlockConnected, NTBlockConnected}
	wantHashes := []chainhash.Hash{a2.BlockHash(), a1.BlockHash(), b1.BlockHash(), b2.BlockHash(), b3.BlockHash()}
	if len(kinds) != len(wantKinds) {
		t.Fatalf("notifications %v", kinds)
	}
	for i := range kinds {
		if kinds[i] != wantKinds[i] || hashes[i] != wantHashes[i] {
			t.Fatalf("notification %d: %v %s", i, kinds[i], hashes[i])
		}
	}
	if e, _ := h.chain.FetchUtxoEntry(op); e == nil {
		t.Fatal("coinbase 0 not restored by the reorganisation")
	}
	if e, _ := h.chain.FetchUtxoEntry(op1); e != nil {
		t.Fatal("coinbase 1 not spent after the reorganisation")
	}
	got, err := h.chain.UtxoSetStats()
	if err != nil {
		t.Fatal(err)
	}
	// The same blocks on a fresh chain give the same set.
	h2 := newHarness(t)
	for _, blk := range append(append([]*wire.MsgBlock{}, base...), b1, b2, b3) {
		h2.mustProcess(blk)
	}
	want, err := h2.chain.UtxoSetStats()
	if err != nil {
		t.Fatal(err)
	}
	if got.SerializedHash != want.SerializedHash || got.TxOuts != want.TxOuts ||
		got.TotalAmount != want.TotalAmount {
		t.Fatalf("utxo set after reorg %+v, fresh %+v", got, want)
	}
	// Tips: the active one and the abandoned branch.
	tips := h.chain.ChainTips()
	if len(tips) != 2 {
		t.Fatalf("tips %+v", tips)
	}
	for _, tp := range tips {
		switch tp.Hash {
		case b3.BlockHash():
			if tp.Status != "active" || tp.BranchLen != 0 {
				t.Fatalf("active tip %+v", tp)
			}
		case a2.BlockHash():
			if tp.Status != "valid-fork" || tp.BranchLen != 2 {
				t.Fatalf("fork tip %+v", tp)
			}
		default:
			t.Fatalf("unexpected tip %+v", tp)
		}
	}
	// Reorg back by extending the old branch past the new one.
	a3 := h.makeBlock(h.nodeOf(a2.BlockHash()), nil, blockOpts{})
	h.mustProcess(a3)
	a4 := h.makeBlock(h.nodeOf(a3.BlockHash()), nil, blockOpts{})
	if !h.mustProcess(a4) {
		t.Fatal("a4 should win")
	}
	if e, _ := h.chain.FetchUtxoEntry(op1); e == nil {
		t.Fatal("coinbase 1 not restored by the second reorganisation")
	}
	h.reopen()
	if hash, _ := h.tip(); hash != a4.BlockHash() {
		t.Fatalf("tip after restart %s", hash)
	}
}

// TestReorgToInvalidBranch offers a heavier branch with an invalid block in
// it: the chain must stay on its branch with its UTXO set unchanged, and the
// bad block and its descendants must be marked invalid.
func TestReorgToInvalidBranch(t *testing.T) {
	h := newHarness(t)
	base := h.extend(101)
	fork := h.tipNode()
	a1 := h.makeBlock(fork, nil, blockOpts{})
	h.mustProcess(a1)
	a2 := h.makeBlock(h.nodeOf(a1.BlockHash()), nil, blockOpts{})
	h.mustProcess(a2)
	before, _ := h.chain.UtxoSetStats()

	b1 := h.makeBlock(fork, nil, blockOpts{timeDelta: 599})
	h.mustProcess(b1)
	// b2 spends coinbase 0 twice across two transactions: only detectable
	// when connecting.
	op := coinbaseOut(base[0])
	t1 := spendTx([]wire.OutPoint{op}, 50*SatoshiPerBitcoin, 0, 1)
	t2 := spendTx([]wire.OutPoint{op}, 50*SatoshiPerBitcoin, 1, 1)
	b2 := h.makeBlock(h.nodeOf(b1.BlockHash()), []*wire.MsgTx{t1, t2}, blockOpts{})
	if main, _, err := h.chain.ProcessBlock(b2, BFNone); err != nil || main {
		t.Fatalf("b2 (equal work) should be stored as a side block: %v %v", main, err)
	}
	b3 := h.makeBlock(h.nodeOf(b2.BlockHash()), nil, blockOpts{})
	_, _, err := h.chain.ProcessBlock(b3, BFNone)
	expectKind(t, "b3 on invalid b2", err, ErrMissingTxOut)
	if hash, _ := h.tip(); hash != a2.BlockHash() {
		t.Fatalf("tip moved to %s", hash)
	}
	after, _ := h.chain.UtxoSetStats()
	if after.SerializedHash != before.SerializedHash {
		t.Fatal("utxo set changed by a failed reorganisation")
	}
	if st := h.nodeOf(b2.BlockHash()).status; st&statusValidateFailed == 0 {
		t.Fatalf("b2 status %b", st)
	}
	if st := h.nodeOf(b3.BlockHash()).status; st&statusInvalidAncestor == 0 {
		t.Fatalf("b3 status %b", st)
	}
	if st := h.nodeOf(b1.BlockHash()).status; st.KnownInvalid() {
		t.Fatalf("b1 status %b", st)
	}
	b4 := h.makeBlock(h.nodeOf(b3.BlockHash()), nil, blockOpts{})
	_, _, err = h.chain.ProcessBlock(b4, BFNone)
	expectKind(t, "child of invalid", err, ErrInvalidAncestor)
	_, _, err = h.chain.ProcessBlock(b2, BFNone)
	expectKind(t, "resubmitted invalid", err, ErrKnownInvalid)
	// Invalid marks survive a restart.
	h.reopen()
	if st := h.nodeOf(b3.BlockHash()).status; !st.KnownInvalid() {
		t.Fatalf("b3 status after restart %b", st)
	}
	if hash, _ := h.tip(); hash != a2.BlockHash() {
		t.Fatalf("tip after restart %s", hash)
	}
}

// TestOrphans sends children before their parents.
func TestOrphans(t *testing.T) {
	h := newHarness(t)
	g := h.tipNode()
	b1 := h.makeBlock(g, nil, blockOpts{})
	n1 := newBlockNode(&b1.Header, g)
	b2 := h.makeBlock(n1, nil, blockOpts{})
	n2 := newBlockNode(&b2.Header, n1)
	b3 := h.makeBlock(n2, nil, blockOpts{})
	for _, blk := range []*wire.MsgBlock{b3, b2} {
		_, orphan, err := h.chain.ProcessBlock(blk, BFNone)
		if err != nil || !orphan {
			t.Fatalf("orphan %s: %v %v", blk.BlockHash(), orphan, err)
		}
	}
	b3h := b3.BlockHash()
	if !h.chain.IsKnownOrphan(&b3h) || !h.chain.HaveBlock(&b3h) {
		t.Fatal("b3 not known as orphan")
	}
	if root := h.chain.GetOrphanRoot(&b3h); *root != b1.BlockHash() {
		t.Fatalf("orphan root %s", root)
	}
	if _, _, err := h.chain.ProcessBlock(b3, BFNone); !errors.Is(err, ErrDuplicateBlock) {
		t.Fatalf("duplicate orphan: %v", err)
	}
	h.mustProcess(b1)
	if hash, height := h.tip(); hash != b3h || height != 3 {
		t.Fatalf("tip %s/%d", hash, height)
	}
	if h.chain.IsKnownOrphan(&b3h) {
		t.Fatal("b3 still an orphan")
	}
	if _, _, err := h.chain.ProcessBlock(b3, BFNone); !errors.Is(err, ErrDuplicateBlock) {
		t.Fatalf("duplicate: %v", err)
	}
}

// TestHeadersFirst processes headers and then the blocks out of order.
func TestHeadersFirst(t *testing.T) {
	h := newHarness(t)
	var blocks []*wire.MsgBlock
	var headers []*wire.BlockHeader
	parent := h.tipNode()
	for i := 0; i < 5; i++ {
		blk := h.makeBlock(parent, nil, blockOpts{})
		blocks = append(blocks, blk)
		headers = append(headers, &blk.Header)
		parent = newBlockNode(&blk.Header, parent)
	}
	if n, err := h.chain.ProcessBlockHeaders(headers); err != nil || n != 5 {
		t.Fatalf("ProcessBlockHeaders: %d %v", n, err)
	}
	if hash, height := h.chain.BestHeader(); height != 5 || hash != blocks[4].BlockHash() {
		t.Fatalf("best header %s/%d", hash, height)
	}
	h.reopen()
	if hash, height := h.chain.BestHeader(); height != 5 || hash != blocks[4].BlockHash() {
		t.Fatalf("best header after restart %s/%d", hash, height)
	}
	if h.chain.IsCurrent() {
		t.Fatal("current with headers ahead")
	}
	loc := h.chain.BlockLocatorFromHash(&parent.hash)
	if len(loc) != 6 || loc[0] != parent.hash || loc[5] != *h.params.GenesisHash {
		t.Fatalf("locator %v", loc)
	}
	if got := h.chain.BlocksToFetch(2); len(got) != 2 || got[0] != blocks[0].BlockHash() {
		t.Fatalf("BlocksToFetch before: %v", got)
	}
	// Blocks 3, 5, 4 arrive before 1 and 2: none is an orphan.
	for _, i := range []int{2, 4, 3} {
		main, orphan, err := h.chain.ProcessBlock(blocks[i], BFNone)
		if err != nil || orphan || main {
			t.Fatalf("block %d: main=%v orphan=%v err=%v", i+1, main, orphan, err)
		}
	}
	if got := h.chain.BlocksToFetch(10); len(got) != 2 || got[1] != blocks[1].BlockHash() {
		t.Fatalf("BlocksToFetch with 3-5 stored: %v", got)
	}
	h.mustProcess(blocks[0])
	if _, height := h.tip(); height != 1 {
		t.Fatalf("height %d after block 1", height)
	}
	h.mustProcess(blocks[1])
	if hash, height := h.tip(); height != 5 || hash != blocks[4].BlockHash() {
		t.Fatalf("tip %s/%d after block 2", hash, height)
	}
	if got := h.chain.BlocksToFetch(10); len(got) != 0 {
		t.Fatalf("BlocksToFetch when synced: %v", got)
	}
	// A header with an unknown parent.
	bad := blocks[0].Header
	bad.PrevBlock = chainhash.Hash{1}
	badBlk := &wire.MsgBlock{Header: bad}
	solve(badBlk, h.params)
	expectKind(t, "unknown parent", h.chain.ProcessBlockHeader(&badBlk.Header), ErrPrevBlockNotFound)
	// getheaders from genesis.
	got := h.chain.LocateHeaders(BlockLocator{*h.params.GenesisHash}, nil)
	if len(got) != 5 || got[4].BlockHash() != blocks[4].BlockHash() {
		t.Fatalf("LocateHeaders: %d", len(got))
	}
	stop := blocks[1].BlockHash()
	if got := h.chain.LocateBlocks(BlockLocator{*h.params.GenesisHash}, &stop, 500); len(got) != 2 {
		t.Fatalf("LocateBlocks with stop: %d", len(got))
	}
}

// TestInvalidateReconsider disconnects a block with invalidateblock, moves
// to another branch, and back with reconsiderblock.
func TestInvalidateReconsider(t *testing.T) {
	h := newHarness(t)
	main := h.extend(4)
	fork := h.nodeOf(main[1].BlockHash())
	side := h.makeBlock(fork, nil, blockOpts{timeDelta: 900})
	h.mustProcess(side)
	mh := main[2].BlockHash()
	if err := h.chain.InvalidateBlock(&mh); err != nil {
		t.Fatal(err)
	}
	if hash, height := h.tip(); hash != side.BlockHash() || height != 3 {
		t.Fatalf("tip after invalidate %s/%d", hash, height)
	}
	if err := h.chain.ReconsiderBlock(&mh); err != nil {
		t.Fatal(err)
	}
	if hash, height := h.tip(); hash != main[3].BlockHash() || height != 4 {
		t.Fatalf("tip after reconsider %s/%d", hash, height)
	}
	g := *h.params.GenesisHash
	expectKind(t, "genesis", h.chain.InvalidateBlock(&g), ErrInvalidGenesis)
	unknown := chainhash.Hash{9}
	expectKind(t, "unknown", h.chain.InvalidateBlock(&unknown), ErrBlockNotFound)
	if err := h.chain.VerifyChain(3); err != nil {
		t.Fatal(err)
	}
}

// TestCheckConnectBlockTemplate validates unsolved templates.
func TestCheckConnectBlockTemplate(t *testing.T) {
	h := newHarness(t)
	base := h.extend(101)
	spend := spendTx([]wire.OutPoint{coinbaseOut(base[0])}, 50*SatoshiPerBitcoin, 500, 1)
	tmpl := h.makeBlock(h.tipNode(), []*wire.MsgTx{spend}, blockOpts{fees: 500, noSolve: true})
	unsolve(tmpl)
	if err := h.chain.CheckConnectBlockTemplate(tmpl); err != nil {
		t.Fatalf("valid template: %v", err)
	}
	greedy := h.makeBlock(h.tipNode(), []*wire.MsgTx{spend}, blockOpts{fees: 501, noSolve: true})
	expectKind(t, "greedy template", h.chain.CheckConnectBlockTemplate(greedy), ErrBadCoinbaseValue)
	stale := h.makeBlock(h.nodeOf(base[50].BlockHash()), nil, blockOpts{noSolve: true})
	expectKind(t, "stale template", h.chain.CheckConnectBlockTemplate(stale), ErrPrevBlockNotFound)
	if hash, height := h.tip(); height != 101 || hash != base[100].BlockHash() {
		t.Fatal("template changed the chain")
	}
	if e, _ := h.chain.FetchUtxoEntry(coinbaseOut(base[0])); e == nil {
		t.Fatal("template spent an output")
	}
}

// TestConcurrentReaders runs the query methods beside a writer (useful
// under -race) and has a notification receiver call back into the chain.
func TestConcurrentReaders(t *testing.T) {
	h := newHarness(t)
	h.quiet = true
	var seen []int32
	h.chain.Subscribe(func(n *Notification) {
		if n.Type == NTBlockConnected {
			// Receivers may query the chain.
			if best := h.chain.BestSnapshot(); best.Height < n.Height {
				t.Errorf("snapshot %d behind notification %d", best.Height, n.Height)
			}
			_, _ = h.chain.BlockHashByHeight(n.Height)
			seen = append(seen, n.Height)
		}
	})
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			default:
			}
			s := h.chain.BestSnapshot()
			_, _ = h.chain.BlockHashByHeight(s.Height)
			_, _ = h.chain.FetchUtxoEntry(wire.OutPoint{Hash: s.Hash})
			_ = h.chain.ChainTips()
			_ = h.chain.LatestBlockLocator()
			_, _ = h.chain.UtxoSetStats()
		}
	}()
	h.extend(30)
	close(done)
	<-stopped
	if len(seen) != 30 || seen[29] != 30 {
		t.Fatalf("notifications %v", seen)
	}
}

// TestOrphanBounds fills the orphan pool past its bound and lets orphans
// expire.
func TestOrphanBounds(t *testing.T) {
	h := newHarness(t)
	g := h.tipNode()
	fake := &blockNode{hash: chainhash.Hash{0xee}, height: 5, timestamp: g.timestamp, workSum: g.workSum}
	var first chainhash.Hash
	for i := 0; i < maxOrphanBlocks+5; i++ {
		blk := h.makeBlock(fake, nil, blockOpts{})
		if i == 0 {
			first = blk.BlockHash()
		}
		if _, orphan, err := h.chain.ProcessBlock(blk, BFNone); err != nil || !orphan {
			t.Fatalf("orphan %d: %v %v", i, orphan, err)
		}
	}
	if n := len(h.chain.orphans); n != maxOrphanBlocks {
		t.Fatalf("%d orphans kept", n)
	}
	if h.chain.IsKnownOrphan(&first) {
		t.Fatal("oldest orphan not evicted")
	}
	// Move the clock past the expiry: the next orphan evicts the rest.
	h.chain.timeSource = func() time.Time { return testClock.Add(2 * orphanExpiry) }
	blk := h.makeBlock(fake, nil, blockOpts{})
	if _, orphan, _ := h.chain.ProcessBlock(blk, BFNone); !orphan {
		t.Fatal("not an orphan")
	}
	if n := len(h.chain.orphans); n != 1 || len(h.chain.prevOrphan[fake.hash]) != 1 {
		t.Fatalf("%d orphans after expiry", n)
	}
	if h.chain.orphanSize != blk.SerializeSize() {
		t.Fatalf("orphan bytes %d", h.chain.orphanSize)
	}
}

// TestStoredButNotConnected simulates a crash after a block was stored and
// before it was connected: the next start connects it.
func TestStoredButNotConnected(t *testing.T) {
	h := newHarness(t)
	h.extend(3)
	blk := h.makeBlock(h.tipNode(), nil, blockOpts{})
	n := newBlockNode(&blk.Header, h.tipNode())
	n.status = statusHeaderValid | statusDataStored
	hash := blk.BlockHash()
	batch := h.db.NewBatch()
	batch.PutBlock(&hash, blk.Bytes())
	batch.PutBlockIndex(&hash, encodeIndexRecord(n))
	if err := h.db.Write(batch); err != nil {
		t.Fatal(err)
	}
	h.reopen()
	if tip, height := h.tip(); tip != hash || height != 4 {
		t.Fatalf("tip %s/%d", tip, height)
	}
	if e, _ := h.chain.FetchUtxoEntry(coinbaseOut(blk)); e == nil {
		t.Fatal("coinbase of the recovered block missing")
	}
}

// TestChainTipStatuses covers headers-only and invalid tips.
func TestChainTipStatuses(t *testing.T) {
	h := newHarness(t)
	blocks := h.extend(3)
	fork := h.nodeOf(blocks[0].BlockHash())
	hdrOnly := h.makeBlock(fork, nil, blockOpts{timeDelta: 700})
	if err := h.chain.ProcessBlockHeader(&hdrOnly.Header); err != nil {
		t.Fatal(err)
	}
	bad := h.makeBlock(fork, nil, blockOpts{timeDelta: 800, cbValue: 51 * SatoshiPerBitcoin})
	if _, _, err := h.chain.ProcessBlock(bad, BFNone); err != nil {
		t.Fatalf("side block: %v", err)
	}
	badChild := h.makeBlock(h.nodeOf(bad.BlockHash()), nil, blockOpts{})
	badGrandChild := h.makeBlock(newBlockNode(&badChild.Header, h.nodeOf(bad.BlockHash())), nil, blockOpts{})
	h.chain.ProcessBlock(badChild, BFNone)
	_, _, err := h.chain.ProcessBlock(badGrandChild, BFNone)
	expectKind(t, "bad branch", err, ErrBadCoinbaseValue)
	got := map[chainhash.Hash]string{}
	for _, tp := range h.chain.ChainTips() {
		got[tp.Hash] = tp.Status
	}
	want := map[chainhash.Hash]string{
		blocks[2].BlockHash():     "active",
		hdrOnly.BlockHash():       "headers-only",
		badGrandChild.BlockHash(): "invalid",
	}
	if len(got) != len(want) {
		t.Fatalf("tips %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("tip %s: %q, want %q", k, got[k], v)
		}
	}
}

// TestVerifyChainBudget checks verifychain's memory bound: with room for
// every block's UTXO changes all are disconnected and reconnected; with a
// small budget only the newest are, the older ones are still checked on
// their own (a corrupt stored block below the budget is still found), and
// the chain is reported sound.
func TestVerifyChainBudget(t *testing.T) {
	h := newHarness(t)
	blocks := h.extend(30)
	tests := []struct {
		name       string
		depth      int32
		maxEntries int
		wantFull   int
	}{
		{"unbounded", 0, 1 << 30, 30},
		{"depth", 10, 1 << 30, 10},
		{"budget of a few blocks", 0, 4, 5},
		{"no room at all", 0, -1, 0},
	}
	for _, tc := range tests {
		full, err := h.chain.verifyChain(tc.depth, tc.maxEntries)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if full != tc.wantFull {
			t.Errorf("%s: %d blocks disconnected and reconnected, want %d", tc.name, full, tc.wantFull)
		}
	}
	// Block 3's undo data goes missing: found past the budget too.
	hash := blocks[2].BlockHash()
	batch := h.db.NewBatch()
	batch.DeleteUndo(&hash)
	if err := h.db.Write(batch); err != nil {
		t.Fatal(err)
	}
	if _, err := h.chain.verifyChain(0, 4); err == nil {
		t.Fatal("missing undo data below the budget not found")
	}
}

// TestSubscribeOrder checks that every notification reaches
// Config.Notifications first and then each Subscribe receiver in the order
// they subscribed, so a later receiver (the P2P side) sees the state an
// earlier one (the pool) already updated.
func TestSubscribeOrder(t *testing.T) {
	h := newHarness(t)
	h.quiet = true
	var order []string
	h.onNote = func(n *Notification) { order = append(order, fmt.Sprintf("config %v", n.Type)) }
	for _, name := range []string{"first", "second"} {
		h.chain.Subscribe(func(n *Notification) { order = append(order, fmt.Sprintf("%s %v", name, n.Type)) })
	}
	h.extend(2)
	if len(order) == 0 || len(order)%3 != 0 {
		t.Fatalf("deliveries %q: want three receivers per notification", order)
	}
	for i := 0; i < len(order); i += 3 {
		typ := strings.TrimPrefix(order[i], "config ")
		if !strings.HasPrefix(order[i], "config ") || order[i+1] != "first "+typ || order[i+2] != "second "+typ {
			t.Fatalf("deliveries %q: out of order at %d", order, i)
		}
	}
	connected := 0
	for _, o := range order {
		if o == fmt.Sprintf("second %v", NTBlockConnected) {
			connected++
		}
	}
	if connected != 2 {
		t.Fatalf("the last receiver saw %d connects, want 2: %q", connected, order)
	}
}
