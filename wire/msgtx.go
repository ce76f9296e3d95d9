package wire

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unsafe"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// These constants describe transactions and their inputs.
const (
	// TxVersion is the default transaction version.
	TxVersion = 1

	// MaxTxInSequenceNum is the largest sequence number (final input).
	MaxTxInSequenceNum uint32 = 0xffffffff

	// MaxPrevOutIndex is the largest previous output index; a coinbase
	// input uses it.
	MaxPrevOutIndex uint32 = 0xffffffff

	// SequenceLockTimeDisabled is the sequence bit that, when set, turns
	// off the BIP68 relative lock time of an input.
	SequenceLockTimeDisabled = 1 << 31

	// SequenceLockTimeIsSeconds is the sequence bit that makes a BIP68
	// relative lock time count in units of 512 seconds instead of blocks.
	SequenceLockTimeIsSeconds = 1 << 22

	// SequenceLockTimeMask extracts the relative lock time value.
	SequenceLockTimeMask = 0x0000ffff

	// SequenceLockTimeGranularity is the shift that turns a time-based
	// relative lock value into seconds (2^9 = 512).
	SequenceLockTimeGranularity = 9

	// MinTxInPayload is the smallest encoded input: outpoint (36), empty
	// script length (1) and sequence (4).
	MinTxInPayload = 9 + chainhash.HashSize

	// MinTxOutPayload is the smallest encoded output: value (8) and empty
	// script length (1).
	MinTxOutPayload = 9

	// MinTxPayload is the smallest encoded transaction: version, input
	// count, output count and lock time.
	MinTxPayload = 10

	// WitnessScaleFactor is the factor by which non-witness bytes weigh
	// more than witness bytes (BIP141).
	WitnessScaleFactor = 4

	// TxFlagMarker is the byte that, in place of the input count, marks a
	// witness serialization (BIP144).
	TxFlagMarker = 0x00

	// WitnessFlag is the flag byte that follows the marker.
	WitnessFlag = 0x01

	// maxScriptSize bounds any script or witness item while decoding; the
	// remaining bytes bound it further.
	maxScriptSize = MaxMessagePayload
)

// OutPoint identifies a transaction output by its transaction's hash and its
// index.
type OutPoint struct {
	Hash  chainhash.Hash
	Index uint32
}

// NewOutPoint returns a new outpoint for the given hash and index.
func NewOutPoint(hash *chainhash.Hash, index uint32) *OutPoint {
	return &OutPoint{Hash: *hash, Index: index}
}

// NewOutPointFromString parses "txid:index" as String prints it.
func NewOutPointFromString(outpoint string) (*OutPoint, error) {
	hashStr, indexStr, ok := strings.Cut(outpoint, ":")
	if !ok {
		return nil, errors.New("outpoint should be of the form txid:index")
	}
	hash, err := chainhash.NewHashFromStr(hashStr)
	if err != nil {
		return nil, err
	}
	index, err := strconv.ParseUint(indexStr, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("invalid output index: %w", err)
	}
	return NewOutPoint(hash, uint32(index)), nil
}

// String returns the outpoint as "txid:index" with the txid in display order.
func (o OutPoint) String() string {
	return o.Hash.String() + ":" + strconv.FormatUint(uint64(o.Index), 10)
}

// TxWitness is an input's witness stack: a list of byte strings.
type TxWitness [][]byte

// SerializeSize returns the encoded size of the witness stack.
func (t TxWitness) SerializeSize() int {
	n := VarIntSerializeSize(uint64(len(t)))
	for _, item := range t {
		n += VarIntSerializeSize(uint64(len(item))) + len(item)
	}
	return n
}

// ToHexStrings returns the witness items in hex.
func (t TxWitness) ToHexStrings() []string {
	s := make([]string, len(t))
	for i, item := range t {
		s[i] = hex.EncodeToString(item)
	}
	return s
}

