package itest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// LndVersion is the pinned lnd release the Lightning tests run (its
// module version; the tag is v0.19.3-beta).
const LndVersion = "v0.19.3-beta"

// lndModule is lnd's Go module.
const lndModule = "github.com/lightningnetwork/lnd"

// InstallLnd makes sure lnd and lncli of LndVersion exist in
// <repo>/tools/bin (or $TERND_TOOLS) and returns that folder. lnd's go.mod
// has replace directives, so `go install pkg@version` refuses it: the
// module is downloaded from the module proxy and both commands are built
// in its folder of the module cache with -mod=mod, without build tags
// (the tests use only the main RPC service). The first build takes
// minutes.
func InstallLnd() (string, error) {
	_, dir, found, err := findTools(haveLnd)
	if err != nil || found {
		return dir, err
	}
	out, err := exec.Command("go", "mod", "download", "-json", lndModule+"@"+LndVersion).Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s@%s: %v\n%s", lndModule, LndVersion, err, out)
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		return "", fmt.Errorf("go mod download %s@%s: %v %s", lndModule, LndVersion, err, mod.Error)
	}
	for _, cmdName := range []string{"lnd", "lncli"} {
		build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(dir, cmdName), "./cmd/"+cmdName)
		build.Dir = mod.Dir
		build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		if out, err := build.CombinedOutput(); err != nil {
			return "", fmt.Errorf("build %s %s: %v\n%s", cmdName, LndVersion, err, out)
		}
	}
	if !haveLnd(dir) {
		return "", fmt.Errorf("lnd %s built but %s lacks it", LndVersion, dir)
	}
	return dir, nil
}

// haveLnd reports whether dir holds lnd of LndVersion and lncli.
func haveLnd(dir string) bool {
	if st, err := os.Stat(filepath.Join(dir, "lncli")); err != nil || st.IsDir() {
		return false
	}
	out, err := exec.Command(filepath.Join(dir, "lnd"), "--version").Output()
	return err == nil && strings.Contains(string(out), strings.TrimPrefix(LndVersion, "v"))
}

// RPCCall is one JSON-RPC call seen by an RPCRecorder, with the error the
// server answered (Code 0: none).
type RPCCall struct {
	Method  string
	Params  string
	Code    int
	Message string
}

// RPCRecorder is an HTTP proxy in front of a node's JSON-RPC server that
// records every call and the error answered, so that a test can check
// what a client (lnd) asked and which calls failed.
type RPCRecorder struct {
	Addr string

	target string
	srv    *http.Server
	mu     sync.Mutex
	calls  []RPCCall
}

// StartRPCRecorder serves a recording proxy to target (host:port) on a
// free 127.0.0.1 port until the test ends.
func StartRPCRecorder(t testing.TB, target string) *RPCRecorder {
	t.Helper()
	r := &RPCRecorder{Addr: fmt.Sprintf("127.0.0.1:%d", FreePort(t)), target: target}
	r.srv = &http.Server{Addr: r.Addr, Handler: r, ReadHeaderTimeout: 10 * time.Second}
	ln, err := listenTCP(r.Addr)
	if err != nil {
		t.Fatal(err)
	}
	go r.srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r.srv.Shutdown(ctx)
	})
	return r
}

// ServeHTTP forwards one request and records its calls and errors.
func (r *RPCRecorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 64<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	out, err := http.NewRequestWithContext(req.Context(), req.Method, "http://"+r.target+req.URL.Path,
		bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = req.Header.Clone()
	resp, err := rpcClient.Do(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	r.record(body, reply)
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(reply)
}

// record pairs requests and replies (single or batched) by position.
func (r *RPCRecorder) record(reqBody, replyBody []byte) {
	type request struct {
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
	}
	type reply struct {
		Error *RPCError `json:"error"`
	}
	var reqs []request
	var replies []reply
	if bytes.HasPrefix(bytes.TrimSpace(reqBody), []byte("[")) {
		json.Unmarshal(reqBody, &reqs)
		json.Unmarshal(replyBody, &replies)
	} else {
		var q request
		var p reply
		json.Unmarshal(reqBody, &q)
		json.Unmarshal(replyBody, &p)
		reqs, replies = []request{q}, []reply{p}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, q := range reqs {
		c := RPCCall{Method: q.Method, Params: truncateString(string(q.Params), 200)}
		if i < len(replies) && replies[i].Error != nil {
			c.Code, c.Message = replies[i].Error.Code, replies[i].Error.Message
		}
		r.calls = append(r.calls, c)
	}
}

func truncateString(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// Calls returns the calls recorded so far.
func (r *RPCRecorder) Calls() []RPCCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]RPCCall(nil), r.calls...)
}

// listenTCP listens on addr (host:port).
func listenTCP(addr string) (net.Listener, error) { return net.Listen("tcp4", addr) }
