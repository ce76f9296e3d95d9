package connmgr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// runManager starts cm.Run and registers a cleanup that stops it and checks
// that Run returned.
func runManager(t *testing.T, cm *ConnManager) context.CancelFunc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cm.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return")
		}
	})
	return cancel
}

func dialFrom(t *testing.T, src, target string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp4", target)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// isClosedByPeer reports whether the server closed c.
func isClosedByPeer(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	var b [1]byte
	_, err := c.Read(b[:])
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

func TestInboundLimits(t *testing.T) {
	ls, err := Listen([]string{"127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	target := ls[0].Addr().String()
	bans := NewBanList()
	bans.Ban(netip.MustParsePrefix("127.0.0.9/32"), time.Hour, "test")

	var mu sync.Mutex
	var accepted []net.Conn
	cm := New(&Config{
		Listeners:          ls,
		TargetOutbound:     2,
		MaxPeers:           6, // four inbound slots
		MaxInboundPerIP:    2,
		MaxInboundPerGroup: 3,
		GroupKey: func(a net.Addr) string {
			ip, _ := AddrIP(a)
			b := ip.As4()
			return fmt.Sprint(b[3] / 10) // 127.0.0.1-9 share group 0, 10-19 group 1.
		},
		IsBanned:      bans.IsBannedAddr,
		IsWhitelisted: func(a net.Addr) bool { ip, _ := AddrIP(a); return ip.As4()[3] == 30 },
		OnAccept: func(c net.Conn) {
			mu.Lock()
			accepted = append(accepted, c)
			mu.Unlock()
		},
	})
	runManager(t, cm)
	count := func() int { in, _ := cm.Counts(); return in }

	steps := []struct {
		src    string
		accept bool
	}{
		{"127.0.0.1", true},
		{"127.0.0.1", true},
		{"127.0.0.1", false}, // per-IP limit of 2
		{"127.0.0.2", true},
		{"127.0.0.3", false}, // per-group limit of 3
		{"127.0.0.9", false}, // banned
		{"127.0.0.11", true}, // fourth and last inbound slot
		{"127.0.0.12", false},
		{"127.0.0.30", false}, // whitelisted, but the slots are full
	}
	want := 0
	for i, s := range steps {
		c := dialFrom(t, s.src, target)
		defer c.Close()
		if s.accept {
			want++
			waitFor(t, "accept", func() bool { return count() == want })
		} else if !isClosedByPeer(c) {
			t.Fatalf("step %d (%s): connection not refused", i, s.src)
		}
		if got := count(); got != want {
			t.Fatalf("step %d: %d inbound, want %d", i, got, want)
		}
	}
	// Closing an accepted connection frees its slot (once, however often
	// it is closed).
	mu.Lock()
	accepted[0].Close()
	accepted[0].Close()
	mu.Unlock()
	waitFor(t, "release", func() bool { return count() == want-1 })
	c := dialFrom(t, "127.0.0.1", target)
	defer c.Close()
	waitFor(t, "re-accept", func() bool { return count() == want })
}

func TestInboundBurst(t *testing.T) {
	ls, err := Listen([]string{"127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var held []net.Conn
	var maxSeen atomic.Int64
	cm := New(&Config{Listeners: ls, MaxPeers: 20, TargetOutbound: 8})
	cm.cfg.OnAccept = func(c net.Conn) {
		mu.Lock()
		held = append(held, c)
		mu.Unlock()
		if in, _ := cm.Counts(); int64(in) > maxSeen.Load() {
			maxSeen.Store(int64(in))
		}
	}
	runManager(t, cm)
	const n = 1000
	var wg sync.WaitGroup
	sem := make(chan struct{}, 50)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := net.DialTimeout("tcp4", ls[0].Addr().String(), 5*time.Second)
			if err == nil {
				c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
				c.Read(make([]byte, 1))
				c.Close()
			}
		}()
	}
	wg.Wait()
	if in, _ := cm.Counts(); in != 12 || maxSeen.Load() > 12 {
		t.Fatalf("inbound %d (max %d), want 12 = maxpeers 20 - 8 outbound", in, maxSeen.Load())
	}
	mu.Lock()
	for _, c := range held {
		c.Close()
	}
	mu.Unlock()
}

// fakeNet is an in-memory dialer: dialing an address succeeds when it is
// marked up, and returns one end of a pipe.
type fakeNet struct {
	mu    sync.Mutex
	up    map[string]bool
	dials map[string]int
	peers []net.Conn
}

func newFakeNet() *fakeNet {
	return &fakeNet{up: make(map[string]bool), dials: make(map[string]int)}
}

func (f *fakeNet) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dials[addr]++
	if !f.up[addr] {
		return nil, errors.New("connection refused")
	}
	a, b := net.Pipe()
	f.peers = append(f.peers, b)
	return a, nil
}

func (f *fakeNet) setUp(addr string, up bool) {
	f.mu.Lock()
	f.up[addr] = up
	f.mu.Unlock()
}

func (f *fakeNet) dialCount(addr string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dials[addr]
}

func (f *fakeNet) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.peers {
		p.Close()
	}
}

func tcpAddr(s string) net.Addr {
	a, err := net.ResolveTCPAddr("tcp", s)
	if err != nil {
		panic(err)
	}
	return a
}

func TestOutboundGroups(t *testing.T) {
	fn := newFakeNet()
	defer fn.close()
	// The source offers 3 addresses in each of 5 groups, round robin.
	var addrs []string
	for g := 1; g <= 5; g++ {
		for h := 1; h <= 3; h++ {
			a := fmt.Sprintf("10.%d.0.%d:8333", g, h)
			addrs = append(addrs, a)
			fn.setUp(a, true)
		}
	}
	var next atomic.Int64
	var mu sync.Mutex
	conns := map[string]net.Conn{}
	cm := New(&Config{
		TargetOutbound: 4,
		Dial:           fn.dial,
		GetNewAddress: func() (net.Addr, error) {
			i := next.Add(1) - 1
			return tcpAddr(addrs[i%int64(len(addrs))]), nil
		},
		OnConnection: func(r *ConnReq, c net.Conn) {
			mu.Lock()
			conns[r.Addr.String()] = c
			mu.Unlock()
		},
		RetryDuration: 20 * time.Millisecond,
		DialInterval:  5 * time.Millisecond,
	})
	runManager(t, cm)
	established := func() map[string]bool {
		groups := map[string]bool{}
		for _, r := range cm.Requests() {
			if st, _ := cm.State(r.ID()); st == ConnEstablished {
				groups[NetGroup(r.Addr)] = true
			}
		}
		return groups
	}
	waitFor(t, "4 outbound", func() bool { return len(established()) == 4 })
	if _, out := cm.Counts(); out != 4 {
		t.Fatalf("%d outbound requests, want 4 in 4 groups", out)
	}
	// Closing one connection makes the manager replace it with another
	// group.
	mu.Lock()
	for _, c := range conns {
		c.Close()
		break
	}
	mu.Unlock()
	waitFor(t, "replacement", func() bool { return len(established()) == 4 })
}

func TestPersistentBackoff(t *testing.T) {
	fn := newFakeNet()
	defer fn.close()
	const addr = "10.9.9.9:8333"
	var connected atomic.Int64
	var lastConn atomic.Value
	disconnected := make(chan struct{}, 10)
	cm := New(&Config{
		TargetOutbound:   -1,
		Dial:             fn.dial,
		RetryDuration:    10 * time.Millisecond,
		MaxRetryDuration: 40 * time.Millisecond,
		OnConnection: func(r *ConnReq, c net.Conn) {
			connected.Add(1)
			lastConn.Store(c)
		},
		OnDisconnection: func(*ConnReq) { disconnected <- struct{}{} },
	})
	// Requests made before Run start with it (the --connect mode).
	req := &ConnReq{Addr: tcpAddr(addr), Permanent: true}
	if err := cm.Connect(req); err != nil {
		t.Fatal(err)
	}
	runManager(t, cm)
	waitFor(t, "retries", func() bool { return fn.dialCount(addr) >= 6 })
	fn.setUp(addr, true)
	waitFor(t, "connect", func() bool { return connected.Load() == 1 })
	// A disconnect triggers a redial.
	lastConn.Load().(net.Conn).Close()
	<-disconnected
	waitFor(t, "reconnect", func() bool { return connected.Load() == 2 })
	// Remove stops it for good.
	if err := cm.Remove(req.ID()); err != nil {
		t.Fatal(err)
	}
	<-disconnected
	time.Sleep(60 * time.Millisecond)
	if connected.Load() != 2 {
		t.Fatal("removed request redialed")
	}
	if err := cm.Remove(req.ID()); !errors.Is(err, ErrUnknownConn) {
		t.Fatalf("second remove: %v", err)
	}
	if err := cm.Disconnect(12345); !errors.Is(err, ErrUnknownConn) {
		t.Fatalf("disconnect unknown: %v", err)
	}
}

func TestBackoffSchedule(t *testing.T) {
	cm := New(&Config{RetryDuration: time.Second, MaxRetryDuration: 10 * time.Second})
	want := []time.Duration{1, 2, 4, 8, 10, 10, 10}
	for i, w := range want {
		if got := cm.backoff(uint32(i + 1)); got != w*time.Second {
			t.Errorf("retry %d: %v, want %v", i+1, got, w*time.Second)
		}
	}
	if got := cm.backoff(1000); got != 10*time.Second {
		t.Errorf("retry 1000: %v", got)
	}
}

func TestRunLifecycleNoLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	for i := 0; i < 3; i++ {
		ls, err := Listen([]string{"127.0.0.1:0", "[::1]:0"})
		if err != nil {
			ls, err = Listen([]string{"127.0.0.1:0"})
			if err != nil {
				t.Fatal(err)
			}
		}
		fn := newFakeNet()
		cm := New(&Config{
			Listeners:     ls,
			Dial:          fn.dial,
			RetryDuration: time.Hour, // Pending timers must be stopped by Run.
			GetNewAddress: func() (net.Addr, error) { return tcpAddr("10.1.2.3:1"), nil },
		})
		cm.Connect(&ConnReq{Addr: tcpAddr("10.7.7.7:1"), Permanent: true})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- cm.Run(ctx) }()
		waitFor(t, "dial", func() bool { return fn.dialCount("10.7.7.7:1") > 0 })
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return")
		}
		if err := cm.Run(context.Background()); !errors.Is(err, ErrNotRunning) {
			t.Fatalf("second Run: %v", err)
		}
		if err := cm.Connect(&ConnReq{Addr: tcpAddr("10.1.1.1:1")}); !errors.Is(err, ErrNotRunning) {
			t.Fatalf("Connect after stop: %v", err)
		}
		for _, l := range ls {
			if _, err := l.Accept(); err == nil {
				t.Fatal("listener still open")
			}
		}
	}
	waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
}

