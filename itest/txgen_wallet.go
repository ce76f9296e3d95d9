package itest

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// Kind is a standard output type the test wallet can pay to and spend.
type Kind int

// The output kinds of the test wallet.
const (
	KindP2PKH Kind = iota
	KindP2SHP2WPKH
	KindP2WPKH
	KindP2WSHMultiSig
	KindP2TRKey
	KindP2TRScript
	numKinds
)

// AllKinds lists every kind, in order.
var AllKinds = []Kind{KindP2PKH, KindP2SHP2WPKH, KindP2WPKH, KindP2WSHMultiSig, KindP2TRKey, KindP2TRScript}

func (k Kind) String() string {
	return [...]string{"p2pkh", "p2sh-p2wpkh", "p2wpkh", "p2wsh-multisig", "p2tr-key", "p2tr-script"}[k]
}

// Coin is a spendable output the wallet holds.
type Coin struct {
	Op    wire.OutPoint
	Value int64
	Kind  Kind
}

// Wallet holds deterministic regtest keys and signs spends of every Kind
// with txscript's signing helpers. It is not safe for concurrent use.
type Wallet struct {
	Params  *chaincfg.Params
	key     *btcec.PrivateKey    // P2PKH, P2SH-P2WPKH, P2WPKH, P2TR key path.
	multi   [3]*btcec.PrivateKey // 2-of-3 P2WSH.
	leafKey *btcec.PrivateKey    // Signs the tapscript leaf.
	witness []byte               // The 2-of-3 witness script.
	leaf    txscript.TapLeaf
	control []byte
	scripts [numKinds][]byte
}

func keyFrom(seed byte, n byte) *btcec.PrivateKey {
	var b [32]byte
	b[0], b[1], b[31] = seed, n, 1
	k, _ := btcec.PrivKeyFromBytes(b[:])
	return k
}

// NewWallet returns the wallet of seed (different seeds, different keys).
func NewWallet(seed byte) *Wallet {
	w := &Wallet{Params: &chaincfg.RegressionNetParams, key: keyFrom(seed, 1), leafKey: keyFrom(seed, 5)}
	var pubs [][]byte
	for i := range w.multi {
		w.multi[i] = keyFrom(seed, byte(2+i))
		pubs = append(pubs, w.multi[i].PubKey().SerializeCompressed())
	}
	var err error
	if w.witness, err = txscript.MultiSigScript(pubs, 2); err != nil {
		panic(err)
	}
	pub := w.key.PubKey().SerializeCompressed()
	pkh := txscript.Hash160(pub)
	b := func() *txscript.ScriptBuilder { return txscript.NewScriptBuilder() }
	w.scripts[KindP2PKH], _ = b().AddOp(txscript.OP_DUP).AddOp(txscript.OP_HASH160).AddData(pkh).
		AddOp(txscript.OP_EQUALVERIFY).AddOp(txscript.OP_CHECKSIG).Script()
	redeem, _ := b().AddOp(txscript.OP_0).AddData(pkh).Script()
	w.scripts[KindP2SHP2WPKH], _ = b().AddOp(txscript.OP_HASH160).AddData(txscript.Hash160(redeem)).
		AddOp(txscript.OP_EQUAL).Script()
	w.scripts[KindP2WPKH] = redeem
	wsh := chainhash.HashB(w.witness)
	w.scripts[KindP2WSHMultiSig], _ = b().AddOp(txscript.OP_0).AddData(wsh).Script()
	outKey := txscript.ComputeTaprootKeyNoScript(w.key.PubKey())
	w.scripts[KindP2TRKey], _ = b().AddOp(txscript.OP_1).AddData(schnorr.SerializePubKey(outKey)).Script()
	leafScript, _ := b().AddData(schnorr.SerializePubKey(w.leafKey.PubKey())).AddOp(txscript.OP_CHECKSIG).Script()
	w.leaf = txscript.NewBaseTapLeaf(leafScript)
	root := w.leaf.TapHash()
	internal := w.multi[0].PubKey() // Any key: only the script path is used.
	trKey := txscript.ComputeTaprootOutputKey(internal, root[:])
	w.scripts[KindP2TRScript], _ = b().AddOp(txscript.OP_1).AddData(schnorr.SerializePubKey(trKey)).Script()
	cb := txscript.ControlBlock{InternalKey: internal, LeafVersion: txscript.BaseLeafVersion,
		OutputKeyYIsOdd: trKey.SerializeCompressed()[0] == 0x03}
	w.control = cb.ToBytes()
	return w
}

