package blockchain

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"sort"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/wire"
)

// blockStatus is a bit set describing what is known about a block.
type blockStatus uint8

const (
	// statusHeaderValid: the header passed its context checks (every node in
	// the index has it, except ones whose header itself was found invalid).
	statusHeaderValid blockStatus = 1 << iota
	// statusDataStored: the block's bytes are in the store.
	statusDataStored
	// statusValid: the block was fully validated and connected at least once.
	statusValid
	// statusValidateFailed: the block itself broke a rule.
	statusValidateFailed
	// statusInvalidAncestor: an ancestor of the block broke a rule.
	statusInvalidAncestor
)

// statusInvalidMask is the set of bits that make a block invalid.
const statusInvalidMask = statusValidateFailed | statusInvalidAncestor

// KnownInvalid reports whether the block or an ancestor broke a rule.
func (s blockStatus) KnownInvalid() bool { return s&statusInvalidMask != 0 }

// HaveData reports whether the block's bytes are stored.
func (s blockStatus) HaveData() bool { return s&statusDataStored != 0 }

// KnownValid reports whether the block was fully validated.
func (s blockStatus) KnownValid() bool { return s&statusValid != 0 }

// medianTimeBlocks is the number of blocks whose timestamps make the median
// time past.
const medianTimeBlocks = 11

// blockNode is one header in the in-memory block index. Fields other than
// status and children never change after creation; status, children and
// chainData are guarded by the chain lock.
type blockNode struct {
	parent     *blockNode
	skip       *blockNode // an ancestor for O(log n) Ancestor (Core's pskip)
	children   []*blockNode
	hash       chainhash.Hash
	merkleRoot chainhash.Hash
	workSum    *big.Int
	height     int32
	version    int32
	bits       uint32
	nonce      uint32
	timestamp  int64
	status     blockStatus
	// chainData is true when this block and all its ancestors have data.
	chainData bool
	// numTxns is the block's transaction count, 0 until its data is stored.
	numTxns uint32
	// sequence orders nodes that received their data (lower first) so that
	// equal-work tips are chosen by first seen, as in Core.
	sequence uint64
}

// newBlockNode returns a node for header with the given parent (nil for
// genesis).
func newBlockNode(header *wire.BlockHeader, parent *blockNode) *blockNode {
	n := &blockNode{
		parent:     parent,
		hash:       header.BlockHash(),
		merkleRoot: header.MerkleRoot,
		version:    header.Version,
		bits:       header.Bits,
		nonce:      header.Nonce,
		timestamp:  header.Timestamp.Unix(),
		workSum:    standalone.CalcWork(header.Bits),
	}
	if parent != nil {
		n.height = parent.height + 1
		n.workSum.Add(n.workSum, parent.workSum)
		n.skip = parent.Ancestor(skipHeight(n.height))
	}
	return n
}

// Header rebuilds the node's block header.
func (n *blockNode) Header() wire.BlockHeader {
	var prev chainhash.Hash
	if n.parent != nil {
		prev = n.parent.hash
	}
	return wire.BlockHeader{
		Version:    n.version,
		PrevBlock:  prev,
		MerkleRoot: n.merkleRoot,
		Timestamp:  time.Unix(n.timestamp, 0),
		Bits:       n.bits,
		Nonce:      n.nonce,
	}
}

// invertLowestOne clears the lowest set bit.
func invertLowestOne(n int32) int32 { return n & (n - 1) }

// skipHeight is Core's GetSkipHeight: which ancestor a node at height keeps
// as its skip pointer.
func skipHeight(height int32) int32 {
	if height < 2 {
		return 0
	}
	if height&1 != 0 {
		return invertLowestOne(invertLowestOne(height-1)) + 1
	}
	return invertLowestOne(height)
}

// Ancestor returns the ancestor of n at the given height, or nil when height
// is out of range. It runs in O(log n) through skip pointers.
func (n *blockNode) Ancestor(height int32) *blockNode {
	if n == nil || height < 0 || height > n.height {
		return nil
	}
	walk := n
	hw := n.height
	for hw > height {
		hs := skipHeight(hw)
		hsPrev := skipHeight(hw - 1)
		if walk.skip != nil && (hs == height ||
			(hs > height && !(hsPrev < hs-2 && hsPrev >= height))) {
			walk = walk.skip
			hw = hs
		} else {
			walk = walk.parent
			hw--
		}
	}
	return walk
}

// CalcPastMedianTime returns the median of the timestamps of n and up to ten
// ancestors (Core's GetMedianTimePast).
func (n *blockNode) CalcPastMedianTime() int64 {
	var ts [medianTimeBlocks]int64
	k := 0
	for it := n; it != nil && k < medianTimeBlocks; it = it.parent {
		ts[k] = it.timestamp
		k++
	}
	s := ts[:k]
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[k/2]
}

