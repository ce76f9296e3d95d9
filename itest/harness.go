package itest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BtcdVersion is the pinned btcd release used as a test peer.
const BtcdVersion = "v0.26.2"

// Timeouts of the harness.
const (
	readyTimeout = 60 * time.Second
	stopTimeout  = 15 * time.Second
	rpcTimeout   = 15 * time.Second
	logTailLines = 60
)

// toolsDir is where btcd and btcctl were found or installed; set by
// TestMain.
var toolsDir string

// RepoRoot returns the repository root: the nearest folder at or above
// the working directory whose go.mod is ternd's module (itest, or a test
// module below it such as itest/neutrino).
func RepoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(mod, []byte("module github.com/tern-org/ternd\n")) {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("no ternd go.mod at or above %s", wd)
		}
	}
}

// InstallTools makes sure btcd and btcctl exist: in $TERND_TOOLS when both
// are there, else installed with go install into <repo>/tools/bin. It
// returns the folder holding them.
func InstallTools() (string, error) {
	root, dir, found, err := findTools(haveTools)
	if err != nil || found {
		return dir, err
	}
	cmd := exec.Command("go", "install",
		"github.com/btcsuite/btcd@"+BtcdVersion,
		"github.com/btcsuite/btcd/cmd/btcctl@"+BtcdVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+dir)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go install btcd %s: %v\n%s", BtcdVersion, err, out)
	}
	if !haveTools(dir) {
		return "", fmt.Errorf("go install succeeded but %s lacks btcd or btcctl", dir)
	}
	return dir, nil
}

// findTools finds where a tool set lives: $TERND_TOOLS when have finds it
// there, else <repo>/tools/bin, where found says whether it is already
// installed. root is the repository's root, where installs run.
func findTools(have func(dir string) bool) (root, dir string, found bool, err error) {
	if dir := os.Getenv("TERND_TOOLS"); dir != "" && have(dir) {
		return "", dir, true, nil
	}
	if root, err = RepoRoot(); err != nil {
		return "", "", false, err
	}
	dir = filepath.Join(root, "tools", "bin")
	return root, dir, have(dir), nil
}

func haveTools(dir string) bool {
	for _, name := range []string{"btcd", "btcctl"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.IsDir() {
			return false
		}
	}
	return true
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Process is a started daemon with its RPC endpoint and logs.
type Process struct {
	Name    string
	P2PAddr string
	RPCAddr string
	RPCUser string
	RPCPass string
	Dir     string
	// LogFiles are printed (tail) when the test fails.
	LogFiles []string

	cmd    *exec.Cmd
	exited chan struct{}
	err    error
	stopMu sync.Mutex
}

// start runs bin with args, output in Dir/<name>.out, and registers the
// cleanup that stops it and prints logs on failure.
func (p *Process) start(t testing.TB, bin string, args []string) {
	t.Helper()
	out := filepath.Join(p.Dir, p.Name+".out")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	p.LogFiles = append([]string{out}, p.LogFiles...)
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = f, f
	p.cmd.Dir = p.Dir
	p.cmd.Env = append(os.Environ(), "HOME="+p.Dir) // Keeps ~/.btcd out of the real home.
	if err := p.cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start %s: %v", p.Name, err)
	}
	p.exited = make(chan struct{})
	go func() {
		p.err = p.cmd.Wait()
		f.Close()
		close(p.exited)
	}()
	t.Cleanup(func() {
		if t.Failed() {
			p.LogTail(t)
		}
		p.Stop(t)
	})
}

// Stop asks the process to exit (SIGINT) and kills it after stopTimeout.
// It is safe to call more than once.
func (p *Process) Stop(t testing.TB) {
	p.stopMu.Lock()
	defer p.stopMu.Unlock()
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-p.exited:
	case <-time.After(stopTimeout):
		t.Logf("%s did not stop in %v; killing it", p.Name, stopTimeout)
		p.cmd.Process.Kill()
		<-p.exited
	}
}

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// LogTail prints the last lines of each log file with t.Log.
func (p *Process) LogTail(t testing.TB) {
	for _, path := range p.LogFiles {
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		var lines []string
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if len(lines) > logTailLines {
				lines = lines[1:]
			}
		}
		f.Close()
		t.Logf("---- tail of %s (%s) ----\n%s", p.Name, path, strings.Join(lines, "\n"))
	}
}

// rpcIDs numbers the JSON-RPC requests.
var rpcIDs atomic.Int64

