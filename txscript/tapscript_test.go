package txscript

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// tapEnv is a transaction with one input spending a taproot output whose
// tree is a single leaf.
type tapEnv struct {
	tx       *wire.MsgTx
	fetcher  *MultiPrevOutFetcher
	pkScript []byte
	leaf     []byte
	leafVer  byte
	control  []byte
	annex    []byte
}

const tapAmount = 100000

func newTapEnv(t *testing.T, leaf []byte, leafVer byte, annex []byte) *tapEnv {
	internal := testKey(9).PubKey()
	h := TapLeafHash(leafVer, leaf)
	out := ComputeTaprootOutputKey(internal, h[:])
	env := &tapEnv{leaf: leaf, leafVer: leafVer, annex: annex,
		pkScript: PayToTaprootScript(schnorr.SerializePubKey(out))}
	cb := ControlBlock{InternalKey: internal, LeafVersion: leafVer,
		OutputKeyYIsOdd: out.SerializeCompressed()[0] == 0x03}
	env.control = cb.ToBytes()
	env.tx = wire.NewMsgTx(2)
	op := wire.OutPoint{Hash: chainhash.Hash{7}, Index: 1}
	env.tx.AddTxIn(&wire.TxIn{PreviousOutPoint: op, Sequence: wire.MaxTxInSequenceNum})
	env.tx.AddTxOut(wire.NewTxOut(90000, PayToWitnessPubKeyHashScript(make([]byte, 20))))
	env.fetcher = NewMultiPrevOutFetcher(nil)
	env.fetcher.AddPrevOut(op, wire.NewTxOut(tapAmount, env.pkScript))
	return env
}

