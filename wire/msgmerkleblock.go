package wire

import (
	"io"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// maxFlagsPerMerkleBlock bounds the flag bytes of a merkleblock message.
const maxFlagsPerMerkleBlock = MaxTxPerBlock / 8

// MsgMerkleBlock is a BIP37 filtered block: a header and a partial merkle
// tree.
type MsgMerkleBlock struct {
	Header       BlockHeader
	Transactions uint32
	Hashes       []*chainhash.Hash
	Flags        []byte
}

// NewMsgMerkleBlock returns a merkleblock message for a header.
func NewMsgMerkleBlock(bh *BlockHeader) *MsgMerkleBlock {
	return &MsgMerkleBlock{Header: *bh}
}

// AddTxHash appends a hash to the partial tree.
func (msg *MsgMerkleBlock) AddTxHash(hash *chainhash.Hash) error {
	if len(msg.Hashes)+1 > MaxTxPerBlock {
		return errorf(ErrTooManyItems, "too many tx hashes for message [max %v]", MaxTxPerBlock)
	}
	msg.Hashes = append(msg.Hashes, hash)
	return nil
}

// Command returns "merkleblock".
func (msg *MsgMerkleBlock) Command() string { return CmdMerkleBlock }

// MaxPayloadLength returns the message limit.
func (msg *MsgMerkleBlock) MaxPayloadLength(pver uint32) uint32 { return MaxMessagePayload }

func (msg *MsgMerkleBlock) decode(d *decoder, pver uint32, enc MessageEncoding) {
	msg.Header.decode(d)
	msg.Transactions = d.u32()
	n := d.count(MaxTxPerBlock, chainhash.HashSize, "merkle block hashes")
	if d.err != nil {
		return
	}
	hashes := make([]chainhash.Hash, n)
	msg.Hashes = make([]*chainhash.Hash, n)
	for i := range hashes {
		d.hash(&hashes[i])
		msg.Hashes[i] = &hashes[i]
	}
	msg.Flags = d.varBytes(maxFlagsPerMerkleBlock, "merkle block flags")
}

func (msg *MsgMerkleBlock) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	if len(msg.Hashes) > MaxTxPerBlock || len(msg.Flags) > maxFlagsPerMerkleBlock {
		return nil, errorf(ErrTooManyItems, "too many hashes or flags [%d, %d]",
			len(msg.Hashes), len(msg.Flags))
	}
	dst = msg.Header.AppendBytes(dst)
	dst = appendU32(dst, msg.Transactions)
	dst = AppendVarInt(dst, uint64(len(msg.Hashes)))
	for _, h := range msg.Hashes {
		dst = append(dst, h[:]...)
	}
	return AppendVarBytes(dst, msg.Flags), nil
}

// BtcDecode reads the payload from r.
func (msg *MsgMerkleBlock) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	var d decoder
	beginDecode(&d, r, true)
	msg.decode(&d, pver, enc)
	return endDecode(&d)
}

// BtcEncode writes the payload to w.
func (msg *MsgMerkleBlock) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return encodeTo(msg, w, pver, enc)
}
