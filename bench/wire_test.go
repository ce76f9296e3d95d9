package bench

import (
	"bytes"
	"compress/bzip2"
	"io"
	"os"
	"path/filepath"
	"testing"

	btcwire "github.com/btcsuite/btcd/wire/v2"
	"github.com/tern-org/ternd/wire"
)

// testdata is ternd's wire test data folder.
const testdata = "../wire/testdata"

// inputs are the encodings both libraries decode and encode.
type inputs struct {
	smallTx, largeTx, block, headers []byte
}

// readFile reads a file from the wire test data.
func readFile(b testing.TB, name string) []byte {
	b.Helper()
	data, err := os.ReadFile(filepath.Join(testdata, name))
	if err != nil || len(data) == 0 {
		b.Fatalf("%s: %v", name, err)
	}
	return data
}

// loadInputs builds the inputs exactly as wire's own benchmarks do: the
// first one-input, two-output witness transaction of block 574200, the
// 999,657-byte megatx, block 413567 and a framed headers message of 2,000
// headers.
func loadInputs(b testing.TB) *inputs {
	b.Helper()
	in := &inputs{block: readFile(b, "block413567.raw")}
	var sw wire.MsgBlock
	if _, err := sw.DeserializeBytes(readFile(b,
		"block-0000000000000000001602407ac49862a7bca9d00f7f402db20b7be2f5de59d2.blk")); err != nil {
		b.Fatal(err)
	}
	for _, tx := range sw.Transactions[1:] {
		if len(tx.TxIn) == 1 && len(tx.TxOut) == 2 && tx.HasWitness() {
			in.smallTx = tx.Bytes()
			break
		}
	}
	large, err := io.ReadAll(bzip2.NewReader(bytes.NewReader(readFile(b, "megatx.bin.bz2"))))
	if err != nil {
		b.Fatal(err)
	}
	in.largeTx = large
	var blk wire.MsgBlock
	if _, err := blk.DeserializeBytes(in.block); err != nil {
		b.Fatal(err)
	}
	hdrs := wire.NewMsgHeaders()
	for i := 0; i < wire.MaxBlockHeadersPerMsg; i++ {
		h := blk.Header
		h.Nonce = uint32(i)
		hdrs.AddBlockHeader(&h)
	}
	if in.headers, err = wire.EncodeMessage(hdrs, wire.ProtocolVersion, wire.MainNet,
		wire.LatestEncoding); err != nil {
		b.Fatal(err)
	}
	return in
}

// TestSameResults checks that both libraries decode the inputs to the same
// bytes and hashes, so the benchmarks compare equal work.
func TestSameResults(t *testing.T) {
	in := loadInputs(t)
	for name, raw := range map[string][]byte{"small": in.smallTx, "large": in.largeTx} {
		var a wire.MsgTx
		var b btcwire.MsgTx
		if _, err := a.DeserializeBytes(raw); err != nil {
			t.Fatal(err)
		}
		if err := b.Deserialize(bytes.NewReader(raw)); err != nil {
			t.Fatal(err)
		}
		if a.TxHash().String() != b.TxHash().String() || a.WitnessHash().String() != b.WitnessHash().String() {
			t.Fatalf("%s: hashes differ", name)
		}
	}
	var a wire.MsgBlock
	var b btcwire.MsgBlock
	a.DeserializeBytes(in.block)
	if err := b.Deserialize(bytes.NewReader(in.block)); err != nil {
		t.Fatal(err)
	}
	if a.BlockHash().String() != b.BlockHash().String() || len(a.Transactions) != len(b.Transactions) {
		t.Fatal("blocks differ")
	}
	msg, _, err := btcwire.ReadMessage(bytes.NewReader(in.headers), btcwire.ProtocolVersion, btcwire.MainNet)
	if err != nil || len(msg.(*btcwire.MsgHeaders).Headers) != 2000 {
		t.Fatalf("btcd headers: %v", err)
	}
}

