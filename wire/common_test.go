package wire

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// TestVarInt checks canonical encodings both ways and the rejection of
// non-canonical ones.
func TestVarInt(t *testing.T) {
	tests := []struct {
		val uint64
		enc []byte
	}{
		{0, []byte{0}},
		{0xfc, []byte{0xfc}},
		{0xfd, []byte{0xfd, 0xfd, 0x00}},
		{0xffff, []byte{0xfd, 0xff, 0xff}},
		{0x10000, []byte{0xfe, 0x00, 0x00, 0x01, 0x00}},
		{0xffffffff, []byte{0xfe, 0xff, 0xff, 0xff, 0xff}},
		{0x100000000, []byte{0xff, 0, 0, 0, 0, 1, 0, 0, 0}},
		{0xffffffffffffffff, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
	}
	for _, tc := range tests {
		if got := AppendVarInt(nil, tc.val); !bytes.Equal(got, tc.enc) {
			t.Errorf("AppendVarInt(%x) = %x, want %x", tc.val, got, tc.enc)
		}
		if VarIntSerializeSize(tc.val) != len(tc.enc) {
			t.Errorf("VarIntSerializeSize(%x) wrong", tc.val)
		}
		v, err := ReadVarInt(bytes.NewReader(tc.enc), 0)
		if err != nil || v != tc.val {
			t.Errorf("ReadVarInt(%x) = %x, %v", tc.enc, v, err)
		}
		var buf bytes.Buffer
		if err := WriteVarInt(&buf, 0, tc.val); err != nil || !bytes.Equal(buf.Bytes(), tc.enc) {
			t.Errorf("WriteVarInt(%x) = %x", tc.val, buf.Bytes())
		}
		d := newSliceDecoder(tc.enc, false)
		if v := d.varInt(); v != tc.val || d.err != nil || d.off != len(tc.enc) {
			t.Errorf("slice varInt(%x) = %x, %v", tc.enc, v, d.err)
		}
	}
	nonCanonical := [][]byte{
		{0xfd, 0xfc, 0x00},
		{0xfd, 0x00, 0x00},
		{0xfe, 0xff, 0xff, 0x00, 0x00},
		{0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0},
	}
	for _, enc := range nonCanonical {
		if _, err := ReadVarInt(bytes.NewReader(enc), 0); !errors.Is(err, ErrNonCanonicalVarInt) {
			t.Errorf("ReadVarInt(%x): err %v, want ErrNonCanonicalVarInt", enc, err)
		}
	}
	short := [][]byte{{}, {0xfd}, {0xfd, 0x01}, {0xfe, 1, 2, 3}, {0xff, 1, 2, 3, 4, 5, 6, 7}}
	for i, enc := range short {
		_, err := ReadVarInt(bytes.NewReader(enc), 0)
		want := io.ErrUnexpectedEOF
		if i == 0 {
			want = io.EOF
		}
		if !errors.Is(err, want) {
			t.Errorf("ReadVarInt(%x): err %v, want %v", enc, err, want)
		}
	}
}

// TestVarBytesAndStrings checks the length limits of variable length fields.
func TestVarBytesAndStrings(t *testing.T) {
	data := []byte("hello, wire")
	var buf bytes.Buffer
	if err := WriteVarBytes(&buf, 0, data); err != nil {
		t.Fatal(err)
	}
	enc := buf.Bytes()
	got, err := ReadVarBytes(bytes.NewReader(enc), 0, 11, "test")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("ReadVarBytes = %q, %v", got, err)
	}
	if _, err := ReadVarBytes(bytes.NewReader(enc), 0, 10, "test"); !errors.Is(err, ErrFieldTooLong) {
		t.Fatalf("over max: %v", err)
	}
	s, err := ReadVarString(bytes.NewReader(enc), 0)
	if err != nil || s != string(data) {
		t.Fatalf("ReadVarString = %q, %v", s, err)
	}
	if _, err := ReadVarStringMax(bytes.NewReader(enc), 0, 3); !errors.Is(err, ErrFieldTooLong) {
		t.Fatalf("string over max: %v", err)
	}
	buf.Reset()
	if err := WriteVarString(&buf, 0, "abc"); err != nil || !bytes.Equal(buf.Bytes(), []byte{3, 'a', 'b', 'c'}) {
		t.Fatalf("WriteVarString = %x", buf.Bytes())
	}
	// A huge claimed length with little data must fail without a large
	// allocation.
	huge := []byte{0xfe, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3}
	allocs := testing.AllocsPerRun(10, func() {
		ReadVarBytes(bytes.NewReader(huge), 0, 0xffffffff, "huge")
	})
	if _, err := ReadVarBytes(bytes.NewReader(huge), 0, 0xffffffff, "huge"); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("huge claim: %v", err)
	}
	if allocs > 5 {
		t.Fatalf("huge claim allocated %v times", allocs)
	}
}

// TestRandomUint64 checks that nonces differ.
func TestRandomUint64(t *testing.T) {
	a, err1 := RandomUint64()
	b, err2 := RandomUint64()
	if err1 != nil || err2 != nil || a == b {
		t.Fatalf("%x %x %v %v", a, b, err1, err2)
	}
}
