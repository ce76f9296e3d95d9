package txscript

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// SigHashType is the hash type byte that ends a signature and selects what
// part of the transaction it commits to.
type SigHashType uint32

// These are the signature hash types.
const (
	SigHashDefault      SigHashType = 0x00
	SigHashAll          SigHashType = 0x01
	SigHashNone         SigHashType = 0x02
	SigHashSingle       SigHashType = 0x03
	SigHashAnyOneCanPay SigHashType = 0x80

	// sigHashMask selects the base type of a legacy or BIP143 hash type.
	sigHashMask = 0x1f
)

// PrevOutputFetcher returns the output an input spends, or nil when unknown.
// Implementations used by a shared TxSigHashes must be safe for concurrent
// reads.
type PrevOutputFetcher interface {
	FetchPrevOutput(wire.OutPoint) *wire.TxOut
}

// MultiPrevOutFetcher is a PrevOutputFetcher backed by a map. It is safe for
// concurrent reads once filled.
type MultiPrevOutFetcher struct {
	prevOuts map[wire.OutPoint]*wire.TxOut
}

// NewMultiPrevOutFetcher returns a fetcher over prevOuts (which may be nil and
// filled later with AddPrevOut).
func NewMultiPrevOutFetcher(prevOuts map[wire.OutPoint]*wire.TxOut) *MultiPrevOutFetcher {
	if prevOuts == nil {
		prevOuts = make(map[wire.OutPoint]*wire.TxOut)
	}
	return &MultiPrevOutFetcher{prevOuts: prevOuts}
}

// FetchPrevOutput returns the output spent by op, or nil.
func (m *MultiPrevOutFetcher) FetchPrevOutput(op wire.OutPoint) *wire.TxOut {
	return m.prevOuts[op]
}

// AddPrevOut records the output spent by op.
func (m *MultiPrevOutFetcher) AddPrevOut(op wire.OutPoint, txOut *wire.TxOut) {
	m.prevOuts[op] = txOut
}

// CannedPrevOutputFetcher returns the same output for every outpoint; it
// suits single-input checks where only the spent output matters.
type CannedPrevOutputFetcher struct {
	pkScript []byte
	amt      int64
}

// NewCannedPrevOutputFetcher returns a fetcher answering (amt, pkScript).
func NewCannedPrevOutputFetcher(pkScript []byte, amt int64) *CannedPrevOutputFetcher {
	return &CannedPrevOutputFetcher{pkScript: pkScript, amt: amt}
}

// FetchPrevOutput returns the canned output.
func (c *CannedPrevOutputFetcher) FetchPrevOutput(wire.OutPoint) *wire.TxOut {
	return wire.NewTxOut(c.amt, c.pkScript)
}

// TxSigHashes holds the per-transaction midstates of BIP143 (double SHA256)
// and BIP341 (single SHA256), computed once so that hashing all N inputs of a
// transaction costs O(N). It is read-only after NewTxSigHashes and safe to
// share between goroutines.
type TxSigHashes struct {
	HashPrevOutsV0 chainhash.Hash
	HashSequenceV0 chainhash.Hash
	HashOutputsV0  chainhash.Hash

	HashPrevOutsV1     chainhash.Hash
	HashSequenceV1     chainhash.Hash
	HashOutputsV1      chainhash.Hash
	HashInputAmountsV1 chainhash.Hash
	HashInputScriptsV1 chainhash.Hash

	// hasV0 and hasV1 report which sets were computed; hasV1 needs every
	// spent output from the fetcher.
	hasV0 bool
	hasV1 bool
}

// NewTxSigHashes computes the midstates of tx. The BIP341 hashes over spent
// amounts and scripts are computed only if fetcher knows every spent output.
func NewTxSigHashes(tx *wire.MsgTx, fetcher PrevOutputFetcher) *TxSigHashes {
	h := &TxSigHashes{}
	h.computeV0V1(tx)
	if fetcher != nil {
		h.computeSpent(tx, fetcher)
	}
	return h
}

