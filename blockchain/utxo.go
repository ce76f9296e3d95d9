package blockchain

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/internal/store"
	"github.com/tern-org/ternd/txscript"
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

// DefaultUtxoCacheEntries was the default bound of the old read cache; it is
// kept for callers that name it. Config.UtxoCacheEntries, when set, bounds
// the number of cached entries beside Config.UtxoCacheBytes.
const DefaultUtxoCacheEntries = 500000

// DefaultUtxoCacheBytes is the default memory budget of the UTXO cache
// (Config.UtxoCacheBytes; Core's -dbcache default is 450 MiB for all its
// caches together).
const DefaultUtxoCacheBytes = 256 << 20

// DefaultUtxoFlushInterval is how long the UTXO cache may hold changes
// before they are written even when it is not full, which bounds the blocks
// a restart after a crash has to connect again.
const DefaultUtxoFlushInterval = 10 * time.Minute

// Cache entry flags (Core's CCoinsCacheEntry DIRTY and FRESH).
const (
	// cacheDirty: the entry differs from the store and must be written
	// (put when unspent, deleted when spent) at the next flush.
	cacheDirty uint8 = 1 << iota
	// cacheFresh: the store holds no unspent output here, so spending the
	// entry before a flush just forgets it: a coin created and spent between
	// two flushes never touches leveldb.
	cacheFresh
)

// cacheEntryOverhead is the estimated memory of one cached output beside its
// script: the map slot (a 36-byte key and 16-byte value padded to 56 bytes,
// a control byte, and up to about half the table empty just after it
// doubles) and the UtxoEntry allocation (48 bytes). Measured: about 206
// bytes per entry with a 22-byte script over a million entries.
const cacheEntryOverhead = 128 + 48

// cacheEntry is one output in the cache. entry is nil when the output is
// spent (always with cacheDirty and never with cacheFresh: a spent fresh
// entry is removed). An entry without cacheDirty equals the store.
type cacheEntry struct {
	entry *UtxoEntry
	flags uint8
}

// entryUsage is the memory estimate of a cached entry.
func entryUsage(ce cacheEntry) int64 {
	if ce.entry == nil {
		return cacheEntryOverhead
	}
	return cacheEntryOverhead + int64(cap(ce.entry.PkScript))
}

// utxoCache is the write-back cache of the UTXO set (Core's
// CCoinsViewCache over the database). Together with the store it is the
// UTXO set at the chain's tip: connected blocks change the cache only, and
// flush writes every dirty entry with the tip they correspond to in one
// atomic batch, so the store alone always holds the set of some earlier tip
// whose following blocks are stored and are connected again at start.
//
// Changes (apply, flush, reset) are made by the chain's writer with the
// chain lock held for writing; fetch may run from several readers at once
// under the read lock, so mu guards the map and the counters.
type utxoCache struct {
	mu         sync.Mutex
	db         *store.Store
	m          map[wire.OutPoint]cacheEntry // bounded by maxBytes through flushes
	usage      int64                        // estimated bytes of m
	dirty      int                          // entries with cacheDirty
	maxBytes   int64
	maxEntries int
	hits       uint64
	miss       uint64
	lastFlush  time.Time
}

// newUtxoCache returns a cache over db bounded by maxBytes (zero means
// DefaultUtxoCacheBytes) and, when positive, maxEntries.
func newUtxoCache(db *store.Store, maxBytes int64, maxEntries int) *utxoCache {
	if maxBytes <= 0 {
		maxBytes = DefaultUtxoCacheBytes
	}
	return &utxoCache{db: db, m: make(map[wire.OutPoint]cacheEntry), maxBytes: maxBytes,
		maxEntries: maxEntries, lastFlush: time.Now()}
}

// full reports whether the cache is over its bounds and should be flushed
// and emptied.
func (c *utxoCache) full() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fullLocked()
}

// fullLocked is full with mu held.
func (c *utxoCache) fullLocked() bool {
	return c.usage > c.maxBytes || (c.maxEntries > 0 && len(c.m) > c.maxEntries)
}

