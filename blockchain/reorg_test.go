package blockchain

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/internal/store"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// twoBranches is a chain of 101 blocks (so their coinbases are mature)
// with two branches on its tip: old, which the chain follows, and new, built
// but not yet processed.
type twoBranches struct {
	base, old, new []*wire.MsgBlock
	fork           *blockNode
}

// buildBranches mines the base and an old branch of oldLen blocks into h,
// and builds a new branch of newLen blocks on the same fork. badAt (1-based,
// zero for none) is a block of the new branch whose coinbase pays one
// satoshi too much, which only connecting it finds.
func buildBranches(h *testHarness, oldLen, newLen, badAt int) *twoBranches {
	h.t.Helper()
	tb := &twoBranches{base: h.extend(101)}
	tb.fork = h.tipNode()
	tb.old = h.branch(tb.fork, tb.base, oldLen, 0, 1, true)
	tb.new = h.branch(tb.fork, tb.base, newLen, badAt, 2, false)
	return tb
}

// branch builds n blocks on parent, processing them when process is set.
// Block i spends base[i]'s coinbase to outs outputs (both branches spend
// the same coinbases, so a reorganisation restores and spends them again)
// and, from the second block on, the first output of the previous block's
// spend (outputs created and spent inside the branch).
func (h *testHarness) branch(parent *blockNode, base []*wire.MsgBlock, n, badAt, outs int,
	process bool) []*wire.MsgBlock {

	h.t.Helper()
	var blocks []*wire.MsgBlock
	var prev *wire.MsgTx
	for i := 0; i < n; i++ {
		fees := int64(1000)
		txs := []*wire.MsgTx{spendTx([]wire.OutPoint{coinbaseOut(base[i])},
			base[i].Transactions[0].TxOut[0].Value, fees, outs)}
		if prev != nil {
			op := wire.OutPoint{Hash: prev.TxHash()}
			txs = append(txs, spendTx([]wire.OutPoint{op}, prev.TxOut[0].Value, 500, 1))
			fees += 500
		}
		prev = txs[0]
		o := blockOpts{fees: fees, timeDelta: 600 + int64(outs)}
		if i+1 == badAt {
			o.cbValue = standalone.CalcBlockSubsidy(parent.height+1, h.params) + fees + 1
		}
		blk := h.makeBlock(parent, txs, o)
		if process {
			h.mustProcess(blk)
			parent = h.nodeOf(blk.BlockHash())
		} else {
			// makeBlock reads only the parent's hash, height and time.
			parent = newBlockNode(&blk.Header, parent)
		}
		blocks = append(blocks, blk)
	}
	return blocks
}

// offerHeadersFirst gives the chain the new branch's headers, then its
// blocks from the last to the first, so the whole reorganisation happens
// when the first block arrives (as a headers-first sync can do). It returns
// that block's error (the error of a block that failed to connect, when it
// is the first block itself).
func (h *testHarness) offerHeadersFirst(blocks []*wire.MsgBlock) error {
	h.t.Helper()
	headers := make([]*wire.BlockHeader, len(blocks))
	for i, blk := range blocks {
		headers[i] = &blk.Header
	}
	if n, err := h.chain.ProcessBlockHeaders(headers); err != nil || n != len(headers) {
		h.t.Fatalf("ProcessBlockHeaders: %d, %v", n, err)
	}
	for i := len(blocks) - 1; i >= 1; i-- {
		h.mustProcess(blocks[i])
	}
	_, _, err := h.chain.ProcessBlock(blocks[0], BFNone)
	return err
}

// noteRecord is a notification with the chain's height when it arrived.
type noteRecord struct {
	n         *Notification
	tipHeight int32
}

// recordNotes makes h record every connected and disconnected notification
// with the tip height seen by the receiver, which also queries the chain
// under its read lock (a deadlock if a writer delivered while holding it).
func (h *testHarness) recordNotes(t *testing.T) *[]noteRecord {
	var recs []noteRecord
	h.quiet = true
	h.onNote = func(n *Notification) {
		if n.Type == NTBlockAccepted {
			return
		}
		s := h.chain.BestSnapshot()
		if _, err := h.chain.BlockHashByHeight(s.Height); err != nil {
			t.Errorf("query during notification: %v", err)
		}
		recs = append(recs, noteRecord{n: n, tipHeight: s.Height})
	}
	return &recs
}

