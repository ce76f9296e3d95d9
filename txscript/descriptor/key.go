package descriptor

import (
	"encoding/hex"
	"strconv"
	"strings"
	"sync"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/txscript"
)

// deriveType says whether a BIP32 key expression ends in a range and how
// its last step is derived.
type deriveType int

const (
	notRanged deriveType = iota
	unhardenedRange
	hardenedRange
)

// keyOrigin is a key's [fingerprint/path] origin.
type keyOrigin struct {
	fingerprint [4]byte
	path        []uint32
}

// keyExpr is one key expression: a constant public key (hex), a WIF
// private key, or a BIP32 extended key with a path and maybe a range, any
// of them with an origin.
type keyExpr struct {
	origin *keyOrigin
	// apostrophe is whether the expression wrote hardened steps with '
	// (the style of its last hardened step), kept when printing it.
	apostrophe bool

	pub   []byte            // the constant key, 33 or 65 bytes
	xonly bool              // written as a 32-byte x-only key (tr context)
	priv  *btcec.PrivateKey // a WIF key's private half, nil otherwise

	ext    *ExtKey
	path   []uint32
	derive deriveType

	// parent is ext derived along path, computed once: every range
	// position derives one more step from it.
	parentOnce sync.Once
	parent     *ExtKey
	parentErr  error
}

// parseContext is where an expression stands, which decides what it may
// hold.
type parseContext int

const (
	ctxTop parseContext = iota
	ctxP2SH
	ctxP2WPKH
	ctxP2WSH
	ctxP2TR
)

// permitsUncompressed reports whether uncompressed keys are allowed here:
// only outside witness scripts.
func (c parseContext) permitsUncompressed() bool { return c == ctxTop || c == ctxP2SH }

// parsePathElem parses one derivation step, "12", "12'" or "12h".
func parsePathElem(elem string, apostrophe *bool) (uint32, error) {
	hardened := false
	if n := len(elem); n > 0 && (elem[n-1] == '\'' || elem[n-1] == 'h') {
		hardened = true
		*apostrophe = elem[n-1] == '\''
		elem = elem[:n-1]
	}
	if elem == "" || strings.TrimLeft(elem, "0123456789") != "" {
		return 0, errorf(ErrInvalidKey, "Key path value '%s' is not a valid uint32", elem)
	}
	v, err := strconv.ParseUint(elem, 10, 32)
	if err != nil {
		return 0, errorf(ErrInvalidKey, "Key path value '%s' is not a valid uint32", elem)
	}
	if v >= HardenedKeyStart {
		return 0, errorf(ErrInvalidKey, "Key path value %d is out of range", v)
	}
	if hardened {
		v += HardenedKeyStart
	}
	return uint32(v), nil
}

// parsePath parses derivation steps.
func parsePath(elems []string, apostrophe *bool) ([]uint32, error) {
	path := make([]uint32, 0, len(elems))
	for _, e := range elems {
		v, err := parsePathElem(e, apostrophe)
		if err != nil {
			return nil, err
		}
		path = append(path, v)
	}
	return path, nil
}

// formatPath writes steps as "/1/2'" (or "/2h" without apostrophe).
func formatPath(path []uint32, apostrophe bool) string {
	var b strings.Builder
	for _, v := range path {
		b.WriteByte('/')
		b.WriteString(strconv.FormatUint(uint64(v&^HardenedKeyStart), 10))
		if v >= HardenedKeyStart {
			if apostrophe {
				b.WriteByte('\'')
			} else {
				b.WriteByte('h')
			}
		}
	}
	return b.String()
}

// parseKey parses a key expression with its optional origin.
func parseKey(s string, ctx parseContext, params *chaincfg.Params) (*keyExpr, error) {
	parts := strings.Split(s, "]")
	if len(parts) > 2 {
		return nil, errorf(ErrInvalidKey, "Multiple ']' characters found for a single pubkey")
	}
	k := &keyExpr{}
	if len(parts) == 2 {
		o := parts[0]
		if o == "" || o[0] != '[' {
			c := byte(']')
			if o != "" {
				c = o[0]
			}
			return nil, errorf(ErrInvalidKey, "Key origin start '[ character expected but not found, got '%c' instead", c)
		}
		elems := strings.Split(o[1:], "/")
		if len(elems[0]) != 8 {
			return nil, errorf(ErrInvalidKey, "Fingerprint is not 4 bytes (%d characters instead of 8 characters)", len(elems[0]))
		}
		fp, err := hex.DecodeString(elems[0])
		if err != nil {
			return nil, errorf(ErrInvalidKey, "Fingerprint '%s' is not hex", elems[0])
		}
		path, err := parsePath(elems[1:], &k.apostrophe)
		if err != nil {
			return nil, err
		}
		k.origin = &keyOrigin{path: path}
		copy(k.origin.fingerprint[:], fp)
		s = parts[1]
	}
	if err := k.parseInner(s, ctx, params); err != nil {
		return nil, err
	}
	return k, nil
}