// TxIn is a transaction input.
type TxIn struct {
	PreviousOutPoint OutPoint
	SignatureScript  []byte
	Witness          TxWitness
	Sequence         uint32
}

// NewTxIn returns an input spending prevOut with the given scripts and the
// final sequence number.
func NewTxIn(prevOut *OutPoint, signatureScript []byte, witness [][]byte) *TxIn {
	return &TxIn{
		PreviousOutPoint: *prevOut,
		SignatureScript:  signatureScript,
		Witness:          witness,
		Sequence:         MaxTxInSequenceNum,
	}
}

// SerializeSize returns the encoded size of the input without its witness.
func (t *TxIn) SerializeSize() int {
	return 40 + VarIntSerializeSize(uint64(len(t.SignatureScript))) + len(t.SignatureScript)
}

// TxOut is a transaction output.
type TxOut struct {
	Value    int64
	PkScript []byte
}

// NewTxOut returns an output paying value satoshis to pkScript.
func NewTxOut(value int64, pkScript []byte) *TxOut {
	return &TxOut{Value: value, PkScript: pkScript}
}

// SerializeSize returns the encoded size of the output.
func (t *TxOut) SerializeSize() int {
	return 8 + VarIntSerializeSize(uint64(len(t.PkScript))) + len(t.PkScript)
}

// MsgTx is a transaction and the tx message that carries it.
//
// Decoded transactions share backing arrays: the inputs, outputs, witness
// items and scripts of a transaction (and of all transactions of a decoded
// block) live in a few large allocations, with every slice capped at its
// length so that appending to one never overwrites another. A MsgTx is not
// safe for concurrent mutation; concurrent reads are fine.
type MsgTx struct {
	Version  int32
	TxIn     []*TxIn
	TxOut    []*TxOut
	LockTime uint32
}

// NewMsgTx returns an empty transaction of the given version.
func NewMsgTx(version int32) *MsgTx {
	return &MsgTx{Version: version}
}

// AddTxIn appends an input.
func (msg *MsgTx) AddTxIn(ti *TxIn) {
	msg.TxIn = append(msg.TxIn, ti)
}

// AddTxOut appends an output.
func (msg *MsgTx) AddTxOut(to *TxOut) {
	msg.TxOut = append(msg.TxOut, to)
}

// HasWitness reports whether any input has a non-empty witness stack.
func (msg *MsgTx) HasWitness() bool {
	for _, in := range msg.TxIn {
		if len(in.Witness) != 0 {
			return true
		}
	}
	return false
}

// Command returns the protocol command string, "tx".
func (msg *MsgTx) Command() string {
	return CmdTx
}

// MaxPayloadLength returns the largest payload a tx message may have.
func (msg *MsgTx) MaxPayloadLength(pver uint32) uint32 {
	return MaxMessagePayload
}

// baseSize returns the size without witness data.
func (msg *MsgTx) baseSize() int {
	n := 8 + VarIntSerializeSize(uint64(len(msg.TxIn))) +
		VarIntSerializeSize(uint64(len(msg.TxOut)))
	for _, in := range msg.TxIn {
		n += in.SerializeSize()
	}
	for _, out := range msg.TxOut {
		n += out.SerializeSize()
	}
	return n
}

// SerializeSize returns the encoded size with witness data when the
// transaction has any.
func (msg *MsgTx) SerializeSize() int {
	n := msg.baseSize()
	if msg.HasWitness() {
		n += 2
		for _, in := range msg.TxIn {
			n += in.Witness.SerializeSize()
		}
	}
	return n
}

// SerializeSizeStripped returns the encoded size without witness data.
func (msg *MsgTx) SerializeSizeStripped() int {
	return msg.baseSize()
}

// Weight returns the BIP141 weight: base size times three plus total size.
func (msg *MsgTx) Weight() int64 {
	return int64(msg.baseSize()*(WitnessScaleFactor-1) + msg.SerializeSize())
}

// VSize returns the virtual size, the weight divided by four rounded up.
func (msg *MsgTx) VSize() int64 {
	return (msg.Weight() + WitnessScaleFactor - 1) / WitnessScaleFactor
}

