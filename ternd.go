package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/internal/metrics"
	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/internal/rpcserver"
	"github.com/tern-org/ternd/internal/zmq"
)

const (
	// appVersion is the daemon's version.
	appVersion = "0.1.0"

	// coreVersion is the Bitcoin Core release whose policy and RPC ternd
	// implements, and coreClientVersion Core's number for it
	// (CLIENT_VERSION: major*10000 + minor*100 + patch).
	coreVersion       = "30.0.0"
	coreClientVersion = 300000

	// shutdownTimeout bounds the whole orderly shutdown; past it the
	// process exits with status 1 rather than hang.
	shutdownTimeout = 30 * time.Second
)

// version returns the version string.
func version() string { return appVersion }

// rpcSubVersion is the subversion getnetworkinfo reports: Core's user
// agent for the release ternd follows, then ternd's own, as Bitcoin Knots
// presents itself ("/Satoshi:30.0.0/ternd:0.1.0/"). Clients that choose
// an RPC dialect by Core's version (btcd's rpcclient, and lnd through it)
// then choose the current one. The P2P user agent stays "/ternd:0.1.0/":
// peers negotiate by protocol version and service bits, not by name.
func rpcSubVersion() string {
	return "/Satoshi:" + coreVersion + "/" + appName + ":" + appVersion + "/"
}

// subsystem is one long-lived part of the node (database, chain, mempool,
// sync manager, peer server, RPC server ...).
//
// Start is called once, in the node's start order, with the node's
// context, and must return once the subsystem runs (its goroutines may
// keep running until ctx is cancelled or Stop is called). Stop is called
// once, in reverse start order, and must return only when every goroutine
// of the subsystem has exited and its state is flushed. Stop is called
// even if a later subsystem failed to start, and only for subsystems whose
// Start succeeded; the node's parts, which their constructor opened, also
// close by Stop when the daemon could not be completed (closeUnstarted).
type subsystem interface {
	Name() string
	Start(ctx context.Context) error
	Stop() error
}

// daemon owns the process's lifetime: the root context, the RPC server and
// an ordered list of subsystems (the node's core, then the P2P server).
//
// How later code plugs in:
//
//   - start starts the RPC server in warm-up (clients get -28 and the
//     step under way), then builds the node in buildNode: newNode opens
//     the database, chain, indexes and pool, newServer and its build
//     make the P2P server (address, sync and connection managers) on
//     them, and the RPC server is handed both (Attach). Only then does
//     anything run.
//   - A subsystem implements the subsystem interface and is added with
//     n.addSubsystem in buildNode, in START order: database first, then
//     chain, indexes, mempool, peer server. Shutdown runs the RPC
//     server's Stop first and then the subsystems in reverse (peers,
//     mempool, indexes, chain, database), which is the order Core uses
//     and what keeps state consistent on disk.
//   - RPC methods live in internal/rpcserver; what they need from the core
//     and the P2P server is handed over in rpcBackends, through the
//     adaptors of rpcadaptors.go.
//   - Anything that wants to stop the daemon (a fatal error in a subsystem)
//     calls n.requestShutdown().
type daemon struct {
	cfg       *config
	startTime time.Time

	// ctx is the root context each subsystem derives its own from; it is
	// cancelled once every subsystem has stopped.
	ctx    context.Context
	cancel context.CancelFunc

	// rpc is the RPC server, nil when --norpc.
	rpc *rpcserver.Server

	// core is the node's core (chain, mempool, mining), built by
	// buildNode; the P2P side plugs into it.
	core *node

	// p2p is the P2P server, built by buildNode.
	p2p *server

	// zmq publishes the ZMQ notifications (--zmqpub*), nil without them.
	// It is built with the daemon (it opens nothing until it runs) so that
	// getzmqnotifications answers during warm-up too.
	zmq *zmq.Notifier

	// build builds the node and adds its subsystems: buildNode, or in
	// tests a stand-in.
	build func() error

	// tune, when set (tests), adjusts the node and its P2P server once
	// built, before anything runs.
	tune func(*daemon)

	// bound are the listeners bound before anything on disk was opened
	// (nil in tests that let each part bind its own).
	bound *boundListeners

	// events are the metrics' event counters, nil without
	// --metricslisten.
	events *metrics.Events

	// subsystems are in start order; started counts how many started.
	subsystems []subsystem
	started    int

	shutdownOnce sync.Once
	shutdownReq  chan struct{}
}

