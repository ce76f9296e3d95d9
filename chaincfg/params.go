package chaincfg

import (
	"encoding/binary"
	"math/big"
	"strings"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// DNSSeed is a DNS seed host. HasFiltering tells whether it supports
// service-bit filtering through "x<hex>." subdomains.
type DNSSeed struct {
	Host         string
	HasFiltering bool
}

// String returns the seed's host.
func (d DNSSeed) String() string {
	return d.Host
}

// Checkpoint is a known good block at a height.
type Checkpoint struct {
	Height int32
	Hash   *chainhash.Hash
}

// ScriptFlagException names a historical block that Bitcoin Core validates
// with fewer script flags than the rest of its chain: VerifyP2SH and
// VerifyWitness tell which of P2SH, WITNESS (and, when both are set, not
// TAPROOT) apply to it.
type ScriptFlagException struct {
	Hash          *chainhash.Hash
	VerifyP2SH    bool
	VerifyWitness bool
}

// Params describes a Bitcoin network. Values are shared: treat them as
// read-only.
type Params struct {
	// Name is the network's name as used by ParamsForName.
	Name string

	// Net is the message magic.
	Net wire.BitcoinNet

	// DefaultPort is the default peer-to-peer port.
	DefaultPort string

	// RPCPort is Bitcoin Core's default JSON-RPC port for the network.
	RPCPort string

	// DNSSeeds are the DNS seeds, in Bitcoin Core's order.
	DNSSeeds []DNSSeed

	// GenesisBlock is the first block; GenesisHash its hash.
	GenesisBlock *wire.MsgBlock
	GenesisHash  *chainhash.Hash

	// PowLimit is the highest (easiest) allowed target and PowLimitBits
	// its compact form.
	PowLimit     *big.Int
	PowLimitBits uint32

	// BIP0034Height, BIP0065Height, BIP0066Height, CSVHeight and
	// SegwitHeight are the heights from which the buried deployments apply
	// (0 or 1: from the start).
	BIP0034Height int32
	BIP0034Hash   *chainhash.Hash
	BIP0065Height int32
	BIP0066Height int32
	CSVHeight     int32
	SegwitHeight  int32

	// TaprootHeight is the height from which taproot is active. Bitcoin
	// Core applies the P2SH, WITNESS and TAPROOT script flags to every
	// block except those in ScriptFlagExceptions, which is equivalent on
	// the real chains; 0 means always active.
	TaprootHeight int32

	// Deployments are the version-bits deployments as Core defines them
	// (getdeploymentinfo).
	Deployments []BIP9Deployment

	// ScriptFlagExceptions are the blocks validated with fewer script
	// flags (the BIP16 exception and the mainnet taproot exception). BIP16
	// (P2SH) has no height: as in Bitcoin Core it applies to every block
	// but these.
	ScriptFlagExceptions []ScriptFlagException

	// CoinbaseMaturity is the depth a coinbase output needs before it can
	// be spent.
	CoinbaseMaturity uint16

	// SubsidyReductionInterval is the halving interval in blocks.
	SubsidyReductionInterval int32

	// TargetTimespan is the retarget period, TargetTimePerBlock the block
	// interval and RetargetAdjustmentFactor the largest factor by which the
	// target may change at a retarget.
	TargetTimespan           time.Duration
	TargetTimePerBlock       time.Duration
	RetargetAdjustmentFactor int64

	// PoWNoRetargeting keeps the target constant (regtest).
	PoWNoRetargeting bool

	// ReduceMinDifficulty allows a block at PowLimitBits when its time is
	// more than MinDiffReductionTime after its parent's (testnet's rule).
	ReduceMinDifficulty  bool
	MinDiffReductionTime time.Duration

	// EnforceBIP94 turns on BIP94 (testnet4): retargets start from the
	// first block of the period rather than a min-difficulty block, and
	// the timewarp rule limits the first block's time of a period.
	EnforceBIP94 bool

	// SignetChallenge is the block challenge script of a signet, nil
	// elsewhere.
	SignetChallenge []byte

	// GenerateSupported tells whether getblocktemplate-free mining (the
	// generate RPCs) is allowed: regtest only.
	GenerateSupported bool

	// RelayNonStdTxs makes the mempool accept non-standard transactions
	// by default (test networks, as in Bitcoin Core's -acceptnonstdtxn).
	RelayNonStdTxs bool

	// Checkpoints are known good blocks, oldest first.
	Checkpoints []Checkpoint

	// MinimumChainWork is Bitcoin Core's nMinimumChainWork: the chain
	// work of a recent main chain, below which a node stays in initial
	// block download and refuses unrequested blocks (nil or zero: none).
	MinimumChainWork *big.Int

	// Bech32HRPSegwit is the human-readable part of segwit addresses.
	Bech32HRPSegwit string

	// PubKeyHashAddrID, ScriptHashAddrID and PrivateKeyID are the base58
	// version bytes of P2PKH and P2SH addresses and WIF keys.
	PubKeyHashAddrID byte
	ScriptHashAddrID byte
	PrivateKeyID     byte

	// HDPrivateKeyID and HDPublicKeyID are the BIP32 extended key
	// versions; HDCoinType is the BIP44 coin type.
	HDPrivateKeyID [4]byte
	HDPublicKeyID  [4]byte
	HDCoinType     uint32
}

// Proof-of-work limits.
var (
	bigOne = big.NewInt(1)

	// mainPowLimit is 2^224-1, the limit of mainnet, testnet3 and testnet4.
	mainPowLimit = new(big.Int).Sub(new(big.Int).Lsh(bigOne, 224), bigOne)

	// sigNetPowLimit is 0x00000377ae followed by zeros.
	sigNetPowLimit = new(big.Int).SetBytes(mustHex(
		"00000377ae000000000000000000000000000000000000000000000000000000"))

	// regressionPowLimit is 0x7fffff followed by zeros.
	regressionPowLimit = new(big.Int).SetBytes(mustHex(
		"7fffff0000000000000000000000000000000000000000000000000000000000"))
)

// DefaultSignetChallenge is the 1-of-2 multisig challenge of the default
// signet.
var DefaultSignetChallenge = mustHex("512103ad5e0edad18cb1f0fc0d28a3d4f1f3e445640337489abb10404f2d1e" +
	"086be430210359ef5021964fe22d6f8e05b2463c9540ce96883fe3b278760f048f5189f2e6c452ae")

// DefaultSignetDNSSeeds are the DNS seeds of the default signet.
var DefaultSignetDNSSeeds = []DNSSeed{
	{"seed.signet.bitcoin.sprovoost.nl", true},
	{"seed.signet.achownodes.xyz", true},
}

// mainnetAddrs sets the mainnet address encodings.
func mainnetAddrs(p *Params) {
	p.Bech32HRPSegwit = "bc"
	p.PubKeyHashAddrID = 0x00
	p.ScriptHashAddrID = 0x05
	p.PrivateKeyID = 0x80
	p.HDPrivateKeyID = [4]byte{0x04, 0x88, 0xad, 0xe4}
	p.HDPublicKeyID = [4]byte{0x04, 0x88, 0xb2, 0x1e}
	p.HDCoinType = 0
}

// testnetAddrs sets the address encodings shared by the test networks,
// with hrp for segwit addresses.
func testnetAddrs(p *Params, hrp string) {
	p.Bech32HRPSegwit = hrp
	p.PubKeyHashAddrID = 0x6f
	p.ScriptHashAddrID = 0xc4
	p.PrivateKeyID = 0xef
	p.HDPrivateKeyID = [4]byte{0x04, 0x35, 0x83, 0x94}
	p.HDPublicKeyID = [4]byte{0x04, 0x35, 0x87, 0xcf}
	p.HDCoinType = 1
}

// withRetarget sets the two-week retarget rules shared by every network.
func withRetarget(p *Params) *Params {
	p.TargetTimespan = 14 * 24 * time.Hour
	p.TargetTimePerBlock = 10 * time.Minute
	p.RetargetAdjustmentFactor = 4
	p.SubsidyReductionInterval = 210000
	p.CoinbaseMaturity = 100
	return p
}

// MainNetParams are the parameters of the main network.
var MainNetParams = func() Params {
	p := Params{
		Name:        "mainnet",
		Net:         wire.MainNet,
		DefaultPort: "8333",
		RPCPort:     "8332",
		DNSSeeds: []DNSSeed{
			{"seed.bitcoin.sipa.be", true},
			{"dnsseed.bluematt.me", false},
			{"seed.bitcoin.jonasschnelli.ch", true},
			{"seed.btc.petertodd.net", true},
			{"seed.bitcoin.sprovoost.nl", true},
			{"dnsseed.emzy.de", true},
			{"seed.bitcoin.wiz.biz", true},
			{"seed.mainnet.achownodes.xyz", true},
		},
		GenesisBlock:  genesisBlockMain,
		GenesisHash:   &genesisHashMain,
		PowLimit:      mainPowLimit,
		PowLimitBits:  0x1d00ffff,
		BIP0034Height: 227931,
		BIP0034Hash:   newHashFromStr("000000000000024b89b42a942fe0d9fea3bb44ab7bd1b19115dd6a759c0808b8"),
		BIP0065Height: 388381,
		BIP0066Height: 363725,
		CSVHeight:     419328,
		SegwitHeight:  481824,
		TaprootHeight: 709632,
		ScriptFlagExceptions: []ScriptFlagException{
			{Hash: newHashFromStr("00000000000002dc756eebf4f49723ed8d30cc28a5f108eb94b1ba88ac4f9c22")},
			{Hash: newHashFromStr("0000000000000000000f14c35b2d841e986ab5441de8c585d5ffe55ea1e395ad"),
				VerifyP2SH: true, VerifyWitness: true},
		},
		// Bitcoin Core v30 kernel/chainparams.cpp nMinimumChainWork.
		MinimumChainWork: hexToBig("0000000000000000000000000000000000000000dee8e2a309ad8a9820433c68"),
		Checkpoints: []Checkpoint{
			{11111, newHashFromStr("0000000069e244f73d78e8fd29ba2fd2ed618bd6fa2ee92559f542fdb26e7c1d")},
			{210000, newHashFromStr("000000000000048b95347e83192f69cf0366076336c639f9b7228e9ba171342e")},
			{420000, newHashFromStr("000000000000000002cce816c0ab2c5c269cb081896b7dcb34b8422d6b74ffa1")},
		},
	}
	mainnetAddrs(&p)
	p.Deployments = bip9Deployments(2016, 1815, testDummyStart, testDummyEnd, taprootStart, taprootEnd, 709632)
	return *withRetarget(&p)
}()

// TestNet3Params are the parameters of the third test network.
var TestNet3Params = func() Params {
	p := Params{
		Name:        "testnet3",
		Net:         wire.TestNet3,
		DefaultPort: "18333",
		RPCPort:     "18332",
		DNSSeeds: []DNSSeed{
			{"testnet-seed.bitcoin.jonasschnelli.ch", true},
			{"seed.tbtc.petertodd.net", true},
			{"seed.testnet.bitcoin.sprovoost.nl", true},
			{"testnet-seed.bluematt.me", false},
			{"seed.testnet.achownodes.xyz", true},
		},
		GenesisBlock:  genesisBlockTestNet3,
		GenesisHash:   &genesisHashTestNet3,
		PowLimit:      mainPowLimit,
		PowLimitBits:  0x1d00ffff,
		BIP0034Height: 21111,
		BIP0034Hash:   newHashFromStr("0000000023b3a96d3484e5abb3755c413e7d41500f8e2a5c3f0dd01299cd8ef8"),
		BIP0065Height: 581885,
		BIP0066Height: 330776,
		CSVHeight:     770112,
		SegwitHeight:  834624,
		// Bitcoin Core enforces taproot on every testnet3 block.
		TaprootHeight: 0,
		ScriptFlagExceptions: []ScriptFlagException{
			{Hash: newHashFromStr("00000000dd30457c001f4095d208cc1296b0eed002427aa599874af7a432b105")},
		},
		ReduceMinDifficulty:  true,
		MinDiffReductionTime: 20 * time.Minute,
		RelayNonStdTxs:       true,
		// Bitcoin Core v30 kernel/chainparams.cpp nMinimumChainWork.
		MinimumChainWork: hexToBig("0000000000000000000000000000000000000000000016dd270dd94fac1d7632"),
		Checkpoints: []Checkpoint{
			{546, newHashFromStr("000000002a936ca763904c3c35fce2f3556c559c0214345d31b1bcebf76acb70")},
		},
	}
	testnetAddrs(&p, "tb")
	p.Deployments = bip9Deployments(2016, 1512, testDummyStart, testDummyEnd, taprootStart, taprootEnd, 0)
	return *withRetarget(&p)
}()

// TestNet4Params are the parameters of the fourth test network (BIP94).
var TestNet4Params = func() Params {
	p := Params{
		Name:        "testnet4",
		Net:         wire.TestNet4,
		DefaultPort: "48333",
		RPCPort:     "48332",
		DNSSeeds: []DNSSeed{
			{"seed.testnet4.bitcoin.sprovoost.nl", true},
			{"seed.testnet4.wiz.biz", true},
		},
		GenesisBlock:         genesisBlockTestNet4,
		GenesisHash:          &genesisHashTestNet4,
		PowLimit:             mainPowLimit,
		PowLimitBits:         0x1d00ffff,
		BIP0034Height:        1,
		BIP0065Height:        1,
		BIP0066Height:        1,
		CSVHeight:            1,
		SegwitHeight:         1,
		TaprootHeight:        0,
		ReduceMinDifficulty:  true,
		MinDiffReductionTime: 20 * time.Minute,
		EnforceBIP94:         true,
		RelayNonStdTxs:       true,
		// Bitcoin Core v30 kernel/chainparams.cpp nMinimumChainWork.
		MinimumChainWork: hexToBig("00000000000000000000000000000000000000000000034a4690fe592dc49c7c"),
	}
	testnetAddrs(&p, "tb")
	p.Deployments = bip9Deployments(2016, 1512, testDummyStart, testDummyEnd, DeploymentAlwaysActive, DeploymentNoTimeout, 0)
	return *withRetarget(&p)
}()

// SigNetParams are the parameters of the default signet; only it has a
// MinimumChainWork (a custom signet has none, as in Core).
var SigNetParams = func() Params {
	p := CustomSignetParams(DefaultSignetChallenge, DefaultSignetDNSSeeds)
	p.MinimumChainWork = hexToBig("0000000000000000000000000000000000000000000000000000067d328e681a")
	return p
}()

// hexToBig parses a big-endian hex constant.
func hexToBig(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("chaincfg: bad hex constant " + s)
	}
	return n
}