// fetch returns the entry for op at the tip, or nil if it is not unspent.
// A store read is remembered as a clean entry while there is room.
func (c *utxoCache) fetch(op wire.OutPoint) (*UtxoEntry, error) {
	c.mu.Lock()
	if ce, ok := c.m[op]; ok {
		c.hits++
		c.mu.Unlock()
		return ce.entry, nil
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
	if _, ok := c.m[op]; !ok && !c.fullLocked() {
		ce := cacheEntry{entry: e}
		c.m[op] = ce
		c.usage += entryUsage(ce)
	}
	c.mu.Unlock()
	return e, nil
}

// setLocked stores ce at op, keeping usage and the dirty count.
func (c *utxoCache) setLocked(op wire.OutPoint, ce cacheEntry) {
	if old, ok := c.m[op]; ok {
		c.usage -= entryUsage(old)
		if old.flags&cacheDirty != 0 {
			c.dirty--
		}
	}
	c.m[op] = ce
	c.usage += entryUsage(ce)
	if ce.flags&cacheDirty != 0 {
		c.dirty++
	}
}

// deleteLocked forgets op.
func (c *utxoCache) deleteLocked(op wire.OutPoint) {
	if old, ok := c.m[op]; ok {
		c.usage -= entryUsage(old)
		if old.flags&cacheDirty != 0 {
			c.dirty--
		}
		delete(c.m, op)
	}
}

// addLocked makes op unspent with e (Core's AddCoin). The entry is fresh
// when the store cannot hold an unspent output at op: there was no cache
// entry (so the store agrees with the tip, where op is spent or absent)
// and the caller rules out an overwrite, or the entry it replaces was
// fresh. The script is copied so the cache does not pin the block's
// buffer.
func (c *utxoCache) addLocked(op wire.OutPoint, e *UtxoEntry, possibleOverwrite bool) {
	flags := cacheDirty
	if old, ok := c.m[op]; ok {
		if old.flags&cacheFresh != 0 {
			flags |= cacheFresh
		}
	} else if !possibleOverwrite {
		flags |= cacheFresh
	}
	cp := &UtxoEntry{Amount: e.Amount, BlockHeight: e.BlockHeight, IsCoinBase: e.IsCoinBase}
	if len(e.PkScript) > 0 {
		cp.PkScript = append(make([]byte, 0, len(e.PkScript)), e.PkScript...)
	}
	c.setLocked(op, cacheEntry{entry: cp, flags: flags})
}

// spendLocked marks op spent (Core's SpendCoin): a fresh entry is
// forgotten, any other becomes a dirty spent entry to delete at the flush.
func (c *utxoCache) spendLocked(op wire.OutPoint) {
	if old, ok := c.m[op]; ok && old.flags&cacheFresh != 0 {
		c.deleteLocked(op)
		return
	}
	c.setLocked(op, cacheEntry{flags: cacheDirty})
}

// apply moves a view's changes into the cache, once the blocks it holds
// are part of the chain. Only the chain's writer calls it.
func (c *utxoCache) apply(v *utxoView) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for op, ve := range v.entries {
		if !ve.modified {
			continue
		}
		if ve.spent || ve.entry == nil {
			c.spendLocked(op)
			continue
		}
		c.addLocked(op, ve.entry, !ve.created || ve.entry.IsCoinBase)
	}
}

// flush writes every dirty entry and tip in one atomic batch; the entries
// stay, clean. With trim (the flush that makes room) the oldest entries by
// creation height are then evicted until the cache is at most half its
// budget: young outputs are the likeliest to be spent soon, and keeping
// them saves store reads after the flush. On a write error nothing
// changes, so a later flush writes the same changes again. Only the
// chain's writer calls it.
func (c *utxoCache) flush(tip store.Tip, trim bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	batch := c.db.NewBatch()
	var buf []byte
	for op, ce := range c.m {
		if ce.flags&cacheDirty == 0 {
			continue
		}
		if ce.entry == nil {
			batch.DeleteUtxo(&op.Hash, op.Index)
			continue
		}
		buf = appendUtxoEntry(buf[:0], ce.entry)
		batch.PutUtxo(&op.Hash, op.Index, buf)
	}
	batch.PutTip(tip)
	written := c.dirty
	if err := c.db.Write(batch); err != nil {
		return err
	}
	c.lastFlush = time.Now()
	for op, ce := range c.m {
		if ce.flags&cacheDirty == 0 {
			continue
		}
		if ce.entry == nil {
			c.deleteLocked(op)
			continue
		}
		ce.flags = 0
		c.m[op] = ce
	}
	c.dirty = 0
	if trim {
		c.trimLocked(c.maxBytes/2, c.maxEntries/2)
	}
	log.Debugf("Flushed %d UTXO changes at height %d (%d entries, %d MiB cached)",
		written, tip.Height, len(c.m), c.usage>>20)
	return nil
}