// computeV0V1 fills the prevout, sequence and output hashes.
func (h *TxSigHashes) computeV0V1(tx *wire.MsgTx) {
	var scratch [64]byte
	hp := sha256.New()
	for _, in := range tx.TxIn {
		b := append(scratch[:0], in.PreviousOutPoint.Hash[:]...)
		b = binary.LittleEndian.AppendUint32(b, in.PreviousOutPoint.Index)
		hp.Write(b)
	}
	hp.Sum(h.HashPrevOutsV1[:0])
	hs := sha256.New()
	for _, in := range tx.TxIn {
		hs.Write(binary.LittleEndian.AppendUint32(scratch[:0], in.Sequence))
	}
	hs.Sum(h.HashSequenceV1[:0])
	ho := sha256.New()
	for _, out := range tx.TxOut {
		writeTxOut(ho, out, scratch[:0])
	}
	ho.Sum(h.HashOutputsV1[:0])
	h.HashPrevOutsV0 = sha256.Sum256(h.HashPrevOutsV1[:])
	h.HashSequenceV0 = sha256.Sum256(h.HashSequenceV1[:])
	h.HashOutputsV0 = sha256.Sum256(h.HashOutputsV1[:])
	h.hasV0 = true
}

// computeSpent fills the BIP341 hashes of spent amounts and scripts.
func (h *TxSigHashes) computeSpent(tx *wire.MsgTx, fetcher PrevOutputFetcher) {
	var scratch [16]byte
	ha := sha256.New()
	hs := sha256.New()
	for _, in := range tx.TxIn {
		prev := fetcher.FetchPrevOutput(in.PreviousOutPoint)
		if prev == nil {
			return
		}
		ha.Write(binary.LittleEndian.AppendUint64(scratch[:0], uint64(prev.Value)))
		hs.Write(wire.AppendVarInt(scratch[:0], uint64(len(prev.PkScript))))
		hs.Write(prev.PkScript)
	}
	ha.Sum(h.HashInputAmountsV1[:0])
	hs.Sum(h.HashInputScriptsV1[:0])
	h.hasV1 = true
}

// writeTxOut writes the serialisation of out to w using scratch.
func writeTxOut(w interface{ Write([]byte) (int, error) }, out *wire.TxOut, scratch []byte) {
	b := binary.LittleEndian.AppendUint64(scratch[:0], uint64(out.Value))
	b = wire.AppendVarInt(b, uint64(len(out.PkScript)))
	w.Write(b)
	w.Write(out.PkScript)
}

// oneHash is the value Core returns for the SIGHASH_SINGLE bug and for an
// input index out of range: the number 1 as a little-endian uint256.
var oneHash = chainhash.Hash{0x01}

// removeCodeSeparators returns script without its OP_CODESEPARATOR opcodes,
// as Core's legacy serialiser does (bytes after a parse failure are kept).
func removeCodeSeparators(script []byte) []byte {
	t := MakeScriptTokenizer(script)
	found := false
	for t.Next() {
		if t.Opcode() == OP_CODESEPARATOR {
			found = true
			break
		}
	}
	if !found {
		return script
	}
	out := make([]byte, 0, len(script))
	t = MakeScriptTokenizer(script)
	start := 0
	for t.Next() {
		if t.Opcode() == OP_CODESEPARATOR {
			out = append(out, script[start:t.ByteIndex()-1]...)
			start = t.ByteIndex()
		}
	}
	return append(out, script[start:]...)
}

// CalcSignatureHash returns the legacy (pre-segwit) signature hash of input
// idx of tx for scriptCode. OP_CODESEPARATORs are removed from scriptCode
// here; FindAndDelete of the signature is the caller's job (the engine does
// it). The SIGHASH_SINGLE quirk is kept: with no matching output the hash is
// the number 1.
func CalcSignatureHash(scriptCode []byte, hashType SigHashType, tx *wire.MsgTx, idx int) ([]byte, error) {
	if idx < 0 || idx >= len(tx.TxIn) {
		return nil, scriptError(ErrInvalidIndex, "input index out of range")
	}
	h := calcLegacySigHash(scriptCode, hashType, tx, idx)
	return h[:], nil
}

