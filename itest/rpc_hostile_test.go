package itest

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// refusalLines counts the RPC server's log lines about refused requests.
func refusalLines(t *testing.T, n *Process) int {
	t.Helper()
	data, err := os.ReadFile(n.LogFiles[len(n.LogFiles)-1])
	if err != nil {
		t.Fatal(err)
	}
	c := 0
	for _, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, "RPCS:") && (strings.Contains(line, "incorrect password") ||
			strings.Contains(line, "too many concurrent")) {
			c++
		}
	}
	return c
}

// TestTerndRPCUnderAttack: against the binary with its default
// --rpcmaxclients=10, 50 clients sending wrong passwords as fast as they
// are answered and 10 clients (5 authenticated, 5 not) stalled mid-body
// while an honest client makes 100 requests: every one succeeds within
// 1 s, and the log gains at most a few lines about the refusals.
func TestTerndRPCUnderAttack(t *testing.T) {
	needProcesses(t)
	n := StartTernd(t)
	before := refusalLines(t, n)
	start := time.Now()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var answered atomic.Int64
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}
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
				req, _ := http.NewRequest(http.MethodPost, "http://"+n.RPCAddr,
					strings.NewReader(`{"method":"getblockcount","id":1}`))
				req.SetBasicAuth(n.RPCUser, "wrong")
				if resp, err := client.Do(req); err == nil {
					resp.Body.Close()
					answered.Add(1)
				}
			}
		}()
	}
	for i := range 10 {
		c, err := net.Dial("tcp", n.RPCAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		auth := base64.StdEncoding.EncodeToString([]byte(n.RPCUser + ":" + n.RPCPass))
		if i%2 == 1 {
			auth = base64.StdEncoding.EncodeToString([]byte("x:y"))
		}
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\n"+
			"Content-Length: 200\r\n\r\n{\"method\":", auth)
	}

	for i := range 100 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		t0 := time.Now()
		var height int64
		err := n.Call(ctx, "getblockcount", &height)
		cancel()
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if d := time.Since(t0); d > time.Second {
			t.Fatalf("request %d took %v", i, d)
		}
	}
	close(stop)
	wg.Wait()
	elapsed := time.Since(start)
	lines := refusalLines(t, n) - before
	t.Logf("%d wrong-password requests answered in %v; %d refusal log lines", answered.Load(),
		elapsed, lines)
	if answered.Load() < 50 {
		t.Fatalf("only %d wrong-password requests answered", answered.Load())
	}
	if max := 3 + int(elapsed/time.Second); lines > max {
		t.Fatalf("%d refusal log lines in %v, want at most %d", lines, elapsed, max)
	}
}
