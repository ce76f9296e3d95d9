package chaingen

import (
	"fmt"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/wire"
)

// OpTrueScript is the output script blocks and SpendTx pay to by default:
// OP_TRUE, spendable by an empty scriptSig under every consensus flag.
var OpTrueScript = []byte{0x51}

// Options tweak a generated block. The zero value makes an ordinary block.
type Options struct {
	// Fees is added to the coinbase value (the subsidy).
	Fees int64
	// TimeDelta is the seconds after the parent's time (default 600).
	TimeDelta int64
	// Version is the header version (default 4).
	Version int32
	// PayTo is the coinbase output script (default OpTrueScript).
	PayTo []byte
	// WitnessCommitment adds a BIP141 commitment (needed when a
	// transaction carries witness data).
	WitnessCommitment bool
}

// entry is what the generator remembers of a block it made.
type entry struct {
	height    int32
	timestamp time.Time
}

// Generator makes blocks. It remembers every block it made so it can build
// on any of them.
type Generator struct {
	params *chaincfg.Params
	blocks map[chainhash.Hash]entry
	tip    chainhash.Hash
	unique uint32
}

// New returns a generator whose tip is the network's genesis block.
func New(params *chaincfg.Params) *Generator {
	g := &Generator{params: params, blocks: make(map[chainhash.Hash]entry)}
	g.tip = *params.GenesisHash
	g.blocks[g.tip] = entry{height: 0, timestamp: params.GenesisBlock.Header.Timestamp}
	return g
}

// Tip returns the hash and height of the last block NextBlock made (or of
// the block BlockOn last made).
func (g *Generator) Tip() (chainhash.Hash, int32) { return g.tip, g.blocks[g.tip].height }

// NextBlock makes a block on the tip with txs after its coinbase.
func (g *Generator) NextBlock(txs []*wire.MsgTx, o Options) *wire.MsgBlock {
	blk, err := g.BlockOn(g.tip, txs, o)
	if err != nil {
		panic(err) // the tip is always known
	}
	return blk
}

// BlockOn makes a block on parent (a block this generator made, or
// genesis) and makes it the tip.
func (g *Generator) BlockOn(parent chainhash.Hash, txs []*wire.MsgTx, o Options) (*wire.MsgBlock, error) {
	pe, ok := g.blocks[parent]
	if !ok {
		return nil, Error{Err: ErrUnknownParent, Description: fmt.Sprintf("chaingen: unknown parent %s", parent)}
	}
	height := pe.height + 1
	if o.TimeDelta == 0 {
		o.TimeDelta = 600
	}
	if o.Version == 0 {
		o.Version = 4
	}
	if o.PayTo == nil {
		o.PayTo = OpTrueScript
	}
	blk := &wire.MsgBlock{Header: wire.BlockHeader{
		Version:   o.Version,
		PrevBlock: parent,
		Timestamp: pe.timestamp.Add(time.Duration(o.TimeDelta) * time.Second),
		Bits:      g.params.PowLimitBits,
	}}
	cb := g.coinbase(height, standalone.CalcBlockSubsidy(height, g.params)+o.Fees, o.PayTo)
	blk.Transactions = append([]*wire.MsgTx{cb}, txs...)
	if o.WitnessCommitment {
		standalone.AddWitnessCommitment(blk)
	}
	blk.Header.MerkleRoot, _ = standalone.BlockMerkleRoot(blk.Transactions)
	Solve(blk)
	hash := blk.BlockHash()
	g.blocks[hash] = entry{height: height, timestamp: blk.Header.Timestamp}
	g.tip = hash
	return blk, nil
}

// coinbase makes a unique coinbase for height (BIP34 height first).
func (g *Generator) coinbase(height int32, value int64, payTo []byte) *wire.MsgTx {
	g.unique++
	script := standalone.CoinbaseHeightScript(height)
	script = append(script, 0x04, byte(g.unique), byte(g.unique>>8), byte(g.unique>>16),
		byte(g.unique>>24))
	tx := wire.NewMsgTx(1)
	tx.AddTxIn(&wire.TxIn{
		PreviousOutPoint: wire.OutPoint{Index: wire.MaxPrevOutIndex},
		SignatureScript:  script,
		Sequence:         wire.MaxTxInSequenceNum,
	})
	tx.AddTxOut(&wire.TxOut{Value: value, PkScript: payTo})
	return tx
}

// Solve sets the header nonce so the block meets its target (a try or two
// on regtest; do not use it on a real network's difficulty).
func Solve(blk *wire.MsgBlock) {
	target := standalone.CompactToBig(blk.Header.Bits)
	for n := uint32(0); ; n++ {
		blk.Header.Nonce = n
		h := blk.Header.BlockHash()
		if standalone.HashToBig(&h).Cmp(target) <= 0 {
			return
		}
	}
}

// CoinbaseOutPoint returns the outpoint of a block's first coinbase output.
func CoinbaseOutPoint(blk *wire.MsgBlock) wire.OutPoint {
	return wire.OutPoint{Hash: blk.Transactions[0].TxHash(), Index: 0}
}

// SpendTx returns a version-2 transaction spending ops (worth total
// together) into n equal OP_TRUE outputs, leaving fee.
func SpendTx(ops []wire.OutPoint, total, fee int64, n int) *wire.MsgTx {
	tx := wire.NewMsgTx(2)
	for _, op := range ops {
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: op, Sequence: wire.MaxTxInSequenceNum})
	}
	each := (total - fee) / int64(n)
	for i := 0; i < n; i++ {
		tx.AddTxOut(&wire.TxOut{Value: each, PkScript: OpTrueScript})
	}
	return tx
}
