package v2transport

import (
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ellswift"
)

// EllswiftPubKeyLen is the size of an ElligatorSwift-encoded public key, the
// first thing each side sends.
const EllswiftPubKeyLen = 64

// ephemeralKey is one side's key for a single connection: the private key
// and the 64-byte ElligatorSwift encoding of its public key that was sent.
type ephemeralKey struct {
	priv     *btcec.PrivateKey
	ellswift [EllswiftPubKeyLen]byte
}

// newEphemeralKey draws a fresh private key and a uniformly random
// ElligatorSwift encoding of its public key from crypto/rand, so that the
// 64 bytes on the wire are indistinguishable from random.
func newEphemeralKey() (ephemeralKey, error) {
	priv, enc, err := ellswift.EllswiftCreate()
	if err != nil {
		return ephemeralKey{}, err
	}
	return ephemeralKey{priv: priv, ellswift: enc}, nil
}

// sharedSecret returns BIP324's ECDH secret: the tagged hash
// "bip324_ellswift_xonly_ecdh" of the initiator's encoding, the responder's
// encoding and the x coordinate of the shared point. Hashing the exact
// encodings binds the secret to the bytes on the wire, so an attacker
// cannot re-encode a key without the session failing.
func sharedSecret(key ephemeralKey, theirs [EllswiftPubKeyLen]byte,
	initiator bool) ([32]byte, error) {

	h, err := ellswift.V2Ecdh(key.priv, theirs, key.ellswift, initiator)
	if err != nil {
		return [32]byte{}, errorf(ErrBadEllswift,
			"v2transport: ECDH with the remote's public key: %v", err)
	}
	return *h, nil
}
