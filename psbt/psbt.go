package psbt

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"sort"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// Magic opens every PSBT.
var Magic = []byte{'p', 's', 'b', 't', 0xff}

// Global key types (BIP174, BIP370).
const (
	GlobalUnsignedTx        = 0x00
	GlobalXpub              = 0x01
	GlobalTxVersion         = 0x02
	GlobalFallbackLocktime  = 0x03
	GlobalInputCount        = 0x04
	GlobalOutputCount       = 0x05
	GlobalTxModifiable      = 0x06
	GlobalVersion           = 0xfb
	ProprietaryType         = 0xfc
	maxSupportedPSBTVersion = 2
)

// Input key types.
const (
	InNonWitnessUtxo         = 0x00
	InWitnessUtxo            = 0x01
	InPartialSig             = 0x02
	InSighashType            = 0x03
	InRedeemScript           = 0x04
	InWitnessScript          = 0x05
	InBip32Derivation        = 0x06
	InFinalScriptSig         = 0x07
	InFinalScriptWitness     = 0x08
	InPorCommitment          = 0x09
	InRipemd160              = 0x0a
	InSha256                 = 0x0b
	InHash160                = 0x0c
	InHash256                = 0x0d
	InPreviousTxid           = 0x0e
	InOutputIndex            = 0x0f
	InSequence               = 0x10
	InRequiredTimeLocktime   = 0x11
	InRequiredHeightLocktime = 0x12
	InTapKeySig              = 0x13
	InTapScriptSig           = 0x14
	InTapLeafScript          = 0x15
	InTapBip32Derivation     = 0x16
	InTapInternalKey         = 0x17
	InTapMerkleRoot          = 0x18
)

// Output key types.
const (
	OutRedeemScript    = 0x00
	OutWitnessScript   = 0x01
	OutBip32Derivation = 0x02
	OutAmount          = 0x03
	OutScript          = 0x04
	OutTapInternalKey  = 0x05
	OutTapTree         = 0x06
	OutTapBip32Deriv   = 0x07
)

const (
	// lockTimeThreshold separates heights from times in lock times.
	lockTimeThreshold = 500000000

	// maxPSBTSize bounds the input Decode accepts.
	maxPSBTSize = 100 << 20
)

// Pair is one key-value pair of a map; Key holds the type byte first,
// then the key data.
type Pair struct {
	Key, Value []byte
}

// Type returns the pair's key type.
func (p Pair) Type() byte { return p.Key[0] }

// Map is a PSBT map: its pairs in order. Keeping them as given makes
// decoding and encoding a PSBT round-trip byte for byte; edits keep the
// map sorted by key (the order BIP174 suggests to combiners).
type Map []Pair

// Get returns the value of the key typ||keyData.
func (m Map) Get(typ byte, keyData []byte) ([]byte, bool) {
	for _, p := range m {
		if p.Key[0] == typ && bytes.Equal(p.Key[1:], keyData) {
			return p.Value, true
		}
	}
	return nil, false
}

// All returns every pair of type typ.
func (m Map) All(typ byte) []Pair {
	var out []Pair
	for _, p := range m {
		if p.Key[0] == typ {
			out = append(out, p)
		}
	}
	return out
}

// Has reports whether a pair of type typ is present.
func (m Map) Has(typ byte) bool {
	for _, p := range m {
		if p.Key[0] == typ {
			return true
		}
	}
	return false
}

// Set adds or replaces typ||keyData in the map of the given kind and
// keeps it in canonical order.
func (m *Map) set(kind mapKind, typ byte, keyData, value []byte) {
	key := append([]byte{typ}, keyData...)
	for i, p := range *m {
		if bytes.Equal(p.Key, key) {
			(*m)[i].Value = value
			return
		}
	}
	*m = append(*m, Pair{Key: key, Value: value})
	m.sort(kind)
}

// DeleteType removes every pair of type typ.
func (m *Map) DeleteType(typ byte) {
	out := (*m)[:0]
	for _, p := range *m {
		if p.Key[0] != typ {
			out = append(out, p)
		}
	}
	*m = out
}

// mapKind tells which map a Map is, which decides its canonical order.
type mapKind int

const (
	globalMap mapKind = iota
	inputMap
	outputMap
)

