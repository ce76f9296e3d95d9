package txscript

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/wire"
)

type bip341Vectors struct {
	ScriptPubKey []struct {
		Given struct {
			InternalPubkey string          `json:"internalPubkey"`
			ScriptTree     json.RawMessage `json:"scriptTree"`
		} `json:"given"`
		Intermediary struct {
			LeafHashes    []string `json:"leafHashes"`
			MerkleRoot    *string  `json:"merkleRoot"`
			Tweak         string   `json:"tweak"`
			TweakedPubkey string   `json:"tweakedPubkey"`
		} `json:"intermediary"`
		Expected struct {
			ScriptPubKey            string   `json:"scriptPubKey"`
			Bip350Address           string   `json:"bip350Address"`
			ScriptPathControlBlocks []string `json:"scriptPathControlBlocks"`
		} `json:"expected"`
	} `json:"scriptPubKey"`
	KeyPathSpending []struct {
		Given struct {
			RawUnsignedTx string `json:"rawUnsignedTx"`
			UtxosSpent    []struct {
				ScriptPubKey string `json:"scriptPubKey"`
				AmountSats   int64  `json:"amountSats"`
			} `json:"utxosSpent"`
		} `json:"given"`
		Intermediary struct {
			HashAmounts       string `json:"hashAmounts"`
			HashOutputs       string `json:"hashOutputs"`
			HashPrevouts      string `json:"hashPrevouts"`
			HashScriptPubkeys string `json:"hashScriptPubkeys"`
			HashSequences     string `json:"hashSequences"`
		} `json:"intermediary"`
		InputSpending []struct {
			Given struct {
				TxinIndex       int     `json:"txinIndex"`
				InternalPrivkey string  `json:"internalPrivkey"`
				MerkleRoot      *string `json:"merkleRoot"`
				HashType        int     `json:"hashType"`
			} `json:"given"`
			Intermediary struct {
				InternalPubkey string `json:"internalPubkey"`
				Tweak          string `json:"tweak"`
				TweakedPrivkey string `json:"tweakedPrivkey"`
				SigMsg         string `json:"sigMsg"`
				SigHash        string `json:"sigHash"`
			} `json:"intermediary"`
			Expected struct {
				Witness []string `json:"witness"`
			} `json:"expected"`
		} `json:"inputSpending"`
		Auxiliary struct {
			FullySignedTx string `json:"fullySignedTx"`
		} `json:"auxiliary"`
	} `json:"keyPathSpending"`
}

