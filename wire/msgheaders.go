package wire

import (
	"bytes"
	"io"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// These constants bound header and locator messages.
const (
	// MaxBlockHeadersPerMsg is the most headers a headers message may hold
	// (Core's MAX_HEADERS_RESULTS).
	MaxBlockHeadersPerMsg = 2000

	// MaxBlockLocatorsPerMsg is the most locator hashes a getheaders or
	// getblocks message may hold (Core's MAX_LOCATOR_SZ).
	MaxBlockLocatorsPerMsg = 101
)

// MsgHeaders carries block headers, each followed on the wire by a
// transaction count that is always zero.
type MsgHeaders struct {
	Headers []*BlockHeader
}

// NewMsgHeaders returns an empty headers message.
func NewMsgHeaders() *MsgHeaders { return &MsgHeaders{} }

// AddBlockHeader appends a header; it fails past MaxBlockHeadersPerMsg.
func (msg *MsgHeaders) AddBlockHeader(bh *BlockHeader) error {
	if len(msg.Headers)+1 > MaxBlockHeadersPerMsg {
		return errorf(ErrTooManyItems, "too many block headers in message [max %v]",
			MaxBlockHeadersPerMsg)
	}
	msg.Headers = append(msg.Headers, bh)
	return nil
}

// Command returns "headers".
func (msg *MsgHeaders) Command() string { return CmdHeaders }

// MaxPayloadLength returns the largest payload of the message.
func (msg *MsgHeaders) MaxPayloadLength(pver uint32) uint32 {
	return MaxVarIntPayload + (MaxBlockHeaderPayload+1)*MaxBlockHeadersPerMsg
}

func (msg *MsgHeaders) decode(d *decoder, pver uint32, enc MessageEncoding) {
	n := d.limitedCount(MaxBlockHeadersPerMsg, MaxBlockHeaderPayload+1, "block headers")
	if d.err != nil {
		return
	}
	var hdrs []BlockHeader
	if n > MaxBlockHeadersPerMsg/2 {
		// A full message (the common case during sync) takes one
		// allocation for the headers and their pointers.
		arena := new(headersArena)
		hdrs, msg.Headers = arena.hdrs[:n:n], arena.ptrs[:n:n]
	} else {
		hdrs = make([]BlockHeader, n)
		msg.Headers = make([]*BlockHeader, n)
	}
	for i := range hdrs {
		h := &hdrs[i]
		if d.off+MaxBlockHeaderPayload+1 <= len(d.b) {
			// Fast path: the header and a one-byte count are all there.
			b := d.b[d.off : d.off+MaxBlockHeaderPayload+1]
			h.Version = int32(le32(b[0:]))
			copy(h.PrevBlock[:], b[4:36])
			copy(h.MerkleRoot[:], b[36:68])
			h.Timestamp = time.Unix(int64(le32(b[68:])), 0)
			h.Bits = le32(b[72:])
			h.Nonce = le32(b[76:])
			if b[80] < 0xfd {
				d.off += MaxBlockHeaderPayload + 1
				msg.Headers[i] = h
				continue
			}
			d.off += MaxBlockHeaderPayload
		} else {
			h.decode(d)
		}
		// Bitcoin Core reads and ignores the transaction count.
		d.varInt()
		msg.Headers[i] = h
	}
}

// headersArena holds the headers of a large headers message and the
// pointers to them in one allocation.
type headersArena struct {
	hdrs [MaxBlockHeadersPerMsg]BlockHeader
	ptrs [MaxBlockHeadersPerMsg]*BlockHeader
	raw  [MaxBlockHeaderPayload]byte
}

// le32 reads a little-endian uint32 from the start of b.
func le32(b []byte) uint32 {
	_ = b[3]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func (msg *MsgHeaders) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	if len(msg.Headers) > MaxBlockHeadersPerMsg {
		return nil, errorf(ErrTooManyItems, "too many block headers in message [%v]", len(msg.Headers))
	}
	dst = AppendVarInt(dst, uint64(len(msg.Headers)))
	for _, h := range msg.Headers {
		dst = append(h.AppendBytes(dst), 0)
	}
	return dst, nil
}

// BtcDecode reads the payload from r.
func (msg *MsgHeaders) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	if _, isBuf := r.(*bytes.Buffer); !isBuf {
		if br, ok := r.(io.ByteReader); ok {
			return msg.decodeByteReader(r, br)
		}
	}
	var d decoder
	beginDecode(&d, r, true)
	msg.decode(&d, pver, enc)
	return endDecode(&d)
}