// newDaemon builds the daemon and its RPC server. Nothing is opened or
// bound yet: the node is built by start.
func newDaemon(cfg *config) (*daemon, error) {
	return newDaemonWith(cfg, nil)
}

// newDaemonWith is newDaemon serving on listeners bound already (nil: each
// part binds its own as it starts).
func newDaemonWith(cfg *config, bound *boundListeners) (*daemon, error) {
	ctx, cancel := context.WithCancel(context.Background())
	n := &daemon{
		cfg:         cfg,
		startTime:   time.Now(),
		ctx:         ctx,
		cancel:      cancel,
		shutdownReq: make(chan struct{}),
		bound:       bound,
	}
	n.build = n.buildNode
	if cfg.MetricsListen != "" {
		n.events = metrics.NewEvents()
	}
	if len(cfg.zmqEndpoints) > 0 {
		z, err := zmq.New(zmq.Config{Endpoints: cfg.zmqEndpoints})
		if err != nil {
			cancel()
			return nil, err
		}
		n.zmq = z
	}
	if !cfg.DisableRPC {
		rpc, err := rpcserver.New(n.rpcConfig())
		if err != nil {
			cancel()
			return nil, err
		}
		n.rpc = rpc
	}
	return n, nil
}

// buildNode builds the node and adds its subsystems in start order:
// node.go's database, chain, indexes and mempool (newNode opens them), then
// server.go's P2P server (connmgr, addrmgr, netsync, relay), built on
// n.core by newServer and build, and the metrics server. The RPC server
// gets both once they exist. If the P2P server cannot be built the node
// is closed again.
func (n *daemon) buildNode() error {
	core, err := newNode(n.cfg, n.zmq, n.events, n.setWarmup)
	if err != nil {
		return err
	}
	if n.p2p, err = newServer(n.cfg, core); err != nil {
		closeUnstarted(core.subsystems())
		return err
	}
	n.core = core
	n.p2p.bound = n.bound
	if n.tune != nil {
		n.tune(n)
	}
	if err := n.p2p.build(); err != nil {
		closeUnstarted(core.subsystems())
		return err
	}
	if n.rpc != nil {
		if err := n.rpc.Attach(n.rpcBackends()); err != nil {
			closeUnstarted(core.subsystems())
			return err
		}
	}
	for _, s := range core.subsystems() {
		n.addSubsystem(s)
	}
	n.addSubsystem(n.p2p)
	if n.events != nil {
		n.addSubsystem(n.metricsSubsystem())
	}
	return nil
}

// closeUnstarted stops, in reverse order, subsystems that were built but
// never started: the node's parts when the daemon cannot be completed.
func closeUnstarted(subs []subsystem) {
	for i := len(subs) - 1; i >= 0; i-- {
		if err := subs[i].Stop(); err != nil {
			ternLog.Warnf("Closing %s: %v", subs[i].Name(), err)
		}
	}
}

// setWarmup shows a start-up step as the RPC server's warm-up status.
func (n *daemon) setWarmup(status string) {
	if n.rpc != nil {
		n.rpc.SetWarmup(status)
	}
}

// rpcConfig is the RPC server's configuration: the --rpc* options and the
// settings its methods report. The core and the P2P server come later,
// by rpcBackends.
func (n *daemon) rpcConfig() rpcserver.Config {
	cfg := n.cfg
	rc := rpcserver.Config{
		Listeners:        cfg.RPCListeners,
		DefaultListeners: cfg.rpcDefaultListeners,
		Bound:            n.boundRPC(),
		User:             cfg.RPCUser,
		Pass:             cfg.RPCPass,
		CookiePath:       filepath.Join(cfg.netDataDir, rpcjson.CookieFileName),
		MaxClients:       cfg.RPCMaxClients,
		LogPath:          filepath.Join(cfg.netLogDir, logFileName),
		StartTime:        n.startTime,
		Shutdown:         shutdownFunc(n.requestShutdown),
		Loggers:          subsystemLoggers,

		ChainParams:         cfg.params,
		Version:             version(),
		SubVersion:          rpcSubVersion(),
		ClientVersion:       coreClientVersion,
		WarningsAsString:    cfg.deprecatedRPC("warnings"),
		ChainDBDir:          filepath.Join(cfg.netDataDir, chainDBDirName),
		DataCarrierSize:     cfg.DataCarrierSize,
		BlockMinTxFee:       cfg.blockMinTxFeeSat,
		MinRelayTxFee:       cfg.minRelayTxFeeSat,
		IncrementalRelayFee: cfg.incrementalRelayFeeSat,
		Proxy:               cfg.Proxy,
		OnionProxy:          cfg.OnionProxy,
	}
	if n.zmq != nil {
		rc.ZMQ = rpcZMQ{n.zmq}
	}
	if n.events != nil {
		rc.Observer = rpcObserver{n.events}
	}
	return rc
}

