package itest

import (
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// txServer answers a raw peer's getdata for the transactions it was given,
// by txid or wtxid, as a node that has them would.
type txServer struct {
	mu  sync.Mutex
	txs map[chainhash.Hash]*wire.MsgTx
}

func newTxServer() *txServer {
	return &txServer{txs: make(map[chainhash.Hash]*wire.MsgTx)}
}

// add makes tx available to getdata.
func (s *txServer) add(tx *wire.MsgTx) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.txs[tx.TxHash()] = tx
	s.txs[tx.WitnessHash()] = tx
}

// onMsg is a dialRaw callback serving getdata from s.
func (s *txServer) onMsg(r *rawPeer, m wire.Message) {
	gd, ok := m.(*wire.MsgGetData)
	if !ok {
		return
	}
	for _, iv := range gd.InvList {
		s.mu.Lock()
		tx := s.txs[iv.Hash]
		s.mu.Unlock()
		if tx != nil {
			_ = r.QueueMessage(tx, nil)
		}
	}
}

// payTRUC builds and signs a version-3 (TRUC) transaction spending coin
// into one P2WPKH output, paying fee satoshis, and returns it with its
// output.
func payTRUC(t *testing.T, w *Wallet, coin Coin, fee int64) (*wire.MsgTx, Coin) {
	t.Helper()
	tx := w.Build([]Coin{coin}, wire.NewTxOut(coin.Value-fee, w.PkScript(KindP2WPKH)))
	tx.Version = 3
	if err := w.Sign(tx, []Coin{coin}); err != nil {
		t.Fatal(err)
	}
	out := Coin{Op: wire.OutPoint{Hash: tx.TxHash()}, Value: coin.Value - fee, Kind: KindP2WPKH}
	return tx, out
}

// mineWith mines one block on p and checks it confirms every tx.
func mineWith(t *testing.T, p *Process, w *Wallet, txs ...*wire.MsgTx) {
	t.Helper()
	var hashes []string
	p.MustCall(t, "generatetoaddress", &hashes, 1, w.Address(KindP2WPKH))
	in := map[chainhash.Hash]bool{}
	for _, tx := range p.Block(t, hashes[0]).Transactions {
		in[tx.TxHash()] = true
	}
	for _, tx := range txs {
		if !in[tx.TxHash()] {
			t.Fatalf("block %s lacks %v", hashes[0], tx.TxHash())
		}
	}
}

// TestOpportunistic1p1cRelay: package relay over P2P alone (no
// submitpackage) through a line of ternd nodes A-B-C. A test peer gives A
// a zero-fee TRUC parent, refused alone (below the relay minimum), and
// then its fee-paying child; A asks the peer for the parent again and
// takes the two as a package. B and C get them the same way from their
// neighbour: the child is announced (the parent's fee rate is under their
// feefilter), is an orphan, its parent is fetched, refused alone, and
// judged with it. Both are mined together on C. Then a parent refused for
// its fee from one peer and a child arriving later from another: A asks
// the child's sender for the parent and the two end up together too.
func TestOpportunistic1p1cRelay(t *testing.T) {
	needProcesses(t)
	w := NewWallet(31)
	c := StartTernd(t)
	var hashes []string
	c.MustCall(t, "generatetoaddress", &hashes, 103, w.Address(KindP2WPKH))
	b := StartTernd(t, "--connect="+c.P2PAddr)
	a := StartTernd(t, "--connect="+b.P2PAddr)
	WaitTip(t, 60*time.Second, hashes[len(hashes)-1], a, b)
	height := int32(a.Height(t))

	// Same peer, parent first.
	srv := newTxServer()
	sender := dialRaw(t, a.P2PAddr, "127.0.0.21", height, srv.onMsg)
	parent, pout := payTRUC(t, w, w.CoinbaseCoin(t, c, 1), 0)
	child, _ := payTRUC(t, w, pout, 5000)
	srv.add(parent)
	srv.add(child)
	start := time.Now()
	for _, tx := range []*wire.MsgTx{parent, child} {
		if err := sender.QueueMessage(tx, nil); err != nil {
			t.Fatal(err)
		}
	}
	waitInPool(t, 60*time.Second, txids(parent, child), a, b, c)
	t.Logf("zero-fee TRUC parent and child from A to C in %v", time.Since(start))
	mineWith(t, c, w, parent, child)

	// Parent from one peer, child later from another.
	srv2 := newTxServer()
	first := dialRaw(t, a.P2PAddr, "127.0.0.22", height, nil)
	second := dialRaw(t, a.P2PAddr, "127.0.0.23", height, srv2.onMsg)
	parent2, pout2 := payTRUC(t, w, w.CoinbaseCoin(t, c, 2), 5) // 0.05 sat/vB
	child2, _ := payTRUC(t, w, pout2, 8000)
	if err := first.QueueMessage(parent2, nil); err != nil {
		t.Fatal(err)
	}
	// A barrier: a transaction A accepts from the same peer afterwards.
	marker, _ := w.MustPay(t, []Coin{w.CoinbaseCoin(t, c, 3)}, []Kind{KindP2WPKH}, 2)
	if err := first.QueueMessage(marker, nil); err != nil {
		t.Fatal(err)
	}
	waitInPool(t, 30*time.Second, txids(marker), a)
	if a.InMempool(t, parent2.TxHash().String()) {
		t.Fatal("parent below the relay minimum accepted alone")
	}
	srv2.add(parent2)
	if err := second.QueueMessage(child2, nil); err != nil {
		t.Fatal(err)
	}
	waitInPool(t, 60*time.Second, txids(parent2, child2), a, b, c)
	mineWith(t, c, w, parent2, child2)
}
