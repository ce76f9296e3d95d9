package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tern-org/ternd/internal/rpcjson"
)

// fakeServer answers like ternd/bitcoind for a few methods. It is used
// for the client-side details; ternd_test.go in the repository root runs
// ternctl against a real ternd.
type fakeServer struct {
	srv        *httptest.Server
	user, pass string
	warmups    atomic.Int32 // calls answered -28 before serving
	lastReq    atomic.Pointer[rpcjson.Request]
}

func newFakeServer(t *testing.T, user, pass string) *fakeServer {
	fs := &fakeServer{user: user, pass: pass}
	fs.srv = httptest.NewServer(http.HandlerFunc(fs.serve))
	t.Cleanup(fs.srv.Close)
	return fs
}

func (fs *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	u, p, ok := r.BasicAuth()
	if !ok || u != fs.user || p != fs.pass {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var req rpcjson.Request
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &req); err != nil {
		w.WriteHeader(500)
		return
	}
	fs.lastReq.Store(&req)
	reply := func(status int, result any, rerr *rpcjson.RPCError) {
		var raw json.RawMessage
		if result != nil {
			raw, _ = json.Marshal(result)
		}
		w.WriteHeader(status)
		w.Write(rpcjson.NewResponse(rpcjson.VersionLegacy, req.ID, raw, rerr))
	}
	if fs.warmups.Load() > 0 {
		fs.warmups.Add(-1)
		reply(500, nil, rpcjson.NewRPCError(rpcjson.ErrRPCInWarmup, "Loading..."))
		return
	}
	switch req.Method {
	case "echo":
		var params json.RawMessage = req.Params
		reply(200, params, nil)
	case "str":
		reply(200, "line one\nline two", nil)
	case "null":
		reply(200, nil, nil)
	case "fail":
		reply(500, nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "bad thing"))
	case "big":
		http.Error(w, "Request body too large", http.StatusRequestEntityTooLarge)
	default:
		reply(404, nil, rpcjson.NewRPCError(rpcjson.ErrRPCMethodNotFound, "Method not found"))
	}
}

func (fs *fakeServer) args(extra ...string) []string {
	host, port, _ := net.SplitHostPort(strings.TrimPrefix(fs.srv.URL, "http://"))
	return append([]string{"-rpcconnect=" + host, "-rpcport=" + port}, extra...)
}

func runCtl(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestParseValue(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1", "1"}, {"-2.5", "-2.5"}, {"true", "true"}, {"null", "null"},
		{`["a",1]`, `["a",1]`}, {`{"k":1}`, `{"k":1}`}, {`"quoted"`, `"quoted"`},
		{"hello", `"hello"`}, {"00ff", `"00ff"`}, {"bcrt1qxyz", `"bcrt1qxyz"`}, {"", `""`},
		{"[1,", `"[1,"`}, {"a b", `"a b"`},
	}
	for _, tc := range tests {
		if got := string(parseValue(tc.in)); got != tc.want {
			t.Errorf("%q: got %s want %s", tc.in, got, tc.want)
		}
	}
}

func TestBuildParams(t *testing.T) {
	enc := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	p, _ := buildParams([]string{"1", "x", `[2]`}, false)
	if got := enc(p); got != `[1,"x",[2]]` {
		t.Errorf("positional %s", got)
	}
	p, _ = buildParams(nil, false)
	if got := enc(p); got != `[]` {
		t.Errorf("empty %s", got)
	}
	p, _ = buildParams([]string{"a=1", "b=x=y", "pos", "c="}, true)
	if got := enc(p); got != `{"a":1,"args":["pos"],"b":"x=y","c":""}` {
		t.Errorf("named %s", got)
	}
	if _, err := buildParams([]string{"a=1", "a=2"}, true); err == nil {
		t.Error("duplicate name accepted")
	}
}

