package wire

import (
	"bytes"
	"compress/bzip2"
	"io"
	"testing"
)

// benchInputs are the encodings every benchmark uses; bench/ decodes the
// same bytes with btcd's wire package.
type benchInputs struct {
	smallTx, largeTx, block, headers []byte
}

// segwitBlockFile is btcd's raw mainnet block 574200.
const segwitBlockFile = "block-0000000000000000001602407ac49862a7bca9d00f7f402db20b7be2f5de59d2.blk"

// loadBenchInputs builds the inputs: the first transaction of block 574200
// with one witness input and two outputs (a typical payment), the 999,657
// byte megatx, block 413567, and a headers message of 2,000 headers.
func loadBenchInputs(b testing.TB) *benchInputs {
	b.Helper()
	in := &benchInputs{block: readTestFile(b, "block413567.raw")}
	var sw MsgBlock
	if _, err := sw.DeserializeBytes(readTestFile(b, segwitBlockFile)); err != nil {
		b.Fatal(err)
	}
	for _, tx := range sw.Transactions[1:] {
		if len(tx.TxIn) == 1 && len(tx.TxOut) == 2 && tx.HasWitness() {
			in.smallTx = tx.Bytes()
			break
		}
	}
	compressed := readTestFile(b, "megatx.bin.bz2")
	large, err := io.ReadAll(bzip2.NewReader(bytes.NewReader(compressed)))
	if err != nil {
		b.Fatal(err)
	}
	in.largeTx = large
	var blk MsgBlock
	if _, err := blk.DeserializeBytes(in.block); err != nil {
		b.Fatal(err)
	}
	hdrs := NewMsgHeaders()
	for i := 0; i < MaxBlockHeadersPerMsg; i++ {
		h := blk.Header
		h.Nonce = uint32(i)
		hdrs.AddBlockHeader(&h)
	}
	in.headers, err = EncodeMessage(hdrs, ProtocolVersion, MainNet, LatestEncoding)
	if err != nil {
		b.Fatal(err)
	}
	return in
}

// BenchmarkTxDecode decodes the small and large transactions from byte
// slices (the fast path) and through a bytes.Reader.
func BenchmarkTxDecode(b *testing.B) {
	in := loadBenchInputs(b)
	for _, c := range []struct {
		name string
		raw  []byte
	}{{"small", in.smallTx}, {"large", in.largeTx}} {
		b.Run(c.name+"/bytes", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.raw)))
			for b.Loop() {
				var tx MsgTx
				if _, err := tx.DeserializeBytes(c.raw); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/reader", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.raw)))
			r := bytes.NewReader(c.raw)
			for b.Loop() {
				r.Reset(c.raw)
				var tx MsgTx
				if err := tx.Deserialize(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTxEncode encodes the transactions through Serialize and
// AppendBytes.
func BenchmarkTxEncode(b *testing.B) {
	in := loadBenchInputs(b)
	for _, c := range []struct {
		name string
		raw  []byte
	}{{"small", in.smallTx}, {"large", in.largeTx}} {
		var tx MsgTx
		if _, err := tx.DeserializeBytes(c.raw); err != nil {
			b.Fatal(err)
		}
		b.Run(c.name+"/serialize", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.raw)))
			var buf bytes.Buffer
			buf.Grow(len(c.raw))
			for b.Loop() {
				buf.Reset()
				if err := tx.Serialize(&buf); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/append", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.raw)))
			dst := make([]byte, 0, len(c.raw))
			for b.Loop() {
				dst = tx.AppendBytes(dst[:0])
			}
		})
		b.Run(c.name+"/txhash", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tx.TxHash()
			}
		})
	}
}

// BenchmarkBlockDecode decodes block 413567 from a byte slice and through a
// bytes.Reader.
func BenchmarkBlockDecode(b *testing.B) {
	in := loadBenchInputs(b)
	b.Run("bytes", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(in.block)))
		for b.Loop() {
			var blk MsgBlock
			if _, err := blk.DeserializeBytes(in.block); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reader", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(in.block)))
		r := bytes.NewReader(in.block)
		for b.Loop() {
			r.Reset(in.block)
			var blk MsgBlock
			if err := blk.Deserialize(r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkBlockEncode encodes block 413567.
func BenchmarkBlockEncode(b *testing.B) {
	in := loadBenchInputs(b)
	var blk MsgBlock
	if _, err := blk.DeserializeBytes(in.block); err != nil {
		b.Fatal(err)
	}
	b.Run("serialize", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(in.block)))
		var buf bytes.Buffer
		buf.Grow(len(in.block))
		for b.Loop() {
			buf.Reset()
			if err := blk.Serialize(&buf); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(in.block)))
		dst := make([]byte, 0, len(in.block))
		for b.Loop() {
			dst = blk.AppendBytes(dst[:0])
		}
	})
}

// BenchmarkHeaders reads and writes a framed headers message of 2,000
// headers, and decodes its payload with BtcDecode.
func BenchmarkHeaders(b *testing.B) {
	in := loadBenchInputs(b)
	b.Run("readmessage", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(in.headers)))
		r := bytes.NewReader(in.headers)
		for b.Loop() {
			r.Reset(in.headers)
			if _, _, err := ReadMessage(r, ProtocolVersion, MainNet); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("btcdecode", func(b *testing.B) {
		b.ReportAllocs()
		payload := in.headers[MessageHeaderSize:]
		b.SetBytes(int64(len(payload)))
		r := bytes.NewReader(payload)
		for b.Loop() {
			r.Reset(payload)
			var msg MsgHeaders
			if err := msg.BtcDecode(r, ProtocolVersion, LatestEncoding); err != nil {
				b.Fatal(err)
			}
		}
	})
	msg, _, err := ReadMessage(bytes.NewReader(in.headers), ProtocolVersion, MainNet)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("writemessage", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(in.headers)))
		for b.Loop() {
			if err := WriteMessage(io.Discard, msg, ProtocolVersion, MainNet); err != nil {
				b.Fatal(err)
			}
		}
	})
}
