package txscript

import (
	"bytes"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// evalCheckSig is Core's EvalChecksig: it returns whether the signature is
// valid, or an error when the rules in force turn a bad signature or key
// into a script failure.
func (vm *Engine) evalCheckSig(sig, pubKey, scriptCode []byte, sv sigVersion) (bool, error) {
	if sv == sigVersionTapscript {
		success := len(sig) > 0
		if success {
			vm.tap.weightLeft -= validationWeightPerSigOp
			if vm.tap.weightLeft < 0 {
				return false, scriptError(ErrTapscriptValidationWeight,
					"tapscript validation weight budget exceeded")
			}
		}
		switch {
		case len(pubKey) == 0:
			return false, scriptError(ErrTapscriptEmptyPubKey, "empty public key in tapscript")
		case len(pubKey) == 32:
			if success {
				if err := vm.checkSchnorrSignature(sig, pubKey, sv); err != nil {
					return false, err
				}
			}
		default:
			if vm.hasFlag(ScriptVerifyDiscourageUpgradeablePubkeyType) {
				return false, scriptError(ErrDiscourageUpgradablePubKey, fmt.Sprintf(
					"tapscript public key of %d bytes is reserved for upgrades", len(pubKey)))
			}
		}
		return success, nil
	}

	if sv == sigVersionBase {
		var found bool
		scriptCode, found = findAndDeleteSig(scriptCode, sig)
		if found && vm.hasFlag(ScriptVerifyConstScriptCode) {
			return false, scriptError(ErrSigFindAndDelete, "signature found in script code")
		}
	}
	if err := vm.checkSignatureEncoding(sig); err != nil {
		return false, err
	}
	if err := vm.checkPubKeyEncoding(pubKey, sv); err != nil {
		return false, err
	}
	ok := vm.verifyECDSA(sig, pubKey, scriptCode, sv)
	if !ok && vm.hasFlag(ScriptVerifyNullFail) && len(sig) > 0 {
		return false, scriptError(ErrNullFail, "failed signature check with a non-empty signature")
	}
	return ok, nil
}

// findAndDeleteSig is Core's FindAndDelete(script, CScript() << sig): it
// removes every push of sig that starts at an opcode boundary and reports
// whether any was found. script is not modified.
func findAndDeleteSig(script, sig []byte) ([]byte, bool) {
	var pushArr [80]byte
	pattern := appendPush(pushArr[:0], sig)
	var out []byte
	found := false
	pc, keep := 0, 0
	for {
		for len(script)-pc >= len(pattern) && bytes.Equal(script[pc:pc+len(pattern)], pattern) {
			if !found {
				out = make([]byte, 0, len(script))
				found = true
			}
			out = append(out, script[keep:pc]...)
			pc += len(pattern)
			keep = pc
		}
		if pc >= len(script) {
			break
		}
		next, ok := nextOpEnd(script, pc)
		if !ok {
			break
		}
		pc = next
	}
	if !found {
		return script, false
	}
	return append(out, script[keep:]...), true
}

// nextOpEnd returns the offset after the opcode starting at pc.
func nextOpEnd(script []byte, pc int) (int, bool) {
	t := MakeScriptTokenizer(script[pc:])
	if !t.Next() {
		return 0, false
	}
	return pc + t.ByteIndex(), true
}

// appendPush appends a push of data in CScript's operator<< form (no OP_N
// shortcut).
func appendPush(dst, data []byte) []byte {
	n := len(data)
	switch {
	case n < OP_PUSHDATA1:
		dst = append(dst, byte(n))
	case n <= 0xff:
		dst = append(dst, OP_PUSHDATA1, byte(n))
	case n <= 0xffff:
		dst = append(dst, OP_PUSHDATA2, byte(n), byte(n>>8))
	default:
		dst = append(dst, OP_PUSHDATA4, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	}
	return append(dst, data...)
}

// IsStrictDERSignature reports whether sig (with its hash type byte) is a
// strict BIP66 DER encoding (Core's IsValidSignatureEncoding).
func IsStrictDERSignature(sig []byte) bool {
	if len(sig) < 9 || len(sig) > 73 {
		return false
	}
	if sig[0] != 0x30 || int(sig[1]) != len(sig)-3 {
		return false
	}
	lenR := int(sig[3])
	if 5+lenR >= len(sig) {
		return false
	}
	lenS := int(sig[5+lenR])
	if lenR+lenS+7 != len(sig) {
		return false
	}
	if sig[2] != 0x02 || lenR == 0 || sig[4]&0x80 != 0 {
		return false
	}
	if lenR > 1 && sig[4] == 0 && sig[5]&0x80 == 0 {
		return false
	}
	if sig[lenR+4] != 0x02 || lenS == 0 || sig[lenR+6]&0x80 != 0 {
		return false
	}
	if lenS > 1 && sig[lenR+6] == 0 && sig[lenR+7]&0x80 == 0 {
		return false
	}
	return true
}

// halfOrder is N/2 of secp256k1 in big-endian bytes.
var halfOrder = [32]byte{
	0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d,
	0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
}

// isLowS reports whether the S of a strict-DER signature is at most N/2.
func isLowS(sig []byte) bool {
	lenR := int(sig[3])
	s := sig[6+lenR : len(sig)-1]
	for len(s) > 0 && s[0] == 0 {
		s = s[1:]
	}
	if len(s) > 32 {
		return false
	}
	var padded [32]byte
	copy(padded[32-len(s):], s)
	return bytes.Compare(padded[:], halfOrder[:]) <= 0
}

// checkSignatureEncoding is Core's CheckSignatureEncoding.
func (vm *Engine) checkSignatureEncoding(sig []byte) error {
	if len(sig) == 0 {
		return nil
	}
	strict := ScriptVerifyDERSignatures | ScriptVerifyLowS | ScriptVerifyStrictEncoding
	if vm.flags&strict != 0 && !IsStrictDERSignature(sig) {
		return scriptError(ErrSigDER, "signature is not strict DER")
	}
	if vm.hasFlag(ScriptVerifyLowS) && !isLowS(sig) {
		return scriptError(ErrSigHighS, "signature S is above half the group order")
	}
	if vm.hasFlag(ScriptVerifyStrictEncoding) {
		ht := SigHashType(sig[len(sig)-1]) &^ SigHashAnyOneCanPay
		if ht < SigHashAll || ht > SigHashSingle {
			return scriptError(ErrSigHashType, fmt.Sprintf("undefined hash type %#x", sig[len(sig)-1]))
		}
	}
	return nil
}

// isCompressedOrUncompressedPubKey is Core's check of the same name.
func isCompressedOrUncompressedPubKey(pk []byte) bool {
	switch {
	case len(pk) == 33 && (pk[0] == 0x02 || pk[0] == 0x03):
		return true
	case len(pk) == 65 && pk[0] == 0x04:
		return true
	}
	return false
}

// checkPubKeyEncoding is Core's CheckPubKeyEncoding.
func (vm *Engine) checkPubKeyEncoding(pk []byte, sv sigVersion) error {
	if vm.hasFlag(ScriptVerifyStrictEncoding) && !isCompressedOrUncompressedPubKey(pk) {
		return scriptError(ErrPubKeyType, "public key is neither compressed nor uncompressed")
	}
	if vm.hasFlag(ScriptVerifyWitnessPubKeyType) && sv == sigVersionWitnessV0 &&
		!(len(pk) == 33 && (pk[0] == 0x02 || pk[0] == 0x03)) {
		return scriptError(ErrWitnessPubKeyType, "witness v0 public key is not compressed")
	}
	return nil
}

// pubKeyHeaderSizeOK is CPubKey::IsValid: the length matches the header.
func pubKeyHeaderSizeOK(pk []byte) bool {
	if len(pk) == 0 {
		return false
	}
	switch pk[0] {
	case 2, 3:
		return len(pk) == 33
	case 4, 6, 7:
		return len(pk) == 65
	}
	return false
}

// verifyECDSA is Core's CheckECDSASignature: sig ends with its hash type.
func (vm *Engine) verifyECDSA(sig, pubKey, scriptCode []byte, sv sigVersion) bool {
	if !pubKeyHeaderSizeOK(pubKey) || len(sig) == 0 {
		return false
	}
	hashType := SigHashType(sig[len(sig)-1])
	sig = sig[:len(sig)-1]
	var hash chainhash.Hash
	if sv == sigVersionBase {
		hash = calcLegacySigHash(scriptCode, hashType, vm.tx, vm.txIdx)
	} else {
		hash = calcWitnessSigHash(scriptCode, vm.hashCache, hashType, vm.tx, vm.txIdx, vm.amount)
	}
	if vm.sigCache != nil && vm.sigCache.Exists(hash, sig, pubKey) {
		return true
	}
	pk, err := btcec.ParsePubKey(pubKey)
	if err != nil {
		return false
	}
	s, err := ecdsa.ParseSignature(sig)
	if err != nil {
		return false
	}
	if !s.Verify(hash[:], pk) {
		return false
	}
	if vm.sigCache != nil {
		vm.sigCache.Add(hash, sig, pubKey)
	}
	return true
}

// checkSchnorrSignature is Core's CheckSchnorrSignature for the key path
// (sv = taproot) and tapscript.
func (vm *Engine) checkSchnorrSignature(sig, pubKey []byte, sv sigVersion) error {
	if len(sig) != 64 && len(sig) != 65 {
		return scriptError(ErrSchnorrSigSize, fmt.Sprintf(
			"schnorr signature has %d bytes", len(sig)))
	}
	hashType := SigHashDefault
	if len(sig) == 65 {
		hashType = SigHashType(sig[64])
		if hashType == SigHashDefault {
			return scriptError(ErrSchnorrSigHashType,
				"65-byte schnorr signature with the default hash type")
		}
		sig = sig[:64]
	}
	hash, err := vm.taprootSigHash(hashType, sv)
	if err != nil {
		return err
	}
	if vm.sigCache != nil && vm.sigCache.Exists(hash, sig, pubKey) {
		return nil
	}
	if !verifySchnorr(sig, pubKey, hash[:]) {
		return scriptError(ErrSchnorrSig, "invalid schnorr signature")
	}
	if vm.sigCache != nil {
		vm.sigCache.Add(hash, sig, pubKey)
	}
	return nil
}

// verifySchnorr checks a 64-byte BIP340 signature against an x-only key.
func verifySchnorr(sig, pubKey, hash []byte) bool {
	pk, err := schnorr.ParsePubKey(pubKey)
	if err != nil {
		return false
	}
	s, err := schnorr.ParseSignature(sig)
	if err != nil {
		return false
	}
	return s.Verify(hash, pk)
}

// taprootSigHash computes the BIP341 hash for this input.
func (vm *Engine) taprootSigHash(hashType SigHashType, sv sigVersion) (chainhash.Hash, error) {
	sh := vm.hashCache
	if sh == nil || !sh.hasV1 {
		sh = &TxSigHashes{}
		sh.computeV0V1(vm.tx)
		if vm.fetcher != nil {
			sh.computeSpent(vm.tx, vm.fetcher)
		}
		if !sh.hasV1 {
			return chainhash.Hash{}, scriptError(ErrMissingPrevOut,
				"taproot signature hash needs every spent output")
		}
		vm.hashCache = sh
	}
	var opts taprootSigHashOpts
	if vm.tap.annexPresent {
		opts.annexHash = &vm.tap.annexHash
	}
	if sv == sigVersionTapscript {
		opts.tapscript = true
		opts.tapLeafHash = vm.tap.tapLeafHash
		opts.codeSepPos = vm.tap.codeSepPos
	}
	hash, ok := calcTaprootSigHash(sh, hashType, vm.tx, vm.txIdx, vm.amount, vm.pkScript, &opts)
	if !ok {
		return hash, scriptError(ErrSchnorrSigHashType, fmt.Sprintf(
			"invalid taproot hash type %#x for this input", uint32(hashType)))
	}
	return hash, nil
}
