package netsync

import (
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// cmpctPool is a pool for compact block tests: nothing to accept, and the
// given transactions to rebuild blocks from.
type cmpctPool struct {
	nopPool
	sliceSource
}

// cmpctHarness is a harness past initial block download on 101 blocks
// (the first coinbase mature), whose pool offers txs.
func cmpctHarness(t *testing.T, txs []*wire.MsgTx, tweak func(*Config)) (*harness, *remoteChain) {
	t.Helper()
	h := newHarness(t, cmpctPool{sliceSource: txs}, tweak)
	rc := buildChain(t, 101, h.clock.Now().Add(-300*time.Minute), nil)
	h.processAll(rc, 101)
	if h.sm.IsInitialBlockDownload() {
		t.Fatal("still in initial block download")
	}
	return h, rc
}

// spendBlock extends rc with a block of n transactions spending the first
// coinbase: one splits it, n-1 spend its outputs. It returns the block.
func spendBlock(t *testing.T, h *harness, rc *remoteChain, n int) *wire.MsgBlock {
	t.Helper()
	cb := rc.blocks[1].Transactions[0]
	rc.extend(t, 1, h.clock.Now().Add(-300*time.Minute), func(height int32, b *wire.MsgBlock) {
		split := wire.NewMsgTx(2)
		split.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: cb.TxHash()}, nil, nil))
		for i := 1; i < n; i++ {
			split.AddTxOut(wire.NewTxOut(cb.TxOut[0].Value/int64(n), opTrue))
		}
		b.Transactions = append(b.Transactions, split)
		for i := 0; i < n-1; i++ {
			tx := wire.NewMsgTx(2)
			tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: split.TxHash(), Index: uint32(i)}, nil, nil))
			tx.AddTxOut(wire.NewTxOut(1000, opTrue))
			b.Transactions = append(b.Transactions, tx)
		}
	})
	blk, _ := rc.tip()
	return blk
}

// cmpctPeer adds a peer that sent sendcmpct version 2.
func cmpctPeer(t *testing.T, h *harness, id int32, inbound bool) *fakePeer {
	t.Helper()
	fp := addPeer(t, h, id, inbound)
	if err := h.sm.QueueSendCmpct(wire.NewMsgSendCmpct(false, CompactBlockVersion), fp); err != nil {
		t.Fatal(err)
	}
	return fp
}

// sentOf returns the messages of type T queued to fp.
func sentOf[T wire.Message](fp *fakePeer) []T {
	var out []T
	for _, m := range fp.messages() {
		if x, ok := m.(T); ok {
			out = append(out, x)
		}
	}
	return out
}