// rpcClient is shared; btcd closes every connection after a response.
var rpcClient = &http.Client{Timeout: rpcTimeout}

// RPCError is an error answered by the server.
type RPCError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *RPCError) Error() string { return fmt.Sprintf("rpc error %d: %s", e.Code, e.Message) }

// Call sends one JSON-RPC 1.0 request with basic authentication and
// decodes the result into result (unless nil).
func (p *Process) Call(ctx context.Context, method string, result any, params ...any) error {
	if params == nil {
		params = []any{}
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "1.0", "id": rpcIDs.Add(1),
		"method": method, "params": params})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+p.RPCAddr, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.SetBasicAuth(p.RPCUser, p.RPCPass)
	req.Header.Set("Content-Type", "application/json")
	resp, err := rpcClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	var reply struct {
		Result json.RawMessage `json:"result"`
		Error  *RPCError       `json:"error"`
	}
	if err := json.Unmarshal(data, &reply); err != nil {
		return fmt.Errorf("%s: HTTP %d: %q", method, resp.StatusCode, truncate(data, 200))
	}
	if reply.Error != nil {
		return reply.Error
	}
	if result != nil {
		return json.Unmarshal(reply.Result, result)
	}
	return nil
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// MustCall is Call that fails the test on error.
func (p *Process) MustCall(t testing.TB, method string, result any, params ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
	defer cancel()
	if err := p.Call(ctx, method, result, params...); err != nil {
		t.Fatalf("%s %s: %v", p.Name, method, err)
	}
}