// calcLegacySigHash is CalcSignatureHash without the index check.
func calcLegacySigHash(scriptCode []byte, hashType SigHashType, tx *wire.MsgTx, idx int) chainhash.Hash {
	if idx >= len(tx.TxIn) {
		return oneHash
	}
	base := hashType & sigHashMask
	if base == SigHashSingle && idx >= len(tx.TxOut) {
		return oneHash
	}
	scriptCode = removeCodeSeparators(scriptCode)
	anyone := hashType&SigHashAnyOneCanPay != 0

	size := 4 + 9 + 9 + 4 + 4 + len(scriptCode) + 9
	if anyone {
		size += 41
	} else {
		size += 41 * len(tx.TxIn)
	}
	if base != SigHashNone {
		for _, out := range tx.TxOut {
			size += 8 + 9 + len(out.PkScript)
		}
	}
	buf := make([]byte, 0, size)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(tx.Version))
	writeIn := func(i int) {
		in := tx.TxIn[i]
		buf = append(buf, in.PreviousOutPoint.Hash[:]...)
		buf = binary.LittleEndian.AppendUint32(buf, in.PreviousOutPoint.Index)
		if i == idx {
			buf = wire.AppendVarBytes(buf, scriptCode)
		} else {
			buf = append(buf, 0)
		}
		seq := in.Sequence
		if i != idx && (base == SigHashNone || base == SigHashSingle) {
			seq = 0
		}
		buf = binary.LittleEndian.AppendUint32(buf, seq)
	}
	if anyone {
		buf = append(buf, 1)
		writeIn(idx)
	} else {
		buf = wire.AppendVarInt(buf, uint64(len(tx.TxIn)))
		for i := range tx.TxIn {
			writeIn(i)
		}
	}
	switch base {
	case SigHashNone:
		buf = append(buf, 0)
	case SigHashSingle:
		buf = wire.AppendVarInt(buf, uint64(idx+1))
		for i := 0; i < idx; i++ {
			buf = append(buf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0)
		}
		out := tx.TxOut[idx]
		buf = binary.LittleEndian.AppendUint64(buf, uint64(out.Value))
		buf = wire.AppendVarBytes(buf, out.PkScript)
	default:
		buf = wire.AppendVarInt(buf, uint64(len(tx.TxOut)))
		for _, out := range tx.TxOut {
			buf = binary.LittleEndian.AppendUint64(buf, uint64(out.Value))
			buf = wire.AppendVarBytes(buf, out.PkScript)
		}
	}
	buf = binary.LittleEndian.AppendUint32(buf, tx.LockTime)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(hashType))
	return chainhash.DoubleHashH(buf)
}

// CalcWitnessSigHash returns the BIP143 (witness v0) signature hash of input
// idx spending amount with scriptCode. sigHashes may be nil, in which case the
// midstates are computed for this call.
func CalcWitnessSigHash(scriptCode []byte, sigHashes *TxSigHashes, hashType SigHashType,
	tx *wire.MsgTx, idx int, amount int64) ([]byte, error) {

	if idx < 0 || idx >= len(tx.TxIn) {
		return nil, scriptError(ErrInvalidIndex, "input index out of range")
	}
	h := calcWitnessSigHash(scriptCode, sigHashes, hashType, tx, idx, amount)
	return h[:], nil
}

func calcWitnessSigHash(scriptCode []byte, sigHashes *TxSigHashes, hashType SigHashType,
	tx *wire.MsgTx, idx int, amount int64) chainhash.Hash {

	if sigHashes == nil || !sigHashes.hasV0 {
		sigHashes = &TxSigHashes{}
		sigHashes.computeV0V1(tx)
	}
	var arr [512]byte
	buf := arr[:0]
	base := hashType & sigHashMask
	anyone := hashType&SigHashAnyOneCanPay != 0
	var zero chainhash.Hash

	buf = binary.LittleEndian.AppendUint32(buf, uint32(tx.Version))
	if !anyone {
		buf = append(buf, sigHashes.HashPrevOutsV0[:]...)
	} else {
		buf = append(buf, zero[:]...)
	}
	if !anyone && base != SigHashSingle && base != SigHashNone {
		buf = append(buf, sigHashes.HashSequenceV0[:]...)
	} else {
		buf = append(buf, zero[:]...)
	}
	in := tx.TxIn[idx]
	buf = append(buf, in.PreviousOutPoint.Hash[:]...)
	buf = binary.LittleEndian.AppendUint32(buf, in.PreviousOutPoint.Index)
	buf = wire.AppendVarBytes(buf, scriptCode)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(amount))
	buf = binary.LittleEndian.AppendUint32(buf, in.Sequence)
	switch {
	case base != SigHashSingle && base != SigHashNone:
		buf = append(buf, sigHashes.HashOutputsV0[:]...)
	case base == SigHashSingle && idx < len(tx.TxOut):
		var scratch [32]byte
		hw := sha256.New()
		writeTxOut(hw, tx.TxOut[idx], scratch[:0])
		single := sha256.Sum256(hw.Sum(scratch[:0]))
		buf = append(buf, single[:]...)
	default:
		buf = append(buf, zero[:]...)
	}
	buf = binary.LittleEndian.AppendUint32(buf, tx.LockTime)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(hashType))
	return chainhash.DoubleHashH(buf)
}