// TestCompactBlockReceive follows p2p_compactblocks.py: a compact block
// whose transactions are all pooled connects at once; one with missing
// transactions asks for them with getblocktxn and connects on the
// blocktxn; a blocktxn with a wrong count is misbehaviour; an unasked
// blocktxn is ignored; a short id repeated in the message, or no
// blocktxn within CompactBlockTimeout, fetches the full block.
func TestCompactBlockReceive(t *testing.T) {
	tests := []struct {
		name     string
		pooled   func(b *wire.MsgBlock) []*wire.MsgTx
		mangle   func(c *wire.MsgCmpctBlock)
		answer   func(b *wire.MsgBlock, req *wire.MsgGetBlockTxns) []*wire.MsgTx
		timeout  bool
		wantTip  bool
		wantGet  []uint16 // the getblocktxn expected (nil: none)
		wantFull bool     // a getdata for the witness block
		wantBad  string   // a misbehaviour reason
	}{
		{name: "all pooled", pooled: func(b *wire.MsgBlock) []*wire.MsgTx { return b.Transactions[1:] },
			wantTip: true},
		{name: "two missing", pooled: func(b *wire.MsgBlock) []*wire.MsgTx {
			return append([]*wire.MsgTx{b.Transactions[1]}, b.Transactions[3:5]...)
		}, wantGet: []uint16{2, 5}, answer: func(b *wire.MsgBlock, req *wire.MsgGetBlockTxns) []*wire.MsgTx {
			return []*wire.MsgTx{b.Transactions[2], b.Transactions[5]}
		}, wantTip: true},
		{name: "empty pool", wantGet: []uint16{1, 2, 3, 4, 5},
			answer:  func(b *wire.MsgBlock, _ *wire.MsgGetBlockTxns) []*wire.MsgTx { return b.Transactions[1:] },
			wantTip: true},
		{name: "blocktxn short", wantGet: []uint16{1, 2, 3, 4, 5},
			answer:  func(b *wire.MsgBlock, _ *wire.MsgGetBlockTxns) []*wire.MsgTx { return b.Transactions[1:3] },
			wantBad: "invalid blocktxn"},
		{name: "short id collision", mangle: func(c *wire.MsgCmpctBlock) { c.ShortIDs[1] = c.ShortIDs[0] },
			wantFull: true},
		{name: "timeout", wantGet: []uint16{1, 2, 3, 4, 5}, timeout: true, wantFull: true},
		{name: "invalid header", mangle: func(c *wire.MsgCmpctBlock) { c.Header.Bits = 0x1d00ffff },
			wantBad: "invalid compact block header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var pooled []*wire.MsgTx
			h, rc := cmpctHarness(t, nil, nil)
			blk := spendBlock(t, h, rc, 5)
			if tc.pooled != nil {
				pooled = tc.pooled(blk)
			}
			h.sm.pool = cmpctPool{sliceSource: pooled}
			fp := cmpctPeer(t, h, 1, false)
			c := NewCompactBlock(blk, 99)
			if tc.mangle != nil {
				cc := *c
				cc.ShortIDs = append([]uint64(nil), c.ShortIDs...)
				tc.mangle(&cc)
				c = &cc
			}
			if err := h.sm.QueueCmpctBlock(c, fp); err != nil {
				t.Fatal(err)
			}
			gets := sentOf[*wire.MsgGetBlockTxns](fp)
			if tc.wantGet == nil && len(gets) != 0 || tc.wantGet != nil &&
				(len(gets) != 1 || !equalIndexes(gets[0].Indexes, tc.wantGet)) {
				t.Fatalf("getblocktxn %v, want %v", gets, tc.wantGet)
			}
			if tc.answer != nil {
				msg := &wire.MsgBlockTxns{BlockHash: blk.BlockHash(), Txs: tc.answer(blk, gets[0])}
				if err := h.sm.QueueBlockTxns(msg, fp); err != nil {
					t.Fatal(err)
				}
			}
			if tc.timeout {
				h.clock.Advance(DefaultCompactBlockTimeout + time.Second)
				waitFor(t, "the fallback", func() bool { return hasFullGetData(fp, blk.BlockHash()) })
			}
			h.sync()
			if got := h.chain.BestSnapshot().Hash == blk.BlockHash(); got != tc.wantTip {
				t.Fatalf("at the block %v, want %v", got, tc.wantTip)
			}
			if got := hasFullGetData(fp, blk.BlockHash()); got != tc.wantFull {
				t.Fatalf("full block requested %v, want %v", got, tc.wantFull)
			}
			bad := strings.Join(fp.misbehaviour(), "; ")
			if tc.wantBad == "" && bad != "" || !strings.Contains(bad, tc.wantBad) {
				t.Fatalf("misbehaviour %q, want %q", bad, tc.wantBad)
			}
			if tc.wantTip {
				if hbTo, _ := h.sm.CompactBlockState(1); !hbTo {
					t.Fatal("the block's sender is not a high-bandwidth peer")
				}
			}
		})
	}
	t.Logf("%d cases", len(tests))
}

// hasFullGetData reports whether fp was asked for hash as a witness block.
func hasFullGetData(fp *fakePeer, hash chainhash.Hash) bool {
	for _, iv := range fp.getDataItems() {
		if iv.Type == wire.InvTypeWitnessBlock && iv.Hash == hash {
			return true
		}
	}
	return false
}

// TestUnaskedBlockTxn: a blocktxn for a block we did not ask about is
// ignored, without misbehaviour (Core).
func TestUnaskedBlockTxn(t *testing.T) {
	h, rc := cmpctHarness(t, nil, nil)
	fp := cmpctPeer(t, h, 1, false)
	blk := spendBlock(t, h, rc, 3)
	if err := h.sm.QueueBlockTxns(&wire.MsgBlockTxns{BlockHash: blk.BlockHash(), Txs: blk.Transactions[1:]}, fp); err != nil {
		t.Fatal(err)
	}
	h.sync()
	if bad := fp.misbehaviour(); len(bad) != 0 || h.height() != 101 {
		t.Fatalf("misbehaviour %v, height %d", bad, h.height())
	}
}