// trimLocked evicts clean entries, oldest creation height first, until the
// cache uses at most maxBytes and (when positive) holds at most maxEntries.
// Entries of one height go together, so it may evict a little more.
func (c *utxoCache) trimLocked(maxBytes int64, maxEntries int) {
	overEntries := func() bool { return maxEntries > 0 && len(c.m) > maxEntries }
	if c.usage <= maxBytes && !overEntries() {
		return
	}
	type tally struct {
		bytes   int64
		entries int
	}
	byHeight := make(map[int32]tally)
	for _, ce := range c.m {
		if ce.flags&cacheDirty != 0 || ce.entry == nil {
			continue
		}
		t := byHeight[ce.entry.BlockHeight]
		t.bytes += entryUsage(ce)
		t.entries++
		byHeight[ce.entry.BlockHeight] = t
	}
	heights := make([]int32, 0, len(byHeight))
	for h := range byHeight {
		heights = append(heights, h)
	}
	slices.Sort(heights)
	// Evict whole heights from the oldest until the rest fits.
	usage, entries := c.usage, len(c.m)
	cutoff := int32(-1)
	for _, h := range heights {
		if usage <= maxBytes && (maxEntries <= 0 || entries <= maxEntries) {
			break
		}
		usage -= byHeight[h].bytes
		entries -= byHeight[h].entries
		cutoff = h
	}
	for op, ce := range c.m {
		if ce.flags&cacheDirty == 0 && ce.entry != nil && ce.entry.BlockHeight <= cutoff {
			c.deleteLocked(op)
		}
	}
}

// stats returns the entry count, the dirty count and the memory estimate.
func (c *utxoCache) stats() (entries, dirty int, usage int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m), c.dirty, c.usage
}

// viewEntry is an output as seen by a view: present, spent, or (entry nil)
// known absent. created marks an output the view added where the layer
// below has no unspent one, so spending it again in the view cancels out.
type viewEntry struct {
	entry    *UtxoEntry
	spent    bool
	modified bool
	created  bool
}

// utxoView stages UTXO changes over the cache while blocks are connected or
// disconnected; nothing reaches the cache until the chain applies the view.
// A view is used by one goroutine (the chain's writer) at a time, except
// that read-only lookups by script workers happen after it is final.
type utxoView struct {
	cache   *utxoCache
	entries map[wire.OutPoint]viewEntry
}

// newUtxoView returns an empty view over cache.
func newUtxoView(cache *utxoCache) *utxoView {
	return &utxoView{cache: cache, entries: make(map[wire.OutPoint]viewEntry)}
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
	v.entries[op] = viewEntry{entry: e}
	return e, nil
}

// add makes op unspent with entry e. A coinbase output may overwrite an
// unspent duplicate (the two pre-BIP34 mainnet cases), so it is never
// treated as created; any other new output cannot have an unspent twin
// (its inputs would be spent twice).
func (v *utxoView) add(op wire.OutPoint, e *UtxoEntry) {
	created := !e.IsCoinBase
	if ve, ok := v.entries[op]; ok && (ve.modified || ve.entry != nil) {
		created = ve.created
	}
	v.entries[op] = viewEntry{entry: e, modified: true, created: created}
}

// spend marks op spent; an output the view created is simply dropped.
func (v *utxoView) spend(op wire.OutPoint) {
	if ve, ok := v.entries[op]; ok && ve.created && !ve.spent {
		delete(v.entries, op)
		return
	}
	v.entries[op] = viewEntry{spent: true, modified: true}
}

// connectTransaction applies tx's effects to the view: its inputs are spent
// (their entries appended to undo) and its spendable outputs added, with
// their entries taken from arena when it has room (the caller's
// block-sized allocation; the cache copies what it keeps). Inputs must have
// been checked to exist.
func (v *utxoView) connectTransaction(tx *wire.MsgTx, txHash *chainhash.Hash, height int32,
	isCoinBase bool, undo []*UtxoEntry, arena []UtxoEntry) ([]*UtxoEntry, []UtxoEntry, error) {

	if !isCoinBase {
		for _, in := range tx.TxIn {
			e, err := v.lookup(in.PreviousOutPoint)
			if err != nil {
				return undo, arena, err
			}
			if e == nil {
				return undo, arena, ruleError(ErrMissingTxOut, "input "+
					in.PreviousOutPoint.String()+" missing or spent")
			}
			undo = append(undo, e)
			v.spend(in.PreviousOutPoint)
		}
	}
	for i, out := range tx.TxOut {
		if txscript.IsUnspendable(out.PkScript) {
			continue
		}
		var e *UtxoEntry
		if len(arena) > 0 {
			e, arena = &arena[0], arena[1:]
		} else {
			e = new(UtxoEntry)
		}
		*e = UtxoEntry{
			Amount:      out.Value,
			PkScript:    out.PkScript,
			BlockHeight: height,
			IsCoinBase:  isCoinBase,
		}
		v.add(wire.OutPoint{Hash: *txHash, Index: uint32(i)}, e)
	}
	return undo, arena, nil
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
			if txscript.IsUnspendable(out.PkScript) {
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
