package wire

import (
	"bytes"
	"io"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// These constants bound blocks.
const (
	// MaxBlockPayload is the largest encoded block (the consensus weight
	// limit allows at most 4,000,000 bytes).
	MaxBlockPayload = 4000000

	// MaxBlockWeight is the BIP141 block weight limit.
	MaxBlockWeight = 4000000

	// MaxTxPerBlock bounds the transactions a block may claim: each takes
	// at least MinTxPayload bytes.
	MaxTxPerBlock = MaxBlockPayload/MinTxPayload + 1

	// defaultTransactionAlloc is the capacity of a new block's list.
	defaultTransactionAlloc = 2048
)

// MsgBlock is a block and the block message that carries it.
//
// A decoded block's transactions share a few large backing allocations (see
// MsgTx); keeping any of its transactions keeps that memory alive.
type MsgBlock struct {
	Header       BlockHeader
	Transactions []*MsgTx
}

// NewMsgBlock returns a block with the given header and no transactions.
func NewMsgBlock(blockHeader *BlockHeader) *MsgBlock {
	return &MsgBlock{
		Header:       *blockHeader,
		Transactions: make([]*MsgTx, 0, defaultTransactionAlloc),
	}
}

// AddTransaction appends a transaction.
func (msg *MsgBlock) AddTransaction(tx *MsgTx) error {
	msg.Transactions = append(msg.Transactions, tx)
	return nil
}

// ClearTransactions removes all transactions.
func (msg *MsgBlock) ClearTransactions() {
	msg.Transactions = make([]*MsgTx, 0, defaultTransactionAlloc)
}

// BlockHash returns the hash of the block's header.
func (msg *MsgBlock) BlockHash() chainhash.Hash {
	return msg.Header.BlockHash()
}

// TxHashes returns the ids of the block's transactions in order.
func (msg *MsgBlock) TxHashes() ([]chainhash.Hash, error) {
	hashes := make([]chainhash.Hash, len(msg.Transactions))
	for i, tx := range msg.Transactions {
		hashes[i] = tx.TxHash()
	}
	return hashes, nil
}

// Command returns the protocol command string, "block".
func (msg *MsgBlock) Command() string {
	return CmdBlock
}

// MaxPayloadLength returns the largest payload a block message may have.
func (msg *MsgBlock) MaxPayloadLength(pver uint32) uint32 {
	return MaxBlockPayload
}

// SerializeSize returns the encoded size with witness data.
func (msg *MsgBlock) SerializeSize() int {
	n := MaxBlockHeaderPayload + VarIntSerializeSize(uint64(len(msg.Transactions)))
	for _, tx := range msg.Transactions {
		n += tx.SerializeSize()
	}
	return n
}

// SerializeSizeStripped returns the encoded size without witness data.
func (msg *MsgBlock) SerializeSizeStripped() int {
	n := MaxBlockHeaderPayload + VarIntSerializeSize(uint64(len(msg.Transactions)))
	for _, tx := range msg.Transactions {
		n += tx.SerializeSizeStripped()
	}
	return n
}

// appendTo appends the block's encoding, with witness data if witness.
func (msg *MsgBlock) appendTo(dst []byte, witness bool) []byte {
	dst = msg.Header.AppendBytes(dst)
	dst = AppendVarInt(dst, uint64(len(msg.Transactions)))
	for _, tx := range msg.Transactions {
		dst = tx.appendTo(dst, witness && tx.HasWitness())
	}
	return dst
}

// AppendBytes appends the block's encoding with witness data to dst.
func (msg *MsgBlock) AppendBytes(dst []byte) []byte {
	return msg.appendTo(dst, true)
}

// Bytes returns the block's encoding with witness data.
func (msg *MsgBlock) Bytes() []byte {
	return msg.appendTo(make([]byte, 0, msg.SerializeSize()), true)
}

// BytesNoWitness returns the block's encoding without witness data.
func (msg *MsgBlock) BytesNoWitness() []byte {
	return msg.appendTo(make([]byte, 0, msg.SerializeSizeStripped()), false)
}

// BtcEncode writes the block to w, with witness data when enc is
// WitnessEncoding.
func (msg *MsgBlock) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	if enc == WitnessEncoding {
		return writeAppended(w, msg.SerializeSize(), msg.AppendBytes)
	}
	return writeAppended(w, msg.SerializeSizeStripped(), func(dst []byte) []byte {
		return msg.appendTo(dst, false)
	})
}

// Serialize writes the block with witness data, as stored on disk.
func (msg *MsgBlock) Serialize(w io.Writer) error {
	return msg.BtcEncode(w, 0, WitnessEncoding)
}

// SerializeNoWitness writes the block without witness data.
func (msg *MsgBlock) SerializeNoWitness(w io.Writer) error {
	return msg.BtcEncode(w, 0, BaseEncoding)
}

// BtcDecode reads a block from r. With WitnessEncoding transactions may be
// in either form. A *bytes.Buffer is parsed in place.
func (msg *MsgBlock) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	allowWitness := enc == WitnessEncoding
	if buf, ok := r.(*bytes.Buffer); ok {
		n, err := msg.decodeBytes(buf.Bytes(), allowWitness, false)
		buf.Next(n)
		return err
	}
	var shape txShape
	var nTx int
	if rs, ok := r.(io.ReadSeeker); ok {
		b, nTx, err := scanSeeker(rs, true, allowWitness, &shape)
		if err != nil {
			return err
		}
		return msg.fillFrom(b, nTx, &shape, allowWitness, tightFit(b, len(b)))
	}
	d := newStreamDecoder(r, 1<<16)
	nTx = scanBlock(d, allowWitness, &shape)
	if d.err != nil {
		return d.err
	}
	return msg.fillFrom(d.b[:d.off], nTx, &shape, allowWitness, tightFit(d.b, d.off))
}

