package blockchain

import (
	"errors"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/internal/store"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// opTrue is the output script the test builder pays to: anyone can spend it
// with an empty scriptSig, under any script flags.

var opTrue = []byte{txscript.OP_1}

// opFalse is an output script whose spend always fails ("Script evaluated
// without error but finished with a false/empty top stack element").
var opFalse = []byte{txscript.OP_0}

// testClock is a fixed clock far after every test block's time.
var testClock = time.Unix(1900000000, 0)

// regtestParams returns a copy of the regtest parameters.
func regtestParams() *chaincfg.Params {
	p := chaincfg.RegressionNetParams
	return &p
}

// testHarness is a chain over a temporary store plus a block builder.
type testHarness struct {
	t      testing.TB
	dir    string
	db     *store.Store
	chain  *BlockChain
	params *chaincfg.Params
	notes  []*Notification
	// unique makes every generated coinbase distinct.
	unique uint32
	// quiet drops notifications instead of recording them.
	quiet bool
	// cacheBytes is Config.UtxoCacheBytes (zero: the default).
	cacheBytes int64
	// sigCache is Config.SigCache.
	sigCache *SigCache
	// reorgChunk and onChunk are Config.reorgChunk and Config.onChunk.
	reorgChunk int
	onChunk    func(held int)
	// onNote, when set, sees every notification as it is delivered.
	onNote func(*Notification)
	// storeOpts are the store's options (nil: the defaults).
	storeOpts *store.Options
}

// newHarness opens a fresh regtest chain in a temporary directory.
func newHarness(t testing.TB) *testHarness {
	t.Helper()
	return newHarnessDir(t, t.TempDir())
}

// newHarnessDir opens a regtest chain in dir (which may hold one already).
func newHarnessDir(t testing.TB, dir string) *testHarness {
	t.Helper()
	h := &testHarness{t: t, dir: dir, params: regtestParams()}
	h.open()
	t.Cleanup(h.close)
	return h
}

// open (re)opens the store and the chain.
func (h *testHarness) open() {
	h.t.Helper()
	db, err := store.Open(h.dir, h.storeOpts)
	if err != nil {
		h.t.Fatalf("store.Open: %v", err)
	}
	h.db = db
	h.chain, err = New(&Config{
		DB:             db,
		ChainParams:    h.params,
		UtxoCacheBytes: h.cacheBytes,
		SigCache:       h.sigCache,
		TimeSource:     func() time.Time { return testClock },
		Notifications: func(n *Notification) {
			if h.onNote != nil {
				h.onNote(n)
			}
			if !h.quiet {
				h.notes = append(h.notes, n)
			}
		},
		reorgChunk: h.reorgChunk,
		onChunk:    h.onChunk,
	})
	if err != nil {
		h.t.Fatalf("New: %v", err)
	}
}

// close closes the store.
func (h *testHarness) close() {
	if h.db != nil {
		h.db.Close()
		h.db = nil
	}
}

// reopen simulates a restart.
func (h *testHarness) reopen() {
	h.close()
	h.open()
}

// tip returns the chain's tip hash and height.
func (h *testHarness) tip() (chainhash.Hash, int32) {
	s := h.chain.BestSnapshot()
	return s.Hash, s.Height
}

// nodeOf returns the index node of hash.
func (h *testHarness) nodeOf(hash chainhash.Hash) *blockNode {
	h.chain.chainLock.RLock()
	defer h.chain.chainLock.RUnlock()
	return h.chain.index[hash]
}

// coinbaseTx makes a coinbase for height paying value to OP_TRUE.
func (h *testHarness) coinbaseTx(height int32, value int64) *wire.MsgTx {
	h.unique++
	tx := wire.NewMsgTx(1)
	script := append(standalone.CoinbaseHeightScript(height), 0x04, byte(h.unique), byte(h.unique>>8),
		byte(h.unique>>16), byte(h.unique>>24))
	tx.AddTxIn(&wire.TxIn{
		PreviousOutPoint: wire.OutPoint{Index: wire.MaxPrevOutIndex},
		SignatureScript:  script,
		Sequence:         wire.MaxTxInSequenceNum,
	})
	tx.AddTxOut(&wire.TxOut{Value: value, PkScript: opTrue})
	return tx
}

// spendTx spends the given outpoints (worth total) to n OP_TRUE outputs,
// leaving fee.
func spendTx(ops []wire.OutPoint, total, fee int64, n int) *wire.MsgTx {
	tx := wire.NewMsgTx(2)
	for _, op := range ops {
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: op, Sequence: wire.MaxTxInSequenceNum})
	}
	each := (total - fee) / int64(n)
	for i := 0; i < n; i++ {
		tx.AddTxOut(&wire.TxOut{Value: each, PkScript: opTrue})
	}
	return tx
}