// AppendBytes appends the transaction's encoding to dst, with witness data
// when it has any, and returns the extended slice.
func (msg *MsgTx) AppendBytes(dst []byte) []byte {
	return msg.appendTo(dst, msg.HasWitness())
}

// AppendBytesNoWitness appends the encoding without witness data.
func (msg *MsgTx) AppendBytesNoWitness(dst []byte) []byte {
	return msg.appendTo(dst, false)
}

// Bytes returns the transaction's encoding, with witness data when it has
// any.
func (msg *MsgTx) Bytes() []byte {
	return msg.appendTo(make([]byte, 0, msg.SerializeSize()), msg.HasWitness())
}

// BytesNoWitness returns the encoding without witness data.
func (msg *MsgTx) BytesNoWitness() []byte {
	return msg.appendTo(make([]byte, 0, msg.baseSize()), false)
}

// appendTo appends the encoding, in witness form when witness is true.
func (msg *MsgTx) appendTo(dst []byte, witness bool) []byte {
	dst = appendU32(dst, uint32(msg.Version))
	if witness {
		dst = append(dst, TxFlagMarker, WitnessFlag)
	}
	dst = AppendVarInt(dst, uint64(len(msg.TxIn)))
	for _, in := range msg.TxIn {
		dst = append(dst, in.PreviousOutPoint.Hash[:]...)
		dst = appendU32(dst, in.PreviousOutPoint.Index)
		dst = AppendVarBytes(dst, in.SignatureScript)
		dst = appendU32(dst, in.Sequence)
	}
	dst = AppendVarInt(dst, uint64(len(msg.TxOut)))
	for _, out := range msg.TxOut {
		dst = appendU64(dst, uint64(out.Value))
		dst = AppendVarBytes(dst, out.PkScript)
	}
	if witness {
		for _, in := range msg.TxIn {
			dst = AppendVarInt(dst, uint64(len(in.Witness)))
			for _, item := range in.Witness {
				dst = AppendVarBytes(dst, item)
			}
		}
	}
	return appendU32(dst, msg.LockTime)
}

// hashBufSize is the size below which hashing serializes on the stack.
const hashBufSize = 512

// TxHash returns the transaction id: the double SHA-256 of the encoding
// without witness data.
func (msg *MsgTx) TxHash() chainhash.Hash {
	var buf [hashBufSize]byte
	dst := buf[:0]
	if size := msg.baseSize(); size > streamHashSize {
		return msg.hashStreaming(false)
	} else if size > hashBufSize {
		dst = make([]byte, 0, size)
	}
	return chainhash.DoubleHashH(msg.appendTo(dst, false))
}

// WitnessHash returns the wtxid: the double SHA-256 of the encoding with
// witness data. It equals TxHash for a transaction without witnesses.
func (msg *MsgTx) WitnessHash() chainhash.Hash {
	if !msg.HasWitness() {
		return msg.TxHash()
	}
	var buf [hashBufSize]byte
	dst := buf[:0]
	if size := msg.SerializeSize(); size > streamHashSize {
		return msg.hashStreaming(true)
	} else if size > hashBufSize {
		dst = make([]byte, 0, size)
	}
	return chainhash.DoubleHashH(msg.appendTo(dst, true))
}

// streamHashSize is the size above which a transaction is hashed through a
// fixed buffer instead of being serialized whole.
const streamHashSize = 16 << 10