// parseInner parses a key expression without its origin.
func (k *keyExpr) parseInner(s string, ctx parseContext, params *chaincfg.Params) error {
	split := strings.Split(s, "/")
	str := split[0]
	if str == "" {
		return errorf(ErrInvalidKey, "No key provided")
	}
	if strings.TrimSpace(str) != str {
		return errorf(ErrInvalidKey, "Key '%s' is invalid due to whitespace", str)
	}
	if len(split) == 1 {
		if isHex(str) {
			data, _ := hex.DecodeString(str)
			return k.setConstKey(str, data, ctx)
		}
		if priv, compressed, err := txscript.DecodeWIF(str, params); err == nil {
			if !compressed && !ctx.permitsUncompressed() {
				return errorf(ErrContext, "Uncompressed keys are not allowed")
			}
			k.priv = priv
			if compressed {
				k.pub = priv.PubKey().SerializeCompressed()
			} else {
				k.pub = priv.PubKey().SerializeUncompressed()
			}
			k.xonly = ctx == ctxP2TR
			return nil
		}
	}
	ext, err := DecodeExtKey(str, params)
	if err != nil {
		return errorf(ErrInvalidKey, "key '%s' is not valid", str)
	}
	rest := split[1:]
	if n := len(rest); n > 0 {
		switch rest[n-1] {
		case "*":
			k.derive = unhardenedRange
			rest = rest[:n-1]
		case "*'", "*h":
			k.derive = hardenedRange
			k.apostrophe = rest[n-1] == "*'"
			rest = rest[:n-1]
		}
	}
	path, err := parsePath(rest, &k.apostrophe)
	if err != nil {
		return err
	}
	k.ext, k.path = ext, path
	return nil
}

// setConstKey checks a hex public key for the context.
func (k *keyExpr) setConstKey(str string, data []byte, ctx parseContext) error {
	switch {
	case len(data) == 33 && (data[0] == 2 || data[0] == 3),
		len(data) == 65 && data[0] == 4:
		if _, err := btcec.ParsePubKey(data); err != nil {
			break
		}
		if len(data) == 65 && !ctx.permitsUncompressed() {
			return errorf(ErrContext, "Uncompressed keys are not allowed")
		}
		k.pub, k.xonly = data, false
		return nil
	case len(data) == 65 && (data[0] == 6 || data[0] == 7):
		return errorf(ErrInvalidKey, "Hybrid public keys are not allowed")
	case len(data) == 32 && ctx == ctxP2TR:
		full := append([]byte{2}, data...)
		if _, err := btcec.ParsePubKey(full); err == nil {
			k.pub, k.xonly = full, true
			return nil
		}
	}
	return errorf(ErrInvalidKey, "Pubkey '%s' is invalid", str)
}

// isHex reports whether s is non-empty, even-length hex.
func isHex(s string) bool {
	if s == "" || len(s)%2 != 0 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// isRange reports whether the expression ends in a range.
func (k *keyExpr) isRange() bool { return k.derive != notRanged }

// hasPrivate reports whether the expression carries a private key.
func (k *keyExpr) hasPrivate() bool {
	return k.priv != nil || (k.ext != nil && k.ext.IsPrivate())
}

// pubKey returns the expression's key at range position pos, serialized
// compressed (or uncompressed as written).
func (k *keyExpr) pubKey(pos uint32) ([]byte, error) {
	if k.ext == nil {
		return k.pub, nil
	}
	key, err := k.extKeyAt(pos)
	if err != nil {
		return nil, err
	}
	return key.PubKey().SerializeCompressed(), nil
}

// extKeyAt derives the BIP32 key at range position pos.
func (k *keyExpr) extKeyAt(pos uint32) (*ExtKey, error) {
	k.parentOnce.Do(func() { k.parent, k.parentErr = k.ext.Derive(k.path) })
	key, err := k.parent, k.parentErr
	if err != nil {
		return nil, err
	}
	switch k.derive {
	case unhardenedRange:
		return key.Child(pos)
	case hardenedRange:
		return key.Child(pos | HardenedKeyStart)
	}
	return key, nil
}

// privKey returns the private key at pos, nil without one.
func (k *keyExpr) privKey(pos uint32) *btcec.PrivateKey {
	if k.priv != nil {
		return k.priv
	}
	if k.ext == nil || !k.ext.IsPrivate() {
		return nil
	}
	key, err := k.extKeyAt(pos)
	if err != nil {
		return nil
	}
	return key.PrivKey()
}

// String writes the public form of the expression, as Core's ToString:
// private keys become their public keys, xprv their xpub.
func (k *keyExpr) String(params *chaincfg.Params) string {
	var b strings.Builder
	if k.origin != nil {
		b.WriteByte('[')
		b.WriteString(hex.EncodeToString(k.origin.fingerprint[:]))
		b.WriteString(formatPath(k.origin.path, k.apostrophe))
		b.WriteByte(']')
	}
	if k.ext == nil {
		if k.xonly {
			b.WriteString(hex.EncodeToString(k.pub[1:]))
		} else {
			b.WriteString(hex.EncodeToString(k.pub))
		}
		return b.String()
	}
	b.WriteString(k.ext.Neuter().Encode(params))
	b.WriteString(formatPath(k.path, k.apostrophe))
	switch k.derive {
	case unhardenedRange:
		b.WriteString("/*")
	case hardenedRange:
		if k.apostrophe {
			b.WriteString("/*'")
		} else {
			b.WriteString("/*h")
		}
	}
	return b.String()
}