// CustomSignetParams returns signet parameters for challenge. The magic is
// the first four bytes of the double SHA-256 of the challenge's encoding
// (BIP325), which for the default challenge is wire.SigNet.
func CustomSignetParams(challenge []byte, dnsSeeds []DNSSeed) Params {
	h := chainhash.DoubleHashB(wire.AppendVarBytes(nil, challenge))
	p := Params{
		Name:            "signet",
		Net:             wire.BitcoinNet(binary.LittleEndian.Uint32(h[:4])),
		DefaultPort:     "38333",
		RPCPort:         "38332",
		DNSSeeds:        dnsSeeds,
		GenesisBlock:    genesisBlockSigNet,
		GenesisHash:     &genesisHashSigNet,
		PowLimit:        sigNetPowLimit,
		PowLimitBits:    0x1e0377ae,
		BIP0034Height:   1,
		BIP0065Height:   1,
		BIP0066Height:   1,
		CSVHeight:       1,
		SegwitHeight:    1,
		TaprootHeight:   0,
		SignetChallenge: append([]byte(nil), challenge...),
		RelayNonStdTxs:  false,
	}
	testnetAddrs(&p, "tb")
	p.Deployments = bip9Deployments(2016, 1815, testDummyStart, testDummyEnd, DeploymentAlwaysActive, DeploymentNoTimeout, 0)
	return *withRetarget(&p)
}

