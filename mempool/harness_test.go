package mempool

import (
	"encoding/binary"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// fakeChain is a UTXO set and tip for tests.
type fakeChain struct {
	mu     sync.Mutex
	utxos  map[wire.OutPoint]*UTXO
	height int32
	mtp    time.Time
}

func (c *fakeChain) fetch(op wire.OutPoint) (*UTXO, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.utxos[op], nil
}

// mtpAt gives block h a median time of base + 600 s per height.
func (c *fakeChain) mtpAt(h int32) (time.Time, error) {
	return c.mtp.Add(time.Duration(h-c.height) * 10 * time.Minute), nil
}

// fakeVerifier fails scripts whose first witness item starts with 0xde
// (consensus failure) or 0xdf (policy-only failure). It stands in for the
// script engine so pool logic is testable on its own.
type fakeVerifier struct{}

var errFakeScript = errors.New("Script evaluated without error but finished with a false/empty top stack element")

func (fakeVerifier) VerifyScripts(tx *wire.MsgTx, prev []*wire.TxOut, standard bool) (int, error) {
	for i, in := range tx.TxIn {
		if len(in.Witness) == 0 || len(in.Witness[0]) == 0 {
			continue
		}
		switch in.Witness[0][0] {
		case 0xde:
			return i, errFakeScript
		case 0xdf:
			if standard {
				return i, errors.New("Non-canonical DER signature")
			}
		}
	}
	return 0, nil
}

type harness struct {
	t     testing.TB
	chain *fakeChain
	pool  *TxPool
	now   time.Time
	n     uint32
}

// spendable is an output a test can spend.
type spendable struct {
	op     wire.OutPoint
	amount int64
}

func newHarness(t testing.TB, mutate func(*Config)) *harness {
	h := &harness{t: t, now: time.Unix(1700000000, 0)}
	h.chain = &fakeChain{utxos: make(map[wire.OutPoint]*UTXO), height: 200,
		mtp: time.Unix(1699990000, 0)}
	cfg := &Config{
		Policy:           DefaultPolicy(),
		CoinbaseMaturity: 100,
		FetchUTXO:        h.chain.fetch,
		BestHeight:       func() int32 { return h.chain.height },
		MedianTimePast:   func() time.Time { return h.chain.mtp },
		MedianTimePastAt: h.chain.mtpAt,
		Verifier:         fakeVerifier{},
		Now:              func() time.Time { return h.now },
	}
	if mutate != nil {
		mutate(cfg)
	}
	h.pool = New(cfg)
	return h
}

// p2wpkh returns a distinct P2WPKH script.
func p2wpkh(i uint32) []byte {
	s := make([]byte, 22)
	s[0], s[1] = 0x00, 0x14
	binary.LittleEndian.PutUint32(s[2:], i)
	s[21] = 0x77
	return s
}

// fakeWitness is a P2WPKH-sized witness (71-byte signature, 33-byte key).
func fakeWitness(first byte) wire.TxWitness {
	sig := make([]byte, 71)
	sig[0] = first
	key := make([]byte, 33)
	key[0] = 0x02
	return wire.TxWitness{sig, key}
}

// fund adds confirmed UTXOs at height and returns them.
func (h *harness) fund(n int, amount int64, height int32, coinbase bool) []spendable {
	h.chain.mu.Lock()
	defer h.chain.mu.Unlock()
	out := make([]spendable, n)
	for i := range out {
		h.n++
		var hash chainhash.Hash
		binary.LittleEndian.PutUint32(hash[:], h.n)
		hash[31] = 0xaa
		op := wire.OutPoint{Hash: hash, Index: 0}
		h.chain.utxos[op] = &UTXO{Amount: amount, PkScript: p2wpkh(h.n), Height: height,
			IsCoinBase: coinbase}
		out[i] = spendable{op: op, amount: amount}
	}
	return out
}

// tx spends ins into outputs of the given values (version 2).
func (h *harness) tx(ins []spendable, values ...int64) *wire.MsgTx {
	tx := wire.NewMsgTx(2)
	for _, in := range ins {
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: in.op, Witness: fakeWitness(0x30),
			Sequence: wire.MaxTxInSequenceNum - 2})
	}
	for _, v := range values {
		h.n++
		tx.AddTxOut(&wire.TxOut{Value: v, PkScript: p2wpkh(h.n)})
	}
	return tx
}

// outs returns tx's outputs as spendables.
func outs(tx *wire.MsgTx) []spendable {
	h := tx.TxHash()
	s := make([]spendable, len(tx.TxOut))
	for i, o := range tx.TxOut {
		s[i] = spendable{op: wire.OutPoint{Hash: h, Index: uint32(i)}, amount: o.Value}
	}
	return s
}

// mustAccept accepts tx or fails the test.
func (h *harness) mustAccept(tx *wire.MsgTx) *TxDesc {
	h.t.Helper()
	acc, missing, err := h.pool.ProcessTransaction(tx, false, 0)
	if err != nil || len(missing) > 0 || len(acc) == 0 {
		h.t.Fatalf("accept %v: %v (missing %v)", tx.TxHash(), err, missing)
	}
	return acc[0]
}

// reject expects tx to be refused with kind.
func (h *harness) reject(tx *wire.MsgTx, kind ErrorKind) error {
	h.t.Helper()
	_, _, err := h.pool.ProcessTransaction(tx, false, 0)
	if !errors.Is(err, kind) {
		h.t.Fatalf("want %v, got %v", kind, err)
	}
	return err
}