// BtcEncode writes the payload to w.
func (msg *MsgHeaders) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return encodeTo(msg, w, pver, enc)
}

// locatorMsg is the shared body of getheaders and getblocks.
type locatorMsg struct {
	ProtocolVersion    uint32
	BlockLocatorHashes []*chainhash.Hash
	HashStop           chainhash.Hash
}

// AddBlockLocatorHash appends a locator hash; it fails past
// MaxBlockLocatorsPerMsg.
func (l *locatorMsg) AddBlockLocatorHash(hash *chainhash.Hash) error {
	if len(l.BlockLocatorHashes)+1 > MaxBlockLocatorsPerMsg {
		return errorf(ErrTooManyItems, "too many block locator hashes for message [max %v]",
			MaxBlockLocatorsPerMsg)
	}
	l.BlockLocatorHashes = append(l.BlockLocatorHashes, hash)
	return nil
}

// MaxPayloadLength returns the largest payload of the message.
func (l *locatorMsg) MaxPayloadLength(pver uint32) uint32 {
	return 4 + MaxVarIntPayload + (MaxBlockLocatorsPerMsg+1)*chainhash.HashSize
}

func (l *locatorMsg) decode(d *decoder, pver uint32, enc MessageEncoding) {
	l.ProtocolVersion = d.u32()
	n := d.limitedCount(MaxBlockLocatorsPerMsg, chainhash.HashSize, "block locator hashes")
	if d.err != nil {
		return
	}
	hashes := make([]chainhash.Hash, n)
	l.BlockLocatorHashes = make([]*chainhash.Hash, n)
	for i := range hashes {
		d.hash(&hashes[i])
		l.BlockLocatorHashes[i] = &hashes[i]
	}
	d.hash(&l.HashStop)
}

func (l *locatorMsg) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	if len(l.BlockLocatorHashes) > MaxBlockLocatorsPerMsg {
		return nil, errorf(ErrTooManyItems, "too many block locator hashes for message [%v]",
			len(l.BlockLocatorHashes))
	}
	dst = appendU32(dst, l.ProtocolVersion)
	dst = AppendVarInt(dst, uint64(len(l.BlockLocatorHashes)))
	for _, h := range l.BlockLocatorHashes {
		dst = append(dst, h[:]...)
	}
	return append(dst, l.HashStop[:]...), nil
}

// MsgGetHeaders asks for the headers after the first locator hash the peer
// knows, up to HashStop (zero: as many as fit).
type MsgGetHeaders struct {
	ProtocolVersion    uint32
	BlockLocatorHashes []*chainhash.Hash
	HashStop           chainhash.Hash
}

// NewMsgGetHeaders returns a getheaders message at ProtocolVersion.
func NewMsgGetHeaders() *MsgGetHeaders {
	return &MsgGetHeaders{ProtocolVersion: ProtocolVersion}
}

// Command returns "getheaders".
func (msg *MsgGetHeaders) Command() string { return CmdGetHeaders }

// AddBlockLocatorHash appends a locator hash.
func (msg *MsgGetHeaders) AddBlockLocatorHash(hash *chainhash.Hash) error {
	return (*locatorMsg)(msg).AddBlockLocatorHash(hash)
}

// MaxPayloadLength returns the largest payload of the message.
func (msg *MsgGetHeaders) MaxPayloadLength(pver uint32) uint32 {
	return (*locatorMsg)(msg).MaxPayloadLength(pver)
}

func (msg *MsgGetHeaders) decode(d *decoder, pver uint32, enc MessageEncoding) {
	(*locatorMsg)(msg).decode(d, pver, enc)
}

func (msg *MsgGetHeaders) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	return (*locatorMsg)(msg).appendPayload(dst, pver, enc)
}

// BtcDecode reads the payload from r.
func (msg *MsgGetHeaders) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	var d decoder
	beginDecode(&d, r, true)
	msg.decode(&d, pver, enc)
	return endDecode(&d)
}

// BtcEncode writes the payload to w.
func (msg *MsgGetHeaders) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return encodeTo(msg, w, pver, enc)
}

