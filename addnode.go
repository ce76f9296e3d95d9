package main

// Operator connections: --addpeer, --connect and the addnode RPC.

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/tern-org/ternd/connmgr"
	"github.com/tern-org/ternd/peer"
)

// oneTryDialTimeout bounds the dial of addnode onetry.
const oneTryDialTimeout = 30 * time.Second

// stringAddr is a host:port (a name, an IP or an onion host) as a
// net.Addr, for connection requests.
type stringAddr string

func (a stringAddr) Network() string { return "tcp" }

func (a stringAddr) String() string { return string(a) }

// addNode asks the connection manager for a permanent connection to addr
// (--addpeer, --connect, addnode add), redialed until removed, or dials it
// once (addnode onetry). v2 chooses the BIP324 v2 transport for it (it
// falls back to v1 when the handshake fails); false dials v1.
func (s *server) addNode(addr string, permanent, v2 bool) error {
	hostport, err := s.normalizeNodeAddr(addr)
	if err != nil {
		return err
	}
	if !v2 && s.v2Enabled() {
		s.v1Only.has(hostport, true)
	}
	if !permanent {
		s.oneTry(hostport, v2)
		return nil
	}
	req := &connmgr.ConnReq{Addr: stringAddr(hostport), Permanent: true}
	s.addedMu.Lock()
	if _, ok := s.added[addr]; ok {
		s.addedMu.Unlock()
		return errNodeAlreadyAdded
	}
	s.added[addr] = req
	s.addedMu.Unlock()
	return s.cm.Connect(req)
}

// oneTry dials hostport once (addnode onetry) on its own goroutine, with
// the v2 transport when v2 is set and the address has not failed it. As
// in Core, such a manual connection uses no automatic outbound slot, so
// it is dialed here rather than through the connection manager.
func (s *server) oneTry(hostport string, v2 bool) {
	ctx := s.ctx
	if ctx == nil || ctx.Err() != nil {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		dctx, cancel := context.WithTimeout(ctx, oneTryDialTimeout)
		defer cancel()
		conn, err := s.dialer.DialContext(dctx, "tcp", hostport)
		if err != nil {
			srvrLog.Debugf("Cannot connect to %s: %v", hostport, err)
			return
		}
		if v2 && s.dialV2(stringAddr(hostport), true) {
			s.runPeer(peer.NewOutboundPeerV2(s.pcfg, s.nextID.Add(1), conn), nil)
			return
		}
		s.runPeer(peer.NewOutboundPeer(s.pcfg, s.nextID.Add(1), conn), nil)
	}()
}

// errNodeAlreadyAdded is returned by addNode for a duplicate request.
var errNodeAlreadyAdded = errors.New("node already added")

// normalizeNodeAddr adds the network's default port to a bare host.
func (s *server) normalizeNodeAddr(addr string) (string, error) {
	if _, _, err := net.SplitHostPort(addr); err == nil {
		return addr, nil
	}
	if addr == "" {
		return "", errors.New("empty address")
	}
	return net.JoinHostPort(addr, s.cfg.params.DefaultPort), nil
}
