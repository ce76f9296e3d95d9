package wire

import (
	"bytes"
	"errors"
	"math/rand"
	"testing"
)

// fuzzTxSeeds returns transaction encodings to seed the fuzzers.
func fuzzTxSeeds(f testing.TB) [][]byte {
	var seeds [][]byte
	for _, file := range []string{"tx_valid.json", "tx_invalid.json"} {
		for i, v := range loadTxVectors(f, file) {
			if i%4 == 0 {
				seeds = append(seeds, v.raw)
			}
		}
	}
	return append(seeds, sampleTx().Bytes())
}

// FuzzTxDecode checks that any input either fails or decodes to a
// transaction that re-encodes to exactly the bytes used, identically by the
// slice and stream decoders.
func FuzzTxDecode(f *testing.F) {
	for _, s := range fuzzTxSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var tx MsgTx
		n, err := tx.DeserializeBytes(data)
		var stream, seeker MsgTx
		serr := stream.Deserialize(onlyReader{bytes.NewReader(data)})
		rs := bytes.NewReader(data)
		kerr := seeker.Deserialize(rs)
		if (err == nil) != (serr == nil) || (err == nil) != (kerr == nil) {
			t.Fatalf("slice err %v, stream err %v, seeker err %v", err, serr, kerr)
		}
		if err == nil && (rs.Len() != len(data)-n || !bytes.Equal(seeker.Bytes(), data[:n])) {
			t.Fatalf("seeker decode differs or left %d bytes", rs.Len())
		}
		if err == nil {
			// Behind more than txDirectMax bytes the two-pass path runs.
			padded := bytes.NewReader(append(append([]byte(nil), data[:n]...), make([]byte, txDirectMax+1)...))
			var two MsgTx
			if err := two.Deserialize(padded); err != nil || !bytes.Equal(two.Bytes(), data[:n]) ||
				padded.Len() != txDirectMax+1 {
				t.Fatalf("two-pass decode differs: %v", err)
			}
		}
		if err != nil {
			return
		}
		if got := tx.Bytes(); !bytes.Equal(got, data[:n]) {
			t.Fatalf("re-encoding differs\n got %x\nwant %x", got, data[:n])
		}
		if !bytes.Equal(stream.Bytes(), data[:n]) || tx.SerializeSize() != n {
			t.Fatalf("stream decode or size differs")
		}
		_ = tx.TxHash()
		_ = tx.WitnessHash()
		var legacy MsgTx
		if m, err := legacy.DeserializeBytesNoWitness(data); err == nil {
			if !bytes.Equal(legacy.BytesNoWitness(), data[:m]) {
				t.Fatalf("legacy re-encoding differs")
			}
		}
	})
}

// FuzzBlockDecode checks block decoding the same way.
func FuzzBlockDecode(f *testing.F) {
	for _, msg := range allMessages(f) {
		if blk, ok := msg.(*MsgBlock); ok {
			f.Add(blk.Bytes())
		}
	}
	raw := readTestFile(f, "block413567.raw")
	f.Add(raw[:4000])
	f.Fuzz(func(t *testing.T, data []byte) {
		var blk MsgBlock
		n, err := blk.DeserializeBytes(data)
		var stream, seeker MsgBlock
		serr := stream.Deserialize(onlyReader{bytes.NewReader(data)})
		kerr := seeker.Deserialize(bytes.NewReader(data))
		if (err == nil) != (serr == nil) || (err == nil) != (kerr == nil) {
			t.Fatalf("slice err %v, stream err %v, seeker err %v", err, serr, kerr)
		}
		if err == nil && !bytes.Equal(seeker.Bytes(), data[:n]) {
			t.Fatalf("seeker decode differs")
		}
		if err != nil {
			return
		}
		if got := blk.Bytes(); !bytes.Equal(got, data[:n]) {
			t.Fatalf("re-encoding differs")
		}
		if !bytes.Equal(stream.Bytes(), data[:n]) {
			t.Fatalf("stream decode differs")
		}
		_ = blk.BlockHash()
	})
}

