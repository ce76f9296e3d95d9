package netsync

import (
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/wire"
)

// fakePool is a TxPool whose answers the test decides.
type fakePool struct {
	mu      sync.Mutex
	have    map[chainhash.Hash]*wire.MsgTx
	result  func(tx *wire.MsgTx) ([]*mempool.TxDesc, []chainhash.Hash, error)
	calls   []chainhash.Hash
	tags    []mempool.Tag
	removed []mempool.Tag
}

func newFakePool() *fakePool {
	return &fakePool{have: make(map[chainhash.Hash]*wire.MsgTx)}
}

func (fp *fakePool) ProcessTransaction(tx *wire.MsgTx, allowOrphan bool, tag mempool.Tag) ([]*mempool.TxDesc, []chainhash.Hash, error) {
	fp.mu.Lock()
	fp.calls = append(fp.calls, tx.WitnessHash())
	fp.tags = append(fp.tags, tag)
	res := fp.result
	fp.mu.Unlock()
	if res != nil {
		return res(tx)
	}
	fp.mu.Lock()
	fp.have[tx.TxHash()] = tx
	fp.have[tx.WitnessHash()] = tx
	fp.mu.Unlock()
	return []*mempool.TxDesc{{Tx: tx, TxHash: tx.TxHash(), WTxHash: tx.WitnessHash()}}, nil, nil
}

func (fp *fakePool) HaveTransaction(hash *chainhash.Hash) bool {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	return fp.have[*hash] != nil
}

func (fp *fakePool) FetchTransaction(hash *chainhash.Hash) (*wire.MsgTx, error) {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	if tx := fp.have[*hash]; tx != nil {
		return tx, nil
	}
	return nil, mempool.ErrMissingInputs
}

func (fp *fakePool) RemoveOrphansByTag(tag mempool.Tag) int {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	fp.removed = append(fp.removed, tag)
	return 0
}

func (fp *fakePool) OrphanChildren(chainhash.Hash, mempool.Tag) []*wire.MsgTx { return nil }
func (fp *fakePool) RemoveOrphan(chainhash.Hash) bool                         { return false }
func (fp *fakePool) SubmitPackage([]*wire.MsgTx, mempool.FeeRate) *mempool.PackageSubmitResult {
	return &mempool.PackageSubmitResult{PackageErr: mempool.ErrNoVerifier}
}

func (fp *fakePool) callCount() int {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	return len(fp.calls)
}

// witnessTx returns a distinct transaction with a witness.
func witnessTx(n byte) *wire.MsgTx {
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Hash: chainhash.Hash{n, 1}},
		Witness: wire.TxWitness{{n}}, Sequence: wire.MaxTxInSequenceNum})
	tx.AddTxOut(&wire.TxOut{Value: 1000, PkScript: opTrue})
	return tx
}

// notIBD makes the fresh regtest chain count as synced.
func notIBD(c *Config) { c.MaxTipAge = 100 * 365 * 24 * time.Hour }

// txHarness starts a manager on a fake pool with n wtxid-relay peers.
func txHarness(t *testing.T, n int, tweak func(*Config)) (*harness, *fakePool, []*fakePeer, *acceptLog) {
	pool := newFakePool()
	acc := &acceptLog{}
	h := newHarness(t, pool, func(c *Config) {
		notIBD(c)
		c.Relay = acc
		if tweak != nil {
			tweak(c)
		}
	})
	var peers []*fakePeer
	for i := 1; i <= n; i++ {
		p := newFakePeer(t, h.sm, int32(i), nil)
		p.wtxid = true
		if err := h.sm.NewPeer(p); err != nil {
			t.Fatal(err)
		}
		peers = append(peers, p)
	}
	h.sync()
	acc.mu.Lock()
	acc.peers = peers
	acc.mu.Unlock()
	return h, pool, peers, acc
}

