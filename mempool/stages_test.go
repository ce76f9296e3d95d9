package mempool

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// runStage runs a stage on ws under the pool lock.
func (h *harness) runStage(ws *workspace, stage func(*workspace) error) error {
	h.pool.mtx.Lock()
	defer h.pool.mtx.Unlock()
	return stage(ws)
}

// coinTx spends a new confirmed coin of 100000 into outputs of values.
func (h *harness) coinTx(values ...int64) *wire.MsgTx {
	return h.tx(h.fund(1, 100000, 10, false), values...)
}

// truc makes tx a version 3 (TRUC) transaction.
func truc(tx *wire.MsgTx) *wire.MsgTx {
	tx.Version = trucVersion
	return tx
}

// wantKind fails the test unless err is of kind, or nil when kind is "".
func wantKind(t *testing.T, err error, kind ErrorKind) {
	t.Helper()
	if kind == "" && err != nil || kind != "" && !errors.Is(err, kind) {
		t.Fatalf("want %q, got %v", kind, err)
	}
}

// trucPair pools a version 3 parent with two outputs and a version 3 child
// of its first output, and returns the parent.
func (h *harness) trucPair() *wire.MsgTx {
	coins := h.fund(1, 100000, 10, false)
	p := h.tx(coins, 49000, 50000)
	p.Version = 3
	h.mustAccept(p)
	c := h.tx(outs(p)[:1], 48000)
	c.Version = 3
	h.mustAccept(c)
	return p
}

func TestAcceptModes(t *testing.T) {
	tests := []struct {
		mode                                    acceptMode
		bypass, replace, pkgFeerates, inPackage bool
	}{
		{modeSingle, false, true, false, false},
		{modeReorg, true, true, false, false},
		{modePackageTest, false, false, false, true},
		{modePackage, false, true, true, true},
	}
	for _, tc := range tests {
		m := tc.mode
		if m.bypassLimits() != tc.bypass || m.allowReplacement() != tc.replace ||
			m.packageFeerates() != tc.pkgFeerates || m.inPackage() != tc.inPackage {
			t.Errorf("mode %d: bypass %v replace %v feerates %v package %v", m, m.bypassLimits(),
				m.allowReplacement(), m.packageFeerates(), m.inPackage())
		}
	}
}