// PkScript returns the output script of kind.
func (w *Wallet) PkScript(k Kind) []byte { return w.scripts[k] }

// Address returns the regtest address of kind.
func (w *Wallet) Address(k Kind) string {
	class, addrs, ok := w.addr(k)
	if !ok {
		panic("no address for " + class)
	}
	return addrs
}

func (w *Wallet) addr(k Kind) (string, string, bool) {
	s := w.scripts[k]
	var a txscript.Address
	var err error
	switch k {
	case KindP2PKH:
		a, err = txscript.NewAddressPubKeyHash(s[3:23], w.Params)
	case KindP2SHP2WPKH:
		a, err = txscript.NewAddressScriptHashFromHash(s[2:22], w.Params)
	case KindP2WPKH:
		a, err = txscript.NewAddressWitnessPubKeyHash(s[2:], w.Params)
	case KindP2WSHMultiSig:
		a, err = txscript.NewAddressWitnessScriptHash(s[2:], w.Params)
	default:
		a, err = txscript.NewAddressTaproot(s[2:], w.Params)
	}
	if err != nil {
		return k.String(), "", false
	}
	return k.String(), a.EncodeAddress(), true
}

// KindOf returns the kind of a wallet output script.
func (w *Wallet) KindOf(pkScript []byte) (Kind, bool) {
	for k, s := range w.scripts {
		if bytes.Equal(s, pkScript) {
			return Kind(k), true
		}
	}
	return 0, false
}

// Build returns an unsigned version-2 transaction spending coins (sequence
// signals replaceability) to outs.
func (w *Wallet) Build(coins []Coin, outs ...*wire.TxOut) *wire.MsgTx {
	tx := wire.NewMsgTx(2)
	for _, c := range coins {
		op := c.Op
		in := wire.NewTxIn(&op, nil, nil)
		in.Sequence = wire.MaxTxInSequenceNum - 2
		tx.AddTxIn(in)
	}
	for _, o := range outs {
		tx.AddTxOut(o)
	}
	return tx
}

// Sign signs every input of tx, input i spending coins[i].
func (w *Wallet) Sign(tx *wire.MsgTx, coins []Coin) error {
	prev := make(map[wire.OutPoint]*wire.TxOut, len(coins))
	for _, c := range coins {
		prev[c.Op] = wire.NewTxOut(c.Value, w.scripts[c.Kind])
	}
	sh := txscript.NewTxSigHashes(tx, txscript.NewMultiPrevOutFetcher(prev))
	all := txscript.SigHashAll
	for i, c := range coins {
		in := tx.TxIn[i]
		s := w.scripts[c.Kind]
		var err error
		switch c.Kind {
		case KindP2PKH:
			in.SignatureScript, err = txscript.SignatureScript(tx, i, s, all, w.key, true)
		case KindP2SHP2WPKH:
			in.SignatureScript, in.Witness, err = txscript.NestedWitnessSignature(tx, sh, i, c.Value, all, w.key)
		case KindP2WPKH:
			in.Witness, err = txscript.WitnessSignature(tx, sh, i, c.Value, s, all, w.key, true)
		case KindP2WSHMultiSig:
			in.Witness, err = txscript.WitnessMultiSigSignature(tx, sh, i, c.Value, w.witness, all,
				[]*btcec.PrivateKey{w.multi[0], w.multi[1]})
		case KindP2TRKey:
			in.Witness, err = txscript.TaprootWitnessSignature(tx, sh, i, c.Value, s, txscript.SigHashDefault, w.key)
		case KindP2TRScript:
			var sig []byte
			sig, err = txscript.RawTxInTapscriptSignature(tx, sh, i, c.Value, s, w.leaf, txscript.SigHashDefault, w.leafKey)
			in.Witness = wire.TxWitness{sig, w.leaf.Script, w.control}
		}
		if err != nil {
			return fmt.Errorf("sign input %d (%v): %w", i, c.Kind, err)
		}
	}
	return nil
}

