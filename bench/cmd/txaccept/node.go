package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tern-org/ternd/bench/internal/benchnode"
)

// node is a started daemon (benchnode.Node) that can mine.
type node struct {
	*benchnode.Node
	// mine mines n blocks paying the harness's key.
	mine func(ctx context.Context, n int) error
}

// startBtcd starts btcd on regtest with the flags of BTCD-PEER.md, paying
// mined blocks to miningAddr.
func startBtcd(ctx context.Context, bin, dir, miningAddr string, extra, env []string) (*node, error) {
	p2p, err := benchnode.FreePort()
	if err != nil {
		return nil, err
	}
	rpcPort, err := benchnode.FreePort()
	if err != nil {
		return nil, err
	}
	rpcAddr := fmt.Sprintf("127.0.0.1:%d", rpcPort)
	conf := filepath.Join(dir, "btcd.conf")
	if err := os.WriteFile(conf, nil, 0o600); err != nil {
		return nil, err
	}
	args := []string{
		"--regtest", "--nodnsseed",
		fmt.Sprintf("--listen=127.0.0.1:%d", p2p), "--rpclisten=" + rpcAddr,
		"--rpcuser=u", "--rpcpass=p", "--notls",
		"--rejectnonstd", "--norelaypriority", "--limitfreerelay=0",
		"--trickleinterval=500ms", "--miningaddr=" + miningAddr,
		"--datadir=" + filepath.Join(dir, "data"), "--logdir=" + filepath.Join(dir, "logs"),
		"--configfile=" + conf,
	}
	bn, err := benchnode.Start("btcd", bin, dir, append(args, extra...), env)
	if err != nil {
		return nil, err
	}
	bn.RPC = benchnode.NewClient(rpcAddr, "u", "p", 16)
	n := &node{Node: bn, mine: func(ctx context.Context, blocks int) error {
		return bn.RPC.Call(ctx, "generate", nil, blocks)
	}}
	if err := n.WaitReady(ctx); err != nil {
		n.Stop()
		return nil, err
	}
	return n, nil
}

// startTernd starts ternd on regtest; mined blocks pay miningAddr through
// generatetoaddress.
func startTernd(ctx context.Context, bin, dir, miningAddr string, extra, env []string) (*node, error) {
	p2p, err := benchnode.FreePort()
	if err != nil {
		return nil, err
	}
	rpcPort, err := benchnode.FreePort()
	if err != nil {
		return nil, err
	}
	rpcAddr := fmt.Sprintf("127.0.0.1:%d", rpcPort)
	args := []string{
		"--regtest", "--appdata=" + dir, "--datadir=" + filepath.Join(dir, "data"),
		"--logdir=" + filepath.Join(dir, "logs"),
		fmt.Sprintf("--listen=127.0.0.1:%d", p2p), "--rpclisten=" + rpcAddr,
		"--rpcuser=u", "--rpcpass=p",
	}
	bn, err := benchnode.Start("ternd", bin, dir, append(args, extra...), env)
	if err != nil {
		return nil, err
	}
	bn.RPC = benchnode.NewClient(rpcAddr, "u", "p", 16)
	n := &node{Node: bn, mine: func(ctx context.Context, blocks int) error {
		return bn.RPC.Call(ctx, "generatetoaddress", nil, blocks, miningAddr)
	}}
	if err := n.WaitReady(ctx); err != nil {
		n.Stop()
		return nil, err
	}
	return n, nil
}
