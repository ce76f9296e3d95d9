package rpcserver

import (
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/psbt"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// keysOf returns the sorted member names of a JSON object.
func keysOf(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("not an object: %s", raw)
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestResultShapes checks the member names of the new methods' results
// against the ones Core documents in each method's help (for the cases
// the calls produce).
func TestResultShapes(t *testing.T) {
	e := newHandlerEnv(t, regtestParams(t), nil)
	k, wif := testKey(t, 3)
	pub := hex.EncodeToString(k.PubKey().SerializeCompressed())
	op := wire.OutPoint{Hash: chainhash.Hash{0x61}}
	e.addCoin(op, 100000, e.wallet.PkScript)
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&op, nil, nil))
	tx.AddTxOut(wire.NewTxOut(90000, e.wallet.PkScript))
	p := psbt.New(tx)
	p.SetInput(0, psbt.InWitnessUtxo, nil, psbt.SerializeTxOut(wire.NewTxOut(100000, e.wallet.PkScript)))
	pkh := txscript.PayToPubKeyHashScript(txscript.Hash160(k.PubKey().SerializeCompressed()))
	e.addCoin(wire.OutPoint{Hash: chainhash.Hash{0x62}}, 5000, pkh)

	tests := []struct {
		name   string
		method string
		params []any
		pick   func(json.RawMessage) json.RawMessage // the object to check; nil: the result
		want   string
	}{
		{"validateaddress", "validateaddress", []any{e.wallet.Addr}, nil,
			"address isscript isvalid iswitness scriptPubKey witness_program witness_version"},
		{"validateaddress invalid", "validateaddress", []any{"x"}, nil, "error error_locations isvalid"},
		{"getdescriptorinfo", "getdescriptorinfo", []any{"pkh(" + pub + ")"}, nil,
			"checksum descriptor hasprivatekeys isrange issolvable"},
		{"createmultisig", "createmultisig", []any{1, []string{pub}}, nil, "address descriptor redeemScript"},
		{"signrawtransactionwithkey incomplete", "signrawtransactionwithkey", []any{txHex(tx), []string{wif}}, nil,
			"complete errors hex"},
		{"signrawtransactionwithkey error entry", "signrawtransactionwithkey", []any{txHex(tx), []string{wif}},
			func(r json.RawMessage) json.RawMessage {
				var v struct{ Errors []json.RawMessage }
				json.Unmarshal(r, &v)
				return v.Errors[0]
			}, "error scriptSig sequence txid vout witness"},
		{"decodepsbt", "decodepsbt", []any{p.Base64()}, nil,
			"fee global_xpubs inputs outputs proprietary psbt_version tx unknown"},
		{"decodepsbt witness_utxo", "decodepsbt", []any{p.Base64()}, func(r json.RawMessage) json.RawMessage {
			var v struct {
				Inputs []struct {
					WitnessUtxo json.RawMessage `json:"witness_utxo"`
				}
			}
			json.Unmarshal(r, &v)
			return v.Inputs[0].WitnessUtxo
		}, "amount scriptPubKey"},
		{"analyzepsbt", "analyzepsbt", []any{p.Base64()}, nil, "fee inputs next"},
		{"analyzepsbt input", "analyzepsbt", []any{p.Base64()}, func(r json.RawMessage) json.RawMessage {
			var v struct{ Inputs []json.RawMessage }
			json.Unmarshal(r, &v)
			return v.Inputs[0]
		}, "has_utxo is_final missing next"},
		{"finalizepsbt", "finalizepsbt", []any{p.Base64()}, nil, "complete psbt"},
		{"getchaintxstats", "getchaintxstats", nil, nil,
			"time txcount window_block_count window_final_block_hash window_final_block_height"},
		{"getmemoryinfo", "getmemoryinfo", nil, func(r json.RawMessage) json.RawMessage {
			var v struct{ Locked json.RawMessage }
			json.Unmarshal(r, &v)
			return v.Locked
		}, "chunks_free chunks_used free locked total used"},
		{"waitfornewblock", "waitfornewblock", []any{1}, nil, "hash height"},
		{"getaddrmaninfo", "getaddrmaninfo", nil, nil, "all_networks cjdns i2p ipv4 ipv6 onion"},
		{"getaddrmaninfo network", "getaddrmaninfo", nil, func(r json.RawMessage) json.RawMessage {
			var v map[string]json.RawMessage
			json.Unmarshal(r, &v)
			return v["ipv4"]
		}, "new total tried"},
		{"scantxoutset", "scantxoutset", []any{"start", []string{"pkh(" + pub + ")"}}, nil,
			"bestblock height success total_amount txouts unspents"},
		{"scantxoutset unspent", "scantxoutset", []any{"start", []string{"pkh(" + pub + ")"}}, func(r json.RawMessage) json.RawMessage {
			var v struct{ Unspents []json.RawMessage }
			json.Unmarshal(r, &v)
			return v.Unspents[0]
		}, "amount blockhash coinbase confirmations desc height scriptPubKey txid vout"},
		{"estimaterawfee", "estimaterawfee", []any{2}, func(r json.RawMessage) json.RawMessage {
			var v map[string]json.RawMessage
			json.Unmarshal(r, &v)
			return v["short"]
		}, "decay feerate pass scale"},
		{"estimaterawfee bucket", "estimaterawfee", []any{2}, func(r json.RawMessage) json.RawMessage {
			var v map[string]struct{ Pass json.RawMessage }
			json.Unmarshal(r, &v)
			return v["short"].Pass
		}, "endrange inmempool leftmempool startrange totalconfirmed withintarget"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := e.mustCall(t, nil, tc.method, tc.params...)
			if tc.pick != nil {
				res = tc.pick(res)
			}
			got := strings.Join(keysOf(t, res), " ")
			if got != tc.want {
				t.Fatalf("members %q, want %q", got, tc.want)
			}
		})
	}
}