// Pay builds and signs a transaction spending coins to one output of each
// kind in kinds, sharing the inputs' value less a fee of feeRate sat/vB
// equally. It returns the transaction and the new coins.
func (w *Wallet) Pay(coins []Coin, kinds []Kind, feeRate float64) (*wire.MsgTx, []Coin, error) {
	var in int64
	for _, c := range coins {
		in += c.Value
	}
	outs := make([]*wire.TxOut, len(kinds))
	for i, k := range kinds {
		outs[i] = wire.NewTxOut(0, w.scripts[k])
	}
	fee := int64(0)
	for range 5 {
		each := (in - fee) / int64(len(kinds))
		for _, o := range outs {
			o.Value = each
		}
		tx := w.Build(coins, outs...)
		if err := w.Sign(tx, coins); err != nil {
			return nil, nil, err
		}
		need := int64(math.Ceil(feeRate * float64(tx.VSize())))
		if fee >= need {
			h := tx.TxHash()
			var got []Coin
			for i, o := range tx.TxOut {
				got = append(got, Coin{Op: wire.OutPoint{Hash: h, Index: uint32(i)}, Value: o.Value, Kind: kinds[i]})
			}
			return tx, got, nil
		}
		// Room for rounding and signature lengths (up to 2 bytes an input).
		fee = need + int64(2*len(coins)+len(kinds))
	}
	return nil, nil, fmt.Errorf("fee did not converge")
}

// MustPay is Pay that fails the test on error.
func (w *Wallet) MustPay(t testing.TB, coins []Coin, kinds []Kind, feeRate float64) (*wire.MsgTx, []Coin) {
	t.Helper()
	tx, out, err := w.Pay(coins, kinds, feeRate)
	if err != nil {
		t.Fatal(err)
	}
	return tx, out
}

// TxHex returns the witness serialisation of tx in hex.
func TxHex(tx *wire.MsgTx) string {
	var buf bytes.Buffer
	tx.Serialize(&buf)
	return hex.EncodeToString(buf.Bytes())
}

// SendTx sends tx with sendrawtransaction and returns the RPC error.
func (p *Process) SendTx(tx *wire.MsgTx) error {
	ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
	defer cancel()
	var txid string
	if err := p.Call(ctx, "sendrawtransaction", &txid, TxHex(tx)); err != nil {
		return err
	}
	if want := tx.TxHash().String(); txid != want {
		return fmt.Errorf("sendrawtransaction answered txid %s, want %s", txid, want)
	}
	return nil
}

// MustSendTx is SendTx that fails the test on error.
func (p *Process) MustSendTx(t testing.TB, tx *wire.MsgTx) {
	t.Helper()
	if err := p.SendTx(tx); err != nil {
		t.Fatalf("%s sendrawtransaction %s: %v", p.Name, tx.TxHash(), err)
	}
}

// Height returns getblockcount.
func (p *Process) Height(t testing.TB) int64 {
	t.Helper()
	var h int64
	p.MustCall(t, "getblockcount", &h)
	return h
}

// BestHash returns getbestblockhash.
func (p *Process) BestHash(t testing.TB) string {
	t.Helper()
	var h string
	p.MustCall(t, "getbestblockhash", &h)
	return h
}

// tryBestHash is BestHash that returns "" on error (for polling).
func (p *Process) tryBestHash() string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var h string
	if p.Call(ctx, "getbestblockhash", &h) != nil {
		return ""
	}
	return h
}

// Block returns the block of hash decoded by our wire package (getblock
// with verbosity 0).
func (p *Process) Block(t testing.TB, hash string) *wire.MsgBlock {
	t.Helper()
	var s string
	p.MustCall(t, "getblock", &s, hash, 0)
	raw, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	var b wire.MsgBlock
	if err := b.Deserialize(bytes.NewReader(raw)); err != nil {
		t.Fatalf("decode block %s: %v", hash, err)
	}
	if got := b.BlockHash().String(); got != hash {
		t.Fatalf("block %s decodes to hash %s", hash, got)
	}
	return &b
}

// BlockHashAt returns getblockhash height.
func (p *Process) BlockHashAt(t testing.TB, height int64) string {
	t.Helper()
	var h string
	p.MustCall(t, "getblockhash", &h, height)
	return h
}

// WaitTip waits until every process has tip hash.
func WaitTip(t testing.TB, timeout time.Duration, hash string, ps ...*Process) {
	t.Helper()
	Wait(t, timeout, "tip "+hash, func() bool {
		for _, p := range ps {
			if p.tryBestHash() != hash {
				return false
			}
		}
		return true
	})
}

// UTXOSet is a UTXO set computed by the test from blocks.
type UTXOSet map[wire.OutPoint]*wire.TxOut

// Apply connects block b (at height > 0) to the set.
func (u UTXOSet) Apply(b *wire.MsgBlock) {
	for i, tx := range b.Transactions {
		if i > 0 {
			for _, in := range tx.TxIn {
				delete(u, in.PreviousOutPoint)
			}
		}
		h := tx.TxHash()
		for j, o := range tx.TxOut {
			if len(o.PkScript) > 0 && o.PkScript[0] == txscript.OP_RETURN || len(o.PkScript) > 10000 {
				continue
			}
			u[wire.OutPoint{Hash: h, Index: uint32(j)}] = o
		}
	}
}