// TestPreChecks runs PreChecks on one case per rule it applies, in its
// order, and checks what the workspace learns.
func TestPreChecks(t *testing.T) {
	pkgTest := func() acceptOpts {
		return acceptOpts{mode: modePackageTest, pkg: map[chainhash.Hash]*wire.MsgTx{}}
	}
	pkgSubmit := func() acceptOpts {
		return acceptOpts{mode: modePackage, pkg: map[chainhash.Hash]*wire.MsgTx{}}
	}
	ghost := spendable{op: wire.OutPoint{Hash: chainhash.Hash{0x99}}, amount: 1000}
	tests := []struct {
		name  string
		cfg   func(*Config)
		build func(h *harness) (*wire.MsgTx, acceptOpts)
		want  ErrorKind
		check func(t *testing.T, h *harness, ws *workspace, err error)
	}{
		{name: "confirmed coin", build: func(h *harness) (*wire.MsgTx, acceptOpts) {
			return h.coinTx(99000), acceptOpts{}
		}, check: func(t *testing.T, h *harness, ws *workspace, _ error) {
			if ws.e.fee != 1000 || len(ws.parents) != 0 || ws.coins[0] == nil ||
				len(ws.conflicts) != 0 || ws.tipHeight != 200 || ws.e.vsize == 0 {
				t.Fatalf("workspace %+v, entry %+v", ws, ws.e)
			}
		}},
		{name: "no verifier", cfg: func(c *Config) { c.Verifier = nil },
			build: func(h *harness) (*wire.MsgTx, acceptOpts) {
				return h.coinTx(99000), acceptOpts{}
			}, want: ErrNoVerifier},
		{name: "structure", build: func(h *harness) (*wire.MsgTx, acceptOpts) {
			return h.coinTx(), acceptOpts{}
		}, want: ErrNoOutputs},
		{name: "too small", build: func(h *harness) (*wire.MsgTx, acceptOpts) {
			tx := h.coinTx()
			tx.AddTxOut(&wire.TxOut{PkScript: []byte{txscript.OP_RETURN}})
			return tx, acceptOpts{}
		}, want: ErrTxSizeSmall},
		{name: "non-final", build: func(h *harness) (*wire.MsgTx, acceptOpts) {
			tx := h.coinTx(99000)
			tx.LockTime = 1000
			return tx, acceptOpts{}
		}, want: ErrNonFinal},
		{name: "already pooled", build: func(h *harness) (*wire.MsgTx, acceptOpts) {
			tx := h.coinTx(99000)
			h.mustAccept(tx)
			return tx, acceptOpts{}
		}, want: ErrAlreadyInPool},
		{name: "other witness pooled", build: func(h *harness) (*wire.MsgTx, acceptOpts) {
			tx := h.coinTx(99000)
			h.mustAccept(tx)
			other := tx.Copy()
			other.TxIn[0].Witness = fakeWitness(0x31)
			return other, acceptOpts{}
		}, want: ErrSameNonWitness},
		{name: "conflict collected", build: func(h *harness) (*wire.MsgTx, acceptOpts) {
			coins := h.fund(1, 100000, 10, false)
			h.mustAccept(h.tx(coins, 99000))
			return h.tx(coins, 98000), acceptOpts{}
		}, check: func(t *testing.T, h *harness, ws *workspace, _ error) {
			if len(ws.conflicts) != 1 {
				t.Fatalf("%d conflicts", len(ws.conflicts))
			}
		}},
		{name: "conflict under package test", build: func(h *harness) (*wire.MsgTx, acceptOpts) {
			coins := h.fund(1, 100000, 10, false)
			h.mustAccept(h.tx(coins, 99000))
			return h.tx(coins, 98000), pkgTest()
		}, want: ErrReplacementDisallowed},
		{name: "missing input", build: func(h *harness) (*wire.MsgTx, acceptOpts) {
			return h.tx([]spendable{ghost}, 500), acceptOpts{}
		}, want: ErrMissingInputs, check: func(t *testing.T, h *harness, ws *workspace, err error) {
			var me missingInputsError
			if !errors.As(err, &me) || len(me.parents) != 1 || me.parents[0] != ghost.op.Hash {
				t.Fatalf("missing parents %v", me.parents)
			}
		}},
		{name: "confirmed already", build: func(h *harness) (*wire.MsgTx, acceptOpts) {
			tx := h.tx([]spendable{ghost}, 500)
			h.chain.utxos[wire.OutPoint{Hash: tx.TxHash()}] = &UTXO{Amount: 500, PkScript: p2wpkh(1)}
			return tx, acceptOpts{}
		}, want: ErrAlreadyKnown},
		{name: "pooled parent", build: func(h *harness) (*wire.MsgTx, acceptOpts) {
			p := h.coinTx(99000)
			h.mustAccept(p)
			return h.tx(outs(p), 98000), acceptOpts{}
		}, check: func(t *testing.T, h *harness, ws *workspace, _ error) {
			if len(ws.parents) != 1 || len(ws.ancestors) != 1 || ws.coins[0] != nil {
				t.Fatalf("%d parents, %d ancestors", len(ws.parents), len(ws.ancestors))
			}
		}},
		{name: "package parent", build: func(h *harness) (*wire.MsgTx, acceptOpts) {
			p := h.coinTx(99000)
			opts := pkgTest()
			opts.pkg[p.TxHash()] = p
			return h.tx(outs(p), 98000), opts
		}, check: func(t *testing.T, h *harness, ws *workspace, _ error) {
			if len(ws.parents) != 0 || ws.prevOuts[0].Value != 99000 {
				t.Fatalf("%d parents, spends %d", len(ws.parents), ws.prevOuts[0].Value)
			}
		}},
		{name: "immature coinbase", build: func(h *harness) (*wire.MsgTx, acceptOpts) {
			return h.tx(h.fund(1, 100000, 150, true), 99000), acceptOpts{}
		}, want: ErrPrematureCoinbaseSpend},
		{name: "in below out", build: func(h *harness) (*wire.MsgTx, acceptOpts) {
			return h.coinTx(200000), acceptOpts{}
		}, want: ErrInBelowOut},
		{name: "dust pays no fee", build: func(h *harness) (*wire.MsgTx, acceptOpts) {
			return h.coinTx(99000, 100), acceptOpts{}
		}, want: ErrDust},
		{name: "min relay fee", build: func(h *harness) (*wire.MsgTx, acceptOpts) {
			return h.coinTx(100000), acceptOpts{}
		}, want: ErrMinRelayFee},
		{name: "reorg bypasses the floors", build: func(h *harness) (*wire.MsgTx, acceptOpts) {
			return h.coinTx(100000), acceptOpts{mode: modeReorg}
		}},
		{name: "TRUC alone pays the floors", build: func(h *harness) (*wire.MsgTx, acceptOpts) {
			return truc(h.coinTx(100000)), acceptOpts{}
		}, want: ErrMinRelayFee},
		{name: "TRUC member leaves them to its package", build: func(h *harness) (*wire.MsgTx, acceptOpts) {
			return truc(h.coinTx(100000)), pkgSubmit()
		}},
		{name: "non-TRUC member pays the relay fee", build: func(h *harness) (*wire.MsgTx, acceptOpts) {
			return h.coinTx(100000), pkgSubmit()
		}, want: ErrMinRelayFee},
		{name: "max fee rate", build: func(h *harness) (*wire.MsgTx, acceptOpts) {
			return h.coinTx(99000), acceptOpts{maxFeeRate: 1000}
		}, want: ErrMaxFeeRateExceeded},
		{name: "ancestor limit", cfg: func(c *Config) { c.Policy.AncestorLimitCount = 1 },
			build: func(h *harness) (*wire.MsgTx, acceptOpts) {
				p := h.coinTx(99000)
				h.mustAccept(p)
				return h.tx(outs(p), 98000), acceptOpts{}
			}, want: ErrTooLongChain},
		{name: "spends what it replaces", build: func(h *harness) (*wire.MsgTx, acceptOpts) {
			coins := h.fund(1, 100000, 10, false)
			a := h.tx(coins, 99000)
			h.mustAccept(a)
			return h.tx(append(coins, outs(a)...), 190000), acceptOpts{}
		}, want: ErrSpendsConflicting},
		{name: "TRUC sibling to evict", build: func(h *harness) (*wire.MsgTx, acceptOpts) {
			c := h.tx(outs(h.trucPair())[1:], 45000)
			c.Version = 3
			return c, acceptOpts{}
		}, check: func(t *testing.T, h *harness, ws *workspace, _ error) {
			if ws.sibling == nil || len(ws.conflicts) != 1 {
				t.Fatalf("sibling %v, %d conflicts", ws.sibling, len(ws.conflicts))
			}
			if _, ok := ws.conflicts[ws.sibling]; !ok {
				t.Fatal("sibling is not a conflict")
			}
		}},
		{name: "no TRUC sibling eviction in a package", build: func(h *harness) (*wire.MsgTx, acceptOpts) {
			c := h.tx(outs(h.trucPair())[1:], 45000)
			c.Version = 3
			return c, pkgSubmit()
		}, want: ErrTRUCViolation},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.cfg)
			tx, opts := tc.build(h)
			ws := newWorkspace(tx, opts)
			err := h.runStage(ws, h.pool.preChecks)
			wantKind(t, err, tc.want)
			if tc.check != nil {
				tc.check(t, h, ws, err)
			}
		})
	}
}