// acceptLog is a relay that records what it is asked to announce and, for
// each transaction, the peer that already knew it by txid and wtxid when
// it arrived (its source, marked first), or 0.
type acceptLog struct {
	mu    sync.Mutex
	peers []*fakePeer
	txs   []chainhash.Hash
	froms []int32
}

func (a *acceptLog) Announce(txs []*mempool.TxDesc) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, d := range txs {
		a.txs = append(a.txs, d.TxHash)
		from := int32(0)
		for _, p := range a.peers {
			if p.knows(wire.InvTypeTx, d.TxHash) && p.knows(wire.InvTypeWTx, d.WTxHash) {
				from = p.id
			}
		}
		a.froms = append(a.froms, from)
	}
}

// announce sends an inv of one hash from p.
func announce(t *testing.T, h *harness, p *fakePeer, typ wire.InvType, hash chainhash.Hash) {
	t.Helper()
	inv := wire.NewMsgInv()
	_ = inv.AddInvVect(wire.NewInvVect(typ, &hash))
	if err := h.sm.QueueInv(inv, p); err != nil {
		t.Fatal(err)
	}
}

// TestTxRequestOneAtATime: a transaction announced by three peers is
// asked of the first only; after the request timeout (injected clock) of
// the second; it is then relayed with its source.
func TestTxRequestOneAtATime(t *testing.T) {
	h, pool, peers, acc := txHarness(t, 3, nil)
	tx := witnessTx(1)
	wtxid := tx.WitnessHash()
	for _, p := range peers {
		announce(t, h, p, wire.InvTypeWTx, wtxid)
	}
	h.sync()
	want := []int{1, 0, 0}
	for i, p := range peers {
		if got := len(p.getDataItems()); got != want[i] {
			t.Fatalf("peer %d asked %d times, want %d", i+1, got, want[i])
		}
	}
	if iv := peers[0].getDataItems()[0]; iv.Type != wire.InvTypeWTx || iv.Hash != wtxid {
		t.Fatalf("asked %v", iv)
	}
	h.clock.Advance(DefaultTxRequestTimeout - time.Second)
	h.sync()
	time.Sleep(5 * time.Millisecond) // a few ticks
	if len(peers[1].getDataItems()) != 0 {
		t.Fatal("second peer asked before the timeout")
	}
	h.clock.Advance(2 * time.Second)
	waitFor(t, "second announcer asked", func() bool { return len(peers[1].getDataItems()) == 1 })
	if len(peers[2].getDataItems()) != 0 {
		t.Fatal("third peer asked too")
	}
	if err := h.sm.QueueTx(tx, peers[1], nil); err != nil {
		t.Fatal(err)
	}
	h.sync()
	if pool.callCount() != 1 {
		t.Fatalf("pool saw %d transactions", pool.callCount())
	}
	acc.mu.Lock()
	if len(acc.txs) != 1 || acc.txs[0] != tx.TxHash() || acc.froms[0] != 2 {
		t.Fatalf("accepted %v from %v", acc.txs, acc.froms)
	}
	acc.mu.Unlock()
	if peers[1].lastTxTime() != h.clock.Now() || !peers[0].lastTxTime().IsZero() {
		t.Fatalf("last transaction times %v and %v", peers[0].lastTxTime(), peers[1].lastTxTime())
	}
	st, _ := h.sm.Stats()
	if st.TxAnnounced != 0 || st.TxInFlight != 0 {
		t.Fatalf("stats %+v", st)
	}
	// A late announcement of a transaction we have is not requested.
	announce(t, h, peers[2], wire.InvTypeWTx, wtxid)
	h.sync()
	if len(peers[2].getDataItems()) != 0 {
		t.Fatal("known transaction requested")
	}
}

