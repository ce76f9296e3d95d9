package wire

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// MaxVarIntPayload is the maximum payload size of a CompactSize integer.
const MaxVarIntPayload = 9

// streamChunk bounds how far a stream decoder grows its buffer ahead of the
// bytes that actually arrived, so that a claimed length cannot force a large
// allocation.
const streamChunk = 1 << 16

// streamRemaining is the number of bytes a stream decoder assumes may still
// follow when it bounds counts; no single message can exceed it.
const streamRemaining = MaxMessagePayload

// decoder reads Bitcoin primitives either from a byte slice (slice mode) or
// from an io.Reader (stream mode). In stream mode every byte read is kept in
// b, so the exact encoding of what was decoded is recorded and earlier
// sub-slices of b stay valid (b only grows by appending or by copying into a
// new array). When the reader is also an io.Seeker (bytes.Reader, os.File)
// the decoder reads ahead in chunks and release seeks back over what it did
// not use, which saves a read call per field. Errors are sticky: after the
// first error every read returns zero values and err keeps the first error,
// so decoding code checks err only where it matters (before allocating and
// at the end).
//
// A decoder is not safe for concurrent use.
type decoder struct {
	b      []byte
	off    int
	r      io.Reader
	seeker io.Seeker
	err    error
	alias  bool // decoded values may keep sub-slices of b

	// compact allows a stream decoder to reuse its buffer: set only
	// when no decoded value keeps a slice of b across reads.
	compact bool

	// buf is the *bytes.Buffer decoded in place, if any.
	buf *bytes.Buffer

	// base counts the bytes dropped from the front of b by compaction and
	// skipping, so base+off is the number of bytes consumed.
	base int
}

// newSliceDecoder returns a decoder over b. When alias is true decoded
// messages may keep sub-slices of b instead of copying, so b must not be
// modified afterwards.
func newSliceDecoder(b []byte, alias bool) *decoder {
	return &decoder{b: b, alias: alias}
}

// newStreamDecoder returns a decoder that reads from r, reading ahead when r
// can seek back. The caller must call release when done.
func newStreamDecoder(r io.Reader, sizeHint int) *decoder {
	d := &decoder{r: r}
	if s, ok := r.(io.Seeker); ok {
		d.seeker = s
		d.b = make([]byte, 0, sizeHint)
	}
	return d
}

// release returns the bytes read ahead but not used to a seekable reader.
func (d *decoder) release() {
	if d.seeker != nil && d.off < len(d.b) {
		if _, err := d.seeker.Seek(int64(d.off-len(d.b)), io.SeekCurrent); err != nil {
			d.fail(err)
		}
		d.b = d.b[:d.off]
	}
}

// fail records err as the decoder's error unless one is already recorded.
func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// remaining returns how many bytes may still be read. In stream mode it
// returns the largest possible message payload, which is still a safe bound
// for counts because nothing is allocated in proportion to it.
func (d *decoder) remaining() int {
	if d.r != nil {
		return streamRemaining
	}
	return len(d.b) - d.off
}

// next returns the next n bytes. The result aliases the decoder's buffer.
func (d *decoder) next(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n >= 0 && n <= len(d.b)-d.off {
		s := d.b[d.off : d.off+n : d.off+n]
		d.off += n
		return s
	}
	if d.r == nil || n < 0 {
		d.err = io.ErrUnexpectedEOF
		d.off = len(d.b)
		return nil
	}
	// Stream mode: fetch what is missing, in bounded chunks so that a
	// claimed length is only backed by memory as bytes actually arrive.
	hadAny := len(d.b) > 0
	if d.compact && d.off > 0 {
		d.base += d.off
		d.b = d.b[:copy(d.b, d.b[d.off:])]
		d.off = 0
	}
	for len(d.b)-d.off < n {
		need := n - (len(d.b) - d.off)
		chunk := min(need, streamChunk)
		if cap(d.b)-len(d.b) < chunk {
			d.b = slices.Grow(d.b, max(chunk, cap(d.b)))
		}
		var m int
		var err error
		if d.seeker != nil {
			m, err = io.ReadAtLeast(d.r, d.b[len(d.b):cap(d.b)], chunk)
		} else {
			m, err = io.ReadFull(d.r, d.b[len(d.b):len(d.b)+chunk])
		}
		d.b = d.b[:len(d.b)+m]
		if err != nil {
			if err == io.EOF && (hadAny || len(d.b) > 0) {
				err = io.ErrUnexpectedEOF
			}
			d.err = err
			d.off = len(d.b)
			return nil
		}
	}
	s := d.b[d.off : d.off+n : d.off+n]
	d.off += n
	return s
}