// TestReplacementChecks runs ReplacementChecks after PreChecks.
func TestReplacementChecks(t *testing.T) {
	tests := []struct {
		name   string
		build  func(h *harness) *wire.MsgTx
		want   ErrorKind
		reason string // in the error's reason
		evict  int
	}{
		{name: "no conflict", build: func(h *harness) *wire.MsgTx {
			return h.coinTx(99000)
		}},
		{name: "pays too little", build: func(h *harness) *wire.MsgTx {
			coins := h.fund(1, 100000, 10, false)
			h.mustAccept(h.tx(coins, 99000))
			return h.tx(coins, 98995)
		}, want: ErrInsufficientFee},
		{name: "evicts descendants too", build: func(h *harness) *wire.MsgTx {
			coins := h.fund(1, 100000, 10, false)
			a := h.tx(coins, 99000)
			h.mustAccept(a)
			h.mustAccept(h.tx(outs(a), 98000))
			return h.tx(coins, 90000)
		}, evict: 2},
		{name: "sibling named", build: func(h *harness) *wire.MsgTx {
			c := h.tx(outs(h.trucPair())[1:], 49985)
			c.Version = 3
			return c
		}, want: ErrInsufficientFee, reason: "(including sibling eviction)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			ws := newWorkspace(tc.build(h), acceptOpts{})
			if err := h.runStage(ws, h.pool.preChecks); err != nil {
				t.Fatal(err)
			}
			err := h.runStage(ws, h.pool.replacementChecks)
			wantKind(t, err, tc.want)
			if err != nil && !strings.Contains(RejectReason(err), tc.reason) {
				t.Fatalf("reason %q", RejectReason(err))
			}
			if len(ws.evict) != tc.evict {
				t.Fatalf("evicts %d, want %d", len(ws.evict), tc.evict)
			}
		})
	}
}

