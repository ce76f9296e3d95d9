package blockchain

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/internal/store"
	"github.com/tern-org/ternd/wire"
)

// UtxoEntry is an unspent transaction output with what validation needs to
// know about its creation. Entries handed out by the package are copies the
// caller owns; entries inside the package are never modified once made.
type UtxoEntry struct {
	Amount      int64
	PkScript    []byte
	BlockHeight int32
	IsCoinBase  bool
}

// clone returns a deep copy of e.
func (e *UtxoEntry) clone() *UtxoEntry {
	c := *e
	c.PkScript = append([]byte(nil), e.PkScript...)
	return &c
}

// appendUtxoEntry appends the stored form of e: varint(height<<1 | coinbase),
// varint(amount), varint(script length), script.
func appendUtxoEntry(dst []byte, e *UtxoEntry) []byte {
	code := uint64(e.BlockHeight) << 1
	if e.IsCoinBase {
		code |= 1
	}
	dst = binary.AppendUvarint(dst, code)
	dst = binary.AppendUvarint(dst, uint64(e.Amount))
	dst = binary.AppendUvarint(dst, uint64(len(e.PkScript)))
	return append(dst, e.PkScript...)
}

// decodeUtxoEntry decodes one entry from b and returns the bytes used.
func decodeUtxoEntry(b []byte) (*UtxoEntry, int, error) {
	corrupt := func(what string) (*UtxoEntry, int, error) {
		return nil, 0, ruleError(ErrCorruptDatabase, "bad utxo entry: "+what)
	}
	code, n1 := binary.Uvarint(b)
	if n1 <= 0 || code>>1 > 0x7fffffff {
		return corrupt("height")
	}
	amount, n2 := binary.Uvarint(b[n1:])
	if n2 <= 0 || amount > uint64(MaxSatoshi) {
		return corrupt("amount")
	}
	off := n1 + n2
	sl, n3 := binary.Uvarint(b[off:])
	if n3 <= 0 || sl > uint64(len(b)-off-n3) {
		return corrupt("script length")
	}
	off += n3
	e := &UtxoEntry{
		Amount:      int64(amount),
		PkScript:    append([]byte(nil), b[off:off+int(sl)]...),
		BlockHeight: int32(code >> 1),
		IsCoinBase:  code&1 == 1,
	}
	return e, off + int(sl), nil
}

// encodeUndo returns the stored undo data of a block: the entries its
// inputs spent, in block order, after a count.
func encodeUndo(spent []*UtxoEntry) []byte {
	b := binary.AppendUvarint(nil, uint64(len(spent)))
	for _, e := range spent {
		b = appendUtxoEntry(b, e)
	}
	return b
}

// decodeUndo decodes undo data.
func decodeUndo(b []byte) ([]*UtxoEntry, error) {
	n, off := binary.Uvarint(b)
	// Every entry takes at least three bytes, which bounds the allocation.
	if off <= 0 || n > uint64(len(b)/3) {
		return nil, ruleError(ErrCorruptDatabase, "bad undo data count")
	}
	out := make([]*UtxoEntry, 0, n)
	for i := uint64(0); i < n; i++ {
		e, used, err := decodeUtxoEntry(b[off:])
		if err != nil {
			return nil, err
		}
		off += used
		out = append(out, e)
	}
	if off != len(b) {
		return nil, ruleError(ErrCorruptDatabase, "trailing bytes in undo data")
	}
	return out, nil
}

// DefaultUtxoCacheEntries is the default bound of the UTXO cache.
const DefaultUtxoCacheEntries = 500000

// utxoCache is a bounded read cache of the stored UTXO set. The store is
// always current (every connect writes through in its atomic batch), so the
// cache only ever holds clean entries and dropping any of them is safe. It is
// safe for concurrent use.
type utxoCache struct {
	mu   sync.Mutex
	db   *store.Store
	m    map[wire.OutPoint]*UtxoEntry // bounded by max
	max  int
	hits uint64
	miss uint64
}

// newUtxoCache returns a cache of at most max entries over db.
func newUtxoCache(db *store.Store, max int) *utxoCache {
	if max <= 0 {
		max = DefaultUtxoCacheEntries
	}
	return &utxoCache{db: db, m: make(map[wire.OutPoint]*UtxoEntry), max: max}
}

// insertLocked adds an entry, evicting about a tenth of the cache when full.
// Map iteration order is arbitrary, which is good enough for a cache whose
// entries all cost the same to reload.
func (c *utxoCache) insertLocked(op wire.OutPoint, e *UtxoEntry) {
	if len(c.m) >= c.max {
		drop := c.max/10 + 1
		for k := range c.m {
			delete(c.m, k)
			drop--
			if drop == 0 {
				break
			}
		}
	}
	c.m[op] = e
}

