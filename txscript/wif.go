package txscript

import (
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/tern-org/ternd/chaincfg"
)

// EncodeWIF returns the wallet import format string of a private key.
func EncodeWIF(priv *btcec.PrivateKey, compressed bool, params *chaincfg.Params) string {
	payload := priv.Serialize()
	if compressed {
		payload = append(payload, 0x01)
	}
	return Base58CheckEncode(payload, params.PrivateKeyID)
}

// DecodeWIF parses a wallet import format string for the network and
// returns the key and whether its public key is compressed.
func DecodeWIF(wif string, params *chaincfg.Params) (*btcec.PrivateKey, bool, error) {
	version, payload, err := Base58CheckDecode(wif)
	if err != nil {
		return nil, false, err
	}
	if version != params.PrivateKeyID {
		return nil, false, scriptError(ErrUnknownNetwork, "private key is for another network")
	}
	compressed := false
	switch {
	case len(payload) == 33 && payload[32] == 0x01:
		compressed = true
		payload = payload[:32]
	case len(payload) == 32:
	default:
		return nil, false, scriptError(ErrInvalidAddress, "malformed private key")
	}
	var k btcec.ModNScalar
	if overflow := k.SetByteSlice(payload); overflow || k.IsZero() {
		return nil, false, scriptError(ErrInvalidAddress, "private key out of range")
	}
	return &btcec.PrivateKey{Key: k}, compressed, nil
}
