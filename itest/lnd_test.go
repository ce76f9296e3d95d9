//go:build lnd

package itest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// The Lightning tests run lnd (LndVersion, bitcoind mode) on ternd:
// `make itest-lnd`, or go test -tags lnd -run TestLnd ./itest. They are
// behind a build tag because building lnd takes minutes.

// lndTimeout bounds each wait of the Lightning tests.
const lndTimeout = 90 * time.Second

// lndNode is a running lnd and its lncli arguments.
type lndNode struct {
	*Process
	dir     string
	cliArgs []string
	p2p     string
	pubkey  string
}

// startLnd starts lnd in bitcoind mode on the RPC server at rpcAddr:
// polling the RPC interface, or with ZMQ at the given rawblock and rawtx
// addresses. It returns once lnd answers getinfo. A port taken between
// FreePort and lnd's bind (by another process's connection) makes it try
// again on new ports, at most three times.
func startLnd(t *testing.T, tools, name, rpcAddr, zmqBlock, zmqTx string) *lndNode {
	t.Helper()
	for attempt := 1; ; attempt++ {
		n, err := tryStartLnd(t, tools, name, rpcAddr, zmqBlock, zmqTx)
		if err == nil {
			return n
		}
		if attempt == 3 || !strings.Contains(err.Error(), "address already in use") {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: %v; again on other ports", name, err)
	}
}

// tryStartLnd is one attempt of startLnd.
func tryStartLnd(t *testing.T, tools, name, rpcAddr, zmqBlock, zmqTx string) (*lndNode, error) {
	t.Helper()
	dir := t.TempDir()
	n := &lndNode{dir: dir, p2p: fmt.Sprintf("127.0.0.1:%d", FreePort(t))}
	rpc := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	n.Process = &Process{Name: name, Dir: dir,
		LogFiles: []string{filepath.Join(dir, "logs", "bitcoin", "regtest", "lnd.log")}}
	args := []string{
		"--lnddir=" + dir, "--noseedbackup", "--alias=" + name,
		"--bitcoin.regtest", "--bitcoin.node=bitcoind",
		"--bitcoind.rpchost=" + rpcAddr, "--bitcoind.rpcuser=u", "--bitcoind.rpcpass=p",
		"--listen=" + n.p2p, "--rpclisten=" + rpc, "--norest", "--nobootstrap",
		"--trickledelay=50", "--debuglevel=debug",
	}
	if zmqBlock == "" {
		args = append(args, "--bitcoind.rpcpolling", "--bitcoind.blockpollinginterval=200ms",
			"--bitcoind.txpollinginterval=200ms")
	} else {
		args = append(args, "--bitcoind.zmqpubrawblock="+zmqBlock, "--bitcoind.zmqpubrawtx="+zmqTx)
	}
	n.cliArgs = []string{"--lnddir=" + dir, "--network=regtest", "--rpcserver=" + rpc}
	n.start(t, filepath.Join(tools, "lnd"), args)
	var info struct {
		Pubkey string `json:"identity_pubkey"`
	}
	deadline := time.Now().Add(lndTimeout)
	for n.try(&info, "getinfo") != nil || info.Pubkey == "" {
		if n.Exited() {
			out, _ := os.ReadFile(n.LogFiles[0])
			return nil, fmt.Errorf("exited (%v): %s", n.err, lastLines(string(out), 3))
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no getinfo after %v", lndTimeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
	n.pubkey = info.Pubkey
	return n, nil
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// try runs lncli with args and decodes its JSON output into out.
func (n *lndNode) try(out any, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(lndTools, "lncli"), append(n.cliArgs, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+n.dir)
	data, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		return fmt.Errorf("lncli %v: %v %s", args, err, strings.TrimSpace(stderr))
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// cli is try that fails the test on error.
func (n *lndNode) cli(t *testing.T, out any, args ...string) {
	t.Helper()
	if err := n.try(out, args...); err != nil {
		t.Fatalf("%s: %v", n.Name, err)
	}
}

// info is the part of getinfo the tests read.
type lndInfo struct {
	Synced      bool   `json:"synced_to_chain"`
	BlockHeight uint32 `json:"block_height"`
	BlockHash   string `json:"block_hash"`
	NumActive   int    `json:"num_active_channels"`
}

// waitSynced waits until lnd is synced to ternd's tip.
func (n *lndNode) waitSynced(t *testing.T, node *Process) {
	t.Helper()
	tip := node.BestHash(t)
	Wait(t, lndTimeout, n.Name+" synced to "+tip, func() bool {
		var info lndInfo
		return n.try(&info, "getinfo") == nil && info.Synced && info.BlockHash == tip
	})
}

// confirmedBalance returns the wallet's confirmed balance in satoshis.
func (n *lndNode) confirmedBalance(t *testing.T) int64 {
	t.Helper()
	var bal struct {
		Confirmed string `json:"confirmed_balance"`
	}
	n.cli(t, &bal, "walletbalance")
	v, _ := strconv.ParseInt(bal.Confirmed, 10, 64)
	return v
}

// lndTools is the folder holding lnd and lncli; set by TestLnd.
var lndTools string

// TestLnd runs two lnd nodes on ternd, once polling ternd's RPC interface
// and once with ternd's ZMQ notifications: both reach synced_to_chain,
// receive coins (a coinbase paying Alice's P2TR address, a transaction
// paying Bob's P2WKH address), open a channel, pay an invoice over it and
// close it cooperatively; ternd answers lnd's calls without an error but
// those bitcoind gives too.
func TestLnd(t *testing.T) {
	needProcesses(t)
	dir, err := InstallLnd()
	if err != nil {
		t.Fatalf("cannot install lnd %s: %v", LndVersion, err)
	}
	lndTools = dir
	t.Run("rpcpolling", func(t *testing.T) { testLnd(t, false) })
	t.Run("zmq", func(t *testing.T) { testLnd(t, true) })
}

// allowedLndErrors are the RPC errors lnd provokes from bitcoind too:
// getinfo does not exist (rpcclient's backend detection), a transaction
// not in the pool or not indexed, an estimate without data (an error in
// the result, not an RPC error, so none here), a broadcast of a
// transaction already known or confirmed.
func allowedLndError(c RPCCall) bool {
	switch {
	case c.Code == 0:
		return true
	case c.Method == "getinfo" && c.Code == -32601:
		return true
	case c.Method == "getrawtransaction" && c.Code == -5:
		return true
	case c.Method == "sendrawtransaction" && (c.Code == -27 ||
		(c.Code == -26 && strings.Contains(c.Message, "txn-already-known")) ||
		(c.Code == -26 && strings.Contains(c.Message, "txn-mempool-conflict")) ||
		(c.Code == -25 && strings.Contains(c.Message, "missingorspent"))):
		return true
	case c.Method == "testmempoolaccept":
		return true // rejections are results, not errors
	}
	return false
}

func testLnd(t *testing.T, withZMQ bool) {
	start := time.Now()
	var extra []string
	var zmqBlock, zmqTx string
	if withZMQ {
		zmqBlock = fmt.Sprintf("tcp://127.0.0.1:%d", FreePort(t))
		zmqTx = fmt.Sprintf("tcp://127.0.0.1:%d", FreePort(t))
		extra = append(extra, "--zmqpubrawblock="+zmqBlock, "--zmqpubrawtx="+zmqTx)
	}
	node := StartTernd(t, extra...)
	rec := StartRPCRecorder(t, node.RPCAddr)
	miner := NewWallet(71)
	var hashes []string
	node.MustCall(t, "generatetoaddress", &hashes, 101, miner.Address(KindP2WPKH))

	alice := startLnd(t, lndTools, "alice", rec.Addr, zmqBlock, zmqTx)
	bob := startLnd(t, lndTools, "bob", rec.Addr, zmqBlock, zmqTx)
	alice.waitSynced(t, node)
	bob.waitSynced(t, node)

	// Alice is paid by a coinbase, Bob by a transaction.
	var addr struct {
		Address string `json:"address"`
	}
	alice.cli(t, &addr, "newaddress", "p2tr")
	node.MustCall(t, "generatetoaddress", &hashes, 1, addr.Address)
	bob.cli(t, &addr, "newaddress", "p2wkh")
	coin := miner.CoinbaseCoin(t, node, 1)
	pay, err := payTo(addr.Address, coin.Value-20000)
	if err != nil {
		t.Fatal(err)
	}
	tx := miner.Build([]Coin{coin}, pay)
	if err := miner.Sign(tx, []Coin{coin}); err != nil {
		t.Fatal(err)
	}
	node.MustSendTx(t, tx)
	Wait(t, lndTimeout, "bob seeing the unconfirmed payment", func() bool {
		var bal struct {
			Unconfirmed string `json:"unconfirmed_balance"`
		}
		return bob.try(&bal, "walletbalance") == nil && bal.Unconfirmed != "0"
	})
	node.MustCall(t, "generatetoaddress", &hashes, 100, miner.Address(KindP2WPKH))
	alice.waitSynced(t, node)
	bob.waitSynced(t, node)
	Wait(t, lndTimeout, "both wallets funded", func() bool {
		return alice.confirmedBalance(t) > 0 && bob.confirmedBalance(t) > 0
	})

	// A channel from Alice to Bob, a payment, a cooperative close.
	alice.cli(t, nil, "connect", bob.pubkey+"@"+bob.p2p)
	var open struct {
		FundingTxid string `json:"funding_txid"`
	}
	alice.cli(t, &open, "openchannel", "--node_key="+bob.pubkey, "--local_amt=1000000")
	Wait(t, lndTimeout, "the funding transaction in ternd's pool", func() bool {
		return node.InMempool(t, open.FundingTxid)
	})
	node.MustCall(t, "generatetoaddress", &hashes, 6, miner.Address(KindP2WPKH))
	for _, n := range []*lndNode{alice, bob} {
		Wait(t, lndTimeout, n.Name+"'s channel active", func() bool {
			var info lndInfo
			return n.try(&info, "getinfo") == nil && info.NumActive == 1
		})
	}
	var inv struct {
		PayReq string `json:"payment_request"`
		RHash  string `json:"r_hash"`
	}
	bob.cli(t, &inv, "addinvoice", "--amt=10000", "--memo=ternd")
	var paid struct {
		Status string `json:"status"`
	}
	// A channel counts as active a moment before its link forwards (lnd
	// then fails the payment for "insufficient local balance"); a failed
	// invoice payment may be tried again.
	var payErr error
	Wait(t, lndTimeout, "alice paying bob's invoice", func() bool {
		payErr = alice.try(&paid, "payinvoice", "--force", "--json", "--pay_req="+inv.PayReq)
		if payErr != nil || paid.Status != "SUCCEEDED" {
			time.Sleep(250 * time.Millisecond)
			return false
		}
		return true
	})
	var invoice struct {
		State string `json:"state"`
	}
	bob.cli(t, &invoice, "lookupinvoice", inv.RHash)
	if invoice.State != "SETTLED" {
		t.Fatalf("invoice state %q", invoice.State)
	}
	var closing struct {
		ClosingTxid string `json:"closing_txid"`
	}
	alice.cli(t, &closing, "closechannel", "--funding_txid="+open.FundingTxid, "--output_index=0")
	Wait(t, lndTimeout, "the closing transaction in ternd's pool", func() bool {
		return closing.ClosingTxid != "" && node.InMempool(t, closing.ClosingTxid)
	})
	node.MustCall(t, "generatetoaddress", &hashes, 1, miner.Address(KindP2WPKH))
	for _, n := range []*lndNode{alice, bob} {
		Wait(t, lndTimeout, n.Name+"'s channel closed", func() bool {
			var closed struct {
				Channels []struct {
					CloseType string `json:"close_type"`
				} `json:"channels"`
			}
			return n.try(&closed, "closedchannels") == nil && len(closed.Channels) == 1 &&
				closed.Channels[0].CloseType == "COOPERATIVE_CLOSE"
		})
	}

	calls := rec.Calls()
	methods, errs := map[string]int{}, map[string]int{}
	for _, c := range calls {
		methods[c.Method]++
		if c.Code != 0 {
			errs[fmt.Sprintf("%s %d %s", c.Method, c.Code, c.Message)]++
		}
		if !allowedLndError(c) {
			t.Errorf("%s %s: error %d %q", c.Method, c.Params, c.Code, c.Message)
		}
	}
	t.Logf("%d RPC calls from lnd in %v: %v; errors %v", len(calls), time.Since(start).Round(time.Millisecond),
		methods, errs)
}

// payTo returns an output paying value to a regtest address.
func payTo(address string, value int64) (*wire.TxOut, error) {
	script, err := addressScript(address)
	if err != nil {
		return nil, err
	}
	return wire.NewTxOut(value, script), nil
}

// addressScript is the output script of a regtest address.
func addressScript(address string) ([]byte, error) {
	a, err := txscript.DecodeAddress(address, &chaincfg.RegressionNetParams)
	if err != nil {
		return nil, err
	}
	return txscript.PayToAddrScript(a)
}