// checkNoteReplay replays notifications over the chain they started from
// (chain, the fork first): each disconnected block must be the replayed
// tip, each connected block must extend it, and the replay must end on want.
func checkNoteReplay(t *testing.T, recs []noteRecord, chain []chainhash.Hash, want chainhash.Hash) {
	t.Helper()
	chain = slices.Clone(chain)
	for i, r := range recs {
		n := r.n
		if n.Block == nil || n.Block.BlockHash() != n.Hash {
			t.Fatalf("notification %d (%v %s) carries another block", i, n.Type, n.Hash)
		}
		top := chain[len(chain)-1]
		switch n.Type {
		case NTBlockDisconnected:
			if n.Hash != top {
				t.Fatalf("notification %d disconnects %s, the replayed tip is %s", i, n.Hash, top)
			}
			chain = chain[:len(chain)-1]
		case NTBlockConnected:
			if n.Block.Header.PrevBlock != top {
				t.Fatalf("notification %d connects %s on %s, the replayed tip is %s", i, n.Hash,
					n.Block.Header.PrevBlock, top)
			}
			chain = append(chain, n.Hash)
		}
	}
	if got := chain[len(chain)-1]; got != want {
		t.Fatalf("notifications replay to %s, want %s", got, want)
	}
}

// checkNotes checks the notifications are exactly the disconnection of
// detach (tip first) then the connection of attach, each with its block
// (read back from the store for most of them), all delivered after the
// change with the chain on its final tip, as a reorganisation staged in
// one view delivered them.
func checkNotes(t *testing.T, recs []noteRecord, detach, attach []*wire.MsgBlock, tipHeight int32) {
	t.Helper()
	type note struct {
		typ  NotificationType
		hash chainhash.Hash
	}
	var want []note
	for i := len(detach) - 1; i >= 0; i-- {
		want = append(want, note{NTBlockDisconnected, detach[i].BlockHash()})
	}
	for _, blk := range attach {
		want = append(want, note{NTBlockConnected, blk.BlockHash()})
	}
	if len(recs) != len(want) {
		t.Fatalf("%d notifications, want %d", len(recs), len(want))
	}
	for i, r := range recs {
		if r.n.Type != want[i].typ || r.n.Hash != want[i].hash {
			t.Fatalf("notification %d: %v %s, want %v %s", i, r.n.Type, r.n.Hash, want[i].typ,
				want[i].hash)
		}
		if r.tipHeight != tipHeight {
			t.Fatalf("notification %d delivered with the tip at %d, not the final %d", i,
				r.tipHeight, tipHeight)
		}
	}
}

// hashesOf returns the blocks' hashes.
func hashesOf(blocks []*wire.MsgBlock) []chainhash.Hash {
	out := make([]chainhash.Hash, len(blocks))
	for i, blk := range blocks {
		out[i] = blk.BlockHash()
	}
	return out
}

// checkSameUtxoSet compares h's UTXO set with a fresh chain's that saw only
// blocks.
func checkSameUtxoSet(t *testing.T, h *testHarness, blocks []*wire.MsgBlock) {
	t.Helper()
	got, err := h.chain.UtxoSetStats()
	if err != nil {
		t.Fatal(err)
	}
	fresh := newHarness(t)
	fresh.quiet = true
	for _, blk := range blocks {
		fresh.mustProcess(blk)
	}
	want, err := fresh.chain.UtxoSetStats()
	if err != nil {
		t.Fatal(err)
	}
	if got.SerializedHash != want.SerializedHash || got.TxOuts != want.TxOuts ||
		got.TotalAmount != want.TotalAmount || got.BestHash != want.BestHash {
		t.Fatalf("utxo set %+v, a fresh chain of the same blocks has %+v", got, want)
	}
}

