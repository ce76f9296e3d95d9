package txscript

import (
	"bytes"
	"testing"
)

// TestScriptFacts covers the script facts the context-free rules and the
// pool's policy share: Core's Solver classes (anchors, key sizes),
// FinalPushData and the accurate sigop count.
func TestScriptFacts(t *testing.T) {
	key := func(header byte, n int) []byte {
		k := make([]byte, n)
		k[0] = header
		return k
	}
	p2pk := func(k []byte) []byte {
		return append(append([]byte{byte(len(k))}, k...), OP_CHECKSIG)
	}
	multi := func(m byte, keys ...[]byte) []byte {
		s := []byte{OP_1 + m - 1}
		for _, k := range keys {
			s = append(append(s, byte(len(k))), k...)
		}
		return append(s, OP_1+byte(len(keys))-1, OP_CHECKMULTISIG)
	}
	tests := []struct {
		name   string
		script []byte
		class  ScriptClass
	}{
		{"anchor", []byte{OP_1, OP_DATA_2, 0x4e, 0x73}, AnchorTy},
		{"other v1 2-byte program", []byte{OP_1, OP_DATA_2, 0x4e, 0x74}, WitnessUnknownTy},
		{"hybrid p2pk 06", p2pk(key(0x06, 65)), PubKeyTy},
		{"hybrid p2pk 07", p2pk(key(0x07, 65)), PubKeyTy},
		{"p2pk bad header", p2pk(key(0x05, 65)), NonStandardTy},
		{"p2pk 33 bytes header 04", p2pk(key(0x04, 33)), NonStandardTy},
		{"multisig hybrid key", multi(1, key(0x02, 33), key(0x06, 65)), MultiSigTy},
		{"multisig bad key header", multi(1, key(0x02, 33), key(0x05, 33)), NonStandardTy},
	}
	for _, tc := range tests {
		if got := GetScriptClass(tc.script); got != tc.class {
			t.Errorf("%s: class %v, want %v", tc.name, got, tc.class)
		}
	}
	if AnchorTy.String() != "anchor" {
		t.Errorf("AnchorTy.String() = %q", AnchorTy.String())
	}

	pushes := []struct {
		name   string
		script []byte
		data   []byte
		ok     bool
	}{
		{"empty", nil, nil, false},
		{"one push", []byte{2, 0xaa, 0xbb}, []byte{0xaa, 0xbb}, true},
		{"last of two", []byte{1, 0xaa, 1, 0xbb}, []byte{0xbb}, true},
		{"small int last", []byte{1, 0xaa, OP_5}, nil, true},
		{"reserved counts as push", []byte{OP_RESERVED, 1, 0xaa}, []byte{0xaa}, true},
		{"not push only", []byte{1, 0xaa, OP_DUP}, nil, false},
		{"truncated", []byte{2, 0xaa}, nil, false},
	}
	for _, tc := range pushes {
		data, ok := FinalPushData(tc.script)
		if ok != tc.ok || !bytes.Equal(data, tc.data) {
			t.Errorf("%s: FinalPushData = %x, %v; want %x, %v", tc.name, data, ok, tc.data, tc.ok)
		}
	}

	if got := GetAccurateSigOpCount([]byte{OP_2, OP_CHECKMULTISIG, OP_CHECKSIG}); got != 3 {
		t.Errorf("GetAccurateSigOpCount = %d, want 3", got)
	}
	if got := GetAccurateSigOpCount([]byte{OP_DUP, OP_CHECKMULTISIGVERIFY}); got != 20 {
		t.Errorf("GetAccurateSigOpCount without a key count = %d, want 20", got)
	}
	if v, p, ok := ExtractWitnessProgram(PayToTaprootScript(make([]byte, 32))); !ok || v != 1 || len(p) != 32 {
		t.Errorf("ExtractWitnessProgram(p2tr) = %d, %x, %v", v, p, ok)
	}
	if _, _, ok := ExtractWitnessProgram([]byte{OP_0, 1, 0}); ok {
		t.Error("ExtractWitnessProgram accepts a 1-byte program")
	}
	success := 0
	for op := 0; op < 256; op++ {
		if IsOpSuccess(byte(op)) {
			success++
		}
	}
	// BIP342: 80, 98, 126-129, 131-134, 137-138, 141-142, 149-153, 187-254.
	if success != 2+4+4+2+2+5+68 || !IsOpSuccess(OP_RESERVED) || IsOpSuccess(OP_CHECKSIGADD) {
		t.Errorf("IsOpSuccess: %d opcodes", success)
	}
}
