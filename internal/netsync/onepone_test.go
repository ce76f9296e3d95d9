package netsync

import (
	"encoding/binary"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/wire"
)

// realPool is a mempool.TxPool on a fake UTXO set, counting the calls the
// manager makes, for the opportunistic 1p1c tests. Scripts always pass
// except an input whose first witness item starts with 0xde (a consensus
// failure).
type realPool struct {
	*mempool.TxPool
	mu       sync.Mutex
	utxos    map[wire.OutPoint]*mempool.UTXO
	n        uint32
	singles  atomic.Int32
	packages atomic.Int32
}

// badScriptVerifier fails an input whose first witness item starts with
// 0xde.
type badScriptVerifier struct{}

func (badScriptVerifier) VerifyScripts(tx *wire.MsgTx, _ []*wire.TxOut, _ bool) (int, error) {
	for i, in := range tx.TxIn {
		if len(in.Witness) > 0 && len(in.Witness[0]) > 0 && in.Witness[0][0] == 0xde {
			return i, errors.New("Script evaluated without error but finished with a false/empty top stack element")
		}
	}
	return 0, nil
}

func newRealPool(tweak func(*mempool.Policy)) *realPool {
	rp := &realPool{utxos: make(map[wire.OutPoint]*mempool.UTXO)}
	pol := mempool.DefaultPolicy()
	if tweak != nil {
		tweak(&pol)
	}
	now := time.Unix(1700000000, 0)
	rp.TxPool = mempool.New(&mempool.Config{
		Policy:           pol,
		CoinbaseMaturity: 100,
		FetchUTXO: func(op wire.OutPoint) (*mempool.UTXO, error) {
			rp.mu.Lock()
			defer rp.mu.Unlock()
			return rp.utxos[op], nil
		},
		BestHeight:       func() int32 { return 200 },
		MedianTimePast:   func() time.Time { return now },
		MedianTimePastAt: func(int32) (time.Time, error) { return now, nil },
		Verifier:         badScriptVerifier{},
		Now:              func() time.Time { return now },
	})
	return rp
}

func (rp *realPool) ProcessTransaction(tx *wire.MsgTx, allowOrphan bool, tag mempool.Tag) ([]*mempool.TxDesc, []chainhash.Hash, error) {
	rp.singles.Add(1)
	return rp.TxPool.ProcessTransaction(tx, allowOrphan, tag)
}

func (rp *realPool) SubmitPackage(txs []*wire.MsgTx, maxFeeRate mempool.FeeRate) *mempool.PackageSubmitResult {
	rp.packages.Add(1)
	return rp.TxPool.SubmitPackage(txs, maxFeeRate)
}

// p2wpkhScript returns a distinct P2WPKH output script.
func (rp *realPool) p2wpkhScript() []byte {
	rp.n++
	s := make([]byte, 22)
	s[1] = 0x14
	binary.LittleEndian.PutUint32(s[2:], rp.n)
	return s
}

// coin adds a confirmed P2WPKH output of amount and returns its outpoint.
func (rp *realPool) coin(amount int64) wire.OutPoint {
	script := rp.p2wpkhScript()
	rp.mu.Lock()
	defer rp.mu.Unlock()
	op := wire.OutPoint{Hash: chainhash.Hash{0xc0, byte(rp.n), byte(rp.n >> 8)}}
	rp.utxos[op] = &mempool.UTXO{Amount: amount, PkScript: script, Height: 10}
	return op
}

// spend builds a transaction of version spending in (worth value) into one
// output paying fee; sig is the first byte of the signature (0xde fails).
func (rp *realPool) spend(version int32, in wire.OutPoint, value, fee int64, sig byte) *wire.MsgTx {
	tx := wire.NewMsgTx(version)
	s, k := make([]byte, 71), make([]byte, 33)
	s[0], k[0] = sig, 0x02
	tx.AddTxIn(&wire.TxIn{PreviousOutPoint: in, Witness: wire.TxWitness{s, k},
		Sequence: wire.MaxTxInSequenceNum - 2})
	tx.AddTxOut(&wire.TxOut{Value: value - fee, PkScript: rp.p2wpkhScript()})
	return tx
}

