package txscript

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// tagPrefix holds SHA256(tag) twice, the prefix of a BIP340 tagged hash.
type tagPrefix [64]byte

func makeTag(tag string) tagPrefix {
	h := sha256.Sum256([]byte(tag))
	var p tagPrefix
	copy(p[:32], h[:])
	copy(p[32:], h[:])
	return p
}

// These are the tag prefixes used by taproot; they are never modified.
var (
	tagTapSighash = makeTag("TapSighash")
	tagTapLeaf    = makeTag("TapLeaf")
	tagTapBranch  = makeTag("TapBranch")
	tagTapTweak   = makeTag("TapTweak")
)

// taggedHash returns SHA256(SHA256(tag) || SHA256(tag) || msgs...).
func taggedHash(tag *tagPrefix, msgs ...[]byte) chainhash.Hash {
	h := sha256.New()
	h.Write(tag[:])
	for _, m := range msgs {
		h.Write(m)
	}
	var out chainhash.Hash
	h.Sum(out[:0])
	return out
}

// TapLeafHash returns the BIP341 hash of a tapscript leaf.
func TapLeafHash(leafVersion byte, script []byte) chainhash.Hash {
	var hdr [10]byte
	b := append(hdr[:0], leafVersion)
	b = wire.AppendVarInt(b, uint64(len(script)))
	return taggedHash(&tagTapLeaf, b, script)
}

// TapBranchHash returns the hash of two child nodes, sorted.
func TapBranchHash(a, b []byte) chainhash.Hash {
	if bytes.Compare(a, b) > 0 {
		a, b = b, a
	}
	return taggedHash(&tagTapBranch, a, b)
}

// TapTweakHash returns the BIP341 tweak of an x-only internal key with an
// optional script root (nil for a key-path-only output).
func TapTweakHash(internalKey []byte, scriptRoot []byte) chainhash.Hash {
	return taggedHash(&tagTapTweak, internalKey, scriptRoot)
}

// tweakPoint returns P + t*G for the x-only key p and tweak t; ok is false if
// p is not a valid x coordinate or t overflows the group order.
func tweakPoint(p []byte, t *chainhash.Hash) (*btcec.PublicKey, bool) {
	pk, err := schnorr.ParsePubKey(p)
	if err != nil {
		return nil, false
	}
	var tweak btcec.ModNScalar
	if overflow := tweak.SetBytes((*[32]byte)(t)); overflow != 0 {
		return nil, false
	}
	var P, T, Q btcec.JacobianPoint
	pk.AsJacobian(&P)
	btcec.ScalarBaseMultNonConst(&tweak, &T)
	btcec.AddNonConst(&P, &T, &Q)
	if (Q.X.IsZero() && Q.Y.IsZero()) || Q.Z.IsZero() {
		return nil, false
	}
	Q.ToAffine()
	return btcec.NewPublicKey(&Q.X, &Q.Y), true
}

// verifyTaprootCommitment is Core's VerifyTaprootCommitment: it walks the
// control block's merkle path from leafHash and checks that the internal key
// tweaked by the root is the output key with the stated parity.
func verifyTaprootCommitment(control, program []byte, leafHash chainhash.Hash) bool {
	k := leafHash
	path := control[ControlBlockBaseSize:]
	for len(path) > 0 {
		k = TapBranchHash(k[:], path[:ControlBlockNodeSize])
		path = path[ControlBlockNodeSize:]
	}
	internal := control[1:ControlBlockBaseSize]
	t := TapTweakHash(internal, k[:])
	q, ok := tweakPoint(internal, &t)
	if !ok {
		return false
	}
	ser := q.SerializeCompressed()
	return bytes.Equal(ser[1:], program) && ser[0]&1 == control[0]&1
}

// ComputeTaprootOutputKey returns the output key of internalKey committing
// to scriptRoot (nil or empty for a key-path-only output, which BIP341
// recommends tweaking with the empty root).
func ComputeTaprootOutputKey(internalKey *btcec.PublicKey, scriptRoot []byte) *btcec.PublicKey {
	x := schnorr.SerializePubKey(internalKey)
	t := TapTweakHash(x, scriptRoot)
	q, ok := tweakPoint(x, &t)
	if !ok {
		// A tweak at or above the group order has negligible probability.
		return internalKey
	}
	return q
}

