package blockfilter

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"slices"

	"github.com/tern-org/ternd/internal/siphash"
	"github.com/tern-org/ternd/wire"
)

// KeySize is the size of a filter's SipHash key.
const KeySize = 16

// MaxItems bounds N, the number of items of a filter: BIP158 serializes
// it as a CompactSize but requires it to fit 32 bits, so N*M cannot
// overflow 64 bits for any M below 2^32.
const MaxItems = math.MaxUint32

// Key is the 128-bit SipHash key of a filter; for block filters it is the
// first 16 bytes of the block hash in its internal byte order.
type Key [KeySize]byte

// halves returns the key as SipHash's two little-endian words.
func (k *Key) halves() (uint64, uint64) {
	return binary.LittleEndian.Uint64(k[:8]), binary.LittleEndian.Uint64(k[8:])
}

// Filter is an immutable Golomb-coded set: N items hashed into [0, N*M),
// stored as Golomb-Rice coded differences with parameter P. A Filter is
// safe for concurrent use.
type Filter struct {
	p uint8
	m uint64
	n uint32
	// raw is the serialized filter: CompactSize(N) then the bit stream,
	// which starts at raw[streamOff].
	raw       []byte
	streamOff int
}

// hashItem maps an item into [0, f) by SipHash and the multiply-shift
// "fast range" reduction BIP158 specifies.
func hashItem(k0, k1, f uint64, item []byte) uint64 {
	hi, _ := bits.Mul64(siphash.Hash(k0, k1, item), f)
	return hi
}

// New builds the filter of items with parameters p and m under key.
// Duplicate items are counted once, as the set they form. It fails with
// ErrTooManyItems past MaxItems distinct items.
func New(p uint8, m uint64, key Key, items [][]byte) (*Filter, error) {
	sorted := slices.Clone(items)
	slices.SortFunc(sorted, bytes.Compare)
	sorted = slices.CompactFunc(sorted, bytes.Equal)
	if uint64(len(sorted)) > MaxItems {
		return nil, filterError(ErrTooManyItems, fmt.Sprintf("%d filter items, max %d",
			len(sorted), uint64(MaxItems)))
	}
	n := uint64(len(sorted))
	k0, k1 := key.halves()
	values := make([]uint64, len(sorted))
	for i, it := range sorted {
		values[i] = hashItem(k0, k1, n*m, it)
	}
	slices.Sort(values)
	return fromValues(p, m, values), nil
}

// fromValues encodes sorted hashed values as a filter.
func fromValues(p uint8, m uint64, values []uint64) *Filter {
	raw := wire.AppendVarInt(make([]byte, 0, 9+len(values)*(int(p)+2)/8+1), uint64(len(values)))
	off := len(raw)
	w := bitWriter{out: raw}
	var last uint64
	for _, v := range values {
		delta := v - last
		last = v
		q := delta >> p
		for ; q >= 32; q -= 32 {
			w.write(math.MaxUint32, 32)
		}
		// q ones then a zero, in one write of q+1 bits.
		w.write((uint64(1)<<(q+1))-2, uint(q)+1)
		w.write(delta&(uint64(1)<<p-1), uint(p))
	}
	return &Filter{p: p, m: m, n: uint32(len(values)), raw: w.flush(), streamOff: off}
}

// FromBytes decodes a serialized filter with parameters p and m. It walks
// the whole stream, so a filter it returns holds exactly N values and no
// bytes beyond them (Bitcoin Core's check); otherwise it fails with
// ErrMalformed. The filter keeps raw, which must not change.
func FromBytes(p uint8, m uint64, raw []byte) (*Filter, error) {
	n, size, err := readVarInt(raw)
	if err != nil {
		return nil, err
	}
	if n > MaxItems {
		return nil, filterError(ErrMalformed, fmt.Sprintf("filter claims %d items, max %d",
			n, uint64(MaxItems)))
	}
	f := &Filter{p: p, m: m, n: uint32(n), raw: raw, streamOff: size}
	r := f.reader()
	var v uint64
	for i := uint64(0); i < n; i++ {
		if v, err = r.next(v); err != nil {
			return nil, err
		}
	}
	if r.pos+7 < 8*len(r.b) {
		return nil, filterError(ErrMalformed, fmt.Sprintf("%d bytes after the filter's %d items",
			len(r.b)-(r.pos+7)/8, n))
	}
	return f, nil
}

// readVarInt decodes a canonical CompactSize from the start of b.
func readVarInt(b []byte) (uint64, int, error) {
	v, err := wire.ReadVarInt(bytes.NewReader(b), 0)
	if err != nil {
		return 0, 0, filterError(ErrMalformed, fmt.Sprintf("filter item count: %v", err))
	}
	return v, wire.VarIntSerializeSize(v), nil
}

