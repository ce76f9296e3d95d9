package main

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// p2wpkhSpendVSize is the largest virtual size of a one-input one-output
// P2WPKH spend (a 72-byte signature with its hash type byte): weight
// 4*82 + 109 = 437, so 110 vbytes. A 71-byte signature makes it 109.
const p2wpkhSpendVSize = 110

// maxFanOut is the number of outputs of one funding transaction: about
// 62 kvB, well below the 100 kvB standard size of both nodes.
const maxFanOut = 2000

// wallet holds the one P2WPKH key the harness mines to and spends from.
// It is safe for concurrent use (it is never modified after newWallet).
type wallet struct {
	key      *btcec.PrivateKey
	pkScript []byte
	addr     string
}

// coin is a spendable output of the wallet's script.
type coin struct {
	op    wire.OutPoint
	value int64
}

// newWallet derives a fixed key (so runs are repeatable) and its regtest
// P2WPKH address.
func newWallet() (*wallet, error) {
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = 0x5a
	}
	key, _ := btcec.PrivKeyFromBytes(seed)
	pkh := txscript.Hash160(key.PubKey().SerializeCompressed())
	addr, err := txscript.NewAddressWitnessPubKeyHash(pkh, &chaincfg.RegressionNetParams)
	if err != nil {
		return nil, err
	}
	return &wallet{key: key, pkScript: txscript.PayToWitnessPubKeyHashScript(pkh),
		addr: addr.EncodeAddress()}, nil
}

// sign fills the witness of the single input of tx, which spends prev.
func (w *wallet) sign(tx *wire.MsgTx, prev coin) error {
	if len(tx.TxIn) != 1 {
		return errors.New("sign: want one input")
	}
	hashes := txscript.NewTxSigHashes(tx, txscript.NewCannedPrevOutputFetcher(w.pkScript, prev.value))
	wit, err := txscript.WitnessSignature(tx, hashes, 0, prev.value, w.pkScript,
		txscript.SigHashAll, w.key, true)
	if err != nil {
		return err
	}
	tx.TxIn[0].Witness = wit
	return nil
}

// spend returns a signed version-2 transaction moving prev, less fee, to
// the wallet's own script.
func (w *wallet) spend(prev coin, fee int64) (*wire.MsgTx, error) {
	if prev.value-fee <= 0 {
		return nil, fmt.Errorf("spend: %d sat cannot pay a fee of %d", prev.value, fee)
	}
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(&wire.TxIn{PreviousOutPoint: prev.op, Sequence: wire.MaxTxInSequenceNum})
	tx.AddTxOut(&wire.TxOut{Value: prev.value - fee, PkScript: w.pkScript})
	if err := w.sign(tx, prev); err != nil {
		return nil, err
	}
	return tx, nil
}

// fanOut returns a signed transaction splitting prev into n equal outputs
// to the wallet, paying feeRate sat/vB on its real size.
func (w *wallet) fanOut(prev coin, n int, feeRate float64) (*wire.MsgTx, error) {
	if n < 1 || n > maxFanOut {
		return nil, fmt.Errorf("fanOut: %d outputs", n)
	}
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(&wire.TxIn{PreviousOutPoint: prev.op, Sequence: wire.MaxTxInSequenceNum})
	for range n {
		tx.AddTxOut(&wire.TxOut{PkScript: w.pkScript})
	}
	// Sign once to learn the size, then set the values and sign again.
	if err := w.sign(tx, prev); err != nil {
		return nil, err
	}
	fee := feeFor(tx.VSize()+1, feeRate)
	each := (prev.value - fee) / int64(n)
	if each < 10000 {
		return nil, fmt.Errorf("fanOut: %d sat split %d ways leaves %d sat each", prev.value, n, each)
	}
	for _, out := range tx.TxOut {
		out.Value = each
	}
	if err := w.sign(tx, prev); err != nil {
		return nil, err
	}
	return tx, nil
}

// feeFor is the fee in satoshis of vsize vbytes at feeRate sat/vB, rounded up.
func feeFor(vsize int64, feeRate float64) int64 {
	return int64(math.Ceil(float64(vsize) * feeRate))
}

// outputs returns the outputs of tx as coins.
func outputs(tx *wire.MsgTx) []coin {
	h := tx.TxHash()
	out := make([]coin, len(tx.TxOut))
	for i, o := range tx.TxOut {
		out[i] = coin{op: wire.OutPoint{Hash: h, Index: uint32(i)}, value: o.Value}
	}
	return out
}

// workload is the signed transactions of one node's run, in submission
// order: chains are stored parent first, one chain after another.
type workload struct {
	indepSingle, indepBatch []*wire.MsgTx
	chainSingle, chainBatch []*wire.MsgTx
	depth                   int
}

// fundingNeeded returns the number of funding outputs a run of n
// independent transactions and n/depth chains (per mode) needs.
func fundingNeeded(n, depth int) int {
	return 2*n + 2*(n/depth)
}

// buildWorkload signs the run's transactions from the funding coins
// (fundingNeeded(n, depth) of them) on every core; every transaction pays
// fee satoshis.
func (w *wallet) buildWorkload(coins []coin, n, depth int, fee int64) (*workload, error) {
	chains := n / depth
	if len(coins) < fundingNeeded(n, depth) {
		return nil, fmt.Errorf("buildWorkload: %d funding coins, need %d", len(coins), fundingNeeded(n, depth))
	}
	wl := &workload{
		indepSingle: make([]*wire.MsgTx, n), indepBatch: make([]*wire.MsgTx, n),
		chainSingle: make([]*wire.MsgTx, chains*depth), chainBatch: make([]*wire.MsgTx, chains*depth),
		depth: depth,
	}
	// A job fills dst[i*len : (i+1)*len] from one coin: one spend, or a chain.
	type job struct {
		dst  []*wire.MsgTx
		prev coin
	}
	var jobs []job
	next := 0
	take := func() coin { c := coins[next]; next++; return c }
	for i := range n {
		jobs = append(jobs, job{wl.indepSingle[i : i+1], take()})
	}
	for i := range n {
		jobs = append(jobs, job{wl.indepBatch[i : i+1], take()})
	}
	for c := range chains {
		jobs = append(jobs, job{wl.chainSingle[c*depth : (c+1)*depth], take()})
	}
	for c := range chains {
		jobs = append(jobs, job{wl.chainBatch[c*depth : (c+1)*depth], take()})
	}

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		ch       = make(chan job)
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				prev := j.prev
				for k := range j.dst {
					tx, err := w.spend(prev, fee)
					if err != nil {
						mu.Lock()
						firstErr = cmpErr(firstErr, err)
						mu.Unlock()
						break
					}
					j.dst[k] = tx
					prev = outputs(tx)[0]
				}
			}
		}()
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return wl, nil
}

// cmpErr keeps the first error.
func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}
