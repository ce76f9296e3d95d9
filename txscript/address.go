package txscript

import (
	"strings"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/tern-org/ternd/chaincfg"
)

// Address is a destination that an output script can pay: it encodes to
// the string users see and knows the script it stands for.
type Address interface {
	// String returns the encoded address.
	String() string

	// EncodeAddress returns the encoded address (same as String).
	EncodeAddress() string

	// ScriptAddress returns the hash or program the address commits to.
	ScriptAddress() []byte

	// IsForNet reports whether the address belongs to the network.
	IsForNet(params *chaincfg.Params) bool
}

// AddressPubKeyHash is a P2PKH address.
type AddressPubKeyHash struct {
	hash  [20]byte
	netID byte
}

// NewAddressPubKeyHash returns the P2PKH address of a 20-byte key hash.
func NewAddressPubKeyHash(pkHash []byte, params *chaincfg.Params) (*AddressPubKeyHash, error) {
	if len(pkHash) != 20 {
		return nil, scriptError(ErrInvalidAddress, "public key hash must be 20 bytes")
	}
	a := &AddressPubKeyHash{netID: params.PubKeyHashAddrID}
	copy(a.hash[:], pkHash)
	return a, nil
}

// EncodeAddress returns the base58check string.
func (a *AddressPubKeyHash) EncodeAddress() string { return Base58CheckEncode(a.hash[:], a.netID) }

// String returns the base58check string.
func (a *AddressPubKeyHash) String() string { return a.EncodeAddress() }

// ScriptAddress returns the key hash.
func (a *AddressPubKeyHash) ScriptAddress() []byte { return a.hash[:] }

// IsForNet reports whether the prefix is the network's.
func (a *AddressPubKeyHash) IsForNet(p *chaincfg.Params) bool {
	return a.netID == p.PubKeyHashAddrID
}

// Hash160 returns the key hash.
func (a *AddressPubKeyHash) Hash160() *[20]byte { return &a.hash }

// AddressScriptHash is a P2SH address.
type AddressScriptHash struct {
	hash  [20]byte
	netID byte
}

// NewAddressScriptHash returns the P2SH address of a redeem script.
func NewAddressScriptHash(redeemScript []byte, params *chaincfg.Params) (*AddressScriptHash, error) {
	return NewAddressScriptHashFromHash(hash160(redeemScript), params)
}

// NewAddressScriptHashFromHash returns the P2SH address of a script hash.
func NewAddressScriptHashFromHash(scriptHash []byte, params *chaincfg.Params) (*AddressScriptHash, error) {
	if len(scriptHash) != 20 {
		return nil, scriptError(ErrInvalidAddress, "script hash must be 20 bytes")
	}
	a := &AddressScriptHash{netID: params.ScriptHashAddrID}
	copy(a.hash[:], scriptHash)
	return a, nil
}

// EncodeAddress returns the base58check string.
func (a *AddressScriptHash) EncodeAddress() string { return Base58CheckEncode(a.hash[:], a.netID) }

// String returns the base58check string.
func (a *AddressScriptHash) String() string { return a.EncodeAddress() }

// ScriptAddress returns the script hash.
func (a *AddressScriptHash) ScriptAddress() []byte { return a.hash[:] }

// IsForNet reports whether the prefix is the network's.
func (a *AddressScriptHash) IsForNet(p *chaincfg.Params) bool {
	return a.netID == p.ScriptHashAddrID
}

// Hash160 returns the script hash.
func (a *AddressScriptHash) Hash160() *[20]byte { return &a.hash }

// AddressSegWit is a witness program address of any version; the named
// types below embed it.
type AddressSegWit struct {
	hrp     string
	version byte
	program []byte
}

// EncodeAddress returns the bech32 (v0) or bech32m (v1+) string.
func (a *AddressSegWit) EncodeAddress() string {
	s, err := EncodeSegWitAddress(a.hrp, a.version, a.program)
	if err != nil {
		return ""
	}
	return s
}

// String returns the encoded address.
func (a *AddressSegWit) String() string { return a.EncodeAddress() }

// ScriptAddress returns the witness program.
func (a *AddressSegWit) ScriptAddress() []byte { return a.program }

// IsForNet reports whether the hrp is the network's.
func (a *AddressSegWit) IsForNet(p *chaincfg.Params) bool { return a.hrp == p.Bech32HRPSegwit }

// WitnessVersion returns the witness version.
func (a *AddressSegWit) WitnessVersion() byte { return a.version }

// WitnessProgram returns the witness program.
func (a *AddressSegWit) WitnessProgram() []byte { return a.program }

// Hrp returns the human-readable part.
func (a *AddressSegWit) Hrp() string { return a.hrp }

// AddressWitnessPubKeyHash is a P2WPKH address.
type AddressWitnessPubKeyHash struct{ AddressSegWit }