// indexRecordSize is the size of a stored index record: the 80-byte header,
// a 4-byte height, a status byte and the 4-byte transaction count (0 until
// the block's data is stored).
const indexRecordSize = 80 + 4 + 1 + 4

// encodeIndexRecord returns the stored form of a node.
func encodeIndexRecord(n *blockNode) []byte {
	b := make([]byte, indexRecordSize)
	binary.LittleEndian.PutUint32(b[0:], uint32(n.version))
	if n.parent != nil {
		copy(b[4:36], n.parent.hash[:])
	}
	copy(b[36:68], n.merkleRoot[:])
	binary.LittleEndian.PutUint32(b[68:], uint32(n.timestamp))
	binary.LittleEndian.PutUint32(b[72:], n.bits)
	binary.LittleEndian.PutUint32(b[76:], n.nonce)
	binary.LittleEndian.PutUint32(b[80:], uint32(n.height))
	// Valid-but-not-yet-connected state is meaningful only in memory.
	b[84] = byte(n.status)
	binary.LittleEndian.PutUint32(b[85:], n.numTxns)
	return b
}

// indexRecord is a decoded index record.
type indexRecord struct {
	header  wire.BlockHeader
	height  int32
	status  blockStatus
	numTxns uint32
}

// decodeIndexRecord decodes a stored index record.
func decodeIndexRecord(b []byte) (indexRecord, error) {
	var r indexRecord
	if len(b) != indexRecordSize {
		return r, ruleError(ErrCorruptDatabase, fmt.Sprintf("index record of %d bytes", len(b)))
	}
	r.header.Version = int32(binary.LittleEndian.Uint32(b[0:]))
	copy(r.header.PrevBlock[:], b[4:36])
	copy(r.header.MerkleRoot[:], b[36:68])
	r.header.Timestamp = time.Unix(int64(binary.LittleEndian.Uint32(b[68:])), 0)
	r.header.Bits = binary.LittleEndian.Uint32(b[72:])
	r.header.Nonce = binary.LittleEndian.Uint32(b[76:])
	r.height = int32(binary.LittleEndian.Uint32(b[80:]))
	r.status = blockStatus(b[84])
	r.numTxns = binary.LittleEndian.Uint32(b[85:])
	if r.height < 0 {
		return r, ruleError(ErrCorruptDatabase, "index record with negative height")
	}
	return r, nil
}

// chainView is the main chain as a slice of nodes indexed by height. It is
// guarded by the chain lock.
type chainView struct {
	nodes []*blockNode
}

// Tip returns the last node, or nil for an empty view.
func (c *chainView) Tip() *blockNode {
	if len(c.nodes) == 0 {
		return nil
	}
	return c.nodes[len(c.nodes)-1]
}

// Height returns the tip's height, or -1 for an empty view.
func (c *chainView) Height() int32 { return int32(len(c.nodes)) - 1 }

// NodeByHeight returns the node at height, or nil.
func (c *chainView) NodeByHeight(h int32) *blockNode {
	if h < 0 || int(h) >= len(c.nodes) {
		return nil
	}
	return c.nodes[h]
}

// Contains reports whether n is in the view.
func (c *chainView) Contains(n *blockNode) bool {
	return n != nil && c.NodeByHeight(n.height) == n
}

// SetTip makes n the tip, reusing the common prefix.
func (c *chainView) SetTip(n *blockNode) {
	if n == nil {
		clear(c.nodes)
		c.nodes = c.nodes[:0]
		return
	}
	need := int(n.height) + 1
	switch {
	case need > cap(c.nodes):
		grown := make([]*blockNode, need, need+need/8+1000)
		copy(grown, c.nodes)
		c.nodes = grown
	case need < len(c.nodes):
		// Clear the dropped entries so a later extension cannot mistake a
		// stale node for part of the new chain.
		clear(c.nodes[need:])
		c.nodes = c.nodes[:need]
	default:
		c.nodes = c.nodes[:need]
	}
	for it := n; it != nil && c.nodes[it.height] != it; it = it.parent {
		c.nodes[it.height] = it
	}
}

// FindFork returns the last common node of the view and n's chain.
func (c *chainView) FindFork(n *blockNode) *blockNode {
	if n == nil {
		return nil
	}
	if n.height > c.Height() {
		n = n.Ancestor(c.Height())
	}
	for n != nil && !c.Contains(n) {
		n = n.parent
	}
	return n
}

// blockLocator builds a locator from n back to genesis: the last ten hashes
// one by one, then doubling steps, always ending with genesis.
func blockLocator(n *blockNode) []chainhash.Hash {
	var loc []chainhash.Hash
	step := int32(1)
	for n != nil {
		loc = append(loc, n.hash)
		if n.height == 0 {
			break
		}
		h := n.height - step
		if h < 0 {
			h = 0
		}
		n = n.Ancestor(h)
		if len(loc) > 10 {
			step *= 2
		}
	}
	return loc
}
