package blockfilter

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// vector is one row of BIP158's testnet-19.json.
type vector struct {
	height     int
	hash       chainhash.Hash
	block      *wire.MsgBlock
	spent      [][]byte
	prevHeader chainhash.Hash
	filter     []byte
	header     chainhash.Hash
	note       string
}

// loadVectors reads testdata/testnet-19.json; it fails the test when the
// file yields no case.
func loadVectors(t testing.TB) []vector {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "testnet-19.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]any
	if err := json.Unmarshal(raw, &rows); err != nil {
		t.Fatal(err)
	}
	mustHex := func(s string) []byte {
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatalf("bad hex %q: %v", s, err)
		}
		return b
	}
	mustHash := func(s string) chainhash.Hash {
		h, err := chainhash.NewHashFromStr(s)
		if err != nil {
			t.Fatal(err)
		}
		return *h
	}
	var out []vector
	for _, row := range rows {
		if len(row) != 8 {
			continue // the column names
		}
		v := vector{
			height:     int(row[0].(float64)),
			hash:       mustHash(row[1].(string)),
			prevHeader: mustHash(row[4].(string)),
			filter:     mustHex(row[5].(string)),
			header:     mustHash(row[6].(string)),
			note:       row[7].(string),
		}
		v.block = new(wire.MsgBlock)
		if _, err := v.block.DeserializeBytes(mustHex(row[2].(string))); err != nil {
			t.Fatalf("block %d: %v", v.height, err)
		}
		for _, s := range row[3].([]any) {
			v.spent = append(v.spent, mustHex(s.(string)))
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		t.Fatal("testnet-19.json yielded no test cases")
	}
	return out
}

// TestBIP158Vectors builds the basic filter and header of every vector
// block and compares them byte for byte; it also decodes each expected
// filter and matches every one of its items.
func TestBIP158Vectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.note+"/"+v.hash.String()[:16], func(t *testing.T) {
			if got := v.block.BlockHash(); got != v.hash {
				t.Fatalf("block hash %s, want %s", got, v.hash)
			}
			f, err := BuildBasic(v.block, &v.hash, v.spent)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(f.Bytes(), v.filter) {
				t.Fatalf("filter\n got %x\nwant %x", f.Bytes(), v.filter)
			}
			fh := FilterHash(f.Bytes())
			if got := MakeHeader(&fh, &v.prevHeader); got != v.header {
				t.Fatalf("header %s, want %s", got, v.header)
			}
			dec, err := FromBytes(BasicP, BasicM, v.filter)
			if err != nil {
				t.Fatal(err)
			}
			items, _ := BasicItems(v.block, v.spent)
			key := BlockKey(&v.hash)
			for _, it := range items {
				if ok, err := dec.Match(key, it); !ok || err != nil {
					t.Fatalf("item %x not matched (%v)", it, err)
				}
			}
			if ok, err := dec.MatchAny(key, items); len(items) > 0 && (!ok || err != nil) {
				t.Fatalf("MatchAny missed (%v)", err)
			}
		})
	}
}

// TestMatch checks Match and MatchAny on a random set: every member
// matches, and non-members match at about the rate 1/M.
func TestMatch(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	item := func() []byte {
		b := make([]byte, 20+rng.Intn(20))
		rng.Read(b)
		return b
	}
	var key Key
	rng.Read(key[:])
	var items [][]byte
	for range 2000 {
		items = append(items, item())
	}
	items = append(items, items[0]) // a duplicate counts once
	f, err := New(BasicP, BasicM, key, items)
	if err != nil {
		t.Fatal(err)
	}
	if f.N() != 2000 || f.P() != BasicP || f.M() != BasicM {
		t.Fatalf("N %d P %d M %d", f.N(), f.P(), f.M())
	}
	dec, err := FromBytes(BasicP, BasicM, f.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if ok, err := dec.Match(key, it); !ok || err != nil {
			t.Fatalf("member %x not matched (%v)", it, err)
		}
	}
	falsePos := 0
	for range 20000 {
		if ok, _ := dec.Match(key, item()); ok {
			falsePos++
		}
	}
	if falsePos > 3 {
		t.Errorf("%d false positives in 20000, expected about 0.03", falsePos)
	}
	tests := []struct {
		name    string
		queries [][]byte
		want    bool
	}{
		{"none", nil, false},
		{"non-members", [][]byte{item(), item(), item()}, false},
		{"one member last", [][]byte{item(), item(), items[1234]}, true},
		{"only members", [][]byte{items[5], items[1999]}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := dec.MatchAny(key, tc.queries)
			if err != nil || got != tc.want {
				t.Fatalf("MatchAny = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	other := key
	other[0] ^= 1
	if ok, _ := dec.MatchAny(other, items[:10]); ok {
		t.Errorf("matched under another key")
	}
}

// TestEmptyFilter checks the filter of no items: the single byte 00.
func TestEmptyFilter(t *testing.T) {
	f, err := New(BasicP, BasicM, Key{}, nil)
	if err != nil || !bytes.Equal(f.Bytes(), []byte{0}) {
		t.Fatalf("empty filter %x, %v", f.Bytes(), err)
	}
	if ok, err := f.Match(Key{}, []byte{1}); ok || err != nil {
		t.Fatalf("empty filter matched: %v", err)
	}
}

// TestFromBytesErrors checks that malformed filters fail with ErrMalformed.
func TestFromBytesErrors(t *testing.T) {
	good, _ := New(BasicP, BasicM, Key{1}, [][]byte{{1}, {2}, {3}})
	tests := []struct {
		name string
		raw  []byte
	}{
		{"empty", nil},
		{"non-canonical count", []byte{0xfd, 0x03, 0x00}},
		{"count above 2^32", []byte{0xff, 0, 0, 0, 0, 1, 0, 0, 0}},
		{"truncated stream", good.Bytes()[:len(good.Bytes())-2]},
		{"excess byte", append(append([]byte(nil), good.Bytes()...), 0)},
		{"all ones", []byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{"count without stream", []byte{5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := FromBytes(BasicP, BasicM, tc.raw); !errors.Is(err, ErrMalformed) {
				t.Fatalf("err %v, want ErrMalformed", err)
			}
		})
	}
}

// TestSpentCount checks that a wrong number of spent scripts fails.
func TestSpentCount(t *testing.T) {
	vs := loadVectors(t)
	for _, v := range vs {
		if len(v.spent) == 0 {
			continue
		}
		_, err := BuildBasic(v.block, &v.hash, v.spent[1:])
		if !errors.Is(err, ErrSpentCount) {
			t.Fatalf("err %v, want ErrSpentCount", err)
		}
		return
	}
	t.Fatal("no vector spends an output")
}

// TestErrorKinds checks that every error kind unwraps for errors.Is.
func TestErrorKinds(t *testing.T) {
	for _, k := range []ErrorKind{ErrTooManyItems, ErrMalformed, ErrSpentCount} {
		err := filterError(k, "x")
		if !errors.Is(err, k) || err.Error() != "x" || k.Error() != string(k) {
			t.Errorf("%s does not unwrap", k)
		}
	}
}
