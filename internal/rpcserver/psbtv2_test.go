package rpcserver

import (
	"encoding/base64"
	"encoding/hex"
	"testing"
)

// psbtV2Hex is BIP370's "1 input, 2 output updated PSBTv2, with all
// PSBTv2 fields" test vector (BSD-2-Clause, see psbt/testdata).
const psbtV2Hex = "70736274ff010204020000000103040000000001040101010501020106010701fb0402000000000100520200000001c1aa256e214b96a1822f93de42bff3b5f3ff8d0519306e3515d7515a5e805b120000000000ffffffff0118c69a3b00000000160014b0a3af144208412693ca7d166852b52db0aef06e0000000001011f18c69a3b00000000160014b0a3af144208412693ca7d166852b52db0aef06e010e200b0ad921419c1c8719735d72dc739f9ea9e0638d1fe4c1eef0f9944084815fc8010f0400000000011004feffffff0111048c8dc4620112041027000000220202d601f84846a6755f776be00e3d9de8fb10acc935fb83c45fb0162d4cad5ab79218f69d873e540000800100008000000080000000002a0000000103080008af2f000000000104160014c430f64c4756da310dbd1a085572ef299926272c00220202e36fbff53dd534070cf8fd396614680f357a9b85db7340bf1cfa745d2ad7b34018f69d873e54000080010000800000008001000000640000000103088bbdeb0b0000000001041600144dd193ac964a56ac1b9e1cca8454fe2f474f851300"

// TestDecodePSBTV2 checks decodepsbt on a version 2 PSBT: the version,
// the transaction built from the fields and the v2 input and output
// fields.
func TestDecodePSBTV2(t *testing.T) {
	e := newHandlerEnv(t, regtestParams(t), nil)
	raw, _ := hex.DecodeString(psbtV2Hex)
	var r struct {
		PSBTVersion int `json:"psbt_version"`
		Tx          struct {
			Version int `json:"version"`
			Vin     []struct {
				Txid string `json:"txid"`
			} `json:"vin"`
			Vout []any `json:"vout"`
		} `json:"tx"`
		Inputs []struct {
			PreviousTxid   string  `json:"previous_txid"`
			PreviousVout   *uint32 `json:"previous_vout"`
			Sequence       *uint32 `json:"sequence"`
			TimeLocktime   *uint32 `json:"time_locktime"`
			HeightLocktime *uint32 `json:"height_locktime"`
		} `json:"inputs"`
		Outputs []struct {
			Amount *float64 `json:"amount"`
			Script *struct {
				Hex string `json:"hex"`
			} `json:"script"`
		} `json:"outputs"`
	}
	e.mustCall(t, &r, "decodepsbt", base64.StdEncoding.EncodeToString(raw))
	if r.PSBTVersion != 2 || r.Tx.Version != 2 || len(r.Tx.Vin) != 1 || len(r.Tx.Vout) != 2 {
		t.Fatalf("decodepsbt v2 = %+v", r)
	}
	in := r.Inputs[0]
	if in.PreviousTxid != r.Tx.Vin[0].Txid || in.PreviousVout == nil || in.Sequence == nil ||
		in.TimeLocktime == nil || in.HeightLocktime == nil {
		t.Fatalf("v2 input fields: %+v", in)
	}
	for i, o := range r.Outputs {
		if o.Amount == nil || o.Script == nil || o.Script.Hex == "" {
			t.Fatalf("v2 output %d fields: %+v", i, o)
		}
	}
}