func TestPrintResult(t *testing.T) {
	tests := []struct{ in, want string }{
		{`"raw\nstring"`, "raw\nstring\n"},
		{`null`, ""},
		{`5`, "5\n"},
		{`{"a":[1,2]}`, "{\n  \"a\": [\n    1,\n    2\n  ]\n}\n"},
	}
	for _, tc := range tests {
		var b bytes.Buffer
		printResult(&b, json.RawMessage(tc.in))
		if b.String() != tc.want {
			t.Errorf("%s: got %q want %q", tc.in, b.String(), tc.want)
		}
	}
}

func TestCallAndOutput(t *testing.T) {
	fs := newFakeServer(t, "u", "p")
	app := t.TempDir()
	base := fs.args("-appdata="+app, "-rpcuser=u", "-rpcpassword=p")
	tests := []struct {
		name     string
		args     []string
		code     int
		out, err string
	}{
		{"positional", []string{"echo", "1", "abc", `{"k":true}`}, 0, "[\n  1,\n  \"abc\",\n  {\n    \"k\": true\n  }\n]\n", ""},
		{"named", []string{"-named", "echo", "a=1"}, 0, "{\n  \"a\": 1\n}\n", ""},
		{"string raw", []string{"str"}, 0, "line one\nline two\n", ""},
		{"null", []string{"null"}, 0, "", ""},
		{"rpc error", []string{"fail"}, 1, "", "error code: -8\nerror message:\nbad thing\n"},
		{"not found", []string{"nope"}, 1, "", "error code: -32601\nerror message:\nMethod not found\n"},
		{"http error", []string{"big"}, 1, "", "error: server returned HTTP error 413: Request body too large\n"},
		{"no method", nil, 1, "", "error: too few parameters"},
		{"two networks", []string{"-regtest", "-testnet", "echo"}, 1, "", "mutually exclusive"},
		{"bad flag", []string{"-bogus", "echo"}, 1, "", "flag provided but not defined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCtl(append(append([]string{}, base...), tc.args...)...)
			if code != tc.code || out != tc.out || !strings.HasPrefix(errOut, tc.err) && !strings.Contains(errOut, tc.err) {
				t.Fatalf("code %d out %q err %q", code, out, errOut)
			}
		})
	}
	if req := fs.lastReq.Load(); req == nil || req.Jsonrpc != "1.0" || string(req.ID) != "1" {
		t.Fatalf("request shape %+v", req)
	}
	code, _, errOut := runCtl(fs.args("-appdata="+app, "-rpcuser=u", "-rpcpassword=wrong", "echo")...)
	if code != 1 || errOut != "error: Authorization failed: Incorrect rpcuser or rpcpassword\n" {
		t.Fatalf("401: %d %q", code, errOut)
	}
}

