package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/filter"
	"github.com/syndtr/goleveldb/leveldb/opt"
	"github.com/syndtr/goleveldb/leveldb/util"
)

// Key prefixes; see doc.go for the layout.
const (
	prefixVersion = 'V'
	prefixTip     = 'T'
	prefixIndex   = 'i'
	prefixBlock   = 'b'
	prefixUndo    = 'r'
	prefixUtxo    = 'u'
)

// SchemaVersion is the key-space layout version this code writes and reads.
const SchemaVersion = 1

// tipSize is the encoded size of a Tip.
const tipSize = chainhash.HashSize + 4

// Options tunes the underlying goleveldb database. The zero value (or nil) is
// a sensible default.
type Options struct {
	// CacheBytes is leveldb's block cache size. Zero means 32 MiB.
	CacheBytes int
	// WriteBufferBytes is leveldb's memtable size. Zero means 16 MiB.
	WriteBufferBytes int
	// Sync makes every Write wait for the journal to reach the disk. Without
	// it a killed process loses nothing (the journal is in the OS's page
	// cache) but a power cut may lose the last batches, never half of one.
	Sync bool
}

// Tip is the block hash and height the stored UTXO set corresponds to.
type Tip struct {
	Hash   chainhash.Hash
	Height int32
}

// encodeTip returns the stored form of a Tip.
func encodeTip(t Tip) []byte {
	b := make([]byte, tipSize)
	copy(b, t.Hash[:])
	binary.BigEndian.PutUint32(b[chainhash.HashSize:], uint32(t.Height))
	return b
}

// DecodeTip decodes the stored form of a Tip.
func DecodeTip(b []byte) (Tip, error) {
	var t Tip
	if len(b) != tipSize {
		return t, storeError(ErrCorrupt, fmt.Sprintf("tip record has %d bytes, want %d",
			len(b), tipSize))
	}
	copy(t.Hash[:], b)
	t.Height = int32(binary.BigEndian.Uint32(b[chainhash.HashSize:]))
	if t.Height < 0 {
		return t, storeError(ErrCorrupt, "tip record has a negative height")
	}
	return t, nil
}

// Store is the chain database. It is safe for concurrent use.
type Store struct {
	mu     sync.RWMutex // guards db against Close
	db     *leveldb.DB
	path   string
	sync   bool
	closed bool
}

// Open opens (creating if needed) the database in directory path.
func Open(path string, o *Options) (*Store, error) {
	if o == nil {
		o = &Options{}
	}
	lo := &opt.Options{
		BlockCacheCapacity: o.CacheBytes,
		WriteBuffer:        o.WriteBufferBytes,
		Filter:             filter.NewBloomFilter(10),
		Compression:        opt.NoCompression,
	}
	if lo.BlockCacheCapacity == 0 {
		lo.BlockCacheCapacity = 32 << 20
	}
	if lo.WriteBuffer == 0 {
		lo.WriteBuffer = 16 << 20
	}
	db, err := leveldb.OpenFile(path, lo)
	if err != nil {
		return nil, storeError(ErrBackend, fmt.Sprintf("open %s: %v", path, err))
	}
	s := &Store{db: db, path: path, sync: o.Sync}
	v, err := db.Get([]byte{prefixVersion}, nil)
	switch {
	case errors.Is(err, leveldb.ErrNotFound):
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], SchemaVersion)
		if err := db.Put([]byte{prefixVersion}, b[:], &opt.WriteOptions{Sync: true}); err != nil {
			db.Close()
			return nil, storeError(ErrBackend, fmt.Sprintf("write version: %v", err))
		}
	case err != nil:
		db.Close()
		return nil, storeError(ErrBackend, fmt.Sprintf("read version: %v", err))
	case len(v) != 4 || binary.BigEndian.Uint32(v) != SchemaVersion:
		db.Close()
		return nil, storeError(ErrVersion, fmt.Sprintf("database schema version %x, want %d",
			v, SchemaVersion))
	}
	log.Debugf("Opened chain database at %s", path)
	return s, nil
}

// Close closes the database. Further calls return ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if err := s.db.Close(); err != nil {
		return storeError(ErrBackend, fmt.Sprintf("close: %v", err))
	}
	return nil
}

