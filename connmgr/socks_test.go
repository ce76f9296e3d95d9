package connmgr

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"
)

// socksServer is an in-process SOCKS5 server following RFC 1928 and RFC
// 1929: it negotiates no-auth or user/password, serves CONNECT for IPv4,
// IPv6 and domain-name targets, resolves names only through its own table
// (as Tor resolves .onion names), and relays bytes both ways.
type socksServer struct {
	t        *testing.T
	ln       net.Listener
	user     string
	pass     string
	names    map[string]string // domain -> real host:port
	mu       sync.Mutex
	requests []string // target of every CONNECT, as host:port
	wg       sync.WaitGroup
}

func newSOCKSServer(t *testing.T, user, pass string, names map[string]string) *socksServer {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &socksServer{t: t, ln: ln, user: user, pass: pass, names: names}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *socksServer) addr() string { return s.ln.Addr().String() }

func (s *socksServer) targets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func (s *socksServer) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handle(c)
		}()
	}
}

func (s *socksServer) handle(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	var hdr [2]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil || hdr[0] != 5 {
		return
	}
	methods := make([]byte, hdr[1])
	if _, err := io.ReadFull(c, methods); err != nil {
		return
	}
	want := byte(0x00)
	if s.user != "" {
		want = 0x02
	}
	found := false
	for _, m := range methods {
		if m == want {
			found = true
		}
	}
	if !found {
		c.Write([]byte{5, 0xff})
		return
	}
	c.Write([]byte{5, want})
	if want == 0x02 {
		var v [2]byte
		if _, err := io.ReadFull(c, v[:]); err != nil || v[0] != 1 {
			return
		}
		u := make([]byte, v[1])
		io.ReadFull(c, u)
		var pl [1]byte
		io.ReadFull(c, pl[:])
		p := make([]byte, pl[0])
		io.ReadFull(c, p)
		if string(u) != s.user || string(p) != s.pass {
			c.Write([]byte{1, 1})
			return
		}
		c.Write([]byte{1, 0})
	}
	var req [4]byte
	if _, err := io.ReadFull(c, req[:]); err != nil || req[0] != 5 {
		return
	}
	reply := func(code byte) {
		c.Write([]byte{5, code, 0, 1, 0, 0, 0, 0, 0, 0})
	}
	if req[1] != 1 {
		reply(7)
		return
	}
	var host string
	switch req[3] {
	case 1:
		b := make([]byte, 4)
		io.ReadFull(c, b)
		host = net.IP(b).String()
	case 4:
		b := make([]byte, 16)
		io.ReadFull(c, b)
		host = net.IP(b).String()
	case 3:
		var l [1]byte
		io.ReadFull(c, l[:])
		b := make([]byte, l[0])
		io.ReadFull(c, b)
		host = string(b)
	default:
		reply(8)
		return
	}
	var pb [2]byte
	if _, err := io.ReadFull(c, pb[:]); err != nil {
		return
	}
	target := net.JoinHostPort(host, strconv.Itoa(int(binary.BigEndian.Uint16(pb[:]))))
	s.mu.Lock()
	s.requests = append(s.requests, target)
	s.mu.Unlock()
	real := target
	if req[3] == 3 {
		r, ok := s.names[target]
		if !ok {
			reply(4) // Host unreachable: the proxy cannot resolve it.
			return
		}
		real = r
	}
	up, err := net.DialTimeout("tcp", real, 5*time.Second)
	if err != nil {
		reply(5)
		return
	}
	defer up.Close()
	// Reply with a domain-typed bound address to exercise that parser path.
	c.Write([]byte{5, 0, 0, 3, 4, 'b', 'n', 'd', 'x', 0, 1})
	c.SetDeadline(time.Time{})
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, c); up.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
	go func() { io.Copy(c, up); done <- struct{}{} }()
	<-done
	<-done
}

// echoServer accepts connections and echoes what it reads.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); io.Copy(c, c); c.Close() }()
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().String()
}

