// Package merkleproof builds and checks the partial merkle trees of BIP37
// (Core's CPartialMerkleTree), which gettxoutproof and verifytxoutproof
// carry inside a merkleblock message: the hashes and flag bits that prove
// some transactions are in a block whose header commits to the root.
package merkleproof

import (
	"crypto/sha256"
	"errors"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// maxTransactions bounds the transaction count a proof may claim: a block
// of the maximum weight holds at most this many of the smallest
// transactions (Core's MAX_BLOCK_WEIGHT / MIN_TRANSACTION_WEIGHT).
const maxTransactions = 4000000 / (4 * 60)

// ErrBadProof is any malformed partial merkle tree.
var ErrBadProof = errors.New("bad partial merkle tree")

// treeWidth is the number of nodes at height h of a tree of n leaves.
func treeWidth(n uint32, h uint) uint32 { return uint32((uint64(n) + (1 << h) - 1) >> h) }

// hashPair is the double SHA-256 of two nodes.
func hashPair(l, r *chainhash.Hash) chainhash.Hash {
	var buf [64]byte
	copy(buf[:32], l[:])
	copy(buf[32:], r[:])
	first := sha256.Sum256(buf[:])
	return sha256.Sum256(first[:])
}

// builder holds the state of Build.
type builder struct {
	txids  []chainhash.Hash
	match  []bool
	bits   []bool
	hashes []*chainhash.Hash
}

// calcHash is the hash of the node at height h, position pos.
func (b *builder) calcHash(h uint, pos uint32) chainhash.Hash {
	if h == 0 {
		return b.txids[pos]
	}
	left := b.calcHash(h-1, pos*2)
	right := left
	if pos*2+1 < treeWidth(uint32(len(b.txids)), h-1) {
		right = b.calcHash(h-1, pos*2+1)
	}
	return hashPair(&left, &right)
}

// build walks the tree depth first, recording a flag per node and the
// hashes of the subtrees without a match (and of matched leaves).
func (b *builder) build(h uint, pos uint32) {
	parentOfMatch := false
	for p := uint64(pos) << h; p < uint64(pos+1)<<h && p < uint64(len(b.txids)); p++ {
		parentOfMatch = parentOfMatch || b.match[p]
	}
	b.bits = append(b.bits, parentOfMatch)
	if h == 0 || !parentOfMatch {
		hash := b.calcHash(h, pos)
		b.hashes = append(b.hashes, &hash)
		return
	}
	b.build(h-1, pos*2)
	if pos*2+1 < treeWidth(uint32(len(b.txids)), h-1) {
		b.build(h-1, pos*2+1)
	}
}

// Build returns the merkleblock proving the transactions of block whose
// index match reports, as Core's CMerkleBlock.
func Build(block *wire.MsgBlock, match func(i int) bool) *wire.MsgMerkleBlock {
	b := &builder{txids: make([]chainhash.Hash, len(block.Transactions)),
		match: make([]bool, len(block.Transactions))}
	for i, tx := range block.Transactions {
		b.txids[i] = tx.TxHash()
		b.match[i] = match(i)
	}
	height := uint(0)
	for treeWidth(uint32(len(b.txids)), height) > 1 {
		height++
	}
	b.build(height, 0)
	mb := wire.NewMsgMerkleBlock(&block.Header)
	mb.Transactions = uint32(len(b.txids))
	mb.Hashes = b.hashes
	mb.Flags = make([]byte, (len(b.bits)+7)/8)
	for i, bit := range b.bits {
		if bit {
			mb.Flags[i/8] |= 1 << (i % 8)
		}
	}
	return mb
}

// extractor holds the state of Extract.
type extractor struct {
	n         uint32
	bits      []bool
	hashes    []*chainhash.Hash
	bitsUsed  int
	hashUsed  int
	matches   []chainhash.Hash
	indexes   []uint32
	malformed bool
}

// walk rebuilds the node at height h, position pos.
func (e *extractor) walk(h uint, pos uint32) chainhash.Hash {
	if e.bitsUsed >= len(e.bits) {
		e.malformed = true
		return chainhash.Hash{}
	}
	parentOfMatch := e.bits[e.bitsUsed]
	e.bitsUsed++
	if h == 0 || !parentOfMatch {
		if e.hashUsed >= len(e.hashes) {
			e.malformed = true
			return chainhash.Hash{}
		}
		hash := *e.hashes[e.hashUsed]
		e.hashUsed++
		if h == 0 && parentOfMatch {
			e.matches = append(e.matches, hash)
			e.indexes = append(e.indexes, pos)
		}
		return hash
	}
	left := e.walk(h-1, pos*2)
	right := left
	if pos*2+1 < treeWidth(e.n, h-1) {
		right = e.walk(h-1, pos*2+1)
		if right == left {
			// Identical siblings would let a proof claim a transaction
			// twice (CVE-2012-2459).
			e.malformed = true
		}
	}
	return hashPair(&left, &right)
}

// Extract checks a merkleblock's partial tree and returns the merkle root
// it commits to and the matched transaction ids with their positions;
// ErrBadProof when the tree is malformed.
func Extract(mb *wire.MsgMerkleBlock) (chainhash.Hash, []chainhash.Hash, []uint32, error) {
	e := &extractor{n: mb.Transactions, hashes: mb.Hashes}
	if e.n == 0 || e.n > maxTransactions || uint32(len(e.hashes)) > e.n {
		return chainhash.Hash{}, nil, nil, ErrBadProof
	}
	for _, b := range mb.Flags {
		for i := 0; i < 8; i++ {
			e.bits = append(e.bits, b&(1<<i) != 0)
		}
	}
	if len(e.bits) < len(e.hashes) {
		return chainhash.Hash{}, nil, nil, ErrBadProof
	}
	height := uint(0)
	for treeWidth(e.n, height) > 1 {
		height++
	}
	root := e.walk(height, 0)
	if e.malformed || (e.bitsUsed+7)/8 != (len(e.bits)+7)/8 || e.hashUsed != len(e.hashes) {
		return chainhash.Hash{}, nil, nil, ErrBadProof
	}
	return root, e.matches, e.indexes, nil
}
