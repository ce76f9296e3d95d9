package wire

import (
	"io"
	"math"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// These constants describe BIP152 compact blocks.
const (
	// ShortIDSize is the size of a compact block short transaction id.
	ShortIDSize = 6

	// MaxCmpctBlockTxs bounds the transactions a compact block may
	// describe: the block weight limit over the weight of the smallest
	// transaction (Core: MAX_BLOCK_WEIGHT / MIN_SERIALIZABLE_TRANSACTION_WEIGHT).
	MaxCmpctBlockTxs = MaxBlockWeight / (MinTxPayload * WitnessScaleFactor)
)

// readDiffIndexes reads n BIP152 differentially encoded indexes into
// absolute indexes: each value is the gap after the previous index, and
// every absolute index must fit in 16 bits.
func readDiffIndexes(d *decoder, n int, set func(i int, idx uint16)) {
	var shift uint64
	for i := 0; i < n && d.err == nil; i++ {
		v := d.varInt()
		if d.err != nil {
			return
		}
		shift += v
		if shift < v || shift > math.MaxUint16 {
			d.fail(makeError(ErrInvalidMessage, "differential index overflowed 16 bits"))
			return
		}
		set(i, uint16(shift))
		shift++
	}
}

// appendDiffIndex appends the differential encoding of idx after prev (the
// previous absolute index plus one, 0 at the start) and returns the next
// prev. Indexes must be strictly increasing.
func appendDiffIndex(dst []byte, idx uint16, prev uint32) ([]byte, uint32, error) {
	if uint32(idx) < prev {
		return nil, 0, makeError(ErrInvalidMessage, "compact block indexes must increase")
	}
	return AppendVarInt(dst, uint64(uint32(idx)-prev)), uint32(idx) + 1, nil
}

// PrefilledTx is a transaction sent in full inside a compact block, at its
// absolute index in the block.
type PrefilledTx struct {
	Index uint16
	Tx    *MsgTx
}

// MsgCmpctBlock is a BIP152 compact block: a header, a nonce for the short
// ids, the short ids of the transactions the receiver probably has, and the
// transactions it probably lacks (always the coinbase).
type MsgCmpctBlock struct {
	Header       BlockHeader
	Nonce        uint64
	ShortIDs     []uint64
	PrefilledTxs []PrefilledTx
}

// Command returns "cmpctblock".
func (msg *MsgCmpctBlock) Command() string { return CmdCmpctBlock }

// MaxPayloadLength returns the message limit.
func (msg *MsgCmpctBlock) MaxPayloadLength(pver uint32) uint32 { return MaxMessagePayload }

func (msg *MsgCmpctBlock) decode(d *decoder, pver uint32, enc MessageEncoding) {
	msg.Header.decode(d)
	msg.Nonce = d.u64()
	n := d.count(MaxCmpctBlockTxs, ShortIDSize, "short ids")
	if d.err != nil {
		return
	}
	msg.ShortIDs = make([]uint64, n)
	for i := range msg.ShortIDs {
		b := d.next(ShortIDSize)
		if b == nil {
			return
		}
		msg.ShortIDs[i] = uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 |
			uint64(b[3])<<24 | uint64(b[4])<<32 | uint64(b[5])<<40
	}
	np := d.count(MaxCmpctBlockTxs-uint64(n), 1+MinTxPayload, "prefilled transactions")
	if d.err != nil {
		return
	}
	msg.PrefilledTxs = make([]PrefilledTx, np)
	txs := make([]MsgTx, np)
	readDiffIndexes(d, np, func(i int, idx uint16) {
		msg.PrefilledTxs[i].Index = idx
		msg.PrefilledTxs[i].Tx = &txs[i]
		txs[i].decode(d, pver, WitnessEncoding)
	})
}

func (msg *MsgCmpctBlock) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	if len(msg.ShortIDs)+len(msg.PrefilledTxs) > MaxCmpctBlockTxs {
		return nil, errorf(ErrTooManyItems, "too many transactions in compact block")
	}
	dst = msg.Header.AppendBytes(dst)
	dst = appendU64(dst, msg.Nonce)
	dst = AppendVarInt(dst, uint64(len(msg.ShortIDs)))
	for _, id := range msg.ShortIDs {
		if id>>48 != 0 {
			return nil, makeError(ErrInvalidMessage, "short id longer than 48 bits")
		}
		dst = append(dst, byte(id), byte(id>>8), byte(id>>16), byte(id>>24), byte(id>>32), byte(id>>40))
	}
	dst = AppendVarInt(dst, uint64(len(msg.PrefilledTxs)))
	prev := uint32(0)
	var err error
	for _, p := range msg.PrefilledTxs {
		if dst, prev, err = appendDiffIndex(dst, p.Index, prev); err != nil {
			return nil, err
		}
		dst = p.Tx.appendTo(dst, enc == WitnessEncoding && p.Tx.HasWitness())
	}
	return dst, nil
}