// rpcBackends are the core and the P2P server as the RPC handlers reach
// them, through the adaptors of rpcadaptors.go.
func (n *daemon) rpcBackends() rpcserver.Backends {
	return rpcserver.Backends{
		Chain:         rpcChain{n.core},
		BlockStore:    rpcChain{n.core},
		UtxoSet:       rpcChain{n.core},
		ChainManager:  rpcChain{n.core},
		TxPool:        rpcTxPool{n.core},
		TxAcceptor:    rpcTxPool{n.core},
		TxPrioritiser: rpcTxPool{n.core},
		MempoolDumper: rpcTxPool{n.core},
		FeeEstimator:  rpcFeeEstimator{n.core},
		Generator:     rpcGenerator{n.core},
		TxIndex:       rpcTxIndex{n.core},
		FilterIndex:   rpcFilterIndex{n.core},
		Relay:         n.core,

		PeerServer:  rpcPeers{n.p2p},
		ConnManager: rpcPeers{n.p2p},
		BanManager:  rpcBans{n.p2p},
		AddrManager: rpcAddrs{n.p2p},
	}
}

// boundRPC returns the RPC listeners bound already, nil when the RPC
// server is to bind its own.
func (n *daemon) boundRPC() []net.Listener {
	if n.bound == nil {
		return nil
	}
	return n.bound.rpc
}

// addSubsystem appends a subsystem to the start order. It must be called
// before start.
func (n *daemon) addSubsystem(s subsystem) {
	n.subsystems = append(n.subsystems, s)
}

// requestShutdown asks the node to shut down; safe to call many times and
// from any goroutine (signal handler, the stop RPC, a failing subsystem).
func (n *daemon) requestShutdown() {
	n.shutdownOnce.Do(func() { close(n.shutdownReq) })
}

// shutdownRequested is closed once shutdown has been requested.
func (n *daemon) shutdownRequested() <-chan struct{} {
	return n.shutdownReq
}

// start starts the RPC server (in warm-up, so clients can connect and wait
// early), builds the node, starts every subsystem in order, then ends
// warm-up. On error the parts already started are left for stop to stop.
func (n *daemon) start() error {
	if n.rpc != nil {
		if err := n.rpc.Start(n.ctx); err != nil {
			return err
		}
	}
	if err := n.build(); err != nil {
		return err
	}
	for _, s := range n.subsystems {
		if n.rpc != nil {
			n.rpc.SetWarmup("Starting " + s.Name() + "...")
		}
		ternLog.Infof("Starting %s", s.Name())
		if err := s.Start(n.ctx); err != nil {
			return fmt.Errorf("%s: %w", s.Name(), err)
		}
		n.started++
	}
	if n.rpc != nil && n.core != nil {
		// The chain exists once the core has started; the waitfor methods
		// wake on every tip change from here on.
		rpc := n.rpc
		n.core.chain.Subscribe(func(nt *blockchain.Notification) {
			if nt.Type == blockchain.NTBlockConnected || nt.Type == blockchain.NTBlockDisconnected {
				rpc.TipChanged()
			}
		})
		n.rpc.SetWarmupFinished()
	}
	return nil
}

