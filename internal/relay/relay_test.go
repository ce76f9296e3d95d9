package relay

import (
	"context"
	"encoding/binary"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/wire"
)

// fakePeer records what the relay queues on it.
type fakePeer struct {
	id        int32
	relayTx   bool
	relaysTxs bool
	feeFilter int64
	wtxid     bool

	mu   sync.Mutex
	invs []wire.InvVect
	msgs []wire.Message
	// got, when not nil, receives a value (without blocking) on every
	// inv or message queued.
	got chan struct{}
}

// newPeer returns a wtxidrelay peer that wants transactions.
func newPeer(id int32) *fakePeer {
	return &fakePeer{id: id, relayTx: true, relaysTxs: true, wtxid: true, got: make(chan struct{}, 1)}
}

func (p *fakePeer) ID() int32        { return p.id }
func (p *fakePeer) RelayTx() bool    { return p.relayTx }
func (p *fakePeer) RelaysTxs() bool  { return p.relaysTxs }
func (p *fakePeer) FeeFilter() int64 { return p.feeFilter }
func (p *fakePeer) WantsWtxid() bool { return p.wtxid }

func (p *fakePeer) QueueInventory(iv *wire.InvVect) {
	p.mu.Lock()
	p.invs = append(p.invs, *iv)
	p.mu.Unlock()
	p.signal()
}

func (p *fakePeer) QueueMessage(msg wire.Message, done chan<- struct{}) error {
	p.mu.Lock()
	p.msgs = append(p.msgs, msg)
	p.mu.Unlock()
	p.signal()
	return nil
}

func (p *fakePeer) signal() {
	if p.got == nil {
		return
	}
	select {
	case p.got <- struct{}{}:
	default:
	}
}

// inventory returns a copy of the invs queued so far.
func (p *fakePeer) inventory() []wire.InvVect {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]wire.InvVect(nil), p.invs...)
}

// feeFilters returns the feefilter values sent so far.
func (p *fakePeer) feeFilters() []int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []int64
	for _, m := range p.msgs {
		if f, ok := m.(*wire.MsgFeeFilter); ok {
			out = append(out, f.MinFee)
		}
	}
	return out
}

// fakePool is a pool of descriptions with an unbroadcast set.
type fakePool struct {
	mu          sync.Mutex
	descs       map[chainhash.Hash]*mempool.TxDesc
	unbroadcast map[chainhash.Hash]struct{}
	minFee      mempool.FeeRate
}

func newPool() *fakePool {
	return &fakePool{descs: make(map[chainhash.Hash]*mempool.TxDesc),
		unbroadcast: make(map[chainhash.Hash]struct{}), minFee: 1000}
}

func (fp *fakePool) add(d *mempool.TxDesc, unbroadcast bool) {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	fp.descs[d.TxHash] = d
	if unbroadcast {
		fp.unbroadcast[d.TxHash] = struct{}{}
	}
}

func (fp *fakePool) Unbroadcast() []chainhash.Hash {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	out := make([]chainhash.Hash, 0, len(fp.unbroadcast))
	for h := range fp.unbroadcast {
		out = append(out, h)
	}
	return out
}

func (fp *fakePool) TxDesc(txid *chainhash.Hash) (*mempool.TxDesc, bool) {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	d, ok := fp.descs[*txid]
	return d, ok
}

func (fp *fakePool) RemoveUnbroadcast(txid *chainhash.Hash) {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	delete(fp.unbroadcast, *txid)
}

func (fp *fakePool) isUnbroadcast(txid chainhash.Hash) bool {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	_, ok := fp.unbroadcast[txid]
	return ok
}

func (fp *fakePool) FetchTransaction(hash *chainhash.Hash) (*wire.MsgTx, error) {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	for _, d := range fp.descs {
		if d.TxHash == *hash || d.WTxHash == *hash {
			return d.Tx, nil
		}
	}
	return nil, errors.New("not in pool")
}

func (fp *fakePool) MinFee() mempool.FeeRate {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	return fp.minFee
}

func (fp *fakePool) setMinFee(f mempool.FeeRate) {
	fp.mu.Lock()
	fp.minFee = f
	fp.mu.Unlock()
}