// TestDeepReorgChunks runs reorganisations deeper than the chunk size, some
// to a branch with an invalid block in the middle, and checks the chain
// holds at most two chunks of blocks at once (the onChunk hook: one being
// disconnected, one kept for notifications), delivers its notifications
// complete and in order (exactly the old tip's blocks disconnected then the
// final branch's connected, even when it went part way down a failing
// branch and back), ends on the most-work valid chain, and has the UTXO set
// of a fresh chain that saw only that chain.
func TestDeepReorgChunks(t *testing.T) {
	tests := []struct {
		name           string
		chunk          int // zero: reorgChunkBlocks
		oldLen, newLen int
		badAt          int  // 1-based block of the new branch that is invalid
		inOrder        bool // offer the new branch in order, not headers first
		want           string
		wantLen        int // blocks of the winning branch
	}{
		{name: "default chunk, headers first", oldLen: 40, newLen: 41, want: "new", wantLen: 41},
		{name: "default chunk, in order", oldLen: 40, newLen: 41, inOrder: true, want: "new",
			wantLen: 41},
		{name: "chunk 4, not a multiple", chunk: 4, oldLen: 13, newLen: 15, want: "new",
			wantLen: 15},
		{name: "chunk 1", chunk: 1, oldLen: 5, newLen: 6, want: "new", wantLen: 6},
		{name: "invalid in the middle, old branch back", oldLen: 40, newLen: 41, badAt: 20,
			want: "old", wantLen: 40},
		{name: "invalid first block, old branch back", chunk: 4, oldLen: 13, newLen: 14,
			badAt: 1, want: "old", wantLen: 13},
		{name: "invalid, valid part has equal work, old branch back", chunk: 4, oldLen: 13,
			newLen: 20, badAt: 14, want: "old", wantLen: 13},
		{name: "invalid late, valid part has more work", chunk: 4, oldLen: 13, newLen: 25,
			badAt: 20, want: "new", wantLen: 19},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			chunk := tc.chunk
			if chunk == 0 {
				chunk = reorgChunkBlocks
			}
			if tc.oldLen <= chunk && tc.badAt == 0 {
				t.Fatalf("case is not deeper than its chunk of %d", chunk)
			}
			h := &testHarness{t: t, dir: t.TempDir(), params: regtestParams(), reorgChunk: tc.chunk}
			maxHeld, chunks := 0, 0
			h.onChunk = func(held int) {
				chunks++
				maxHeld = max(maxHeld, held)
			}
			h.open()
			t.Cleanup(h.close)
			recs := h.recordNotes(t)
			tb := buildBranches(h, tc.oldLen, tc.newLen, tc.badAt)
			*recs = nil
			maxHeld, chunks = 0, 0

			if tc.inOrder {
				for _, blk := range tb.new {
					h.mustProcess(blk)
				}
			} else {
				err := h.offerHeadersFirst(tb.new)
				if tc.badAt == 1 {
					expectKind(t, "first block invalid", err, ErrBadCoinbaseValue)
				} else if err != nil {
					t.Fatalf("first block of the new branch: %v", err)
				}
			}

			var winner []*wire.MsgBlock
			if tc.want == "new" {
				winner = tb.new[:tc.wantLen]
			} else {
				winner = tb.old[:tc.wantLen]
			}
			wantTip := winner[len(winner)-1].BlockHash()
			if hash, height := h.tip(); hash != wantTip ||
				height != tb.fork.height+int32(tc.wantLen) {
				t.Fatalf("tip %s at %d, want %s branch's block %d", hash, height, tc.want,
					tc.wantLen)
			}
			if maxHeld > 2*chunk {
				t.Fatalf("held %d blocks at once, chunk is %d", maxHeld, chunk)
			}
			if minChunks := tc.oldLen / chunk; chunks < minChunks {
				t.Fatalf("%d chunks for a reorganisation of %d blocks in chunks of %d", chunks,
					tc.oldLen, chunk)
			}
			start := append([]chainhash.Hash{tb.fork.hash}, hashesOf(tb.old)...)
			checkNoteReplay(t, *recs, start, wantTip)
			if tc.want == "new" {
				checkNotes(t, *recs, tb.old, winner, tb.fork.height+int32(tc.wantLen))
			} else {
				// Down the new branch and back: nothing to tell.
				checkNotes(t, *recs, nil, nil, 0)
			}
			if tc.badAt > 0 {
				bad := h.nodeOf(tb.new[tc.badAt-1].BlockHash())
				if bad.status&statusValidateFailed == 0 {
					t.Fatalf("bad block status %b", bad.status)
				}
				for _, blk := range tb.new[tc.badAt:] {
					if st := h.nodeOf(blk.BlockHash()).status; st&statusInvalidAncestor == 0 {
						t.Fatalf("descendant of the bad block has status %b", st)
					}
				}
			}
			chain := append(slices.Clone(tb.base), winner...)
			checkSameUtxoSet(t, h, chain)
			if err := h.chain.VerifyChain(0); err != nil {
				t.Fatalf("VerifyChain: %v", err)
			}
			h.reopen()
			if hash, _ := h.tip(); hash != wantTip {
				t.Fatalf("tip after restart %s", hash)
			}
			checkSameUtxoSet(t, h, chain)
			t.Logf("%d notifications in %d chunks, at most %d blocks held", len(*recs), chunks,
				maxHeld)
		})
	}
}

