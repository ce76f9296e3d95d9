package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/tern-org/ternd/bench/internal/benchnode"
)

// node is a started daemon (benchnode.Node) and its P2P listening address.
type node struct {
	*benchnode.Node
	p2p string
}

// listenAddrs returns a free P2P and a free RPC address on 127.0.0.1.
func listenAddrs() (p2p, rpc string, err error) {
	pp, err := benchnode.FreePort()
	if err != nil {
		return "", "", err
	}
	rp, err := benchnode.FreePort()
	if err != nil {
		return "", "", err
	}
	return fmt.Sprintf("127.0.0.1:%d", pp), fmt.Sprintf("127.0.0.1:%d", rp), nil
}

// btcdArgs returns btcd's command line (the flags of BTCD-PEER.md) for a
// node in dir; connect, when set, is its only peer.
func btcdArgs(dir, p2p, rpcAddr, connect string) []string {
	args := []string{
		"--regtest", "--nodnsseed",
		"--listen=" + p2p, "--rpclisten=" + rpcAddr,
		"--rpcuser=u", "--rpcpass=p", "--notls",
		"--rejectnonstd", "--norelaypriority", "--limitfreerelay=0",
		"--trickleinterval=500ms",
		"--datadir=" + filepath.Join(dir, "data"), "--logdir=" + filepath.Join(dir, "logs"),
		"--configfile=" + filepath.Join(dir, "btcd.conf"),
	}
	if connect != "" {
		args = append(args, "--connect="+connect)
	}
	return args
}

// terndArgs returns ternd's command line for a node in dir; connect, when
// set, is its only peer.
func terndArgs(dir, p2p, rpcAddr, connect string) []string {
	args := []string{
		"--regtest", "--appdata=" + dir, "--datadir=" + filepath.Join(dir, "data"),
		"--logdir=" + filepath.Join(dir, "logs"),
		"--listen=" + p2p, "--rpclisten=" + rpcAddr,
		"--rpcuser=u", "--rpcpass=p",
	}
	if connect != "" {
		args = append(args, "--connect="+connect)
	}
	return args
}

// startNode starts kind ("btcd" or "ternd") from bin in dir on free ports,
// with connect as its only peer when set, and returns without waiting for
// its RPC server.
func startNode(kind, bin, dir, connect string, extra, env []string) (*node, error) {
	p2p, rpcAddr, err := listenAddrs()
	if err != nil {
		return nil, err
	}
	var args []string
	switch kind {
	case "btcd":
		if err := os.WriteFile(filepath.Join(dir, "btcd.conf"), nil, 0o600); err != nil {
			return nil, err
		}
		args = btcdArgs(dir, p2p, rpcAddr, connect)
	case "ternd":
		args = terndArgs(dir, p2p, rpcAddr, connect)
	default:
		return nil, fmt.Errorf("unknown node %q", kind)
	}
	bn, err := benchnode.Start(kind, bin, dir, append(args, extra...), env)
	if err != nil {
		return nil, err
	}
	bn.RPC = benchnode.NewClient(rpcAddr, "u", "p", 4)
	return &node{Node: bn, p2p: p2p}, nil
}
