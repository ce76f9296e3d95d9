package descriptor

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/binary"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/txscript"
)

// HardenedKeyStart is the first hardened BIP32 child index.
const HardenedKeyStart = 0x80000000

// extKeyLen is the length of a serialized BIP32 extended key before its
// base58 checksum: version, depth, parent fingerprint, child number, chain
// code and the 33-byte key.
const extKeyLen = 4 + 1 + 4 + 4 + 32 + 33

// ExtKey is a BIP32 extended key, private when priv is set. It is
// immutable: Child returns a new key.
type ExtKey struct {
	depth     byte
	parentFP  [4]byte
	childNum  uint32
	chainCode [32]byte
	priv      *btcec.PrivateKey
	pub       *btcec.PublicKey
}

// DecodeExtKey parses an xpub/xprv (or the network's equivalent, tpub and
// tprv off mainnet) for params.
func DecodeExtKey(s string, params *chaincfg.Params) (*ExtKey, error) {
	full, ok := txscript.Base58Decode(s)
	if !ok || len(full) != extKeyLen+4 ||
		!bytes.Equal(chainhash.DoubleHashB(full[:extKeyLen])[:4], full[extKeyLen:]) {
		return nil, errorf(ErrInvalidKey, "key '%s' is not valid", s)
	}
	var ver [4]byte
	copy(ver[:], full[:4])
	k := &ExtKey{depth: full[4]}
	copy(k.parentFP[:], full[5:9])
	k.childNum = binary.BigEndian.Uint32(full[9:13])
	copy(k.chainCode[:], full[13:45])
	keyData := full[45:78]
	switch ver {
	case params.HDPrivateKeyID:
		if keyData[0] != 0 {
			return nil, errorf(ErrInvalidKey, "key '%s' is not valid", s)
		}
		var sc btcec.ModNScalar
		if overflow := sc.SetByteSlice(keyData[1:]); overflow || sc.IsZero() {
			return nil, errorf(ErrInvalidKey, "key '%s' is not valid", s)
		}
		k.priv = &btcec.PrivateKey{Key: sc}
		k.pub = k.priv.PubKey()
	case params.HDPublicKeyID:
		pub, err := btcec.ParsePubKey(keyData)
		if err != nil || (keyData[0] != 2 && keyData[0] != 3) {
			return nil, errorf(ErrInvalidKey, "key '%s' is not valid", s)
		}
		k.pub = pub
	default:
		return nil, errorf(ErrInvalidKey, "key '%s' is not valid", s)
	}
	return k, nil
}

// IsPrivate reports whether the key holds its private half.
func (k *ExtKey) IsPrivate() bool { return k.priv != nil }

// PubKey returns the key's public key.
func (k *ExtKey) PubKey() *btcec.PublicKey { return k.pub }

// PrivKey returns the private key, nil for a public extended key.
func (k *ExtKey) PrivKey() *btcec.PrivateKey { return k.priv }

// Fingerprint is the first four bytes of HASH160 of the public key, the
// parent fingerprint its children carry.
func (k *ExtKey) Fingerprint() [4]byte {
	var fp [4]byte
	copy(fp[:], txscript.Hash160(k.pub.SerializeCompressed()))
	return fp
}

// Neuter returns the public extended key.
func (k *ExtKey) Neuter() *ExtKey {
	n := *k
	n.priv = nil
	return &n
}

// Encode serializes the key with the network's version bytes.
func (k *ExtKey) Encode(params *chaincfg.Params) string {
	b := make([]byte, 0, extKeyLen)
	if k.priv != nil {
		b = append(b, params.HDPrivateKeyID[:]...)
	} else {
		b = append(b, params.HDPublicKeyID[:]...)
	}
	b = append(b, k.depth)
	b = append(b, k.parentFP[:]...)
	b = binary.BigEndian.AppendUint32(b, k.childNum)
	b = append(b, k.chainCode[:]...)
	if k.priv != nil {
		b = append(b, 0)
		kb := k.priv.Key.Bytes()
		b = append(b, kb[:]...)
	} else {
		b = append(b, k.pub.SerializeCompressed()...)
	}
	return txscript.Base58CheckEncode(b[1:], b[0])
}

// Child derives child i (hardened from HardenedKeyStart, which needs the
// private key). The vanishingly rare invalid child is an error, as BIP32
// asks the caller to move to the next index.
func (k *ExtKey) Child(i uint32) (*ExtKey, error) {
	if i >= HardenedKeyStart && k.priv == nil {
		return nil, errorf(ErrHardenedFromPublic, "cannot derive hardened child %d from a public key", i-HardenedKeyStart)
	}
	data := make([]byte, 0, 37)
	if i >= HardenedKeyStart {
		kb := k.priv.Key.Bytes()
		data = append(append(data, 0), kb[:]...)
	} else {
		data = append(data, k.pub.SerializeCompressed()...)
	}
	data = binary.BigEndian.AppendUint32(data, i)
	mac := hmac.New(sha512.New, k.chainCode[:])
	mac.Write(data)
	sum := mac.Sum(nil)
	var il btcec.ModNScalar
	if overflow := il.SetByteSlice(sum[:32]); overflow {
		return nil, errorf(ErrInvalidKey, "invalid child %d", i)
	}
	child := &ExtKey{depth: k.depth + 1, parentFP: k.Fingerprint(), childNum: i}
	copy(child.chainCode[:], sum[32:])
	if k.priv != nil {
		var sc btcec.ModNScalar
		sc.Set(&il).Add(&k.priv.Key)
		if sc.IsZero() {
			return nil, errorf(ErrInvalidKey, "invalid child %d", i)
		}
		child.priv = &btcec.PrivateKey{Key: sc}
		child.pub = child.priv.PubKey()
		return child, nil
	}
	var ilPoint, parent, sum2 btcec.JacobianPoint
	btcec.ScalarBaseMultNonConst(&il, &ilPoint)
	k.pub.AsJacobian(&parent)
	btcec.AddNonConst(&ilPoint, &parent, &sum2)
	if (sum2.X.IsZero() && sum2.Y.IsZero()) || sum2.Z.IsZero() {
		return nil, errorf(ErrInvalidKey, "invalid child %d", i)
	}
	sum2.ToAffine()
	child.pub = btcec.NewPublicKey(&sum2.X, &sum2.Y)
	return child, nil
}

// Derive follows path from k.
func (k *ExtKey) Derive(path []uint32) (*ExtKey, error) {
	cur := k
	for _, i := range path {
		next, err := cur.Child(i)
		if err != nil {
			return nil, err
		}
		cur = next
	}
	return cur, nil
}
