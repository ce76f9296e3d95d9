package blockfilter

import (
	"math/rand"
	"testing"
)

// benchItems returns n random scripts of P2WPKH size, seeded.
func benchItems(n int) [][]byte {
	rng := rand.New(rand.NewSource(7))
	items := make([][]byte, n)
	for i := range items {
		items[i] = make([]byte, 22)
		rng.Read(items[i])
	}
	return items
}

// BenchmarkBuildBasic builds the basic filter of each vector block.
func BenchmarkBuildBasic(b *testing.B) {
	vs := loadVectors(b)
	b.ReportAllocs()
	for b.Loop() {
		for i := range vs {
			if _, err := BuildBasic(vs[i].block, &vs[i].hash, vs[i].spent); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkNew5000 builds a filter of 5,000 items, a large mainnet block.
func BenchmarkNew5000(b *testing.B) {
	items := benchItems(5000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(BasicP, BasicM, Key{1}, items); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMatchAny matches 100 watched scripts against a 5,000-item
// filter, a light client's work per block.
func BenchmarkMatchAny(b *testing.B) {
	f, _ := New(BasicP, BasicM, Key{1}, benchItems(5000))
	queries := benchItems(5100)[5000:]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.MatchAny(Key{1}, queries); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFromBytes decodes and checks a 5,000-item filter.
func BenchmarkFromBytes(b *testing.B) {
	f, _ := New(BasicP, BasicM, Key{1}, benchItems(5000))
	b.ReportAllocs()
	b.SetBytes(int64(len(f.Bytes())))
	for b.Loop() {
		if _, err := FromBytes(BasicP, BasicM, f.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
}
