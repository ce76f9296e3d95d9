package wire

import (
	"io"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// MaxBlockHeaderPayload is the size of an encoded block header.
const MaxBlockHeaderPayload = 16 + chainhash.HashSize*2

// BlockHeader is a block header.
type BlockHeader struct {
	// Version is the block version (BIP9 bits in modern blocks).
	Version int32

	// PrevBlock is the hash of the previous block's header.
	PrevBlock chainhash.Hash

	// MerkleRoot is the merkle root of the block's transaction ids.
	MerkleRoot chainhash.Hash

	// Timestamp is the block time. It is encoded as a uint32 of Unix
	// seconds, so only whole seconds in that range survive a round trip.
	Timestamp time.Time

	// Bits is the compact form of the target.
	Bits uint32

	// Nonce is the proof-of-work nonce.
	Nonce uint32
}

// NewBlockHeader returns a header with the given fields and the current time
// rounded down to the second.
func NewBlockHeader(version int32, prevHash, merkleRootHash *chainhash.Hash,
	bits uint32, nonce uint32) *BlockHeader {

	return &BlockHeader{
		Version:    version,
		PrevBlock:  *prevHash,
		MerkleRoot: *merkleRootHash,
		Timestamp:  time.Unix(time.Now().Unix(), 0),
		Bits:       bits,
		Nonce:      nonce,
	}
}

// AppendBytes appends the 80-byte encoding of the header to dst.
func (h *BlockHeader) AppendBytes(dst []byte) []byte {
	dst = appendU32(dst, uint32(h.Version))
	dst = append(dst, h.PrevBlock[:]...)
	dst = append(dst, h.MerkleRoot[:]...)
	dst = appendU32(dst, uint32(h.Timestamp.Unix()))
	dst = appendU32(dst, h.Bits)
	return appendU32(dst, h.Nonce)
}

// BlockHash returns the block hash: the double SHA-256 of the header.
func (h *BlockHeader) BlockHash() chainhash.Hash {
	var buf [MaxBlockHeaderPayload]byte
	return chainhash.DoubleHashH(h.AppendBytes(buf[:0]))
}

// decode reads the header's 80 bytes.
func (h *BlockHeader) decode(d *decoder) {
	h.Version = int32(d.u32())
	d.hash(&h.PrevBlock)
	d.hash(&h.MerkleRoot)
	h.Timestamp = time.Unix(int64(d.u32()), 0)
	h.Bits = d.u32()
	h.Nonce = d.u32()
}

// BtcDecode reads a header from r. pver and enc are unused.
func (h *BlockHeader) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	return h.Deserialize(r)
}

// BtcEncode writes the header to w. pver and enc are unused.
func (h *BlockHeader) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return h.Serialize(w)
}

// Deserialize reads an 80-byte header from r.
func (h *BlockHeader) Deserialize(r io.Reader) error {
	var buf [MaxBlockHeaderPayload]byte
	if _, err := io.ReadFull(r, buf[:]); err != nil {
		return err
	}
	return h.DeserializeBytes(buf[:])
}

// DeserializeBytes decodes a header from the first 80 bytes of b.
func (h *BlockHeader) DeserializeBytes(b []byte) error {
	d := decoder{b: b}
	h.decode(&d)
	return d.err
}

// Serialize writes the 80-byte header to w.
func (h *BlockHeader) Serialize(w io.Writer) error {
	return writeAppended(w, MaxBlockHeaderPayload, h.AppendBytes)
}

// Bytes returns the 80-byte encoding of the header.
func (h *BlockHeader) Bytes() []byte {
	return h.AppendBytes(make([]byte, 0, MaxBlockHeaderPayload))
}
