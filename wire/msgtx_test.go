package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"runtime"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// mustHex decodes hex or fails the test.
func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTxMalformed checks the rejection of malformed transactions.
func TestTxMalformed(t *testing.T) {
	// A one-input, one-output segwit transaction used as a base.
	tx := NewMsgTx(2)
	tx.AddTxIn(NewTxIn(&OutPoint{Index: 1}, nil, [][]byte{{1, 2}, {3}}))
	tx.AddTxOut(NewTxOut(5000, []byte{0x51}))
	good := tx.Bytes()

	emptyWit := tx.Copy()
	emptyWit.TxIn[0].Witness = nil
	superfluous := emptyWit.appendTo(nil, true)

	tests := []struct {
		name string
		raw  []byte
		want error
	}{
		{"empty", nil, io.ErrUnexpectedEOF},
		{"truncated", good[:len(good)-1], io.ErrUnexpectedEOF},
		{"bad flag", append([]byte{2, 0, 0, 0, 0, 2}, good[6:]...), ErrMalformedTx},
		{"superfluous witness", superfluous, ErrMalformedTx},
		{"huge input count", mustHex(t, "02000000ffffffffffffffffff0000"), ErrTooManyItems},
		{"inputs beyond payload", mustHex(t, "02000000fd0001"), ErrTooManyItems},
		{"non-canonical count", mustHex(t, "02000000fd010001"), ErrNonCanonicalVarInt},
		{"huge script", mustHex(t, "0200000001"+"00000000000000000000000000000000"+
			"00000000000000000000000000000000"+"00000000"+"feffffff00"), ErrFieldTooLong},
		{"short script", mustHex(t, "0200000001"+"00000000000000000000000000000000"+
			"00000000000000000000000000000000"+"00000000"+"fd0010000000"), io.ErrUnexpectedEOF},
	}
	for _, tc := range tests {
		var got MsgTx
		_, err := got.DeserializeBytes(tc.raw)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: bytes: err %v, want %v", tc.name, err, tc.want)
		}
		err = got.Deserialize(bytes.NewReader(tc.raw))
		if tc.name == "empty" {
			if err != io.EOF {
				t.Errorf("empty reader: err %v, want io.EOF", err)
			}
			continue
		}
		if tc.name == "inputs beyond payload" {
			// A stream cannot know the payload size; it runs out instead.
			continue
		}
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: reader: err %v, want %v", tc.name, err, tc.want)
		}
	}
}

