package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/internal/mining"
	"github.com/tern-org/ternd/wire"
)

// Block generation on the node's chain: the templates of internal/mining
// solved here by a nonce search and submitted through
// processBlockFrom, the path of submitblock and a peer's block, for
// generatetoaddress, generatetodescriptor and generateblock.

// miningTip describes the tip the next block builds on.
func (s *node) miningTip() mining.Tip {
	best := s.chain.BestSnapshot()
	return mining.Tip{
		Hash:           best.Hash,
		Height:         best.Height,
		MedianTimePast: best.MedianTime,
		Bits:           s.chain.CalcNextRequiredDifficulty(time.Now()),
	}
}

// errMaxTries is returned by generateBlocks when maxTries nonces did not
// solve a block; Core returns the blocks found so far instead of failing.
var errMaxTries = errors.New("max tries reached")

// generateBlocks mines n blocks paying payScript, each with the pool's
// best transactions (or exactly txs, when not nil), and returns their
// hashes. It stops early when ctx ends.
func (s *node) generateBlocks(ctx context.Context, n int, payScript []byte,
	maxTries uint64) ([]chainhash.Hash, error) {
	s.mineMu.Lock()
	defer s.mineMu.Unlock()
	hashes := make([]chainhash.Hash, 0, min(n, 1000))
	for i := 0; i < n; i++ {
		if err := ctx.Err(); err != nil {
			return hashes, err
		}
		tmpl, err := s.gen.NewBlockTemplate(payScript, s.miningTip(), s.extraNonce.Add(1))
		if err != nil {
			return hashes, err
		}
		hash, err := s.solveAndSubmit(ctx, tmpl.Block, &maxTries)
		if errors.Is(err, errMaxTries) {
			return hashes, nil
		}
		if err != nil {
			return hashes, err
		}
		hashes = append(hashes, hash)
	}
	return hashes, nil
}

// solveAndSubmit searches nonces for block (counting against *maxTries)
// and processes it. A block the chain refuses is an internal error: the
// template was built from the chain's own state.
func (s *node) solveAndSubmit(ctx context.Context, block *wire.MsgBlock,
	maxTries *uint64) (chainhash.Hash, error) {
	if err := s.solve(ctx, block, maxTries); err != nil {
		return chainhash.Hash{}, err
	}
	hash := block.Header.BlockHash()
	isMain, _, err := s.processBlockFrom(block, "mined here")
	if err != nil {
		return chainhash.Hash{}, fmt.Errorf("ProcessNewBlock, block not accepted: %w", err)
	}
	if !isMain {
		srvrLog.Warnf("Generated block %v is not on the main chain", hash)
	}
	return hash, nil
}

// generateBlockMaxTries is generateblock's nonce budget (100 times
// generatetoaddress's default).
const generateBlockMaxTries = 100_000_000

// blockValidityError is generateBlock's error for a block the chain would
// not connect (Core's TestBlockValidity failure).
type blockValidityError struct{ err error }

func (e *blockValidityError) Error() string { return "block not valid: " + e.err.Error() }
func (e *blockValidityError) Unwrap() error { return e.err }

// generateBlock mines one block holding exactly txs after a coinbase that
// pays payScript (generateblock): built on the tip, checked as Core's
// TestBlockValidity (a *blockValidityError when refused), solved, and
// processed when submit is set.
func (s *node) generateBlock(ctx context.Context, payScript []byte, txs []*wire.MsgTx,
	submit bool) (*wire.MsgBlock, error) {
	s.mineMu.Lock()
	defer s.mineMu.Unlock()
	block := s.buildBlock(payScript, txs)
	if err := s.chain.CheckConnectBlockTemplate(block); err != nil {
		return nil, &blockValidityError{err: err}
	}
	tries := uint64(generateBlockMaxTries)
	if !submit {
		if err := s.solve(ctx, block, &tries); err != nil {
			return nil, err
		}
		return block, nil
	}
	if _, err := s.solveAndSubmit(ctx, block, &tries); err != nil {
		return nil, err
	}
	return block, nil
}

// buildBlock assembles an unsolved block on the tip holding txs after a
// coinbase that pays the subsidy and the fees it can compute (inputs from
// the UTXO set or from earlier transactions of the block) to payScript.
// The caller holds mineMu.
func (s *node) buildBlock(payScript []byte, txs []*wire.MsgTx) *wire.MsgBlock {
	tip := s.miningTip()
	height := tip.Height + 1
	created := make(map[wire.OutPoint]int64)
	var fees int64
	hasWitness := false
	for _, tx := range txs {
		var in int64
		known := true
		for _, txIn := range tx.TxIn {
			if v, ok := created[txIn.PreviousOutPoint]; ok {
				in += v
				continue
			}
			e, err := s.chain.FetchUtxoEntry(txIn.PreviousOutPoint)
			if err != nil || e == nil {
				known = false
				break
			}
			in += e.Amount
		}
		var out int64
		for i, o := range tx.TxOut {
			out += o.Value
			created[wire.OutPoint{Hash: tx.TxHash(), Index: uint32(i)}] = o.Value
		}
		if known && in > out {
			fees += in - out
		}
		if tx.HasWitness() {
			hasWitness = true
		}
	}
	coinbase := mining.CoinbaseTx(height, s.extraNonce.Add(1), payScript,
		standalone.CalcBlockSubsidy(height, s.params)+fees)
	block := &wire.MsgBlock{Transactions: append([]*wire.MsgTx{coinbase}, txs...)}
	if hasWitness {
		standalone.AddWitnessCommitment(block)
	}
	ts := time.Now().Truncate(time.Second)
	if minTS := tip.MedianTimePast.Add(time.Second); ts.Before(minTS) {
		ts = minTS
	}
	root, _ := standalone.BlockMerkleRoot(block.Transactions)
	block.Header = wire.BlockHeader{
		Version:    0x20000000,
		PrevBlock:  tip.Hash,
		MerkleRoot: root,
		Timestamp:  ts,
		Bits:       s.chain.CalcNextRequiredDifficulty(ts),
	}
	return block
}

// solve searches nonces for block without submitting it.
func (s *node) solve(ctx context.Context, block *wire.MsgBlock, maxTries *uint64) error {
	target := standalone.CompactToBig(block.Header.Bits)
	for {
		h := block.Header.BlockHash()
		if standalone.HashToBig(&h).Cmp(target) <= 0 {
			return nil
		}
		if *maxTries == 0 {
			return errMaxTries
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		*maxTries--
		block.Header.Nonce++
		if block.Header.Nonce == 0 {
			block.Header.Timestamp = block.Header.Timestamp.Add(time.Second)
		}
	}
}
