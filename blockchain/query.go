package blockchain

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/big"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/internal/store"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// BestSnapshot returns the main chain's tip state. It does not take the
// chain lock, so notification receivers may call it.
func (b *BlockChain) BestSnapshot() *BestState {
	b.stateLock.RLock()
	defer b.stateLock.RUnlock()
	return b.state
}

// ChainParams returns the network parameters.
func (b *BlockChain) ChainParams() *chaincfg.Params { return b.params }

// BestHeader returns the hash and height of the most-work header not known
// invalid (getblockchaininfo's "headers").
func (b *BlockChain) BestHeader() (chainhash.Hash, int32) {
	b.chainLock.RLock()
	defer b.chainLock.RUnlock()
	return b.bestHeader.hash, b.bestHeader.height
}

// IsCurrent reports whether the chain looks synced: the tip is less than a
// day old and no better header is waiting for its block.
func (b *BlockChain) IsCurrent() bool {
	b.chainLock.RLock()
	defer b.chainLock.RUnlock()
	tip := b.bestChain.Tip()
	if b.bestHeader.workSum.Cmp(tip.workSum) > 0 {
		return false
	}
	return tip.timestamp >= b.now().Add(-24*time.Hour).Unix()
}

// HaveBlock reports whether the block's data is stored or it is an orphan.
func (b *BlockChain) HaveBlock(hash *chainhash.Hash) bool {
	b.chainLock.RLock()
	defer b.chainLock.RUnlock()
	if n := b.index[*hash]; n != nil && n.status.HaveData() {
		return true
	}
	_, ok := b.orphans[*hash]
	return ok
}

// HaveHeader reports whether the header is in the block index.
func (b *BlockChain) HaveHeader(hash *chainhash.Hash) bool {
	b.chainLock.RLock()
	defer b.chainLock.RUnlock()
	return b.index[*hash] != nil
}

// MainChainHasBlock reports whether the block is in the main chain.
func (b *BlockChain) MainChainHasBlock(hash *chainhash.Hash) bool {
	b.chainLock.RLock()
	defer b.chainLock.RUnlock()
	return b.bestChain.Contains(b.index[*hash])
}

// BlockByHash returns a stored block (main chain or not).
func (b *BlockChain) BlockByHash(hash *chainhash.Hash) (*wire.MsgBlock, error) {
	b.chainLock.RLock()
	n := b.index[*hash]
	b.chainLock.RUnlock()
	if n == nil {
		return nil, ruleError(ErrBlockNotFound, "block "+hash.String()+" not found")
	}
	raw, err := b.db.FetchBlock(hash)
	if err != nil {
		return nil, ruleError(ErrBlockNotFound, "block "+hash.String()+" has no data")
	}
	blk := new(wire.MsgBlock)
	if _, err := blk.DeserializeBytes(raw); err != nil {
		return nil, ruleError(ErrCorruptDatabase, "stored block "+hash.String()+": "+err.Error())
	}
	return blk, nil
}

// BlockBytesByHash returns a stored block's serialization (for getblock
// verbosity 0 and the P2P block message without re-encoding).
func (b *BlockChain) BlockBytesByHash(hash *chainhash.Hash) ([]byte, error) {
	raw, err := b.db.FetchBlock(hash)
	if err != nil {
		return nil, ruleError(ErrBlockNotFound, "block "+hash.String()+" has no data")
	}
	return raw, nil
}

// BlockHashByHeight returns the hash of the main-chain block at height.
func (b *BlockChain) BlockHashByHeight(height int32) (*chainhash.Hash, error) {
	b.chainLock.RLock()
	defer b.chainLock.RUnlock()
	n := b.bestChain.NodeByHeight(height)
	if n == nil {
		return nil, ruleError(ErrBlockNotFound, fmt.Sprintf("no block at height %d", height))
	}
	h := n.hash
	return &h, nil
}

// BlockHeightByHash returns the height of a main-chain block.
func (b *BlockChain) BlockHeightByHash(hash *chainhash.Hash) (int32, error) {
	b.chainLock.RLock()
	defer b.chainLock.RUnlock()
	n := b.index[*hash]
	if n == nil {
		return 0, ruleError(ErrBlockNotFound, "block "+hash.String()+" not found")
	}
	if !b.bestChain.Contains(n) {
		return 0, ruleError(ErrNotInMainChain, "block "+hash.String()+" is not in the main chain")
	}
	return n.height, nil
}

