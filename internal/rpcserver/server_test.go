package rpcserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btcsuite/btclog"
	"github.com/tern-org/ternd/internal/rpcjson"
)

// testRPC is a running Server on a free loopback port.
type testRPC struct {
	srv      *Server
	url      string
	user     string
	pass     string
	shutdown atomic.Int32
}

// startTestRPC starts a server with the control methods plus test methods.
// user/pass empty means cookie authentication in a temp dir.
func startTestRPC(t *testing.T, cfg Config, warm bool) *testRPC {
	t.Helper()
	cfg.Listeners = []string{"127.0.0.1:0"}
	if cfg.CookiePath == "" {
		cfg.CookiePath = filepath.Join(t.TempDir(), rpcjson.CookieFileName)
	}
	if cfg.MaxClients == 0 {
		cfg.MaxClients = 4
	}
	if cfg.AuthFailDelay == 0 {
		cfg.AuthFailDelay = 20 * time.Millisecond
	}
	tr := &testRPC{}
	cfg.Shutdown = shutdownCounter{&tr.shutdown}
	if cfg.Loggers == nil {
		cfg.Loggers = testLoggers()
	}
	tr.srv = mustNew(t, cfg)
	for _, m := range testMethods() {
		if err := tr.srv.RegisterMethod(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := tr.srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.srv.Stop() })
	if warm {
		tr.srv.SetWarmupFinished()
	}
	tr.url = "http://" + tr.srv.Addrs()[0].String() + "/"
	tr.user, tr.pass = cfg.User, cfg.Pass
	if cfg.User == "" {
		var err error
		tr.user, tr.pass, err = rpcjson.ReadCookie(cfg.CookiePath)
		if err != nil {
			t.Fatal(err)
		}
	}
	return tr
}

// shutdownCounter counts the stop RPC's shutdown requests.
type shutdownCounter struct{ n *atomic.Int32 }

func (c shutdownCounter) RequestShutdown() { c.n.Add(1) }

// testLoggers are two subsystem loggers for the logging RPC, writing
// nowhere.
func testLoggers() map[string]btclog.Logger {
	backend := btclog.NewBackend(io.Discard)
	return map[string]btclog.Logger{"PEER": backend.Logger("PEER"), "RPCS": backend.Logger("RPCS")}
}

// mustNew is New for a test: it fails the test on error.
func mustNew(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	s, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// testMethods are methods exercising parameters and errors.
func testMethods() []rpcjson.Method {
	return []rpcjson.Method{
		{
			Name: "echo", Category: "Test",
			Params: []rpcjson.ParamSpec{{Name: "a"}, {Name: "b", Optional: true}},
			Handler: func(_ context.Context, params []json.RawMessage) (any, error) {
				return params, nil
			},
		},
		{
			Name: "square", Category: "Test", Params: []rpcjson.ParamSpec{{Name: "n"}},
			Handler: func(_ context.Context, params []json.RawMessage) (any, error) {
				var n int64
				if _, err := rpcjson.UnmarshalParam(params, 0, "n", &n); err != nil {
					return nil, err
				}
				if n < 0 {
					return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "n must be positive")
				}
				return n * n, nil
			},
		},
		{
			Name: "fail", Category: "Test",
			Handler: func(context.Context, []json.RawMessage) (any, error) {
				return nil, errors.New("it failed")
			},
		},
		{
			Name: "boom", Category: "Test",
			Handler: func(context.Context, []json.RawMessage) (any, error) {
				panic("boom")
			},
		},
		{
			Name: "block", Category: "Test",
			Handler: func(ctx context.Context, _ []json.RawMessage) (any, error) {
				<-ctx.Done()
				return "unblocked", nil
			},
		},
	}
}

// post sends body with the given credentials and returns status and body.
func (tr *testRPC) post(t *testing.T, user, pass, body string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, tr.url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if user != "" || pass != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(data)), resp.Header
}

// call posts with the right credentials.
func (tr *testRPC) call(t *testing.T, body string) (int, string) {
	status, out, _ := tr.post(t, tr.user, tr.pass, body)
	return status, out
}

func TestRPCCookieLifecycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), rpcjson.CookieFileName)
	tr := startTestRPC(t, Config{CookiePath: path}, true)
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("cookie %v %v", st, err)
	}
	if tr.user != rpcjson.CookieUser || len(tr.pass) != 64 {
		t.Fatalf("cookie content %q:%q", tr.user, tr.pass)
	}
	if status, out := tr.call(t, `{"method":"uptime","id":1}`); status != 200 ||
		!strings.HasPrefix(out, `{"result":0,"error":null,"id":1}`) {
		t.Fatalf("%d %s", status, out)
	}
	if status, _, _ := tr.post(t, rpcjson.CookieUser, "0000", `{"method":"uptime","id":1}`); status != 401 {
		t.Fatalf("wrong cookie accepted: %d", status)
	}
	tr.srv.Stop()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("cookie not removed: %v", err)
	}
}

func TestRPCAuth(t *testing.T) {
	cookie := filepath.Join(t.TempDir(), rpcjson.CookieFileName)
	delay := 80 * time.Millisecond
	tr := startTestRPC(t, Config{User: "alice", Pass: "secret", CookiePath: cookie,
		AuthFailDelay: delay}, true)
	if _, err := os.Stat(cookie); !os.IsNotExist(err) {
		t.Fatal("cookie written although rpcuser/rpcpass are set")
	}
	body := `{"method":"uptime","id":1}`
	tests := []struct {
		name, user, pass string
		status           int
		slow             bool
	}{
		{"good", "alice", "secret", 200, false},
		{"wrong pass", "alice", "secreT", 401, true},
		{"wrong user", "bob", "secret", 401, true},
		{"prefix of pass", "alice", "secre", 401, true},
		{"none", "", "", 401, false},
	}
	for _, tc := range tests {
		start := time.Now()
		status, _, hdr := tr.post(t, tc.user, tc.pass, body)
		if status != tc.status {
			t.Errorf("%s: status %d want %d", tc.name, status, tc.status)
		}
		if status == 401 && hdr.Get("WWW-Authenticate") != `Basic realm="jsonrpc"` {
			t.Errorf("%s: WWW-Authenticate %q", tc.name, hdr.Get("WWW-Authenticate"))
		}
		if tc.slow && time.Since(start) < delay {
			t.Errorf("%s: 401 without delay", tc.name)
		}
	}
	// A malformed Authorization header is a failed login, not a crash.
	req, _ := http.NewRequest(http.MethodPost, tr.url, strings.NewReader(body))
	req.Header.Set("Authorization", "Basic !!!notbase64")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 401 {
		t.Fatalf("malformed auth: %v %v", resp, err)
	}
	resp.Body.Close()
	// Only POST.
	req, _ = http.NewRequest(http.MethodGet, tr.url, nil)
	req.SetBasicAuth("alice", "secret")
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %v %v", resp, err)
	}
	resp.Body.Close()
}

