package blockfilter

import (
	"bytes"
	"testing"
)

// FuzzFromBytes checks that any input either fails to decode or decodes
// to a filter that re-encodes to the same bytes (up to the padding bits of
// the last byte) and that matches without error.
func FuzzFromBytes(f *testing.F) {
	for _, v := range loadVectors(f) {
		f.Add(v.filter, v.hash[:16])
	}
	f.Add([]byte{0}, make([]byte, 16))
	f.Fuzz(func(t *testing.T, raw, keyBytes []byte) {
		flt, err := FromBytes(BasicP, BasicM, raw)
		if err != nil {
			return
		}
		var values []uint64
		r := flt.reader()
		var v uint64
		for i := uint32(0); i < flt.N(); i++ {
			if v, err = r.next(v); err != nil {
				t.Fatalf("decoded filter fails on walk: %v", err)
			}
			values = append(values, v)
		}
		again := fromValues(BasicP, BasicM, values).Bytes()
		if len(again) != len(raw) {
			t.Fatalf("re-encoded %d bytes, input %d", len(again), len(raw))
		}
		if len(raw) > 0 {
			// Padding bits may differ; the value bits may not.
			used := r.pos & 7
			mask := byte(0xff)
			if used != 0 {
				mask = byte(0xff << (8 - used))
			}
			last := len(raw) - 1
			if !bytes.Equal(again[:last], raw[:last]) || again[last]&mask != raw[last]&mask {
				t.Fatalf("re-encoding differs\n got %x\nwant %x", again, raw)
			}
		}
		var key Key
		copy(key[:], keyBytes)
		if _, err := flt.Match(key, keyBytes); err != nil {
			t.Fatal(err)
		}
		if _, err := flt.MatchAny(key, [][]byte{keyBytes, raw}); err != nil {
			t.Fatal(err)
		}
	})
}
