package main

// How the core follows the chain and what it hands the P2P side: relayed
// transactions, chain subscriptions, orphans and reorganisations.

import (
	"slices"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/wire"
)

// announceLog is a txAnnouncer that records what it is handed.
type announceLog struct {
	mu  sync.Mutex
	txs []chainhash.Hash
}

func (a *announceLog) Announce(txs []*mempool.TxDesc) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, d := range txs {
		a.txs = append(a.txs, d.TxHash)
	}
}

// TestRelaySeams checks what the P2P side is handed without hooks: every
// pool acceptance (RPC, and transactions put back by a disconnect) through
// the relay that RelayTransactions feeds, and every connected block, in
// order, through a chain subscription that runs after the pool followed
// the block.
func TestRelaySeams(t *testing.T) {
	relayed := &announceLog{}
	tn := startTestNodeWith(t, t.TempDir(), func(d *daemon) { d.core.relay = relayed })
	var mu sync.Mutex
	var heights []int32
	var poolLagged []int32
	core := tn.n.core
	core.chain.Subscribe(func(n *blockchain.Notification) {
		if n.Type != blockchain.NTBlockConnected {
			return
		}
		if n.Block.BlockHash() != n.Hash {
			t.Errorf("block %v with hash %v", n.Block.BlockHash(), n.Hash)
		}
		mu.Lock()
		defer mu.Unlock()
		heights = append(heights, n.Height)
		for _, tx := range n.Block.Transactions[1:] {
			if txid := tx.TxHash(); core.pool.IsTransactionInPool(&txid) {
				poolLagged = append(poolLagged, n.Height)
			}
		}
	})
	w := newTestWallet(t, 13)
	var hashes []string
	tn.mustCall(&hashes, "generatetoaddress", 101, w.addr)
	tx := w.spend(t, []prevOut{{wire.OutPoint{Hash: tn.coinbaseOf(1)}, 5000000000}},
		[]*wire.TxOut{{Value: 4999990000, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum)
	tn.mustCall(nil, "sendrawtransaction", txHex(tx))
	tn.mustCall(&hashes, "generatetoaddress", 1, w.addr)
	tn.mustCall(nil, "invalidateblock", hashes[0])

	mu.Lock()
	defer mu.Unlock()
	if len(heights) != 102 || heights[0] != 1 || heights[101] != 102 {
		t.Fatalf("connected heights: %d, first %v", len(heights), heights[:min(3, len(heights))])
	}
	if len(poolLagged) != 0 {
		t.Fatalf("a subscriber saw a block's transactions still pooled at heights %v", poolLagged)
	}
	// Accepted once from RPC, once more when the disconnect put it back.
	relayed.mu.Lock()
	defer relayed.mu.Unlock()
	if txs := relayed.txs; len(txs) != 2 || txs[0] != tx.TxHash() || txs[1] != tx.TxHash() {
		t.Fatalf("relayed: %v", txs)
	}
}

// TestProcessTxOrphan checks the peer entry point: a child whose parent is
// unknown is kept as an orphan with the parent to request, and the parent's
// arrival (here through RPC) accepts both.
func TestProcessTxOrphan(t *testing.T) {
	tn := startTestNode(t, t.TempDir())
	w := newTestWallet(t, 14)
	var hashes []string
	tn.mustCall(&hashes, "generatetoaddress", 101, w.addr)
	parent := w.spend(t, []prevOut{{wire.OutPoint{Hash: tn.coinbaseOf(1)}, 5000000000}},
		[]*wire.TxOut{{Value: 4999990000, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum)
	child := w.spend(t, []prevOut{{wire.OutPoint{Hash: parent.TxHash()}, 4999990000}},
		[]*wire.TxOut{{Value: 4999980000, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum)
	accepted, missing, err := tn.n.core.pool.ProcessTransaction(child, true, 7)
	if err != nil || len(accepted) != 0 || len(missing) != 1 || missing[0] != parent.TxHash() {
		t.Fatalf("orphan: %v %v %v", accepted, missing, err)
	}
	if tn.mempoolHas(child.TxHash()) {
		t.Fatal("orphan in the pool")
	}
	tn.mustCall(nil, "sendrawtransaction", txHex(parent))
	if !tn.mempoolHas(parent.TxHash()) || !tn.mempoolHas(child.TxHash()) {
		t.Fatal("orphan not accepted after its parent")
	}
}

// TestReorgThroughRPC builds a fork with invalidateblock and mining, then
// switches back, checking the tips and that the pool follows each reorg.
func TestReorgThroughRPC(t *testing.T) {
	tn := startTestNode(t, t.TempDir())
	w := newTestWallet(t, 15)
	var hashes []string
	tn.mustCall(&hashes, "generatetoaddress", 101, w.addr)
	tx := w.spend(t, []prevOut{{wire.OutPoint{Hash: tn.coinbaseOf(1)}, 5000000000}},
		[]*wire.TxOut{{Value: 4999990000, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum)
	tn.mustCall(nil, "sendrawtransaction", txHex(tx))
	var a []string
	tn.mustCall(&a, "generatetoaddress", 1, w.addr) // A: height 102 with tx

	// Branch B (two blocks) on A's parent; tx moves into B's first block.
	tn.mustCall(nil, "invalidateblock", a[0])
	if !tn.mempoolHas(tx.TxHash()) {
		t.Fatal("tx not back in the pool")
	}
	var b []string
	tn.mustCall(&b, "generatetoaddress", 2, newTestWallet(t, 16).addr)
	tn.mustCall(nil, "reconsiderblock", a[0])
	var best string
	tn.mustCall(&best, "getbestblockhash")
	if best != b[1] || tn.mempoolHas(tx.TxHash()) {
		t.Fatalf("after reconsider: best %s, want %s", best, b[1])
	}
	type tip struct {
		Height    int    `json:"height"`
		Hash      string `json:"hash"`
		BranchLen int    `json:"branchlen"`
		Status    string `json:"status"`
	}
	var tips []tip
	tn.mustCall(&tips, "getchaintips")
	if !slices.Contains(tips, tip{102, a[0], 1, "valid-fork"}) || !slices.Contains(tips, tip{103, b[1], 0, "active"}) {
		t.Fatalf("getchaintips: %+v", tips)
	}

	// Invalidating B's first block reorganises back to A: B's transactions
	// return to the pool and A's confirm them again.
	tn.mustCall(nil, "invalidateblock", b[0])
	tn.mustCall(&best, "getbestblockhash")
	if best != a[0] || tn.blockCount() != 102 || tn.mempoolHas(tx.TxHash()) {
		t.Fatalf("after the second reorg: best %s, count %d, pooled %v", best, tn.blockCount(),
			tn.mempoolHas(tx.TxHash()))
	}
	var out struct {
		Confirmations int `json:"confirmations"`
	}
	tn.mustCall(&out, "gettxout", tx.TxHash().String(), 0)
	if out.Confirmations != 1 {
		t.Fatalf("gettxout: %+v", out)
	}
}

// TestDisconnectChainOfTransactions invalidates two blocks where the second
// spends the first's transaction: both must return to the pool.
func TestDisconnectChainOfTransactions(t *testing.T) {
	tn := startTestNode(t, t.TempDir())
	w := newTestWallet(t, 19)
	var hashes []string
	tn.mustCall(&hashes, "generatetoaddress", 101, w.addr)
	parent := w.spend(t, []prevOut{{wire.OutPoint{Hash: tn.coinbaseOf(1)}, 5000000000}},
		[]*wire.TxOut{{Value: 4999990000, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum)
	child := w.spend(t, []prevOut{{wire.OutPoint{Hash: parent.TxHash()}, 4999990000}},
		[]*wire.TxOut{{Value: 4999980000, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum)
	var a, b []string
	tn.mustCall(nil, "sendrawtransaction", txHex(parent))
	tn.mustCall(&a, "generatetoaddress", 1, w.addr)
	tn.mustCall(nil, "sendrawtransaction", txHex(child))
	tn.mustCall(&b, "generatetoaddress", 1, w.addr)
	tn.mustCall(nil, "invalidateblock", a[0])
	if tn.blockCount() != 101 || !tn.mempoolHas(parent.TxHash()) || !tn.mempoolHas(child.TxHash()) {
		t.Fatalf("after invalidating two blocks: count %d, parent pooled %v, child pooled %v",
			tn.blockCount(), tn.mempoolHas(parent.TxHash()), tn.mempoolHas(child.TxHash()))
	}
}