// TestDeepInvalidateChunks invalidates the first block of a main-chain
// branch deeper than the chunk, then reconsiders it: both directions go in
// chunks, with complete and ordered notifications, and the chain holds at
// most two chunks of blocks.
func TestDeepInvalidateChunks(t *testing.T) {
	const chunk = 4
	h := &testHarness{t: t, dir: t.TempDir(), params: regtestParams(), reorgChunk: chunk}
	maxHeld := 0
	h.onChunk = func(held int) { maxHeld = max(maxHeld, held) }
	h.open()
	t.Cleanup(h.close)
	recs := h.recordNotes(t)
	tb := buildBranches(h, 14, 0, 0)
	*recs = nil
	maxHeld = 0

	first := tb.old[0].BlockHash()
	if err := h.chain.InvalidateBlock(&first); err != nil {
		t.Fatal(err)
	}
	if hash, _ := h.tip(); hash != tb.fork.hash {
		t.Fatalf("tip %s after invalidateblock, want the fork", hash)
	}
	if maxHeld > 2*chunk {
		t.Fatalf("held %d blocks at once, chunk is %d", maxHeld, chunk)
	}
	checkNotes(t, *recs, tb.old, nil, tb.fork.height)
	checkSameUtxoSet(t, h, tb.base)

	*recs = nil
	maxHeld = 0
	if err := h.chain.ReconsiderBlock(&first); err != nil {
		t.Fatal(err)
	}
	want := tb.old[len(tb.old)-1].BlockHash()
	if hash, _ := h.tip(); hash != want {
		t.Fatalf("tip %s after reconsiderblock", hash)
	}
	if maxHeld > 2*chunk {
		t.Fatalf("held %d blocks at once, chunk is %d", maxHeld, chunk)
	}
	checkNotes(t, *recs, nil, tb.old, tb.fork.height+int32(len(tb.old)))
	checkSameUtxoSet(t, h, append(slices.Clone(tb.base), tb.old...))
}

// reorgCrashEnv names the directory a child process of
// TestReorgCrashBetweenChunks reorganises into until it is killed, and
// reorgCrashCaseEnv the case it runs.
const (
	reorgCrashEnv     = "TERND_CHAIN_REORG_CRASH_DIR"
	reorgCrashCaseEnv = "TERND_CHAIN_REORG_CRASH_CASE"
)

// reorgCrashCase is a deep reorganisation (13 blocks back, chunks of 4,
// headers first) killed between two chunks, when the tip is the given block
// of one branch (1-based) and the cache has just been flushed there.
type reorgCrashCase struct {
	name       string
	newLen     int
	badAt      int
	killBranch string
	killAt     int
	want       string // branch whose last block is the final tip
}

// reorgCrashCases: with chunks of 4 the tip passes old 13 (the notification
// of the accepted block), old 9, 5, 1 and the fork while disconnecting, then
// new 4, 8, 12; with a bad block at new 10 it stops at new 9, goes back
// through new 5, new 1 and the fork, and connects old 4, 8 and 12 again.
var reorgCrashCases = []reorgCrashCase{
	{name: "disconnecting", newLen: 14, killBranch: "old", killAt: 5, want: "new"},
	{name: "connecting", newLen: 14, killBranch: "new", killAt: 8, want: "new"},
	{name: "invalid, leaving the new branch", newLen: 14, badAt: 10, killBranch: "new",
		killAt: 5, want: "old"},
	{name: "invalid, connecting the old branch again", newLen: 14, badAt: 10,
		killBranch: "old", killAt: 8, want: "old"},
}