// stop shuts down in order: the RPC server first (no new requests reach
// a half-stopped node), then the started subsystems in reverse start order
// (P2P, pool, chain, database). Each Stop returns only when its part has
// finished, and only then is the next one told to stop, so the pool is
// written while the chain still serves it and the chain is flushed before
// the database closes. The root context is cancelled last, for anything
// still bound to it. stop returns the first error; every subsystem is
// stopped regardless.
func (n *daemon) stop() error {
	defer n.cancel()
	var first error
	if n.rpc != nil {
		ternLog.Infof("Stopping RPC server...")
		if err := n.rpc.Stop(); err != nil {
			first = err
		}
	}
	for i := n.started - 1; i >= 0; i-- {
		s := n.subsystems[i]
		ternLog.Infof("Stopping %s...", s.Name())
		if err := s.Stop(); err != nil {
			ternLog.Errorf("Stopping %s: %v", s.Name(), err)
			if first == nil {
				first = err
			}
		}
	}
	return first
}

// ternMain is the daemon's body: it returns the process exit status. args
// excludes the program name; interrupt delivers SIGINT/SIGTERM.
func ternMain(args []string, stdout, stderr io.Writer, interrupt <-chan os.Signal) int {
	cfg, err := loadConfig(args, stdout)
	if err != nil {
		if errors.Is(err, errExitZero) {
			return 0
		}
		fmt.Fprintf(stderr, "ternd: %v\n", err)
		return 1
	}

	// Every port first, so a taken one fails before anything is created
	// or opened on disk.
	bound, err := bindListeners(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "ternd: %v\n", err)
		return 1
	}
	defer bound.Close()

	for _, dir := range []string{cfg.netDataDir, cfg.netLogDir} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			fmt.Fprintf(stderr, "ternd: cannot create %s: %v; choose another with --datadir/--logdir\n", dir, err)
			return 1
		}
	}
	unlock, err := lockDataDir(cfg.netDataDir)
	if err != nil {
		fmt.Fprintf(stderr, "ternd: %v\n", err)
		return 1
	}
	defer unlock()
	if err := initLogRotator(filepath.Join(cfg.netLogDir, logFileName)); err != nil {
		fmt.Fprintf(stderr, "ternd: %v\n", err)
		return 1
	}
	defer closeLogRotator()
	useLoggers()
	if err := applyDebugLevel(cfg.DebugLevel); err != nil {
		fmt.Fprintf(stderr, "ternd: %v\n", err)
		return 1
	}

	ternLog.Infof("ternd version %s, network %s", version(), cfg.params.Name)
	ternLog.Infof("Data dir %s, log dir %s", cfg.netDataDir, cfg.netLogDir)
	if _, err := os.Stat(cfg.ConfigFile); err == nil {
		cnfgLog.Infof("Loaded config file %s", cfg.ConfigFile)
	}

	for _, w := range bound.rpcWarnings {
		rpcsLog.Warnf("%v", w)
	}
	stopProfiling, _, err := startProfilingOn(cfg, bound.profile)
	if err != nil {
		ternLog.Errorf("%v", err)
		fmt.Fprintf(stderr, "ternd: %v\n", err)
		return 1
	}
	defer stopProfiling()

	n, err := newDaemonWith(cfg, bound)
	if err != nil {
		ternLog.Errorf("%v", err)
		return 1
	}
	return runNode(n, stderr, interrupt, shutdownTimeout)
}

// runNode starts the node, waits for a shutdown request (signal or the
// stop RPC) and stops it. A second signal during the shutdown, or a
// shutdown longer than timeout, ends it at once with status 1.
func runNode(n *daemon, stderr io.Writer, interrupt <-chan os.Signal, timeout time.Duration) int {
	status := 0
	if err := n.start(); err != nil {
		ternLog.Errorf("Start failed: %v", err)
		fmt.Fprintf(stderr, "ternd: %v\n", err)
		status = 1
		n.requestShutdown()
	} else {
		ternLog.Infof("ternd started")
	}

	select {
	case <-n.shutdownRequested():
	case sig := <-interrupt:
		ternLog.Infof("Received %v; shutting down (again to force)...", sig)
		n.requestShutdown()
	}

	done := make(chan error, 1)
	go func() { done <- n.stop() }()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				status = 1
			}
			ternLog.Infof("Shutdown complete")
			return status
		case sig := <-interrupt:
			ternLog.Warnf("Received %v again; forcing shutdown", sig)
			return 1
		case <-timer.C:
			ternLog.Errorf("Shutdown did not finish within %v; forcing exit", timeout)
			return 1
		}
	}
}

func main() {
	os.Exit(ternMain(os.Args[1:], os.Stdout, os.Stderr, interruptSignals()))
}