// blockOpts tweaks a generated block.
type blockOpts struct {
	fees      int64                // added to the coinbase value
	cbValue   int64                // when nonzero, the coinbase value
	timeDelta int64                // seconds after the parent (default 600)
	version   int32                // default 4
	bits      uint32               // default regtest limit
	noSolve   bool                 // leave the nonce unsolved
	mutate    func(*wire.MsgBlock) // change the block before the merkle root is set
	after     func(*wire.MsgBlock) // change the block after the merkle root is set
}

// makeBlock builds a solved block on parent (a node) with txs after a
// coinbase.
func (h *testHarness) makeBlock(parent *blockNode, txs []*wire.MsgTx, o blockOpts) *wire.MsgBlock {
	height := parent.height + 1
	value := standalone.CalcBlockSubsidy(height, h.params) + o.fees
	if o.cbValue != 0 {
		value = o.cbValue
	}
	if o.timeDelta == 0 {
		o.timeDelta = 600
	}
	if o.version == 0 {
		o.version = 4
	}
	if o.bits == 0 {
		o.bits = h.params.PowLimitBits
	}
	blk := &wire.MsgBlock{Header: wire.BlockHeader{
		Version:   o.version,
		PrevBlock: parent.hash,
		Timestamp: time.Unix(parent.timestamp+o.timeDelta, 0),
		Bits:      o.bits,
	}}
	blk.Transactions = append([]*wire.MsgTx{h.coinbaseTx(height, value)}, txs...)
	if o.mutate != nil {
		o.mutate(blk)
	}
	blk.Header.MerkleRoot, _ = standalone.BlockMerkleRoot(blk.Transactions)
	if o.after != nil {
		o.after(blk)
	}
	if !o.noSolve {
		solve(blk, h.params)
	}
	return blk
}

// solve finds a nonce meeting the block's target (a couple of tries on
// regtest).
func solve(blk *wire.MsgBlock, p *chaincfg.Params) {
	target := standalone.CompactToBig(blk.Header.Bits)
	for n := uint32(0); ; n++ {
		blk.Header.Nonce = n
		hash := blk.Header.BlockHash()
		if standalone.HashToBig(&hash).Cmp(target) <= 0 {
			return
		}
	}
}

// unsolve sets a nonce whose hash is above the target.
func unsolve(blk *wire.MsgBlock) {
	target := standalone.CompactToBig(blk.Header.Bits)
	for n := uint32(0); ; n++ {
		blk.Header.Nonce = n
		hash := blk.Header.BlockHash()
		if standalone.HashToBig(&hash).Cmp(target) > 0 {
			return
		}
	}
}

// addWitnessCommitment gives the block a BIP141 commitment and coinbase
// nonce, and resets the merkle root. Call before solving.
func addWitnessCommitment(blk *wire.MsgBlock) {
	standalone.AddWitnessCommitment(blk)
	blk.Header.MerkleRoot, _ = standalone.BlockMerkleRoot(blk.Transactions)
}

// mustProcess processes a block that must be accepted.
func (h *testHarness) mustProcess(blk *wire.MsgBlock) bool {
	h.t.Helper()
	main, orphan, err := h.chain.ProcessBlock(blk, BFNone)
	if err != nil {
		h.t.Fatalf("ProcessBlock(%s): %v", blk.BlockHash(), err)
	}
	if orphan {
		h.t.Fatalf("ProcessBlock(%s): orphan", blk.BlockHash())
	}
	return main
}

// tipNode returns the node of the current tip.
func (h *testHarness) tipNode() *blockNode {
	hash, _ := h.tip()
	return h.nodeOf(hash)
}

// extend mines n coinbase-only blocks on the tip and returns them.
func (h *testHarness) extend(n int) []*wire.MsgBlock {
	h.t.Helper()
	var out []*wire.MsgBlock
	for i := 0; i < n; i++ {
		blk := h.makeBlock(h.tipNode(), nil, blockOpts{})
		if !h.mustProcess(blk) {
			h.t.Fatalf("block %d not on main chain", i)
		}
		out = append(out, blk)
	}
	return out
}

// coinbaseOut returns the spendable outpoint of a generated block's coinbase.
func coinbaseOut(blk *wire.MsgBlock) wire.OutPoint {
	return wire.OutPoint{Hash: blk.Transactions[0].TxHash(), Index: 0}
}

// expectKind checks err has the given kind.
func expectKind(t testing.TB, name string, err error, kind ErrorKind) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("%s: got error %v, want kind %q", name, err, kind)
	}
	if RejectReason(err) == "" {
		t.Fatalf("%s: empty reject reason", name)
	}
}