// TestHighBandwidthRotation follows Core's
// MaybeSetPeerAsAnnouncingHeaderAndIDs: the three peers that most
// recently gave us a block are asked for high-bandwidth mode, the oldest
// is told sendcmpct(false) when a fourth delivers, a peer already chosen
// only moves to the newest place, and a peer that never sent sendcmpct
// version 2 is never chosen.
func TestHighBandwidthRotation(t *testing.T) {
	h, rc := cmpctHarness(t, nil, nil)
	peers := map[int32]*fakePeer{}
	for id := int32(1); id <= 4; id++ {
		peers[id] = cmpctPeer(t, h, id, false)
	}
	plain := addPeer(t, h, 5, false)
	peers[5] = plain
	deliver := func(id int32) {
		t.Helper()
		rc.extend(t, 1, h.clock.Now().Add(-30*time.Minute), nil)
		blk, _ := rc.tip()
		if err := h.sm.QueueCmpctBlock(NewCompactBlock(blk, 1), peers[id]); err != nil {
			t.Fatal(err)
		}
		h.sync()
		if h.chain.BestSnapshot().Hash != blk.BlockHash() {
			t.Fatalf("block from %d not connected", id)
		}
	}
	hb := func() []int32 {
		var out []int32
		for id := int32(1); id <= 5; id++ {
			if to, _ := h.sm.CompactBlockState(id); to {
				out = append(out, id)
			}
		}
		return out
	}
	steps := []struct {
		from int32
		want []int32
	}{
		{1, []int32{1}},
		{2, []int32{1, 2}},
		{3, []int32{1, 2, 3}},
		{4, []int32{2, 3, 4}}, // 1, the oldest, dropped
		{2, []int32{2, 3, 4}}, // 2 becomes the newest
		{1, []int32{1, 2, 4}}, // 3 is now the oldest
		{5, []int32{1, 2, 4}}, // no sendcmpct: not chosen
	}
	for i, s := range steps {
		deliver(s.from)
		if got := hb(); !equalIDs(got, s.want) {
			t.Fatalf("step %d (block from %d): high-bandwidth %v, want %v", i, s.from, got, s.want)
		}
	}
	var announce []bool
	for _, m := range sentOf[*wire.MsgSendCmpct](peers[1]) {
		announce = append(announce, m.AnnounceUsingCmpctBlock)
	}
	if len(announce) != 3 || !announce[0] || announce[1] || !announce[2] {
		t.Fatalf("peer 1 got sendcmpct %v, want true, false, true", announce)
	}
	if n := len(sentOf[*wire.MsgSendCmpct](plain)); n != 0 {
		t.Fatalf("a peer without compact blocks got %d sendcmpct", n)
	}
	t.Logf("%d steps", len(steps))
}

func equalIDs(a, b []int32) bool {
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

// TestHighBandwidthKeepsOutbound: an inbound peer does not push out the
// only outbound high-bandwidth peer; the next oldest goes instead (Core).
func TestHighBandwidthKeepsOutbound(t *testing.T) {
	h, rc := cmpctHarness(t, nil, nil)
	peers := []*fakePeer{cmpctPeer(t, h, 1, false), cmpctPeer(t, h, 2, true),
		cmpctPeer(t, h, 3, true), cmpctPeer(t, h, 4, true)}
	for _, fp := range peers {
		rc.extend(t, 1, h.clock.Now().Add(-30*time.Minute), nil)
		blk, _ := rc.tip()
		if err := h.sm.QueueCmpctBlock(NewCompactBlock(blk, 1), fp); err != nil {
			t.Fatal(err)
		}
		h.sync()
	}
	for id, want := range map[int32]bool{1: true, 2: false, 3: true, 4: true} {
		if to, _ := h.sm.CompactBlockState(id); to != want {
			t.Fatalf("peer %d high-bandwidth %v, want %v", id, to, want)
		}
	}
}

// TestCompactServeDepth: getdata MSG_CMPCT_BLOCK gets a cmpctblock for a
// block at most MaxCmpctBlockDepth deep and the full block below;
// getblocktxn gets blocktxn at most MaxBlockTxnDepth deep and the full
// block below; an index out of range is misbehaviour; an unknown block is
// ignored.
func TestCompactServeDepth(t *testing.T) {
	h := newHarness(t, nil, nil)
	rc := buildChain(t, 20, h.clock.Now().Add(-60*time.Minute), nil)
	h.processAll(rc, 20)
	tests := []struct {
		name    string
		getdata bool
		depth   int
		indexes []uint16
		want    string // the message type answered, "" for none
		bad     bool
	}{
		{"cmpct at the tip", true, 0, nil, "cmpctblock", false},
		{"cmpct at depth 5", true, MaxCmpctBlockDepth, nil, "cmpctblock", false},
		{"cmpct at depth 6", true, MaxCmpctBlockDepth + 1, nil, "block", false},
		{"blocktxn at depth 10", false, MaxBlockTxnDepth, []uint16{0}, "blocktxn", false},
		{"blocktxn at depth 11", false, MaxBlockTxnDepth + 1, []uint16{0}, "block", false},
		{"blocktxn index out of range", false, 1, []uint16{0, 1}, "", true},
		{"blocktxn unknown block", false, -1, []uint16{0}, "", false},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fp := newFakePeer(t, h.sm, int32(100+i), nil)
			var hash chainhash.Hash
			if tc.depth >= 0 {
				hash = rc.blocks[20-tc.depth].BlockHash()
			}
			quit := make(chan struct{})
			if tc.getdata {
				gd := wire.NewMsgGetData()
				_ = gd.AddInvVect(wire.NewInvVect(wire.InvTypeCmpctBlock, &hash))
				h.sm.HandleGetData(fp, gd, quit)
			} else {
				h.sm.HandleGetBlockTxns(fp, &wire.MsgGetBlockTxns{BlockHash: hash, Indexes: tc.indexes}, quit)
			}
			msgs := fp.messages()
			got := ""
			if len(msgs) == 1 {
				got = msgs[0].Command()
			}
			if len(msgs) > 1 || got != tc.want {
				t.Fatalf("answered %v, want %q", msgs, tc.want)
			}
			if bad := len(fp.misbehaviour()) > 0; bad != tc.bad {
				t.Fatalf("misbehaviour %v, want %v", fp.misbehaviour(), tc.bad)
			}
		})
	}
	t.Logf("%d cases", len(tests))
}