func TestCredentials(t *testing.T) {
	// Cookie in APPDATA/regtest/.cookie.
	app := t.TempDir()
	os.MkdirAll(filepath.Join(app, "regtest"), 0o700)
	user, pass, err := rpcjson.WriteCookie(filepath.Join(app, "regtest", rpcjson.CookieFileName))
	if err != nil {
		t.Fatal(err)
	}
	fs := newFakeServer(t, user, pass)
	if code, out, errOut := runCtl(fs.args("-appdata="+app, "-regtest", "str")...); code != 0 || out == "" {
		t.Fatalf("cookie: %d %q", code, errOut)
	}
	// --datadir moves the cookie.
	data := t.TempDir()
	os.MkdirAll(filepath.Join(data, "regtest"), 0o700)
	os.Rename(filepath.Join(app, "regtest", rpcjson.CookieFileName), filepath.Join(data, "regtest", rpcjson.CookieFileName))
	if code, _, errOut := runCtl(fs.args("-appdata="+app, "-datadir="+data, "-regtest", "str")...); code != 0 {
		t.Fatalf("datadir cookie: %q", errOut)
	}
	// No cookie: a clear error.
	if code, _, errOut := runCtl(fs.args("-appdata="+app, "-regtest", "str")...); code != 1 ||
		!strings.Contains(errOut, "could not locate RPC credentials") {
		t.Fatalf("missing cookie: %d %q", code, errOut)
	}

	// Conf file: credentials and network; flags win.
	fs2 := newFakeServer(t, "confuser", "confpass")
	app2 := t.TempDir()
	os.WriteFile(filepath.Join(app2, confFileName), []byte("[Application Options]\n; comment\n"+
		"regtest=1\nrpcuser=confuser\nrpcpass=confpass\nmaxpeers=3\n"), 0o600)
	if code, _, errOut := runCtl(fs2.args("-appdata="+app2, "str")...); code != 0 {
		t.Fatalf("conf creds: %q", errOut)
	}
	if code, _, _ := runCtl(fs2.args("-appdata="+app2, "-rpcpassword=other", "str")...); code != 1 {
		t.Fatal("flag did not override conf")
	}
	o, _, err := parseArgs([]string{"-appdata=" + app2}, io.Discard)
	if err != nil || !o.regtest {
		t.Fatalf("conf network: %v %+v", err, o)
	}
	conf := filepath.Join(t.TempDir(), "x.conf")
	os.WriteFile(conf, []byte("rpcuser=confuser\nrpcpassword=confpass\n"), 0o600)
	if code, _, errOut := runCtl(fs2.args("-appdata="+app, "-conf="+conf, "str")...); code != 0 {
		t.Fatalf("-conf: %q", errOut)
	}
	if code, _, errOut := runCtl("-conf=/nonexistent/x.conf", "str"); code != 1 || !strings.Contains(errOut, "conf file") {
		t.Fatalf("missing -conf: %q", errOut)
	}
}

func TestRPCWait(t *testing.T) {
	// Nothing listening: without -rpcwait the error is immediate.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().(*net.TCPAddr)
	l.Close()
	port := "-rpcport=" + strings.TrimPrefix(addr.String(), "127.0.0.1:")
	app := t.TempDir()
	code, _, errOut := runCtl("-appdata="+app, "-rpcuser=u", "-rpcpassword=p", port, "str")
	if code != 1 || !strings.Contains(errOut, "Could not connect to the server") {
		t.Fatalf("no server: %d %q", code, errOut)
	}
	start := time.Now()
	code, _, errOut = runCtl("-appdata="+app, "-rpcuser=u", "-rpcpassword=p", port, "-rpcwait",
		"-rpcwaittimeout=1", "str")
	if code != 1 || time.Since(start) < time.Second || !strings.Contains(errOut, "timeout") {
		t.Fatalf("rpcwait timeout: %d %q after %v", code, errOut, time.Since(start))
	}

	// Warm-up answers are waited out.
	fs := newFakeServer(t, "u", "p")
	fs.warmups.Store(2)
	code, out, errOut := runCtl(fs.args("-appdata="+app, "-rpcuser=u", "-rpcpassword=p", "-rpcwait", "str")...)
	if code != 0 || out != "line one\nline two\n" {
		t.Fatalf("warm-up: %d %q", code, errOut)
	}
	fs.warmups.Store(1)
	code, _, errOut = runCtl(fs.args("-appdata="+app, "-rpcuser=u", "-rpcpassword=p", "str")...)
	if code != 1 || !strings.Contains(errOut, "error code: -28") {
		t.Fatalf("warm-up without wait: %d %q", code, errOut)
	}
}

func TestReadConf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c")
	os.WriteFile(path, []byte("[Application Options]\n a = 1 \n#x=2\n;y=3\na=4\nb=\n"), 0o600)
	file, err := readConf(path)
	if err != nil {
		t.Fatal(err)
	}
	conf := confValues(file, "main")
	if conf["a"] != "4" || len(conf) != 2 || conf["b"] != "" {
		t.Fatalf("%v", conf)
	}
}