// skip discards n bytes. A compacting stream decoder discards them without
// buffering, so skipping a large field costs no memory.
func (d *decoder) skip(n int) {
	if d.err == nil && n >= 0 && n <= len(d.b)-d.off {
		d.off += n
		return
	}
	if d.compact && d.r != nil && d.err == nil && n > streamChunk {
		rest := int64(n - (len(d.b) - d.off))
		d.base += len(d.b)
		d.b, d.off = d.b[:0], 0
		m, err := io.CopyN(io.Discard, d.r, rest)
		d.base += int(m)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			d.err = err
		}
		return
	}
	d.next(n)
}

// skipVarBytes skips a variable length field of at most max bytes and
// returns its length.
func (d *decoder) skipVarBytes(max uint32, field string) int {
	n := d.varInt()
	if d.err != nil {
		return 0
	}
	if n > uint64(max) {
		d.fail(errorf(ErrFieldTooLong, "%s is larger than the max allowed size "+
			"[count %d, max %d]", field, n, max))
		return 0
	}
	if d.r == nil && n > uint64(len(d.b)-d.off) {
		d.fail(io.ErrUnexpectedEOF)
		return 0
	}
	d.skip(int(n))
	if d.err != nil {
		return 0
	}
	return int(n)
}

// u8 reads one byte.
func (d *decoder) u8() uint8 {
	if d.off < len(d.b) && d.err == nil {
		v := d.b[d.off]
		d.off++
		return v
	}
	b := d.next(1)
	if b == nil {
		return 0
	}
	return b[0]
}

// u16 reads a little-endian uint16.
func (d *decoder) u16() uint16 {
	b := d.next(2)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint16(b)
}

// u16BE reads a big-endian uint16 (ports are big-endian on the wire).
func (d *decoder) u16BE() uint16 {
	b := d.next(2)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint16(b)
}