// sign makes a tapscript signature by key committing to codeSepPos.
func (e *tapEnv) sign(t *testing.T, key *btcec.PrivateKey, ht SigHashType, codeSepPos uint32) []byte {
	sh := NewTxSigHashes(e.tx, e.fetcher)
	opts := taprootSigHashOpts{tapscript: true, tapLeafHash: TapLeafHash(e.leafVer, e.leaf),
		codeSepPos: codeSepPos}
	if e.annex != nil {
		ah := annexHash(e.annex)
		opts.annexHash = &ah
	}
	hash, ok := calcTaprootSigHash(sh, ht, e.tx, 0, tapAmount, e.pkScript, &opts)
	if !ok {
		t.Fatal("bad hash type")
	}
	sig, err := schnorrSign(key, hash[:], ht)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// run verifies the input with the given stack items before script and
// control block.
func (e *tapEnv) run(stack [][]byte, flags ScriptFlags) error {
	w := wire.TxWitness(append(append([][]byte{}, stack...), e.leaf, e.control))
	if e.annex != nil {
		w = append(w, e.annex)
	}
	e.tx.TxIn[0].Witness = w
	vm, err := NewEngine(e.pkScript, e.tx, 0, flags, nil, NewTxSigHashes(e.tx, e.fetcher),
		tapAmount, e.fetcher)
	if err != nil {
		return err
	}
	return vm.Execute()
}

func xonly(k *btcec.PrivateKey) []byte { return schnorr.SerializePubKey(k.PubKey()) }

func mustScript(t *testing.T, b *ScriptBuilder) []byte {
	s, err := b.Script()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestTapscript covers BIP342 rules the Core vectors barely touch.
func TestTapscript(t *testing.T) {
	k1, k2, k3 := testKey(1), testKey(2), testKey(3)
	flags := StandardVerifyFlags
	consensus := MandatoryVerifyFlags

	multi := mustScript(t, NewScriptBuilder().AddData(xonly(k1)).AddOp(OP_CHECKSIG).
		AddData(xonly(k2)).AddOp(OP_CHECKSIGADD).AddData(xonly(k3)).AddOp(OP_CHECKSIGADD).
		AddInt64(2).AddOp(OP_NUMEQUAL))
	single := mustScript(t, NewScriptBuilder().AddData(xonly(k1)).AddOp(OP_CHECKSIG))

	type tc struct {
		name  string
		leaf  []byte
		ver   byte
		annex []byte
		stack func(e *tapEnv) [][]byte
		flags ScriptFlags
		want  ErrorKind // "" means success
	}
	tests := []tc{
		{name: "checksigadd 2-of-3", leaf: multi, stack: func(e *tapEnv) [][]byte {
			return [][]byte{nil, e.sign(t, k2, SigHashDefault, 0xffffffff),
				e.sign(t, k1, SigHashAll, 0xffffffff)}
		}, flags: flags},
		{name: "checksigadd 1-of-3 fails", leaf: multi, stack: func(e *tapEnv) [][]byte {
			return [][]byte{nil, nil, e.sign(t, k1, SigHashDefault, 0xffffffff)}
		}, flags: flags, want: ErrEvalFalse},
		{name: "bad schnorr signature", leaf: single, stack: func(e *tapEnv) [][]byte {
			s := e.sign(t, k1, SigHashDefault, 0xffffffff)
			s[5] ^= 1
			return [][]byte{s}
		}, flags: flags, want: ErrSchnorrSig},
		{name: "schnorr sig size", leaf: single, stack: func(e *tapEnv) [][]byte {
			return [][]byte{make([]byte, 63)}
		}, flags: flags, want: ErrSchnorrSigSize},
		{name: "explicit default hash type", leaf: single, stack: func(e *tapEnv) [][]byte {
			return [][]byte{append(e.sign(t, k1, SigHashDefault, 0xffffffff), 0)}
		}, flags: flags, want: ErrSchnorrSigHashType},
		{name: "undefined hash type", leaf: single, stack: func(e *tapEnv) [][]byte {
			return [][]byte{append(make([]byte, 64), 4)}
		}, flags: flags, want: ErrSchnorrSigHashType},
		{name: "single without output", leaf: single, stack: func(e *tapEnv) [][]byte {
			e.tx.TxOut = nil
			return [][]byte{append(make([]byte, 64), byte(SigHashSingle))}
		}, flags: flags, want: ErrSchnorrSigHashType},
		{name: "empty pubkey", leaf: []byte{OP_0, OP_CHECKSIG}, stack: func(e *tapEnv) [][]byte {
			return [][]byte{{1}}
		}, flags: flags, want: ErrTapscriptEmptyPubKey},
		{name: "unknown pubkey type", leaf: append(appendPush(nil, bytes.Repeat([]byte{2}, 33)), OP_CHECKSIG),
			stack: func(e *tapEnv) [][]byte { return [][]byte{{1}} }, flags: consensus},
		{name: "unknown pubkey type discouraged",
			leaf:  append(appendPush(nil, bytes.Repeat([]byte{2}, 33)), OP_CHECKSIG),
			stack: func(e *tapEnv) [][]byte { return [][]byte{{1}} }, flags: flags,
			want: ErrDiscourageUpgradablePubKey},
		{name: "op_success", leaf: []byte{OP_RETURN, 0x50}, stack: func(e *tapEnv) [][]byte { return nil },
			flags: consensus},
		{name: "op_success discouraged", leaf: []byte{OP_RETURN, OP_CAT},
			stack: func(e *tapEnv) [][]byte { return nil }, flags: flags, want: ErrDiscourageOpSuccess},
		{name: "bad push before op_success", leaf: []byte{OP_DATA_2, 0x50},
			stack: func(e *tapEnv) [][]byte { return nil }, flags: consensus, want: ErrBadOpcode},
		{name: "op_success after bad push is unreached", leaf: []byte{0x50, OP_DATA_2},
			stack: func(e *tapEnv) [][]byte { return nil }, flags: consensus},
		{name: "minimalif is consensus", leaf: []byte{OP_IF, OP_1, OP_ENDIF},
			stack: func(e *tapEnv) [][]byte { return [][]byte{{2}} }, flags: consensus,
			want: ErrTapscriptMinimalIf},
		{name: "checkmultisig disabled", leaf: []byte{OP_0, OP_0, OP_0, OP_CHECKMULTISIG},
			stack: func(e *tapEnv) [][]byte { return nil }, flags: consensus,
			want: ErrTapscriptCheckMultisig},
		{name: "no 201-op limit", leaf: append(bytes.Repeat([]byte{OP_NOP}, 300), OP_1),
			stack: func(e *tapEnv) [][]byte { return nil }, flags: flags},
		{name: "codeseparator position", leaf: mustScript(t, NewScriptBuilder().AddOp(OP_CODESEPARATOR).
			AddData(xonly(k1)).AddOp(OP_CHECKSIG)), stack: func(e *tapEnv) [][]byte {
			return [][]byte{e.sign(t, k1, SigHashDefault, 0)}
		}, flags: flags},
		{name: "codeseparator position wrong", leaf: mustScript(t, NewScriptBuilder().
			AddOp(OP_CODESEPARATOR).AddData(xonly(k1)).AddOp(OP_CHECKSIG)),
			stack: func(e *tapEnv) [][]byte {
				return [][]byte{e.sign(t, k1, SigHashDefault, 0xffffffff)}
			}, flags: flags, want: ErrSchnorrSig},
		{name: "annex committed", leaf: single, annex: []byte{TaprootAnnexTag, 1, 2},
			stack: func(e *tapEnv) [][]byte {
				return [][]byte{e.sign(t, k1, SigHashDefault, 0xffffffff)}
			}, flags: flags},
		{name: "unknown leaf version", leaf: []byte{OP_RETURN}, ver: 0xc2,
			stack: func(e *tapEnv) [][]byte { return nil }, flags: consensus},
		{name: "unknown leaf version discouraged", leaf: []byte{OP_RETURN}, ver: 0xc2,
			stack: func(e *tapEnv) [][]byte { return nil }, flags: flags,
			want: ErrDiscourageTaprootVersion},
		{name: "oversized stack element", leaf: []byte{OP_DROP, OP_1},
			stack: func(e *tapEnv) [][]byte { return [][]byte{make([]byte, 521)} },
			flags: consensus, want: ErrElementTooBig},
		{name: "too many initial stack items", leaf: []byte{OP_1},
			stack: func(e *tapEnv) [][]byte { return make([][]byte, 1001) },
			flags: consensus, want: ErrStackOverflow},
		{name: "clean stack implied", leaf: []byte{OP_1},
			stack: func(e *tapEnv) [][]byte { return [][]byte{{1}} },
			flags: consensus, want: ErrCleanStack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ver := tt.ver
			if ver == 0 {
				ver = BaseLeafVersion
			}
			e := newTapEnv(t, tt.leaf, ver, tt.annex)
			err := e.run(tt.stack(e), tt.flags)
			if ErrorName(err) != ErrorName(errOrNil(tt.want)) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func errOrNil(k ErrorKind) error {
	if k == "" {
		return nil
	}
	return k
}

// TestTapscriptValidationWeight exhausts the sigop budget: each executed
// signature costs 50 units and the budget is the witness size plus 50.
func TestTapscriptValidationWeight(t *testing.T) {
	k1 := testKey(1)
	// <sig> then 20 x (DUP <key> CHECKSIGVERIFY) and OP_1: 20 signature
	// checks need 1,000 units; the witness is about 880 bytes.
	b := NewScriptBuilder()
	for i := 0; i < 20; i++ {
		b.AddOp(OP_DUP).AddData(xonly(k1)).AddOp(OP_CHECKSIGVERIFY)
	}
	b.AddOp(OP_DROP).AddOp(OP_1)
	leaf := mustScript(t, b)
	e := newTapEnv(t, leaf, BaseLeafVersion, nil)
	sig := e.sign(t, k1, SigHashDefault, 0xffffffff)
	if err := e.run([][]byte{sig}, StandardVerifyFlags); !errorsIsKind(err, ErrTapscriptValidationWeight) {
		t.Fatalf("got %v, want %v", err, ErrTapscriptValidationWeight)
	}
	// Padding the witness with an annex raises the budget enough.
	e = newTapEnv(t, leaf, BaseLeafVersion, append([]byte{TaprootAnnexTag}, make([]byte, 600)...))
	sig = e.sign(t, k1, SigHashDefault, 0xffffffff)
	if err := e.run([][]byte{sig}, MandatoryVerifyFlags); err != nil {
		t.Fatalf("with a larger witness: %v", err)
	}
}

func errorsIsKind(err error, k ErrorKind) bool { return ErrorName(err) == string(k) }

// TestTaprootKeyPathErrors covers key-path and control block failures.
func TestTaprootKeyPathErrors(t *testing.T) {
	e := newTapEnv(t, []byte{OP_1}, BaseLeafVersion, nil)
	run := func(w wire.TxWitness, flags ScriptFlags) error {
		e.tx.TxIn[0].Witness = w
		vm, err := NewEngine(e.pkScript, e.tx, 0, flags, nil, nil, tapAmount, e.fetcher)
		if err != nil {
			return err
		}
		return vm.Execute()
	}
	tests := []struct {
		name string
		w    wire.TxWitness
		want ErrorKind
	}{
		{"empty witness", nil, ErrWitnessProgramEmpty},
		{"key path bad signature", wire.TxWitness{make([]byte, 64)}, ErrSchnorrSig},
		{"key path bad size", wire.TxWitness{make([]byte, 66)}, ErrSchnorrSigSize},
		{"annex only counts with two items", wire.TxWitness{{TaprootAnnexTag}}, ErrSchnorrSigSize},
		{"control block too short", wire.TxWitness{{OP_1}, make([]byte, 32)}, ErrTaprootWrongControlSize},
		{"control block bad length", wire.TxWitness{{OP_1}, make([]byte, 34)}, ErrTaprootWrongControlSize},
		{"control block wrong parity", wire.TxWitness{{OP_1}, append([]byte{e.control[0] ^ 1},
			e.control[1:]...)}, ErrWitnessProgramMismatch},
		{"script path ok", wire.TxWitness{{OP_1}, e.control}, ""},
	}
	for _, tt := range tests {
		if err := run(tt.w, StandardVerifyFlags); ErrorName(err) != ErrorName(errOrNil(tt.want)) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
	// Without TAPROOT the output is anyone-can-spend.
	if err := run(wire.TxWitness{make([]byte, 64)}, ScriptBip16|ScriptVerifyWitness); err != nil {
		t.Errorf("pre-taproot: %v", err)
	}
}

// TestBIP340Vectors checks the Schnorr verification wrapper against the
// BIP340 vectors with 32-byte messages (the only size Bitcoin signs).
func TestBIP340Vectors(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "bip340_test_vectors.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	n, skipped := 0, 0
	for _, r := range rows[1:] {
		msg := mustHex(r[4])
		if len(msg) != 32 {
			skipped++
			continue
		}
		want := strings.EqualFold(r[6], "TRUE")
		if got := verifySchnorr(mustHex(r[5]), mustHex(r[2]), msg); got != want {
			t.Errorf("vector %s: verify %v, want %v (%s)", r[0], got, want, r[7])
		}
		n++
	}
	t.Logf("skipped %d vectors with messages other than 32 bytes", skipped)
	requireCases(t, "bip340_test_vectors.csv", n)
}