// TestConfSections: ternctl reads the conf file as ternd does: the
// network from the command line or the file's top level, then the options
// of that network's section; rpcport, rpcconnect, rpcuser and rpcpassword
// from there, or ternd's rpclisten when no port is given.
func TestConfSections(t *testing.T) {
	tests := []struct {
		name, conf string
		args       []string
		wantPort   string
		wantHost   string
		wantUser   string
		wantPass   string
		wantNet    string
	}{
		{"regtest section", "[regtest]\nrpcport=28443\n[main]\nrpcport=1\n", []string{"-regtest"},
			"28443", "", "", "", "regtest"},
		{"network from the file", "regtest=1\n[regtest]\nrpcport=28443\nrpcuser=u\nrpcpassword=p\n", nil,
			"28443", "", "u", "p", "regtest"},
		{"top level and prefix", "rpcport=5\nregtest.rpcport=6\n", []string{"-regtest"}, "6", "", "", "", "regtest"},
		{"main section on mainnet", "[main]\nrpcport=7\n[regtest]\nrpcport=8\n", nil, "7", "", "", "", "mainnet"},
		{"ternd's rpclisten", "regtest=1\nrpclisten=127.0.0.2:28555\n", nil, "28555", "127.0.0.2", "", "", "regtest"},
		{"rpclisten on every interface", "rpclisten=:28556\n", nil, "28556", "", "", "", "mainnet"},
		{"rpcport wins over rpclisten", "rpclisten=127.0.0.2:1\nrpcport=2\n", nil, "2", "", "", "", "mainnet"},
		{"flag wins", "rpcport=2\n", []string{"-rpcport=3"}, "3", "", "", "", "mainnet"},
		{"rpcconnect", "[test]\nrpcconnect=10.0.0.2\n", []string{"-testnet"}, "", "10.0.0.2", "", "", "testnet3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := t.TempDir()
			os.WriteFile(filepath.Join(app, confFileName), []byte(tc.conf), 0o600)
			o, _, err := parseArgs(append([]string{"-appdata=" + app}, tc.args...), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			p, err := o.params()
			if err != nil {
				t.Fatal(err)
			}
			if o.rpcPort != tc.wantPort || o.rpcConnect != tc.wantHost || o.rpcUser != tc.wantUser ||
				o.rpcPass != tc.wantPass || p.Name != tc.wantNet {
				t.Fatalf("port %q host %q user %q pass %q net %s", o.rpcPort, o.rpcConnect, o.rpcUser,
					o.rpcPass, p.Name)
			}
		})
	}
	app := t.TempDir()
	os.WriteFile(filepath.Join(app, confFileName), []byte("[regtset]\n"), 0o600)
	if code, _, errOut := runCtl("-appdata="+app, "uptime"); code != 1 || !strings.Contains(errOut, "regtset") {
		t.Fatalf("bad section: %d %q", code, errOut)
	}
}

// TestVersion: -version (and -V, --version) print the version and exit 0
// without calling the server.
func TestVersion(t *testing.T) {
	for _, arg := range []string{"-version", "--version", "-V"} {
		code, out, errOut := runCtl(arg)
		if code != 0 || !strings.HasPrefix(out, "ternctl version ") || errOut != "" {
			t.Errorf("%s: %d %q %q", arg, code, out, errOut)
		}
	}
}

// FuzzBuildParams checks that any argument list becomes valid JSON params.
func FuzzBuildParams(f *testing.F) {
	for _, s := range []string{"1", "a=1", `{"x":[1,2]}`, "=", "args=[1]", "\xff"} {
		f.Add(s, s+"x", true)
	}
	f.Fuzz(func(t *testing.T, a, b string, named bool) {
		p, err := buildParams([]string{a, b}, named)
		if err != nil {
			return
		}
		out, err := json.Marshal(p)
		if err != nil || !json.Valid(out) {
			t.Fatalf("invalid params %s: %v", out, err)
		}
	})
}