// u32 reads a little-endian uint32.
func (d *decoder) u32() uint32 {
	if d.off+4 <= len(d.b) && d.err == nil {
		v := binary.LittleEndian.Uint32(d.b[d.off:])
		d.off += 4
		return v
	}
	b := d.next(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

// u64 reads a little-endian uint64.
func (d *decoder) u64() uint64 {
	if d.off+8 <= len(d.b) && d.err == nil {
		v := binary.LittleEndian.Uint64(d.b[d.off:])
		d.off += 8
		return v
	}
	b := d.next(8)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

// hash reads a 32-byte hash into h.
func (d *decoder) hash(h *chainhash.Hash) {
	if d.off+chainhash.HashSize <= len(d.b) && d.err == nil {
		copy(h[:], d.b[d.off:])
		d.off += chainhash.HashSize
		return
	}
	b := d.next(chainhash.HashSize)
	if b == nil {
		*h = chainhash.Hash{}
		return
	}
	copy(h[:], b)
}

// varInt reads a canonical CompactSize integer.
func (d *decoder) varInt() uint64 {
	if d.off < len(d.b) && d.b[d.off] < 0xfd && d.err == nil {
		v := d.b[d.off]
		d.off++
		return uint64(v)
	}
	disc := d.u8()
	if d.err != nil {
		return 0
	}
	var v, min uint64
	switch disc {
	case 0xff:
		v, min = d.u64(), 0x100000000
	case 0xfe:
		v, min = uint64(d.u32()), 0x10000
	case 0xfd:
		v, min = uint64(d.u16()), 0xfd
	default:
		return uint64(disc)
	}
	if d.err != nil {
		return 0
	}
	if v < min {
		d.fail(errorf(ErrNonCanonicalVarInt, "non-canonical varint %x - discriminant %x "+
			"must encode a value greater than or equal to %x", v, disc, min))
		return 0
	}
	return v
}

// count reads a CompactSize count and checks it against max and against the
// number of items of at least minSize bytes that the remaining input can
// hold. Zero is returned on any failure, so a loop over the count is empty.
func (d *decoder) count(max uint64, minSize int, what string) int {
	return d.checkedCount(max, minSize, what, false)
}

// limitedCount is count for a count whose maximum is a protocol rule of the
// message (see ErrProtocolLimit): a count above max fails with an error that
// matches both ErrProtocolLimit and ErrTooManyItems.
func (d *decoder) limitedCount(max uint64, minSize int, what string) int {
	return d.checkedCount(max, minSize, what, true)
}

// checkedCount implements count and limitedCount.
func (d *decoder) checkedCount(max uint64, minSize int, what string, protocolLimit bool) int {
	n := d.varInt()
	if d.err != nil {
		return 0
	}
	if n > max {
		var kind error = ErrTooManyItems
		if protocolLimit {
			kind = errors.Join(ErrProtocolLimit, ErrTooManyItems)
		}
		d.fail(Error{Err: kind, Description: fmt.Sprintf("too many %s: %d, max %d", what, n, max)})
		return 0
	}
	if minSize > 0 && n > uint64(d.remaining()/minSize) {
		d.fail(errorf(ErrTooManyItems, "%d %s cannot fit in the %d remaining bytes",
			n, what, d.remaining()))
		return 0
	}
	return int(n)
}

// varBytesRef reads a CompactSize length and that many bytes, returning a
// slice that aliases the decoder's buffer.
func (d *decoder) varBytesRef(max uint32, field string) []byte {
	n := d.varInt()
	if d.err != nil {
		return nil
	}
	if n > uint64(max) {
		d.fail(errorf(ErrFieldTooLong, "%s is larger than the max allowed size "+
			"[count %d, max %d]", field, n, max))
		return nil
	}
	if d.r == nil && n > uint64(len(d.b)-d.off) {
		d.fail(io.ErrUnexpectedEOF)
		return nil
	}
	return d.next(int(n))
}

// varBytes reads a variable length byte slice, copying it unless the
// decoder aliases its buffer. A zero length yields an empty, non-nil slice
// only when aliasing; callers compare lengths, not nil-ness.
func (d *decoder) varBytes(max uint32, field string) []byte {
	b := d.varBytesRef(max, field)
	if b == nil || d.alias {
		return b
	}
	return slices.Clone(b)
}

// varString reads a variable length string of at most max bytes.
func (d *decoder) varString(max uint32, field string) string {
	return string(d.varBytesRef(max, field))
}

// appendU32 appends a little-endian uint32.
func appendU32(dst []byte, v uint32) []byte {
	return binary.LittleEndian.AppendUint32(dst, v)
}

// appendU64 appends a little-endian uint64.
func appendU64(dst []byte, v uint64) []byte {
	return binary.LittleEndian.AppendUint64(dst, v)
}

// AppendVarInt appends the canonical CompactSize encoding of v to dst.
func AppendVarInt(dst []byte, v uint64) []byte {
	switch {
	case v < 0xfd:
		return append(dst, byte(v))
	case v <= math.MaxUint16:
		return binary.LittleEndian.AppendUint16(append(dst, 0xfd), uint16(v))
	case v <= math.MaxUint32:
		return binary.LittleEndian.AppendUint32(append(dst, 0xfe), uint32(v))
	default:
		return binary.LittleEndian.AppendUint64(append(dst, 0xff), v)
	}
}

// AppendVarBytes appends b preceded by its CompactSize length.
func AppendVarBytes(dst, b []byte) []byte {
	return append(AppendVarInt(dst, uint64(len(b))), b...)
}

// AppendVarString appends s preceded by its CompactSize length.
func AppendVarString(dst []byte, s string) []byte {
	return append(AppendVarInt(dst, uint64(len(s))), s...)
}

// VarIntSerializeSize returns the number of bytes the CompactSize encoding of
// val takes.
func VarIntSerializeSize(val uint64) int {
	switch {
	case val < 0xfd:
		return 1
	case val <= math.MaxUint16:
		return 3
	case val <= math.MaxUint32:
		return 5
	default:
		return 9
	}
}

// ReadVarInt reads a canonical CompactSize integer from r. A non-canonical
// encoding fails with ErrNonCanonicalVarInt. pver is unused and kept for
// btcd compatibility.
func ReadVarInt(r io.Reader, pver uint32) (uint64, error) {
	d := decoder{r: r}
	v := d.varInt()
	return v, d.err
}

// WriteVarInt writes val to w as a CompactSize integer.
func WriteVarInt(w io.Writer, pver uint32, val uint64) error {
	var buf [MaxVarIntPayload]byte
	_, err := w.Write(AppendVarInt(buf[:0], val))
	return err
}

// ReadVarBytes reads a CompactSize length and that many bytes from r. A
// length above maxAllowed fails with ErrFieldTooLong before anything is
// allocated; fieldName names the field in the error.
func ReadVarBytes(r io.Reader, pver uint32, maxAllowed uint32, fieldName string) ([]byte, error) {
	d := decoder{r: r}
	b := d.varBytesRef(maxAllowed, fieldName)
	if d.err != nil {
		return nil, d.err
	}
	return b, nil
}

// WriteVarBytes writes b preceded by its CompactSize length.
func WriteVarBytes(w io.Writer, pver uint32, b []byte) error {
	_, err := w.Write(AppendVarBytes(make([]byte, 0, len(b)+MaxVarIntPayload), b))
	return err
}

// ReadVarString reads a string preceded by its CompactSize length, bounded
// only by MaxMessagePayload as in btcd. Prefer ReadVarStringMax with the
// field's real bound.
func ReadVarString(r io.Reader, pver uint32) (string, error) {
	return ReadVarStringMax(r, pver, MaxMessagePayload)
}

// ReadVarStringMax reads a string of at most maxAllowed bytes preceded by its
// CompactSize length. A longer claim fails with ErrFieldTooLong before
// anything is allocated.
func ReadVarStringMax(r io.Reader, pver uint32, maxAllowed uint32) (string, error) {
	d := decoder{r: r}
	s := d.varString(maxAllowed, "variable length string")
	return s, d.err
}

// WriteVarString writes s preceded by its CompactSize length.
func WriteVarString(w io.Writer, pver uint32, s string) error {
	_, err := w.Write(AppendVarString(make([]byte, 0, len(s)+MaxVarIntPayload), s))
	return err
}

// writeAll writes b to w in a single call, which matters for sockets and for
// the byte counters of callers.
func writeAll(w io.Writer, b []byte) error {
	_, err := w.Write(b)
	return err
}

// writeAppended writes the size bytes that appendFn appends to w in one
// call. A *bytes.Buffer is appended to in place, without a temporary.
func writeAppended(w io.Writer, size int, appendFn func([]byte) []byte) error {
	if bb, ok := w.(*bytes.Buffer); ok {
		bb.Grow(size)
		_, err := bb.Write(appendFn(bb.AvailableBuffer()))
		return err
	}
	return writeAll(w, appendFn(make([]byte, 0, size)))
}

// RandomUint64 returns a cryptographically random uint64, as used for ping
// and version nonces.
func RandomUint64() (uint64, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b[:]), nil
}
