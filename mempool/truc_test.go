package mempool

import (
	"testing"

	"github.com/tern-org/ternd/wire"
)

func TestTRUC(t *testing.T) {
	v := func(tx *wire.MsgTx, ver int32) *wire.MsgTx { tx.Version = ver; return tx }
	tests := []struct {
		name string
		run  func(h *harness) (*wire.MsgTx, ErrorKind, string)
	}{
		{"v3 parent, v2 child", func(h *harness) (*wire.MsgTx, ErrorKind, string) {
			p := v(h.tx(h.fund(1, 100000, 10, false), 99000), 3)
			h.mustAccept(p)
			return h.tx(outs(p), 98000), ErrTRUCViolation, "non-version=3 tx"
		}},
		{"v2 parent, v3 child", func(h *harness) (*wire.MsgTx, ErrorKind, string) {
			p := h.tx(h.fund(1, 100000, 10, false), 99000)
			h.mustAccept(p)
			return v(h.tx(outs(p), 98000), 3), ErrTRUCViolation, "cannot spend from non-version=3"
		}},
		{"v3 too big", func(h *harness) (*wire.MsgTx, ErrorKind, string) {
			tx := v(h.tx(h.fund(1, 100000, 10, false), 50000), 3)
			tx.TxIn[0].Witness = wire.TxWitness{make([]byte, 71), make([]byte, 40000)}
			return tx, ErrTRUCViolation, "is too big"
		}},
		{"v3 child too big", func(h *harness) (*wire.MsgTx, ErrorKind, string) {
			p := v(h.tx(h.fund(1, 100000, 10, false), 99000), 3)
			h.mustAccept(p)
			c := v(h.tx(outs(p), 90000), 3)
			c.TxIn[0].Witness = wire.TxWitness{make([]byte, 71), make([]byte, 4000)}
			return c, ErrTRUCViolation, "child tx"
		}},
		{"v3 grandchild", func(h *harness) (*wire.MsgTx, ErrorKind, string) {
			p := v(h.tx(h.fund(1, 100000, 10, false), 99000), 3)
			h.mustAccept(p)
			c := v(h.tx(outs(p), 98000), 3)
			h.mustAccept(c)
			return v(h.tx(outs(c), 97000), 3), ErrTRUCViolation, "too many ancestors"
		}},
		{"v3 sibling evicted", func(h *harness) (*wire.MsgTx, ErrorKind, string) {
			p := v(h.tx(h.fund(1, 100000, 10, false), 49000, 50000), 3)
			h.mustAccept(p)
			h.mustAccept(v(h.tx(outs(p)[0:1], 48000), 3))
			return v(h.tx(outs(p)[1:2], 40000), 3), "", ""
		}},
		{"v3 sibling not outbid", func(h *harness) (*wire.MsgTx, ErrorKind, string) {
			p := v(h.tx(h.fund(1, 100000, 10, false), 49000, 50000), 3)
			h.mustAccept(p)
			h.mustAccept(v(h.tx(outs(p)[0:1], 40000), 3))
			return v(h.tx(outs(p)[1:2], 49000), 3), ErrInsufficientFee, "insufficient fee (including sibling eviction), rejecting"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			tx, kind, msg := tc.run(h)
			if kind == "" {
				h.mustAccept(tx)
				if h.pool.Count() != 2 {
					t.Fatalf("pool has %d", h.pool.Count())
				}
			} else {
				err := h.reject(tx, kind)
				if !contains(err.Error(), msg) {
					t.Fatalf("message %q lacks %q", err.Error(), msg)
				}
			}
			h.checkInvariants()
		})
	}
	t.Logf("%d cases", len(tests))
}