// inputOrder is the rank of each input field in Core's serialization:
// by type, except that the final scripts follow every other known field.
var inputOrder = func() [256]int {
	var r [256]int
	for i := range r {
		r[i] = 2000 + i
	}
	for i := 0; i <= 0x18; i++ {
		r[i] = i
	}
	r[InFinalScriptSig], r[InFinalScriptWitness] = 0x19, 0x1a
	r[ProprietaryType] = 1000
	return r
}()

// plainOrder ranks global and output fields: known types by number, then
// proprietary, then unknown ones.
var plainOrder = func() [256]int {
	var r [256]int
	for i := range r {
		r[i] = i
	}
	r[ProprietaryType] = 1000
	for i := 0xfd; i < 256; i++ {
		r[i] = 2000 + i
	}
	return r
}()

// Sort orders the pairs as Core serializes them: by field, and within a
// field by key, partial signatures by their key's HASH160 (Core keys them
// by key id).
func (m Map) sort(kind mapKind) {
	rank := &plainOrder
	if kind == inputMap {
		rank = &inputOrder
	}
	sort.SliceStable(m, func(i, j int) bool {
		a, b := m[i].Key, m[j].Key
		if ra, rb := rank[a[0]], rank[b[0]]; ra != rb {
			return ra < rb
		}
		if kind == inputMap && a[0] == InPartialSig {
			return bytes.Compare(hash160(a[1:]), hash160(b[1:])) < 0
		}
		return bytes.Compare(a, b) < 0
	})
}

// Packet is a decoded PSBT of version 0 or 2.
type Packet struct {
	// Version is PSBT_GLOBAL_VERSION (0 when absent).
	Version uint32

	// Tx is the unsigned transaction of a version 0 PSBT (nil for
	// version 2, whose transaction UnsignedTx builds from the fields).
	Tx *wire.MsgTx

	Global  Map
	Inputs  []Map
	Outputs []Map
}

// DecodeBase64 decodes a base64 PSBT.
func DecodeBase64(s string) (*Packet, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, errorf(ErrMalformed, "invalid base64")
	}
	return Decode(b)
}

// Base64 returns the encoding in base64.
func (p *Packet) Base64() string { return base64.StdEncoding.EncodeToString(p.Encode()) }

// reader reads PSBT primitives from a byte slice.
type reader struct {
	b   []byte
	off int
}

// compact reads a CompactSize.
func (r *reader) compact() (uint64, error) {
	if r.off >= len(r.b) {
		return 0, errorf(ErrMalformed, "unexpected end of data")
	}
	c := r.b[r.off]
	r.off++
	var n int
	switch c {
	case 0xfd:
		n = 2
	case 0xfe:
		n = 4
	case 0xff:
		n = 8
	default:
		return uint64(c), nil
	}
	if len(r.b)-r.off < n {
		return 0, errorf(ErrMalformed, "unexpected end of data")
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(r.b[r.off+i])
	}
	r.off += n
	min := map[int]uint64{2: 0xfd, 4: 0x10000, 8: 0x100000000}[n]
	if v < min {
		return 0, errorf(ErrMalformed, "non-canonical compact size")
	}
	return v, nil
}

// bytes reads a CompactSize-prefixed byte string.
func (r *reader) bytes() ([]byte, error) {
	n, err := r.compact()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(r.b)-r.off) {
		return nil, errorf(ErrMalformed, "unexpected end of data")
	}
	v := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return v, nil
}

// readMap reads pairs up to the 0x00 separator, refusing duplicate keys.
func (r *reader) readMap() (Map, error) {
	var m Map
	seen := make(map[string]bool)
	for {
		key, err := r.bytes()
		if err != nil {
			return nil, err
		}
		if len(key) == 0 {
			return m, nil
		}
		value, err := r.bytes()
		if err != nil {
			return nil, err
		}
		if seen[string(key)] {
			return nil, errorf(ErrDuplicateKey, "Duplicate Key, key 0x%x already provided", key)
		}
		seen[string(key)] = true
		m = append(m, Pair{Key: bytes.Clone(key), Value: bytes.Clone(value)})
	}
}

