package txscript

import (
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// These signing helpers build the signatures and witnesses of the standard
// spends for tests and regtest tools. They do not look up keys or check
// that the result verifies; run an Engine for that.

// RawTxInSignature returns a legacy ECDSA signature (DER plus the hash type
// byte) of input idx over subScript.
func RawTxInSignature(tx *wire.MsgTx, idx int, subScript []byte, hashType SigHashType,
	key *btcec.PrivateKey) ([]byte, error) {

	hash, err := CalcSignatureHash(subScript, hashType, tx, idx)
	if err != nil {
		return nil, err
	}
	sig := ecdsa.Sign(key, hash)
	return append(sig.Serialize(), byte(hashType)), nil
}

// RawTxInWitnessSignature returns a BIP143 ECDSA signature of input idx
// spending amt with scriptCode; a P2WPKH output script is replaced by its
// implied P2PKH script code, as btcd does.
func RawTxInWitnessSignature(tx *wire.MsgTx, sigHashes *TxSigHashes, idx int, amt int64,
	scriptCode []byte, hashType SigHashType, key *btcec.PrivateKey) ([]byte, error) {

	if IsPayToWitnessPubKeyHash(scriptCode) {
		scriptCode = payToPubKeyHash(scriptCode[2:])
	}
	hash, err := CalcWitnessSigHash(scriptCode, sigHashes, hashType, tx, idx, amt)
	if err != nil {
		return nil, err
	}
	sig := ecdsa.Sign(key, hash)
	return append(sig.Serialize(), byte(hashType)), nil
}

// serializePubKey serialises the key of priv.
func serializePubKey(priv *btcec.PrivateKey, compress bool) []byte {
	if compress {
		return priv.PubKey().SerializeCompressed()
	}
	return priv.PubKey().SerializeUncompressed()
}

// SignatureScript returns the scriptSig spending a P2PKH output (subScript
// is that output's script).
func SignatureScript(tx *wire.MsgTx, idx int, subScript []byte, hashType SigHashType,
	key *btcec.PrivateKey, compress bool) ([]byte, error) {

	sig, err := RawTxInSignature(tx, idx, subScript, hashType, key)
	if err != nil {
		return nil, err
	}
	return NewScriptBuilder().AddData(sig).AddData(serializePubKey(key, compress)).Script()
}

// WitnessSignature returns the witness spending a P2WPKH output of amt
// (subscript is its output script) paying key's public key, serialised
// compressed when compress is set (btcd's signature).
func WitnessSignature(tx *wire.MsgTx, sigHashes *TxSigHashes, idx int, amt int64,
	subscript []byte, hashType SigHashType, key *btcec.PrivateKey,
	compress bool) (wire.TxWitness, error) {

	pub := serializePubKey(key, compress)
	sig, err := RawTxInWitnessSignature(tx, sigHashes, idx, amt, subscript, hashType, key)
	if err != nil {
		return nil, err
	}
	return wire.TxWitness{sig, pub}, nil
}

// NestedWitnessSignature returns the scriptSig and witness spending a
// P2SH-P2WPKH output of amt paying key's compressed public key.
func NestedWitnessSignature(tx *wire.MsgTx, sigHashes *TxSigHashes, idx int, amt int64,
	hashType SigHashType, key *btcec.PrivateKey) ([]byte, wire.TxWitness, error) {

	redeem := payToWitness(0, hash160(key.PubKey().SerializeCompressed()))
	witness, err := WitnessSignature(tx, sigHashes, idx, amt, redeem, hashType, key, true)
	if err != nil {
		return nil, nil, err
	}
	return appendPush(nil, redeem), witness, nil
}

// WitnessMultiSigSignature returns the witness spending a P2WSH output of
// amt whose witnessScript is an m-of-n CHECKMULTISIG; keys sign in the order
// given, which must follow the script's key order.
func WitnessMultiSigSignature(tx *wire.MsgTx, sigHashes *TxSigHashes, idx int, amt int64,
	witnessScript []byte, hashType SigHashType, keys []*btcec.PrivateKey) (wire.TxWitness, error) {

	witness := wire.TxWitness{nil}
	for _, k := range keys {
		sig, err := RawTxInWitnessSignature(tx, sigHashes, idx, amt, witnessScript, hashType, k)
		if err != nil {
			return nil, err
		}
		witness = append(witness, sig)
	}
	return append(witness, witnessScript), nil
}

// schnorrSign signs hash and appends the hash type unless it is the default.
func schnorrSign(key *btcec.PrivateKey, hash []byte, hashType SigHashType) ([]byte, error) {
	sig, err := schnorr.Sign(key, hash)
	if err != nil {
		return nil, scriptError(ErrSigning, err.Error())
	}
	out := sig.Serialize()
	if hashType != SigHashDefault {
		out = append(out, byte(hashType))
	}
	return out, nil
}

// RawTxInTaprootSignature returns a key-path signature of input idx spending
// a P2TR output (amt, pkScript) whose internal key is key's and which commits
// to scriptRoot (nil for none). sigHashes must hold the BIP341 hashes (built
// with a fetcher that knows every spent output).
func RawTxInTaprootSignature(tx *wire.MsgTx, sigHashes *TxSigHashes, idx int, amt int64,
	pkScript []byte, scriptRoot []byte, hashType SigHashType, key *btcec.PrivateKey) ([]byte, error) {

	hash, err := taprootSigHashForSigning(tx, sigHashes, idx, amt, pkScript, hashType,
		&taprootSigHashOpts{})
	if err != nil {
		return nil, err
	}
	return schnorrSign(TweakTaprootPrivKey(*key, scriptRoot), hash[:], hashType)
}

// TaprootWitnessSignature returns the key-path witness of a P2TR input whose
// output key is key's tweaked with no script tree (BIP86), as btcd's does;
// use RawTxInTaprootSignature for an output with a script tree.
func TaprootWitnessSignature(tx *wire.MsgTx, sigHashes *TxSigHashes, idx int, amt int64,
	pkScript []byte, hashType SigHashType, key *btcec.PrivateKey) (wire.TxWitness, error) {

	sig, err := RawTxInTaprootSignature(tx, sigHashes, idx, amt, pkScript, nil, hashType, key)
	if err != nil {
		return nil, err
	}
	return wire.TxWitness{sig}, nil
}

// TapLeaf is a leaf of a taproot script tree.
type TapLeaf struct {
	LeafVersion byte
	Script      []byte
}

// NewBaseTapLeaf returns a BIP342 tapscript leaf.
func NewBaseTapLeaf(script []byte) TapLeaf {
	return TapLeaf{LeafVersion: BaseLeafVersion, Script: script}
}

// TapHash returns the leaf hash.
func (l TapLeaf) TapHash() chainhash.Hash {
	return TapLeafHash(l.LeafVersion, l.Script)
}

// RawTxInTapscriptSignature returns a script-path (BIP342) signature of
// input idx for tapLeaf, by key itself (not tweaked), committing to no code
// separator and no annex.
func RawTxInTapscriptSignature(tx *wire.MsgTx, sigHashes *TxSigHashes, idx int, amt int64,
	pkScript []byte, tapLeaf TapLeaf, hashType SigHashType,
	key *btcec.PrivateKey) ([]byte, error) {

	hash, err := taprootSigHashForSigning(tx, sigHashes, idx, amt, pkScript, hashType,
		&taprootSigHashOpts{tapscript: true, tapLeafHash: tapLeaf.TapHash(), codeSepPos: 0xffffffff})
	if err != nil {
		return nil, err
	}
	return schnorrSign(key, hash[:], hashType)
}

func taprootSigHashForSigning(tx *wire.MsgTx, sh *TxSigHashes, idx int, amt int64,
	pkScript []byte, hashType SigHashType, opts *taprootSigHashOpts) (chainhash.Hash, error) {

	if idx < 0 || idx >= len(tx.TxIn) {
		return chainhash.Hash{}, scriptError(ErrInvalidIndex, "input index out of range")
	}
	if sh == nil || !sh.hasV1 {
		return chainhash.Hash{}, scriptError(ErrMissingPrevOut,
			"taproot signing needs sighashes built with every spent output")
	}
	hash, ok := calcTaprootSigHash(sh, hashType, tx, idx, amt, pkScript, opts)
	if !ok {
		return hash, scriptError(ErrSchnorrSigHashType, "invalid taproot hash type for this input")
	}
	return hash, nil
}
