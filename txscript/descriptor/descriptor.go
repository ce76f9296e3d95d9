package descriptor

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/txscript"
)

const (
	// maxPubKeysPerMultisig is Core's MAX_PUBKEYS_PER_MULTISIG.
	maxPubKeysPerMultisig = 20

	// maxBareMultisigKeys is the most keys Core lets a bare multi() hold.
	maxBareMultisigKeys = 3

	// maxScriptElementSize bounds a P2SH redeem script (a push).
	maxScriptElementSize = 520

	// maxTaprootTreeDepth is BIP341's TAPROOT_CONTROL_MAX_NODE_COUNT.
	maxTaprootTreeDepth = 128

	// maxMultiAKeys is Core's MAX_PUBKEYS_PER_MULTI_A.
	maxMultiAKeys = 999
)

// node is one function of a descriptor.
type node struct {
	fn        string // "pk", "pkh", "wpkh", "combo", "sh", "wsh", "multi", ...
	keys      []*keyExpr
	threshold int
	sub       *node    // sh() and wsh()
	tree      *tapTree // tr() with a script tree
	script    []byte   // raw(), and addr()'s output script
	addr      string   // addr() as written
}

// tapTree is a tr() script tree: a leaf or a branch of two trees.
type tapTree struct {
	leaf        *node
	left, right *tapTree
}

// Descriptor is a parsed output script descriptor (BIP380-386): it
// expands to output scripts, one set per range position when a key has a
// range. It is immutable and safe for concurrent use.
type Descriptor struct {
	root   *node
	params *chaincfg.Params

	// checksum is the checksum of the string as given (without its "#"
	// part), getdescriptorinfo's "checksum".
	checksum string
}

// Parse parses a descriptor for the network params. A "#checksum" suffix
// is checked when present and required when requireChecksum is set.
func Parse(s string, params *chaincfg.Params, requireChecksum bool) (*Descriptor, error) {
	desc, sum, err := SplitChecksum(s, requireChecksum)
	if err != nil {
		return nil, err
	}
	root, err := parseScript(desc, ctxTop, params)
	if err != nil {
		return nil, err
	}
	return &Descriptor{root: root, params: params, checksum: sum}, nil
}

// splitFunc splits "name(args)" into name and args; ok is false unless s
// is exactly one call whose closing parenthesis ends it.
func splitFunc(s string) (name, args string, ok bool) {
	open := strings.IndexByte(s, '(')
	if open <= 0 || !strings.HasSuffix(s, ")") {
		return "", "", false
	}
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(', '{':
			depth++
		case ')', '}':
			depth--
			if depth == 0 && i != len(s)-1 {
				return "", "", false
			}
		}
	}
	if depth != 0 {
		return "", "", false
	}
	return s[:open], s[open+1 : len(s)-1], true
}