// Decode parses a binary PSBT and checks every known field.
func Decode(b []byte) (*Packet, error) {
	if len(b) > maxPSBTSize {
		return nil, errorf(ErrMalformed, "PSBT too large")
	}
	if !bytes.HasPrefix(b, Magic) {
		return nil, errorf(ErrInvalidMagic, "Invalid PSBT magic bytes")
	}
	r := &reader{b: b, off: len(Magic)}
	global, err := r.readMap()
	if err != nil {
		return nil, err
	}
	p := &Packet{Global: global}
	nIn, nOut, err := p.checkGlobal()
	if err != nil {
		return nil, err
	}
	for i := 0; i < nIn; i++ {
		m, err := r.readMap()
		if err != nil {
			return nil, errorf(ErrMalformed, "Inputs provided does not match the number of inputs in transaction")
		}
		if err := p.checkInput(i, m); err != nil {
			return nil, err
		}
		p.Inputs = append(p.Inputs, m)
	}
	for i := 0; i < nOut; i++ {
		m, err := r.readMap()
		if err != nil {
			return nil, errorf(ErrMalformed, "Outputs provided does not match the number of outputs in transaction")
		}
		if err := p.checkOutput(m); err != nil {
			return nil, err
		}
		p.Outputs = append(p.Outputs, m)
	}
	if r.off != len(b) {
		return nil, errorf(ErrMalformed, "Extra data after PSBT")
	}
	return p, nil
}

// keyLen checks that a key of a field holds exactly n bytes of key data.
func keyLen(pr Pair, n int, name string) error {
	if len(pr.Key) != 1+n {
		return errorf(ErrInvalidField, "Size of key was not the expected size for the type %s", name)
	}
	return nil
}

// valueLen checks a fixed-size value.
func valueLen(pr Pair, n int, name string) error {
	if len(pr.Value) != n {
		return errorf(ErrInvalidField, "Size of value was not the stated size for %s", name)
	}
	return nil
}

// u32 reads a little-endian uint32 value.
func u32(v []byte) uint32 { return binary.LittleEndian.Uint32(v) }

// checkGlobal checks the global map and returns the input and output
// counts.
func (p *Packet) checkGlobal() (nIn, nOut int, err error) {
	v2only := map[byte]string{GlobalTxVersion: "tx version", GlobalFallbackLocktime: "fallback locktime",
		GlobalInputCount: "input count", GlobalOutputCount: "output count",
		GlobalTxModifiable: "tx modifiable"}
	for _, pr := range p.Global {
		switch pr.Type() {
		case GlobalUnsignedTx:
			if err := keyLen(pr, 0, "unsigned tx"); err != nil {
				return 0, 0, err
			}
			tx := new(wire.MsgTx)
			if n, err := tx.DeserializeBytesNoWitness(pr.Value); err != nil || n != len(pr.Value) {
				return 0, 0, errorf(ErrInvalidField, "Size of value was not the stated size")
			}
			for _, in := range tx.TxIn {
				if len(in.SignatureScript) != 0 || len(in.Witness) != 0 {
					return 0, 0, errorf(ErrInvalidField, "Unsigned tx does not have empty scriptSigs and scriptWitnesses.")
				}
			}
			p.Tx = tx
		case GlobalXpub:
			if len(pr.Key) != 1+78 {
				return 0, 0, errorf(ErrInvalidField, "Size of key was not the expected size for the type global xpub")
			}
			if len(pr.Value) == 0 || len(pr.Value)%4 != 0 {
				return 0, 0, errorf(ErrInvalidField, "Invalid length for HD key path")
			}
		case GlobalVersion:
			if err := keyLen(pr, 0, "version"); err != nil {
				return 0, 0, err
			}
			if err := valueLen(pr, 4, "version"); err != nil {
				return 0, 0, err
			}
			p.Version = u32(pr.Value)
			if p.Version > maxSupportedPSBTVersion || p.Version == 1 {
				return 0, 0, errorf(ErrVersion, "Unsupported version number")
			}
		case GlobalTxVersion, GlobalFallbackLocktime:
			if err := keyLen(pr, 0, v2only[pr.Type()]); err != nil {
				return 0, 0, err
			}
			if err := valueLen(pr, 4, v2only[pr.Type()]); err != nil {
				return 0, 0, err
			}
		case GlobalInputCount, GlobalOutputCount:
			if err := keyLen(pr, 0, v2only[pr.Type()]); err != nil {
				return 0, 0, err
			}
			r := &reader{b: pr.Value}
			n, err := r.compact()
			if err != nil || r.off != len(pr.Value) || n > uint64(len(Magic)+maxPSBTSize) {
				return 0, 0, errorf(ErrInvalidField, "Size of value was not the stated size for %s", v2only[pr.Type()])
			}
			if pr.Type() == GlobalInputCount {
				nIn = int(n)
			} else {
				nOut = int(n)
			}
		case GlobalTxModifiable:
			if err := keyLen(pr, 0, "tx modifiable"); err != nil {
				return 0, 0, err
			}
			if err := valueLen(pr, 1, "tx modifiable"); err != nil {
				return 0, 0, err
			}
		}
	}
	if p.Version == 0 {
		if p.Tx == nil {
			return 0, 0, errorf(ErrMissingField, "No unsigned transaction was provided")
		}
		for typ, name := range v2only {
			if p.Global.Has(typ) {
				return 0, 0, errorf(ErrVersion, "PSBT_GLOBAL_%s is not allowed in PSBTv0", name)
			}
		}
		return len(p.Tx.TxIn), len(p.Tx.TxOut), nil
	}
	if p.Tx != nil {
		return 0, 0, errorf(ErrVersion, "PSBT_GLOBAL_UNSIGNED_TX is not allowed in PSBTv2")
	}
	for _, typ := range []byte{GlobalTxVersion, GlobalInputCount, GlobalOutputCount} {
		if !p.Global.Has(typ) {
			return 0, 0, errorf(ErrMissingField, "PSBTv2 is missing the required %s", v2only[typ])
		}
	}
	return nIn, nOut, nil
}

