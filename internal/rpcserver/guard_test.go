package rpcserver

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btcsuite/btclog"
)

// fakeClock is a settable time source.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// TestAuthFailures checks the per-source allowance of failed logins: a
// burst, then the refill rate, each source on its own, ports ignored.
func TestAuthFailures(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	a := newAuthFailures()
	a.now = clock.now
	steps := []struct {
		name    string
		remote  string
		advance time.Duration
		tries   int
		allowed int
	}{
		{"burst", "10.0.0.1:1000", 0, authFailBurst + 5, authFailBurst},
		{"other port same host", "10.0.0.1:1001", 0, 1, 0},
		{"other host", "10.0.0.2:1000", 0, 3, 3},
		{"refill after 2 s", "10.0.0.1:1000", 2 * time.Second, 5, 2},
		{"full refill", "10.0.0.1:1000", time.Hour, authFailBurst + 1, authFailBurst},
		{"ipv6", "[::1]:80", 0, 1, 1},
	}
	for _, st := range steps {
		clock.advance(st.advance)
		n := 0
		for range st.tries {
			if a.allow(st.remote) {
				n++
			}
		}
		if n != st.allowed {
			t.Errorf("%s: %d allowed, want %d", st.name, n, st.allowed)
		}
	}
	// The table stays bounded.
	for i := range maxAuthFailSources + 100 {
		a.allow(fmt.Sprintf("10.1.%d.%d:1", i/256, i%256))
	}
	if len(a.sources) > maxAuthFailSources {
		t.Fatalf("%d sources remembered", len(a.sources))
	}
}

// TestRateLimitedLog checks one line per kind per interval, with the count
// of the suppressed ones on the next line.
func TestRateLimitedLog(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	var lines []string
	l := newRateLimitedLog(func(format string, args ...any) {
		lines = append(lines, fmt.Sprintf(format, args...))
	})
	l.now = clock.now
	for range 1000 {
		l.Warnf("auth", "bad password from %s", "x")
		l.Warnf("busy", "busy")
		clock.advance(time.Millisecond)
	}
	clock.advance(logInterval)
	l.Warnf("auth", "bad password from %s", "y")
	want := []string{
		"bad password from x",
		"busy",
		"bad password from y (999 more like this in the last 11s not logged)",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("lines:\n%s", strings.Join(lines, "\n"))
	}
}

// lineCounter is an io.Writer counting log lines.
type lineCounter struct{ n atomic.Int64 }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.n.Add(int64(strings.Count(string(p), "\n")))
	return len(p), nil
}

// TestRPCUnderAttack checks that strangers cannot make the operator's
// requests fail: with 50 clients sending wrong passwords as fast as they
// are answered and 10 authenticated clients stalled mid-body, all 100
// requests of an honest client succeed, each within 1 s, and the log gains
// only a few lines.
func TestRPCUnderAttack(t *testing.T) {
	lines := &lineCounter{}
	UseLogger(btclog.NewBackend(lines).Logger("RPCS"))
	t.Cleanup(func() { UseLogger(btclog.Disabled) })
	tr := startTestRPC(t, Config{User: "alice", Pass: "secret", MaxClients: 10,
		AuthFailDelay: defaultAuthFailDelay}, true)
	addr := strings.TrimPrefix(strings.TrimSuffix(tr.url, "/"), "http://")
	start := time.Now()
	before := lines.n.Load()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var refused atomic.Int64
	transport := &http.Transport{MaxIdleConnsPerHost: 100}
	defer transport.CloseIdleConnections()
	attacker := &http.Client{Transport: transport, Timeout: 5 * time.Second}
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest(http.MethodPost, tr.url, strings.NewReader(`{"method":"uptime","id":1}`))
				req.SetBasicAuth("alice", "guess")
				if resp, err := attacker.Do(req); err == nil {
					resp.Body.Close()
					refused.Add(1)
				}
			}
		}()
	}
	for range 10 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YWxpY2U6c2VjcmV0\r\n"+
			"Content-Length: 100\r\n\r\n{\"method\":")
	}

	honest := &http.Client{Timeout: 5 * time.Second}
	for i := range 100 {
		t0 := time.Now()
		req, _ := http.NewRequest(http.MethodPost, tr.url,
			strings.NewReader(fmt.Sprintf(`{"method":"square","params":[%d],"id":%d}`, i, i)))
		req.SetBasicAuth("alice", "secret")
		resp, err := honest.Do(req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		body, _ := bufio.NewReader(resp.Body).ReadString('\n')
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(body, fmt.Sprintf(`"result":%d`, i*i)) {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, body)
		}
		if d := time.Since(t0); d > time.Second {
			t.Fatalf("request %d took %v", i, d)
		}
	}
	close(stop)
	wg.Wait()
	elapsed := time.Since(start)
	logged := lines.n.Load() - before
	t.Logf("%d refusals in %v, %d log lines", refused.Load(), elapsed, logged)
	if refused.Load() < 50 {
		t.Fatalf("only %d attacking requests answered", refused.Load())
	}
	if max := 2 + 2*int64(elapsed/logInterval+1); logged > max {
		t.Fatalf("%d log lines in %v, want at most %d", logged, elapsed, max)
	}
}
