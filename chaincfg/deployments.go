package chaincfg

import "math"

// Special start times and timeout of a BIP9 deployment, Core's
// Consensus::BIP9Deployment constants.
const (
	// DeploymentAlwaysActive as a start time makes a deployment active
	// from the genesis block.
	DeploymentAlwaysActive int64 = -1

	// DeploymentNeverActive as a start time disables a deployment.
	DeploymentNeverActive int64 = -2

	// DeploymentNoTimeout is a timeout that never passes.
	DeploymentNoTimeout int64 = math.MaxInt64
)

// BIP9Deployment is one version-bits soft fork (BIP9, with BIP341's
// minimum activation height), as Core's Consensus::BIP9Deployment. ternd
// validates the deployments that went live by height (TaprootHeight and
// the buried ones); these parameters are what getdeploymentinfo reports,
// computed from the block versions and times of the chain as Core does.
type BIP9Deployment struct {
	// Name is Core's name for the deployment ("taproot", "testdummy").
	Name string

	// Bit is the version bit that signals it (0-28).
	Bit uint8

	// StartTime and Timeout bound signalling by median time past (unix
	// seconds), or are one of the special values above.
	StartTime int64
	Timeout   int64

	// MinActivationHeight is the lowest height at which the rules may
	// apply once locked in.
	MinActivationHeight int32

	// Period is the number of blocks of a signalling period and
	// Threshold the signalling blocks a period needs to lock in.
	Period    int32
	Threshold int32
}

// Core's start and timeout of the test deployment on the public networks
// (a window before the genesis block, so it is always failed there), and
// of taproot's signalling on mainnet and testnet3.
const (
	testDummyStart = 1199145601 // January 1, 2008
	testDummyEnd   = 1230767999 // December 31, 2008
	taprootStart   = 1619222400 // April 24th, 2021
	taprootEnd     = 1628640000 // August 11th, 2021
)

// bip9Deployments returns Core's deployments of a network: testdummy and
// taproot, with the network's period and threshold, and taproot's start
// and minimum activation height (always active when taprootStart is
// DeploymentAlwaysActive).
func bip9Deployments(period, threshold int32, dummyStart, dummyEnd, tapStart, tapEnd int64,
	tapMinHeight int32) []BIP9Deployment {
	return []BIP9Deployment{
		{Name: "testdummy", Bit: 28, StartTime: dummyStart, Timeout: dummyEnd,
			Period: period, Threshold: threshold},
		{Name: "taproot", Bit: 2, StartTime: tapStart, Timeout: tapEnd,
			MinActivationHeight: tapMinHeight, Period: period, Threshold: threshold},
	}
}
