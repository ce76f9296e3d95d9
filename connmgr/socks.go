package connmgr

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// SOCKS5 protocol constants from RFC 1928 and RFC 1929.
const (
	socksVersion5       = 0x05
	socksMethodNoAuth   = 0x00
	socksMethodUserPass = 0x02
	socksMethodNone     = 0xff
	socksCmdConnect     = 0x01
	socksAtypIPv4       = 0x01
	socksAtypDomain     = 0x03
	socksAtypIPv6       = 0x04
	socksUserPassVer    = 0x01
)

// socksReplyText maps the RFC 1928 reply codes to their meaning.
var socksReplyText = map[byte]string{
	0x01: "general SOCKS server failure",
	0x02: "connection not allowed by ruleset",
	0x03: "network unreachable",
	0x04: "host unreachable",
	0x05: "connection refused",
	0x06: "TTL expired",
	0x07: "command not supported",
	0x08: "address type not supported",
}

// DialFunc is the shape of a dial function: net.Dialer.DialContext and
// SOCKS5Proxy.DialContext both have it.
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// SOCKS5Proxy dials TCP connections through a SOCKS5 proxy (RFC 1928), with
// optional user name and password authentication (RFC 1929). Host names are
// sent to the proxy as domain names, never resolved locally, so .onion hosts
// reach Tor and no DNS query leaks. A SOCKS5Proxy is safe for concurrent use.
type SOCKS5Proxy struct {
	// Addr is the proxy's host:port.
	Addr string

	// Username and Password, when Username is not empty, are offered with
	// RFC 1929 authentication. Tor uses distinct credentials to isolate
	// streams.
	Username string
	Password string

	// Timeout bounds the TCP connection to the proxy and the SOCKS
	// negotiation; zero means 30 seconds.
	Timeout time.Duration

	// Dial connects to the proxy itself; nil means a net.Dialer.
	Dial DialFunc
}

// DialContext connects to address (host:port) through the proxy. The
// negotiation is bounded by the context and by Timeout.
func (p *SOCKS5Proxy) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, makeError(ErrInvalidAddress, "socks5: unsupported network "+network)
	}
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return nil, makeError(ErrInvalidAddress, "socks5: "+err.Error())
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, makeError(ErrInvalidAddress, "socks5: bad port "+portStr)
	}
	if len(host) == 0 || len(host) > 255 {
		return nil, makeError(ErrInvalidAddress, "socks5: bad host length")
	}
	if len(p.Username) > 255 || len(p.Password) > 255 {
		return nil, makeError(ErrInvalidAddress, "socks5: user name or password too long")
	}

	timeout := p.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	dial := p.Dial
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	conn, err := dial(ctx, "tcp", p.Addr)
	if err != nil {
		return nil, err
	}

	// Close the connection if the context ends during the negotiation, which
	// unblocks any read or write in progress.
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case <-ctx.Done():
			conn.Close()
		case <-done:
		}
	}()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	err = p.negotiate(conn, host, uint16(port))
	close(done)
	<-stopped
	var ne net.Error
	if err != nil && errors.As(err, &ne) && ne.Timeout() {
		// The connection deadline is the context deadline.
		err = fmt.Errorf("socks5: negotiation with %s: %w", p.Addr, context.DeadlineExceeded)
	} else if ctx.Err() != nil {
		// A deadline or cancellation explains the failure better than the
		// read error it caused.
		err = fmt.Errorf("socks5: negotiation with %s: %w", p.Addr, ctx.Err())
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	conn.SetDeadline(time.Time{})
	return conn, nil
}

