package rpcserver

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/tern-org/ternd/internal/testwallet"
	"github.com/tern-org/ternd/wire"
)

// loadDecodeScriptVectors reads Core's rpc_decodescript.json and fails when
// it yields no case.
func loadDecodeScriptVectors(t testing.TB) [][2]json.RawMessage {
	t.Helper()
	data, err := os.ReadFile("testdata/rpc_decodescript.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases [][2]json.RawMessage
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("rpc_decodescript.json: no cases")
	}
	return cases
}

// TestDecodeScriptVectors checks decodescript against Core's functional
// test data (asm, address, descriptor with checksum, type, p2sh, segwit).
func TestDecodeScriptVectors(t *testing.T) {
	cases := loadDecodeScriptVectors(t)
	t.Logf("%d decodescript cases", len(cases))
	s := &Server{cfg: Config{ChainParams: regtestParams(t)}}
	for _, c := range cases {
		var script string
		if err := json.Unmarshal(c[0], &script); err != nil {
			t.Fatal(err)
		}
		var want, got map[string]any
		if err := json.Unmarshal(c[1], &want); err != nil {
			t.Fatal(err)
		}
		res, err := s.handleDecodeScript(t.Context(), []json.RawMessage{json.RawMessage(`"` + script + `"`)})
		if err != nil {
			t.Fatalf("%s: %v", script, err)
		}
		b, _ := json.Marshal(res)
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		wantJSON, _ := json.Marshal(want)
		gotJSON, _ := json.Marshal(got)
		if string(wantJSON) != string(gotJSON) {
			t.Errorf("%s:\n got %s\nwant %s", script, gotJSON, wantJSON)
		}
	}
}

// TestAmountJSON checks Core's eight-decimal amounts both ways.
func TestAmountJSON(t *testing.T) {
	for _, c := range []struct {
		sat  int64
		want string
	}{
		{0, "0.00000000"}, {1, "0.00000001"}, {5000000000, "50.00000000"},
		{-12345, "-0.00012345"}, {2100000000000000, "21000000.00000000"},
	} {
		b, _ := json.Marshal(amount(c.sat))
		if string(b) != c.want {
			t.Errorf("%d: %s, want %s", c.sat, b, c.want)
		}
	}
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{`0.1`, 10000000, true}, {`"0.10"`, 10000000, true}, {`1`, 100000000, true},
		{`0.00000001`, 1, true}, {`1e-8`, 1, true}, {`0`, 0, true},
		{`0.000000001`, 0, false}, {`-1`, 0, false}, {`"x"`, 0, false}, {`true`, 0, false},
		{`{}`, 0, false}, {`1e30`, 0, false}, {`21000000`, 2100000000000000, true},
		{`21000000.00000001`, 0, false},
	} {
		v, err := parseAmount(json.RawMessage(c.in))
		if (err == nil) != c.ok || (c.ok && v != c.want) {
			t.Errorf("%s: %d %v", c.in, v, err)
		}
	}
}

// TestDescriptorChecksum checks BIP380 checksums from Core's data.
func TestDescriptorChecksum(t *testing.T) {
	for _, c := range []struct{ desc, want string }{
		{"raw(6a00)", "raw(6a00)#ncfmkl43"},
		{"addr(2NF2b3KS8xXb9XHvbRMXdZh8s5g92rUZHtp)", "addr(2NF2b3KS8xXb9XHvbRMXdZh8s5g92rUZHtp)#ywfcpmh9"},
		{"raw(ba)", "raw(ba)#yy0eg44l"},
		{"bad\x01char", "bad\x01char"},
	} {
		if got := addDescriptorChecksum(c.desc); got != c.want {
			t.Errorf("%q: %q, want %q", c.desc, got, c.want)
		}
	}
}