// allocatedBytes returns the bytes f allocates on average over runs.
func allocatedBytes(runs int, f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < runs; i++ {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(runs)
}

// TestTxHugeCountAllocatesNothing checks that a 20-byte transaction claiming
// 2^32-1 inputs (or outputs, or witness items) fails without allocating
// more than its error.
func TestTxHugeCountAllocatesNothing(t *testing.T) {
	raws := []string{
		"02000000feffffffff000000000000000000000000",
		"0200000000feffffffff0000000000000000000000",
		"020000000001010000000000000000000000000000000000000000000000000000000000000000" +
			"00000000000000000000000001000000000000000000feffffffff00",
	}
	for _, h := range raws {
		raw := mustHex(t, h)
		var tx MsgTx
		if _, err := tx.DeserializeBytes(raw); err == nil {
			t.Fatalf("%s decoded", h)
		}
		if n := allocatedBytes(100, func() { tx.DeserializeBytes(raw) }); n > 512 {
			t.Fatalf("%s: %d bytes allocated per decode", h, n)
		}
		if n := allocatedBytes(100, func() { tx.Deserialize(bytes.NewReader(raw)) }); n > 2048 {
			t.Fatalf("%s: %d bytes allocated per stream decode", h, n)
		}
	}
}

// TestTxZeroInputs checks Core's reading of a zero-input transaction.
func TestTxZeroInputs(t *testing.T) {
	raw := mustHex(t, "01000000000000000000")
	var tx MsgTx
	n, err := tx.DeserializeBytes(raw)
	if err != nil || n != len(raw) || len(tx.TxIn) != 0 || len(tx.TxOut) != 0 {
		t.Fatalf("n=%d err=%v", n, err)
	}
	if !bytes.Equal(tx.Bytes(), raw) {
		t.Fatalf("round trip %x", tx.Bytes())
	}
}

// TestTxBuild checks encoding, sizes and hashes of a built transaction.
func TestTxBuild(t *testing.T) {
	prev := chainhash.Hash{1, 2, 3}
	tx := NewMsgTx(TxVersion)
	tx.AddTxIn(NewTxIn(NewOutPoint(&prev, 7), []byte{0x00}, nil))
	tx.AddTxOut(NewTxOut(100, []byte{0x6a}))
	tx.LockTime = 99
	want := "01000000" + "01" + hex.EncodeToString(prev[:]) + "07000000" + "0100" + "ffffffff" +
		"01" + "6400000000000000" + "016a" + "63000000"
	if got := hex.EncodeToString(tx.Bytes()); got != want {
		t.Fatalf("encoding\n got %s\nwant %s", got, want)
	}
	if tx.HasWitness() || tx.TxHash() != tx.WitnessHash() {
		t.Fatalf("no-witness hashes differ")
	}
	tx.TxIn[0].Witness = TxWitness{{0xaa}}
	if !tx.HasWitness() || tx.TxHash() == tx.WitnessHash() {
		t.Fatalf("witness hashes")
	}
	if tx.SerializeSize() != tx.SerializeSizeStripped()+2+3 {
		t.Fatalf("sizes %d %d", tx.SerializeSize(), tx.SerializeSizeStripped())
	}
	op, err := NewOutPointFromString(tx.TxIn[0].PreviousOutPoint.String())
	if err != nil || *op != tx.TxIn[0].PreviousOutPoint {
		t.Fatalf("outpoint string round trip: %v", err)
	}
	// The legacy encoding decodes with BaseEncoding.
	var buf bytes.Buffer
	if err := tx.SerializeNoWitness(&buf); err != nil {
		t.Fatal(err)
	}
	var back MsgTx
	if err := back.DeserializeNoWitness(&buf); err != nil || back.TxHash() != tx.TxHash() {
		t.Fatalf("legacy round trip: %v", err)
	}
	// Appending to a decoded slice never clobbers its neighbour.
	raw := tx.Bytes()
	var dec MsgTx
	if _, err := dec.DeserializeBytes(raw); err != nil {
		t.Fatal(err)
	}
	_ = append(dec.TxIn[0].SignatureScript, 0xff, 0xff)
	if !bytes.Equal(dec.Bytes(), raw) {
		t.Fatalf("append clobbered a neighbour")
	}
}

// TestErrorKinds checks that every kind unwraps and prints.
func TestErrorKinds(t *testing.T) {
	kinds := []ErrorKind{
		ErrNonCanonicalVarInt, ErrFieldTooLong, ErrTooManyItems, ErrPayloadTooLarge,
		ErrBadChecksum, ErrWrongNetwork, ErrUnknownCommand, ErrMalformedCommand,
		ErrTrailingBytes, ErrMalformedTx, ErrInvalidAddress, ErrInvalidMessage, ErrProtocolLimit,
	}
	for _, k := range kinds {
		err := error(makeError(k, "desc"))
		if !errors.Is(err, k) || err.Error() != "desc" || k.Error() != string(k) {
			t.Errorf("kind %v does not unwrap", k)
		}
		for _, other := range kinds {
			if other != k && errors.Is(err, other) {
				t.Errorf("%v matches %v", k, other)
			}
		}
	}
}

// TestStreamReadAhead checks that decoding from a seekable reader leaves it
// positioned right after the transaction, so that consecutive objects can
// be read, and that a plain reader gives the same results.
func TestStreamReadAhead(t *testing.T) {
	a, b := sampleTx(), sampleTx()
	b.LockTime = 99
	b.TxIn[0].Witness = nil
	raw := append(append(a.Bytes(), b.Bytes()...), 0xaa)
	for name, r := range map[string]io.Reader{
		"seeker": bytes.NewReader(raw),
		"plain":  onlyReader{bytes.NewReader(raw)},
	} {
		var x, y MsgTx
		if err := x.Deserialize(r); err != nil {
			t.Fatalf("%s: first: %v", name, err)
		}
		if err := y.Deserialize(r); err != nil {
			t.Fatalf("%s: second: %v", name, err)
		}
		rest, _ := io.ReadAll(r)
		if x.TxHash() != a.TxHash() || y.TxHash() != b.TxHash() || !bytes.Equal(rest, []byte{0xaa}) {
			t.Fatalf("%s: wrong position after decoding (rest %x)", name, rest)
		}
	}
}

// TestSeekerWindowPath decodes objects larger than the direct-read limits
// from seekable readers (a bytes.Reader with much more data after the
// object, and a file), which exercises the sliding-window scan, and checks
// the reader's position afterwards.
func TestSeekerWindowPath(t *testing.T) {
	big := NewMsgTx(1)
	for i := 0; i < 3000; i++ {
		big.AddTxIn(NewTxIn(&OutPoint{Index: uint32(i)}, bytes.Repeat([]byte{byte(i)}, 30), nil))
	}
	big.AddTxOut(NewTxOut(1, make([]byte, 70000))) // a field larger than the window
	big.TxIn[5].Witness = TxWitness{make([]byte, 100000), {1}}
	rawTx := big.Bytes()
	block := readTestFile(t, "block413567.raw")
	padding := make([]byte, MaxBlockPayload+1)
	padding[0] = 0xaa

	var tx MsgTx
	r := bytes.NewReader(append(append([]byte(nil), rawTx...), padding...))
	if err := tx.Deserialize(r); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(tx.Bytes(), rawTx) || r.Len() != len(padding) {
		t.Fatalf("tx window path: left %d bytes", r.Len())
	}
	var blk MsgBlock
	r = bytes.NewReader(append(append([]byte(nil), block...), padding...))
	if err := blk.Deserialize(r); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(blk.Bytes(), block) || r.Len() != len(padding) {
		t.Fatalf("block window path: left %d bytes", r.Len())
	}
	path := t.TempDir() + "/objects"
	if err := os.WriteFile(path, append(append(append([]byte(nil), block...), rawTx...), 0xbb), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blk2 MsgBlock
	var tx2 MsgTx
	if err := blk2.Deserialize(f); err != nil {
		t.Fatal(err)
	}
	if err := tx2.Deserialize(f); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(f)
	if blk2.BlockHash() != blk.BlockHash() || tx2.WitnessHash() != big.WitnessHash() ||
		!bytes.Equal(rest, []byte{0xbb}) {
		t.Fatalf("file path: rest %x", rest)
	}
	// Truncated inputs fail on every path.
	for _, cut := range []int{1, 1000, len(rawTx) - 1} {
		var x MsgTx
		if err := x.Deserialize(bytes.NewReader(rawTx[:cut])); err == nil {
			t.Fatalf("truncated at %d decoded", cut)
		}
	}
}

// TestStreamingHash checks the streaming hash of large transactions against
// the plain double SHA-256 of their encodings.
func TestStreamingHash(t *testing.T) {
	tx := NewMsgTx(2)
	for i := 0; i < 400; i++ {
		script := bytes.Repeat([]byte{byte(i)}, i*7%1500)
		tx.AddTxIn(NewTxIn(&OutPoint{Index: uint32(i)}, script, [][]byte{script, {1}}))
		tx.AddTxOut(NewTxOut(int64(i), script))
	}
	if tx.SerializeSize() <= streamHashSize {
		t.Fatalf("test transaction too small")
	}
	if tx.TxHash() != chainhash.DoubleHashH(tx.BytesNoWitness()) {
		t.Fatalf("txid differs")
	}
	if tx.WitnessHash() != chainhash.DoubleHashH(tx.Bytes()) {
		t.Fatalf("wtxid differs")
	}
}
