package mempool

import (
	"encoding/binary"
	"errors"
	"math/big"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// signer holds a key and builds real signed P2WPKH spends of its coins.
type signer struct {
	key    *btcec.PrivateKey
	script []byte
}

func newSigner(t testing.TB, seed byte) *signer {
	var k [32]byte
	k[31] = seed
	k[0] = 1
	key, _ := btcec.PrivKeyFromBytes(k[:])
	return &signer{key: key,
		script: append([]byte{0x00, 0x14}, txscript.Hash160(key.PubKey().SerializeCompressed())...)}
}

// realHarness is a harness whose pool verifies scripts with txscript.
func realHarness(t testing.TB) *harness {
	return newHarness(t, func(c *Config) {
		c.Verifier = &TxScriptVerifier{SigCache: txscript.NewSigCache(10000)}
	})
}

// fundKey adds n confirmed coins paying s.
func (h *harness) fundKey(s *signer, n int, amount int64) []spendable {
	h.chain.mu.Lock()
	defer h.chain.mu.Unlock()
	out := make([]spendable, n)
	for i := range out {
		h.n++
		var hash chainhash.Hash
		binary.LittleEndian.PutUint32(hash[:], h.n)
		hash[31] = 0xbb
		op := wire.OutPoint{Hash: hash}
		h.chain.utxos[op] = &UTXO{Amount: amount, PkScript: s.script, Height: 10}
		out[i] = spendable{op: op, amount: amount}
	}
	return out
}

// spend builds and signs a transaction from s's coins to s.
func (s *signer) spend(t testing.TB, ins []spendable, values ...int64) *wire.MsgTx {
	tx := wire.NewMsgTx(2)
	prev := make(map[wire.OutPoint]*wire.TxOut)
	for _, in := range ins {
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: in.op, Sequence: wire.MaxTxInSequenceNum - 2})
		prev[in.op] = &wire.TxOut{Value: in.amount, PkScript: s.script}
	}
	for _, v := range values {
		tx.AddTxOut(&wire.TxOut{Value: v, PkScript: s.script})
	}
	hashes := txscript.NewTxSigHashes(tx, txscript.NewMultiPrevOutFetcher(prev))
	for i, in := range ins {
		w, err := txscript.WitnessSignature(tx, hashes, i, in.amount, s.script, txscript.SigHashAll, s.key, true)
		if err != nil {
			t.Fatal(err)
		}
		tx.TxIn[i].Witness = w
	}
	return tx
}

// highS rewrites a DER signature (with its hash type byte) to use N-s.
func highS(sig []byte) []byte {
	rLen := int(sig[3])
	r := sig[4 : 4+rLen]
	sLen := int(sig[5+rLen])
	s := new(big.Int).SetBytes(sig[6+rLen : 6+rLen+sLen])
	s.Sub(btcec.S256().N, s)
	sb := s.Bytes()
	if sb[0]&0x80 != 0 {
		sb = append([]byte{0}, sb...)
	}
	out := []byte{0x30, byte(4 + len(r) + len(sb)), 0x02, byte(len(r))}
	out = append(out, r...)
	out = append(out, 0x02, byte(len(sb)))
	out = append(out, sb...)
	return append(out, sig[len(sig)-1])
}