// validPubKey reports whether b is a valid public key.
func validPubKey(b []byte) bool {
	if len(b) != 33 && len(b) != 65 {
		return false
	}
	_, err := btcec.ParsePubKey(b)
	return err == nil
}

// checkInput checks the known fields of input i.
func (p *Packet) checkInput(i int, m Map) error {
	v2fields := []byte{InPreviousTxid, InOutputIndex, InSequence, InRequiredTimeLocktime, InRequiredHeightLocktime}
	for _, pr := range m {
		var err error
		switch pr.Type() {
		case InNonWitnessUtxo:
			if err = keyLen(pr, 0, "non-witness utxo"); err == nil {
				tx := new(wire.MsgTx)
				if n, derr := tx.DeserializeBytes(pr.Value); derr != nil || n != len(pr.Value) {
					err = errorf(ErrInvalidField, "Size of value was not the stated size for the non-witness utxo")
				}
			}
		case InWitnessUtxo:
			if err = keyLen(pr, 0, "witness utxo"); err == nil {
				if _, derr := parseTxOut(pr.Value); derr != nil {
					err = derr
				}
			}
		case InPartialSig:
			if !validPubKey(pr.Key[1:]) {
				err = errorf(ErrInvalidField, "Size of key was not the expected size for the type partial signature pubkey")
			}
		case InSighashType:
			if err = keyLen(pr, 0, "sighash type"); err == nil {
				err = valueLen(pr, 4, "sighash type")
			}
		case InRedeemScript, InWitnessScript, InFinalScriptSig, InPorCommitment:
			err = keyLen(pr, 0, "script")
		case InFinalScriptWitness:
			if err = keyLen(pr, 0, "final scriptWitness"); err == nil {
				if _, derr := ParseWitness(pr.Value); derr != nil {
					err = derr
				}
			}
		case InBip32Derivation:
			if !validPubKey(pr.Key[1:]) {
				err = errorf(ErrInvalidField, "Invalid pubkey in BIP32 derivation")
			} else if len(pr.Value) == 0 || len(pr.Value)%4 != 0 {
				err = errorf(ErrInvalidField, "Invalid length for HD key path")
			}
		case InRipemd160, InHash160:
			err = keyLen(pr, 20, "hash preimage")
		case InSha256, InHash256:
			err = keyLen(pr, 32, "hash preimage")
		case InPreviousTxid:
			if err = keyLen(pr, 0, "previous txid"); err == nil {
				err = valueLen(pr, 32, "previous txid")
			}
		case InOutputIndex, InSequence:
			if err = keyLen(pr, 0, "input field"); err == nil {
				err = valueLen(pr, 4, "input field")
			}
		case InRequiredTimeLocktime:
			if err = keyLen(pr, 0, "required time locktime"); err == nil {
				if err = valueLen(pr, 4, "required time locktime"); err == nil && u32(pr.Value) < lockTimeThreshold {
					err = errorf(ErrInvalidField, "Required time based locktime is invalid (less than 500000000)")
				}
			}
		case InRequiredHeightLocktime:
			if err = keyLen(pr, 0, "required height locktime"); err == nil {
				if err = valueLen(pr, 4, "required height locktime"); err == nil {
					if v := u32(pr.Value); v == 0 || v >= lockTimeThreshold {
						err = errorf(ErrInvalidField, "Required height based locktime is invalid (0 or greater than or equal to 500000000)")
					}
				}
			}
		case InTapKeySig:
			if err = keyLen(pr, 0, "taproot key signature"); err == nil &&
				len(pr.Value) != 64 && len(pr.Value) != 65 {
				err = errorf(ErrInvalidField, "Input Taproot key path signature is shorter than 64 bytes")
			}
		case InTapScriptSig:
			if err = keyLen(pr, 64, "taproot script signature"); err == nil &&
				len(pr.Value) != 64 && len(pr.Value) != 65 {
				err = errorf(ErrInvalidField, "Input Taproot script path signature is shorter than 64 bytes")
			}
		case InTapLeafScript:
			if n := len(pr.Key) - 1; n < 33 || (n-33)%32 != 0 || n > 33+128*32 {
				err = errorf(ErrInvalidField, "Input Taproot leaf script key is not at least 34 bytes")
			} else if len(pr.Value) < 1 {
				err = errorf(ErrInvalidField, "Input Taproot leaf script must be at least 1 byte")
			}
		case InTapBip32Derivation:
			if err = keyLen(pr, 32, "taproot BIP32 derivation"); err == nil {
				err = checkTapDerivation(pr.Value)
			}
		case InTapInternalKey, InTapMerkleRoot:
			if err = keyLen(pr, 0, "taproot key"); err == nil {
				err = valueLen(pr, 32, "taproot key")
			}
		}
		if err != nil {
			return err
		}
	}
	if p.Version == 0 {
		for _, typ := range v2fields {
			if m.Has(typ) {
				return errorf(ErrVersion, "Input field 0x%02x is not allowed in PSBTv0", typ)
			}
		}
		if v, ok := m.Get(InNonWitnessUtxo, nil); ok {
			tx := new(wire.MsgTx)
			tx.DeserializeBytes(v)
			if tx.TxHash() != p.Tx.TxIn[i].PreviousOutPoint.Hash {
				return errorf(ErrInvalidField, "Non-witness UTXO does not match outpoint hash")
			}
		}
		return nil
	}
	if !m.Has(InPreviousTxid) || !m.Has(InOutputIndex) {
		return errorf(ErrMissingField, "PSBTv2 input is missing the previous txid or output index")
	}
	return nil
}