// N returns the number of items.
func (f *Filter) N() uint32 { return f.n }

// P returns the Golomb-Rice parameter.
func (f *Filter) P() uint8 { return f.p }

// M returns the inverse false-positive rate.
func (f *Filter) M() uint64 { return f.m }

// Bytes returns the serialized filter, shared with f: it must not be
// modified.
func (f *Filter) Bytes() []byte { return f.raw }

// reader returns a bit reader over the filter's stream.
func (f *Filter) reader() bitReader {
	return bitReader{b: f.raw[f.streamOff:], p: f.p, limit: uint64(f.n) * f.m}
}

// Match reports whether item may be in the set under key.
func (f *Filter) Match(key Key, item []byte) (bool, error) {
	if f.n == 0 {
		return false, nil
	}
	k0, k1 := key.halves()
	target := hashItem(k0, k1, uint64(f.n)*f.m, item)
	r := f.reader()
	var v uint64
	var err error
	for i := uint32(0); i < f.n; i++ {
		if v, err = r.next(v); err != nil {
			return false, err
		}
		if v >= target {
			return v == target, nil
		}
	}
	return false, nil
}

// MatchAny reports whether any of items may be in the set under key. It
// walks the stream once, merging it with the sorted hashes of the items.
func (f *Filter) MatchAny(key Key, items [][]byte) (bool, error) {
	if f.n == 0 || len(items) == 0 {
		return false, nil
	}
	k0, k1 := key.halves()
	nm := uint64(f.n) * f.m
	queries := make([]uint64, len(items))
	for i, it := range items {
		queries[i] = hashItem(k0, k1, nm, it)
	}
	slices.Sort(queries)
	r := f.reader()
	var v uint64
	var err error
	qi := 0
	for i := uint32(0); i < f.n; i++ {
		if v, err = r.next(v); err != nil {
			return false, err
		}
		for qi < len(queries) && queries[qi] < v {
			qi++
		}
		if qi == len(queries) {
			return false, nil
		}
		if queries[qi] == v {
			return true, nil
		}
	}
	return false, nil
}

// bitWriter appends bits, most significant first, to out.
type bitWriter struct {
	out  []byte
	acc  uint64 // pending bits in the low nacc bits
	nacc uint
}

// write appends the low n bits of v (n <= 32).
func (w *bitWriter) write(v uint64, n uint) {
	w.acc = w.acc<<n | v&(uint64(1)<<n-1)
	w.nacc += n
	for w.nacc >= 8 {
		w.nacc -= 8
		w.out = append(w.out, byte(w.acc>>w.nacc))
	}
}

// flush pads the last byte with zero bits and returns the output.
func (w *bitWriter) flush() []byte {
	if w.nacc > 0 {
		w.out = append(w.out, byte(w.acc<<(8-w.nacc)))
		w.nacc = 0
	}
	return w.out
}

// bitReader decodes a Golomb-Rice stream.
type bitReader struct {
	b     []byte
	pos   int // bit position
	p     uint8
	limit uint64 // values must stay below N*M
}

// errShort is the error of a stream that ends before its N values.
var errShort = filterError(ErrMalformed, "filter stream ends before its last item")

// next decodes one difference and returns prev plus it.
func (r *bitReader) next(prev uint64) (uint64, error) {
	var q uint64
	for {
		byteIdx := r.pos >> 3
		if byteIdx >= len(r.b) {
			return 0, errShort
		}
		// Count the ones left in the current byte from the bit position.
		shift := uint(r.pos & 7)
		word := r.b[byteIdx] << shift
		ones := uint(bits.LeadingZeros8(^word))
		avail := 8 - shift
		if ones < avail {
			q += uint64(ones)
			r.pos += int(ones) + 1
			break
		}
		q += uint64(avail)
		r.pos += int(avail)
	}
	if r.pos+int(r.p) > 8*len(r.b) {
		return 0, errShort
	}
	var rem uint64
	for i := 0; i < int(r.p); {
		shift := uint(r.pos & 7)
		take := min(8-int(shift), int(r.p)-i)
		chunk := uint64(r.b[r.pos>>3]<<shift) >> (8 - uint(take))
		rem = rem<<uint(take) | chunk
		r.pos += take
		i += take
	}
	if q > (r.limit>>r.p)+1 {
		return 0, filterError(ErrMalformed, "filter value out of range")
	}
	v := prev + (q<<r.p | rem)
	if v < prev || v >= r.limit {
		return 0, filterError(ErrMalformed, "filter value out of range")
	}
	return v, nil
}
