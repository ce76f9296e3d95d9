package txscript

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/wire"
)

// TestScriptNum checks encoding, decoding and the minimal-encoding rule.
func TestScriptNum(t *testing.T) {
	tests := []struct {
		n   int64
		enc string
	}{
		{0, ""}, {1, "01"}, {-1, "81"}, {127, "7f"}, {128, "8000"}, {-128, "8080"},
		{255, "ff00"}, {256, "0001"}, {-32768, "008080"}, {2147483647, "ffffff7f"},
		{-2147483647, "ffffffff"}, {4294967295, "ffffffff00"},
	}
	for _, tc := range tests {
		if got := hex.EncodeToString(scriptNum(tc.n).Bytes()); got != tc.enc {
			t.Errorf("%d encodes as %s, want %s", tc.n, got, tc.enc)
		}
		v, err := makeScriptNum(mustHex(tc.enc), true, 5)
		if err != nil || int64(v) != tc.n {
			t.Errorf("%s decodes as %d (%v), want %d", tc.enc, v, err, tc.n)
		}
	}
	for _, bad := range []string{"00", "80", "0100", "ff0000"} {
		if _, err := makeScriptNum(mustHex(bad), true, 4); err == nil {
			t.Errorf("non-minimal %s accepted", bad)
		}
		if _, err := makeScriptNum(mustHex(bad), false, 4); err != nil {
			t.Errorf("non-minimal %s rejected without the rule: %v", bad, err)
		}
	}
	if _, err := makeScriptNum(mustHex("0000000001"), false, 4); err == nil {
		t.Error("5-byte number accepted with a 4-byte limit")
	}
	if scriptNum(1<<40).Int32() != 0x7fffffff || scriptNum(-(1<<40)).Int32() != -0x80000000 {
		t.Error("Int32 does not clamp")
	}
}

// TestTokenizer checks pushes of each form and truncated pushes.
func TestTokenizer(t *testing.T) {
	tests := []struct {
		script string
		ops    int
		ok     bool
	}{
		{"", 0, true},
		{"0001ff", 2, true},
		{"4c01ff", 1, true},
		{"4d0100ff", 1, true},
		{"4e01000000ff", 1, true},
		{"02ff", 0, false},
		{"4c", 0, false},
		{"4d01", 0, false},
		{"4effffffff", 0, false},
		{"76a9", 2, true},
	}
	for _, tc := range tests {
		tok := MakeScriptTokenizer(mustHex(tc.script))
		n := 0
		for tok.Next() {
			n++
		}
		if n != tc.ops || (tok.Err() == nil) != tc.ok {
			t.Errorf("%s: %d ops err %v, want %d ok %v", tc.script, n, tok.Err(), tc.ops, tc.ok)
		}
	}
	s, err := DisasmString(mustHex("76a914000000000000000000000000000000000000000088ac"))
	if err != nil || s != "OP_DUP OP_HASH160 0000000000000000000000000000000000000000 OP_EQUALVERIFY OP_CHECKSIG" {
		t.Errorf("disasm %q %v", s, err)
	}
}

// TestScriptClassAndSigOps checks classification against Core's
// decodescript vectors and sigop counting.
func TestScriptClassAndSigOps(t *testing.T) {
	pk := bytes.Repeat([]byte{0x02}, 33)
	ms, _ := MultiSigScript([][]byte{pk, pk}, 1)
	nd, _ := NullDataScript([]byte("hello"))
	tests := []struct {
		name   string
		script []byte
		class  ScriptClass
		sigops int
		exact  int
	}{
		{"p2pkh", PayToPubKeyHashScript(make([]byte, 20)), PubKeyHashTy, 1, 1},
		{"p2sh", PayToScriptHashScript(make([]byte, 20)), ScriptHashTy, 0, 0},
		{"p2wpkh", PayToWitnessPubKeyHashScript(make([]byte, 20)), WitnessV0PubKeyHashTy, 0, 0},
		{"p2wsh", PayToWitnessScriptHashScript(make([]byte, 32)), WitnessV0ScriptHashTy, 0, 0},
		{"p2tr", PayToTaprootScript(make([]byte, 32)), WitnessV1TaprootTy, 0, 0},
		{"p2pk", append(append([]byte{OP_DATA_33}, pk...), OP_CHECKSIG), PubKeyTy, 1, 1},
		{"multisig", ms, MultiSigTy, 20, 2},
		{"nulldata", nd, NullDataTy, 0, 0},
		{"unknown witness", []byte{OP_2, 2, 0, 0}, WitnessUnknownTy, 0, 0},
		{"nonstandard", []byte{OP_CHECKSIG, OP_CHECKMULTISIG}, NonStandardTy, 21, 21},
	}
	for _, tc := range tests {
		if got := GetScriptClass(tc.script); got != tc.class {
			t.Errorf("%s: class %v, want %v", tc.name, got, tc.class)
		}
		if got := GetSigOpCount(tc.script); got != tc.sigops {
			t.Errorf("%s: sigops %d, want %d", tc.name, got, tc.sigops)
		}
		if got := GetPreciseSigOpCount(nil, tc.script, true); got != tc.exact {
			t.Errorf("%s: precise sigops %d, want %d", tc.name, got, tc.exact)
		}
	}
	// P2SH: the redeem script's accurate count.
	sigScript, _ := NewScriptBuilder().AddData(ms).Script()
	if n := GetPreciseSigOpCount(sigScript, PayToScriptHashScript(hash160(ms)), true); n != 2 {
		t.Errorf("P2SH precise sigops %d, want 2", n)
	}
	// Witness: P2WPKH counts 1, P2WSH the witness script, also nested.
	if n := GetWitnessSigOpCount(nil, PayToWitnessPubKeyHashScript(make([]byte, 20)), nil); n != 1 {
		t.Errorf("P2WPKH witness sigops %d", n)
	}
	wsh := PayToWitnessScriptHashScript(make([]byte, 32))
	if n := GetWitnessSigOpCount(nil, wsh, wire.TxWitness{nil, ms}); n != 2 {
		t.Errorf("P2WSH witness sigops %d", n)
	}
	nested, _ := NewScriptBuilder().AddData(wsh).Script()
	if n := GetWitnessSigOpCount(nested, PayToScriptHashScript(hash160(wsh)),
		wire.TxWitness{nil, ms}); n != 2 {
		t.Errorf("P2SH-P2WSH witness sigops %d", n)
	}
	if !IsUnspendable(nd) || IsUnspendable(ms) {
		t.Error("IsUnspendable")
	}
}