func loadBIP341(t *testing.T) *bip341Vectors {
	raw, err := os.ReadFile(filepath.Join("testdata", "bip341_wallet_vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v bip341Vectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return &v
}

// walkTree computes leaf hashes (in leaf order) and returns the node hash
// of a BIP341 test script tree; leaves records (script, version, path).
type tapLeafInfo struct {
	script  []byte
	version byte
	path    []byte
}

func walkTree(t *testing.T, raw json.RawMessage, leaves *[]*tapLeafInfo) (chainhash.Hash, []*tapLeafInfo) {
	if len(raw) > 0 && raw[0] == '[' {
		var kids []json.RawMessage
		if err := json.Unmarshal(raw, &kids); err != nil || len(kids) != 2 {
			t.Fatalf("bad tree %s", raw)
		}
		left, leftLeaves := walkTree(t, kids[0], leaves)
		right, rightLeaves := walkTree(t, kids[1], leaves)
		for _, l := range leftLeaves {
			l.path = append(l.path, right[:]...)
		}
		for _, l := range rightLeaves {
			l.path = append(l.path, left[:]...)
		}
		return TapBranchHash(left[:], right[:]), append(leftLeaves, rightLeaves...)
	}
	var leaf struct {
		Script      string `json:"script"`
		LeafVersion byte   `json:"leafVersion"`
	}
	if err := json.Unmarshal(raw, &leaf); err != nil {
		t.Fatal(err)
	}
	info := &tapLeafInfo{script: mustHex(leaf.Script), version: leaf.LeafVersion}
	*leaves = append(*leaves, info)
	return TapLeafHash(info.version, info.script), []*tapLeafInfo{info}
}

// TestBIP341ScriptPubKey runs the scriptPubKey section: leaf hashes, merkle
// root, tweak, output key, script, address and control blocks.
func TestBIP341ScriptPubKey(t *testing.T) {
	v := loadBIP341(t)
	n := 0
	for i, c := range v.ScriptPubKey {
		internal, err := schnorr.ParsePubKey(mustHex(c.Given.InternalPubkey))
		if err != nil {
			t.Fatal(err)
		}
		var root []byte
		var leaves []*tapLeafInfo
		if string(c.Given.ScriptTree) != "null" && len(c.Given.ScriptTree) > 0 {
			r, _ := walkTree(t, c.Given.ScriptTree, &leaves)
			root = r[:]
		}
		for j, l := range leaves {
			h := TapLeafHash(l.version, l.script)
			if hex.EncodeToString(h[:]) != c.Intermediary.LeafHashes[j] {
				t.Errorf("case %d leaf %d: hash mismatch", i, j)
			}
		}
		if (c.Intermediary.MerkleRoot == nil) != (root == nil) ||
			(root != nil && hex.EncodeToString(root) != *c.Intermediary.MerkleRoot) {
			t.Errorf("case %d: merkle root %x", i, root)
		}
		tweak := TapTweakHash(mustHex(c.Given.InternalPubkey), root)
		if hex.EncodeToString(tweak[:]) != c.Intermediary.Tweak {
			t.Errorf("case %d: tweak mismatch", i)
		}
		out := ComputeTaprootOutputKey(internal, root)
		outX := schnorr.SerializePubKey(out)
		if hex.EncodeToString(outX) != c.Intermediary.TweakedPubkey {
			t.Errorf("case %d: tweaked key mismatch", i)
		}
		script := PayToTaprootScript(outX)
		if hex.EncodeToString(script) != c.Expected.ScriptPubKey {
			t.Errorf("case %d: script mismatch", i)
		}
		addr, err := NewAddressTaproot(outX, &chaincfg.MainNetParams)
		if err != nil || addr.EncodeAddress() != c.Expected.Bip350Address {
			t.Errorf("case %d: address %v, want %s", i, addr, c.Expected.Bip350Address)
		}
		for j, l := range leaves {
			cb := ControlBlock{InternalKey: internal, LeafVersion: l.version,
				OutputKeyYIsOdd: out.SerializeCompressed()[0] == 0x03, InclusionProof: l.path}
			b := cb.ToBytes()
			if hex.EncodeToString(b) != c.Expected.ScriptPathControlBlocks[j] {
				t.Errorf("case %d leaf %d: control block %x", i, j, b)
			}
			parsed, err := ParseControlBlock(b)
			if err != nil || !bytes.Equal(parsed.RootHash(l.script), root) {
				t.Errorf("case %d leaf %d: control block root mismatch", i, j)
			}
			if !verifyTaprootCommitment(b, outX, TapLeafHash(l.version, l.script)) {
				t.Errorf("case %d leaf %d: commitment does not verify", i, j)
			}
		}
		n++
	}
	requireCases(t, "bip341_wallet_vectors.json scriptPubKey", n)
}

// TestBIP341KeyPathSpending runs the keyPathSpending section: the
// per-transaction hashes, each input's message, hash and signature, and the
// fully signed transaction through the engine.
func TestBIP341KeyPathSpending(t *testing.T) {
	v := loadBIP341(t)
	n := 0
	for _, c := range v.KeyPathSpending {
		tx := new(wire.MsgTx)
		if err := tx.Deserialize(bytes.NewReader(mustHex(c.Given.RawUnsignedTx))); err != nil {
			t.Fatal(err)
		}
		fetcher := NewMultiPrevOutFetcher(nil)
		for i, u := range c.Given.UtxosSpent {
			fetcher.AddPrevOut(tx.TxIn[i].PreviousOutPoint,
				wire.NewTxOut(u.AmountSats, mustHex(u.ScriptPubKey)))
		}
		sh := NewTxSigHashes(tx, fetcher)
		for name, pair := range map[string][2]string{
			"hashAmounts":       {hex.EncodeToString(sh.HashInputAmountsV1[:]), c.Intermediary.HashAmounts},
			"hashOutputs":       {hex.EncodeToString(sh.HashOutputsV1[:]), c.Intermediary.HashOutputs},
			"hashPrevouts":      {hex.EncodeToString(sh.HashPrevOutsV1[:]), c.Intermediary.HashPrevouts},
			"hashScriptPubkeys": {hex.EncodeToString(sh.HashInputScriptsV1[:]), c.Intermediary.HashScriptPubkeys},
			"hashSequences":     {hex.EncodeToString(sh.HashSequenceV1[:]), c.Intermediary.HashSequences},
		} {
			if pair[0] != pair[1] {
				t.Errorf("%s = %s, want %s", name, pair[0], pair[1])
			}
		}
		for _, in := range c.InputSpending {
			idx := in.Given.TxinIndex
			prev := fetcher.FetchPrevOutput(tx.TxIn[idx].PreviousOutPoint)
			hashType := SigHashType(in.Given.HashType)
			msg, ok := taprootSigMsg(nil, sh, hashType, tx, idx, prev.Value, prev.PkScript,
				&taprootSigHashOpts{})
			if !ok || hex.EncodeToString(msg) != in.Intermediary.SigMsg {
				t.Errorf("input %d: sigMsg %x", idx, msg)
			}
			hash, err := CalcTaprootSignatureHash(sh, hashType, tx, idx, fetcher)
			if err != nil || hex.EncodeToString(hash) != in.Intermediary.SigHash {
				t.Errorf("input %d: sigHash %x (%v)", idx, hash, err)
			}
			priv, _ := btcec.PrivKeyFromBytes(mustHex(in.Given.InternalPrivkey))
			var root []byte
			if in.Given.MerkleRoot != nil {
				root = mustHex(*in.Given.MerkleRoot)
			}
			tweaked := TweakTaprootPrivKey(*priv, root)
			if hex.EncodeToString(tweaked.Serialize()) != in.Intermediary.TweakedPrivkey {
				t.Errorf("input %d: tweaked private key mismatch", idx)
			}
			sig, err := schnorr.Sign(tweaked, hash, schnorr.CustomNonce([32]byte{}))
			if err != nil {
				t.Fatal(err)
			}
			wit := sig.Serialize()
			if hashType != SigHashDefault {
				wit = append(wit, byte(hashType))
			}
			if hex.EncodeToString(wit) != in.Expected.Witness[0] {
				t.Errorf("input %d: witness %x, want %s", idx, wit, in.Expected.Witness[0])
			}
			// The helper (random nonce) must produce a verifying signature.
			helperSig, err := RawTxInTaprootSignature(tx, sh, idx, prev.Value, prev.PkScript,
				root, hashType, priv)
			if err != nil {
				t.Fatal(err)
			}
			helperWit := wire.TxWitness{helperSig}
			signed := tx.Copy()
			signed.TxIn[idx].Witness = helperWit
			vm, err := NewEngine(prev.PkScript, signed, idx, StandardVerifyFlags, nil,
				NewTxSigHashes(signed, fetcher), prev.Value, fetcher)
			if err == nil {
				err = vm.Execute()
			}
			if err != nil {
				t.Errorf("input %d: helper signature fails: %v", idx, err)
			}
			n++
		}
		// The fully signed transaction verifies for its taproot inputs.
		full := new(wire.MsgTx)
		if err := full.Deserialize(bytes.NewReader(mustHex(c.Auxiliary.FullySignedTx))); err != nil {
			t.Fatal(err)
		}
		fullHashes := NewTxSigHashes(full, fetcher)
		for _, in := range c.InputSpending {
			idx := in.Given.TxinIndex
			prev := fetcher.FetchPrevOutput(full.TxIn[idx].PreviousOutPoint)
			vm, err := NewEngine(prev.PkScript, full, idx, StandardVerifyFlags, nil,
				fullHashes, prev.Value, fetcher)
			if err == nil {
				err = vm.Execute()
			}
			if err != nil {
				t.Errorf("fully signed input %d: %v", idx, err)
			}
		}
	}
	requireCases(t, "bip341_wallet_vectors.json keyPathSpending inputs", n)
}