func TestSignedP2WPKH(t *testing.T) {
	h := realHarness(t)
	s := newSigner(t, 1)
	coins := h.fundKey(s, 4, 100000)

	// A valid spend and a child of it.
	tx := s.spend(t, coins[0:1], 99000)
	h.mustAccept(tx)
	h.mustAccept(s.spend(t, outs(tx), 98000))

	// A corrupted signature fails under consensus too.
	bad := s.spend(t, coins[1:2], 99000)
	sig := bad.TxIn[0].Witness[0]
	sig[10] ^= 0x01
	err := h.reject(bad, ErrScriptConsensus)
	if RejectReason(err) != "mempool-script-verify-flag-failed (Signature must be zero for failed CHECK(MULTI)SIG operation)" {
		t.Fatalf("reason %q", RejectReason(err))
	}

	// A high-S signature is valid by consensus, refused by policy.
	hs := s.spend(t, coins[2:3], 99000)
	hs.TxIn[0].Witness[0] = highS(hs.TxIn[0].Witness[0])
	err = h.reject(hs, ErrScriptPolicy)
	if RejectReason(err) != "mempool-script-verify-flag-failed (Non-canonical signature: S value is unnecessarily high)" {
		t.Fatalf("reason %q", RejectReason(err))
	}

	// Wrong key: the P2WPKH program check fails at OP_EQUALVERIFY, as in Core.
	other := newSigner(t, 2)
	wk := other.spend(t, coins[3:4], 99000)
	wk.TxOut[0].PkScript = s.script
	err = h.reject(wk, ErrScriptConsensus)
	if RejectReason(err) != "mempool-script-verify-flag-failed (Script failed an OP_EQUALVERIFY operation)" {
		t.Fatalf("reason %q", RejectReason(err))
	}
	h.checkInvariants()
	if ScriptErrorString(errors.New("x")) != "unknown error" {
		t.Fatal("unknown error text")
	}
}

// BenchmarkAcceptSignedP2WPKH measures acceptance of independent, really
// signed one-input P2WPKH transactions with full script verification.
func BenchmarkAcceptSignedP2WPKH(b *testing.B) {
	h := realHarness(b)
	s := newSigner(b, 3)
	coins := h.fundKey(s, b.N, 100000)
	txs := make([]*wire.MsgTx, b.N)
	for i := range txs {
		txs[i] = s.spend(b, coins[i:i+1], 99000-int64(i%1000))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := h.pool.ProcessTransaction(txs[i], true, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}

// BenchmarkAcceptSignedChains measures signed chains 25 deep.
func BenchmarkAcceptSignedChains(b *testing.B) {
	h := realHarness(b)
	s := newSigner(b, 4)
	chains := (b.N + 24) / 25
	coins := h.fundKey(s, chains, 10000000)
	txs := make([]*wire.MsgTx, 0, chains*25)
	for c := 0; c < chains; c++ {
		prev := coins[c : c+1]
		for i := 0; i < 25; i++ {
			tx := s.spend(b, prev, prev[0].amount-1000)
			txs = append(txs, tx)
			prev = outs(tx)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := h.pool.ProcessTransaction(txs[i], true, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}

// TestConcurrentAccept submits signed transactions from several goroutines
// (scripts verify outside the lock) while readers query the pool.
func TestConcurrentAccept(t *testing.T) {
	h := realHarness(t)
	s := newSigner(t, 5)
	coins := h.fundKey(s, 40, 100000)
	txs := make([]*wire.MsgTx, 40)
	for i := range txs {
		txs[i] = s.spend(t, coins[i:i+1], 99000)
	}
	// A double spend of every tenth coin races its original.
	dbl := make([]*wire.MsgTx, 0, 4)
	for i := 0; i < 40; i += 10 {
		dbl = append(dbl, s.spend(t, coins[i:i+1], 98000))
	}
	done := make(chan struct{})
	errs := make(chan error, 64)
	for w := 0; w < 4; w++ {
		go func(w int) {
			defer func() { done <- struct{}{} }()
			for i := w; i < 40; i += 4 {
				if _, _, err := h.pool.ProcessTransaction(txs[i], true, Tag(w)); err != nil &&
					!errors.Is(err, ErrInsufficientFee) {
					errs <- err
				}
			}
			if w < len(dbl) {
				h.pool.ProcessTransaction(dbl[w], true, Tag(w))
			}
		}(w)
	}
	go func() {
		defer func() { done <- struct{}{} }()
		for i := 0; i < 50; i++ {
			h.pool.MiningDescs()
			h.pool.TxDescs()
		}
	}()
	for i := 0; i < 5; i++ {
		<-done
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if h.pool.Count() != 40 {
		t.Fatalf("pool has %d", h.pool.Count())
	}
	h.checkInvariants()
}
