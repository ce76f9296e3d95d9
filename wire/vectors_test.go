package wire

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// txVector is one transaction from Bitcoin Core's tx_valid.json or
// tx_invalid.json, with the txid named by a preceding comment if any.
type txVector struct {
	raw  []byte
	txid string
}

// followingRE matches the comments that name the txid of the next vector.
var followingRE = regexp.MustCompile(`^The following is ([0-9a-f]{64})$`)

// loadTxVectors reads a Core tx vector file and fails when it yields none.
func loadTxVectors(t testing.TB, name string) []txVector {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]json.RawMessage
	if err := json.Unmarshal(data, &rows); err != nil {
		t.Fatal(err)
	}
	var out []txVector
	pending := ""
	for _, row := range rows {
		if len(row) == 1 {
			var comment string
			if json.Unmarshal(row[0], &comment) == nil {
				if m := followingRE.FindStringSubmatch(comment); m != nil {
					pending = m[1]
				}
			}
			continue
		}
		if len(row) != 3 {
			t.Fatalf("%s: unexpected row of %d fields", name, len(row))
		}
		var txHex string
		if err := json.Unmarshal(row[1], &txHex); err != nil {
			t.Fatal(err)
		}
		raw, err := hex.DecodeString(txHex)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, txVector{raw: raw, txid: pending})
		pending = ""
	}
	if len(out) == 0 {
		t.Fatalf("%s yielded no vectors", name)
	}
	return out
}

// readTestFile returns a file from testdata.
func readTestFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 {
		t.Fatalf("%s is empty", name)
	}
	return b
}

// TestCoreTxVectors decodes every transaction of Core's tx_valid.json and
// tx_invalid.json through every decoding path and checks byte-exact
// re-encoding and the txid.
func TestCoreTxVectors(t *testing.T) {
	for _, file := range []string{"tx_valid.json", "tx_invalid.json"} {
		vecs := loadTxVectors(t, file)
		named := 0
		for i, v := range vecs {
			var tx MsgTx
			n, err := tx.DeserializeBytes(v.raw)
			if err != nil {
				t.Fatalf("%s #%d: %v", file, i, err)
			}
			if n != len(v.raw) {
				t.Fatalf("%s #%d: used %d of %d bytes", file, i, n, len(v.raw))
			}
			if got := tx.Bytes(); !bytes.Equal(got, v.raw) {
				t.Fatalf("%s #%d: re-encoding differs", file, i)
			}
			var buf bytes.Buffer
			if err := tx.Serialize(&buf); err != nil || !bytes.Equal(buf.Bytes(), v.raw) {
				t.Fatalf("%s #%d: Serialize differs (%v)", file, i, err)
			}
			if tx.SerializeSize() != len(v.raw) {
				t.Fatalf("%s #%d: SerializeSize %d, want %d", file, i, tx.SerializeSize(), len(v.raw))
			}
			// The stream path must agree with the slice path.
			var tx2 MsgTx
			if err := tx2.Deserialize(bytes.NewReader(v.raw)); err != nil {
				t.Fatalf("%s #%d: stream: %v", file, i, err)
			}
			if !bytes.Equal(tx2.Bytes(), v.raw) {
				t.Fatalf("%s #%d: stream re-encoding differs", file, i)
			}
			stripped := tx.BytesNoWitness()
			if len(stripped) != tx.SerializeSizeStripped() {
				t.Fatalf("%s #%d: stripped size mismatch", file, i)
			}
			txid := tx.TxHash()
			if txid != chainhash.DoubleHashH(stripped) {
				t.Fatalf("%s #%d: txid is not the hash of the stripped encoding", file, i)
			}
			if !tx.HasWitness() {
				if txid != chainhash.DoubleHashH(v.raw) || tx.WitnessHash() != txid {
					t.Fatalf("%s #%d: txid mismatch", file, i)
				}
				if !bytes.Equal(stripped, v.raw) {
					t.Fatalf("%s #%d: legacy tx strips to other bytes", file, i)
				}
			} else if tx.WitnessHash() != chainhash.DoubleHashH(v.raw) {
				t.Fatalf("%s #%d: wtxid mismatch", file, i)
			}
			wantWeight := int64(len(stripped)*3 + len(v.raw))
			if tx.Weight() != wantWeight || tx.VSize() != (wantWeight+3)/4 {
				t.Fatalf("%s #%d: weight %d vsize %d", file, i, tx.Weight(), tx.VSize())
			}
			if v.txid != "" {
				named++
				if txid.String() != v.txid {
					t.Fatalf("%s #%d: txid %s, want %s", file, i, txid, v.txid)
				}
			}
			// A copy re-encodes the same and shares no memory.
			cp := tx.Copy()
			if !bytes.Equal(cp.Bytes(), v.raw) {
				t.Fatalf("%s #%d: copy differs", file, i)
			}
		}
		t.Logf("%s: %d transactions round-tripped, %d with a published txid", file, len(vecs), named)
	}
}