// negotiate runs the method selection, optional authentication and CONNECT
// request on conn.
func (p *SOCKS5Proxy) negotiate(conn net.Conn, host string, port uint16) error {
	// Method selection: offer no authentication, and user/password when
	// credentials are configured.
	greeting := []byte{socksVersion5, 1, socksMethodNoAuth}
	if p.Username != "" {
		greeting = []byte{socksVersion5, 2, socksMethodNoAuth, socksMethodUserPass}
	}
	if _, err := conn.Write(greeting); err != nil {
		return err
	}
	var reply [2]byte
	if _, err := io.ReadFull(conn, reply[:]); err != nil {
		return err
	}
	if reply[0] != socksVersion5 {
		return makeError(ErrSOCKSProtocol, fmt.Sprintf("socks5: proxy answered version %d", reply[0]))
	}
	switch reply[1] {
	case socksMethodNoAuth:
	case socksMethodUserPass:
		if p.Username == "" {
			return makeError(ErrSOCKSProtocol, "socks5: proxy chose user/password, none offered")
		}
		if err := p.authenticate(conn); err != nil {
			return err
		}
	case socksMethodNone:
		return makeError(ErrSOCKSAuth, "socks5: proxy accepted none of the offered methods")
	default:
		return makeError(ErrSOCKSProtocol, fmt.Sprintf("socks5: proxy chose unoffered method %d", reply[1]))
	}

	// CONNECT request. An IP literal is sent as an address, anything else as
	// a domain name for the proxy to resolve.
	req := make([]byte, 0, 6+1+len(host)+2)
	req = append(req, socksVersion5, socksCmdConnect, 0)
	if ip, err := netip.ParseAddr(host); err == nil && ip.Zone() == "" {
		ip = ip.Unmap()
		if ip.Is4() {
			b := ip.As4()
			req = append(req, socksAtypIPv4)
			req = append(req, b[:]...)
		} else {
			b := ip.As16()
			req = append(req, socksAtypIPv6)
			req = append(req, b[:]...)
		}
	} else {
		req = append(req, socksAtypDomain, byte(len(host)))
		req = append(req, host...)
	}
	req = binary.BigEndian.AppendUint16(req, port)
	if _, err := conn.Write(req); err != nil {
		return err
	}

	// Reply: VER REP RSV ATYP BND.ADDR BND.PORT.
	var head [4]byte
	if _, err := io.ReadFull(conn, head[:]); err != nil {
		return err
	}
	if head[0] != socksVersion5 {
		return makeError(ErrSOCKSProtocol, fmt.Sprintf("socks5: reply version %d", head[0]))
	}
	if head[1] != 0 {
		text, ok := socksReplyText[head[1]]
		if !ok {
			text = "unknown error"
		}
		return makeError(ErrSOCKSConnect, fmt.Sprintf("socks5: connect to %s: %s (code %d)",
			net.JoinHostPort(host, strconv.Itoa(int(port))), text, head[1]))
	}
	var skip int
	switch head[3] {
	case socksAtypIPv4:
		skip = 4
	case socksAtypIPv6:
		skip = 16
	case socksAtypDomain:
		var l [1]byte
		if _, err := io.ReadFull(conn, l[:]); err != nil {
			return err
		}
		skip = int(l[0])
	default:
		return makeError(ErrSOCKSProtocol, fmt.Sprintf("socks5: reply address type %d", head[3]))
	}
	var buf [255 + 2]byte
	if _, err := io.ReadFull(conn, buf[:skip+2]); err != nil {
		return err
	}
	return nil
}

// authenticate runs the RFC 1929 user name and password subnegotiation.
func (p *SOCKS5Proxy) authenticate(conn net.Conn) error {
	msg := make([]byte, 0, 3+len(p.Username)+len(p.Password))
	msg = append(msg, socksUserPassVer, byte(len(p.Username)))
	msg = append(msg, p.Username...)
	msg = append(msg, byte(len(p.Password)))
	msg = append(msg, p.Password...)
	if _, err := conn.Write(msg); err != nil {
		return err
	}
	var reply [2]byte
	if _, err := io.ReadFull(conn, reply[:]); err != nil {
		return err
	}
	if reply[0] != socksUserPassVer {
		return makeError(ErrSOCKSProtocol, fmt.Sprintf("socks5: auth reply version %d", reply[0]))
	}
	if reply[1] != 0 {
		return makeError(ErrSOCKSAuth, "socks5: proxy refused the user name and password")
	}
	return nil
}

// IsOnionHost reports whether host (without port) is a Tor .onion name.
func IsOnionHost(host string) bool {
	return strings.HasSuffix(strings.ToLower(strings.TrimSuffix(host, ".")), ".onion")
}

// Dialer chooses how to reach an address: .onion hosts through the onion
// proxy (or the general proxy when no onion proxy is set), everything else
// through the general proxy when one is set, and directly otherwise. It is
// safe for concurrent use.
type Dialer struct {
	// Proxy, when not nil, carries every connection (--proxy).
	Proxy *SOCKS5Proxy

	// OnionProxy, when not nil, carries connections to .onion hosts
	// (--onion); it takes precedence over Proxy for them.
	OnionProxy *SOCKS5Proxy

	// Timeout bounds direct connections; zero means 30 seconds.
	Timeout time.Duration

	// Direct dials without a proxy; nil means a net.Dialer.
	Direct DialFunc
}

// DialContext connects to address (host:port) by the route described on
// Dialer. An .onion host with no proxy fails with ErrNoOnionProxy.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return nil, makeError(ErrInvalidAddress, err.Error())
	}
	if IsOnionHost(host) {
		switch {
		case d.OnionProxy != nil:
			return d.OnionProxy.DialContext(ctx, network, address)
		case d.Proxy != nil:
			return d.Proxy.DialContext(ctx, network, address)
		default:
			return nil, makeError(ErrNoOnionProxy, "no proxy to reach "+host)
		}
	}
	if d.Proxy != nil {
		return d.Proxy.DialContext(ctx, network, address)
	}
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if d.Direct != nil {
		return d.Direct(ctx, network, address)
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, address)
}