// hookVerifier is the fake verifier that counts runs under the standard
// flags and runs hook (once) during the first, while the pool lock is
// released around it.
type hookVerifier struct {
	fakeVerifier
	mu   sync.Mutex
	runs int
	hook func()
}

func (v *hookVerifier) VerifyScripts(tx *wire.MsgTx, prev []*wire.TxOut, standard bool) (int, error) {
	if standard {
		v.mu.Lock()
		v.runs++
		hook := v.hook
		v.hook = nil
		v.mu.Unlock()
		if hook != nil {
			hook()
		}
	}
	return v.fakeVerifier.VerifyScripts(tx, prev, standard)
}

// TestScriptChecks runs PolicyScriptChecks, then ConsensusScriptChecks,
// which runs the scripts again only against other outputs than verified.
func TestScriptChecks(t *testing.T) {
	tests := []struct {
		name     string
		first    byte // the witness's first byte (fakeVerifier)
		verified func(prevOuts []*wire.TxOut) []*wire.TxOut
		want     ErrorKind
		runs     int // under the standard flags, both stages
	}{
		{name: "pass, same outputs", first: 0x30, runs: 1},
		{name: "consensus failure", first: 0xde, want: ErrScriptConsensus, runs: 1},
		{name: "policy failure", first: 0xdf, want: ErrScriptPolicy, runs: 1},
		{name: "verified before", first: 0x30, verified: func(p []*wire.TxOut) []*wire.TxOut {
			return p
		}},
		{name: "verified against other outputs", first: 0x30, runs: 1,
			verified: func(p []*wire.TxOut) []*wire.TxOut {
				return []*wire.TxOut{{Value: p[0].Value + 1, PkScript: p[0].PkScript}}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := &hookVerifier{}
			h := newHarness(t, func(c *Config) { c.Verifier = v })
			tx := h.coinTx(99000)
			tx.TxIn[0].Witness = fakeWitness(tc.first)
			ws := newWorkspace(tx, acceptOpts{})
			if err := h.runStage(ws, h.pool.preChecks); err != nil {
				t.Fatal(err)
			}
			var err error
			if tc.verified != nil {
				ws.verified = tc.verified(ws.prevOuts)
			} else {
				err = h.pool.policyScriptChecks(ws)
			}
			if err == nil {
				err = h.runStage(ws, h.pool.consensusScriptChecks)
			}
			wantKind(t, err, tc.want)
			if v.runs != tc.runs || err == nil && !samePrevOuts(ws.verified, ws.prevOuts) {
				t.Fatalf("%d runs, want %d; verified %v", v.runs, tc.runs, ws.verified)
			}
		})
	}
}

