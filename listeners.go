package main

import (
	"fmt"
	"net"

	"github.com/tern-org/ternd/connmgr"
)

// boundListeners are the daemon's sockets, bound by bindListeners before
// anything is created or opened on disk: a port taken by another process
// then fails the start at once, with a message naming the option, and
// leaves no data directory, lock, log, chain or mempool.dat behind. Each
// part takes its own listeners when it starts and closes them when it
// stops; Close closes them all, for a start that failed half way.
type boundListeners struct {
	// p2p are the --listen sockets (none with --nolisten). When the
	// default P2P port is taken the node runs without inbound peers, as
	// before, and p2pWarning says why.
	p2p        []net.Listener
	p2pWarning error

	// rpc are the --rpclisten sockets (none with --norpc). Of the default
	// loopback pair, one may fail (a host without IPv6); rpcWarnings say
	// which.
	rpc         []net.Listener
	rpcWarnings []error

	// metrics and profile are the --metricslisten and --profile sockets,
	// nil when the option is not set.
	metrics net.Listener
	profile net.Listener
}

// bindListeners binds every listener the configuration asks for, in the
// order P2P, RPC, metrics, profile. On error the ones already bound are
// closed and the error names the option and the fix.
func bindListeners(cfg *config) (b *boundListeners, err error) {
	b = &boundListeners{}
	defer func() {
		if err != nil {
			b.Close()
		}
	}()
	if !cfg.DisableListen {
		for _, a := range cfg.Listeners {
			ls, err := connmgr.Listen([]string{a})
			if err != nil {
				if len(cfg.Listeners) == 1 && cfg.Listeners[0] == net.JoinHostPort("", cfg.p2pPort()) &&
					cfg.compat.port == "" {
					// The default port is taken (another node on this
					// host): run without inbound connections rather than
					// not at all.
					b.p2pWarning = fmt.Errorf("cannot listen for peers on the default port "+
						"%s: %v; no inbound peers (use --listen to choose another port)", cfg.p2pPort(), err)
					break
				}
				return nil, fmt.Errorf("--listen=%s: %v; choose a free port with --listen "+
					"(or --nolisten for no inbound peers)", a, err)
			}
			b.p2p = append(b.p2p, ls...)
		}
	}
	if !cfg.DisableRPC {
		for _, a := range cfg.RPCListeners {
			l, err := net.Listen("tcp", a)
			if err != nil {
				if cfg.rpcDefaultListeners {
					b.rpcWarnings = append(b.rpcWarnings, fmt.Errorf("RPC: cannot listen on %s: %v", a, err))
					continue
				}
				return nil, fmt.Errorf("--rpclisten=%s: %v; choose a free port with --rpclisten "+
					"(or --norpc)", a, err)
			}
			b.rpc = append(b.rpc, l)
		}
		if len(b.rpc) == 0 {
			return nil, fmt.Errorf("--rpclisten: no RPC listener could be bound (%v); choose a free "+
				"port with --rpclisten (or --norpc)", b.rpcWarnings)
		}
	}
	for _, o := range []struct {
		name, addr string
		dst        *net.Listener
	}{{"metricslisten", cfg.MetricsListen, &b.metrics}, {"profile", cfg.Profile, &b.profile}} {
		if o.addr == "" {
			continue
		}
		l, err := net.Listen("tcp", o.addr)
		if err != nil {
			return nil, fmt.Errorf("--%s=%s: %v; choose a free port with --%s", o.name, o.addr, err, o.name)
		}
		*o.dst = l
	}
	return b, nil
}

// Close closes every listener; those a running part already closed are
// closed again harmlessly.
func (b *boundListeners) Close() {
	if b == nil {
		return
	}
	all := append(append([]net.Listener(nil), b.p2p...), b.rpc...)
	for _, l := range append(all, b.metrics, b.profile) {
		if l != nil {
			l.Close()
		}
	}
}
