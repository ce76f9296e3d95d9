package blockchain

import (
	"github.com/tern-org/ternd/wire"
)

// SigCache is the signature cache shared with the mempool. Until the
// txscript engine is wired in it is an opaque placeholder.
type SigCache struct{}

// unavailableEngine is the script engine used while no interpreter is
// wired in: it refuses every input, so no block that spends an output is
// ever accepted without its scripts being checked.
type unavailableEngine struct{}

// newDefaultEngine returns the production script engine.
func newDefaultEngine(*SigCache) scriptEngine { return unavailableEngine{} }

// NewTxChecker implements scriptEngine.
func (unavailableEngine) NewTxChecker(*wire.MsgTx, []*wire.TxOut, ScriptFlags) (txScriptChecker, error) {
	return nil, ruleError(ErrScriptUnavailable, "no script engine: cannot verify inputs")
}