// ComputeTaprootKeyNoScript is ComputeTaprootOutputKey with no script tree.
func ComputeTaprootKeyNoScript(internalKey *btcec.PublicKey) *btcec.PublicKey {
	return ComputeTaprootOutputKey(internalKey, nil)
}

// TweakTaprootPrivKey returns the private key of the output key for
// privKey's x-only public key committing to scriptRoot (btcd's signature).
func TweakTaprootPrivKey(privKey btcec.PrivateKey, scriptRoot []byte) *btcec.PrivateKey {
	var d btcec.ModNScalar
	d.Set(&privKey.Key)
	pub := privKey.PubKey().SerializeCompressed()
	if pub[0] == 0x03 {
		d.Negate()
	}
	t := TapTweakHash(pub[1:], scriptRoot)
	var tweak btcec.ModNScalar
	tweak.SetBytes((*[32]byte)(&t))
	d.Add(&tweak)
	return &btcec.PrivateKey{Key: d}
}

// ControlBlock is a parsed taproot control block.
type ControlBlock struct {
	InternalKey     *btcec.PublicKey
	OutputKeyYIsOdd bool
	LeafVersion     byte
	InclusionProof  []byte
}

// ToBytes serialises the control block.
func (c *ControlBlock) ToBytes() []byte {
	b := make([]byte, 0, ControlBlockBaseSize+len(c.InclusionProof))
	first := c.LeafVersion & TaprootLeafMask
	if c.OutputKeyYIsOdd {
		first |= 1
	}
	b = append(b, first)
	b = append(b, schnorr.SerializePubKey(c.InternalKey)...)
	return append(b, c.InclusionProof...)
}

// RootHash returns the script tree root proven for leaf script.
func (c *ControlBlock) RootHash(script []byte) []byte {
	k := TapLeafHash(c.LeafVersion, script)
	for p := c.InclusionProof; len(p) >= ControlBlockNodeSize; p = p[ControlBlockNodeSize:] {
		k = TapBranchHash(k[:], p[:ControlBlockNodeSize])
	}
	return k[:]
}

// ParseControlBlock parses a control block.
func ParseControlBlock(b []byte) (*ControlBlock, error) {
	if len(b) < ControlBlockBaseSize || len(b) > ControlBlockMaxSize ||
		(len(b)-ControlBlockBaseSize)%ControlBlockNodeSize != 0 {
		return nil, scriptError(ErrTaprootWrongControlSize, "invalid control block size")
	}
	key, err := schnorr.ParsePubKey(b[1:ControlBlockBaseSize])
	if err != nil {
		return nil, scriptError(ErrWitnessProgramMismatch, "invalid internal key: "+err.Error())
	}
	return &ControlBlock{
		InternalKey:     key,
		OutputKeyYIsOdd: b[0]&1 == 1,
		LeafVersion:     b[0] & TaprootLeafMask,
		InclusionProof:  append([]byte(nil), b[ControlBlockBaseSize:]...),
	}, nil
}

// taprootSigHashOpts carries the script-path parts of a BIP341 message.
type taprootSigHashOpts struct {
	annexHash   *chainhash.Hash
	tapscript   bool
	tapLeafHash chainhash.Hash
	codeSepPos  uint32
}

// isValidTaprootSigHash reports whether a hash type is defined for taproot.
func isValidTaprootSigHash(ht SigHashType) bool {
	return ht <= 0x03 || (ht >= 0x81 && ht <= 0x83)
}

// calcTaprootSigHash is Core's SignatureHashSchnorr; sh must have the BIP341
// hashes. ok is false for an undefined hash type or SIGHASH_SINGLE without a
// matching output.
func calcTaprootSigHash(sh *TxSigHashes, hashType SigHashType, tx *wire.MsgTx, idx int,
	amount int64, pkScript []byte, opts *taprootSigHashOpts) (chainhash.Hash, bool) {

	var arr [400]byte
	msg, ok := taprootSigMsg(arr[:0], sh, hashType, tx, idx, amount, pkScript, opts)
	if !ok {
		return chainhash.Hash{}, false
	}
	return taggedHash(&tagTapSighash, msg), true
}