// RegressionNetParams are the parameters of the regression test network.
var RegressionNetParams = func() Params {
	p := Params{
		Name:                 "regtest",
		Net:                  wire.TestNet,
		DefaultPort:          "18444",
		RPCPort:              "18443",
		GenesisBlock:         genesisBlockRegTest,
		GenesisHash:          &genesisHashRegTest,
		PowLimit:             regressionPowLimit,
		PowLimitBits:         0x207fffff,
		BIP0034Height:        1,
		BIP0065Height:        1,
		BIP0066Height:        1,
		CSVHeight:            1,
		SegwitHeight:         0,
		TaprootHeight:        0,
		PoWNoRetargeting:     true,
		ReduceMinDifficulty:  true,
		MinDiffReductionTime: 20 * time.Minute,
		GenerateSupported:    true,
		RelayNonStdTxs:       true,
	}
	testnetAddrs(&p, "bcrt")
	withRetarget(&p)
	p.SubsidyReductionInterval = 150
	p.Deployments = bip9Deployments(144, 108, 0, DeploymentNoTimeout, DeploymentAlwaysActive, DeploymentNoTimeout, 0)
	return p
}()

// allParams lists the networks for the lookups.
var allParams = []*Params{
	&MainNetParams, &TestNet3Params, &TestNet4Params, &SigNetParams, &RegressionNetParams,
}

