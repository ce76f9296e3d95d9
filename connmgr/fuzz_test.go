package connmgr

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// scriptedConn is a net.Conn that reads from a fixed byte string and
// discards writes.
type scriptedConn struct {
	r io.Reader
}

func (c *scriptedConn) Read(b []byte) (int, error)       { return c.r.Read(b) }
func (c *scriptedConn) Write(b []byte) (int, error)      { return len(b), nil }
func (c *scriptedConn) Close() error                     { return nil }
func (c *scriptedConn) LocalAddr() net.Addr              { return nil }
func (c *scriptedConn) RemoteAddr() net.Addr             { return nil }
func (c *scriptedConn) SetDeadline(time.Time) error      { return nil }
func (c *scriptedConn) SetReadDeadline(time.Time) error  { return nil }
func (c *scriptedConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzSOCKS5Negotiate feeds arbitrary proxy answers to the client side of
// the SOCKS5 negotiation, which must fail cleanly and never panic.
func FuzzSOCKS5Negotiate(f *testing.F) {
	f.Add([]byte{5, 0, 5, 0, 0, 1, 1, 2, 3, 4, 0, 80})
	f.Add([]byte{5, 2, 1, 0, 5, 0, 0, 3, 3, 'a', 'b', 'c', 0, 80})
	f.Add([]byte{5, 0, 5, 4, 0, 4})
	f.Add([]byte{5, 0xff})
	f.Fuzz(func(t *testing.T, answer []byte) {
		p := &SOCKS5Proxy{Username: "u", Password: "p"}
		_ = p.negotiate(&scriptedConn{r: bytes.NewReader(answer)}, "x.onion", 8333)
	})
}
