package main

import (
	"context"
	"io"
	"os"
	"testing"
)

// BenchmarkGenerateBlock measures mining one regtest block (template,
// solve, connect, pool update) on a node started with --norpc.
func BenchmarkGenerateBlock(b *testing.B) {
	cfg, err := loadConfig([]string{"--appdata=" + b.TempDir(), "--regtest", "--norpc"}, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.MkdirAll(cfg.netDataDir, 0o700); err != nil {
		b.Fatal(err)
	}
	n, err := newDaemon(cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := n.start(); err != nil {
		n.stop()
		b.Fatal(err)
	}
	defer n.stop()
	script := newTestWallet(b, 23).pkScript
	b.ReportAllocs()
	for b.Loop() {
		if _, err := n.core.generateBlocks(context.Background(), 1, script, 1_000_000); err != nil {
			b.Fatal(err)
		}
	}
}