// TestDecodeRawTransaction checks the TxToUniv shape of a signed spend and
// of a coinbase.
func TestDecodeRawTransaction(t *testing.T) {
	s := &Server{cfg: Config{ChainParams: regtestParams(t)}}
	w := testwallet.MustNew(t, 3, regtestParams(t))
	tx := w.MustSign(t, 2, []testwallet.PrevOut{{OutPoint: wire.OutPoint{Index: 1}, Value: 1000}},
		[]*wire.TxOut{{Value: 900, PkScript: w.PkScript}}, 7)
	res, err := s.handleDecodeRawTransaction(t.Context(), []json.RawMessage{json.RawMessage(`"` + txHex(tx) + `"`)})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Txid  string `json:"txid"`
		Hash  string `json:"hash"`
		VSize int64  `json:"vsize"`
		Vin   []struct {
			Txid        string   `json:"txid"`
			Vout        *uint32  `json:"vout"`
			TxInWitness []string `json:"txinwitness"`
			Sequence    uint32   `json:"sequence"`
		} `json:"vin"`
		Vout []struct {
			Value        float64 `json:"value"`
			ScriptPubKey struct {
				Address string `json:"address"`
			} `json:"scriptPubKey"`
		} `json:"vout"`
		Hex string `json:"hex"`
	}
	b, _ := json.Marshal(res)
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Txid != tx.TxHash().String() || got.Hash != tx.WitnessHash().String() || got.VSize != tx.VSize() ||
		got.Vin[0].Vout == nil || *got.Vin[0].Vout != 1 || len(got.Vin[0].TxInWitness) != 2 ||
		got.Vin[0].Sequence != 7 || got.Vout[0].Value != 0.000009 || got.Vout[0].ScriptPubKey.Address != w.Addr ||
		got.Hex != "" {
		t.Fatalf("decoderawtransaction: %s", b)
	}
	// A coinbase shows its script as "coinbase".
	cb := regtestParams(t).GenesisBlock.Transactions[0]
	res, err = s.handleDecodeRawTransaction(t.Context(), []json.RawMessage{json.RawMessage(`"` + txHex(cb) + `"`)})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(res)
	var cbGot struct {
		Vin []map[string]any `json:"vin"`
	}
	_ = json.Unmarshal(b, &cbGot)
	if _, ok := cbGot.Vin[0]["coinbase"]; !ok || cbGot.Vin[0]["txid"] != nil {
		t.Fatalf("coinbase vin: %s", b)
	}
}

// FuzzDecodeTx feeds arbitrary hex to the transaction decoder and the
// TxToUniv renderer: they must never panic.
func FuzzDecodeTx(f *testing.F) {
	w := testwallet.MustNew(f, 5, regtestParams(f))
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(&wire.TxIn{Witness: wire.TxWitness{{1, 2}}})
	tx.AddTxOut(&wire.TxOut{Value: 1, PkScript: w.PkScript})
	f.Add(txHex(tx))
	f.Add(hex.EncodeToString(tx.BytesNoWitness()))
	f.Add("00")
	params := regtestParams(nil)
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 1<<16 {
			return
		}
		if tx, ok := decodeTx(s, true, true); ok {
			_, _ = json.Marshal(newTxJSON(tx, params, true))
		}
	})
}

// FuzzScriptJSON renders arbitrary scripts as decodescript does.
func FuzzScriptJSON(f *testing.F) {
	for _, c := range loadDecodeScriptVectors(f) {
		var script string
		_ = json.Unmarshal(c[0], &script)
		b, _ := hex.DecodeString(script)
		f.Add(b)
	}
	s := &Server{cfg: Config{ChainParams: regtestParams(nil)}}
	f.Fuzz(func(t *testing.T, script []byte) {
		_ = newScriptPubKeyJSON(script, s.cfg.ChainParams)
		_, _ = s.handleDecodeScript(t.Context(),
			[]json.RawMessage{json.RawMessage(`"` + hex.EncodeToString(script) + `"`)})
	})
}

// FuzzParseAmount checks the amount parser never panics and round-trips.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"0.1", `"1.5"`, "1e-8", "-1", "21000000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseAmount(json.RawMessage(s))
		if err != nil {
			return
		}
		b, _ := json.Marshal(amount(v))
		if v2, err := parseAmount(b); err != nil || v2 != v {
			t.Fatalf("%q -> %d -> %s -> %d %v", s, v, b, v2, err)
		}
	})
}

// TestStringParam checks the string parameter fast path against
// rpcjson.UnmarshalParam: plain strings are taken as they are, escaped
// ones are decoded, other types keep Core's type error, absent ones
// report absence.
func TestStringParam(t *testing.T) {
	tests := []struct {
		name    string
		params  []json.RawMessage
		want    string
		present bool
		wantErr bool
	}{
		{"plain", []json.RawMessage{json.RawMessage(`"00ff"`)}, "00ff", true, false},
		{"empty", []json.RawMessage{json.RawMessage(`""`)}, "", true, false},
		{"escaped", []json.RawMessage{json.RawMessage(`"a\u0062\"c"`)}, `ab"c`, true, false},
		{"number", []json.RawMessage{json.RawMessage(`12`)}, "", false, true},
		{"null", []json.RawMessage{json.RawMessage(`null`)}, "", false, false},
		{"absent", nil, "", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			present, err := stringParam(tc.params, 0, "hexstring", &got)
			if (err != nil) != tc.wantErr || present != tc.present || got != tc.want {
				t.Fatalf("got %q %v %v", got, present, err)
			}
			if tc.wantErr && !strings.Contains(err.Error(), "hexstring") {
				t.Fatalf("error %v", err)
			}
		})
	}
}