// MsgGetBlocks asks for an inv of the blocks after the first locator hash
// the peer knows, up to HashStop.
type MsgGetBlocks struct {
	ProtocolVersion    uint32
	BlockLocatorHashes []*chainhash.Hash
	HashStop           chainhash.Hash
}

// NewMsgGetBlocks returns a getblocks message at ProtocolVersion.
func NewMsgGetBlocks(hashStop *chainhash.Hash) *MsgGetBlocks {
	return &MsgGetBlocks{ProtocolVersion: ProtocolVersion, HashStop: *hashStop}
}

// Command returns "getblocks".
func (msg *MsgGetBlocks) Command() string { return CmdGetBlocks }

// AddBlockLocatorHash appends a locator hash.
func (msg *MsgGetBlocks) AddBlockLocatorHash(hash *chainhash.Hash) error {
	return (*locatorMsg)(msg).AddBlockLocatorHash(hash)
}

// MaxPayloadLength returns the largest payload of the message.
func (msg *MsgGetBlocks) MaxPayloadLength(pver uint32) uint32 {
	return (*locatorMsg)(msg).MaxPayloadLength(pver)
}

func (msg *MsgGetBlocks) decode(d *decoder, pver uint32, enc MessageEncoding) {
	(*locatorMsg)(msg).decode(d, pver, enc)
}

func (msg *MsgGetBlocks) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	return (*locatorMsg)(msg).appendPayload(dst, pver, enc)
}

// BtcDecode reads the payload from r.
func (msg *MsgGetBlocks) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	var d decoder
	beginDecode(&d, r, true)
	msg.decode(&d, pver, enc)
	return endDecode(&d)
}

// BtcEncode writes the payload to w.
func (msg *MsgGetBlocks) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return encodeTo(msg, w, pver, enc)
}

// payloadSizeHint implements sizeHinter.
func (msg *MsgHeaders) payloadSizeHint() int {
	return MaxVarIntPayload + len(msg.Headers)*(MaxBlockHeaderPayload+1)
}

// readVarIntByteReader reads a canonical CompactSize integer one byte at a
// time, which needs no buffer.
func readVarIntByteReader(br io.ByteReader) (uint64, error) {
	first, err := br.ReadByte()
	if err != nil {
		return 0, err
	}
	var size int
	var min uint64
	switch first {
	case 0xfd:
		size, min = 2, 0xfd
	case 0xfe:
		size, min = 4, 0x10000
	case 0xff:
		size, min = 8, 0x100000000
	default:
		return uint64(first), nil
	}
	var v uint64
	for i := 0; i < size; i++ {
		b, err := br.ReadByte()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
		v |= uint64(b) << (8 * i)
	}
	if v < min {
		return 0, errorf(ErrNonCanonicalVarInt, "non-canonical varint %x - discriminant %x "+
			"must encode a value greater than or equal to %x", v, first, min)
	}
	return v, nil
}

// decodeByteReader decodes the payload from a reader that can also read
// single bytes (bytes.Reader, bufio.Reader): counts are read byte by byte
// and each header straight into the message's own memory, so a full message
// costs one allocation.
func (msg *MsgHeaders) decodeByteReader(r io.Reader, br io.ByteReader) error {
	n, err := readVarIntByteReader(br)
	if err != nil {
		return err
	}
	if n > MaxBlockHeadersPerMsg {
		return errorf(ErrTooManyItems, "too many block headers: %d, max %d", n, MaxBlockHeadersPerMsg)
	}
	var hdrs []BlockHeader
	var raw []byte
	if n > MaxBlockHeadersPerMsg/2 {
		arena := new(headersArena)
		hdrs, msg.Headers, raw = arena.hdrs[:n:n], arena.ptrs[:n:n], arena.raw[:]
	} else {
		hdrs = make([]BlockHeader, n)
		msg.Headers = make([]*BlockHeader, n)
		raw = make([]byte, MaxBlockHeaderPayload)
	}
	for i := range hdrs {
		if _, err := io.ReadFull(r, raw); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		d := decoder{b: raw}
		hdrs[i].decode(&d)
		// Bitcoin Core reads and ignores the transaction count.
		if _, err := readVarIntByteReader(br); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		msg.Headers[i] = &hdrs[i]
	}
	return nil
}
