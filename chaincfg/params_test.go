package chaincfg

import (
	"bytes"
	"errors"
	"math/big"
	"testing"

	"github.com/tern-org/ternd/wire"
)

// TestGenesisBlocks checks that the genesis blocks, built from their fields,
// hash to the published values, and that their encodings round-trip.
func TestGenesisBlocks(t *testing.T) {
	tests := []struct {
		params *Params
		hash   string
		merkle string
		size   int
	}{
		{&MainNetParams, "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
			"4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b", 285},
		{&TestNet3Params, "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943",
			"4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b", 285},
		{&TestNet4Params, "00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043",
			"7aa0a7ae1e223414cb807e40cd57e667b718e42aaf9306db9102fe28912b7b4e", 0},
		{&SigNetParams, "00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6",
			"4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b", 285},
		{&RegressionNetParams, "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206",
			"4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b", 285},
	}
	for _, tc := range tests {
		p := tc.params
		if got := p.GenesisBlock.BlockHash(); got.String() != tc.hash {
			t.Errorf("%s: genesis hash %s, want %s", p.Name, got, tc.hash)
		}
		if p.GenesisHash.String() != tc.hash {
			t.Errorf("%s: GenesisHash %s", p.Name, p.GenesisHash)
		}
		if got := p.GenesisBlock.Header.MerkleRoot.String(); got != tc.merkle {
			t.Errorf("%s: merkle root %s, want %s", p.Name, got, tc.merkle)
		}
		raw := p.GenesisBlock.Bytes()
		if tc.size != 0 && len(raw) != tc.size {
			t.Errorf("%s: genesis block is %d bytes, want %d", p.Name, len(raw), tc.size)
		}
		var back wire.MsgBlock
		if _, err := back.DeserializeBytes(raw); err != nil || !bytes.Equal(back.Bytes(), raw) {
			t.Errorf("%s: genesis round trip: %v", p.Name, err)
		}
		if p.GenesisBlock.Header.Bits != p.PowLimitBits {
			t.Errorf("%s: genesis bits %x, pow limit bits %x", p.Name,
				p.GenesisBlock.Header.Bits, p.PowLimitBits)
		}
	}
	t.Logf("%d genesis blocks checked", len(tests))
}

// TestPowLimitBits checks that each PowLimitBits is the compact form of
// PowLimit: its mantissa is PowLimit's top three bytes.
func TestPowLimitBits(t *testing.T) {
	for _, p := range allParams {
		mant := int64(p.PowLimitBits & 0x007fffff)
		exp := uint(p.PowLimitBits >> 24)
		top := new(big.Int).Rsh(p.PowLimit, 8*(exp-3))
		if top.Cmp(big.NewInt(mant)) != 0 || p.PowLimit.BitLen() > int(8*exp) {
			t.Errorf("%s: bits %08x do not match PowLimit %x", p.Name, p.PowLimitBits, p.PowLimit)
		}
	}
}

// TestNetworks checks magics, ports, lookups and address prefixes.
func TestNetworks(t *testing.T) {
	tests := []struct {
		name  string
		alias string
		net   wire.BitcoinNet
		port  string
		hrp   string
		pkh   byte
	}{
		{"mainnet", "main", wire.MainNet, "8333", "bc", 0x00},
		{"testnet3", "testnet", wire.TestNet3, "18333", "tb", 0x6f},
		{"testnet4", "TESTNET4", wire.TestNet4, "48333", "tb", 0x6f},
		{"signet", "Signet", wire.SigNet, "38333", "tb", 0x6f},
		{"regtest", "regression", wire.TestNet, "18444", "bcrt", 0x6f},
	}
	for _, tc := range tests {
		for _, name := range []string{tc.name, tc.alias} {
			p, err := ParamsForName(name)
			if err != nil {
				t.Fatalf("ParamsForName(%q): %v", name, err)
			}
			if p.Name != tc.name || p.Net != tc.net || p.DefaultPort != tc.port ||
				p.Bech32HRPSegwit != tc.hrp || p.PubKeyHashAddrID != tc.pkh {
				t.Errorf("%s: unexpected params %+v", name, p)
			}
		}
		p, err := ParamsForNet(tc.net)
		if err != nil || p.Name != tc.name {
			t.Errorf("ParamsForNet(%v) = %v, %v", tc.net, p, err)
		}
		if !IsBech32SegwitPrefix(tc.hrp + "1") {
			t.Errorf("%s prefix not known", tc.hrp)
		}
	}
	if _, err := ParamsForName("nonet"); !errors.Is(err, ErrUnknownNet) {
		t.Errorf("unknown name: %v", err)
	}
	if _, err := ParamsForNet(0x12345678); !errors.Is(err, ErrUnknownNet) {
		t.Errorf("unknown net: %v", err)
	}
	if !RegressionNetParams.PoWNoRetargeting || MainNetParams.PoWNoRetargeting {
		t.Errorf("retargeting flags wrong")
	}
	if !TestNet4Params.EnforceBIP94 || TestNet3Params.EnforceBIP94 {
		t.Errorf("BIP94 flags wrong")
	}
	if RegressionNetParams.SubsidyReductionInterval != 150 ||
		MainNetParams.SubsidyReductionInterval != 210000 {
		t.Errorf("halving intervals wrong")
	}
}

// TestErrorKinds checks that each kind unwraps.
func TestErrorKinds(t *testing.T) {
	for _, k := range []ErrorKind{ErrUnknownNet, ErrInvalidChallenge} {
		err := error(Error{Err: k, Description: "d"})
		if !errors.Is(err, k) || err.Error() != "d" || k.Error() != string(k) {
			t.Errorf("%v does not unwrap", k)
		}
	}
}