// NewAddressWitnessPubKeyHash returns the P2WPKH address of a key hash.
func NewAddressWitnessPubKeyHash(program []byte, params *chaincfg.Params) (*AddressWitnessPubKeyHash, error) {
	if len(program) != 20 {
		return nil, scriptError(ErrInvalidAddress, "P2WPKH program must be 20 bytes")
	}
	return &AddressWitnessPubKeyHash{AddressSegWit{params.Bech32HRPSegwit, 0, clone(program)}}, nil
}

// AddressWitnessScriptHash is a P2WSH address.
type AddressWitnessScriptHash struct{ AddressSegWit }

// NewAddressWitnessScriptHash returns the P2WSH address of a script hash.
func NewAddressWitnessScriptHash(program []byte, params *chaincfg.Params) (*AddressWitnessScriptHash, error) {
	if len(program) != 32 {
		return nil, scriptError(ErrInvalidAddress, "P2WSH program must be 32 bytes")
	}
	return &AddressWitnessScriptHash{AddressSegWit{params.Bech32HRPSegwit, 0, clone(program)}}, nil
}

// AddressTaproot is a P2TR address.
type AddressTaproot struct{ AddressSegWit }

// NewAddressTaproot returns the P2TR address of an x-only output key.
func NewAddressTaproot(program []byte, params *chaincfg.Params) (*AddressTaproot, error) {
	if len(program) != 32 {
		return nil, scriptError(ErrInvalidAddress, "P2TR program must be 32 bytes")
	}
	return &AddressTaproot{AddressSegWit{params.Bech32HRPSegwit, 1, clone(program)}}, nil
}

// AddressWitnessUnknown is a witness program of a version without a
// dedicated type (v1 of a length other than 32, or v2..v16).
type AddressWitnessUnknown struct{ AddressSegWit }

// NewAddressWitnessUnknown returns an address of any valid witness program
// with version 1..16.
func NewAddressWitnessUnknown(version byte, program []byte, params *chaincfg.Params) (*AddressWitnessUnknown, error) {
	if version == 0 || version > 16 || len(program) < 2 || len(program) > 40 {
		return nil, scriptError(ErrInvalidAddress, "invalid witness program")
	}
	return &AddressWitnessUnknown{AddressSegWit{params.Bech32HRPSegwit, version, clone(program)}}, nil
}

// AddressPubKey is a pay-to-pubkey destination. It has no string form of
// its own: EncodeAddress returns the P2PKH address of the key, as btcd does.
type AddressPubKey struct {
	serialized []byte
	netID      byte
}

// NewAddressPubKey returns the P2PK destination of a serialised key.
func NewAddressPubKey(serializedPubKey []byte, params *chaincfg.Params) (*AddressPubKey, error) {
	if _, err := btcec.ParsePubKey(serializedPubKey); err != nil {
		return nil, scriptError(ErrInvalidAddress, "invalid public key: "+err.Error())
	}
	return &AddressPubKey{serialized: clone(serializedPubKey), netID: params.PubKeyHashAddrID}, nil
}

// EncodeAddress returns the P2PKH address of the key.
func (a *AddressPubKey) EncodeAddress() string {
	return Base58CheckEncode(hash160(a.serialized), a.netID)
}

// String returns the key in hex.
func (a *AddressPubKey) String() string { return string(appendHex(nil, a.serialized)) }

// ScriptAddress returns the serialised key.
func (a *AddressPubKey) ScriptAddress() []byte { return a.serialized }

// IsForNet reports whether the P2PKH prefix is the network's.
func (a *AddressPubKey) IsForNet(p *chaincfg.Params) bool { return a.netID == p.PubKeyHashAddrID }

// AddressPubKeyHash returns the P2PKH address of the key.
func (a *AddressPubKey) AddressPubKeyHash() *AddressPubKeyHash {
	r := &AddressPubKeyHash{netID: a.netID}
	copy(r.hash[:], hash160(a.serialized))
	return r
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// DecodeAddress parses an address for the network (Core's
// DecodeDestination): base58check P2PKH and P2SH, bech32 witness v0, and
// bech32m witness v1 and later.
func DecodeAddress(addr string, params *chaincfg.Params) (Address, error) {
	hrp := params.Bech32HRPSegwit
	isBech32 := len(addr) >= len(hrp) && strings.EqualFold(addr[:len(hrp)], hrp)
	if !isBech32 {
		version, payload, err := Base58CheckDecode(addr)
		if err == nil {
			if len(payload) == 20 {
				switch version {
				case params.PubKeyHashAddrID:
					return NewAddressPubKeyHash(payload, params)
				case params.ScriptHashAddrID:
					return NewAddressScriptHashFromHash(payload, params)
				}
			}
			return nil, scriptError(ErrUnknownNetwork, "base58 address has an unknown version or length")
		}
	}
	version, program, err := DecodeSegWitAddress(hrp, addr)
	if err != nil {
		return nil, err
	}
	switch {
	case version == 0 && len(program) == 20:
		return NewAddressWitnessPubKeyHash(program, params)
	case version == 0:
		return NewAddressWitnessScriptHash(program, params)
	case version == 1 && len(program) == 32:
		return NewAddressTaproot(program, params)
	}
	return NewAddressWitnessUnknown(version, program, params)
}