// legacy makes tx a spend of P2PKH outputs (no witness, so its txid is
// its wtxid) of fresh coins, as Core's non-segwit wallet.
func (rp *realPool) legacy(tx *wire.MsgTx) *wire.MsgTx {
	for _, in := range tx.TxIn {
		op := rp.coin(100000)
		rp.mu.Lock()
		u := rp.utxos[op]
		u.PkScript = append(append([]byte{0x76, 0xa9, 0x14}, u.PkScript[2:]...), 0x88, 0xac)
		rp.mu.Unlock()
		in.PreviousOutPoint = op
		sig := append([]byte{71}, in.Witness[0]...)
		in.SignatureScript = append(append(sig, 33), in.Witness[1]...)
		in.Witness = nil
	}
	return tx
}

// pair returns a TRUC parent of a fresh coin paying parentFee and a child
// of it paying childFee.
func (rp *realPool) pair(parentFee, childFee int64) (parent, child *wire.MsgTx) {
	parent = rp.spend(3, rp.coin(100000), 100000, parentFee, 0x30)
	child = rp.spend(3, wire.OutPoint{Hash: parent.TxHash()}, parent.TxOut[0].Value, childFee, 0x30)
	return parent, child
}

func (rp *realPool) has(tx *wire.MsgTx) bool {
	h := tx.TxHash()
	return rp.IsTransactionInPool(&h)
}