// TestRecheck runs PreChecks and ReplacementChecks, changes the pool or
// the chain as it may change while the scripts run unlocked, then the
// locked pass: it must find what changed, and run PreChecks whole again
// only when the tip or a spent coin changed.
func TestRecheck(t *testing.T) {
	tests := []struct {
		name    string
		cfg     func(*Config)
		parent  bool // tx spends a pooled parent's first output
		between func(h *harness, tx, parent *wire.MsgTx)
		want    ErrorKind
		rerun   bool // PreChecks ran whole again
	}{
		{name: "nothing changed"},
		{name: "nothing changed, pooled parent", parent: true},
		{name: "pooled meanwhile", between: func(h *harness, tx, _ *wire.MsgTx) {
			h.mustAccept(tx)
		}, want: ErrAlreadyInPool},
		{name: "a better conflict arrived", between: func(h *harness, tx, _ *wire.MsgTx) {
			ins := []spendable{{op: tx.TxIn[0].PreviousOutPoint, amount: 100000}}
			h.mustAccept(h.tx(ins, 90000))
		}, want: ErrInsufficientFee},
		{name: "prioritised down", between: func(h *harness, tx, _ *wire.MsgTx) {
			txid := tx.TxHash()
			h.pool.PrioritiseTransaction(&txid, -1000)
		}, want: ErrMinRelayFee},
		{name: "pool minimum rose", between: func(h *harness, _, _ *wire.MsgTx) {
			h.pool.mtx.Lock()
			h.pool.trackPackageRemoved(1000000)
			h.pool.mtx.Unlock()
		}, want: ErrMempoolMinFee},
		{name: "parent has another child", parent: true,
			cfg: func(c *Config) { c.Policy.DescendantLimitCount = 2 },
			between: func(h *harness, _, parent *wire.MsgTx) {
				h.mustAccept(h.tx(outs(parent)[1:], 49000))
			}, want: ErrTooLongChain},
		{name: "parent left the pool", parent: true, between: func(h *harness, _, parent *wire.MsgTx) {
			txid := parent.TxHash()
			h.pool.RemoveTransaction(&txid, false)
		}, want: ErrMissingInputs, rerun: true},
		{name: "coin spent", between: func(h *harness, tx, _ *wire.MsgTx) {
			h.chain.mu.Lock()
			delete(h.chain.utxos, tx.TxIn[0].PreviousOutPoint)
			h.chain.mu.Unlock()
		}, want: ErrMissingInputs, rerun: true},
		{name: "tip moved", between: func(h *harness, _, _ *wire.MsgTx) {
			h.chain.height++
		}, rerun: true},
		{name: "parent confirmed", parent: true, between: func(h *harness, _, parent *wire.MsgTx) {
			b := &wire.MsgBlock{Transactions: []*wire.MsgTx{h.tx(nil, 5000000000), parent}}
			h.connect(b)
			h.pool.RemoveForBlock(b, h.chain.height)
		}, rerun: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.cfg)
			ins := h.fund(1, 100000, 10, false)
			var parent *wire.MsgTx
			if tc.parent {
				parent = h.tx(ins, 50000, 49500)
				h.mustAccept(parent)
				ins = outs(parent)[:1]
			}
			tx := h.tx(ins, ins[0].amount-1000)
			ws := newWorkspace(tx, acceptOpts{})
			if err := h.runStage(ws, h.pool.checkSingle); err != nil {
				t.Fatal(err)
			}
			e := ws.e
			if tc.between != nil {
				tc.between(h, tx, parent)
			}
			err := h.runStage(ws, h.pool.recheck)
			wantKind(t, err, tc.want)
			if rerun := ws.e != e; err == nil && rerun != tc.rerun {
				t.Fatalf("PreChecks ran again: %v, want %v", rerun, tc.rerun)
			}
			if err == nil {
				h.pool.mtx.Lock()
				_, ferr := h.pool.finalize(ws)
				h.pool.mtx.Unlock()
				if ferr != nil {
					t.Fatal(ferr)
				}
			}
			h.checkInvariants()
		})
	}
}

// TestAcceptSingleUnlocked changes the pool while a transaction's scripts
// run without the lock (from inside the verifier): the locked pass finds
// the change, and runs no script again against the same outputs.
func TestAcceptSingleUnlocked(t *testing.T) {
	tests := []struct {
		name string
		hook func(h *harness, tx, parent *wire.MsgTx)
		want ErrorKind
		runs int
	}{
		{name: "nothing changed", runs: 1},
		{name: "conflict arrived", hook: func(h *harness, tx, parent *wire.MsgTx) {
			h.mustAccept(h.tx(outs(parent)[:1], 40000))
		}, want: ErrInsufficientFee, runs: 2},
		{name: "same transaction arrived", hook: func(h *harness, tx, _ *wire.MsgTx) {
			h.mustAccept(tx)
		}, want: ErrAlreadyInPool, runs: 2},
		{name: "parent confirmed", hook: func(h *harness, _, parent *wire.MsgTx) {
			b := &wire.MsgBlock{Transactions: []*wire.MsgTx{h.tx(nil, 5000000000), parent}}
			h.connect(b)
			h.pool.RemoveForBlock(b, h.chain.height)
		}, runs: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := &hookVerifier{}
			h := newHarness(t, func(c *Config) { c.Verifier = v })
			parent := h.coinTx(50000, 49000)
			h.mustAccept(parent)
			tx := h.tx(outs(parent)[:1], 49000)
			v.runs = 0
			if tc.hook != nil {
				v.hook = func() { tc.hook(h, tx, parent) }
			}
			_, _, err := h.pool.ProcessTransaction(tx, false, 0)
			wantKind(t, err, tc.want)
			if v.runs != tc.runs {
				t.Fatalf("%d script runs, want %d", v.runs, tc.runs)
			}
			txid := tx.TxHash()
			if err == nil && !h.pool.IsTransactionInPool(&txid) {
				t.Fatal("accepted but not pooled")
			}
			h.checkInvariants()
		})
	}
}