// checkInvariants recomputes every entry's package figures and clusters
// from scratch and compares them with the incremental bookkeeping.
func (h *harness) checkInvariants() {
	h.t.Helper()
	mp := h.pool
	mp.mtx.Lock()
	defer mp.mtx.Unlock()
	mp.settleClusters()
	var usage, vsize int64
	for _, e := range mp.pool {
		usage += e.usage
		vsize += e.vsize
		anc := ancestorsOf(e.parents)
		cnt, sz, fees := 1, e.vsize, e.modFee()
		for a := range anc {
			cnt++
			sz += a.vsize
			fees = satAdd(fees, a.modFee())
		}
		if cnt != e.ancCount || sz != e.ancSize || fees != e.ancFees {
			h.t.Fatalf("%v ancestors: have %d/%d/%d want %d/%d/%d", e.txid,
				e.ancCount, e.ancSize, e.ancFees, cnt, sz, fees)
		}
		desc := descendantsOf(e)
		cnt, sz, fees = 0, 0, 0
		for d := range desc {
			cnt++
			sz += d.vsize
			fees = satAdd(fees, d.modFee())
		}
		if cnt != e.descCount || sz != e.descSize || fees != e.descFees {
			h.t.Fatalf("%v descendants: have %d/%d/%d want %d/%d/%d", e.txid,
				e.descCount, e.descSize, e.descFees, cnt, sz, fees)
		}
		for _, in := range e.tx.TxIn {
			if mp.spentBy[in.PreviousOutPoint] != e {
				h.t.Fatalf("spent index missing %v", in.PreviousOutPoint)
			}
			if p, ok := mp.pool[in.PreviousOutPoint.Hash]; ok {
				if _, ok := e.parents[p]; !ok {
					h.t.Fatalf("parent link missing")
				}
			}
		}
		// Cluster = connected component.
		comp := map[*entry]struct{}{e: {}}
		stack := []*entry{e}
		for len(stack) > 0 {
			x := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, rel := range []map[*entry]struct{}{x.parents, x.children} {
				for y := range rel {
					if _, ok := comp[y]; !ok {
						comp[y] = struct{}{}
						stack = append(stack, y)
					}
				}
			}
		}
		if len(comp) != len(e.cluster.members) {
			h.t.Fatalf("cluster size %d, component %d", len(e.cluster.members), len(comp))
		}
		var cv int64
		for m := range comp {
			if m.cluster != e.cluster {
				h.t.Fatalf("cluster mismatch")
			}
			cv += m.vsize
		}
		if cv != e.cluster.vsize {
			h.t.Fatalf("cluster vsize %d want %d", e.cluster.vsize, cv)
		}
	}
	if usage != mp.usage || vsize != mp.totalVSz {
		h.t.Fatalf("usage %d/%d want %d/%d", mp.usage, mp.totalVSz, usage, vsize)
	}
	// Parents and children mirror each other; no empty map is kept.
	for _, e := range mp.pool {
		if e.parents != nil && len(e.parents) == 0 {
			h.t.Fatalf("%v keeps an empty parents map", e.txid)
		}
		for p := range e.parents {
			if _, ok := p.children[e]; !ok {
				h.t.Fatalf("%v missing from its parent's children", e.txid)
			}
		}
		for c := range e.children {
			if _, ok := c.parents[e]; !ok {
				h.t.Fatalf("%v missing from its child's parents", e.txid)
			}
		}
	}
	h.checkLinearizations()
	if len(mp.spentBy) != func() int {
		n := 0
		for _, e := range mp.pool {
			n += len(e.tx.TxIn)
		}
		return n
	}() {
		h.t.Fatalf("spent index size")
	}
}

// checkLinearizations checks every cluster's linearization: its members
// once each, parents first, chunked with their figures on every member,
// and the cluster indexed by its last entry in byChunk, once. The pool
// lock must be held.
func (h *harness) checkLinearizations() {
	h.t.Helper()
	mp := h.pool
	clusters := map[*cluster]bool{}
	for _, e := range mp.pool {
		clusters[e.cluster] = true
	}
	for c := range clusters {
		if len(c.lin) != len(c.members) || c.tail != c.lin[len(c.lin)-1] {
			h.t.Fatalf("linearization of %d for a cluster of %d", len(c.lin), len(c.members))
		}
		placed := map[*entry]bool{}
		for _, x := range c.lin {
			for p := range x.parents {
				if !placed[p] {
					h.t.Fatalf("%v before its parent %v", x.txid, p.txid)
				}
			}
			placed[x] = true
		}
		start := 0
		for k, ch := range c.chunks {
			var f, s int64
			for _, x := range c.lin[start:ch.end] {
				f, s = satAdd(f, x.modFee()), s+x.vsize
				if x.chunkIdx != int32(k) {
					h.t.Fatalf("%v in chunk %d, says %d", x.txid, k, x.chunkIdx)
				}
			}
			if f != ch.fee || s != ch.size || k > 0 && higher(ch.fee, ch.size, c.chunks[k-1].fee,
				c.chunks[k-1].size) {
				h.t.Fatalf("chunk %d figures or order", k)
			}
			start = ch.end
		}
	}
	seen := 0
	var prev *entry
	mp.byChunk.ascend(func(e *entry) bool {
		if mp.pool[e.txid] != e || e.cluster.tail != e || !clusters[e.cluster] {
			h.t.Fatalf("chunk index holds %v, not a pooled cluster's tail", e.txid)
		}
		if prev != nil && !lessByChunkRate(prev, e) {
			h.t.Fatalf("chunk index out of order")
		}
		prev = e
		seen++
		return true
	})
	if seen != len(clusters) || mp.byChunk.n != len(clusters) {
		h.t.Fatalf("chunk index walks %d (n %d) of %d clusters", seen, mp.byChunk.n, len(clusters))
	}
}