// onePOneHarness starts a manager on a real pool with n wtxid-relay
// peers.
func onePOneHarness(t *testing.T, n int) (*harness, *realPool, []*fakePeer, *acceptLog) {
	pool := newRealPool(nil)
	acc := &acceptLog{}
	h := newHarness(t, pool, func(c *Config) {
		notIBD(c)
		c.Relay = acc
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

// send hands tx from p to the manager and waits until it was handled.
func send(t *testing.T, h *harness, p *fakePeer, tx *wire.MsgTx) {
	t.Helper()
	if err := h.sm.QueueTx(tx, p, nil); err != nil {
		t.Fatal(err)
	}
	h.sync()
}

// askedFor reports whether p was asked for hash (by any inventory type).
func askedFor(p *fakePeer, hash chainhash.Hash) int {
	n := 0
	for _, iv := range p.getDataItems() {
		if iv.Hash == hash {
			n++
		}
	}
	return n
}

// relayed returns the txids handed to the relay so far.
func (a *acceptLog) relayed() []chainhash.Hash {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.txs)
}

// TestOpportunistic1p1c follows Core's p2p_opportunistic_1p1c.py: a
// parent refused for its fee alone (a zero-fee TRUC parent, below the
// relay minimum) enters with a child from the same peer, whichever comes
// first, as one package judged by its package fee rate; both are relayed.
func TestOpportunistic1p1c(t *testing.T) {
	t.Run("parent then child", func(t *testing.T) {
		h, pool, peers, acc := onePOneHarness(t, 2)
		parent, child := pool.pair(0, 2000)
		send(t, h, peers[0], parent)
		if pool.has(parent) || len(acc.relayed()) != 0 {
			t.Fatal("zero-fee parent accepted alone")
		}
		// Another peer's announcement of it is not followed.
		announce(t, h, peers[1], wire.InvTypeWTx, parent.WitnessHash())
		h.sync()
		if len(peers[1].getDataItems()) != 0 {
			t.Fatal("reconsiderable parent requested again on an announcement")
		}
		// The child is an orphan; its parent is asked again of the
		// sender, by txid, though refused before.
		send(t, h, peers[0], child)
		if askedFor(peers[0], parent.TxHash()) != 1 {
			t.Fatalf("parent not asked again: %v", peers[0].getDataItems())
		}
		before := pool.singles.Load()
		send(t, h, peers[0], parent)
		if !pool.has(parent) || !pool.has(child) {
			t.Fatal("package not accepted")
		}
		if pool.singles.Load() != before || pool.packages.Load() != 1 {
			t.Fatalf("parent judged alone again (%d) or %d packages", pool.singles.Load()-before,
				pool.packages.Load())
		}
		if got := acc.relayed(); len(got) != 2 || got[0] != parent.TxHash() || got[1] != child.TxHash() {
			t.Fatalf("relayed %v", got)
		}
		if !peers[0].knows(wire.InvTypeWTx, child.WitnessHash()) || pool.OrphanCount() != 0 {
			t.Fatal("source not marked, or the child left as an orphan")
		}
	})

	t.Run("child then parent", func(t *testing.T) {
		h, pool, peers, acc := onePOneHarness(t, 1)
		parent, child := pool.pair(0, 2000)
		send(t, h, peers[0], child)
		if askedFor(peers[0], parent.TxHash()) != 1 || pool.OrphanCount() != 1 {
			t.Fatal("orphan's parent not requested")
		}
		send(t, h, peers[0], parent)
		if !pool.has(parent) || !pool.has(child) || len(acc.relayed()) != 2 {
			t.Fatal("package not accepted")
		}
	})

	t.Run("parent from another peer", func(t *testing.T) {
		// Only the sender's own orphans are paired with a parent: a
		// peer cannot have its parent judged with another's child.
		h, pool, peers, acc := onePOneHarness(t, 2)
		parent, child := pool.pair(0, 2000)
		send(t, h, peers[0], child)
		send(t, h, peers[1], parent)
		if pool.has(parent) || pool.packages.Load() != 0 {
			t.Fatal("package tried with another peer's child")
		}
		// The child's sender answers the request for its parent.
		send(t, h, peers[0], parent)
		if !pool.has(parent) || !pool.has(child) || len(acc.relayed()) != 2 {
			t.Fatal("package not accepted from the child's sender")
		}
	})

	t.Run("parent invalid for another reason", func(t *testing.T) {
		// A parent with a bad signature is refused for its fee first
		// (scripts run last); judged with the child it fails its
		// scripts, is rejected for good, and is not tried again. The
		// sender is not punished.
		h, pool, peers, acc := onePOneHarness(t, 1)
		parent, child := pool.pair(0, 2000)
		parent.TxIn[0].Witness[0][0] = 0xde
		child.TxIn[0].PreviousOutPoint.Hash = parent.TxHash()
		send(t, h, peers[0], child)
		send(t, h, peers[0], parent)
		if pool.has(parent) || pool.has(child) || len(acc.relayed()) != 0 {
			t.Fatal("invalid parent accepted")
		}
		singles, pkgs := pool.singles.Load(), pool.packages.Load()
		send(t, h, peers[0], parent)
		if pool.singles.Load() != singles || pool.packages.Load() != pkgs {
			t.Fatal("rejected parent judged again")
		}
		if len(peers[0].misbehaviour()) != 0 {
			t.Fatal("sender punished")
		}

		// A parent refused alone for a non-fee reason (a dust output)
		// makes its orphan child rejected, and is not asked again (a
		// parent without a witness: Core matches parents by txid).
		parent2 := pool.legacy(pool.spend(3, wire.OutPoint{}, 100000, 0, 0x30))
		parent2.TxOut[0].Value = 100
		child2 := pool.spend(3, wire.OutPoint{Hash: parent2.TxHash()}, 100, 0, 0x30)
		send(t, h, peers[0], parent2)
		send(t, h, peers[0], child2)
		if askedFor(peers[0], parent2.TxHash()) != 0 || pool.OrphanCount() != 1 {
			t.Fatalf("parent refused for dust asked for again (%d orphans)", pool.OrphanCount())
		}
	})

	t.Run("package paying too little", func(t *testing.T) {
		// Core's test_low_and_high_child: the package with a child too
		// poor to pay for both is refused and not tried again; a better
		// child later brings the parent in.
		h, pool, peers, acc := onePOneHarness(t, 2)
		parent, low := pool.pair(0, 10) // 10 sat for ~230 vB: below 0.1 sat/vB
		high := pool.spend(3, wire.OutPoint{Hash: parent.TxHash()}, parent.TxOut[0].Value, 5000, 0x30)
		send(t, h, peers[0], parent)
		send(t, h, peers[0], low)
		send(t, h, peers[0], parent)
		if pool.has(parent) || pool.has(low) || pool.packages.Load() != 1 {
			t.Fatal("package paying too little accepted")
		}
		if pool.OrphanCount() != 0 {
			t.Fatal("refused child kept as an orphan")
		}
		// Announced by another peer, the poor child is not requested;
		// the parent sent again tries no package.
		announce(t, h, peers[1], wire.InvTypeWTx, low.WitnessHash())
		send(t, h, peers[0], parent)
		send(t, h, peers[1], parent)
		if len(peers[1].getDataItems()) != 0 || pool.packages.Load() != 1 {
			t.Fatal("refused package tried again")
		}
		// The better child: its parent is asked for again and the
		// package is accepted.
		send(t, h, peers[0], high)
		if askedFor(peers[0], parent.TxHash()) != 2 {
			t.Fatalf("parent of the better child not asked for: %v", peers[0].getDataItems())
		}
		send(t, h, peers[0], parent)
		if !pool.has(parent) || !pool.has(high) || pool.has(low) || len(acc.relayed()) != 2 {
			t.Fatal("better package not accepted")
		}
	})

	t.Run("two parents refused for their fee", func(t *testing.T) {
		// Only one parent can be paid for: a child of two refused
		// parents is not kept waiting and neither is asked for again.
		h, pool, peers, _ := onePOneHarness(t, 1)
		pa := pool.legacy(pool.spend(3, wire.OutPoint{}, 100000, 0, 0x30))
		pb := pool.legacy(pool.spend(3, wire.OutPoint{}, 100000, 0, 0x30))
		child := wire.NewMsgTx(3)
		for _, p := range []*wire.MsgTx{pa, pb} {
			child.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Hash: p.TxHash()},
				SignatureScript: pa.TxIn[0].SignatureScript, Sequence: wire.MaxTxInSequenceNum - 2})
		}
		child.AddTxOut(&wire.TxOut{Value: 190000, PkScript: pool.p2wpkhScript()})
		for _, p := range []*wire.MsgTx{pa, pb} {
			before := pool.singles.Load()
			send(t, h, peers[0], p)
			send(t, h, peers[0], p)
			if pool.has(p) || pool.singles.Load() != before+1 {
				t.Fatal("zero-fee parent accepted or judged twice")
			}
		}
		send(t, h, peers[0], child)
		if n := askedFor(peers[0], pa.TxHash()) + askedFor(peers[0], pb.TxHash()); n != 0 ||
			pool.OrphanCount() != 0 {
			t.Fatalf("asked for %d parents, %d orphans", n, pool.OrphanCount())
		}
	})
}

// TestOpportunistic1p1cNewTip: a new tip clears the reconsiderable filter
// with the rejected one, so the parent is judged alone again.
func TestOpportunistic1p1cNewTip(t *testing.T) {
	h, pool, peers, _ := onePOneHarness(t, 1)
	parent, _ := pool.pair(0, 2000)
	send(t, h, peers[0], parent)
	rc := buildChain(t, 1, time.Now().Add(-time.Hour), nil)
	h.processAll(rc, 1)
	before := pool.singles.Load()
	send(t, h, peers[0], parent)
	if pool.singles.Load() != before+1 {
		t.Fatal("parent not judged again after a new tip")
	}
}

// TestPackageHash: the package hash ignores the order of its members.
func TestPackageHash(t *testing.T) {
	a, b := chainhash.Hash{1}, chainhash.Hash{2}
	if packageHash(a, b) != packageHash(b, a) || packageHash(a, b) == packageHash(a, a) {
		t.Fatal("package hash depends on order or ignores members")
	}
}