// Total returns the count and sum of the set.
func (u UTXOSet) Total() (int64, int64) {
	var sum int64
	for _, o := range u {
		sum += o.Value
	}
	return int64(len(u)), sum
}

// TxOutSetInfo is the part of gettxoutsetinfo the tests read.
type TxOutSetInfo struct {
	Height      int64   `json:"height"`
	BestBlock   string  `json:"bestblock"`
	TxOuts      int64   `json:"txouts"`
	Hash3       string  `json:"hash_serialized_3"`
	HashTernd   string  `json:"hash_serialized_ternd"`
	TotalAmount float64 `json:"total_amount"`
}

// Hash returns the UTXO set hash, whichever name it has.
func (i TxOutSetInfo) Hash() string { return i.Hash3 + i.HashTernd }

// Sats returns total_amount in satoshis.
func (i TxOutSetInfo) Sats() int64 { return int64(math.Round(i.TotalAmount * 1e8)) }

// UTXOInfo returns gettxoutsetinfo.
func (p *Process) UTXOInfo(t testing.TB) TxOutSetInfo {
	t.Helper()
	var out TxOutSetInfo
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.Call(ctx, "gettxoutsetinfo", &out); err != nil {
		t.Fatalf("%s gettxoutsetinfo: %v", p.Name, err)
	}
	return out
}

// CoinbaseCoin returns output 0 of the coinbase of the block at height on
// p, which must pay the wallet.
func (w *Wallet) CoinbaseCoin(t testing.TB, p *Process, height int64) Coin {
	t.Helper()
	b := p.Block(t, p.BlockHashAt(t, height))
	cb := b.Transactions[0]
	k, ok := w.KindOf(cb.TxOut[0].PkScript)
	if !ok {
		t.Fatalf("coinbase at height %d does not pay the wallet", height)
	}
	return Coin{Op: wire.OutPoint{Hash: cb.TxHash(), Index: 0}, Value: cb.TxOut[0].Value, Kind: k}
}

// StartTerndAt starts ternd with its data in dir (a previous ternd's
// Dir, to restart it on its data) on the given addresses ("" for free
// ports).
func StartTerndAt(t testing.TB, dir, p2pAddr, rpcAddr string, extra ...string) *Process {
	t.Helper()
	bin := BuildTernd(t)
	if p2pAddr == "" {
		p2pAddr = fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	}
	if rpcAddr == "" {
		rpcAddr = fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	}
	p := &Process{Name: "ternd", P2PAddr: p2pAddr, RPCAddr: rpcAddr, RPCUser: "u", RPCPass: "p", Dir: dir}
	p.LogFiles = []string{filepath.Join(dir, "logs", "regtest", "ternd.log")}
	args := []string{
		"--regtest", "--datadir=" + filepath.Join(dir, "data"),
		"--logdir=" + filepath.Join(dir, "logs"), "--debuglevel=debug",
		"--listen=" + p.P2PAddr, "--rpclisten=" + p.RPCAddr,
		"--rpcuser=" + p.RPCUser, "--rpcpass=" + p.RPCPass,
	}
	p.start(t, bin, append(args, extra...))
	p.waitReady(t, "getblockcount")
	return p
}

// Kill ends the process with SIGKILL and waits for it.
func (p *Process) Kill() {
	p.stopMu.Lock()
	defer p.stopMu.Unlock()
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Kill()
	<-p.exited
}

// RawMempool returns getrawmempool's txids.
func (p *Process) RawMempool(t testing.TB) []string {
	t.Helper()
	var ids []string
	p.MustCall(t, "getrawmempool", &ids)
	return ids
}

// InMempool reports whether txid is in p's pool.
func (p *Process) InMempool(t testing.TB, txid string) bool {
	t.Helper()
	for _, id := range p.RawMempool(t) {
		if id == txid {
			return true
		}
	}
	return false
}

// rpcCode returns the code of an RPC error (0 when err is not one).
func rpcCode(err error) int {
	if e, ok := err.(*RPCError); ok {
		return e.Code
	}
	return 0
}

// wantReject checks that err is RPC error code whose message contains
// reason.
func wantReject(t testing.TB, what string, err error, code int, reason string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: accepted, want error %d %q", what, code, reason)
	}
	if rpcCode(err) != code || !strings.Contains(err.Error(), reason) {
		t.Fatalf("%s: %v, want error %d %q", what, err, code, reason)
	}
}