// BtcDecode reads the payload from r.
func (msg *MsgCmpctBlock) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	var d decoder
	beginDecode(&d, r, false)
	msg.decode(&d, pver, enc)
	return endDecode(&d)
}

// BtcEncode writes the payload to w.
func (msg *MsgCmpctBlock) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return encodeTo(msg, w, pver, enc)
}

// MsgGetBlockTxns asks for the transactions of a block at the given
// absolute indexes (BIP152), differentially encoded on the wire.
type MsgGetBlockTxns struct {
	BlockHash chainhash.Hash
	Indexes   []uint16
}

// Command returns "getblocktxn".
func (msg *MsgGetBlockTxns) Command() string { return CmdGetBlockTxns }

// MaxPayloadLength returns the message limit.
func (msg *MsgGetBlockTxns) MaxPayloadLength(pver uint32) uint32 { return MaxMessagePayload }

func (msg *MsgGetBlockTxns) decode(d *decoder, pver uint32, enc MessageEncoding) {
	d.hash(&msg.BlockHash)
	n := d.count(MaxCmpctBlockTxs, 1, "block transaction indexes")
	if d.err != nil {
		return
	}
	msg.Indexes = make([]uint16, n)
	readDiffIndexes(d, n, func(i int, idx uint16) { msg.Indexes[i] = idx })
}

func (msg *MsgGetBlockTxns) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	dst = append(dst, msg.BlockHash[:]...)
	dst = AppendVarInt(dst, uint64(len(msg.Indexes)))
	prev := uint32(0)
	var err error
	for _, idx := range msg.Indexes {
		if dst, prev, err = appendDiffIndex(dst, idx, prev); err != nil {
			return nil, err
		}
	}
	return dst, nil
}

// BtcDecode reads the payload from r.
func (msg *MsgGetBlockTxns) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	var d decoder
	beginDecode(&d, r, true)
	msg.decode(&d, pver, enc)
	return endDecode(&d)
}

// BtcEncode writes the payload to w.
func (msg *MsgGetBlockTxns) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return encodeTo(msg, w, pver, enc)
}

// MsgBlockTxns answers a getblocktxn with the requested transactions in
// order (BIP152).
type MsgBlockTxns struct {
	BlockHash chainhash.Hash
	Txs       []*MsgTx
}

// Command returns "blocktxn".
func (msg *MsgBlockTxns) Command() string { return CmdBlockTxns }

// MaxPayloadLength returns the message limit.
func (msg *MsgBlockTxns) MaxPayloadLength(pver uint32) uint32 { return MaxMessagePayload }

func (msg *MsgBlockTxns) decode(d *decoder, pver uint32, enc MessageEncoding) {
	d.hash(&msg.BlockHash)
	n := d.count(MaxCmpctBlockTxs, MinTxPayload, "block transactions")
	if d.err != nil {
		return
	}
	txs := make([]MsgTx, n)
	msg.Txs = make([]*MsgTx, n)
	for i := 0; i < n && d.err == nil; i++ {
		txs[i].decode(d, pver, WitnessEncoding)
		msg.Txs[i] = &txs[i]
	}
}

func (msg *MsgBlockTxns) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	dst = append(dst, msg.BlockHash[:]...)
	dst = AppendVarInt(dst, uint64(len(msg.Txs)))
	for _, tx := range msg.Txs {
		dst = tx.appendTo(dst, enc == WitnessEncoding && tx.HasWitness())
	}
	return dst, nil
}

// BtcDecode reads the payload from r.
func (msg *MsgBlockTxns) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	var d decoder
	beginDecode(&d, r, false)
	msg.decode(&d, pver, enc)
	return endDecode(&d)
}

// BtcEncode writes the payload to w.
func (msg *MsgBlockTxns) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return encodeTo(msg, w, pver, enc)
}