// taprootSigMsg appends the BIP341 signature message to b.
func taprootSigMsg(b []byte, sh *TxSigHashes, hashType SigHashType, tx *wire.MsgTx, idx int,
	amount int64, pkScript []byte, opts *taprootSigHashOpts) ([]byte, bool) {

	if !isValidTaprootSigHash(hashType) {
		return nil, false
	}
	outputType := hashType & 0x03
	if hashType == SigHashDefault {
		outputType = SigHashAll
	}
	anyone := hashType&SigHashAnyOneCanPay != 0
	if outputType == SigHashSingle && idx >= len(tx.TxOut) {
		return nil, false
	}
	b = append(b, 0x00, byte(hashType)) // epoch, hash type
	b = binary.LittleEndian.AppendUint32(b, uint32(tx.Version))
	b = binary.LittleEndian.AppendUint32(b, tx.LockTime)
	if !anyone {
		b = append(b, sh.HashPrevOutsV1[:]...)
		b = append(b, sh.HashInputAmountsV1[:]...)
		b = append(b, sh.HashInputScriptsV1[:]...)
		b = append(b, sh.HashSequenceV1[:]...)
	}
	if outputType == SigHashAll {
		b = append(b, sh.HashOutputsV1[:]...)
	}
	var spendType byte
	if opts.tapscript {
		spendType = 2
	}
	if opts.annexHash != nil {
		spendType |= 1
	}
	b = append(b, spendType)
	in := tx.TxIn[idx]
	if anyone {
		b = append(b, in.PreviousOutPoint.Hash[:]...)
		b = binary.LittleEndian.AppendUint32(b, in.PreviousOutPoint.Index)
		b = binary.LittleEndian.AppendUint64(b, uint64(amount))
		b = wire.AppendVarBytes(b, pkScript)
		b = binary.LittleEndian.AppendUint32(b, in.Sequence)
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(idx))
	}
	if opts.annexHash != nil {
		b = append(b, opts.annexHash[:]...)
	}
	if outputType == SigHashSingle {
		var scratch [32]byte
		h := sha256.New()
		writeTxOut(h, tx.TxOut[idx], scratch[:0])
		b = h.Sum(b)
	}
	if opts.tapscript {
		b = append(b, opts.tapLeafHash[:]...)
		b = append(b, 0x00) // key version
		b = binary.LittleEndian.AppendUint32(b, opts.codeSepPos)
	}
	return b, true
}

// CalcTaprootSignatureHash returns the BIP341 key-path signature hash of
// input idx. fetcher must know every spent output.
func CalcTaprootSignatureHash(sigHashes *TxSigHashes, hashType SigHashType, tx *wire.MsgTx,
	idx int, fetcher PrevOutputFetcher) ([]byte, error) {

	return calcTaprootSigHashExported(sigHashes, hashType, tx, idx, fetcher, &taprootSigHashOpts{})
}

// CalcTapscriptSignatureHash returns the BIP342 script-path signature hash
// of input idx for the leaf with tapLeafHash, with no code separator
// executed and no annex.
func CalcTapscriptSignatureHash(sigHashes *TxSigHashes, hashType SigHashType, tx *wire.MsgTx,
	idx int, fetcher PrevOutputFetcher, tapLeafHash chainhash.Hash) ([]byte, error) {

	return calcTaprootSigHashExported(sigHashes, hashType, tx, idx, fetcher, &taprootSigHashOpts{
		tapscript: true, tapLeafHash: tapLeafHash, codeSepPos: 0xffffffff,
	})
}

func calcTaprootSigHashExported(sh *TxSigHashes, hashType SigHashType, tx *wire.MsgTx,
	idx int, fetcher PrevOutputFetcher, opts *taprootSigHashOpts) ([]byte, error) {

	if idx < 0 || idx >= len(tx.TxIn) {
		return nil, scriptError(ErrInvalidIndex, "input index out of range")
	}
	if fetcher == nil {
		return nil, scriptError(ErrMissingPrevOut, "taproot signature hash needs a fetcher")
	}
	if sh == nil || !sh.hasV1 {
		sh = &TxSigHashes{}
		sh.computeV0V1(tx)
		sh.computeSpent(tx, fetcher)
	}
	prev := fetcher.FetchPrevOutput(tx.TxIn[idx].PreviousOutPoint)
	if !sh.hasV1 || prev == nil {
		return nil, scriptError(ErrMissingPrevOut, "taproot signature hash needs every spent output")
	}
	h, ok := calcTaprootSigHash(sh, hashType, tx, idx, prev.Value, prev.PkScript, opts)
	if !ok {
		return nil, scriptError(ErrSchnorrSigHashType, "invalid taproot hash type for this input")
	}
	return h[:], nil
}