// hashKey returns prefix || hash.
func hashKey(prefix byte, h *chainhash.Hash) []byte {
	k := make([]byte, 1+chainhash.HashSize)
	k[0] = prefix
	copy(k[1:], h[:])
	return k
}

// UtxoKey returns the key of output index of txid: 'u' || txid || index (BE).
func UtxoKey(txid *chainhash.Hash, index uint32) []byte {
	k := make([]byte, 1+chainhash.HashSize+4)
	k[0] = prefixUtxo
	copy(k[1:], txid[:])
	binary.BigEndian.PutUint32(k[1+chainhash.HashSize:], index)
	return k
}

// get reads one key, mapping leveldb's not-found to ErrNotFound.
func (s *Store) get(key []byte, what string) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, storeError(ErrClosed, "store is closed")
	}
	v, err := s.db.Get(key, nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return nil, storeError(ErrNotFound, what+" not found")
	}
	if err != nil {
		return nil, storeError(ErrBackend, fmt.Sprintf("read %s: %v", what, err))
	}
	return v, nil
}

// has reports whether key exists.
func (s *Store) has(key []byte) (bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return false, storeError(ErrClosed, "store is closed")
	}
	ok, err := s.db.Has(key, nil)
	if err != nil {
		return false, storeError(ErrBackend, fmt.Sprintf("has: %v", err))
	}
	return ok, nil
}

// FetchTip returns the stored chain tip, or ErrNotFound on a fresh database.
func (s *Store) FetchTip() (Tip, error) {
	v, err := s.get([]byte{prefixTip}, "tip")
	if err != nil {
		return Tip{}, err
	}
	return DecodeTip(v)
}

// FetchBlock returns the serialized block with the given hash.
func (s *Store) FetchBlock(hash *chainhash.Hash) ([]byte, error) {
	return s.get(hashKey(prefixBlock, hash), "block "+hash.String())
}

// HasBlock reports whether the block's bytes are stored.
func (s *Store) HasBlock(hash *chainhash.Hash) (bool, error) {
	return s.has(hashKey(prefixBlock, hash))
}

// FetchUndo returns the undo data of the block with the given hash.
func (s *Store) FetchUndo(hash *chainhash.Hash) ([]byte, error) {
	return s.get(hashKey(prefixUndo, hash), "undo data of "+hash.String())
}

// FetchBlockIndex returns the index record of the block with the given hash.
func (s *Store) FetchBlockIndex(hash *chainhash.Hash) ([]byte, error) {
	return s.get(hashKey(prefixIndex, hash), "index record of "+hash.String())
}

// FetchUtxo returns the stored unspent output index of txid.
func (s *Store) FetchUtxo(txid *chainhash.Hash, index uint32) ([]byte, error) {
	return s.get(UtxoKey(txid, index), "utxo")
}

// iterate calls fn for every key with the given one-byte prefix, in key
// order, from one consistent snapshot. The slices passed to fn are only
// valid during the call.
func (s *Store) iterate(prefix byte, fn func(key, value []byte) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return storeError(ErrClosed, "store is closed")
	}
	snap, err := s.db.GetSnapshot()
	if err != nil {
		return storeError(ErrBackend, fmt.Sprintf("snapshot: %v", err))
	}
	defer snap.Release()
	it := snap.NewIterator(util.BytesPrefix([]byte{prefix}), nil)
	defer it.Release()
	for it.Next() {
		if err := fn(it.Key(), it.Value()); err != nil {
			return err
		}
	}
	if err := it.Error(); err != nil {
		return storeError(ErrBackend, fmt.Sprintf("iterate: %v", err))
	}
	return nil
}

// ForEachBlockIndex calls fn for every block index record. The record slice
// is only valid during the call. An error from fn stops the walk and is
// returned.
func (s *Store) ForEachBlockIndex(fn func(hash chainhash.Hash, record []byte) error) error {
	return s.iterate(prefixIndex, func(k, v []byte) error {
		if len(k) != 1+chainhash.HashSize {
			return storeError(ErrCorrupt, fmt.Sprintf("index key of %d bytes", len(k)))
		}
		var h chainhash.Hash
		copy(h[:], k[1:])
		return fn(h, v)
	})
}

