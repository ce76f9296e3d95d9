package standalone

import (
	"errors"
	"testing"

	"github.com/tern-org/ternd/wire"
)

// TestIsFinalTx covers IsFinalTx's branches.
func TestIsFinalTx(t *testing.T) {
	tests := []struct {
		name   string
		lock   uint32
		seq    uint32
		height int32
		cutoff int64
		want   bool
	}{
		{"no lock time", 0, 0, 1, 0, true},
		{"height passed", 10, 0, 11, 0, true},
		{"height not passed", 10, 0, 10, 0, false},
		{"time passed", 500000000, 0, 1, 500000001, true},
		{"time not passed", 500000000, 0, 1, 500000000, false},
		{"final sequences", 100, wire.MaxTxInSequenceNum, 1, 0, true},
		{"time lock ignores height", 500000000, 0, 600000000, 0, false},
	}
	for _, tc := range tests {
		tx := wire.NewMsgTx(1)
		tx.AddTxIn(&wire.TxIn{Sequence: tc.seq})
		tx.LockTime = tc.lock
		if got := IsFinalTx(tx, tc.height, tc.cutoff); got != tc.want {
			t.Errorf("%s: %v", tc.name, got)
		}
	}
}

// TestCalcSequenceLock checks height and time locks, the versions BIP68
// applies to, and that a failing median-time lookup is returned.
func TestCalcSequenceLock(t *testing.T) {
	mtp := func(h int32) (int64, error) { return 1000 * int64(h), nil }
	tests := []struct {
		name    string
		version int32
		seqs    []uint32
		heights []int32
		want    SequenceLock
	}{
		{"height", 2, []uint32{5}, []int32{18}, SequenceLock{Seconds: -1, BlockHeight: 22}},
		{"time", 2, []uint32{wire.SequenceLockTimeIsSeconds | 2}, []int32{10},
			SequenceLock{Seconds: 9000 + 2*512 - 1, BlockHeight: -1}},
		{"time from genesis", 2, []uint32{wire.SequenceLockTimeIsSeconds | 1}, []int32{0},
			SequenceLock{Seconds: 511, BlockHeight: -1}},
		{"largest of each", 2, []uint32{5, 9, wire.SequenceLockTimeIsSeconds | 1},
			[]int32{18, 3, 4}, SequenceLock{Seconds: 3511, BlockHeight: 22}},
		{"disabled", 2, []uint32{wire.SequenceLockTimeDisabled | 5}, []int32{18},
			SequenceLock{Seconds: -1, BlockHeight: -1}},
		{"version 1", 1, []uint32{5}, []int32{18}, SequenceLock{Seconds: -1, BlockHeight: -1}},
		{"version 0xffffffff", -1, []uint32{5}, []int32{18},
			SequenceLock{Seconds: -1, BlockHeight: 22}},
	}
	for _, tc := range tests {
		tx := wire.NewMsgTx(tc.version)
		for i, s := range tc.seqs {
			tx.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Index: uint32(i)}, Sequence: s})
		}
		got, err := CalcSequenceLock(tx, tc.heights, mtp)
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v (%v), want %+v", tc.name, got, err, tc.want)
		}
	}
	lock := SequenceLock{Seconds: 100, BlockHeight: 22}
	if SequenceLockActive(lock, 22, 101) || !SequenceLockActive(lock, 23, 101) ||
		SequenceLockActive(lock, 23, 100) {
		t.Error("SequenceLockActive")
	}
	boom := errors.New("no such block")
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(&wire.TxIn{Sequence: wire.SequenceLockTimeIsSeconds | 1})
	if _, err := CalcSequenceLock(tx, []int32{3}, func(int32) (int64, error) { return 0, boom }); err != boom {
		t.Errorf("lookup error %v", err)
	}
}
