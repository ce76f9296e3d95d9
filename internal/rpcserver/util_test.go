package rpcserver

import (
	"encoding/hex"
	"testing"

	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/wire"
)

// regtestParams returns the regtest parameters.
func regtestParams(testing.TB) *chaincfg.Params { return &chaincfg.RegressionNetParams }

// txHex serializes tx.
func txHex(tx *wire.MsgTx) string { return hex.EncodeToString(tx.Bytes()) }