// Deserialize reads a block as stored on disk (transactions in either form).
func (msg *MsgBlock) Deserialize(r io.Reader) error {
	return msg.BtcDecode(r, 0, WitnessEncoding)
}

// DeserializeNoWitness reads a block whose transactions are in legacy form.
func (msg *MsgBlock) DeserializeNoWitness(r io.Reader) error {
	return msg.BtcDecode(r, 0, BaseEncoding)
}

// DeserializeBytes decodes a block from the start of b and returns the number
// of bytes used. The block does not keep references to b. This is the fast
// path: about eight allocations for a whole block.
func (msg *MsgBlock) DeserializeBytes(b []byte) (int, error) {
	return msg.decodeBytes(b, true, false)
}

// DeserializeBytesAlias is DeserializeBytes, except that scripts are
// sub-slices of b, which saves a copy; b must not change afterwards.
func (msg *MsgBlock) DeserializeBytesAlias(b []byte) (int, error) {
	return msg.decodeBytes(b, true, true)
}

// scanBlock checks a block's structure and counts what it holds.
func scanBlock(d *decoder, allowWitness bool, s *txShape) int {
	d.skip(MaxBlockHeaderPayload)
	n := d.count(MaxTxPerBlock, MinTxPayload, "transactions")
	for i := 0; i < n && d.err == nil; i++ {
		scanTx(d, allowWitness, s)
	}
	return n
}

// decodeBytes scans then fills the block from b.
func (msg *MsgBlock) decodeBytes(b []byte, allowWitness, alias bool) (int, error) {
	d := newSliceDecoder(b, alias)
	var shape txShape
	nTx := scanBlock(d, allowWitness, &shape)
	if d.err != nil {
		return d.off, d.err
	}
	return d.off, msg.fillFrom(b[:d.off], nTx, &shape, allowWitness, alias)
}

// fillFrom fills msg from b, which scanBlock has checked and measured.
func (msg *MsgBlock) fillFrom(b []byte, nTx int, shape *txShape, allowWitness, alias bool) error {
	d := newSliceDecoder(b, alias)
	msg.Header.decode(d)
	d.varInt()
	txs := make([]MsgTx, nTx)
	ptrs := make([]*MsgTx, nTx)
	var a txArena
	if nTx == 1 {
		a = newTxArena(shape, alias)
	} else {
		a = txArena{
			ins:  make([]TxIn, shape.ins),
			outs: make([]TxOut, shape.outs),
		}
		a.inPtrs, a.outPtrs = pointerSlices(shape.ins, shape.outs)
		if shape.witItems > 0 {
			a.wit = make([][]byte, shape.witItems)
		}
		if !alias && shape.scriptBytes > 0 {
			a.scripts = make([]byte, 0, shape.scriptBytes)
		}
	}
	for i := range txs {
		fillTx(d, &txs[i], allowWitness, &a)
		ptrs[i] = &txs[i]
	}
	msg.Transactions = ptrs
	return d.err
}

// decode implements payloadCodec.
func (msg *MsgBlock) decode(d *decoder, pver uint32, enc MessageEncoding) {
	if d.err != nil {
		return
	}
	allowWitness := enc == WitnessEncoding
	if d.r == nil {
		n, err := msg.decodeBytes(d.b[d.off:], allowWitness, d.alias)
		d.off += n
		if err != nil {
			d.fail(err)
		}
		return
	}
	start := d.off
	var shape txShape
	nTx := scanBlock(d, allowWitness, &shape)
	if d.err != nil {
		return
	}
	if err := msg.fillFrom(d.b[start:d.off], nTx, &shape, allowWitness, false); err != nil {
		d.fail(err)
	}
}

// appendPayload implements payloadCodec.
func (msg *MsgBlock) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	return msg.appendTo(dst, enc == WitnessEncoding), nil
}

// payloadSizeHint implements sizeHinter.
func (msg *MsgBlock) payloadSizeHint() int { return msg.SerializeSize() }

// TxLoc is the position of a transaction inside a serialized block.
type TxLoc struct {
	TxStart int
	TxLen   int
}

// DeserializeTxLoc decodes a block from r like Deserialize and also returns
// where each transaction starts in the serialized block and how long it is,
// which lets an index point into stored block bytes.
func (msg *MsgBlock) DeserializeTxLoc(r *bytes.Buffer) ([]TxLoc, error) {
	b := r.Bytes()
	d := newSliceDecoder(b, false)
	d.skip(MaxBlockHeaderPayload)
	n := d.count(MaxTxPerBlock, MinTxPayload, "transactions")
	if d.err != nil {
		return nil, d.err
	}
	locs := make([]TxLoc, n)
	var shape txShape
	for i := range locs {
		start := d.off
		scanTx(d, true, &shape)
		if d.err != nil {
			return nil, d.err
		}
		locs[i] = TxLoc{TxStart: start, TxLen: d.off - start}
	}
	if _, err := msg.decodeBytes(b, true, false); err != nil {
		return nil, err
	}
	r.Next(d.off)
	return locs, nil
}
