package blockchain

import (
	"compress/bzip2"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/internal/store"
	"github.com/tern-org/ternd/wire"
)

// loadBlocks reads btcd's test block files: repeated (network magic,
// little-endian length, block). It fails the test when a file yields no
// blocks.
func loadBlocks(t testing.TB, name string) []*wire.MsgBlock {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := bzip2.NewReader(f)
	var out []*wire.MsgBlock
	for {
		var hdr [8]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatalf("%s: %v", name, err)
		}
		n := binary.LittleEndian.Uint32(hdr[4:])
		if n > wire.MaxBlockPayload {
			t.Fatalf("%s: block of %d bytes", name, n)
		}
		raw := make([]byte, n)
		if _, err := io.ReadFull(r, raw); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		blk := new(wire.MsgBlock)
		if _, err := blk.DeserializeBytes(raw); err != nil {
			t.Fatalf("%s: block %d: %v", name, len(out), err)
		}
		out = append(out, blk)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no blocks", name)
	}
	return out
}

// TestBtcdReorgBlocks connects mainnet blocks 1-4 and btcd's side chain
// 3A-5A, which must win with a reorganisation (btcd's TestReorganization).
// The side chain spends coinbases with real signatures, checked by txscript.
func TestBtcdReorgBlocks(t *testing.T) {
	main := loadBlocks(t, "blk_0_to_4.dat.bz2")
	var side []*wire.MsgBlock
	for _, f := range []string{"blk_3A.dat.bz2", "blk_4A.dat.bz2", "blk_5A.dat.bz2"} {
		side = append(side, loadBlocks(t, f)...)
	}
	t.Logf("%d main and %d side blocks", len(main), len(side))
	params := chaincfg.MainNetParams
	params.CoinbaseMaturity = 1
	if main[0].BlockHash() != *params.GenesisHash {
		t.Fatal("first block is not the mainnet genesis")
	}
	db, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	chain, err := New(&Config{DB: db, ChainParams: &params,
		TimeSource: func() time.Time { return testClock }})
	if err != nil {
		t.Fatal(err)
	}
	for i, blk := range append(main[1:], side...) {
		if _, _, err := chain.ProcessBlock(blk, BFNone); err != nil {
			t.Fatalf("block %d (%s): %v", i, blk.BlockHash(), err)
		}
	}
	best := chain.BestSnapshot()
	if best.Height != 5 || best.Hash != side[len(side)-1].BlockHash() {
		t.Fatalf("tip %s/%d, want 5A", best.Hash, best.Height)
	}
	if err := chain.VerifyChain(0); err != nil {
		t.Fatal(err)
	}
}

// TestBlock413567 runs the context-free checks on Core's mainnet block
// 413567 and on two mutations of it.
func TestBlock413567(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "block413567.raw"))
	if err != nil {
		t.Fatal(err)
	}
	blk := new(wire.MsgBlock)
	if _, err := blk.DeserializeBytes(raw); err != nil {
		t.Fatal(err)
	}
	if got := blk.BlockHash().String(); got != "0000000000000000025aff8be8a55df8f89c77296db6198f272d6577325d4069" {
		t.Fatalf("hash %s", got)
	}
	pow := chaincfg.MainNetParams.PowLimit
	if err := CheckBlockSanity(blk, pow, BFNone); err != nil {
		t.Fatalf("CheckBlockSanity: %v", err)
	}
	sigOps := 0
	for _, tx := range blk.Transactions {
		sigOps += standalone.CountLegacySigOps(tx)
	}
	w := blockWeight(blk)
	t.Logf("%d txs, weight %d, legacy sigops %d (cost %d)", len(blk.Transactions), w, sigOps, sigOps*4)
	if w != 4*len(raw) || w > MaxBlockWeight || sigOps*4 > MaxBlockSigOpsCost {
		t.Fatalf("weight %d, sigops %d", w, sigOps)
	}
	// Appending a copy of the last transaction (odd count) keeps the merkle
	// root: CVE-2012-2459.
	if len(blk.Transactions)%2 != 1 {
		t.Fatal("expected an odd transaction count")
	}
	mutated := *blk
	mutated.Transactions = append(append([]*wire.MsgTx{}, blk.Transactions...), blk.Transactions[len(blk.Transactions)-1])
	if root, isMut := standalone.BlockMerkleRoot(mutated.Transactions); root != blk.Header.MerkleRoot || !isMut {
		t.Fatal("mutation changed the root or was not detected")
	}
	if err := CheckBlockSanity(&mutated, pow, BFNone); !errors.Is(err, ErrDuplicateTx) {
		t.Fatalf("mutated: %v", err)
	}
	bad := *blk
	bad.Header.MerkleRoot[5] ^= 0x10
	if err := CheckBlockSanity(&bad, pow, BFNoPoWCheck); !errors.Is(err, ErrBadMerkleRoot) {
		t.Fatalf("bad root: %v", err)
	}
	if err := CheckBlockSanity(&bad, pow, BFNone); !errors.Is(err, ErrHighHash) {
		t.Fatalf("changed header keeps its PoW: %v", err)
	}
}

// BenchmarkCheckBlockSanity413567 measures the context-free checks of a
// full 1 MB block (merkle root, tx sanity, sigops).
func BenchmarkCheckBlockSanity413567(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("testdata", "block413567.raw"))
	if err != nil {
		b.Fatal(err)
	}
	blk := new(wire.MsgBlock)
	if _, err := blk.DeserializeBytes(raw); err != nil {
		b.Fatal(err)
	}
	pow := chaincfg.MainNetParams.PowLimit
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for i := 0; i < b.N; i++ {
		if err := CheckBlockSanity(blk, pow, BFNone); err != nil {
			b.Fatal(err)
		}
	}
}