// hashStreaming double-hashes the encoding through an 8 KiB buffer, so a
// large transaction costs no allocation in proportion to its size. It must
// produce exactly the bytes of appendTo.
func (msg *MsgTx) hashStreaming(witness bool) chainhash.Hash {
	const flushAt, directAt = 6 << 10, 1 << 10
	h := sha256.New()
	buf := make([]byte, 0, 8<<10)
	flush := func() {
		h.Write(buf)
		buf = buf[:0]
	}
	field := func(b []byte) {
		buf = AppendVarInt(buf, uint64(len(b)))
		if len(b) > directAt {
			flush()
			h.Write(b)
			return
		}
		buf = append(buf, b...)
	}
	buf = appendU32(buf, uint32(msg.Version))
	if witness {
		buf = append(buf, TxFlagMarker, WitnessFlag)
	}
	buf = AppendVarInt(buf, uint64(len(msg.TxIn)))
	for _, in := range msg.TxIn {
		if len(buf) > flushAt {
			flush()
		}
		buf = append(buf, in.PreviousOutPoint.Hash[:]...)
		buf = appendU32(buf, in.PreviousOutPoint.Index)
		field(in.SignatureScript)
		buf = appendU32(buf, in.Sequence)
	}
	buf = AppendVarInt(buf, uint64(len(msg.TxOut)))
	for _, out := range msg.TxOut {
		if len(buf) > flushAt {
			flush()
		}
		buf = appendU64(buf, uint64(out.Value))
		field(out.PkScript)
	}
	if witness {
		for _, in := range msg.TxIn {
			if len(buf) > flushAt {
				flush()
			}
			buf = AppendVarInt(buf, uint64(len(in.Witness)))
			for _, item := range in.Witness {
				if len(buf) > flushAt {
					flush()
				}
				field(item)
			}
		}
	}
	buf = appendU32(buf, msg.LockTime)
	flush()
	return chainhash.Hash(sha256.Sum256(h.Sum(buf[:0])))
}

// Copy returns a deep copy of the transaction that shares no memory with it.
func (msg *MsgTx) Copy() *MsgTx {
	tx := &MsgTx{
		Version:  msg.Version,
		LockTime: msg.LockTime,
		TxIn:     make([]*TxIn, len(msg.TxIn)),
		TxOut:    make([]*TxOut, len(msg.TxOut)),
	}
	ins := make([]TxIn, len(msg.TxIn))
	for i, in := range msg.TxIn {
		ins[i] = TxIn{
			PreviousOutPoint: in.PreviousOutPoint,
			SignatureScript:  cloneBytes(in.SignatureScript),
			Sequence:         in.Sequence,
		}
		if in.Witness != nil {
			w := make(TxWitness, len(in.Witness))
			for j, item := range in.Witness {
				w[j] = cloneBytes(item)
			}
			ins[i].Witness = w
		}
		tx.TxIn[i] = &ins[i]
	}
	outs := make([]TxOut, len(msg.TxOut))
	for i, out := range msg.TxOut {
		outs[i] = TxOut{Value: out.Value, PkScript: cloneBytes(out.PkScript)}
		tx.TxOut[i] = &outs[i]
	}
	return tx
}

// cloneBytes copies b, keeping nil as nil.
func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

// BtcEncode writes the transaction to w, in witness form when enc is
// WitnessEncoding and the transaction has witness data.
func (msg *MsgTx) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	witness := enc == WitnessEncoding && msg.HasWitness()
	size := msg.baseSize()
	if witness {
		size = msg.SerializeSize()
	}
	return writeAppended(w, size, func(dst []byte) []byte { return msg.appendTo(dst, witness) })
}

// Serialize writes the transaction in its witness form when it has witness
// data: the form used in blocks and for storage.
func (msg *MsgTx) Serialize(w io.Writer) error {
	return msg.BtcEncode(w, 0, WitnessEncoding)
}

// SerializeNoWitness writes the transaction without witness data.
func (msg *MsgTx) SerializeNoWitness(w io.Writer) error {
	return msg.BtcEncode(w, 0, BaseEncoding)
}

