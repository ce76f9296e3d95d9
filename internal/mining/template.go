package mining

import (
	"context"
	"math"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/wire"
)

// TxSource supplies the candidate transactions in the chunks of their
// clusters' linearizations, best chunk fee rate first, with their ancestor
// figures and Depends (mempool.TxPool implements it; mempool.ChunkDescs
// makes the chunks from descriptions).
type TxSource interface {
	MiningChunks() []mempool.MiningChunk
}

// Tip describes the block the template builds on.
type Tip struct {
	Hash           chainhash.Hash
	Height         int32
	MedianTimePast time.Time
	// Bits is the target of the new block (the chain's
	// CalcNextRequiredDifficulty).
	Bits uint32
}

// Config configures a Generator.
type Config struct {
	ChainParams *chaincfg.Params
	Select      SelectOptions
	// BlockVersion is the header version (BIP9 top bits by default).
	BlockVersion int32
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Generator builds block templates. It is safe for concurrent use: it
// keeps no state between calls.
type Generator struct {
	cfg Config
	src TxSource
}

// NewGenerator returns a generator drawing transactions from src.
func NewGenerator(cfg *Config, src TxSource) *Generator {
	c := *cfg
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.BlockVersion == 0 {
		c.BlockVersion = 0x20000000
	}
	if c.Select.MaxWeight == 0 {
		c.Select = DefaultSelectOptions()
	}
	return &Generator{cfg: c, src: src}
}

// BlockTemplate is a block ready to be solved and the figures the
// getblocktemplate RPC reports.
type BlockTemplate struct {
	Block *wire.MsgBlock
	// Fees and SigOpCosts are per transaction; the coinbase's fee entry is
	// minus the total fees, as btcd reports it.
	Fees       []int64
	SigOpCosts []int64
	Height     int32
	TotalFees  int64
	// WitnessCommitment is the coinbase output script carrying the BIP141
	// commitment, nil when the block has no witness transactions.
	WitnessCommitment []byte
}

// maxCoinbaseScriptSize bounds the output script a coinbase may pay to.
const maxCoinbaseScriptSize = 10000

// NewBlockTemplate builds a block on tip paying the subsidy and the fees
// of the chosen transactions to payScript. extraNonce goes into the
// coinbase script after the BIP34 height so callers can vary the merkle
// root.
func (g *Generator) NewBlockTemplate(payScript []byte, tip Tip, extraNonce uint64) (*BlockTemplate, error) {
	if len(payScript) == 0 || len(payScript) > maxCoinbaseScriptSize {
		return nil, miningError(ErrBadPayScript, "coinbase output script must be 1 to 10000 bytes")
	}
	height := tip.Height + 1
	opts := g.cfg.Select
	if opts.IsFinal == nil {
		cutoff := tip.MedianTimePast.Unix()
		opts.IsFinal = func(d *mempool.TxDesc) bool { return standalone.IsFinalTx(d.Tx, height, cutoff) }
	}
	sel := selectBest(g.src, opts)

	var fees int64
	hasWitness := false
	for _, d := range sel.Txs {
		fees += d.Fee // the coinbase collects base fees, not modified ones
		if d.Tx.HasWitness() {
			hasWitness = true
		}
	}
	coinbase := CoinbaseTx(height, extraNonce, payScript,
		standalone.CalcBlockSubsidy(height, g.cfg.ChainParams)+fees)

	block := wire.MsgBlock{Transactions: make([]*wire.MsgTx, 0, len(sel.Txs)+1)}
	block.Transactions = append(block.Transactions, coinbase)
	tmpl := &BlockTemplate{Height: height, TotalFees: fees}
	tmpl.Fees = append(tmpl.Fees, -fees)
	tmpl.SigOpCosts = append(tmpl.SigOpCosts, coinbaseSigOps(coinbase))
	for _, d := range sel.Txs {
		block.Transactions = append(block.Transactions, d.Tx)
		tmpl.Fees = append(tmpl.Fees, d.Fee)
		tmpl.SigOpCosts = append(tmpl.SigOpCosts, d.SigOpCost)
	}
	if hasWitness {
		tmpl.WitnessCommitment = standalone.AddWitnessCommitment(&block)
	}

	ts := g.cfg.Now().Truncate(time.Second)
	if min := tip.MedianTimePast.Add(time.Second); ts.Before(min) {
		ts = min
	}
	root, _ := standalone.BlockMerkleRoot(block.Transactions)
	block.Header = wire.BlockHeader{
		Version:    g.cfg.BlockVersion,
		PrevBlock:  tip.Hash,
		MerkleRoot: root,
		Timestamp:  ts,
		Bits:       tip.Bits,
	}
	tmpl.Block = &block
	log.Debugf("Template at height %d: %d transactions, weight %d, fees %d",
		height, len(sel.Txs), sel.Weight, fees)
	return tmpl, nil
}

// CoinbaseTx builds a coinbase for height: its script pushes the height
// (BIP34, as Core's CScript() << height) then extraNonce; it pays value to
// payScript; its lock time is height-1 with a non-final sequence, as Core
// v30 sets them.
func CoinbaseTx(height int32, extraNonce uint64, payScript []byte, value int64) *wire.MsgTx {
	script := appendScriptNum(nil, int64(height))
	script = appendScriptNum(script, int64(extraNonce))
	if len(script) < 2 {
		script = append(script, 0x00)
	}
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(&wire.TxIn{
		PreviousOutPoint: wire.OutPoint{Index: wire.MaxPrevOutIndex},
		SignatureScript:  script,
		Sequence:         wire.MaxTxInSequenceNum - 1,
	})
	tx.AddTxOut(&wire.TxOut{Value: value, PkScript: payScript})
	if height > 0 {
		tx.LockTime = uint32(height - 1)
	}
	return tx
}

// appendScriptNum appends the push of n as Core's CScript << int64 does:
// OP_0, OP_1NEGATE or OP_1..OP_16 for small values, else the minimal
// little-endian sign-magnitude bytes.
func appendScriptNum(s []byte, n int64) []byte {
	switch {
	case n == 0:
		return append(s, 0x00)
	case n == -1 || n >= 1 && n <= 16:
		return append(s, byte(0x50+n))
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b []byte
	for n > 0 {
		b = append(b, byte(n&0xff))
		n >>= 8
	}
	if b[len(b)-1]&0x80 != 0 {
		if neg {
			b = append(b, 0x80)
		} else {
			b = append(b, 0x00)
		}
	} else if neg {
		b[len(b)-1] |= 0x80
	}
	s = append(s, byte(len(b)))
	return append(s, b...)
}

// coinbaseSigOps is the coinbase's sigop cost as Core's CreateNewBlock
// counts it: the legacy sigops of its scripts, weighted by the witness scale
// factor (a coinbase spends nothing, so it has no P2SH or witness sigops).
func coinbaseSigOps(tx *wire.MsgTx) int64 {
	return int64(standalone.TxSigOpCost(tx, nil))
}

// UpdateExtraNonce rewrites the coinbase script of a template's block with
// a new extra nonce and recomputes the merkle root (and commitment).
func UpdateExtraNonce(block *wire.MsgBlock, height int32, extraNonce uint64) {
	cb := block.Transactions[0]
	script := appendScriptNum(nil, int64(height))
	script = appendScriptNum(script, int64(extraNonce))
	cb.TxIn[0].SignatureScript = script
	root, _ := standalone.BlockMerkleRoot(block.Transactions)
	block.Header.MerkleRoot = root
}

// SolveBlock searches nonces until the header's hash meets its target
// (fine for regtest's target; mainnet is out of reach by design). It
// returns ErrNoSolution when the nonce space runs out or ctx ends; the
// caller may then change the extra nonce or time and try again.
func SolveBlock(ctx context.Context, header *wire.BlockHeader) error {
	target := standalone.CompactToBig(header.Bits)
	if target.Sign() <= 0 {
		return miningError(ErrNoSolution, "target is not positive")
	}
	for nonce := uint64(0); nonce <= 0xffffffff; nonce++ {
		if nonce&0xffff == 0 && ctx.Err() != nil {
			return miningError(ErrNoSolution, "search stopped: "+ctx.Err().Error())
		}
		header.Nonce = uint32(nonce)
		h := header.BlockHash()
		if standalone.HashToBig(&h).Cmp(target) <= 0 {
			return nil
		}
	}
	return miningError(ErrNoSolution, "nonce space exhausted")
}

// selectBest selects by chunk fee rate (SelectChunks). When a budget left
// a chunk out, Core's ancestor-score selection (SelectTransactions) is run
// too, on the same snapshot, and the one collecting the higher modified
// fees kept: neither greedy method fills the last of a block best every
// time, and a template never collects less than the pre-v31 one.
func selectBest(src TxSource, opts SelectOptions) SelectResult {
	chunks := src.MiningChunks()
	sel := SelectChunks(chunks, opts)
	if !sel.Limited {
		return sel
	}
	// The same snapshot, by ancestor score.
	var descs []*mempool.TxDesc
	for i := range chunks {
		descs = append(descs, chunks[i].Txs...)
	}
	if alt := SelectTransactions(descs, opts); modifiedFees(alt.Txs) > modifiedFees(sel.Txs) {
		return alt
	}
	return sel
}

// modifiedFees returns the total modified fee of txs.
func modifiedFees(txs []*mempool.TxDesc) int64 {
	var f int64
	for _, d := range txs {
		f = satAddFee(f, d.ModifiedFee())
	}
	return f
}

// satAddFee returns a+b clamped to the int64 range.
func satAddFee(a, b int64) int64 {
	switch {
	case b > 0 && a > math.MaxInt64-b:
		return math.MaxInt64
	case b < 0 && a < math.MinInt64-b:
		return math.MinInt64
	}
	return a + b
}
