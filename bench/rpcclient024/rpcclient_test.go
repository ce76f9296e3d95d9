package rpcclient024

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/rpcclient"
	"github.com/btcsuite/btcd/wire"
	"github.com/tern-org/ternd/itest"
	ternwire "github.com/tern-org/ternd/wire"
)

// TestRPCClient drives ternd with btcd v0.24.2's rpcclient, as lnd and
// other Go clients do: the backend is detected as a current bitcoind
// (BackendVersion reads getnetworkinfo's subversion), getnetworkinfo
// decodes, testmempoolaccept, sendrawtransaction (sent with maxfeerate,
// and with old bitcoind's boolean) and gettxspendingprevout work.
func TestRPCClient(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ternd; skipped with -short")
	}
	// v0.24.2 reads getnetworkinfo's warnings as a string, the shape
	// before Core v28: like Core v30, ternd gives it with
	// -deprecatedrpc=warnings.
	node := itest.StartTernd(t, "--deprecatedrpc=warnings")
	client, err := rpcclient.New(&rpcclient.ConnConfig{Host: node.RPCAddr, User: node.RPCUser,
		Pass: node.RPCPass, HTTPPostMode: true, DisableTLS: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Shutdown()

	ver, err := client.BackendVersion()
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := ver.(*rpcclient.BitcoindVersion); !ok || *v != rpcclient.BitcoindPost25 ||
		!ver.SupportUnifiedSoftForks() || !ver.SupportTestMempoolAccept() || !ver.SupportGetTxSpendingPrevOut() {
		t.Fatalf("BackendVersion %v (%T)", ver, ver)
	}
	info, err := client.GetNetworkInfo()
	if err != nil {
		t.Fatal(err)
	}
	if info.Version != 300000 || !strings.HasPrefix(info.SubVersion, "/Satoshi:30.0.0/ternd:") {
		t.Fatalf("getnetworkinfo version %d subversion %q", info.Version, info.SubVersion)
	}

	w := itest.NewWallet(81)
	var hashes []string
	node.MustCall(t, "generatetoaddress", &hashes, 102, w.Address(itest.KindP2WPKH))
	txs := make([]*wire.MsgTx, 2)
	prevs := make([]wire.OutPoint, 2)
	for i := range txs {
		coin := w.CoinbaseCoin(t, node, int64(i+1))
		tx := w.Build([]itest.Coin{coin}, ternwire.NewTxOut(coin.Value-10000, w.PkScript(itest.KindP2TRKey)))
		if err := w.Sign(tx, []itest.Coin{coin}); err != nil {
			t.Fatal(err)
		}
		txs[i] = btcdTx(t, tx)
		prevs[i] = txs[i].TxIn[0].PreviousOutPoint
	}

	res, err := client.TestMempoolAccept(txs[:1], 0)
	if err != nil || len(res) != 1 || !res[0].Allowed || res[0].Txid != txs[0].TxHash().String() {
		t.Fatalf("testmempoolaccept: %+v %v", res, err)
	}
	txid, err := client.SendRawTransaction(txs[0], false)
	if err != nil || *txid != txs[0].TxHash() {
		t.Fatalf("sendrawtransaction: %v %v", txid, err)
	}
	// Old bitcoind's [hex, allowhighfees] form, which rpcclient sends to a
	// backend it takes for bitcoind before 0.19.
	var buf bytes.Buffer
	if err := txs[1].Serialize(&buf); err != nil {
		t.Fatal(err)
	}
	hexTx, _ := json.Marshal(hex.EncodeToString(buf.Bytes()))
	raw, err := client.RawRequest("sendrawtransaction", []json.RawMessage{hexTx, json.RawMessage("false")})
	if err != nil || string(raw) != `"`+txs[1].TxHash().String()+`"` {
		t.Fatalf("sendrawtransaction [hex, false]: %s %v", raw, err)
	}

	spends, err := client.GetTxSpendingPrevOut(prevs)
	if err != nil || len(spends) != 2 {
		t.Fatalf("gettxspendingprevout: %+v %v", spends, err)
	}
	for i, s := range spends {
		if s.Txid != prevs[i].Hash.String() || s.Vout != prevs[i].Index || s.SpendingTxid != txs[i].TxHash().String() {
			t.Fatalf("gettxspendingprevout %d: %+v", i, s)
		}
	}
}

// btcdTx converts a ternd transaction to btcd's type through its bytes.
func btcdTx(t *testing.T, tx *ternwire.MsgTx) *wire.MsgTx {
	t.Helper()
	var out wire.MsgTx
	if err := out.Deserialize(bytes.NewReader(tx.Bytes())); err != nil {
		t.Fatal(err)
	}
	return &out
}
