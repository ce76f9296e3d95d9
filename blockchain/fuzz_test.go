package blockchain

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// FuzzDecodeUndo checks undo data decoding never panics and round-trips.
func FuzzDecodeUndo(f *testing.F) {
	f.Add(encodeUndo(nil))
	f.Add(encodeUndo([]*UtxoEntry{{Amount: 5, PkScript: opTrue, BlockHeight: 7, IsCoinBase: true},
		{Amount: MaxSatoshi, PkScript: make([]byte, 40), BlockHeight: 1 << 30}}))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := decodeUndo(b)
		if err != nil {
			return
		}
		again, err := decodeUndo(encodeUndo(entries))
		if err != nil || len(again) != len(entries) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// FuzzDecodeIndexRecord checks index record decoding never panics.
func FuzzDecodeIndexRecord(f *testing.F) {
	p := chaincfg.RegressionNetParams
	f.Add(encodeIndexRecord(newBlockNode(&p.GenesisBlock.Header, nil)))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeIndexRecord(b)
		if err == nil && r.height < 0 {
			t.Fatal("negative height accepted")
		}
	})
}

// FuzzCheckBlockSanity decodes arbitrary bytes as a block and runs the
// context-free checks, which must never panic.
func FuzzCheckBlockSanity(f *testing.F) {
	f.Add(chaincfg.RegressionNetParams.GenesisBlock.Bytes())
	f.Add(chaincfg.MainNetParams.GenesisBlock.Bytes())
	if raw, err := os.ReadFile(filepath.Join("testdata", "block413567.raw")); err == nil {
		f.Add(raw[:4000])
	}
	pow := chaincfg.RegressionNetParams.PowLimit
	f.Fuzz(func(t *testing.T, b []byte) {
		blk := new(wire.MsgBlock)
		if _, err := blk.DeserializeBytes(b); err != nil {
			return
		}
		_ = CheckBlockSanity(blk, pow, BFNone)
		_ = CheckBlockSanity(blk, pow, BFNoPoWCheck)
	})
}

// FuzzSignetSolution feeds arbitrary bytes as a signet block solution and
// as the commitment script; parsing and checking must never panic.
func FuzzSignetSolution(f *testing.F) {
	f.Add([]byte{0, 0})
	f.Add([]byte{0xfd, 0xff})
	f.Add([]byte{1, 0x51, 1, 1, 0x51})
	pt := chaincfg.CustomSignetParams([]byte{txscript.OP_1}, nil)
	b := &BlockChain{params: &pt}
	f.Fuzz(func(t *testing.T, sol []byte) {
		blk := signetBlock(&pt)
		out := blk.Transactions[0].TxOut[1]
		out.PkScript = appendPush(out.PkScript, append(append([]byte{}, signetHeader...), sol...))
		hash := blk.BlockHash()
		_ = b.checkSignetBlockSolution(blk, &hash)
		_, _, _ = extractSignetSolution(sol)
	})
}
