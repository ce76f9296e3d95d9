package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestLogRotator(t *testing.T) {
	tests := []struct {
		name     string
		maxSize  int64
		maxFiles int
		writes   int
		wantLogs []string // files expected to exist
		gone     []string // files expected not to exist
	}{
		{"no rotation", 100, 2, 5, []string{"t.log"}, []string{"t.log.1"}},
		{"one rotation", 100, 2, 15, []string{"t.log", "t.log.1"}, []string{"t.log.2"}},
		{"keeps N", 100, 2, 60, []string{"t.log", "t.log.1", "t.log.2"}, []string{"t.log.3"}},
		{"keeps none", 100, 0, 60, []string{"t.log"}, []string{"t.log.1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "sub", "t.log")
			r, err := newLogRotator(path, tc.maxSize, tc.maxFiles)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < tc.writes; i++ {
				if _, err := fmt.Fprintf(r, "line %04d\n", i); err != nil { // 10 bytes
					t.Fatal(err)
				}
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			for _, f := range tc.wantLogs {
				st, err := os.Stat(filepath.Join(dir, "sub", f))
				if err != nil {
					t.Fatalf("%s missing: %v", f, err)
				}
				if st.Size() > tc.maxSize {
					t.Fatalf("%s is %d bytes, over %d", f, st.Size(), tc.maxSize)
				}
			}
			for _, f := range tc.gone {
				if _, err := os.Stat(filepath.Join(dir, "sub", f)); err == nil {
					t.Fatalf("%s should not exist", f)
				}
			}
			// The newest line is always in the current file.
			data, _ := os.ReadFile(path)
			last := fmt.Sprintf("line %04d\n", tc.writes-1)
			if !bytes.HasSuffix(data, []byte(last)) {
				t.Fatalf("current file ends %q", data)
			}
			if _, err := r.Write([]byte("x")); err == nil {
				t.Fatal("write after close succeeded")
			}
		})
	}
	if _, err := newLogRotator(filepath.Join(t.TempDir(), "x"), 0, 1); err == nil {
		t.Fatal("zero size accepted")
	}
}

func TestLogRotatorAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.log")
	for i := 0; i < 2; i++ {
		r, err := newLogRotator(path, 1000, 1)
		if err != nil {
			t.Fatal(err)
		}
		r.Write([]byte("hello\n"))
		r.Close()
	}
	data, _ := os.ReadFile(path)
	if string(data) != "hello\nhello\n" {
		t.Fatalf("got %q", data)
	}
}

func BenchmarkLogRotatorWrite(b *testing.B) {
	r, err := newLogRotator(filepath.Join(b.TempDir(), "b.log"), 1<<20, 2)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	line := []byte("2026-01-01 00:00:00.000 [INF] PEER: a typical log line of some length\n")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r.Write(line)
	}
}