// BtcDecode reads a transaction from r. With WitnessEncoding it accepts
// both forms; with BaseEncoding it reads only the legacy form. When r is a
// *bytes.Buffer the transaction is parsed in place and only its bytes are
// consumed.
func (msg *MsgTx) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	allowWitness := enc == WitnessEncoding
	if buf, ok := r.(*bytes.Buffer); ok {
		n, err := msg.decodeBytes(buf.Bytes(), allowWitness, false)
		buf.Next(n)
		return err
	}
	// Stream mode: a scan records exactly the transaction's bytes while
	// checking its structure, then the fill parses the record, whose memory
	// then backs the scripts.
	if rs, ok := r.(io.ReadSeeker); ok {
		if l, ok := rs.(interface{ Len() int }); ok && l.Len() <= txDirectMax {
			var shape txShape
			b, _, err := scanSeeker(rs, false, allowWitness, &shape)
			if err != nil {
				return err
			}
			return msg.fillFrom(b, &shape, allowWitness, tightFit(b, len(b)))
		}
		return msg.decodeSeekerTwoPass(rs, allowWitness)
	}
	d := newStreamDecoder(r, 512)
	var shape txShape
	scanTx(d, allowWitness, &shape)
	if d.err != nil {
		return d.err
	}
	return msg.fillFrom(d.b[:d.off], &shape, allowWitness, tightFit(d.b, d.off))
}

// Deserialize reads a transaction in either form from r, as stored in blocks.
func (msg *MsgTx) Deserialize(r io.Reader) error {
	return msg.BtcDecode(r, 0, WitnessEncoding)
}

// DeserializeNoWitness reads a transaction in the legacy form from r.
func (msg *MsgTx) DeserializeNoWitness(r io.Reader) error {
	return msg.BtcDecode(r, 0, BaseEncoding)
}

// DeserializeBytes decodes a transaction in either form from the start of b
// and returns the number of bytes it used. The transaction does not keep
// references to b. It is the fast path: no io.Reader, and a handful of
// allocations whatever the number of inputs and outputs.
func (msg *MsgTx) DeserializeBytes(b []byte) (int, error) {
	return msg.decodeBytes(b, true, false)
}

// DeserializeBytesNoWitness is DeserializeBytes for the legacy form only.
func (msg *MsgTx) DeserializeBytesNoWitness(b []byte) (int, error) {
	return msg.decodeBytes(b, false, false)
}

// decodeBytes scans and then fills msg from b. With alias set, scripts are
// sub-slices of b; otherwise they are copied into one new allocation.
func (msg *MsgTx) decodeBytes(b []byte, allowWitness, alias bool) (int, error) {
	d := newSliceDecoder(b, alias)
	var shape txShape
	scanTx(d, allowWitness, &shape)
	if d.err != nil {
		return d.off, d.err
	}
	n := d.off
	return n, msg.fillFrom(b[:n], &shape, allowWitness, alias)
}

// fillFrom fills msg from b, which scanTx has checked and measured in shape.
func (msg *MsgTx) fillFrom(b []byte, shape *txShape, allowWitness, alias bool) error {
	a := newTxArena(shape, alias)
	d := newSliceDecoder(b, alias)
	fillTx(d, msg, allowWitness, &a)
	return d.err
}

// txDirectMax is the most a reader may hold for a transaction to be decoded
// by reading all of it at once.
const txDirectMax = 1 << 16

// decodeSeekerTwoPass decodes a transaction from a seekable reader in two
// passes over a small sliding window: the scan measures it, then, after
// seeking back, the fill reads it again and copies the scripts into one
// exactly sized buffer. Nothing is allocated in proportion to the
// transaction's size except what the decoded transaction keeps.
func (msg *MsgTx) decodeSeekerTwoPass(rs io.ReadSeeker, allowWitness bool) error {
	var shape txShape
	d := decoder{r: rs, seeker: rs, b: make([]byte, 0, 4096), compact: true}
	scanTx(&d, allowWitness, &shape)
	d.release()
	if d.err != nil {
		return d.err
	}
	if d.base == 0 {
		// It fitted in the window: fill from there.
		return msg.fillFrom(d.b[:d.off], &shape, allowWitness, false)
	}
	if _, err := rs.Seek(int64(-(d.base + d.off)), io.SeekCurrent); err != nil {
		return err
	}
	fill := decoder{r: rs, seeker: rs, b: d.b[:0], compact: true}
	a := newTxArena(&shape, false)
	fillTx(&fill, msg, allowWitness, &a)
	fill.release()
	return fill.err
}