// HeaderByHash returns any indexed header.
func (b *BlockChain) HeaderByHash(hash *chainhash.Hash) (wire.BlockHeader, error) {
	b.chainLock.RLock()
	defer b.chainLock.RUnlock()
	n := b.index[*hash]
	if n == nil {
		return wire.BlockHeader{}, ruleError(ErrBlockNotFound, "header "+hash.String()+" not found")
	}
	return n.Header(), nil
}

// BlockStatus summarises what is known about a block for RPCs.
type BlockStatus struct {
	HeaderValid bool // the header passed its checks
	HaveData    bool // the block's bytes are stored
	Valid       bool // the block was fully validated and connected
	Invalid     bool // the block or an ancestor broke a rule
}

// BlockInfo is what getblockheader and getblock report about a block
// besides its contents.
type BlockInfo struct {
	Hash          chainhash.Hash
	Header        wire.BlockHeader
	Height        int32
	ChainWork     *big.Int
	MedianTime    time.Time
	InMainChain   bool
	Confirmations int32 // 0 or less off the main chain (-1 like Core)
	NextHash      *chainhash.Hash
	Status        BlockStatus
	// NumTxns is the block's transaction count, 0 when its data is not
	// stored (getblockheader's nTx).
	NumTxns uint32
}

// BlockInfoByHash returns the index information of any known block.
func (b *BlockChain) BlockInfoByHash(hash *chainhash.Hash) (*BlockInfo, error) {
	b.chainLock.RLock()
	defer b.chainLock.RUnlock()
	n := b.index[*hash]
	if n == nil {
		return nil, ruleError(ErrBlockNotFound, "block "+hash.String()+" not found")
	}
	info := &BlockInfo{
		Hash:        n.hash,
		Header:      n.Header(),
		Height:      n.height,
		ChainWork:   new(big.Int).Set(n.workSum),
		MedianTime:  time.Unix(n.CalcPastMedianTime(), 0),
		InMainChain: b.bestChain.Contains(n),
		Status: BlockStatus{
			HeaderValid: n.status&statusHeaderValid != 0,
			HaveData:    n.status.HaveData(),
			Valid:       n.status.KnownValid(),
			Invalid:     n.status.KnownInvalid(),
		},
		Confirmations: -1,
		NumTxns:       n.numTxns,
	}
	if info.InMainChain {
		info.Confirmations = b.bestChain.Height() - n.height + 1
		if next := b.bestChain.NodeByHeight(n.height + 1); next != nil {
			h := next.hash
			info.NextHash = &h
		}
	}
	return info, nil
}

// MedianTimePast returns the median time past of the main-chain block at
// height.
func (b *BlockChain) MedianTimePast(height int32) (time.Time, error) {
	b.chainLock.RLock()
	defer b.chainLock.RUnlock()
	n := b.bestChain.NodeByHeight(height)
	if n == nil {
		return time.Time{}, ruleError(ErrBlockNotFound, fmt.Sprintf("no block at height %d", height))
	}
	return time.Unix(n.CalcPastMedianTime(), 0), nil
}

// ChainTip is one entry of getchaintips.
type ChainTip struct {
	Height    int32
	Hash      chainhash.Hash
	BranchLen int32
	// Status is Core's: "active", "valid-fork", "valid-headers",
	// "headers-only" or "invalid".
	Status string
}

// ChainTips returns every block without children plus the active tip.
func (b *BlockChain) ChainTips() []ChainTip {
	b.chainLock.RLock()
	defer b.chainLock.RUnlock()
	tip := b.bestChain.Tip()
	var tips []ChainTip
	for _, n := range b.index {
		if len(n.children) > 0 && n != tip {
			continue
		}
		fork := b.bestChain.FindFork(n)
		t := ChainTip{Height: n.height, Hash: n.hash, BranchLen: n.height - fork.height}
		switch {
		case n == tip:
			t.Status = "active"
		case n.status.KnownInvalid():
			t.Status = "invalid"
		case !n.chainData:
			t.Status = "headers-only"
		case n.status.KnownValid():
			t.Status = "valid-fork"
		default:
			t.Status = "valid-headers"
		}
		tips = append(tips, t)
	}
	return tips
}