// FuzzReadMessage checks that ReadMessage never panics and that whatever it
// accepts re-encodes to the same frame (version messages may drop trailing
// bytes; reject is decode-only).
func FuzzReadMessage(f *testing.F) {
	for _, msg := range allMessages(f) {
		b, err := EncodeMessage(msg, ProtocolVersion, MainNet, LatestEncoding)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(frame(MainNet, CmdReject, append(AppendVarString(nil, "tx"), 0x10, 0)))
	f.Fuzz(func(t *testing.T, data []byte) {
		msg, payload, err := ReadMessage(bytes.NewReader(data), ProtocolVersion, MainNet)
		if err != nil {
			return
		}
		if msg.Command() == CmdReject || msg.Command() == CmdVersion {
			return
		}
		again, err := EncodeMessage(msg, ProtocolVersion, MainNet, LatestEncoding)
		if err != nil {
			var werr Error
			if errors.As(err, &werr) && errors.Is(err, ErrInvalidAddress) {
				return // Tor v2 entries decode but are never encoded.
			}
			t.Fatalf("%s: re-encode: %v", msg.Command(), err)
		}
		if !bytes.Equal(again[MessageHeaderSize:], payload) {
			if msg.Command() == CmdHeaders || msg.Command() == CmdAddrV2 {
				return // ignored tx counts and skipped unknown networks
			}
			t.Fatalf("%s: payload differs\n got %x\nwant %x", msg.Command(),
				again[MessageHeaderSize:], payload)
		}
	})
}

// FuzzOnionV3 checks that onion names that decode re-encode identically.
func FuzzOnionV3(f *testing.F) {
	f.Add("pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion")
	f.Fuzz(func(t *testing.T, name string) {
		pub, err := DecodeOnionV3(name)
		if err != nil {
			return
		}
		back, err := EncodeOnionV3(pub)
		if err != nil || !bytes.EqualFold([]byte(back), []byte(name)) {
			t.Fatalf("%q re-encoded as %q (%v)", name, back, err)
		}
	})
}

// TestDecodeAllocationBound mutates valid encodings at random and checks
// that no decode allocates far beyond its input: a claimed count or length
// never turns into an allocation the bytes cannot back.
func TestDecodeAllocationBound(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var inputs [][]byte
	for _, msg := range allMessages(t) {
		b, _ := EncodeMessage(msg, ProtocolVersion, MainNet, LatestEncoding)
		inputs = append(inputs, b)
	}
	for _, s := range fuzzTxSeeds(t) {
		inputs = append(inputs, frame(MainNet, CmdTx, s))
	}
	worst := 0.0
	for round := 0; round < 20; round++ {
		for _, in := range inputs {
			data := append([]byte(nil), in...)
			for k := 0; k < 3; k++ {
				i := MessageHeaderSize + rng.Intn(max(1, len(data)-MessageHeaderSize))
				if i < len(data) {
					data[i] = []byte{0xff, 0xfe, 0xfd, 0x00, byte(rng.Intn(256))}[rng.Intn(5)]
				}
			}
			// Re-frame so the checksum passes and the decoder runs.
			payload := data[MessageHeaderSize:]
			cmd := string(bytes.TrimRight(data[4:16], "\x00"))
			framed := frame(MainNet, cmd, payload)
			n := allocatedBytes(1, func() {
				ReadMessage(bytes.NewReader(framed), ProtocolVersion, MainNet)
			})
			ratio := float64(n) / float64(len(framed)+1024)
			worst = max(worst, ratio)
			if ratio > 16 {
				t.Fatalf("%s: %d bytes allocated for a %d-byte input", cmd, n, len(framed))
			}
			var tx MsgTx
			n = allocatedBytes(1, func() { tx.DeserializeBytes(payload) })
			if float64(n) > 16*float64(len(payload)+1024) {
				t.Fatalf("tx decode: %d bytes allocated for %d bytes", n, len(payload))
			}
		}
	}
	t.Logf("%d mutated inputs, worst allocation %.1fx (input + 1 KiB)", 20*len(inputs), worst)
}
