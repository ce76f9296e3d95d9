package itest

// Transaction relay between the ternd binary and btcd, both ways.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"golang.org/x/crypto/ripemd160"

	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// p2wpkhKey is a fixed key with its regtest P2WPKH address and script.
type p2wpkhKey struct {
	key      *btcec.PrivateKey
	address  string
	pkScript []byte
}

func newP2WPKHKey(t *testing.T, seed byte) *p2wpkhKey {
	t.Helper()
	key, _ := btcec.PrivKeyFromBytes(bytes.Repeat([]byte{seed}, 32))
	sum := sha256.Sum256(key.PubKey().SerializeCompressed())
	h := ripemd160.New()
	h.Write(sum[:])
	pkh := h.Sum(nil)
	addr, err := txscript.NewAddressWitnessPubKeyHash(pkh, &chaincfg.RegressionNetParams)
	if err != nil {
		t.Fatal(err)
	}
	return &p2wpkhKey{key: key, address: addr.EncodeAddress(), pkScript: append([]byte{0x00, 0x14}, pkh...)}
}

// spend returns a signed transaction spending output 0 of prev (paying
// k) to k, less fee.
func (k *p2wpkhKey) spend(t *testing.T, prev *wire.MsgTx, fee int64) *wire.MsgTx {
	t.Helper()
	amt := prev.TxOut[0].Value
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Hash: prev.TxHash(), Index: 0},
		Sequence: wire.MaxTxInSequenceNum})
	tx.AddTxOut(&wire.TxOut{Value: amt - fee, PkScript: k.pkScript})
	hashes := txscript.NewTxSigHashes(tx, txscript.NewCannedPrevOutputFetcher(k.pkScript, amt))
	w, err := txscript.WitnessSignature(tx, hashes, 0, amt, k.pkScript, txscript.SigHashAll, k.key, true)
	if err != nil {
		t.Fatal(err)
	}
	tx.TxIn[0].Witness = w
	return tx
}

// coinbaseAt returns the coinbase of p's block at height.
func coinbaseAt(t *testing.T, p *Process, height int) *wire.MsgTx {
	t.Helper()
	var hash, raw string
	p.MustCall(t, "getblockhash", &hash, height)
	p.MustCall(t, "getblock", &raw, hash, 0)
	data, err := hex.DecodeString(raw)
	if err != nil {
		t.Fatal(err)
	}
	var b wire.MsgBlock
	if err := b.Deserialize(bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	return b.Transactions[0]
}

// waitInMempool waits until txid is in p's pool.
func waitInMempool(t *testing.T, p *Process, txid string) {
	t.Helper()
	Wait(t, 30*time.Second, txid+" in "+p.Name+"'s mempool", func() bool {
		var ids []string
		p.MustCall(t, "getrawmempool", &ids)
		for _, id := range ids {
			if id == txid {
				return true
			}
		}
		return false
	})
}

func TestTxRelayTerndBtcd(t *testing.T) {
	needProcesses(t)
	k := newP2WPKHKey(t, 7)
	n := StartTernd(t)
	var hashes []string
	n.MustCall(t, "generatetoaddress", &hashes, 102, k.address)
	b := StartBtcd(t)
	b.AddNode(t, n.P2PAddr, "add")
	waitSameTip(t, 60*time.Second, hashes[len(hashes)-1], b)

	// ternd → btcd: sendrawtransaction on ternd, relayed by txid (btcd
	// sends no wtxidrelay).
	tx1 := k.spend(t, coinbaseAt(t, n, 1), 20000)
	var txid string
	n.MustCall(t, "sendrawtransaction", &txid, hex.EncodeToString(serializeTx(t, tx1)))
	if txid != tx1.TxHash().String() {
		t.Fatalf("txid %s", txid)
	}
	waitInMempool(t, b, txid)

	// btcd → ternd.
	tx2 := k.spend(t, coinbaseAt(t, n, 2), 20000)
	b.MustCall(t, "sendrawtransaction", &txid, hex.EncodeToString(serializeTx(t, tx2)))
	waitInMempool(t, n, tx2.TxHash().String())
}

func serializeTx(t *testing.T, tx *wire.MsgTx) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := tx.Serialize(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