// desc returns a distinct transaction's description paying fee over a
// vsize of 200, so its rate is fee*5 sat/kvB. Its wtxid differs from its
// txid, as for a witness transaction.
func desc(n uint32, fee int64) *mempool.TxDesc {
	tx := wire.NewMsgTx(2)
	var prev chainhash.Hash
	binary.LittleEndian.PutUint32(prev[:], n)
	tx.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Hash: prev}, Witness: wire.TxWitness{{1}}})
	tx.AddTxOut(&wire.TxOut{Value: 1000})
	return &mempool.TxDesc{Tx: tx, TxHash: tx.TxHash(), WTxHash: tx.WitnessHash(), Fee: fee, VSize: 200}
}

// ibdFlag is a switchable IBD state.
type ibdFlag struct{ v atomic.Bool }

func (f *ibdFlag) get() bool { return f.v.Load() }

// newRelay builds a relay on peers and pool; tweak may change the config.
func newRelay(t testing.TB, peers []*fakePeer, pool *fakePool, ibd *ibdFlag,
	tweak func(*Config)) *TxRelay {
	t.Helper()
	cfg := &Config{
		Peers: func() []Peer {
			out := make([]Peer, len(peers))
			for i, p := range peers {
				out[i] = p
			}
			return out
		},
		Pool:                   pool,
		IsInitialBlockDownload: ibd.get,
	}
	if tweak != nil {
		tweak(cfg)
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// run runs r until the test ends.
func run(t *testing.T, r *TxRelay) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	})
}

