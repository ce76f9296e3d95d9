package blockchain

import (
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// TestSignedWitnessSpend connects a block spending a P2WPKH output with a
// real signature (checked by txscript), and rejects one whose signature
// commits to another amount.
func TestSignedWitnessSpend(t *testing.T) {
	h := newHarness(t)
	base := h.extend(101)
	key, err := btcec.NewPrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	pub := key.PubKey().SerializeCompressed()
	pkh := txscript.Hash160(pub)
	p2wpkh := append([]byte{txscript.OP_0, 0x14}, pkh...)
	// Fund the P2WPKH output.
	fund := spendTx([]wire.OutPoint{coinbaseOut(base[0])}, 50*SatoshiPerBitcoin, 0, 1)
	fund.TxOut[0].PkScript = p2wpkh
	amount := fund.TxOut[0].Value
	h.mustProcess(h.makeBlock(h.tipNode(), []*wire.MsgTx{fund}, blockOpts{}))

	sign := func(signAmount int64) *wire.MsgTx {
		tx := spendTx([]wire.OutPoint{{Hash: fund.TxHash()}}, amount, 1000, 1)
		scriptCode := append([]byte{0x76, 0xa9, 0x14}, append(append([]byte{}, pkh...), 0x88, 0xac)...)
		hash, err := txscript.CalcWitnessSigHash(scriptCode, nil, txscript.SigHashAll, tx, 0, signAmount)
		if err != nil {
			t.Fatal(err)
		}
		sig := append(ecdsa.Sign(key, hash).Serialize(), byte(txscript.SigHashAll))
		tx.TxIn[0].Witness = wire.TxWitness{sig, pub}
		return tx
	}
	bad := sign(amount - 1)
	blk := h.makeBlock(h.tipNode(), []*wire.MsgTx{bad}, blockOpts{fees: 1000, mutate: addWitnessCommitment})
	_, _, err = h.chain.ProcessBlock(blk, BFNone)
	expectKind(t, "wrong amount signed", err, ErrScriptValidation)
	if r := RejectReason(err); !strings.HasPrefix(r, "mandatory-script-verify-flag-failed (") {
		t.Fatalf("reject reason %q", r)
	}
	t.Logf("reject reason: %s", RejectReason(err))

	good := sign(amount)
	blk = h.makeBlock(h.tipNode(), []*wire.MsgTx{good}, blockOpts{fees: 1000, mutate: addWitnessCommitment})
	if !h.mustProcess(blk) {
		t.Fatal("signed spend not connected")
	}
	if e, _ := h.chain.FetchUtxoEntry(wire.OutPoint{Hash: fund.TxHash()}); e != nil {
		t.Fatal("P2WPKH output still unspent")
	}
}

// TestScriptFlags checks the flags by height and the txscript mapping.
func TestScriptFlags(t *testing.T) {
	p := regtestParams()
	p.BIP0066Height, p.BIP0065Height, p.CSVHeight, p.SegwitHeight = 10, 20, 30, 40
	b := &BlockChain{params: p}
	var zero [32]byte
	h := zero
	all := ScriptP2SH | ScriptWitness | ScriptTaproot
	tests := []struct {
		height int32
		want   ScriptFlags
	}{
		{1, all},
		{10, all | ScriptDERSig},
		{20, all | ScriptDERSig | ScriptCLTV},
		{30, all | ScriptDERSig | ScriptCLTV | ScriptCSV},
		{40, all | ScriptDERSig | ScriptCLTV | ScriptCSV | ScriptNullDummy},
	}
	for _, tc := range tests {
		if got := b.scriptFlagsFor(tc.height, (*chainhashT)(&h)); got != tc.want {
			t.Errorf("height %d: %s, want %s", tc.height, got, tc.want)
		}
	}
	full := ScriptP2SH | ScriptDERSig | ScriptCLTV | ScriptCSV | ScriptWitness | ScriptNullDummy | ScriptTaproot
	if got := txscriptFlags(full); got != txscript.MandatoryVerifyFlags {
		t.Errorf("mapped flags %v, want txscript.MandatoryVerifyFlags %v", got, txscript.MandatoryVerifyFlags)
	}
	// The mainnet BIP16 exception block gets no flags.
	mb := &BlockChain{params: mainParams()}
	ex := mustHash("00000000000002dc756eebf4f49723ed8d30cc28a5f108eb94b1ba88ac4f9c22")
	if got := mb.scriptFlagsFor(170060, &ex); got != 0 {
		t.Errorf("BIP16 exception: %s", got)
	}
}

// chainhashT shortens the hash type in tables.
type chainhashT = chainhash.Hash

// mainParams returns a copy of the mainnet parameters.
func mainParams() *chaincfg.Params {
	p := chaincfg.MainNetParams
	return &p
}