// coinSpentIf funds a coin and, if spent, pools a transaction spending it
// for a fee of 1000, for a conflict.
func (h *harness) coinSpentIf(spent bool) []spendable {
	coins := h.fund(1, 100000, 10, false)
	if spent {
		h.mustAccept(h.tx(coins, 99000))
	}
	return coins
}

// TestFinalize adds checked transactions: trimmed away unless the limits
// are bypassed, and evicting what they replace.
func TestFinalize(t *testing.T) {
	tiny := func(c *Config) { c.Policy.MaxMempoolBytes = 1 }
	tests := []struct {
		name     string
		cfg      func(*Config)
		mode     acceptMode
		conflict bool
		want     ErrorKind
	}{
		{name: "added"},
		{name: "trimmed away", cfg: tiny, want: ErrMempoolFull},
		{name: "reorg bypasses the size limit", cfg: tiny, mode: modeReorg},
		{name: "replacement", conflict: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.cfg)
			ws := newWorkspace(h.tx(h.coinSpentIf(tc.conflict), 90000), acceptOpts{mode: tc.mode})
			if err := h.runStage(ws, h.pool.checkSingle); err != nil {
				t.Fatal(err)
			}
			h.pool.mtx.Lock()
			d, err := h.pool.finalize(ws)
			h.pool.mtx.Unlock()
			wantKind(t, err, tc.want)
			pooled := h.pool.IsTransactionInPool(&ws.txid)
			if pooled != (err == nil) || err == nil && (d == nil || d.TxHash != ws.txid) {
				t.Fatalf("pooled %v, desc %v", pooled, d)
			}
			if tc.conflict && (h.pool.Count() != 1 || h.pool.Replaced() != 1) {
				t.Fatalf("%d pooled, %d replaced", h.pool.Count(), h.pool.Replaced())
			}
			h.checkInvariants()
		})
	}
}

// TestPackageMempoolChecks judges a package of a zero-fee TRUC parent and
// its child after PreChecks, its combined limits and its replacement of
// pooled transactions, then adds what passes with finalizePackage: the
// child linked below its parent, now pooled, and what the package
// replaces gone.
func TestPackageMempoolChecks(t *testing.T) {
	tests := []struct {
		name     string
		cfg      func(*Config)
		conflict bool
		want     ErrorKind
		evict    int
	}{
		{name: "within limits"},
		{name: "package limits", cfg: func(c *Config) { c.Policy.AncestorLimitCount = 1 },
			want: ErrPackageMempoolLimit},
		{name: "package RBF", conflict: true, evict: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.cfg)
			parent := h.tx(h.coinSpentIf(tc.conflict), 100000)
			parent.Version = 3
			child := h.tx(outs(parent), 95000)
			child.Version = 3
			h.pool.mtx.Lock()
			wss, _, err := h.pool.packagePreChecks([]*wire.MsgTx{parent, child}, []int{0, 1}, 0,
				make([][]*wire.TxOut, 2))
			if err != nil {
				h.pool.mtx.Unlock()
				t.Fatal(err)
			}
			evict, err := h.pool.packageMempoolChecks(wss, 5000, wss[0].e.vsize+wss[1].e.vsize)
			var replaced []chainhash.Hash
			if err == nil {
				replaced = h.pool.finalizePackage(wss, evict)
			}
			h.pool.mtx.Unlock()
			wantKind(t, err, tc.want)
			if len(evict) != tc.evict || len(replaced) != tc.evict {
				t.Fatalf("evicts %d, replaced %v, want %d", len(evict), replaced, tc.evict)
			}
			if err != nil {
				return
			}
			d, ok := h.pool.TxDesc(&wss[1].txid)
			if !ok || h.pool.Count() != 2 || d.AncestorCount != 2 || len(d.Depends) != 1 ||
				d.Depends[0] != wss[0].txid {
				t.Fatalf("%d pooled, child %+v", h.pool.Count(), d)
			}
			h.checkInvariants()
		})
	}
}