// TestReorgCrashBetweenChunks kills (SIGKILL) a child process in the middle
// of a deep reorganisation, between two chunks, just after its UTXO cache
// was flushed there, so the stored tip is a block neither branch's tip. The
// reopened chain must finish the reorganisation from the stored blocks (to
// the new branch, or back to the old one when the new one is invalid) and
// have the UTXO set of a fresh chain fed its main chain.
func TestReorgCrashBetweenChunks(t *testing.T) {
	if dir := os.Getenv(reorgCrashEnv); dir != "" {
		reorgCrashChild(t, dir, os.Getenv(reorgCrashCaseEnv))
		return
	}
	if testing.Short() {
		t.Skip("starts processes")
	}
	for _, tc := range reorgCrashCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^TestReorgCrashBetweenChunks$",
				"-test.count=1")
			cmd.Env = append(os.Environ(), reorgCrashEnv+"="+dir, reorgCrashCaseEnv+"="+tc.name)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := make(chan string)
			go func() {
				defer close(lines)
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					lines <- sc.Text()
				}
			}()
			var want, bad chainhash.Hash
			crashHeight := int32(-1)
			timeout := time.After(30 * time.Second)
			for crashHeight < 0 {
				select {
				case line, ok := <-lines:
					if !ok {
						cmd.Wait()
						t.Fatal("child ended before the crash point")
					}
					f := strings.Fields(line)
					if len(f) != 2 {
						continue
					}
					switch f[0] {
					case "want", "bad":
						hash, err := chainhash.NewHashFromStr(f[1])
						if err != nil {
							t.Fatal(err)
						}
						if f[0] == "want" {
							want = *hash
						} else {
							bad = *hash
						}
					case "crash":
						n, err := strconv.Atoi(f[1])
						if err != nil {
							t.Fatal(err)
						}
						crashHeight = int32(n)
					}
				case <-timeout:
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatal("child did not reach the crash point")
				}
			}
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()
			for range lines {
			}

			stored, err := readStoredTip(dir)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Height != crashHeight {
				t.Fatalf("stored tip at %d, the child flushed at %d", stored.Height, crashHeight)
			}
			h := newHarnessDir(t, dir)
			hash, height := h.tip()
			if hash != want {
				t.Fatalf("tip %s at %d after restart, want %s", hash, height, want)
			}
			if bad != (chainhash.Hash{}) && !h.nodeOf(bad).status.KnownInvalid() {
				t.Fatal("the bad block is not marked invalid after restart")
			}
			if err := h.chain.VerifyChain(0); err != nil {
				t.Fatalf("VerifyChain: %v", err)
			}
			var chain []*wire.MsgBlock
			for ht := int32(1); ht <= height; ht++ {
				hash, err := h.chain.BlockHashByHeight(ht)
				if err != nil {
					t.Fatal(err)
				}
				blk, err := h.chain.BlockByHash(hash)
				if err != nil {
					t.Fatal(err)
				}
				chain = append(chain, blk)
			}
			checkSameUtxoSet(t, h, chain)
			t.Logf("killed with the stored tip at %d, restarted on %s at %d", stored.Height,
				hash, height)
		})
	}
}