// waitFor polls cond (each time p signals, or every 5 ms) until it holds or
// the deadline passes.
func waitFor(t *testing.T, p *fakePeer, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for !cond() {
		select {
		case <-p.got:
		case <-time.After(5 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestNewBadConfig(t *testing.T) {
	pool := newPool()
	peers := func() []Peer { return nil }
	ibd := func() bool { return false }
	tests := []struct {
		name string
		cfg  *Config
	}{
		{"nil", nil},
		{"no peers", &Config{Pool: pool, IsInitialBlockDownload: ibd}},
		{"no pool", &Config{Peers: peers, IsInitialBlockDownload: ibd}},
		{"no IBD query", &Config{Peers: peers, Pool: pool}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.cfg); !errors.Is(err, ErrBadConfig) {
				t.Fatalf("New: %v, want ErrBadConfig", err)
			}
		})
	}
	if _, err := New(&Config{Peers: peers, Pool: pool, IsInitialBlockDownload: ibd}); err != nil {
		t.Fatalf("New: %v", err)
	}
}

// TestAnnounceBatch checks who is told about a transaction paying 5,000
// sat/kvB, and by which hash.
func TestAnnounceBatch(t *testing.T) {
	d := desc(1, 1000) // 5,000 sat/kvB
	tests := []struct {
		name  string
		tweak func(*fakePeer)
		want  *wire.InvVect // nil: nothing queued
	}{
		{"wtxidrelay peer by wtxid", func(*fakePeer) {},
			&wire.InvVect{Type: wire.InvTypeWTx, Hash: d.WTxHash}},
		{"legacy peer by txid", func(p *fakePeer) { p.wtxid = false },
			&wire.InvVect{Type: wire.InvTypeTx, Hash: d.TxHash}},
		{"feefilter met exactly", func(p *fakePeer) { p.feeFilter = 5000 },
			&wire.InvVect{Type: wire.InvTypeWTx, Hash: d.WTxHash}},
		{"feefilter above the rate", func(p *fakePeer) { p.feeFilter = 5001 }, nil},
		{"relay flag unset", func(p *fakePeer) { p.relayTx = false }, nil},
		{"block-relay-only connection", func(p *fakePeer) { p.relaysTxs = false }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPeer(1)
			tc.tweak(p)
			r := newRelay(t, []*fakePeer{p}, newPool(), &ibdFlag{}, nil)
			r.announceBatch([]*mempool.TxDesc{d})
			got := p.inventory()
			switch {
			case tc.want == nil && len(got) != 0:
				t.Fatalf("queued %v, want nothing", got)
			case tc.want != nil && (len(got) != 1 || got[0] != *tc.want):
				t.Fatalf("queued %v, want %v", got, *tc.want)
			}
		})
	}
}

// TestAnnounceRuns checks the whole path under Run: Announce from another
// goroutine reaches every eligible peer.
func TestAnnounceRuns(t *testing.T) {
	a, b, c := newPeer(1), newPeer(2), newPeer(3)
	b.wtxid = false
	c.feeFilter = 1_000_000
	r := newRelay(t, []*fakePeer{a, b, c}, newPool(), &ibdFlag{}, nil)
	run(t, r)
	txs := []*mempool.TxDesc{desc(1, 1000), desc(2, 2000)}
	r.Announce(txs)
	waitFor(t, a, "a's invs", func() bool { return len(a.inventory()) == 2 })
	waitFor(t, b, "b's invs", func() bool { return len(b.inventory()) == 2 })
	for i, d := range txs {
		if a.inventory()[i].Hash != d.WTxHash || b.inventory()[i].Hash != d.TxHash {
			t.Fatalf("tx %d announced as %v and %v", i, a.inventory()[i], b.inventory()[i])
		}
	}
	if got := c.inventory(); len(got) != 0 {
		t.Fatalf("peer with a high feefilter got %v", got)
	}
}

// TestAnnounceBounded checks that Announce never holds more than
// MaxPending transactions and never blocks without a running loop.
func TestAnnounceBounded(t *testing.T) {
	r := newRelay(t, nil, newPool(), &ibdFlag{}, nil)
	d := desc(1, 1000)
	batch := make([]*mempool.TxDesc, MaxPending-10)
	for i := range batch {
		batch[i] = d
	}
	r.Announce(batch)
	r.Announce(batch)
	r.Announce([]*mempool.TxDesc{d})
	r.mu.Lock()
	n := len(r.queue)
	r.mu.Unlock()
	if n != MaxPending {
		t.Fatalf("queue holds %d, want %d", n, MaxPending)
	}
}

// TestRebroadcastUnbroadcastOnly checks that only pooled unbroadcast
// transactions are announced again, and that unbroadcast entries no longer
// pooled leave the set.
func TestRebroadcastUnbroadcastOnly(t *testing.T) {
	pool := newPool()
	local, remote := desc(1, 1000), desc(2, 1000)
	pool.add(local, true)
	pool.add(remote, false)
	gone := desc(3, 1000).TxHash
	pool.unbroadcast[gone] = struct{}{}
	p := newPeer(1)
	r := newRelay(t, []*fakePeer{p}, pool, &ibdFlag{}, func(c *Config) {
		c.RebroadcastMin, c.RebroadcastJitter = 10*time.Millisecond, time.Millisecond
	})
	run(t, r)
	waitFor(t, p, "the rebroadcast", func() bool { return len(p.inventory()) > 0 })
	for _, iv := range p.inventory() {
		if iv.Hash != local.WTxHash {
			t.Fatalf("rebroadcast announced %v, want only %v", iv, local.WTxHash)
		}
	}
	if pool.isUnbroadcast(gone) || !pool.isUnbroadcast(local.TxHash) {
		t.Fatal("unbroadcast set not pruned to the pooled transaction")
	}
}

// TestMarkBroadcast checks that a getdata by txid or wtxid takes a
// transaction out of the unbroadcast set.
func TestMarkBroadcast(t *testing.T) {
	tests := []struct {
		name string
		iv   func(d *mempool.TxDesc) *wire.InvVect
	}{
		{"tx", func(d *mempool.TxDesc) *wire.InvVect { return wire.NewInvVect(wire.InvTypeTx, &d.TxHash) }},
		{"witness tx", func(d *mempool.TxDesc) *wire.InvVect {
			return wire.NewInvVect(wire.InvTypeWitnessTx, &d.TxHash)
		}},
		{"wtx", func(d *mempool.TxDesc) *wire.InvVect { return wire.NewInvVect(wire.InvTypeWTx, &d.WTxHash) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pool := newPool()
			d, other := desc(1, 1000), desc(2, 1000)
			pool.add(d, true)
			pool.add(other, true)
			r := newRelay(t, nil, pool, &ibdFlag{}, nil)
			msg := wire.NewMsgGetData()
			msg.AddInvVect(tc.iv(d))
			r.MarkBroadcast(msg)
			if pool.isUnbroadcast(d.TxHash) || !pool.isUnbroadcast(other.TxHash) {
				t.Fatal("wrong unbroadcast set after getdata")
			}
		})
	}
}

// TestFeeFilterHandshake checks the feefilter sent at the handshake: the
// IBD maximum or the pool's minimum, once, and none on a connection that
// carries no transactions.
func TestFeeFilterHandshake(t *testing.T) {
	tests := []struct {
		name      string
		ibd       bool
		relaysTxs bool
		want      []int64
	}{
		{"in IBD", true, true, []int64{MaxFeeFilter}},
		{"synced", false, true, []int64{1000}},
		{"block-relay-only", false, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPeer(1)
			p.relaysTxs = tc.relaysTxs
			ibd := &ibdFlag{}
			ibd.v.Store(tc.ibd)
			r := newRelay(t, []*fakePeer{p}, newPool(), ibd, nil)
			r.PeerReady(p)
			r.PeerReady(p) // unchanged: not sent again
			got := p.feeFilters()
			if len(got) != len(tc.want) || (len(got) == 1 && got[0] != tc.want[0]) {
				t.Fatalf("feefilters %v, want %v", got, tc.want)
			}
		})
	}
}