func roundTrip(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatal(err)
	}
	if string(buf) != msg {
		t.Fatalf("echo %q, want %q", buf, msg)
	}
}

func TestSOCKS5(t *testing.T) {
	echo := echoServer(t)
	onion := "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion:8333"
	tests := []struct {
		name     string
		user     string
		pass     string
		cliUser  string
		cliPass  string
		target   string
		wantErr  error
		wantSeen string
	}{
		{name: "no auth ip", target: echo, wantSeen: echo},
		{name: "user pass onion by name", user: "u", pass: "p", cliUser: "u", cliPass: "p",
			target: onion, wantSeen: onion},
		{name: "wrong password", user: "u", pass: "p", cliUser: "u", cliPass: "x",
			target: echo, wantErr: ErrSOCKSAuth},
		{name: "no credentials offered", user: "u", pass: "p", target: echo, wantErr: ErrSOCKSAuth},
		{name: "unresolvable name", target: "nothere.onion:1", wantErr: ErrSOCKSConnect},
		{name: "bad port", target: "1.2.3.4:x", wantErr: ErrInvalidAddress},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newSOCKSServer(t, tc.user, tc.pass, map[string]string{onion: echo})
			p := &SOCKS5Proxy{Addr: srv.addr(), Username: tc.cliUser, Password: tc.cliPass,
				Timeout: 5 * time.Second}
			c, err := p.DialContext(context.Background(), "tcp", tc.target)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			roundTrip(t, c, "hello through socks")
			if got := srv.targets(); len(got) != 1 || got[0] != tc.wantSeen {
				t.Fatalf("proxy saw %v, want %s", got, tc.wantSeen)
			}
		})
	}
}

func TestSOCKS5BadServer(t *testing.T) {
	// A server that answers garbage must give a protocol error, and one that
	// never answers must be cut by the timeout.
	for _, tc := range []struct {
		name    string
		answer  []byte
		wantErr error
	}{
		{"wrong version", []byte{4, 0}, ErrSOCKSProtocol},
		{"unoffered method", []byte{5, 0x03}, ErrSOCKSProtocol},
		{"silent", nil, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			go func() {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
				buf := make([]byte, 3)
				io.ReadFull(c, buf)
				if tc.answer != nil {
					c.Write(tc.answer)
				}
				io.Copy(io.Discard, c)
			}()
			p := &SOCKS5Proxy{Addr: ln.Addr().String(), Timeout: 300 * time.Millisecond}
			_, err = p.DialContext(context.Background(), "tcp", "1.2.3.4:5")
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func TestDialerRoutes(t *testing.T) {
	echo := echoServer(t)
	onion := "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz2345.onion:8333"
	general := newSOCKSServer(t, "", "", map[string]string{onion: echo})
	onionSrv := newSOCKSServer(t, "tor", "iso", map[string]string{onion: echo})

	d := &Dialer{Timeout: 5 * time.Second}
	if _, err := d.DialContext(context.Background(), "tcp", onion); !errors.Is(err, ErrNoOnionProxy) {
		t.Fatalf("onion without proxy: %v", err)
	}
	c, err := d.DialContext(context.Background(), "tcp", echo)
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, "direct")
	c.Close()

	d.Proxy = &SOCKS5Proxy{Addr: general.addr()}
	d.OnionProxy = &SOCKS5Proxy{Addr: onionSrv.addr(), Username: "tor", Password: "iso"}
	for _, target := range []string{echo, onion} {
		c, err := d.DialContext(context.Background(), "tcp", target)
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, c, "x")
		c.Close()
	}
	if got := general.targets(); len(got) != 1 || got[0] != echo {
		t.Fatalf("general proxy saw %v", got)
	}
	if got := onionSrv.targets(); len(got) != 1 || got[0] != onion {
		t.Fatalf("onion proxy saw %v", got)
	}
}
