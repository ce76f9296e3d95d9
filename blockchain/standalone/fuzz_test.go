package standalone

import (
	"bytes"
	"errors"
	"testing"

	"github.com/tern-org/ternd/wire"
)

// FuzzTxRules decodes arbitrary bytes as a transaction and runs the
// transaction rules over it: none may panic, a violation must be a
// RuleError, and the sigop counts must be consistent with the cost.
func FuzzTxRules(f *testing.F) {
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Index: 1},
		SignatureScript: []byte{0x01, 0xac}, Sequence: 5, Witness: wire.TxWitness{{0xac}}})
	tx.AddTxOut(wire.NewTxOut(1, []byte{0x51, 0xae, 0xac}))
	var buf bytes.Buffer
	if err := tx.Serialize(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		tx := new(wire.MsgTx)
		if tx.Deserialize(bytes.NewReader(b)) != nil {
			return
		}
		var re RuleError
		if err := CheckTransactionSanity(tx); err != nil && !errors.As(err, &re) {
			t.Fatalf("violation of type %T", err)
		}
		// Each input spends a copy of the first output (or an empty one).
		prev := make([]*wire.TxOut, len(tx.TxIn))
		heights := make([]int32, len(tx.TxIn))
		for i := range prev {
			prev[i] = wire.NewTxOut(0, nil)
			if len(tx.TxOut) > 0 {
				prev[i] = tx.TxOut[0]
			}
			heights[i] = int32(i)
		}
		cost := TxSigOpCost(tx, prev)
		legacy := CountLegacySigOps(tx) * wire.WitnessScaleFactor
		if cost < legacy {
			t.Fatalf("cost %d below legacy %d", cost, legacy)
		}
		_, _ = CalcSequenceLock(tx, heights, func(h int32) (int64, error) { return int64(h), nil })
		_ = IsFinalTx(tx, 100, 1<<31)
	})
}