// scanSeeker scans one transaction (or block) from a seekable reader and
// returns exactly its bytes, with the reader left just after it. When the
// reader knows how much remains and that is at most directMax, the rest is
// read at once and scanned as a slice; otherwise the scan runs over a
// sliding window of about window bytes, so it needs little memory whatever
// the object's size, and the object is then read again at its exact size
// after seeking back.
func scanSeeker(rs io.ReadSeeker, block, allowWitness bool, shape *txShape) ([]byte, int, error) {
	directMax, window := 1<<16, 4096
	if block {
		directMax, window = MaxBlockPayload, 1<<16
	}
	if l, ok := rs.(interface{ Len() int }); ok && l.Len() <= directMax {
		if l.Len() == 0 {
			return nil, 0, io.EOF
		}
		buf := make([]byte, l.Len())
		n, err := io.ReadFull(rs, buf)
		if err != nil {
			return nil, 0, err
		}
		d := decoder{b: buf[:n]}
		nTx := runScan(&d, block, allowWitness, shape)
		if d.err != nil {
			return nil, 0, d.err
		}
		if _, err := rs.Seek(int64(d.off-n), io.SeekCurrent); err != nil {
			return nil, 0, err
		}
		return buf[:d.off], nTx, nil
	}
	d := decoder{r: rs, seeker: rs, b: make([]byte, 0, window), compact: true}
	nTx := runScan(&d, block, allowWitness, shape)
	d.release()
	if d.err != nil {
		return nil, 0, d.err
	}
	if d.base == 0 {
		return d.b[:d.off], nTx, nil
	}
	total := d.base + d.off
	if _, err := rs.Seek(int64(-total), io.SeekCurrent); err != nil {
		return nil, 0, err
	}
	buf := make([]byte, total)
	if _, err := io.ReadFull(rs, buf); err != nil {
		return nil, 0, err
	}
	return buf, nTx, nil
}

// runScan scans a block or a transaction and returns the transaction count.
func runScan(d *decoder, block, allowWitness bool, shape *txShape) int {
	if block {
		return scanBlock(d, allowWitness, shape)
	}
	scanTx(d, allowWitness, shape)
	return 1
}

// tightFit reports whether buf, holding used bytes, is small enough to back
// decoded scripts directly; otherwise they are copied so that a large
// read-ahead buffer is not kept alive.
func tightFit(buf []byte, used int) bool {
	return cap(buf) <= 2*used+512
}

// txShape accumulates the counts found by scanTx, so that fillTx can work
// from exactly sized allocations.
type txShape struct {
	ins, outs, witItems int
	scriptBytes         int
	maxIns, maxOuts     int
	maxWit              int
}

