package txscript

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tern-org/ternd/chaincfg"
)

func keyIOParams(t *testing.T, chain string) *chaincfg.Params {
	switch chain {
	case "main":
		return &chaincfg.MainNetParams
	case "testnet4":
		return &chaincfg.TestNet4Params
	case "testnet":
		return &chaincfg.TestNet3Params
	case "signet":
		return &chaincfg.SigNetParams
	case "regtest":
		return &chaincfg.RegressionNetParams
	}
	t.Fatalf("unknown chain %q", chain)
	return nil
}

func flipCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = c - 32
		case c >= 'A' && c <= 'Z':
			b[i] = c + 32
		}
	}
	return string(b)
}

// TestKeyIOValid runs key_io_valid.json: addresses decode to their script
// and encode back; WIF keys decode; neither decodes as the other.
func TestKeyIOValid(t *testing.T) {
	n := 0
	for i, row := range loadJSONRows(t, "key_io_valid.json") {
		var str, payloadHex string
		var meta struct {
			Chain        string `json:"chain"`
			IsPrivkey    bool   `json:"isPrivkey"`
			IsCompressed bool   `json:"isCompressed"`
			TryCaseFlip  bool   `json:"tryCaseFlip"`
		}
		if err := json.Unmarshal(row[0], &str); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(row[1], &payloadHex); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(row[2], &meta); err != nil {
			t.Fatal(err)
		}
		params := keyIOParams(t, meta.Chain)
		payload := mustHex(payloadHex)
		if meta.IsPrivkey {
			priv, compressed, err := DecodeWIF(str, params)
			if err != nil {
				t.Errorf("row %d: DecodeWIF(%s): %v", i, str, err)
				continue
			}
			if !bytes.Equal(priv.Serialize(), payload) || compressed != meta.IsCompressed {
				t.Errorf("row %d: WIF payload mismatch", i)
			}
			if EncodeWIF(priv, compressed, params) != str {
				t.Errorf("row %d: WIF does not re-encode", i)
			}
			if _, err := DecodeAddress(str, params); err == nil {
				t.Errorf("row %d: private key decodes as an address", i)
			}
			n++
			continue
		}
		addr, err := DecodeAddress(str, params)
		if err != nil {
			t.Errorf("row %d: DecodeAddress(%s): %v", i, str, err)
			continue
		}
		script, err := PayToAddrScript(addr)
		if err != nil || !bytes.Equal(script, payload) {
			t.Errorf("row %d: script %x, want %x (%v)", i, script, payload, err)
		}
		if !addr.IsForNet(params) {
			t.Errorf("row %d: IsForNet false", i)
		}
		_, addrs, _, err := ExtractPkScriptAddrs(payload, params)
		if err != nil || len(addrs) != 1 || addrs[0].EncodeAddress() != str {
			t.Errorf("row %d: script does not encode back to %s: %v %v", i, str, addrs, err)
		}
		flipped := flipCase(str)
		_, err = DecodeAddress(flipped, params)
		if meta.TryCaseFlip && err != nil {
			t.Errorf("row %d: case-flipped address fails: %v", i, err)
		}
		if !meta.TryCaseFlip && err == nil && flipped != str {
			t.Errorf("row %d: case-flipped base58 address decodes", i)
		}
		if _, _, err := DecodeWIF(str, params); err == nil {
			t.Errorf("row %d: address decodes as a private key", i)
		}
		n++
	}
	requireCases(t, "key_io_valid.json", n)
}

// TestKeyIOInvalid runs key_io_invalid.json on every network.
func TestKeyIOInvalid(t *testing.T) {
	n := 0
	nets := []*chaincfg.Params{&chaincfg.MainNetParams, &chaincfg.TestNet3Params,
		&chaincfg.SigNetParams, &chaincfg.RegressionNetParams}
	for i, row := range loadJSONRows(t, "key_io_invalid.json") {
		var str string
		if err := json.Unmarshal(row[0], &str); err != nil {
			t.Fatal(err)
		}
		for _, p := range nets {
			if a, err := DecodeAddress(str, p); err == nil {
				t.Errorf("row %d: %q decodes as %v on %s", i, str, a, p.Name)
			}
			if _, _, err := DecodeWIF(str, p); err == nil {
				t.Errorf("row %d: %q decodes as a key on %s", i, str, p.Name)
			}
		}
		n++
	}
	requireCases(t, "key_io_invalid.json", n)
}

// TestBase58Vectors runs base58_encode_decode.json both ways.
func TestBase58Vectors(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "base58_encode_decode.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rows [][2]string
	if err := json.Unmarshal(raw, &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		b := mustHex(r[0])
		if got := Base58Encode(b); got != r[1] {
			t.Errorf("encode %s = %s, want %s", r[0], got, r[1])
		}
		dec, ok := Base58Decode(r[1])
		if !ok || !bytes.Equal(dec, b) {
			t.Errorf("decode %s = %x, want %s", r[1], dec, r[0])
		}
	}
	if _, ok := Base58Decode("0OIl"); ok {
		t.Error("invalid characters decoded")
	}
	requireCases(t, "base58_encode_decode.json", len(rows))
}

// FuzzDecodeAddress checks that address and key decoding never panic and
// that decoded addresses round-trip.
func FuzzDecodeAddress(f *testing.F) {
	for _, s := range []string{"1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo",
		"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
		"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range []*chaincfg.Params{&chaincfg.MainNetParams, &chaincfg.RegressionNetParams} {
			a, err := DecodeAddress(s, p)
			if err == nil {
				if !strings.EqualFold(a.EncodeAddress(), s) {
					t.Fatalf("%q re-encodes as %q", s, a.EncodeAddress())
				}
				if _, err := PayToAddrScript(a); err != nil {
					t.Fatal(err)
				}
			}
			DecodeWIF(s, p)
		}
	})
}

var _ = hex.EncodeToString
