package main

import (
	"crypto/sha256"
	"math/big"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/wire"
)

// The chain is built here rather than with ternd's blockchain/chaingen: that
// package imports blockchain and with it goleveldb, which this module's
// go.sum (kept by hand, never tidied) does not list. The recipe is
// chaingen's: OP_TRUE coinbases with BIP34 heights, 600 s apart, version 4,
// solved against the regtest target.

// opTrue is the output script of coinbases and unsigned spends.
var opTrue = []byte{0x51}

// blockMaker makes a chain of blocks on the regtest genesis block. It is
// not safe for concurrent use.
type blockMaker struct {
	params *chaincfg.Params
	target *big.Int
	tip    chainhash.Hash
	height int32
	time   time.Time
}

// newBlockMaker starts at params' genesis block.
func newBlockMaker(params *chaincfg.Params) *blockMaker {
	return &blockMaker{params: params, target: compactToBig(params.PowLimitBits),
		tip: *params.GenesisHash, time: params.GenesisBlock.Header.Timestamp}
}

// subsidy is the block reward at height.
func (m *blockMaker) subsidy(height int32) int64 {
	halvings := height / m.params.SubsidyReductionInterval
	if halvings >= 64 {
		return 0
	}
	return (50 * 1e8) >> uint(halvings)
}

// next makes the block after the tip holding txs after its coinbase, which
// pays the subsidy plus fees to OP_TRUE; delta is the seconds after the
// parent's time; witness adds a BIP141 commitment.
func (m *blockMaker) next(txs []*wire.MsgTx, fees, delta int64, witness bool) *wire.MsgBlock {
	height := m.height + 1
	cb := wire.NewMsgTx(1)
	cb.AddTxIn(&wire.TxIn{
		PreviousOutPoint: wire.OutPoint{Index: wire.MaxPrevOutIndex},
		SignatureScript:  append(heightScript(height), 0x00), // at least 2 bytes
		Sequence:         wire.MaxTxInSequenceNum,
	})
	cb.AddTxOut(&wire.TxOut{Value: m.subsidy(height) + fees, PkScript: opTrue})
	blk := &wire.MsgBlock{Header: wire.BlockHeader{
		Version:   4,
		PrevBlock: m.tip,
		Timestamp: m.time.Add(time.Duration(delta) * time.Second),
		Bits:      m.params.PowLimitBits,
	}}
	blk.Transactions = append([]*wire.MsgTx{cb}, txs...)
	if witness {
		nonce := make([]byte, 32)
		cb.TxIn[0].Witness = wire.TxWitness{nonce}
		root := witnessRoot(blk.Transactions)
		c := chainhash.DoubleHashH(append(root[:], nonce...))
		cb.AddTxOut(&wire.TxOut{PkScript: append([]byte{0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed}, c[:]...)})
	}
	blk.Header.MerkleRoot = txRoot(blk.Transactions)
	for n := uint32(0); ; n++ {
		blk.Header.Nonce = n
		h := blk.Header.BlockHash()
		if hashToBig(&h).Cmp(m.target) <= 0 {
			break
		}
	}
	m.tip, m.height, m.time = blk.BlockHash(), height, blk.Header.Timestamp
	return blk
}

// heightScript is Core's CScript() << height, the BIP34 coinbase prefix.
func heightScript(height int32) []byte {
	if height <= 16 {
		return []byte{0x50 + byte(height)}
	}
	var num []byte
	for v := uint32(height); v > 0; v >>= 8 {
		num = append(num, byte(v))
	}
	if num[len(num)-1]&0x80 != 0 {
		num = append(num, 0)
	}
	return append([]byte{byte(len(num))}, num...)
}

// merkleRoot folds leaves pairwise with double SHA-256, duplicating the
// last of an odd level.
func merkleRoot(level []chainhash.Hash) chainhash.Hash {
	if len(level) == 0 {
		return chainhash.Hash{}
	}
	for len(level) > 1 {
		if len(level)%2 == 1 {
			level = append(level, level[len(level)-1])
		}
		next := make([]chainhash.Hash, len(level)/2)
		var buf [64]byte
		for i := range next {
			copy(buf[:32], level[2*i][:])
			copy(buf[32:], level[2*i+1][:])
			first := sha256.Sum256(buf[:])
			next[i] = sha256.Sum256(first[:])
		}
		level = next
	}
	return level[0]
}

// txRoot is the header's merkle root of txids.
func txRoot(txs []*wire.MsgTx) chainhash.Hash {
	leaves := make([]chainhash.Hash, len(txs))
	for i, tx := range txs {
		leaves[i] = tx.TxHash()
	}
	return merkleRoot(leaves)
}

// witnessRoot is BIP141's merkle root of wtxids, the coinbase's taken as zero.
func witnessRoot(txs []*wire.MsgTx) chainhash.Hash {
	leaves := make([]chainhash.Hash, len(txs))
	for i, tx := range txs[1:] {
		leaves[i+1] = tx.WitnessHash()
	}
	return merkleRoot(leaves)
}

// compactToBig expands a compact target (the header's bits).
func compactToBig(bits uint32) *big.Int {
	mantissa := int64(bits & 0x007fffff)
	exp := uint(bits >> 24)
	n := big.NewInt(mantissa)
	if exp <= 3 {
		n.Rsh(n, 8*(3-exp))
	} else {
		n.Lsh(n, 8*(exp-3))
	}
	if bits&0x00800000 != 0 {
		n.Neg(n)
	}
	return n
}

// hashToBig reads a block hash as the little-endian number PoW compares.
func hashToBig(h *chainhash.Hash) *big.Int {
	var be [32]byte
	for i := range h {
		be[31-i] = h[i]
	}
	return new(big.Int).SetBytes(be[:])
}

// spendTx is a version-2 transaction spending op (worth value) into one
// output of value-fee paying pkScript.
func spendTx(op wire.OutPoint, value, fee int64, pkScript []byte) *wire.MsgTx {
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(&wire.TxIn{PreviousOutPoint: op, Sequence: wire.MaxTxInSequenceNum})
	tx.AddTxOut(&wire.TxOut{Value: value - fee, PkScript: pkScript})
	return tx
}