// checkTapDerivation checks a taproot BIP32 derivation value: leaf hashes,
// then a fingerprint and path.
func checkTapDerivation(v []byte) error {
	r := &reader{b: v}
	n, err := r.compact()
	if err != nil || n > uint64(len(v))/32 {
		return errorf(ErrInvalidField, "Invalid taproot BIP32 derivation")
	}
	rest := len(v) - r.off - int(n)*32
	if rest < 4 || rest%4 != 0 {
		return errorf(ErrInvalidField, "Invalid length for HD key path")
	}
	return nil
}

// checkOutput checks the known fields of an output.
func (p *Packet) checkOutput(m Map) error {
	for _, pr := range m {
		var err error
		switch pr.Type() {
		case OutRedeemScript, OutWitnessScript, OutScript, OutTapTree:
			err = keyLen(pr, 0, "output script")
		case OutBip32Derivation:
			if !validPubKey(pr.Key[1:]) {
				err = errorf(ErrInvalidField, "Invalid pubkey in BIP32 derivation")
			} else if len(pr.Value) == 0 || len(pr.Value)%4 != 0 {
				err = errorf(ErrInvalidField, "Invalid length for HD key path")
			}
		case OutAmount:
			if err = keyLen(pr, 0, "output amount"); err == nil {
				err = valueLen(pr, 8, "output amount")
			}
		case OutTapInternalKey:
			if err = keyLen(pr, 0, "taproot internal key"); err == nil {
				err = valueLen(pr, 32, "taproot internal key")
			}
		case OutTapBip32Deriv:
			if err = keyLen(pr, 32, "taproot BIP32 derivation"); err == nil {
				err = checkTapDerivation(pr.Value)
			}
		}
		if err != nil {
			return err
		}
	}
	if p.Version == 0 {
		if m.Has(OutAmount) || m.Has(OutScript) {
			return errorf(ErrVersion, "Output amount and script are not allowed in PSBTv0")
		}
		return nil
	}
	if !m.Has(OutAmount) || !m.Has(OutScript) {
		return errorf(ErrMissingField, "PSBTv2 output is missing the amount or script")
	}
	return nil
}

