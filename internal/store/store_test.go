package store

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

func hashOf(i int) chainhash.Hash { return chainhash.DoubleHashH([]byte{byte(i), byte(i >> 8)}) }

func TestStoreRoundTrip(t *testing.T) {
	s, dir := openTemp(t)
	if _, err := s.FetchTip(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("fresh tip: got %v, want ErrNotFound", err)
	}
	h1, h2 := hashOf(1), hashOf(2)
	b := s.NewBatch()
	b.PutBlock(&h1, []byte("block1"))
	b.PutBlockIndex(&h1, []byte("idx1"))
	b.PutBlockIndex(&h2, []byte("idx2"))
	b.PutUndo(&h1, []byte("undo1"))
	b.PutUtxo(&h1, 1, []byte("u11"))
	b.PutUtxo(&h1, 0, []byte("u10"))
	b.PutUtxo(&h2, 256, []byte("u2"))
	b.PutTip(Tip{Hash: h1, Height: 7})
	if b.Len() != 8 {
		t.Fatalf("batch len %d", b.Len())
	}
	if err := s.Write(b); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		fetch func() ([]byte, error)
		want  string
	}{
		{"block", func() ([]byte, error) { return s.FetchBlock(&h1) }, "block1"},
		{"index", func() ([]byte, error) { return s.FetchBlockIndex(&h2) }, "idx2"},
		{"undo", func() ([]byte, error) { return s.FetchUndo(&h1) }, "undo1"},
		{"utxo", func() ([]byte, error) { return s.FetchUtxo(&h2, 256) }, "u2"},
	}
	for _, tc := range tests {
		got, err := tc.fetch()
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	if ok, _ := s.HasBlock(&h2); ok {
		t.Error("HasBlock(h2) true")
	}
	// Order: utxos of a tx in index order.
	var seen []string
	err := s.ForEachUtxo(func(tip Tip, txid chainhash.Hash, idx uint32, v []byte) error {
		if tip.Height != 7 || tip.Hash != h1 {
			t.Errorf("snapshot tip %v", tip)
		}
		seen = append(seen, fmt.Sprintf("%s:%d=%s", txid.String()[:4], idx, v))
		return nil
	})
	if err != nil || len(seen) != 3 {
		t.Fatalf("ForEachUtxo: %v %v", seen, err)
	}
	n := 0
	if err := s.ForEachBlockIndex(func(h chainhash.Hash, r []byte) error { n++; return nil }); err != nil || n != 2 {
		t.Fatalf("ForEachBlockIndex n=%d err=%v", n, err)
	}
	// Deletes.
	b = s.NewBatch()
	b.DeleteUtxo(&h1, 0)
	b.DeleteUndo(&h1)
	b.DeleteBlock(&h1)
	if err := s.Write(b); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FetchUtxo(&h1, 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted utxo: %v", err)
	}
	if _, err := s.FetchUndo(&h1); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted undo: %v", err)
	}
	if n, err := s.SizeOnDisk(); err != nil || n <= 0 {
		t.Fatalf("SizeOnDisk %d %v", n, err)
	}
	// Reopen keeps data.
	s.Close()
	if _, err := s.FetchTip(); !errors.Is(err, ErrClosed) {
		t.Errorf("closed: %v", err)
	}
	if err := s.Write(s.NewBatch()); !errors.Is(err, ErrClosed) {
		t.Errorf("closed write: %v", err)
	}
	s2, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	tip, err := s2.FetchTip()
	if err != nil || tip.Hash != h1 || tip.Height != 7 {
		t.Fatalf("reopened tip %v %v", tip, err)
	}
	if v, err := s2.FetchUtxo(&h1, 1); err != nil || !bytes.Equal(v, []byte("u11")) {
		t.Fatalf("reopened utxo %q %v", v, err)
	}
}