// TestRPCProtocol checks request/response shapes, HTTP statuses and error
// codes against Core's rules for 1.0 and 2.0, singles and batches.
func TestRPCProtocol(t *testing.T) {
	tr := startTestRPC(t, Config{}, true)
	tests := []struct {
		name   string
		body   string
		status int
		want   string // exact reply, or prefix when ending in "*"
	}{
		// Legacy 1.0.
		{"legacy ok", `{"method":"square","params":[3],"id":1}`, 200, `{"result":9,"error":null,"id":1}`},
		{"legacy jsonrpc 1.0", `{"jsonrpc":"1.0","method":"square","params":[3],"id":"s"}`, 200,
			`{"result":9,"error":null,"id":"s"}`},
		{"python-bitcoinrpc style", `{"version":"1.1","method":"square","params":[3],"id":7}`, 200,
			`{"result":9,"error":null,"id":7}`},
		{"legacy no id", `{"method":"square","params":[2]}`, 200, `{"result":4,"error":null}`},
		{"legacy not found", `{"method":"nope","id":1}`, 404,
			`{"result":null,"error":{"code":-32601,"message":"Method not found"},"id":1}`},
		{"legacy missing method", `{"id":3}`, 400,
			`{"result":null,"error":{"code":-32600,"message":"Missing method"},"id":3}`},
		{"legacy params scalar", `{"method":"square","params":5,"id":1}`, 400,
			`{"result":null,"error":{"code":-32600,"message":"Params must be an array or object"},"id":1}`},
		{"legacy bad version", `{"jsonrpc":"3","method":"square","id":1}`, 400,
			`{"result":null,"error":{"code":-32600,"message":"JSON-RPC version not supported"},"id":1}`},
		{"parse error", `{"method":`, 500,
			`{"result":null,"error":{"code":-32700,"message":"Parse error"},"id":null}`},
		{"top-level scalar", `42`, 500,
			`{"result":null,"error":{"code":-32700,"message":"Top-level object parse error"},"id":null}`},
		{"invalid param value", `{"method":"square","params":[-1],"id":1}`, 500,
			`{"result":null,"error":{"code":-8,"message":"n must be positive"},"id":1}`},
		{"type error", `{"method":"square","params":["x"],"id":1}`, 500,
			`{"result":null,"error":{"code":-3,"message":"JSON value of type string for field n is not of expected type number"},"id":1}`},
		{"too many params", `{"method":"square","params":[1,2],"id":1}`, 500,
			`{"result":null,"error":{"code":-1,"message":"square n"},"id":1}`},
		{"missing param", `{"method":"echo","params":[],"id":1}`, 500,
			`{"result":null,"error":{"code":-1,"message":"echo a ( b )"},"id":1}`},
		{"handler error", `{"method":"fail","id":1}`, 500,
			`{"result":null,"error":{"code":-1,"message":"it failed"},"id":1}`},
		{"handler panic", `{"method":"boom","id":1}`, 500,
			`{"result":null,"error":{"code":-32603,"message":"Internal error"},"id":1}`},

		// Named parameters.
		{"named", `{"method":"echo","params":{"b":2,"a":1},"id":1}`, 200, `{"result":[1,2],"error":null,"id":1}`},
		{"named gap", `{"method":"echo","params":{"a":"x"},"id":1}`, 200, `{"result":["x"],"error":null,"id":1}`},
		{"named missing required", `{"method":"echo","params":{"b":2},"id":1}`, 500, `{"result":null,"error":{"code":-1,*`},
		{"named unknown", `{"method":"echo","params":{"a":1,"c":2},"id":1}`, 500,
			`{"result":null,"error":{"code":-8,"message":"Unknown named parameter c"},"id":1}`},
		{"named args", `{"method":"echo","params":{"args":[5],"b":6},"id":1}`, 200, `{"result":[5,6],"error":null,"id":1}`},

		// JSON-RPC 2.0.
		{"v2 ok", `{"jsonrpc":"2.0","method":"square","params":[4],"id":9}`, 200, `{"jsonrpc":"2.0","result":16,"id":9}`},
		{"v2 not found", `{"jsonrpc":"2.0","method":"nope","id":9}`, 200,
			`{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":9}`},
		{"v2 handler error", `{"jsonrpc":"2.0","method":"square","params":[-2],"id":9}`, 200,
			`{"jsonrpc":"2.0","error":{"code":-8,"message":"n must be positive"},"id":9}`},
		{"v2 missing method", `{"jsonrpc":"2.0","id":9}`, 400,
			`{"jsonrpc":"2.0","error":{"code":-32600,"message":"Missing method"},"id":9}`},
		{"v2 notification", `{"jsonrpc":"2.0","method":"square","params":[4]}`, 204, ``},
		{"v2 null id is not a notification", `{"jsonrpc":"2.0","method":"square","params":[1],"id":null}`, 200,
			`{"jsonrpc":"2.0","result":1,"id":null}`},

		// Batches.
		{"batch", `[{"method":"square","params":[2],"id":1},{"jsonrpc":"2.0","method":"nope","id":2},` +
			`{"jsonrpc":"2.0","method":"square","params":[3]},5,{"id":4}]`, 200,
			`[{"result":4,"error":null,"id":1},` +
				`{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":2},` +
				`{"result":null,"error":{"code":-32600,"message":"Invalid Request object"},"id":null},` +
				`{"result":null,"error":{"code":-32600,"message":"Missing method"},"id":4}]`},
		{"batch of notifications", `[{"jsonrpc":"2.0","method":"uptime"},{"jsonrpc":"2.0","method":"nope"}]`, 204, ``},
		{"empty batch", `[]`, 200, `[]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, out := tr.call(t, tc.body)
			if status != tc.status {
				t.Errorf("status %d want %d (%s)", status, tc.status, out)
			}
			if p, ok := strings.CutSuffix(tc.want, "*"); ok {
				if !strings.HasPrefix(out, p) {
					t.Errorf("reply %s\nwant prefix %s", out, p)
				}
			} else if out != tc.want {
				t.Errorf("reply %s\nwant        %s", out, tc.want)
			}
		})
	}
	t.Logf("%d protocol cases", len(tests))
}

func TestRPCWarmup(t *testing.T) {
	tr := startTestRPC(t, Config{}, false)
	tr.srv.SetWarmup("Loading block index...")
	status, out := tr.call(t, `{"method":"square","params":[2],"id":1}`)
	if status != 500 || out != `{"result":null,"error":{"code":-28,"message":"Loading block index..."},"id":1}` {
		t.Fatalf("%d %s", status, out)
	}
	// An unknown method is also refused with -28 during warm-up, as Core.
	if _, out := tr.call(t, `{"method":"nope","id":1}`); !strings.Contains(out, "-28") {
		t.Fatalf("%s", out)
	}
	for _, m := range []string{"uptime", "help"} {
		if status, out := tr.call(t, `{"method":"`+m+`","id":1}`); status != 200 {
			t.Fatalf("%s in warm-up: %d %s", m, status, out)
		}
	}
	tr.srv.SetWarmupFinished()
	if status, _ := tr.call(t, `{"method":"square","params":[2],"id":1}`); status != 200 {
		t.Fatal("still warming up")
	}
}

func TestRPCBodyLimit(t *testing.T) {
	tr := startTestRPC(t, Config{MaxBodySize: 1024}, true)
	small := `{"method":"echo","params":["` + strings.Repeat("a", 900) + `"],"id":1}`
	if status, _ := tr.call(t, small); status != 200 {
		t.Fatalf("small body: %d", status)
	}
	big := `{"method":"echo","params":["` + strings.Repeat("a", 2000) + `"],"id":1}`
	if status, _ := tr.call(t, big); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("big body: %d", status)
	}
}

func TestRPCClientLimit(t *testing.T) {
	tr := startTestRPC(t, Config{MaxClients: 1}, true)
	done := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, tr.url, strings.NewReader(`{"method":"block","id":1}`))
		req.SetBasicAuth(tr.user, tr.pass)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	// Wait until the blocking request holds the only slot.
	deadline := time.Now().Add(5 * time.Second)
	for len(tr.srv.rpcInfo().ActiveCommands) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("blocking request never started")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if status, _ := tr.call(t, `{"method":"uptime","id":1}`); status != http.StatusServiceUnavailable {
		t.Fatalf("second client: %d", status)
	}
	// Stop cancels the blocked handler's context; it still gets its reply.
	tr.srv.Stop()
	select {
	case status := <-done:
		if status != 200 {
			t.Fatalf("blocked request: %d", status)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Stop did not end the in-flight request")
	}
}

func TestRPCControlMethods(t *testing.T) {
	loggers := testLoggers()
	peerLog, rpcsLog := loggers["PEER"], loggers["RPCS"]
	tr := startTestRPC(t, Config{LogPath: "/x/ternd.log", Loggers: loggers}, true)
	result := func(body string) json.RawMessage {
		t.Helper()
		status, out := tr.call(t, body)
		resp, err := rpcjson.ParseResponse([]byte(out))
		if status != 200 || err != nil || resp.Error != nil {
			t.Fatalf("%s: %d %s", body, status, out)
		}
		return resp.Result
	}
	var help string
	json.Unmarshal(result(`{"method":"help","id":1}`), &help)
	for _, want := range []string{"== Control ==", `help ( "command" )`, "stop", "uptime", "getrpcinfo",
		"logging ( include exclude )", "== Test ==", "echo a ( b )"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
	json.Unmarshal(result(`{"method":"help","params":["uptime"],"id":1}`), &help)
	if !strings.HasPrefix(help, "uptime\n\nReturns the total uptime") {
		t.Errorf("help uptime: %q", help)
	}
	json.Unmarshal(result(`{"method":"help","params":{"command":"nope"},"id":1}`), &help)
	if help != "help: unknown command: nope" {
		t.Errorf("help nope: %q", help)
	}
	var info rpcInfoResult
	json.Unmarshal(result(`{"method":"getrpcinfo","id":1}`), &info)
	if len(info.ActiveCommands) != 1 || info.ActiveCommands[0].Method != "getrpcinfo" || info.LogPath != "/x/ternd.log" {
		t.Errorf("getrpcinfo %+v", info)
	}
	var up int64 = -1
	json.Unmarshal(result(`{"method":"uptime","id":1}`), &up)
	if up < 0 {
		t.Error("uptime")
	}

	// logging: include/exclude change levels and are reported.
	var cats map[string]bool
	json.Unmarshal(result(`{"method":"logging","params":[["peer","RPCS"],["rpcs"]],"id":1}`), &cats)
	if !cats["peer"] || cats["rpcs"] || len(cats) != len(loggers) {
		t.Errorf("logging %v", cats)
	}
	if peerLog.Level() != btclog.LevelDebug || rpcsLog.Level() != btclog.LevelInfo {
		t.Error("levels not applied")
	}
	json.Unmarshal(result(`{"method":"logging","params":[[],["all"]],"id":1}`), &cats)
	if cats["peer"] {
		t.Errorf("exclude all: %v", cats)
	}
	if _, out := tr.call(t, `{"method":"logging","params":[["bogus"]],"id":1}`); !strings.Contains(out, `"code":-8`) {
		t.Errorf("bad category: %s", out)
	}

	var stopped string
	json.Unmarshal(result(`{"method":"stop","id":1}`), &stopped)
	if stopped != "ternd stopping" || tr.shutdown.Load() != 1 {
		t.Errorf("stop: %q %d", stopped, tr.shutdown.Load())
	}
}

func TestRPCRegisterMethod(t *testing.T) {
	s := mustNew(t, Config{})
	h := func(context.Context, []json.RawMessage) (any, error) { return nil, nil }
	if err := s.RegisterMethod(rpcjson.Method{Name: "x", Handler: h}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []rpcjson.Method{{Name: "x", Handler: h}, {Name: "", Handler: h}, {Name: "y"}} {
		if err := s.RegisterMethod(m); err == nil {
			t.Errorf("%+v accepted", m)
		}
	}
	if m, ok := s.method("x"); !ok || m.Category != "Uncategorized" {
		t.Error("lookup")
	}
}

func TestRPCListenErrors(t *testing.T) {
	s := mustNew(t, Config{Listeners: []string{"127.0.0.1:0", "256.0.0.1:1"},
		User: "u", Pass: "p"})
	if err := s.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "--rpclisten") {
		s.Stop()
		t.Fatalf("bad listener accepted: %v", err)
	}
	// With default listeners, one failure is only a warning.
	s = mustNew(t, Config{Listeners: []string{"127.0.0.1:0", "256.0.0.1:1"},
		DefaultListeners: true, User: "u", Pass: "p"})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Stop()
}

func FuzzRPCHandleBody(f *testing.F) {
	for _, s := range []string{`{"method":"echo","params":[1],"id":1}`, `[{"jsonrpc":"2.0","method":"square","params":{"n":2}}]`,
		`{"method":"help","params":["echo"]}`, `[]`, `{`} {
		f.Add([]byte(s))
	}
	s := mustNew(f, Config{Loggers: testLoggers()})
	for _, m := range testMethods() {
		if m.Name != "block" {
			s.RegisterMethod(m)
		}
	}
	s.SetWarmupFinished()
	f.Fuzz(func(t *testing.T, body []byte) {
		status, reply := s.handleBody(context.Background(), body, "u", "fuzz")
		if reply == nil {
			if status != 204 {
				t.Fatalf("no reply with status %d", status)
			}
			return
		}
		if !json.Valid(reply) {
			t.Fatalf("invalid JSON reply %s", reply)
		}
		if len(reply) > 2*len(body)+4096 && !bytes.Contains(body, []byte("help")) {
			t.Fatalf("reply of %d bytes for %d input bytes", len(reply), len(body))
		}
	})
}

func BenchmarkRPCHandleBody(b *testing.B) {
	s := mustNew(b, Config{})
	for _, m := range testMethods() {
		s.RegisterMethod(m)
	}
	s.SetWarmupFinished()
	body := []byte(`{"jsonrpc":"2.0","method":"square","params":{"n":12},"id":1}`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s.handleBody(context.Background(), body, "u", "bench")
	}
}