// fetch returns the stored entry for op, or nil if it is not unspent.
func (c *utxoCache) fetch(op wire.OutPoint) (*UtxoEntry, error) {
	c.mu.Lock()
	if e, ok := c.m[op]; ok {
		c.hits++
		c.mu.Unlock()
		return e, nil
	}
	c.miss++
	c.mu.Unlock()
	v, err := c.db.FetchUtxo(&op.Hash, op.Index)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	e, n, err := decodeUtxoEntry(v)
	if err != nil {
		return nil, err
	}
	if n != len(v) {
		return nil, ruleError(ErrCorruptDatabase, "trailing bytes in utxo entry "+op.String())
	}
	c.mu.Lock()
	c.insertLocked(op, e)
	c.mu.Unlock()
	return e, nil
}

// commit updates the cache after a view's changes reached the store.
func (c *utxoCache) commit(v *utxoView) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for op, ve := range v.entries {
		if !ve.modified {
			continue
		}
		if ve.spent || ve.entry == nil {
			delete(c.m, op)
		} else {
			c.insertLocked(op, ve.entry)
		}
	}
}

// viewEntry is an output as seen by a view: present, spent, or (entry nil)
// known absent.
type viewEntry struct {
	entry    *UtxoEntry
	spent    bool
	modified bool
}

// utxoView stages UTXO changes over the cache while blocks are connected or
// disconnected; nothing reaches the store until the chain writes the view in
// its batch. A view is used by one goroutine (the chain's writer) at a time,
// except that read-only lookups by script workers happen after it is final.
type utxoView struct {
	cache   *utxoCache
	entries map[wire.OutPoint]*viewEntry
}

// newUtxoView returns an empty view over cache.
func newUtxoView(cache *utxoCache) *utxoView {
	return &utxoView{cache: cache, entries: make(map[wire.OutPoint]*viewEntry)}
}

// lookup returns the unspent entry for op, or nil.
func (v *utxoView) lookup(op wire.OutPoint) (*UtxoEntry, error) {
	if ve, ok := v.entries[op]; ok {
		if ve.spent {
			return nil, nil
		}
		return ve.entry, nil
	}
	e, err := v.cache.fetch(op)
	if err != nil {
		return nil, err
	}
	v.entries[op] = &viewEntry{entry: e}
	return e, nil
}

// add makes op unspent with entry e.
func (v *utxoView) add(op wire.OutPoint, e *UtxoEntry) {
	v.entries[op] = &viewEntry{entry: e, modified: true}
}

// spend marks op spent.
func (v *utxoView) spend(op wire.OutPoint) {
	v.entries[op] = &viewEntry{spent: true, modified: true}
}

// writeTo adds the view's changes to a store batch.
func (v *utxoView) writeTo(b *store.Batch) {
	var buf []byte
	for op, ve := range v.entries {
		if !ve.modified {
			continue
		}
		if ve.spent || ve.entry == nil {
			b.DeleteUtxo(&op.Hash, op.Index)
			continue
		}
		buf = appendUtxoEntry(buf[:0], ve.entry)
		b.PutUtxo(&op.Hash, op.Index, append([]byte(nil), buf...))
	}
}

// connectTransaction applies tx's effects to the view: its inputs are spent
// (their entries appended to undo) and its spendable outputs added. Inputs
// must have been checked to exist.
func (v *utxoView) connectTransaction(tx *wire.MsgTx, txHash *chainhash.Hash, height int32,
	isCoinBase bool, undo []*UtxoEntry) ([]*UtxoEntry, error) {

	if !isCoinBase {
		for _, in := range tx.TxIn {
			e, err := v.lookup(in.PreviousOutPoint)
			if err != nil {
				return undo, err
			}
			if e == nil {
				return undo, ruleError(ErrMissingTxOut, "input "+in.PreviousOutPoint.String()+
					" missing or spent")
			}
			undo = append(undo, e)
			v.spend(in.PreviousOutPoint)
		}
	}
	for i, out := range tx.TxOut {
		if isUnspendable(out.PkScript) {
			continue
		}
		v.add(wire.OutPoint{Hash: *txHash, Index: uint32(i)}, &UtxoEntry{
			Amount:      out.Value,
			PkScript:    out.PkScript,
			BlockHeight: height,
			IsCoinBase:  isCoinBase,
		})
	}
	return undo, nil
}

// disconnectBlock reverses a connected block in the view using its undo
// data: outputs it created are removed and the outputs it spent restored.
func (v *utxoView) disconnectBlock(block *wire.MsgBlock, txHashes []chainhash.Hash,
	undo []*UtxoEntry) error {

	want := 0
	for _, tx := range block.Transactions[1:] {
		want += len(tx.TxIn)
	}
	if want != len(undo) {
		return ruleError(ErrCorruptDatabase, fmt.Sprintf("undo data has %d entries, block "+
			"spends %d", len(undo), want))
	}
	k := len(undo)
	for ti := len(block.Transactions) - 1; ti >= 0; ti-- {
		tx := block.Transactions[ti]
		for i, out := range tx.TxOut {
			if isUnspendable(out.PkScript) {
				continue
			}
			v.spend(wire.OutPoint{Hash: txHashes[ti], Index: uint32(i)})
		}
		if ti == 0 {
			break
		}
		for ii := len(tx.TxIn) - 1; ii >= 0; ii-- {
			k--
			v.add(tx.TxIn[ii].PreviousOutPoint, undo[k])
		}
	}
	return nil
}