// parseTxOut decodes a serialized output (value and script).
func parseTxOut(v []byte) (*wire.TxOut, error) {
	if len(v) < 9 {
		return nil, errorf(ErrInvalidField, "Size of value was not the stated size for the witness utxo")
	}
	r := &reader{b: v, off: 8}
	script, err := r.bytes()
	if err != nil || r.off != len(v) {
		return nil, errorf(ErrInvalidField, "Size of value was not the stated size for the witness utxo")
	}
	return wire.NewTxOut(int64(binary.LittleEndian.Uint64(v)), bytes.Clone(script)), nil
}

// SerializeTxOut encodes an output as PSBT_IN_WITNESS_UTXO holds it.
func SerializeTxOut(out *wire.TxOut) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(out.Value))
	b = appendCompact(b, uint64(len(out.PkScript)))
	return append(b, out.PkScript...)
}

// ParseWitness decodes a serialized witness stack.
func ParseWitness(v []byte) (wire.TxWitness, error) {
	r := &reader{b: v}
	n, err := r.compact()
	if err != nil || n > uint64(len(v)) {
		return nil, errorf(ErrInvalidField, "Size of value was not the stated size for the final scriptWitness")
	}
	w := make(wire.TxWitness, 0, n)
	for i := uint64(0); i < n; i++ {
		item, err := r.bytes()
		if err != nil {
			return nil, errorf(ErrInvalidField, "Size of value was not the stated size for the final scriptWitness")
		}
		w = append(w, bytes.Clone(item))
	}
	if r.off != len(v) {
		return nil, errorf(ErrInvalidField, "Size of value was not the stated size for the final scriptWitness")
	}
	return w, nil
}

// SerializeWitness encodes a witness stack.
func SerializeWitness(w wire.TxWitness) []byte {
	b := appendCompact(nil, uint64(len(w)))
	for _, item := range w {
		b = appendCompact(b, uint64(len(item)))
		b = append(b, item...)
	}
	return b
}

// appendCompact appends a CompactSize.
func appendCompact(b []byte, v uint64) []byte {
	switch {
	case v < 0xfd:
		return append(b, byte(v))
	case v <= 0xffff:
		return binary.LittleEndian.AppendUint16(append(b, 0xfd), uint16(v))
	case v <= 0xffffffff:
		return binary.LittleEndian.AppendUint32(append(b, 0xfe), uint32(v))
	}
	return binary.LittleEndian.AppendUint64(append(b, 0xff), v)
}

// appendMap appends a map and its separator.
func appendMap(b []byte, m Map) []byte {
	for _, pr := range m {
		b = appendCompact(b, uint64(len(pr.Key)))
		b = append(b, pr.Key...)
		b = appendCompact(b, uint64(len(pr.Value)))
		b = append(b, pr.Value...)
	}
	return append(b, 0)
}

// Encode serializes the PSBT, its maps' pairs in their order.
func (p *Packet) Encode() []byte {
	b := append([]byte(nil), Magic...)
	b = appendMap(b, p.Global)
	for _, m := range p.Inputs {
		b = appendMap(b, m)
	}
	for _, m := range p.Outputs {
		b = appendMap(b, m)
	}
	return b
}

// New returns a version 0 PSBT for the unsigned tx (whose scriptSigs and
// witnesses are dropped), with empty input and output maps (Core's
// createpsbt).
func New(tx *wire.MsgTx) *Packet {
	tx = tx.Copy()
	for _, in := range tx.TxIn {
		in.SignatureScript, in.Witness = nil, nil
	}
	p := &Packet{Tx: tx,
		Global:  Map{{Key: []byte{GlobalUnsignedTx}, Value: tx.BytesNoWitness()}},
		Inputs:  make([]Map, len(tx.TxIn)),
		Outputs: make([]Map, len(tx.TxOut)),
	}
	return p
}