// scanTx checks the structure of one transaction at the decoder's position
// and adds its counts to s. It allocates nothing (beyond a stream decoder's
// record of the bytes read).
func scanTx(d *decoder, allowWitness bool, s *txShape) {
	d.skip(4)
	nIn := d.count(1<<32-1, MinTxInPayload, "transaction inputs")
	hasWitness := false
	if nIn == 0 && allowWitness && d.err == nil {
		// The zero input count may be the segwit marker (BIP144).
		flag := d.u8()
		if d.err != nil {
			return
		}
		if flag == 0 {
			// Bitcoin Core reads this as a transaction with no inputs
			// and no outputs.
			d.skip(4)
			return
		}
		if flag != WitnessFlag {
			d.fail(errorf(ErrMalformedTx, "witness tx but flag byte is %x", flag))
			return
		}
		hasWitness = true
		nIn = d.count(1<<32-1, MinTxInPayload, "transaction inputs")
	}
	for i := 0; i < nIn && d.err == nil; i++ {
		d.skip(36)
		s.scriptBytes += d.skipVarBytes(maxScriptSize, "transaction input signature script")
		d.skip(4)
	}
	nOut := d.count(1<<32-1, MinTxOutPayload, "transaction outputs")
	for i := 0; i < nOut && d.err == nil; i++ {
		d.skip(8)
		s.scriptBytes += d.skipVarBytes(maxScriptSize, "transaction output public key script")
	}
	s.ins += nIn
	s.outs += nOut
	s.maxIns = max(s.maxIns, nIn)
	s.maxOuts = max(s.maxOuts, nOut)
	if hasWitness {
		nonEmpty := false
		wit := 0
		for i := 0; i < nIn && d.err == nil; i++ {
			n := d.count(1<<32-1, 1, "witness items")
			if n > 0 {
				nonEmpty = true
			}
			wit += n
			for j := 0; j < n && d.err == nil; j++ {
				s.scriptBytes += d.skipVarBytes(maxScriptSize, "script witness item")
			}
		}
		if d.err == nil && !nonEmpty {
			// Bitcoin Core: "Superfluous witness record".
			d.fail(makeError(ErrMalformedTx, "witness flag set but all witnesses are empty"))
			return
		}
		s.witItems += wit
		s.maxWit = max(s.maxWit, wit)
	}
	d.skip(4)
}

// smallTx holds the inputs and outputs of a small transaction in a single
// allocation, which is the common case for relayed transactions.
type smallTx struct {
	ins     [2]TxIn
	inPtrs  [2]*TxIn
	outs    [2]TxOut
	outPtrs [2]*TxOut
	wit     [4][]byte
}

// oneInTx is the single allocation of a one-input transaction with at most
// two outputs and two witness items, the most common shape of all (a
// P2WPKH or key-path P2TR payment with change).
type oneInTx struct {
	in     [1]TxIn
	inPtr  [1]*TxIn
	outs   [2]TxOut
	outPtr [2]*TxOut
	wit    [2][]byte
}

// txArena hands out exactly sized pieces of a few large allocations.
type txArena struct {
	ins     []TxIn
	inPtrs  []*TxIn
	outs    []TxOut
	outPtrs []*TxOut
	wit     [][]byte
	scripts []byte // nil when scripts alias the input
}

// newTxArena allocates room for everything counted in s.
func newTxArena(s *txShape, alias bool) txArena {
	var a txArena
	if s.ins <= 1 && s.outs <= 2 && s.witItems <= 2 {
		st := new(oneInTx)
		a.ins, a.inPtrs = st.in[:], st.inPtr[:]
		a.outs, a.outPtrs = st.outs[:], st.outPtr[:]
		a.wit = st.wit[:]
	} else if s.ins <= 2 && s.outs <= 2 && s.witItems <= 4 {
		st := new(smallTx)
		a.ins, a.inPtrs = st.ins[:], st.inPtrs[:]
		a.outs, a.outPtrs = st.outs[:], st.outPtrs[:]
		a.wit = st.wit[:]
	} else {
		a.ins = make([]TxIn, s.ins)
		a.outs = make([]TxOut, s.outs)
		a.inPtrs, a.outPtrs = pointerSlices(s.ins, s.outs)
		if s.witItems > 0 {
			a.wit = make([][]byte, s.witItems)
		}
	}
	if !alias && s.scriptBytes > 0 {
		a.scripts = make([]byte, 0, s.scriptBytes)
	}
	return a
}