// TestTxNotFoundMovesOn: a notfound sends the request to the next
// announcer at once; a disconnect does too.
func TestTxNotFoundMovesOn(t *testing.T) {
	h, _, peers, _ := txHarness(t, 3, nil)
	hash := witnessTx(2).WitnessHash()
	for _, p := range peers {
		announce(t, h, p, wire.InvTypeWTx, hash)
	}
	h.sync()
	nf := wire.NewMsgNotFound()
	_ = nf.AddInvVect(wire.NewInvVect(wire.InvTypeWTx, &hash))
	_ = h.sm.QueueNotFound(nf, peers[0])
	h.sync()
	if len(peers[1].getDataItems()) != 1 {
		t.Fatal("second announcer not asked after notfound")
	}
	_ = h.sm.DonePeer(peers[1])
	h.sync()
	if len(peers[2].getDataItems()) != 1 {
		t.Fatal("third announcer not asked after disconnect")
	}
	_ = h.sm.DonePeer(peers[2])
	h.sync()
	if st, _ := h.sm.Stats(); st.TxAnnounced != 0 || st.TxInFlight != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestRejectedTxNotRequested: a rejected transaction is not requested
// again until the tip changes, and its peer is not reported.
func TestRejectedTxNotRequested(t *testing.T) {
	h, pool, peers, acc := txHarness(t, 2, nil)
	pool.result = func(tx *wire.MsgTx) ([]*mempool.TxDesc, []chainhash.Hash, error) {
		return nil, nil, mempool.Error{Err: mempool.ErrMinRelayFee, Description: "min relay fee not met"}
	}
	tx := witnessTx(3)
	wtxid := tx.WitnessHash()
	announce(t, h, peers[0], wire.InvTypeWTx, wtxid)
	h.sync()
	_ = h.sm.QueueTx(tx, peers[0], nil)
	announce(t, h, peers[1], wire.InvTypeWTx, wtxid)
	h.sync()
	if n := len(peers[1].getDataItems()); n != 0 {
		t.Fatalf("rejected transaction requested %d times", n)
	}
	acc.mu.Lock()
	relayed := len(acc.txs)
	acc.mu.Unlock()
	if len(peers[0].misbehaviour()) != 0 || relayed != 0 {
		t.Fatal("rejected transaction scored or relayed")
	}
	// Sent again unasked, it does not reach the pool again.
	_ = h.sm.QueueTx(tx, peers[1], nil)
	h.sync()
	if pool.callCount() != 1 {
		t.Fatalf("pool saw the rejected transaction %d times", pool.callCount())
	}
	// A new tip clears the filter.
	rc := buildChain(t, 1, time.Now().Add(-time.Hour), nil)
	h.processAll(rc, 1)
	announce(t, h, peers[1], wire.InvTypeWTx, wtxid)
	h.sync()
	if n := len(peers[1].getDataItems()); n != 1 {
		t.Fatalf("after a new tip requested %d times, want 1", n)
	}
}

// TestOrphanParentsRequested: the missing parents of an orphan are asked
// of the peer that sent it, by txid; an orphan of a rejected parent is
// rejected.
func TestOrphanParentsRequested(t *testing.T) {
	h, pool, peers, _ := txHarness(t, 1, nil)
	parents := []chainhash.Hash{{1}, {2}}
	pool.result = func(tx *wire.MsgTx) ([]*mempool.TxDesc, []chainhash.Hash, error) {
		return nil, parents, nil
	}
	_ = h.sm.QueueTx(witnessTx(4), peers[0], nil)
	h.sync()
	got := peers[0].getDataItems()
	if len(got) != 2 {
		t.Fatalf("asked %v", got)
	}
	for i, iv := range got {
		if iv.Type != wire.InvTypeWitnessTx || (iv.Hash != parents[0] && iv.Hash != parents[1]) {
			t.Fatalf("item %d: %v", i, iv)
		}
	}
	if pool.tags[0] != mempool.Tag(1) {
		t.Fatalf("orphan tag %d", pool.tags[0])
	}
	_ = h.sm.DonePeer(peers[0])
	h.sync()
	if len(pool.removed) != 1 || pool.removed[0] != 1 {
		t.Fatalf("orphans removed for %v", pool.removed)
	}
}

// TestTxInvKinds: a wtxidrelay peer's MSG_TX and another peer's MSG_WTX
// are ignored; a legacy peer's MSG_TX is fetched as MSG_WITNESS_TX.
func TestTxInvKinds(t *testing.T) {
	h, _, peers, _ := txHarness(t, 1, nil)
	legacy := newFakePeer(t, h.sm, 9, nil)
	_ = h.sm.NewPeer(legacy)
	a, b := witnessTx(5).TxHash(), witnessTx(6).WitnessHash()
	announce(t, h, peers[0], wire.InvTypeTx, a)
	announce(t, h, legacy, wire.InvTypeWTx, b)
	h.sync()
	if len(peers[0].getDataItems())+len(legacy.getDataItems()) != 0 {
		t.Fatal("wrong-kind announcements requested")
	}
	announce(t, h, legacy, wire.InvTypeTx, a)
	h.sync()
	if got := legacy.getDataItems(); len(got) != 1 || got[0].Type != wire.InvTypeWitnessTx {
		t.Fatalf("asked %v", got)
	}
}

// TestTxAnnouncementBounds: a peer's tracked announcements and requests
// in flight are capped.
func TestTxAnnouncementBounds(t *testing.T) {
	h, _, peers, _ := txHarness(t, 1, func(c *Config) {
		c.MaxPeerTxAnnouncements = 5
		c.MaxPeerTxInFlight = 3
	})
	inv := wire.NewMsgInv()
	for i := 0; i < 10; i++ {
		hash := chainhash.Hash{byte(i), 7}
		_ = inv.AddInvVect(wire.NewInvVect(wire.InvTypeWTx, &hash))
	}
	_ = h.sm.QueueInv(inv, peers[0])
	h.sync()
	st, _ := h.sm.Stats()
	if st.TxAnnounced != 5 || st.TxInFlight != 3 || len(peers[0].getDataItems()) != 3 {
		t.Fatalf("stats %+v, asked %d", st, len(peers[0].getDataItems()))
	}
}

// TestNoTxDuringIBD: during initial block download announced
// transactions are not requested and received ones not processed.
func TestNoTxDuringIBD(t *testing.T) {
	pool := newFakePool()
	h := newHarness(t, pool, nil)
	p := newFakePeer(t, h.sm, 1, nil)
	p.wtxid = true
	_ = h.sm.NewPeer(p)
	tx := witnessTx(8)
	announce(t, h, p, wire.InvTypeWTx, tx.WitnessHash())
	_ = h.sm.QueueTx(tx, p, nil)
	h.sync()
	if len(p.getDataItems()) != 0 || pool.callCount() != 0 {
		t.Fatal("transaction handled during initial block download")
	}
}

// TestRecentlyConfirmedNotRequested: a transaction of a block just
// connected is not requested when announced late.
func TestRecentlyConfirmedNotRequested(t *testing.T) {
	h, _, _, _ := txHarness(t, 0, nil)
	legacy := newFakePeer(t, h.sm, 5, nil)
	_ = h.sm.NewPeer(legacy)
	rc := buildChain(t, 1, time.Now().Add(-time.Hour), nil)
	h.processAll(rc, 1)
	announce(t, h, legacy, wire.InvTypeTx, rc.blocks[1].Transactions[0].TxHash())
	h.sync()
	if n := len(legacy.getDataItems()); n != 0 {
		t.Fatalf("confirmed transaction requested %d times", n)
	}
}

// TestInboundTxDelay: an outbound announcer is asked before an earlier
// inbound one; a transaction announced only by inbound peers is asked
// after InboundTxDelay.
func TestInboundTxDelay(t *testing.T) {
	h, _, _, _ := txHarness(t, 0, nil)
	in := newFakePeer(t, h.sm, 1, nil)
	in.wtxid, in.inbound = true, true
	out := newFakePeer(t, h.sm, 2, nil)
	out.wtxid = true
	_ = h.sm.NewPeer(in)
	_ = h.sm.NewPeer(out)
	a, b := witnessTx(10).WitnessHash(), witnessTx(11).WitnessHash()
	announce(t, h, in, wire.InvTypeWTx, a)
	announce(t, h, out, wire.InvTypeWTx, a)
	announce(t, h, in, wire.InvTypeWTx, b)
	h.sync()
	if got := out.getDataItems(); len(got) != 1 || got[0].Hash != a {
		t.Fatalf("outbound asked %v", got)
	}
	if got := in.getDataItems(); len(got) != 0 {
		t.Fatalf("inbound asked %v before the delay", got)
	}
	h.clock.Advance(DefaultInboundTxDelay)
	waitFor(t, "inbound asked after the delay", func() bool {
		got := in.getDataItems()
		return len(got) == 1 && got[0].Hash == b
	})
}

// TestConsensusInvalidTxNotPunished: as in Core v30 (bitcoin/bitcoin#33050),
// a transaction that breaks a consensus rule (a witness script failing
// under the consensus flags, inputs below outputs) is refused and
// remembered, but its sender is not scored.
func TestConsensusInvalidTxNotPunished(t *testing.T) {
	for i, kind := range []mempool.ErrorKind{mempool.ErrScriptConsensus, mempool.ErrInBelowOut} {
		h, pool, peers, _ := txHarness(t, 1, nil)
		pool.result = func(tx *wire.MsgTx) ([]*mempool.TxDesc, []chainhash.Hash, error) {
			return nil, nil, mempool.Error{Err: kind, Description: string(kind), Reason: string(kind)}
		}
		_ = h.sm.QueueTx(witnessTx(byte(20+i)), peers[0], nil)
		h.sync()
		if m := peers[0].misbehaviour(); len(m) != 0 {
			t.Fatalf("%s: sender scored %v", kind, m)
		}
		if pool.callCount() != 1 {
			t.Fatalf("%s: pool saw %d transactions", kind, pool.callCount())
		}
	}
}

// TestTxRequestsRefillWithoutTick: a peer announcing more transactions
// than MaxPeerTxInFlight is asked for the next ones as its answers arrive,
// without waiting for a tick (which capped relay from one peer at
// MaxPeerTxInFlight transactions a tick: 100 a second in the daemon).
func TestTxRequestsRefillWithoutTick(t *testing.T) {
	h, _, peers, acc := txHarness(t, 1, func(c *Config) { c.TickInterval = time.Hour })
	byWtxid := map[chainhash.Hash]*wire.MsgTx{}
	inv := wire.NewMsgInv()
	for i := 0; i < 250; i++ {
		tx := witnessTx(byte(i))
		tx.LockTime = 7 // Distinct from the other tests' transactions.
		w := tx.WitnessHash()
		byWtxid[w] = tx
		_ = inv.AddInvVect(wire.NewInvVect(wire.InvTypeWTx, &w))
	}
	if err := h.sm.QueueInv(inv, peers[0]); err != nil {
		t.Fatal(err)
	}
	h.sync()
	if n := len(peers[0].getDataItems()); n != 100 {
		t.Fatalf("%d requested at once, want MaxPeerTxInFlight (100)", n)
	}
	answered := 0
	for round := 0; round < 10 && answered < 250; round++ {
		items := peers[0].getDataItems()
		for _, iv := range items[answered:] {
			_ = h.sm.QueueTx(byWtxid[iv.Hash], peers[0], nil)
		}
		answered = len(items)
		h.sync()
	}
	if n := len(peers[0].getDataItems()); n != 250 {
		t.Fatalf("%d of 250 requested without a tick", n)
	}
	acc.mu.Lock()
	got := len(acc.txs)
	acc.mu.Unlock()
	if got != 250 {
		t.Fatalf("%d of 250 accepted", got)
	}
}