// UnsignedTx returns the transaction the PSBT describes without
// signatures: a copy of a version 0 PSBT's, or built from a version 2
// PSBT's fields with BIP370's lock time.
func (p *Packet) UnsignedTx() *wire.MsgTx {
	if p.Version == 0 {
		return p.Tx.Copy()
	}
	v, _ := p.Global.Get(GlobalTxVersion, nil)
	tx := wire.NewMsgTx(int32(u32(v)))
	for _, m := range p.Inputs {
		var op wire.OutPoint
		txid, _ := m.Get(InPreviousTxid, nil)
		copy(op.Hash[:], txid)
		idx, _ := m.Get(InOutputIndex, nil)
		op.Index = u32(idx)
		in := wire.NewTxIn(&op, nil, nil)
		if seq, ok := m.Get(InSequence, nil); ok {
			in.Sequence = u32(seq)
		}
		tx.AddTxIn(in)
	}
	for _, m := range p.Outputs {
		amt, _ := m.Get(OutAmount, nil)
		script, _ := m.Get(OutScript, nil)
		tx.AddTxOut(wire.NewTxOut(int64(binary.LittleEndian.Uint64(amt)), bytes.Clone(script)))
	}
	tx.LockTime, _ = p.LockTime()
	return tx
}

// LockTime is BIP370's lock time determination for a version 2 PSBT: the
// largest required lock time of the kind every input can use (height
// preferred when both can), else the fallback (0 without one); false when
// the inputs ask for lock times of different kinds.
func (p *Packet) LockTime() (uint32, bool) {
	if p.Version == 0 {
		return p.Tx.LockTime, true
	}
	var maxTime, maxHeight uint32
	anyRequired, allTime, allHeight := false, true, true
	for _, m := range p.Inputs {
		t, hasT := m.Get(InRequiredTimeLocktime, nil)
		h, hasH := m.Get(InRequiredHeightLocktime, nil)
		if hasT || hasH {
			anyRequired = true
		}
		if hasT && !hasH {
			allHeight = false
		}
		if hasH && !hasT {
			allTime = false
		}
		if hasT && u32(t) > maxTime {
			maxTime = u32(t)
		}
		if hasH && u32(h) > maxHeight {
			maxHeight = u32(h)
		}
	}
	if anyRequired {
		switch {
		case allHeight:
			return maxHeight, true
		case allTime:
			return maxTime, true
		}
		return 0, false
	}
	if v, ok := p.Global.Get(GlobalFallbackLocktime, nil); ok {
		return u32(v), true
	}
	return 0, true
}

// TxID returns the id of the unsigned transaction.
func (p *Packet) TxID() chainhash.Hash { return p.UnsignedTx().TxHash() }

// InputUtxo returns the output input i spends, from its witness UTXO or
// its non-witness UTXO; nil when neither is known.
func (p *Packet) InputUtxo(i int) *wire.TxOut {
	m := p.Inputs[i]
	if v, ok := m.Get(InWitnessUtxo, nil); ok {
		out, err := parseTxOut(v)
		if err == nil {
			return out
		}
	}
	if v, ok := m.Get(InNonWitnessUtxo, nil); ok {
		tx := new(wire.MsgTx)
		if _, err := tx.DeserializeBytes(v); err == nil {
			idx := p.UnsignedTx().TxIn[i].PreviousOutPoint.Index
			if int(idx) < len(tx.TxOut) {
				return tx.TxOut[idx]
			}
		}
	}
	return nil
}

// IsFinalized reports whether input i has a final scriptSig or witness.
func (p *Packet) IsFinalized(i int) bool {
	return p.Inputs[i].Has(InFinalScriptSig) || p.Inputs[i].Has(InFinalScriptWitness)
}

// hash160 is RIPEMD160(SHA256(b)).
func hash160(b []byte) []byte { return txscript.Hash160(b) }

// SetInput sets a field of input i.
func (p *Packet) SetInput(i int, typ byte, keyData, value []byte) {
	p.Inputs[i].set(inputMap, typ, keyData, value)
}

// SetOutput sets a field of output i.
func (p *Packet) SetOutput(i int, typ byte, keyData, value []byte) {
	p.Outputs[i].set(outputMap, typ, keyData, value)
}

// SetGlobal sets a global field.
func (p *Packet) SetGlobal(typ byte, keyData, value []byte) {
	p.Global.set(globalMap, typ, keyData, value)
}
