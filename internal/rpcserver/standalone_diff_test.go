package rpcserver

import (
	"math/rand"
	"testing"

	"github.com/tern-org/ternd/internal/difftest"
	"github.com/tern-org/ternd/txscript"
)

// This differential test compares the RPC server's copies of the
// OP_SUCCESSx set and the anchor match with txscript's. It lives only until
// the copies are deleted.
func TestDiffStandalone(t *testing.T) {
	for op := 0; op < 256; op++ {
		if isOpSuccess(byte(op)) != txscript.IsOpSuccess(byte(op)) {
			t.Fatalf("OP_SUCCESS %d", op)
		}
	}
	rng := rand.New(rand.NewSource(6))
	n := 0
	for i := 0; i < 100000; i++ {
		s := difftest.RandomScript(rng)
		if isAnchor(s) != txscript.IsPayToAnchor(s) || scriptType(s) != txscript.GetScriptClass(s).String() {
			t.Fatalf("anchor or type of %x", s)
		}
		n++
	}
	t.Logf("rpcserver vs txscript: 256 opcodes, %d scripts agree", n)
}