// splitArgs splits at the commas outside any parentheses or braces.
func splitArgs(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', '{':
			depth++
		case ')', '}':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// parseScript parses a script expression in ctx.
func parseScript(s string, ctx parseContext, params *chaincfg.Params) (*node, error) {
	name, args, ok := splitFunc(s)
	if !ok {
		switch ctx {
		case ctxP2SH:
			return nil, errorf(ErrSyntax, "A function is needed within P2SH")
		case ctxP2WSH:
			return nil, errorf(ErrSyntax, "A function is needed within P2WSH")
		}
		return nil, errorf(ErrSyntax, "'%s' is not a valid descriptor function", s)
	}
	n := &node{fn: name}
	switch name {
	case "pk", "pkh":
		keyCtx := ctx
		if ctx == ctxP2TR {
			keyCtx = ctxP2TR
		}
		k, err := parseKey(args, keyCtx, params)
		if err != nil {
			return nil, wrapFn(name, err)
		}
		n.keys = []*keyExpr{k}
	case "wpkh":
		if ctx != ctxTop && ctx != ctxP2SH {
			return nil, errorf(ErrContext, "Can only have wpkh() at top level or inside sh()")
		}
		k, err := parseKey(args, ctxP2WPKH, params)
		if err != nil {
			return nil, wrapFn(name, err)
		}
		n.keys = []*keyExpr{k}
	case "combo":
		if ctx != ctxTop {
			return nil, errorf(ErrContext, "Can only have combo() at top level")
		}
		k, err := parseKey(args, ctxTop, params)
		if err != nil {
			return nil, wrapFn(name, err)
		}
		n.keys = []*keyExpr{k}
	case "sh":
		if ctx != ctxTop {
			return nil, errorf(ErrContext, "Can only have sh() at top level")
		}
		sub, err := parseScript(args, ctxP2SH, params)
		if err != nil {
			return nil, err
		}
		n.sub = sub
		if script, err := sub.scripts(0, ctxP2SH); err == nil && len(script) == 1 &&
			len(script[0]) > maxScriptElementSize {
			return nil, errorf(ErrContext, "P2SH script is too large, %d bytes is larger than %d bytes",
				len(script[0]), maxScriptElementSize)
		}
	case "wsh":
		if ctx != ctxTop && ctx != ctxP2SH {
			return nil, errorf(ErrContext, "Can only have wsh() at top level or inside sh()")
		}
		sub, err := parseScript(args, ctxP2WSH, params)
		if err != nil {
			return nil, err
		}
		n.sub = sub
	case "multi", "sortedmulti":
		if ctx != ctxTop && ctx != ctxP2SH && ctx != ctxP2WSH {
			return nil, errorf(ErrContext, "Can only have %s() at top level, in sh(), or in wsh()", name)
		}
		if err := n.parseMulti(args, ctx, params); err != nil {
			return nil, err
		}
	case "multi_a", "sortedmulti_a":
		if ctx != ctxP2TR {
			return nil, errorf(ErrContext, "Can only have %s() in tr()", name)
		}
		if err := n.parseMulti(args, ctx, params); err != nil {
			return nil, err
		}
	case "tr":
		if ctx != ctxTop {
			return nil, errorf(ErrContext, "Can only have tr at top level")
		}
		if err := n.parseTr(args, params); err != nil {
			return nil, err
		}
	case "rawtr":
		if ctx != ctxTop {
			return nil, errorf(ErrContext, "Can only have rawtr at top level")
		}
		k, err := parseKey(args, ctxP2TR, params)
		if err != nil {
			return nil, wrapFn(name, err)
		}
		n.keys = []*keyExpr{k}
	case "addr":
		if ctx != ctxTop {
			return nil, errorf(ErrContext, "Can only have addr() at top level")
		}
		a, err := txscript.DecodeAddress(args, params)
		if err != nil || !a.IsForNet(params) {
			return nil, errorf(ErrSyntax, "Address is not valid")
		}
		script, err := txscript.PayToAddrScript(a)
		if err != nil {
			return nil, errorf(ErrSyntax, "Address is not valid")
		}
		n.addr, n.script = args, script
	case "raw":
		if ctx != ctxTop {
			return nil, errorf(ErrContext, "Can only have raw() at top level")
		}
		if !isHex(args) && args != "" {
			return nil, errorf(ErrSyntax, "Raw script is not hex")
		}
		n.script, _ = hex.DecodeString(args)
	default:
		return nil, errorf(ErrSyntax, "'%s' is not a valid descriptor function", s)
	}
	return n, nil
}

// wrapFn prefixes a key error with the function it appeared in, as Core
// does ("pk(): key 'x' is not valid").
func wrapFn(name string, err error) error {
	if e, ok := err.(Error); ok {
		return Error{Err: e.Err, Description: name + "(): " + e.Description}
	}
	return err
}

// parseMulti parses a threshold and keys with Core's limits.
func (n *node) parseMulti(args string, ctx parseContext, params *chaincfg.Params) error {
	parts := splitArgs(args)
	thres, err := strconv.ParseUint(parts[0], 10, 32)
	if err != nil || strings.TrimLeft(parts[0], "0123456789") != "" {
		return errorf(ErrMultisig, "Multi threshold '%s' is not valid", parts[0])
	}
	scriptSize := 0
	for _, p := range parts[1:] {
		k, err := parseKey(p, ctx, params)
		if err != nil {
			return wrapFn(n.fn, err)
		}
		n.keys = append(n.keys, k)
		scriptSize += len(k.pub) + 1
		if k.ext != nil {
			scriptSize += 34 - len(k.pub)
		}
	}
	max := maxPubKeysPerMultisig
	if ctx == ctxP2TR {
		max = maxMultiAKeys
	}
	switch {
	case len(n.keys) < 1 || len(n.keys) > max:
		return errorf(ErrMultisig, "Cannot have %d keys in multisig; must have between 1 and %d keys, inclusive",
			len(n.keys), max)
	case thres < 1:
		return errorf(ErrMultisig, "Multisig threshold cannot be %d, must be at least 1", thres)
	case thres > uint64(len(n.keys)):
		return errorf(ErrMultisig, "Multisig threshold cannot be larger than the number of keys; threshold is %d but only %d keys specified",
			thres, len(n.keys))
	case ctx == ctxTop && len(n.keys) > maxBareMultisigKeys:
		return errorf(ErrMultisig, "Cannot have %d pubkeys in bare multisig; only at most %d pubkeys",
			len(n.keys), maxBareMultisigKeys)
	case ctx == ctxP2SH && scriptSize+3 > maxScriptElementSize:
		return errorf(ErrMultisig, "P2SH script is too large, %d bytes is larger than %d bytes",
			scriptSize+3, maxScriptElementSize)
	}
	n.threshold = int(thres)
	return nil
}

// parseTr parses tr(KEY) and tr(KEY,TREE).
func (n *node) parseTr(args string, params *chaincfg.Params) error {
	parts := splitArgs(args)
	if len(parts) > 2 {
		return errorf(ErrSyntax, "tr(): expected at most a key and a script tree")
	}
	k, err := parseKey(parts[0], ctxP2TR, params)
	if err != nil {
		return wrapFn("tr", err)
	}
	n.keys = []*keyExpr{k}
	if len(parts) == 2 {
		t, err := parseTree(parts[1], 0, params)
		if err != nil {
			return err
		}
		n.tree = t
	}
	return nil
}

// parseTree parses a script tree: a leaf script or {TREE,TREE}.
func parseTree(s string, depth int, params *chaincfg.Params) (*tapTree, error) {
	if depth > maxTaprootTreeDepth {
		return nil, errorf(ErrSyntax, "tr() supports at most %d nesting levels", maxTaprootTreeDepth)
	}
	if strings.HasPrefix(s, "{") {
		if !strings.HasSuffix(s, "}") {
			return nil, errorf(ErrSyntax, "tr(): expected '}' after script expression")
		}
		parts := splitArgs(s[1 : len(s)-1])
		if len(parts) != 2 {
			return nil, errorf(ErrSyntax, "tr(): expected ',' between two script expressions")
		}
		l, err := parseTree(parts[0], depth+1, params)
		if err != nil {
			return nil, err
		}
		r, err := parseTree(parts[1], depth+1, params)
		if err != nil {
			return nil, err
		}
		return &tapTree{left: l, right: r}, nil
	}
	leaf, err := parseScript(s, ctxP2TR, params)
	if err != nil {
		return nil, err
	}
	switch leaf.fn {
	case "pk", "pkh", "multi_a", "sortedmulti_a":
	default:
		return nil, errorf(ErrContext, "Can only have %s() at top level", leaf.fn)
	}
	return &tapTree{leaf: leaf}, nil
}

// String returns the public form of the descriptor with its checksum, as
// getdescriptorinfo's "descriptor".
func (d *Descriptor) String() string {
	return AddChecksum(d.root.string(d.params))
}

// Checksum returns the checksum of the descriptor as it was given.
func (d *Descriptor) Checksum() string { return d.checksum }

// IsRange reports whether a key of the descriptor has a range.
func (d *Descriptor) IsRange() bool { return d.root.isRange() }

// IsSolvable reports whether the descriptor holds what it takes to sign
// for its scripts (everything but addr() and raw()).
func (d *Descriptor) IsSolvable() bool { return d.root.fn != "addr" && d.root.fn != "raw" }

// HasPrivateKeys reports whether any key is given with its private half.
func (d *Descriptor) HasPrivateKeys() bool {
	found := false
	d.root.walkKeys(func(k *keyExpr) {
		if k.hasPrivate() {
			found = true
		}
	})
	return found
}

// Scripts returns the output scripts the descriptor stands for at range
// position pos (ignored without a range): one script, or several for
// combo().
func (d *Descriptor) Scripts(pos uint32) ([][]byte, error) {
	return d.root.scripts(pos, ctxTop)
}

// PrivateKeys returns the private keys the descriptor holds at pos, with
// whether each key's public key is compressed.
func (d *Descriptor) PrivateKeys(pos uint32) []PrivKeyInfo {
	var out []PrivKeyInfo
	d.root.walkKeys(func(k *keyExpr) {
		if p := k.privKey(pos); p != nil {
			out = append(out, PrivKeyInfo{Key: p, Compressed: k.ext != nil || len(k.pub) == 33})
		}
	})
	return out
}

// walkKeys calls f for each key expression in the descriptor.
func (n *node) walkKeys(f func(*keyExpr)) {
	for _, k := range n.keys {
		f(k)
	}
	if n.sub != nil {
		n.sub.walkKeys(f)
	}
	if n.tree != nil {
		n.tree.walk(func(leaf *node) { leaf.walkKeys(f) })
	}
}

// walk calls f for each leaf of the tree, left to right.
func (t *tapTree) walk(f func(*node)) {
	if t.leaf != nil {
		f(t.leaf)
		return
	}
	t.left.walk(f)
	t.right.walk(f)
}

// isRange reports whether any key of the node has a range.
func (n *node) isRange() bool {
	r := false
	n.walkKeys(func(k *keyExpr) {
		if k.isRange() {
			r = true
		}
	})
	return r
}

// string writes the node's public form.
func (n *node) string(params *chaincfg.Params) string {
	return n.stringWith(params, func(k *keyExpr) string { return k.String(params) })
}

// keysAt returns the node's keys at pos.
func (n *node) keysAt(pos uint32) ([][]byte, error) {
	out := make([][]byte, len(n.keys))
	for i, k := range n.keys {
		pk, err := k.pubKey(pos)
		if err != nil {
			return nil, err
		}
		out[i] = pk
	}
	return out, nil
}

// scripts expands the node at pos; ctx is where it stands, which decides
// how keys are serialized (x-only in tapscript).
func (n *node) scripts(pos uint32, ctx parseContext) ([][]byte, error) {
	keys, err := n.keysAt(pos)
	if err != nil {
		return nil, err
	}
	one := func(s []byte) ([][]byte, error) { return [][]byte{s}, nil }
	switch n.fn {
	case "pk":
		k := keys[0]
		if ctx == ctxP2TR {
			k = k[1:]
		}
		return one(payToPubKey(k))
	case "pkh":
		k := keys[0]
		if ctx == ctxP2TR {
			k = k[1:]
		}
		return one(txscript.PayToPubKeyHashScript(txscript.Hash160(k)))
	case "wpkh":
		return one(txscript.PayToWitnessPubKeyHashScript(txscript.Hash160(keys[0])))
	case "combo":
		k := keys[0]
		out := [][]byte{
			payToPubKey(k),
			txscript.PayToPubKeyHashScript(txscript.Hash160(k)),
		}
		if len(k) == 33 {
			w := txscript.PayToWitnessPubKeyHashScript(txscript.Hash160(k))
			out = append(out, w, txscript.PayToScriptHashScript(txscript.Hash160(w)))
		}
		return out, nil
	case "sh":
		sub, err := n.sub.scripts(pos, ctxP2SH)
		if err != nil {
			return nil, err
		}
		return one(txscript.PayToScriptHashScript(txscript.Hash160(sub[0])))
	case "wsh":
		sub, err := n.sub.scripts(pos, ctxP2WSH)
		if err != nil {
			return nil, err
		}
		h := sha256.Sum256(sub[0])
		return one(txscript.PayToWitnessScriptHashScript(h[:]))
	case "multi", "sortedmulti":
		if n.fn == "sortedmulti" {
			sort.Slice(keys, func(i, j int) bool { return bytes.Compare(keys[i], keys[j]) < 0 })
		}
		b := txscript.NewScriptBuilder().AddInt64(int64(n.threshold))
		for _, k := range keys {
			b.AddData(k)
		}
		s, err := b.AddInt64(int64(len(keys))).AddOp(txscript.OP_CHECKMULTISIG).Script()
		if err != nil {
			return nil, errorf(ErrMultisig, "%v", err)
		}
		return one(s)
	case "multi_a", "sortedmulti_a":
		xs := make([][]byte, len(keys))
		for i, k := range keys {
			xs[i] = k[1:]
		}
		if n.fn == "sortedmulti_a" {
			sort.Slice(xs, func(i, j int) bool { return bytes.Compare(xs[i], xs[j]) < 0 })
		}
		b := txscript.NewScriptBuilder()
		for i, x := range xs {
			b.AddData(x)
			if i == 0 {
				b.AddOp(txscript.OP_CHECKSIG)
			} else {
				b.AddOp(txscript.OP_CHECKSIGADD)
			}
		}
		b.AddInt64(int64(n.threshold)).AddOp(txscript.OP_NUMEQUAL)
		s, err := b.Script()
		if err != nil {
			return nil, errorf(ErrMultisig, "%v", err)
		}
		return one(s)
	case "tr":
		return n.trScript(keys[0], pos)
	case "rawtr":
		return one(txscript.PayToTaprootScript(keys[0][1:]))
	case "addr", "raw":
		return one(n.script)
	}
	return nil, errorf(ErrSyntax, "'%s' is not a valid descriptor function", n.fn)
}

// trScript builds a tr() output: the internal key tweaked with the tree's
// Merkle root (BIP341; no root without a tree).
func (n *node) trScript(internal []byte, pos uint32) ([][]byte, error) {
	pub, err := schnorr.ParsePubKey(internal[1:])
	if err != nil {
		return nil, errorf(ErrInvalidKey, "tr(): invalid internal key")
	}
	var root []byte
	if n.tree != nil {
		h, err := n.tree.hash(pos)
		if err != nil {
			return nil, err
		}
		root = h
	}
	out := txscript.ComputeTaprootOutputKey(pub, root)
	return [][]byte{txscript.PayToTaprootScript(schnorr.SerializePubKey(out))}, nil
}

// hash returns the tree's BIP341 node hash at pos.
func (t *tapTree) hash(pos uint32) ([]byte, error) {
	if t.leaf != nil {
		s, err := t.leaf.scripts(pos, ctxP2TR)
		if err != nil {
			return nil, err
		}
		h := txscript.TapLeafHash(txscript.BaseLeafVersion, s[0])
		return h[:], nil
	}
	l, err := t.left.hash(pos)
	if err != nil {
		return nil, err
	}
	r, err := t.right.hash(pos)
	if err != nil {
		return nil, err
	}
	h := txscript.TapBranchHash(l, r)
	return h[:], nil
}

// payToPubKey is <key> OP_CHECKSIG.
func payToPubKey(key []byte) []byte {
	s, _ := txscript.NewScriptBuilder().AddData(key).AddOp(txscript.OP_CHECKSIG).Script()
	return s
}

// PrivKeyInfo is a private key a descriptor holds.
type PrivKeyInfo struct {
	Key        *btcec.PrivateKey
	Compressed bool
}

// Expansion is one output script of a descriptor with the scripts that
// spend it: the P2SH redeem script and the P2WSH witness script when the
// descriptor wraps them (nil otherwise).
type Expansion struct {
	Script        []byte
	RedeemScript  []byte
	WitnessScript []byte
}

// Expand returns the output scripts at range position pos with their
// redeem and witness scripts (PSBT updaters fill inputs and outputs from
// them).
func (d *Descriptor) Expand(pos uint32) ([]Expansion, error) {
	scripts, err := d.Scripts(pos)
	if err != nil {
		return nil, err
	}
	out := make([]Expansion, len(scripts))
	for i, s := range scripts {
		out[i].Script = s
	}
	n := d.root
	switch n.fn {
	case "sh":
		redeem, err := n.sub.scripts(pos, ctxP2SH)
		if err != nil {
			return nil, err
		}
		out[0].RedeemScript = redeem[0]
		if n.sub.fn == "wsh" {
			ws, err := n.sub.sub.scripts(pos, ctxP2WSH)
			if err != nil {
				return nil, err
			}
			out[0].WitnessScript = ws[0]
		}
	case "wsh":
		ws, err := n.sub.scripts(pos, ctxP2WSH)
		if err != nil {
			return nil, err
		}
		out[0].WitnessScript = ws[0]
	case "combo":
		if len(out) == 4 {
			out[3].RedeemScript = out[2].Script
		}
	}
	return out, nil
}

// StringAt returns the descriptor at range position pos with every key
// written as the public key it stands for there, a derived key with its
// origin ([fingerprint/path], the fingerprint of the given origin or else
// of the extended key, steps in "h" form), and its checksum: what Core's
// InferDescriptor gives for a script the descriptor expands to (as
// scantxoutset reports each output found).
func (d *Descriptor) StringAt(pos uint32) (string, error) {
	var err error
	concrete := func(k *keyExpr) string {
		if k.ext == nil {
			return k.String(d.params)
		}
		pub, e := k.pubKey(pos)
		if e != nil {
			err = e
			return ""
		}
		fp := k.ext.Fingerprint()
		var path []uint32
		if k.origin != nil {
			fp = k.origin.fingerprint
			path = append(path, k.origin.path...)
		}
		path = append(path, k.path...)
		switch k.derive {
		case unhardenedRange:
			path = append(path, pos)
		case hardenedRange:
			path = append(path, pos|HardenedKeyStart)
		}
		if k.xonly {
			pub = pub[1:]
		}
		return "[" + hex.EncodeToString(fp[:]) + formatPath(path, false) + "]" + hex.EncodeToString(pub)
	}
	s := d.root.stringWith(d.params, concrete)
	if err != nil {
		return "", err
	}
	return AddChecksum(s), nil
}

// stringWith writes the node with each key formatted by key.
func (n *node) stringWith(params *chaincfg.Params, key func(*keyExpr) string) string {
	var args []string
	switch n.fn {
	case "addr":
		args = []string{n.addr}
	case "raw":
		args = []string{hex.EncodeToString(n.script)}
	case "sh", "wsh":
		args = []string{n.sub.stringWith(params, key)}
	case "multi", "sortedmulti", "multi_a", "sortedmulti_a":
		args = []string{strconv.Itoa(n.threshold)}
		for _, k := range n.keys {
			args = append(args, key(k))
		}
	default:
		for _, k := range n.keys {
			args = append(args, key(k))
		}
		if n.tree != nil {
			args = append(args, n.tree.stringWith(params, key))
		}
	}
	return n.fn + "(" + strings.Join(args, ",") + ")"
}

// stringWith writes a script tree with each key formatted by key.
func (t *tapTree) stringWith(params *chaincfg.Params, key func(*keyExpr) string) string {
	if t.leaf != nil {
		return t.leaf.stringWith(params, key)
	}
	return "{" + t.left.stringWith(params, key) + "," + t.right.stringWith(params, key) + "}"
}