// waitReady polls method until it answers, the process exits or the
// timeout passes.
func (p *Process) waitReady(t testing.TB, method string) {
	t.Helper()
	deadline := time.Now().Add(readyTimeout)
	delay := 20 * time.Millisecond
	var lastErr error
	for time.Now().Before(deadline) {
		if p.Exited() {
			t.Fatalf("%s exited before it was ready: %v", p.Name, p.err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		lastErr = p.Call(ctx, method, nil)
		cancel()
		// Any answer but "in warm-up" (-28) means the server is ready.
		var rpcErr *RPCError
		if lastErr == nil || (errors.As(lastErr, &rpcErr) && rpcErr.Code != -28) {
			return
		}
		time.Sleep(delay)
		delay = min(delay*2, 250*time.Millisecond)
	}
	t.Fatalf("%s not ready after %v: %v", p.Name, readyTimeout, lastErr)
}

// Wait polls cond every few milliseconds until it holds, failing the test
// after timeout.
func Wait(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// StartBtcd starts a regtest btcd on 127.0.0.1 with free ports, its own
// data and log folders, and the flags that make it a fair peer
// (BTCD-PEER.md); extra flags are appended. It returns once the RPC server
// answers.
func StartBtcd(t testing.TB, extra ...string) *Process {
	t.Helper()
	return StartBtcdOn(t, "", extra...)
}

// StartBtcdOn is StartBtcd listening for peers on p2pAddr (a free port
// when empty), so that a test can restart btcd where a peer expects it.
func StartBtcdOn(t testing.TB, p2pAddr string, extra ...string) *Process {
	t.Helper()
	if toolsDir == "" {
		t.Fatal("tools not installed (TestMain did not run)")
	}
	if p2pAddr == "" {
		p2pAddr = fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	}
	dir := t.TempDir()
	p := &Process{
		Name:    "btcd",
		P2PAddr: p2pAddr,
		RPCAddr: fmt.Sprintf("127.0.0.1:%d", FreePort(t)),
		RPCUser: "u", RPCPass: "p", Dir: dir,
	}
	logDir := filepath.Join(dir, "logs")
	p.LogFiles = []string{filepath.Join(logDir, "regtest", "btcd.log")}
	args := []string{
		"--regtest", "--nodnsseed",
		"--listen=" + p.P2PAddr, "--rpclisten=" + p.RPCAddr,
		"--rpcuser=" + p.RPCUser, "--rpcpass=" + p.RPCPass, "--notls",
		"--rejectnonstd", "--norelaypriority", "--limitfreerelay=0",
		"--trickleinterval=500ms",
		"--datadir=" + filepath.Join(dir, "data"), "--logdir=" + logDir,
		"--configfile=" + filepath.Join(dir, "btcd.conf"),
		"--debuglevel=debug",
	}
	hasMiningAddr := false
	for _, e := range extra {
		hasMiningAddr = hasMiningAddr || strings.HasPrefix(e, "--miningaddr")
	}
	if !hasMiningAddr {
		args = append(args, "--miningaddr="+BtcdMiningAddr)
	}
	os.WriteFile(filepath.Join(dir, "btcd.conf"), nil, 0o600)
	p.start(t, filepath.Join(toolsDir, "btcd"), append(args, extra...))
	p.waitReady(t, "getblockcount")
	return p
}

// BtcdMiningAddr is the default --miningaddr of StartBtcd: the regtest
// P2WPKH address of an all-zero key hash, so mined coins are unspendable.
// Tests that spend pass their own --miningaddr.
const BtcdMiningAddr = "bcrt1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqdku202"

// Generate mines n blocks on btcd (its "generate" RPC) and returns their
// hashes.
func (p *Process) Generate(t testing.TB, n int) []string {
	t.Helper()
	var hashes []string
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := p.Call(ctx, "generate", &hashes, n); err != nil {
		t.Fatalf("%s generate %d: %v", p.Name, n, err)
	}
	return hashes
}

// AddNode asks btcd (or ternd) to connect to addr: command is "add",
// "remove" or "onetry".
func (p *Process) AddNode(t testing.TB, addr, command string) {
	t.Helper()
	p.MustCall(t, "addnode", nil, addr, command)
}

// PeerInfo is the part of getpeerinfo the tests read.
type PeerInfo struct {
	ID             int32   `json:"id"`
	Addr           string  `json:"addr"`
	Services       string  `json:"services"`
	Version        uint32  `json:"version"`
	SubVer         string  `json:"subver"`
	Inbound        bool    `json:"inbound"`
	StartingHeight int32   `json:"startingheight"`
	PingTime       float64 `json:"pingtime"`
	BytesRecv      uint64  `json:"bytesrecv"`
	BytesSent      uint64  `json:"bytessent"`
}

// GetPeerInfo returns the process's getpeerinfo answer.
func (p *Process) GetPeerInfo(t testing.TB) []PeerInfo {
	t.Helper()
	var out []PeerInfo
	p.MustCall(t, "getpeerinfo", &out)
	return out
}

// terndBuild caches the ternd binary built for this test process.
var terndBuild struct {
	once sync.Once
	path string
	err  error
}

// BuildTernd builds the root package into a temporary folder once per test
// process and returns the binary's path.
func BuildTernd(t testing.TB) string {
	t.Helper()
	terndBuild.once.Do(func() {
		root, err := RepoRoot()
		if err != nil {
			terndBuild.err = err
			return
		}
		dir, err := os.MkdirTemp("", "ternd-itest-bin")
		if err != nil {
			terndBuild.err = err
			return
		}
		bin := filepath.Join(dir, "ternd")
		cmd := exec.Command("go", "build", "-o", bin, ".")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			terndBuild.err = fmt.Errorf("go build ternd: %v\n%s", err, out)
			return
		}
		terndBuild.path = bin
	})
	if terndBuild.err != nil {
		t.Fatal(terndBuild.err)
	}
	return terndBuild.path
}

// StartTernd builds and starts a regtest ternd on 127.0.0.1 with free
// ports (--regtest --datadir --listen --rpclisten --rpcuser --rpcpass);
// extra flags are appended. It returns once the RPC server answers.
func StartTernd(t testing.TB, extra ...string) *Process {
	t.Helper()
	bin := BuildTernd(t)
	dir := t.TempDir()
	p := &Process{
		Name:    "ternd",
		P2PAddr: fmt.Sprintf("127.0.0.1:%d", FreePort(t)),
		RPCAddr: fmt.Sprintf("127.0.0.1:%d", FreePort(t)),
		RPCUser: "u", RPCPass: "p", Dir: dir,
	}
	p.LogFiles = []string{filepath.Join(dir, "logs", "regtest", "ternd.log")}
	args := []string{
		"--regtest", "--datadir=" + filepath.Join(dir, "data"),
		"--logdir=" + filepath.Join(dir, "logs"), "--debuglevel=debug",
		"--listen=" + p.P2PAddr, "--rpclisten=" + p.RPCAddr,
		"--rpcuser=" + p.RPCUser, "--rpcpass=" + p.RPCPass,
	}
	p.start(t, bin, append(args, extra...))
	p.waitReady(t, "getblockcount")
	return p
}

// stopFunc returns a cleanup that cancels ctx and waits for done.
func stopFunc(cancel context.CancelFunc, done <-chan struct{}) func() {
	return func() {
		cancel()
		select {
		case <-done:
		case <-time.After(stopTimeout):
		}
	}
}