// Published facts about the two raw mainnet blocks in testdata.
var blockFiles = []struct {
	file, hash, merkle string
	txs                int
}{
	{"block413567.raw", "0000000000000000025aff8be8a55df8f89c77296db6198f272d6577325d4069", "", 1557},
	{"block-0000000000000000001602407ac49862a7bca9d00f7f402db20b7be2f5de59d2.blk",
		"0000000000000000001602407ac49862a7bca9d00f7f402db20b7be2f5de59d2", "", 3315},
}

// merkleRoot computes a merkle root over hashes, as Bitcoin Core does.
func merkleRoot(hashes []chainhash.Hash) chainhash.Hash {
	for len(hashes) > 1 {
		if len(hashes)%2 == 1 {
			hashes = append(hashes, hashes[len(hashes)-1])
		}
		next := make([]chainhash.Hash, len(hashes)/2)
		for i := range next {
			var buf [64]byte
			copy(buf[:32], hashes[2*i][:])
			copy(buf[32:], hashes[2*i+1][:])
			next[i] = chainhash.DoubleHashH(buf[:])
		}
		hashes = next
	}
	return hashes[0]
}

// TestRawBlocks decodes the raw mainnet blocks by every path and checks their
// hash, transaction count, merkle root and byte-exact re-encoding.
func TestRawBlocks(t *testing.T) {
	for _, bf := range blockFiles {
		raw := readTestFile(t, bf.file)
		decoders := map[string]func(*MsgBlock) error{
			"bytes": func(b *MsgBlock) error {
				n, err := b.DeserializeBytes(raw)
				if err == nil && n != len(raw) {
					t.Fatalf("used %d of %d bytes", n, len(raw))
				}
				return err
			},
			"alias": func(b *MsgBlock) error {
				_, err := b.DeserializeBytesAlias(raw)
				return err
			},
			"reader": func(b *MsgBlock) error { return b.Deserialize(bytes.NewReader(raw)) },
			"buffer": func(b *MsgBlock) error { return b.Deserialize(bytes.NewBuffer(raw)) },
		}
		for name, decode := range decoders {
			var blk MsgBlock
			if err := decode(&blk); err != nil {
				t.Fatalf("%s %s: %v", bf.file, name, err)
			}
			if h := blk.BlockHash(); h.String() != bf.hash {
				t.Fatalf("%s %s: hash %s", bf.file, name, h)
			}
			if len(blk.Transactions) != bf.txs {
				t.Fatalf("%s %s: %d txs", bf.file, name, len(blk.Transactions))
			}
			hashes, _ := blk.TxHashes()
			if root := merkleRoot(hashes); root != blk.Header.MerkleRoot {
				t.Fatalf("%s %s: merkle root %s, header says %s", bf.file, name, root,
					blk.Header.MerkleRoot)
			}
			if !bytes.Equal(blk.Bytes(), raw) || blk.SerializeSize() != len(raw) {
				t.Fatalf("%s %s: re-encoding differs", bf.file, name)
			}
		}
		var blk MsgBlock
		buf := bytes.NewBuffer(append(append([]byte(nil), raw...), 0xcc))
		locs, err := blk.DeserializeTxLoc(buf)
		if err != nil || len(locs) != bf.txs || buf.Len() != 1 {
			t.Fatalf("%s: DeserializeTxLoc: %v", bf.file, err)
		}
		for i, loc := range locs {
			var tx MsgTx
			if _, err := tx.DeserializeBytes(raw[loc.TxStart : loc.TxStart+loc.TxLen]); err != nil ||
				tx.WitnessHash() != blk.Transactions[i].WitnessHash() {
				t.Fatalf("%s: tx %d location wrong", bf.file, i)
			}
		}
		t.Logf("%s: %d transactions, hash %s", bf.file, bf.txs, bf.hash)
	}
}
