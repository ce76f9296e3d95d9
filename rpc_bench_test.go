package main

import (
	"context"
	"testing"
)

// BenchmarkGenerateBlock measures mining one regtest block (template,
// solve, connect, pool update) on a node started with --norpc.
func BenchmarkGenerateBlock(b *testing.B) {
	n := newTestDaemon(b, "--appdata="+b.TempDir(), "--regtest", "--norpc")
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