// TestDecodeScriptVectors checks classes and addresses against Core's
// decodescript output (regtest).
func TestDecodeScriptVectors(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "rpc_decodescript.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rows [][2]json.RawMessage
	if err := json.Unmarshal(raw, &rows); err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		var scriptHex string
		var info struct {
			Asm     string `json:"asm"`
			Type    string `json:"type"`
			Address string `json:"address"`
		}
		if err := json.Unmarshal(row[0], &scriptHex); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(row[1], &info); err != nil {
			t.Fatal(err)
		}
		script := mustHex(scriptHex)
		if got := ScriptToAsm(script, false); got != info.Asm {
			t.Errorf("%s: asm %q, want %q", scriptHex, got, info.Asm)
		}
		if got := GetScriptClass(script).String(); got != info.Type {
			t.Errorf("%s: class %s, want %s", scriptHex, got, info.Type)
		}
		_, addrs, _, err := ExtractPkScriptAddrs(script, &chaincfg.RegressionNetParams)
		if info.Address != "" && (err != nil || len(addrs) != 1 ||
			addrs[0].EncodeAddress() != info.Address) {
			t.Errorf("%s: addresses %v (%v), want %s", scriptHex, addrs, err, info.Address)
		}
	}
	requireCases(t, "rpc_decodescript.json", len(rows))
}

// TestSigCacheConcurrent hammers the cache from several goroutines and
// checks the bound.
func TestSigCacheConcurrent(t *testing.T) {
	c := NewSigCache(100)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				h := chainhash.Hash{byte(g), byte(i), byte(i >> 8)}
				c.Add(h, []byte{1, 2}, []byte{3})
				if !c.Exists(h, []byte{1, 2}, []byte{3}) && c.Len() < 2 {
					t.Error("entry missing right after Add")
				}
				c.Exists(h, []byte{1}, []byte{2, 3})
			}
		}(g)
	}
	wg.Wait()
	if c.Len() > 100 {
		t.Fatalf("cache holds %d entries, bound 100", c.Len())
	}
	h := chainhash.Hash{0xff}
	c.Add(h, []byte{1, 2}, []byte{3})
	if c.Exists(h, []byte{1}, []byte{2, 3}) {
		t.Fatal("key is ambiguous between signature and public key")
	}
	zero := NewSigCache(0)
	zero.Add(h, nil, nil)
	if zero.Exists(h, nil, nil) {
		t.Fatal("zero-capacity cache stored an entry")
	}
}

// TestFlagNames checks that every Core flag name parses and prints.
func TestFlagNames(t *testing.T) {
	for _, f := range flagNames {
		got, err := ParseScriptFlags(f.name)
		if err != nil || got != f.flag || got.String() != f.name {
			t.Errorf("%s: %v %v", f.name, got, err)
		}
	}
	if _, err := ParseScriptFlags("BOGUS"); err == nil {
		t.Error("unknown flag accepted")
	}
	if len(flagNames) != 21 {
		t.Errorf("%d flag names, want 21", len(flagNames))
	}
}

// TestScriptToAsmSigHash checks the hash type decoding of signatures.
func TestScriptToAsmSigHash(t *testing.T) {
	sig := mustHex("3044022057292e2d4dfe775becdd0a9e6547997c728cdf35390f6a017da56d654d374e4902206b643be2fc53763b4e284845bfea2c597d2dc7759941dce937636c9d341b71ed01")
	script, _ := NewScriptBuilder().AddData(sig).AddData(bytes.Repeat([]byte{2}, 33)).Script()
	got := ScriptToAsm(script, true)
	want := hex.EncodeToString(sig[:len(sig)-1]) + "[ALL] " + strings.Repeat("02", 33)
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got := ScriptToAsm(script, false); strings.Contains(got, "[ALL]") {
		t.Errorf("decoded without being asked: %s", got)
	}
}
