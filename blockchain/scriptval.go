package blockchain

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// ScriptFlags is the set of script verification rules in force for a block,
// in this package's own terms; the script engine adapter maps them to the
// engine's flags.
type ScriptFlags uint32

// The consensus script rules (Core's SCRIPT_VERIFY_* names in comments).
const (
	ScriptP2SH      ScriptFlags = 1 << iota // P2SH (BIP16)
	ScriptDERSig                            // DERSIG (BIP66)
	ScriptCLTV                              // CHECKLOCKTIMEVERIFY (BIP65)
	ScriptCSV                               // CHECKSEQUENCEVERIFY (BIP112)
	ScriptWitness                           // WITNESS (BIP141/143)
	ScriptNullDummy                         // NULLDUMMY (BIP147)
	ScriptTaproot                           // TAPROOT (BIP341/342)
)

// mustHash parses a constant hash.
func mustHash(s string) chainhash.Hash {
	h, err := chainhash.NewHashFromStr(s)
	if err != nil {
		panic(err) // constant input
	}
	return *h
}

// scriptFlagsFor returns the flags in force for a block at height with the
// given hash (Core's GetBlockScriptFlags): P2SH, WITNESS and TAPROOT always
// (buried) except for the network's ScriptFlagExceptions, DERSIG, CLTV, CSV and NULLDUMMY from their activation heights.
func (b *BlockChain) scriptFlagsFor(height int32, hash *chainhash.Hash) ScriptFlags {
	flags := ScriptP2SH | ScriptWitness | ScriptTaproot
	for _, e := range b.params.ScriptFlagExceptions {
		if e.Hash != nil && *e.Hash == *hash {
			flags = 0
			if e.VerifyP2SH {
				flags |= ScriptP2SH
			}
			if e.VerifyWitness {
				flags |= ScriptWitness
			}
		}
	}
	p := b.params
	if height >= p.BIP0066Height {
		flags |= ScriptDERSig
	}
	if height >= p.BIP0065Height {
		flags |= ScriptCLTV
	}
	if height >= p.CSVHeight {
		flags |= ScriptCSV
	}
	if height >= p.SegwitHeight {
		flags |= ScriptNullDummy
	}
	return flags
}

// String lists the flags, for logs and errors.
func (f ScriptFlags) String() string {
	names := []string{"P2SH", "DERSIG", "CHECKLOCKTIMEVERIFY", "CHECKSEQUENCEVERIFY",
		"WITNESS", "NULLDUMMY", "TAPROOT"}
	s := ""
	for i, n := range names {
		if f&(1<<i) != 0 {
			if s != "" {
				s += ","
			}
			s += n
		}
	}
	return s
}

// txScriptChecker verifies the inputs of one transaction. It is made once
// per transaction (so signature-hash midstates are shared) and then used by
// several goroutines at once, so VerifyInput must be safe for concurrent use.
type txScriptChecker interface {
	VerifyInput(i int) error
}

// scriptEngine builds checkers. It is the seam between validation and the
// script interpreter; the adapter over txscript lives in txscript.go.
type scriptEngine interface {
	NewTxChecker(tx *wire.MsgTx, prevOuts []*wire.TxOut, flags ScriptFlags) (txScriptChecker, error)
}

// scriptJob is one input to verify.
type scriptJob struct {
	checker txScriptChecker
	tx      *wire.MsgTx
	input   int
}

// runScriptJobs verifies jobs on up to workers goroutines and returns the
// first failure as a rule error. It returns only when every goroutine it
// started has stopped.
func runScriptJobs(jobs []scriptJob, workers int) error {
	if len(jobs) == 0 {
		return nil
	}
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	if workers > len(jobs) {
		workers = len(jobs)
	}
	var (
		next   atomic.Int64
		failed atomic.Bool
		errMu  sync.Mutex
		first  error
		wg     sync.WaitGroup
	)
	work := func() {
		defer wg.Done()
		for !failed.Load() {
			i := int(next.Add(1) - 1)
			if i >= len(jobs) {
				return
			}
			j := &jobs[i]
			if err := j.checker.VerifyInput(j.input); err != nil {
				errMu.Lock()
				if first == nil {
					first = ruleError(ErrScriptValidation, fmt.Sprintf(
						"mandatory-script-verify-flag-failed (%v)", err))
					log.Debugf("Script failure in %s input %d: %v", j.tx.TxHash(), j.input, err)
				}
				errMu.Unlock()
				failed.Store(true)
				return
			}
		}
	}
	wg.Add(workers)
	for w := 1; w < workers; w++ {
		go work()
	}
	work()
	wg.Wait()
	return first
}