// TestFeeFilterAfterIBD checks that a new tip that ends initial block
// download sends the real feefilter at once to peers holding the IBD
// maximum, and only to them.
func TestFeeFilterAfterIBD(t *testing.T) {
	early, late := newPeer(1), newPeer(2)
	pool := newPool()
	ibd := &ibdFlag{}
	ibd.v.Store(true)
	r := newRelay(t, []*fakePeer{early, late}, pool, ibd, func(c *Config) {
		c.FeeFilterInterval = time.Hour // only the tip wakes the loop
	})
	r.PeerReady(early)
	ibd.v.Store(false)
	pool.setMinFee(2000)
	r.PeerReady(late)
	pool.setMinFee(3000) // late's 2000 is stale, but only the interval fixes it
	run(t, r)
	r.TipChanged()
	waitFor(t, early, "the real feefilter", func() bool { return len(early.feeFilters()) == 2 })
	if got := early.feeFilters(); got[0] != MaxFeeFilter || got[1] != 3000 {
		t.Fatalf("early peer's feefilters %v", got)
	}
	// The tip wake-up is handled once early got its filter; late must
	// not have been sent another.
	if got := late.feeFilters(); len(got) != 1 || got[0] != 2000 {
		t.Fatalf("late peer's feefilters %v", got)
	}
}

// TestFeeFilterInterval checks the periodic resend on change, and that the
// state of peers that left is forgotten.
func TestFeeFilterInterval(t *testing.T) {
	a, b := newPeer(1), newPeer(2)
	pool := newPool()
	peers := []*fakePeer{a, b}
	var mu sync.Mutex
	r := newRelay(t, nil, pool, &ibdFlag{}, func(c *Config) {
		c.Peers = func() []Peer {
			mu.Lock()
			defer mu.Unlock()
			out := make([]Peer, len(peers))
			for i, p := range peers {
				out[i] = p
			}
			return out
		}
	})
	r.PeerReady(a)
	r.PeerReady(b)
	r.refreshFeeFilters(false) // unchanged: nothing sent
	if len(a.feeFilters()) != 1 {
		t.Fatalf("feefilters %v after an unchanged refresh", a.feeFilters())
	}
	pool.setMinFee(4000)
	mu.Lock()
	peers = peers[:1] // b left
	mu.Unlock()
	r.refreshFeeFilters(false)
	if got := a.feeFilters(); len(got) != 2 || got[1] != 4000 {
		t.Fatalf("feefilters %v after a change", got)
	}
	if r.sentFeeFilter(b.id) != 0 || r.sentFeeFilter(a.id) != 4000 {
		t.Fatal("per-peer state not pruned to the ready peers")
	}
}

// BenchmarkAnnounceRelay measures Announce and the relay of one batch of
// 1,000 transactions to 125 peers (Core's default connection count), a
// quarter of them legacy txid peers and a quarter with a feefilter that
// half the transactions miss.
func BenchmarkAnnounceRelay(b *testing.B) {
	peers := make([]*fakePeer, 125)
	for i := range peers {
		p := newPeer(int32(i + 1))
		p.got = nil
		p.wtxid = i%4 != 0
		if i%4 == 1 {
			p.feeFilter = 5000
		}
		peers[i] = p
	}
	batch := make([]*mempool.TxDesc, 1000)
	for i := range batch {
		batch[i] = desc(uint32(i), int64(500+i%2*1000))
	}
	r := newRelay(b, peers, newPool(), &ibdFlag{}, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r.Announce(batch)
		r.mu.Lock()
		queued := r.queue
		r.queue = nil
		r.mu.Unlock()
		r.announceBatch(queued)
		b.StopTimer()
		for _, p := range peers {
			p.invs = p.invs[:0]
		}
		<-r.wake
		b.StartTimer()
	}
}