// ForEachUtxo calls fn for every unspent output in (txid, index) order, from
// one snapshot, together with the tip that snapshot corresponds to (the zero
// Tip on a fresh database). The value slice is only valid during the call.
func (s *Store) ForEachUtxo(fn func(tip Tip, txid chainhash.Hash, index uint32, value []byte) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return storeError(ErrClosed, "store is closed")
	}
	snap, err := s.db.GetSnapshot()
	if err != nil {
		return storeError(ErrBackend, fmt.Sprintf("snapshot: %v", err))
	}
	defer snap.Release()
	var tip Tip
	tv, err := snap.Get([]byte{prefixTip}, nil)
	switch {
	case err == nil:
		if tip, err = DecodeTip(tv); err != nil {
			return err
		}
	case !errors.Is(err, leveldb.ErrNotFound):
		return storeError(ErrBackend, fmt.Sprintf("read tip: %v", err))
	}
	it := snap.NewIterator(util.BytesPrefix([]byte{prefixUtxo}), nil)
	defer it.Release()
	for it.Next() {
		k := it.Key()
		if len(k) != 1+chainhash.HashSize+4 {
			return storeError(ErrCorrupt, fmt.Sprintf("utxo key of %d bytes", len(k)))
		}
		var h chainhash.Hash
		copy(h[:], k[1:])
		idx := binary.BigEndian.Uint32(k[1+chainhash.HashSize:])
		if err := fn(tip, h, idx, it.Value()); err != nil {
			return err
		}
	}
	if err := it.Error(); err != nil {
		return storeError(ErrBackend, fmt.Sprintf("iterate: %v", err))
	}
	return nil
}

// Batch collects writes that Write applies atomically. The zero value is not
// usable; get one from NewBatch. A Batch is not safe for concurrent use.
type Batch struct {
	b leveldb.Batch
}

// NewBatch returns an empty batch.
func (s *Store) NewBatch() *Batch { return &Batch{} }

// Len returns the number of operations in the batch.
func (b *Batch) Len() int { return b.b.Len() }

// Reset empties the batch for reuse.
func (b *Batch) Reset() { b.b.Reset() }

// PutTip records the chain tip.
func (b *Batch) PutTip(t Tip) { b.b.Put([]byte{prefixTip}, encodeTip(t)) }

// PutBlock stores a serialized block.
func (b *Batch) PutBlock(hash *chainhash.Hash, data []byte) {
	b.b.Put(hashKey(prefixBlock, hash), data)
}

// DeleteBlock removes a stored block.
func (b *Batch) DeleteBlock(hash *chainhash.Hash) { b.b.Delete(hashKey(prefixBlock, hash)) }

// PutBlockIndex stores a block index record.
func (b *Batch) PutBlockIndex(hash *chainhash.Hash, record []byte) {
	b.b.Put(hashKey(prefixIndex, hash), record)
}

// PutUndo stores a block's undo data.
func (b *Batch) PutUndo(hash *chainhash.Hash, data []byte) {
	b.b.Put(hashKey(prefixUndo, hash), data)
}

// DeleteUndo removes a block's undo data.
func (b *Batch) DeleteUndo(hash *chainhash.Hash) { b.b.Delete(hashKey(prefixUndo, hash)) }

// PutUtxo stores unspent output index of txid.
func (b *Batch) PutUtxo(txid *chainhash.Hash, index uint32, value []byte) {
	b.b.Put(UtxoKey(txid, index), value)
}

// DeleteUtxo removes unspent output index of txid.
func (b *Batch) DeleteUtxo(txid *chainhash.Hash, index uint32) {
	b.b.Delete(UtxoKey(txid, index))
}

// Write applies the batch atomically: after a crash the database holds all
// of it or none of it.
func (s *Store) Write(b *Batch) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return storeError(ErrClosed, "store is closed")
	}
	if err := s.db.Write(&b.b, &opt.WriteOptions{Sync: s.sync}); err != nil {
		return storeError(ErrBackend, fmt.Sprintf("write batch: %v", err))
	}
	return nil
}

// SizeOnDisk returns the total size of the database's files
// (getblockchaininfo's size_on_disk).
func (s *Store) SizeOnDisk() (int64, error) {
	var total int64
	err := filepath.WalkDir(s.path, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			total += info.Size()
		}
		return nil
	})
	if err != nil {
		return 0, storeError(ErrBackend, fmt.Sprintf("size of %s: %v", s.path, err))
	}
	return total, nil
}