// TestEarlyAnnouncement: a block that extends the tip reaches a peer that
// asked for high-bandwidth mode by cmpctblock from the chain's
// SubscribePoWValid hook, before it is connected, and is not announced to
// it again once connected; a peer that did not ask gets headers.
func TestEarlyAnnouncement(t *testing.T) {
	h, rc := cmpctHarness(t, nil, nil)
	h.chain.SubscribePoWValid(h.sm.NewPoWValidBlock)
	var atHook int32 = -1
	h.chain.SubscribePoWValid(func(_ *wire.MsgBlock, _ chainhash.Hash, height int32) { atHook = height })
	hb := cmpctPeer(t, h, 1, false)
	if err := h.sm.QueueSendCmpct(wire.NewMsgSendCmpct(true, CompactBlockVersion), hb); err != nil {
		t.Fatal(err)
	}
	low := cmpctPeer(t, h, 2, false)
	low.headers = true
	h.sync()
	advanceTip(t, h, rc)
	blk, _ := rc.tip()
	if atHook != 102 {
		t.Fatalf("hook saw height %d", atHook)
	}
	cs := sentOf[*wire.MsgCmpctBlock](hb)
	if len(cs) != 1 || cs[0].Header.BlockHash() != blk.BlockHash() || len(sentOf[*wire.MsgHeaders](hb)) != 0 {
		t.Fatalf("high-bandwidth peer got %v", hb.messages())
	}
	if len(sentOf[*wire.MsgCmpctBlock](low)) != 0 || len(sentOf[*wire.MsgHeaders](low)) != 1 {
		t.Fatalf("low-bandwidth peer got %v", low.messages())
	}
	if _, from := h.sm.CompactBlockState(1); !from {
		t.Fatal("bip152_hb_from not recorded")
	}
}

// TestNoCompactBlocks: with compact blocks off, sendcmpct and cmpctblock
// are ignored and getdata MSG_CMPCT_BLOCK gets the full block.
func TestNoCompactBlocks(t *testing.T) {
	h, rc := cmpctHarness(t, nil, func(c *Config) { c.NoCompactBlocks = true })
	fp := cmpctPeer(t, h, 1, false)
	rc.extend(t, 1, h.clock.Now().Add(-30*time.Minute), nil)
	blk, _ := rc.tip()
	if err := h.sm.QueueCmpctBlock(NewCompactBlock(blk, 1), fp); err != nil {
		t.Fatal(err)
	}
	h.sync()
	if h.height() != 101 {
		t.Fatal("a compact block was used")
	}
	tip := rc.blocks[101].BlockHash()
	gd := wire.NewMsgGetData()
	_ = gd.AddInvVect(wire.NewInvVect(wire.InvTypeCmpctBlock, &tip))
	h.sm.HandleGetData(fp, gd, make(chan struct{}))
	msgs := fp.messages()
	if len(msgs) == 0 || msgs[len(msgs)-1].Command() != wire.CmdBlock {
		t.Fatalf("answered %v", msgs)
	}
	if to, from := h.sm.CompactBlockState(1); to || from {
		t.Fatal("compact state recorded")
	}
}