func TestIterateStopsOnError(t *testing.T) {
	s, _ := openTemp(t)
	b := s.NewBatch()
	for i := 0; i < 5; i++ {
		h := hashOf(i)
		b.PutUtxo(&h, 0, []byte{1})
		b.PutBlockIndex(&h, []byte{1})
	}
	if err := s.Write(b); err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	n := 0
	err := s.ForEachUtxo(func(Tip, chainhash.Hash, uint32, []byte) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("utxo walk: n=%d err=%v", n, err)
	}
	n = 0
	err = s.ForEachBlockIndex(func(chainhash.Hash, []byte) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("index walk: n=%d err=%v", n, err)
	}
}

func TestErrorKinds(t *testing.T) {
	kinds := []ErrorKind{ErrNotFound, ErrCorrupt, ErrClosed, ErrVersion, ErrBackend}
	for _, k := range kinds {
		e := storeError(k, "desc "+string(k))
		if !errors.Is(e, k) {
			t.Errorf("%s: errors.Is false", k)
		}
		if e.Error() != "desc "+string(k) || k.Error() != string(k) {
			t.Errorf("%s: strings %q", k, e.Error())
		}
	}
}

func TestVersionMismatch(t *testing.T) {
	s, dir := openTemp(t)
	if err := s.db.Put([]byte{prefixVersion}, []byte{0, 0, 0, 9}, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(dir, nil); !errors.Is(err, ErrVersion) {
		t.Fatalf("got %v, want ErrVersion", err)
	}
}

func TestDecodeTip(t *testing.T) {
	h := hashOf(3)
	tests := []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"valid", encodeTip(Tip{Hash: h, Height: 5}), true},
		{"short", make([]byte, 35), false},
		{"long", make([]byte, 37), false},
		{"negative", append(h[:], 0xff, 0, 0, 0), false},
	}
	for _, tc := range tests {
		_, err := DecodeTip(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v", tc.name, err)
		}
		if err != nil && !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: kind %v", tc.name, err)
		}
	}
}

func FuzzDecodeTip(f *testing.F) {
	f.Add(encodeTip(Tip{Height: 1}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		tip, err := DecodeTip(b)
		if err == nil && !bytes.Equal(encodeTip(tip), b) {
			t.Fatalf("round trip mismatch")
		}
	})
}

func BenchmarkFetchUtxo(b *testing.B) {
	s, err := Open(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	batch := s.NewBatch()
	const n = 10000
	for i := 0; i < n; i++ {
		h := hashOf(i)
		batch.PutUtxo(&h, 0, make([]byte, 40))
	}
	if err := s.Write(batch); err != nil {
		b.Fatal(err)
	}
	hashes := make([]chainhash.Hash, n)
	for i := range hashes {
		hashes[i] = hashOf(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.FetchUtxo(&hashes[i%n], 0); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLargeBatch writes a batch several times the write buffer (goleveldb
// then commits it as a transaction, straight into tables) with a tip, as a
// flush of a big UTXO cache does, and checks it all after a reopen.
func TestLargeBatch(t *testing.T) {
	dir := t.TempDir()
	o := &Options{WriteBufferBytes: 64 << 10}
	s, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20000 // about 1.2 MB of keys and values
	b := s.NewBatch()
	val := bytes.Repeat([]byte{7}, 24)
	for i := 0; i < n; i++ {
		h := hashOf(i)
		b.PutUtxo(&h, uint32(i), val)
	}
	tip := Tip{Hash: hashOf(1), Height: 1234}
	b.PutTip(tip)
	if err := s.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(dir, o); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := s.FetchTip(); err != nil || got != tip {
		t.Fatalf("tip %+v %v", got, err)
	}
	count := 0
	err = s.ForEachUtxo(func(tp Tip, txid chainhash.Hash, idx uint32, v []byte) error {
		if tp != tip || !bytes.Equal(v, val) {
			return fmt.Errorf("entry %s:%d at tip %+v", txid, idx, tp)
		}
		count++
		return nil
	})
	if err != nil || count != n {
		t.Fatalf("%d entries, %v", count, err)
	}
}