// FetchUtxoEntry returns a copy of the unspent output op at the tip, or nil
// when it does not exist or is spent.
func (b *BlockChain) FetchUtxoEntry(op wire.OutPoint) (*UtxoEntry, error) {
	b.chainLock.RLock()
	defer b.chainLock.RUnlock()
	e, err := b.cache.fetch(op)
	if err != nil || e == nil {
		return nil, err
	}
	return e.clone(), nil
}

// UtxoStats is what gettxoutsetinfo reports.
type UtxoStats struct {
	Height       int32
	BestHash     chainhash.Hash
	Transactions int64 // transactions with at least one unspent output
	TxOuts       int64
	TotalAmount  int64
	// SerializedHash is Core's hash_serialized_3: sha256d over every coin
	// in outpoint order, each as outpoint, uint32(height*2 + coinbase) and
	// the output (amount, compact-size script).
	SerializedHash chainhash.Hash
	// BogoSize is Core's database-independent size of the set.
	BogoSize int64
	// DiskSize is the total size of the stored entries.
	DiskSize int64
}

// UtxoSetStats flushes the UTXO cache and walks the stored UTXO set. The
// walk reads one snapshot, whose tip matches its set, so it does not block
// the chain (blocks connected meanwhile are not counted).
func (b *BlockChain) UtxoSetStats() (*UtxoStats, error) {
	if err := b.FlushUtxoCache(FlushRequired); err != nil {
		return nil, err
	}
	st := &UtxoStats{}
	h := sha256.New()
	var last chainhash.Hash
	buf := make([]byte, 0, 256)
	err := b.db.ForEachUtxo(func(tip store.Tip, txid chainhash.Hash, idx uint32, v []byte) error {
		st.Height, st.BestHash = tip.Height, tip.Hash
		e, _, err := decodeUtxoEntry(v)
		if err != nil {
			return err
		}
		if st.TxOuts == 0 || txid != last {
			st.Transactions++
			last = txid
		}
		st.TxOuts++
		st.TotalAmount += e.Amount
		st.DiskSize += int64(len(v))
		st.BogoSize += 32 + 4 + 4 + 8 + 2 + int64(len(e.PkScript))
		code := uint32(e.BlockHeight) * 2
		if e.IsCoinBase {
			code++
		}
		buf = append(buf[:0], txid[:]...)
		buf = binary.LittleEndian.AppendUint32(buf, idx)
		buf = binary.LittleEndian.AppendUint32(buf, code)
		buf = binary.LittleEndian.AppendUint64(buf, uint64(e.Amount))
		buf = wire.AppendVarInt(buf, uint64(len(e.PkScript)))
		buf = append(buf, e.PkScript...)
		h.Write(buf)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if st.TxOuts == 0 {
		tip := b.BestSnapshot()
		st.Height, st.BestHash = tip.Height, tip.Hash
	}
	st.SerializedHash = sha256.Sum256(h.Sum(nil))
	return st, nil
}

// BlockLocator is a list of block hashes from a tip back to genesis with
// growing gaps, as sent in getheaders and getblocks.
type BlockLocator []chainhash.Hash

// LatestBlockLocator returns the locator of the main chain's tip.
func (b *BlockChain) LatestBlockLocator() BlockLocator {
	b.chainLock.RLock()
	defer b.chainLock.RUnlock()
	return blockLocator(b.bestChain.Tip())
}

// BlockLocatorFromHash returns the locator of any indexed block (for example
// the best header during headers-first sync); an unknown hash gives the
// main chain's locator.
func (b *BlockChain) BlockLocatorFromHash(hash *chainhash.Hash) BlockLocator {
	b.chainLock.RLock()
	defer b.chainLock.RUnlock()
	if n := b.index[*hash]; n != nil {
		return blockLocator(n)
	}
	return blockLocator(b.bestChain.Tip())
}

// MaxLocatorHashes bounds how many locator entries are examined (Core's
// MAX_LOCATOR_SZ); netsync should treat a longer locator as misbehaviour.
const MaxLocatorHashes = 101

// locateStart returns the main-chain height after the first locator hash
// found in the main chain (0 for genesis when none is).
func (b *BlockChain) locateStart(locator BlockLocator) int32 {
	if len(locator) > MaxLocatorHashes {
		locator = locator[:MaxLocatorHashes]
	}
	for i := range locator {
		if n := b.index[locator[i]]; n != nil && b.bestChain.Contains(n) {
			return n.height + 1
		}
	}
	return 0
}

// LocateHeaders returns up to 2000 main-chain headers after the locator's
// fork point, stopping after hashStop (getheaders).
func (b *BlockChain) LocateHeaders(locator BlockLocator, hashStop *chainhash.Hash) []wire.BlockHeader {
	const maxHeaders = 2000
	b.chainLock.RLock()
	defer b.chainLock.RUnlock()
	var out []wire.BlockHeader
	for h := b.locateStart(locator); len(out) < maxHeaders; h++ {
		n := b.bestChain.NodeByHeight(h)
		if n == nil {
			break
		}
		out = append(out, n.Header())
		if hashStop != nil && n.hash == *hashStop {
			break
		}
	}
	return out
}

// LocateBlocks returns up to maxHashes main-chain block hashes after the
// locator's fork point, stopping after hashStop (getblocks).
func (b *BlockChain) LocateBlocks(locator BlockLocator, hashStop *chainhash.Hash, maxHashes int) []chainhash.Hash {
	b.chainLock.RLock()
	defer b.chainLock.RUnlock()
	var out []chainhash.Hash
	for h := b.locateStart(locator); len(out) < maxHashes; h++ {
		n := b.bestChain.NodeByHeight(h)
		if n == nil {
			break
		}
		out = append(out, n.hash)
		if hashStop != nil && n.hash == *hashStop {
			break
		}
	}
	return out
}

// CalcSequenceLock returns tx's BIP68 lock for inclusion in the block after
// the tip. prevHeights[i] is the height of the block holding input i's
// output; use the tip's height + 1 for an output not yet in a block (an
// unconfirmed parent in the mempool). Test the result with
// standalone.SequenceLockActive(*lock, tipHeight+1, tipMedianTime).
func (b *BlockChain) CalcSequenceLock(tx *wire.MsgTx, prevHeights []int32) (*SequenceLock, error) {
	if len(prevHeights) != len(tx.TxIn) {
		return nil, fmt.Errorf("blockchain: %d prevHeights for %d inputs", len(prevHeights), len(tx.TxIn))
	}
	b.chainLock.RLock()
	defer b.chainLock.RUnlock()
	tip := b.bestChain.Tip()
	for _, h := range prevHeights {
		if h < 0 || h > tip.height+1 {
			return nil, fmt.Errorf("blockchain: input height %d outside [0, %d]", h, tip.height+1)
		}
	}
	lock := calcSequenceLock(tx, prevHeights, tip)
	return &lock, nil
}

// VerifyChain re-checks the last depth main-chain blocks (all when depth is
// 0 or above the height), like Core's verifychain at level 4: each block's
// context-free rules and stored hash; then, in a scratch view over the UTXO
// set, each block is disconnected with its undo data (its outputs must be
// unspent in the set, so the set, the undo data and the blocks agree) and
// the blocks are connected again with every rule, scripts included. Nothing
// is written.
func (b *BlockChain) VerifyChain(depth int32) error {
	_, err := b.verifyChain(depth, verifyChainMaxViewEntries)
	return err
}

// verifyChainMaxViewEntries bounds the UTXO changes VerifyChain holds while
// it disconnects blocks (about 150 bytes each, so some 75 MB): past it the
// older blocks are still read and checked on their own, but not
// disconnected and reconnected, as Core's verifychain skips its level 3
// and 4 checks past its coins-cache budget. Block bodies are never held:
// each is read again to reconnect it.
const verifyChainMaxViewEntries = 500_000

// verifyChain is VerifyChain with the view budget given; it returns how
// many blocks were disconnected and reconnected (the rest were checked
// alone).
func (b *BlockChain) verifyChain(depth int32, maxViewEntries int) (int, error) {
	b.chainLock.RLock()
	defer b.chainLock.RUnlock()
	tip := b.bestChain.Tip()
	if depth <= 0 || depth > tip.height {
		depth = tip.height
	}
	view := newUtxoView(b.cache)
	var nodes []*blockNode
	full := true
	for n := tip; n != nil && n.height > tip.height-depth; n = n.parent {
		blk, err := b.fetchBlock(&n.hash)
		if err != nil {
			return 0, err
		}
		if blk.BlockHash() != n.hash {
			return 0, ruleError(ErrCorruptDatabase, "stored block "+n.hash.String()+" has another hash")
		}
		if err := CheckBlockSanity(blk, b.params.PowLimit, BFNone); err != nil {
			return 0, fmt.Errorf("block %s at height %d: %w", n.hash, n.height, err)
		}
		raw, err := b.db.FetchUndo(&n.hash)
		if err != nil {
			return 0, err
		}
		undo, err := decodeUndo(raw)
		if err != nil {
			return 0, err
		}
		if full && len(view.entries) > maxViewEntries {
			log.Infof("Verifying blocks below height %d without disconnecting them: the "+
				"UTXO changes of the %d above fill the memory budget", n.height+1, len(nodes))
			full = false
		}
		if !full {
			continue
		}
		spentHere := make(map[wire.OutPoint]bool)
		for _, tx := range blk.Transactions[1:] {
			for _, in := range tx.TxIn {
				spentHere[in.PreviousOutPoint] = true
			}
		}
		hashes := make([]chainhash.Hash, len(blk.Transactions))
		for i, tx := range blk.Transactions {
			hashes[i] = tx.TxHash()
			for o, out := range tx.TxOut {
				op := wire.OutPoint{Hash: hashes[i], Index: uint32(o)}
				if txscript.IsUnspendable(out.PkScript) || spentHere[op] {
					continue
				}
				e, err := view.lookup(op)
				if err != nil {
					return 0, err
				}
				// An output may be spent by a later block, which was
				// disconnected (and so restored it) already.
				if e == nil || e.Amount != out.Value || e.BlockHeight != n.height {
					return 0, ruleError(ErrCorruptDatabase, fmt.Sprintf("output %s of block %d "+
						"is not in the UTXO set as created", op, n.height))
				}
			}
		}
		if err := view.disconnectBlock(blk, hashes, undo); err != nil {
			return 0, err
		}
		nodes = append(nodes, n)
	}
	for i := len(nodes) - 1; i >= 0; i-- {
		blk, err := b.fetchBlock(&nodes[i].hash)
		if err != nil {
			return 0, err
		}
		if _, err := b.checkConnectBlock(nodes[i], blk, view); err != nil {
			return 0, fmt.Errorf("block %s at height %d: %w", nodes[i].hash, nodes[i].height, err)
		}
	}
	return len(nodes), nil
}

// BlocksToFetch returns, lowest first, up to max hashes of blocks on the
// best header chain whose data is missing: what headers-first sync should
// download next. Blocks already stored (waiting for an ancestor) are
// skipped.
func (b *BlockChain) BlocksToFetch(max int) []chainhash.Hash {
	b.chainLock.RLock()
	defer b.chainLock.RUnlock()
	best := b.bestHeader
	fork := b.bestChain.FindFork(best)
	var out []chainhash.Hash
	for h := fork.height + 1; h <= best.height && len(out) < max; h++ {
		n := best.Ancestor(h)
		if !n.status.HaveData() {
			out = append(out, n.hash)
		}
	}
	return out
}

// SpentOutputs returns, for a connected block, the outputs its inputs
// spent, in block order (inputs of transaction 1, then 2, ...), from its
// undo data: what getblock verbosity 3 and getblockstats need for prevouts
// and fees.
func (b *BlockChain) SpentOutputs(hash *chainhash.Hash) ([]*UtxoEntry, error) {
	raw, err := b.db.FetchUndo(hash)
	if err != nil {
		return nil, ruleError(ErrBlockNotFound, "no undo data for block "+hash.String())
	}
	return decodeUndo(raw)
}