func TestNetGroup(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"1.2.3.4:8333", "1.2"},
		{"1.2.200.4:1", "1.2"},
		{"[::ffff:1.2.3.4]:1", "1.2"},
		{"[2001:db8:1234::1]:1", "2001:db8"},
		{"[2002:102:304::1]:1", "1.2"},                      // 6to4
		{"[2001:0:4136:e378:8000:63bf:fefd:fcfb]:1", "1.2"}, // Teredo 1.2.3.4 obfuscated
		{"127.0.0.1:1", "local"},
		{"abc.onion:8333", "host:abc.onion"},
	}
	for _, tc := range tests {
		var a net.Addr
		if ta, err := net.ResolveTCPAddr("tcp", tc.addr); err == nil {
			a = ta
		} else {
			a = hostAddr(tc.addr)
		}
		if got := NetGroup(a); got != tc.want {
			t.Errorf("NetGroup(%s) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}

type hostAddr string

func (h hostAddr) Network() string { return "tcp" }
func (h hostAddr) String() string  { return string(h) }

func TestBanList(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	b := NewBanList()
	b.now = func() time.Time { return now }
	p, err := ParseBanTarget("10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	b.Ban(p, time.Hour, "misbehaving")
	one, _ := ParseBanTarget("::ffff:192.168.1.1")
	b.Ban(one, 2*time.Hour, "")
	tests := []struct {
		ip   string
		want bool
	}{
		{"10.1.2.3", true}, {"11.0.0.1", false}, {"192.168.1.1", true}, {"::ffff:10.0.0.1", true},
	}
	for _, tc := range tests {
		if got := b.IsBanned(netip.MustParseAddr(tc.ip)); got != tc.want {
			t.Errorf("IsBanned(%s) = %v", tc.ip, got)
		}
	}
	if !b.IsBannedAddr(tcpAddr("10.0.0.1:5")) || b.IsBannedAddr(hostAddr("x.onion:1")) {
		t.Error("IsBannedAddr")
	}
	saved := b.Entries()
	if len(saved) != 2 {
		t.Fatalf("%d entries", len(saved))
	}
	now = now.Add(90 * time.Minute)
	if b.IsBanned(netip.MustParseAddr("10.1.2.3")) || !b.IsBanned(netip.MustParseAddr("192.168.1.1")) {
		t.Error("expiry")
	}
	b2 := NewBanList()
	b2.now = b.now
	b2.Load(saved)
	if len(b2.Entries()) != 1 {
		t.Errorf("Load kept %d entries, want 1 unexpired", len(b2.Entries()))
	}
	if !b2.Unban(one) || b2.Unban(one) {
		t.Error("Unban")
	}
	b2.Ban(one, time.Hour, "")
	b2.Clear()
	if len(b2.Entries()) != 0 {
		t.Error("Clear")
	}
	for _, bad := range []string{"x", "1.2.3.4/40", "fe80::1%eth0", "::ffff:1.2.3.4/90"} {
		if _, err := ParseBanTarget(bad); !errors.Is(err, ErrInvalidBanTarget) {
			t.Errorf("ParseBanTarget(%q): %v", bad, err)
		}
	}
}

func TestBanListBound(t *testing.T) {
	b := NewBanList()
	for i := 0; i < MaxBanEntries+10; i++ {
		ip := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		b.Ban(netip.PrefixFrom(ip, 32), time.Duration(i+1)*time.Second, "")
	}
	if n := len(b.Entries()); n != MaxBanEntries {
		t.Fatalf("%d entries, want %d", n, MaxBanEntries)
	}
}

// TestBanListCapSparesManualBans checks that at the cap an
// automatic ban evicts the automatic ban expiring first, never an
// operator's, even one expiring sooner; with only manual bans left an
// automatic ban is not recorded, while a manual one evicts the manual ban
// expiring first. An automatic ban does not overwrite a manual one.
func TestBanListCapSparesManualBans(t *testing.T) {
	ip := func(i int) netip.Prefix {
		return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 32)
	}
	now := time.Now()
	b := NewBanList()
	manual := netip.MustParsePrefix("192.0.2.0/24")
	b.ManualBanUntil(manual, now.Add(time.Second), "operator")
	for i := 0; i < MaxBanEntries-1; i++ {
		b.Ban(ip(i), time.Hour+time.Duration(i)*time.Second, "")
	}
	b.Ban(ip(MaxBanEntries), 2*time.Hour, "")
	if !b.IsBanned(netip.MustParseAddr("192.0.2.7")) {
		t.Fatal("the operator's ban was evicted for an automatic one")
	}
	if b.IsBanned(ip(0).Addr()) || !b.IsBanned(ip(MaxBanEntries).Addr()) {
		t.Fatal("the automatic ban expiring first was not the one evicted")
	}
	b.Ban(manual, 3*time.Hour, "auto")
	for _, e := range b.Entries() {
		if e.Subnet == manual && (!e.Manual || e.Reason != "operator") {
			t.Fatalf("automatic ban replaced the manual one: %+v", e)
		}
	}

	all := NewBanList()
	for i := 0; i < MaxBanEntries; i++ {
		all.ManualBanUntil(ip(i), now.Add(time.Hour+time.Duration(i)*time.Second), "")
	}
	all.Ban(ip(MaxBanEntries), time.Hour, "")
	if all.IsBanned(ip(MaxBanEntries).Addr()) || !all.IsBanned(ip(0).Addr()) {
		t.Fatal("an automatic ban displaced a manual one")
	}
	all.ManualBanUntil(ip(MaxBanEntries+1), now.Add(time.Hour), "")
	if all.IsBanned(ip(0).Addr()) || !all.IsBanned(ip(MaxBanEntries+1).Addr()) {
		t.Fatal("a manual ban at the cap did not evict the manual ban expiring first")
	}
}

// TestBanListLoadKeepsManualBans: loading more than MaxBanEntries keeps
// the operator's bans, wherever they are in the file.
func TestBanListLoadKeepsManualBans(t *testing.T) {
	until := time.Now().Add(time.Hour)
	var entries []BanEntry
	for i := 0; i < MaxBanEntries; i++ {
		ip := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		entries = append(entries, BanEntry{Subnet: netip.PrefixFrom(ip, 32), Until: until})
	}
	manual := netip.MustParsePrefix("192.0.2.0/24")
	entries = append(entries, BanEntry{Subnet: manual, Until: until, Manual: true})
	b := NewBanList()
	b.Load(entries)
	if len(b.Entries()) != MaxBanEntries || !b.IsBanned(netip.MustParseAddr("192.0.2.1")) {
		t.Fatal("the manual ban was dropped at the cap")
	}
}

// TestBanListDirty checks the change mark that lets the server save the
// list off the hot path.
func TestBanListDirty(t *testing.T) {
	b := NewBanList()
	if b.TakeDirty() {
		t.Fatal("new list dirty")
	}
	p := netip.MustParsePrefix("10.0.0.1/32")
	b.Ban(p, time.Hour, "")
	if !b.TakeDirty() || b.TakeDirty() {
		t.Fatal("Ban not marked once")
	}
	b.IsBanned(p.Addr())
	if b.TakeDirty() {
		t.Fatal("a lookup marked the list")
	}
	if b.Unban(netip.MustParsePrefix("10.0.0.2/32")) || b.TakeDirty() {
		t.Fatal("a no-op unban marked the list")
	}
	b.Unban(p)
	if !b.TakeDirty() {
		t.Fatal("Unban not marked")
	}
	b.Clear()
	if !b.TakeDirty() {
		t.Fatal("Clear not marked")
	}
	b.MarkDirty()
	if !b.TakeDirty() {
		t.Fatal("MarkDirty not marked")
	}
}

// TestBanUntilAfterSaturates checks that a huge ban time
// saturates at MaxBanUntil instead of wrapping into the past.
func TestBanUntilAfterSaturates(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		secs int64
		want time.Time
	}{
		{0, now},
		{-5, now},
		{3600, now.Add(time.Hour)},
		{10_000_000_000, time.Unix(1_700_000_000+10_000_000_000, 0)},
		{1 << 62, MaxBanUntil},
		{math.MaxInt64, MaxBanUntil},
	}
	for _, tc := range tests {
		if got := BanUntilAfter(now, tc.secs); !got.Equal(tc.want) {
			t.Errorf("BanUntilAfter(%d) = %v, want %v", tc.secs, got, tc.want)
		}
	}
	b := NewBanList()
	p := netip.MustParsePrefix("10.0.0.1/32")
	b.ManualBanUntil(p, time.Unix(math.MaxInt64/2, 0), "")
	e := b.Entries()
	if len(e) != 1 || !e[0].Until.Equal(MaxBanUntil) || !b.IsBanned(p.Addr()) {
		t.Fatalf("far ban: %+v", e)
	}
	if _, err := json.Marshal(e); err != nil {
		t.Fatalf("saturated ban does not encode: %v", err)
	}
}

func TestErrorKinds(t *testing.T) {
	kinds := []ErrorKind{ErrNotRunning, ErrUnknownConn, ErrNoOnionProxy, ErrSOCKSProtocol,
		ErrSOCKSAuth, ErrSOCKSConnect, ErrInvalidAddress, ErrInvalidBanTarget, ErrCorruptFile}
	for _, k := range kinds {
		err := fmt.Errorf("wrapped: %w", makeError(k, "desc "+string(k)))
		if !errors.Is(err, k) {
			t.Errorf("%s does not unwrap", k)
		}
		if k.Error() != string(k) {
			t.Errorf("%s Error()", k)
		}
		for _, other := range kinds {
			if other != k && errors.Is(err, other) {
				t.Errorf("%s matches %s", k, other)
			}
		}
	}
}

func TestFailingDialsPaced(t *testing.T) {
	// Every dial fails at once; the manager must not redial in a tight loop.
	fn := newFakeNet()
	var asked atomic.Int64
	cm := New(&Config{
		TargetOutbound: 8,
		Dial:           fn.dial,
		DialInterval:   50 * time.Millisecond,
		GetNewAddress: func() (net.Addr, error) {
			i := asked.Add(1)
			return tcpAddr(fmt.Sprintf("10.%d.0.1:8333", i%200)), nil
		},
	})
	cancel := runManager(t, cm)
	time.Sleep(300 * time.Millisecond)
	cancel()
	// About 6 rounds of at most 8 dials (plus skipped duplicate groups).
	if n := asked.Load(); n > 200 {
		t.Fatalf("%d addresses asked in 300 ms", n)
	}
}

func TestListen(t *testing.T) {
	ls, err := Listen(DefaultListenAddrs("0"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	if len(ls) == 0 || len(ls) > 2 {
		t.Fatalf("%d listeners for the default addresses", len(ls))
	}
	if ip := ls[0].Addr().(*net.TCPAddr).IP; ip.To4() == nil {
		t.Fatalf("first listener is %v, want IPv4", ip)
	}
	for _, bad := range []string{"nohostport", "127.0.0.1:notaport"} {
		if _, err := Listen([]string{"127.0.0.1:0", bad}); err == nil {
			t.Errorf("Listen(%q) succeeded", bad)
		}
	}
	if _, err := Listen([]string{"x"}); !errors.Is(err, ErrInvalidAddress) {
		t.Errorf("kind: %v", err)
	}
}

// TestOneShotDoesNotDisturbAutomatic checks that a one-shot manual request
// (addnode onetry) neither takes an automatic slot nor, once it closes,
// lets the manager open an automatic connection beyond its target.
func TestOneShotDoesNotDisturbAutomatic(t *testing.T) {
	fn := newFakeNet()
	defer fn.close()
	var addrs []string
	for g := 1; g <= 5; g++ {
		a := fmt.Sprintf("10.%d.0.1:8333", g)
		addrs = append(addrs, a)
		fn.setUp(a, true)
	}
	manual := "10.99.0.1:8333"
	fn.setUp(manual, true)
	var next atomic.Int64
	var mu sync.Mutex
	conns := map[string]net.Conn{}
	cm := New(&Config{
		TargetOutbound: 2,
		Dial:           fn.dial,
		GetNewAddress: func() (net.Addr, error) {
			i := next.Add(1) - 1
			return tcpAddr(addrs[i%int64(len(addrs))]), nil
		},
		OnConnection: func(r *ConnReq, c net.Conn) {
			mu.Lock()
			conns[r.Addr.String()] = c
			mu.Unlock()
		},
		RetryDuration: 20 * time.Millisecond,
		DialInterval:  5 * time.Millisecond,
	})
	runManager(t, cm)
	automatic := func() int {
		n := 0
		for _, r := range cm.Requests() {
			if r.Addr.String() != manual {
				n++
			}
		}
		return n
	}
	waitFor(t, "2 automatic", func() bool { return automatic() == 2 })
	if err := cm.Connect(&ConnReq{Addr: tcpAddr(manual)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "manual connection", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return conns[manual] != nil
	})
	mu.Lock()
	conns[manual].Close()
	mu.Unlock()
	waitFor(t, "manual request forgotten", func() bool {
		_, out := cm.Counts()
		return out == 2
	})
	// Give the outbound loop many rounds: it must not add a third
	// automatic connection.
	time.Sleep(200 * time.Millisecond)
	if n := automatic(); n != 2 {
		t.Fatalf("%d automatic requests after a one-shot closed, want 2", n)
	}
}

// TestRedial checks the reconnection after a failed BIP324 handshake: a
// permanent request is dialed again at once rather than after its
// backoff, an automatic one again in its own slot while the slot is free,
// and a manual one-shot or a stopped manager gets nothing.
func TestRedial(t *testing.T) {
	t.Run("permanent", func(t *testing.T) {
		fn := newFakeNet()
		defer fn.close()
		const addr = "10.7.7.7:8333"
		fn.setUp(addr, true)
		conns := make(chan net.Conn, 4)
		cm := New(&Config{TargetOutbound: -1, Dial: fn.dial, RetryDuration: time.Hour,
			MaxRetryDuration: time.Hour, OnConnection: func(_ *ConnReq, c net.Conn) { conns <- c }})
		req := &ConnReq{Addr: tcpAddr(addr), Permanent: true}
		if _, err := cm.Redial(req); !errors.Is(err, ErrNotRunning) {
			t.Fatalf("Redial before Run: %v", err)
		}
		if err := cm.Connect(req); err != nil {
			t.Fatal(err)
		}
		runManager(t, cm)
		(<-conns).Close() // the backoff is an hour from here
		got, err := cm.Redial(req)
		if err != nil || got != req {
			t.Fatalf("Redial: %v %v", got, err)
		}
		select {
		case <-conns:
		case <-time.After(10 * time.Second):
			t.Fatal("not redialed before the backoff")
		}
		if n := fn.dialCount(addr); n != 2 {
			t.Fatalf("%d dials, want 2", n)
		}
	})
	t.Run("automatic", func(t *testing.T) {
		fn := newFakeNet()
		defer fn.close()
		const addr = "10.8.8.8:8333"
		fn.setUp(addr, true)
		// The first draw gives addr; later draws wait until the test
		// ends, so only Redial can refill the slot.
		release := make(chan struct{})
		var draws atomic.Int64
		reqs := make(chan *ConnReq, 4)
		conns := make(chan net.Conn, 4)
		cm := New(&Config{TargetOutbound: 1, Dial: fn.dial, RetryDuration: 10 * time.Millisecond,
			GetNewAddress: func() (net.Addr, error) {
				if draws.Add(1) == 1 {
					return tcpAddr(addr), nil
				}
				<-release
				return nil, errors.New("no more addresses")
			},
			OnConnection: func(r *ConnReq, c net.Conn) { reqs <- r; conns <- c }})
		runManager(t, cm)
		t.Cleanup(func() { close(release) })
		first := <-reqs
		(<-conns).Close()
		waitFor(t, "the slot freed", func() bool { _, out := cm.Counts(); return out == 0 })
		again, err := cm.Redial(first)
		if err != nil || again == nil || again == first || again.Type() != ConnFullRelay ||
			again.Addr.String() != addr {
			t.Fatalf("Redial: %v %v", again, err)
		}
		if r := <-reqs; r != again {
			t.Fatalf("connected %v, want the redial", r)
		}
		// The slot is taken again: a second Redial has no room.
		if extra, err := cm.Redial(first); err != nil || extra != nil {
			t.Fatalf("Redial with the slot full: %v %v", extra, err)
		}
	})
	t.Run("manual one-shot", func(t *testing.T) {
		cm := New(&Config{TargetOutbound: -1})
		runManager(t, cm)
		waitFor(t, "running", func() bool {
			_, err := cm.Redial(&ConnReq{Addr: tcpAddr("10.9.9.1:8333"), typ: ConnManual})
			return !errors.Is(err, ErrNotRunning)
		})
		if got, err := cm.Redial(&ConnReq{Addr: tcpAddr("10.9.9.1:8333"), typ: ConnManual}); got != nil || err != nil {
			t.Fatalf("Redial of a one-shot: %v %v", got, err)
		}
	})
}