// reorgCrashChild builds the two branches of its case into dir, offers the
// new one headers first, and at the case's chunk flushes the UTXO cache,
// prints "crash <height>" and waits to be killed.
func reorgCrashChild(t *testing.T, dir, name string) {
	i := slices.IndexFunc(reorgCrashCases, func(c reorgCrashCase) bool { return c.name == name })
	if i < 0 {
		t.Fatalf("no case %q", name)
	}
	tc := reorgCrashCases[i]
	h := &testHarness{t: t, dir: dir, params: regtestParams(), quiet: true, cacheBytes: 4096,
		reorgChunk: 4}
	var kill *chainhash.Hash
	h.onChunk = func(int) {
		tip := h.chain.bestChain.Tip()
		if kill == nil || tip.hash != *kill {
			return
		}
		// Called with the chain lock held, between two chunks.
		if err := h.chain.flushLocked(FlushRequired); err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		fmt.Println("crash", tip.height)
		time.Sleep(time.Minute)
		os.Exit(3)
	}
	h.open()
	t.Cleanup(h.close)
	tb := buildBranches(h, 13, tc.newLen, tc.badAt)
	branches := map[string][]*wire.MsgBlock{"old": tb.old, "new": tb.new}
	if tc.badAt > 0 {
		fmt.Println("bad", tb.new[tc.badAt-1].BlockHash())
	}
	wantBranch := branches[tc.want]
	fmt.Println("want", wantBranch[len(wantBranch)-1].BlockHash())
	k := branches[tc.killBranch][tc.killAt-1].BlockHash()
	kill = &k
	h.offerHeadersFirst(tb.new)
	t.Fatal("the reorganisation never reached the crash point")
}

// TestDeepReorgMemory measures the live heap when the first notification of
// a deep reorganisation of large blocks arrives (all of them are delivered
// after the change): the chain must hold only a few chunks of blocks, not
// every block of both branches as a reorganisation staged in one view did
// (about 2 × depth blocks here). The store keeps everything in one
// preallocated memtable with a small block cache, so its memory does not
// move during the measurement.
func TestDeepReorgMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 50 MiB of blocks")
	}
	const (
		depth = 24
		chunk = 4
		pad   = 512 << 10 // bytes of OP_RETURN data per block
		limit = 4 * chunk * pad
	)
	h := &testHarness{t: t, dir: t.TempDir(), params: regtestParams(), quiet: true,
		reorgChunk: chunk, storeOpts: &store.Options{CacheBytes: 1 << 20,
			WriteBufferBytes: 96 << 20}}
	h.open()
	t.Cleanup(h.close)
	base := h.extend(101)
	fork := h.tipNode()
	// bigBlock spends base[i]'s coinbase with a transaction that also
	// carries pad bytes of OP_RETURN data (OP_0 bytes: no sigops).
	bigBlock := func(parent *blockNode, i int, delta int64) *wire.MsgBlock {
		cb := base[i].Transactions[0]
		tx := spendTx([]wire.OutPoint{coinbaseOut(base[i])}, cb.TxOut[0].Value, 1000, 1)
		script := make([]byte, pad)
		script[0] = txscript.OP_RETURN
		tx.AddTxOut(&wire.TxOut{PkScript: script})
		return h.makeBlock(parent, []*wire.MsgTx{tx}, blockOpts{fees: 1000, timeDelta: delta})
	}
	parent := fork
	for i := 0; i < depth; i++ {
		blk := bigBlock(parent, i, 600)
		h.mustProcess(blk)
		parent = h.nodeOf(blk.BlockHash())
	}
	oldTip := parent
	parent = fork
	var last *wire.MsgBlock
	for i := 0; i <= depth; i++ {
		blk := bigBlock(parent, i, 601)
		if i == depth {
			last = blk
			break
		}
		if h.mustProcess(blk) {
			t.Fatal("a block of the lighter branch became the tip")
		}
		parent = h.nodeOf(blk.BlockHash())
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := int64(ms.HeapAlloc)
	var at int64
	var notes int
	h.onNote = func(n *Notification) {
		if notes++; notes == 1 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			at = int64(ms.HeapAlloc)
		}
	}
	if !h.mustProcess(last) {
		t.Fatal("the heavier branch did not become the tip")
	}
	if n := 1 + depth + depth + 1; notes != n {
		t.Fatalf("%d notifications, want %d (accepted, disconnected, connected)", notes, n)
	}
	if h.tipNode() == oldTip {
		t.Fatal("no reorganisation")
	}
	grew := at - before
	t.Logf("heap grew %.1f MiB during a %d-block reorganisation of %d KiB blocks "+
		"(limit %.1f MiB; staged in one view: about %.1f MiB)", float64(grew)/(1<<20), depth,
		pad>>10, float64(limit)/(1<<20), float64(2*depth*pad)/(1<<20))
	if grew > limit {
		t.Fatalf("heap grew %d bytes by the first notification, limit %d", grew, limit)
	}
}