// pointerSlices returns a []*TxIn of length nIn and a []*TxOut of length
// nOut that share one allocation, saving an allocation per decode. The
// memory is allocated as []unsafe.Pointer, so the garbage collector scans
// every word as a pointer, and each word is only ever used as one pointer
// (unsafe rule 1: both are single pointer words). Both slices are capped at
// their length, so an append reallocates instead of reaching the other.
func pointerSlices(nIn, nOut int) ([]*TxIn, []*TxOut) {
	if nIn+nOut == 0 {
		return nil, nil
	}
	mem := make([]unsafe.Pointer, nIn+nOut)
	var ins []*TxIn
	var outs []*TxOut
	if nIn > 0 {
		ins = unsafe.Slice((**TxIn)(unsafe.Pointer(&mem[0])), nIn)
	}
	if nOut > 0 {
		outs = unsafe.Slice((**TxOut)(unsafe.Pointer(&mem[nIn])), nOut)
	}
	return ins, outs
}

// script returns b, or a copy of it in the arena's script buffer.
func (a *txArena) script(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	if a.scripts == nil {
		return b
	}
	start := len(a.scripts)
	a.scripts = append(a.scripts, b...)
	return a.scripts[start:len(a.scripts):len(a.scripts)]
}

// fillTx decodes one transaction already checked by scanTx.
func fillTx(d *decoder, msg *MsgTx, allowWitness bool, a *txArena) {
	msg.Version = int32(d.u32())
	nIn := int(d.varInt())
	hasWitness := false
	msg.TxIn, msg.TxOut = nil, nil
	if nIn == 0 && allowWitness {
		if d.u8() == 0 {
			msg.LockTime = d.u32()
			return
		}
		hasWitness = true
		nIn = int(d.varInt())
	}
	if d.err != nil || nIn > len(a.ins) {
		d.fail(makeError(ErrMalformedTx, "transaction changed between scan and fill"))
		return
	}
	if nIn > 0 {
		ins := a.ins[:nIn:nIn]
		ptrs := a.inPtrs[:nIn:nIn]
		a.ins, a.inPtrs = a.ins[nIn:], a.inPtrs[nIn:]
		for i := range ins {
			in := &ins[i]
			d.hash(&in.PreviousOutPoint.Hash)
			in.PreviousOutPoint.Index = d.u32()
			in.SignatureScript = a.script(d.varBytesRef(maxScriptSize, "signature script"))
			in.Sequence = d.u32()
			ptrs[i] = in
		}
		msg.TxIn = ptrs
	}
	nOut := int(d.varInt())
	if d.err != nil || nOut > len(a.outs) {
		d.fail(makeError(ErrMalformedTx, "transaction changed between scan and fill"))
		return
	}
	if nOut > 0 {
		outs := a.outs[:nOut:nOut]
		ptrs := a.outPtrs[:nOut:nOut]
		a.outs, a.outPtrs = a.outs[nOut:], a.outPtrs[nOut:]
		for i := range outs {
			out := &outs[i]
			out.Value = int64(d.u64())
			out.PkScript = a.script(d.varBytesRef(maxScriptSize, "public key script"))
			ptrs[i] = out
		}
		msg.TxOut = ptrs
	}
	if hasWitness {
		for _, in := range msg.TxIn {
			n := int(d.varInt())
			if d.err != nil || n > len(a.wit) {
				d.fail(makeError(ErrMalformedTx, "transaction changed between scan and fill"))
				return
			}
			if n == 0 {
				continue
			}
			w := a.wit[:n:n]
			a.wit = a.wit[n:]
			for j := range w {
				w[j] = a.script(d.varBytesRef(maxScriptSize, "witness item"))
			}
			in.Witness = w
		}
	}
	msg.LockTime = d.u32()
}

// decode implements payloadCodec.
func (msg *MsgTx) decode(d *decoder, pver uint32, enc MessageEncoding) {
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
	scanTx(d, allowWitness, &shape)
	if d.err != nil {
		return
	}
	if err := msg.fillFrom(d.b[start:d.off], &shape, allowWitness, false); err != nil {
		d.fail(err)
	}
}

// appendPayload implements payloadCodec.
func (msg *MsgTx) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	return msg.appendTo(dst, enc == WitnessEncoding && msg.HasWitness()), nil
}

// payloadSizeHint implements sizeHinter.
func (msg *MsgTx) payloadSizeHint() int { return msg.SerializeSize() }
