package indexers

import (
	"errors"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// FuzzDecodeRecords feeds arbitrary bytes to the stored records' decoders:
// they must not panic, must fail only with ErrCorrupt, and what they accept
// must encode back to the same bytes.
func FuzzDecodeRecords(f *testing.F) {
	var v [entrySize]byte
	f.Add(encodeEntry(&v, 7, 81, 200))
	f.Add(encodeBest(BlockPos{Hash: chainhash.Hash{1, 2, 3}, Height: 99}))
	f.Add([]byte{})
	f.Add(make([]byte, entrySize))
	f.Fuzz(func(t *testing.T, b []byte) {
		if l, err := decodeEntry(b); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("entry: %v", err)
			}
		} else if got := encodeEntry(&v, l.Height, l.Offset, l.Len); string(got) != string(b) {
			t.Fatalf("entry %x re-encodes as %x", b, got)
		}
		if p, err := decodeBest(b); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("best: %v", err)
			}
		} else if got := encodeBest(p); string(got) != string(b) {
			t.Fatalf("best %x re-encodes as %x", b, got)
		}
	})
}