// ParamsForName returns the parameters of a network by name: "mainnet"
// (or "main"), "testnet3" (or "testnet", "test"), "testnet4", "signet" and
// "regtest". Names are case-insensitive.
func ParamsForName(name string) (*Params, error) {
	switch strings.ToLower(name) {
	case "mainnet", "main":
		return &MainNetParams, nil
	case "testnet3", "testnet", "test":
		return &TestNet3Params, nil
	case "testnet4":
		return &TestNet4Params, nil
	case "signet":
		return &SigNetParams, nil
	case "regtest", "regression":
		return &RegressionNetParams, nil
	}
	return nil, Error{Err: ErrUnknownNet, Description: "unknown network name " + name}
}

// ParamsForNet returns the parameters of the network with magic net.
func ParamsForNet(net wire.BitcoinNet) (*Params, error) {
	for _, p := range allParams {
		if p.Net == net {
			return p, nil
		}
	}
	return nil, Error{Err: ErrUnknownNet, Description: "unknown network " + net.String()}
}

// IsBech32SegwitPrefix reports whether prefix (lower case, with the
// separator "1") is the segwit prefix of one of the known networks.
func IsBech32SegwitPrefix(prefix string) bool {
	prefix = strings.ToLower(prefix)
	for _, p := range allParams {
		if prefix == p.Bech32HRPSegwit+"1" {
			return true
		}
	}
	return false
}