// BenchmarkWireTxDecode decodes the small and large transactions with both
// libraries from a bytes.Reader, and with ternd's byte-slice fast path.
func BenchmarkWireTxDecode(b *testing.B) {
	in := loadInputs(b)
	for _, c := range []struct {
		name string
		raw  []byte
	}{{"small", in.smallTx}, {"large", in.largeTx}} {
		b.Run(c.name+"/ternd-bytes", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var tx wire.MsgTx
				if _, err := tx.DeserializeBytes(c.raw); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/ternd-reader", func(b *testing.B) {
			b.ReportAllocs()
			r := bytes.NewReader(c.raw)
			for b.Loop() {
				r.Reset(c.raw)
				var tx wire.MsgTx
				if err := tx.Deserialize(r); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/btcd-reader", func(b *testing.B) {
			b.ReportAllocs()
			r := bytes.NewReader(c.raw)
			for b.Loop() {
				r.Reset(c.raw)
				var tx btcwire.MsgTx
				if err := tx.Deserialize(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWireTxEncode serializes both transactions into a bytes.Buffer.
func BenchmarkWireTxEncode(b *testing.B) {
	in := loadInputs(b)
	for _, c := range []struct {
		name string
		raw  []byte
	}{{"small", in.smallTx}, {"large", in.largeTx}} {
		var ours wire.MsgTx
		var theirs btcwire.MsgTx
		ours.DeserializeBytes(c.raw)
		theirs.Deserialize(bytes.NewReader(c.raw))
		b.Run(c.name+"/ternd", func(b *testing.B) {
			b.ReportAllocs()
			var buf bytes.Buffer
			buf.Grow(len(c.raw))
			for b.Loop() {
				buf.Reset()
				if err := ours.Serialize(&buf); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/btcd", func(b *testing.B) {
			b.ReportAllocs()
			var buf bytes.Buffer
			buf.Grow(len(c.raw))
			for b.Loop() {
				buf.Reset()
				if err := theirs.Serialize(&buf); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/ternd-txhash", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ours.TxHash()
			}
		})
		b.Run(c.name+"/btcd-txhash", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				theirs.TxHash()
			}
		})
	}
}

// BenchmarkWireBlockDecode decodes block 413567 with both libraries.
func BenchmarkWireBlockDecode(b *testing.B) {
	in := loadInputs(b)
	b.Run("ternd-bytes", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var blk wire.MsgBlock
			if _, err := blk.DeserializeBytes(in.block); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ternd-reader", func(b *testing.B) {
		b.ReportAllocs()
		r := bytes.NewReader(in.block)
		for b.Loop() {
			r.Reset(in.block)
			var blk wire.MsgBlock
			if err := blk.Deserialize(r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("btcd-reader", func(b *testing.B) {
		b.ReportAllocs()
		r := bytes.NewReader(in.block)
		for b.Loop() {
			r.Reset(in.block)
			var blk btcwire.MsgBlock
			if err := blk.Deserialize(r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkWireBlockEncode serializes block 413567 into a bytes.Buffer.
func BenchmarkWireBlockEncode(b *testing.B) {
	in := loadInputs(b)
	var ours wire.MsgBlock
	var theirs btcwire.MsgBlock
	ours.DeserializeBytes(in.block)
	theirs.Deserialize(bytes.NewReader(in.block))
	b.Run("ternd", func(b *testing.B) {
		b.ReportAllocs()
		var buf bytes.Buffer
		buf.Grow(len(in.block))
		for b.Loop() {
			buf.Reset()
			if err := ours.Serialize(&buf); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("btcd", func(b *testing.B) {
		b.ReportAllocs()
		var buf bytes.Buffer
		buf.Grow(len(in.block))
		for b.Loop() {
			buf.Reset()
			if err := theirs.Serialize(&buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkWireHeaders reads (ReadMessage, checksum included) and writes
// (WriteMessage) the framed 2,000-header message with both libraries, and
// decodes its payload with BtcDecode.
func BenchmarkWireHeaders(b *testing.B) {
	in := loadInputs(b)
	payload := in.headers[wire.MessageHeaderSize:]
	b.Run("read/ternd", func(b *testing.B) {
		b.ReportAllocs()
		r := bytes.NewReader(in.headers)
		for b.Loop() {
			r.Reset(in.headers)
			if _, _, err := wire.ReadMessage(r, wire.ProtocolVersion, wire.MainNet); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("read/btcd", func(b *testing.B) {
		b.ReportAllocs()
		r := bytes.NewReader(in.headers)
		for b.Loop() {
			r.Reset(in.headers)
			if _, _, err := btcwire.ReadMessage(r, btcwire.ProtocolVersion, btcwire.MainNet); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("btcdecode-buffer/ternd", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var msg wire.MsgHeaders
			if err := msg.BtcDecode(bytes.NewBuffer(payload), wire.ProtocolVersion,
				wire.LatestEncoding); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("btcdecode-buffer/btcd", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var msg btcwire.MsgHeaders
			if err := msg.BtcDecode(bytes.NewBuffer(payload), btcwire.ProtocolVersion,
				btcwire.LatestEncoding); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("btcdecode/ternd", func(b *testing.B) {
		b.ReportAllocs()
		r := bytes.NewReader(payload)
		for b.Loop() {
			r.Reset(payload)
			var msg wire.MsgHeaders
			if err := msg.BtcDecode(r, wire.ProtocolVersion, wire.LatestEncoding); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("btcdecode/btcd", func(b *testing.B) {
		b.ReportAllocs()
		r := bytes.NewReader(payload)
		for b.Loop() {
			r.Reset(payload)
			var msg btcwire.MsgHeaders
			if err := msg.BtcDecode(r, btcwire.ProtocolVersion, btcwire.LatestEncoding); err != nil {
				b.Fatal(err)
			}
		}
	})
	ours, _, err := wire.ReadMessage(bytes.NewReader(in.headers), wire.ProtocolVersion, wire.MainNet)
	if err != nil {
		b.Fatal(err)
	}
	theirs, _, err := btcwire.ReadMessage(bytes.NewReader(in.headers), btcwire.ProtocolVersion, btcwire.MainNet)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("write/ternd", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := wire.WriteMessage(io.Discard, ours, wire.ProtocolVersion, wire.MainNet); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("write/btcd", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := btcwire.WriteMessage(io.Discard, theirs, btcwire.ProtocolVersion, btcwire.MainNet); err != nil {
				b.Fatal(err)
			}
		}
	})
}
