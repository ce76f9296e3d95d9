package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tern-org/ternd/internal/rpcjson"
)

// fakeSubsystem records its Start and Stop calls in a shared log, and
// whether the context it was started with was already cancelled when it
// was told to stop (a subsystem must be stopped by Stop, in order, not by
// the root context ending under it).
type fakeSubsystem struct {
	name    string
	failure error
	mu      *sync.Mutex
	log     *[]string
	ctx     context.Context
}

func (f *fakeSubsystem) Name() string { return f.name }

func (f *fakeSubsystem) Start(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	*f.log = append(*f.log, "start "+f.name)
	f.ctx = ctx
	return f.failure
}

func (f *fakeSubsystem) Stop() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ctx.Err() != nil {
		*f.log = append(*f.log, "stop "+f.name+" after its context ended")
	} else {
		*f.log = append(*f.log, "stop "+f.name)
	}
	return nil
}

func TestNodeOrder(t *testing.T) {
	tests := []struct {
		name    string
		failAt  string
		want    string
		wantErr bool
	}{
		{"all start", "", "start db,start chain,start mempool,start sync,start peers," +
			"stop peers,stop sync,stop mempool,stop chain,stop db", false},
		{"mempool fails", "mempool", "start db,start chain,start mempool,stop chain,stop db", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _, err := loadTestConfig(t, t.TempDir(), "--regtest", "--norpc")
			if err != nil {
				t.Fatal(err)
			}
			n, err := newDaemon(cfg)
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var log []string
			n.build = func() error {
				for _, name := range []string{"db", "chain", "mempool", "sync", "peers"} {
					s := &fakeSubsystem{name: name, mu: &mu, log: &log}
					if name == tc.failAt {
						s.failure = errors.New("no")
					}
					n.addSubsystem(s)
				}
				return nil
			}
			err = n.start()
			if (err != nil) != tc.wantErr {
				t.Fatalf("start: %v", err)
			}
			n.stop()
			if got := strings.Join(log, ","); got != tc.want {
				t.Fatalf("order %s\nwant  %s", got, tc.want)
			}
			if n.ctx.Err() == nil {
				t.Fatal("context not cancelled by stop")
			}
		})
	}
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// TestTernMainInProcess runs the daemon's body in the test process and
// stops it by an interrupt and by the stop RPC.
func TestTernMainInProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a daemon")
	}
	for _, how := range []string{"interrupt", "rpc"} {
		t.Run(how, func(t *testing.T) {
			app := t.TempDir()
			port := freePort(t)
			interrupt := make(chan os.Signal, 2)
			var out, errOut bytes.Buffer
			done := make(chan int, 1)
			go func() {
				done <- ternMain([]string{"--regtest", "--appdata=" + app, "--rpclisten=127.0.0.1:" + port,
					"--debuglevel=warn"}, &out, &errOut, interrupt)
			}()
			cookie := filepath.Join(app, "regtest", ".cookie")
			waitFor(t, func() bool { _, err := os.Stat(cookie); return err == nil })
			if how == "interrupt" {
				interrupt <- os.Interrupt
			} else {
				data, _ := os.ReadFile(cookie)
				user, pass, _ := strings.Cut(string(data), ":")
				if status, out := postRPC(t, "http://127.0.0.1:"+port+"/", user, pass,
					`{"method":"stop","id":1}`); status != 200 ||
					!strings.Contains(out, "ternd stopping") {
					t.Fatalf("stop: %d %s", status, out)
				}
			}
			select {
			case code := <-done:
				if code != 0 {
					t.Fatalf("exit %d: %s", code, errOut.String())
				}
			case <-time.After(10 * time.Second):
				t.Fatal("ternMain did not return")
			}
			if _, err := os.Stat(cookie); !os.IsNotExist(err) {
				t.Fatal("cookie left behind")
			}
			if _, err := os.Stat(filepath.Join(app, "logs", "regtest", "ternd.log")); err != nil {
				t.Fatalf("log file: %v", err)
			}
		})
	}
	// A port already in use fails the start with status 1.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var errOut bytes.Buffer
	code := ternMain([]string{"--regtest", "--appdata=" + t.TempDir(), "--rpclisten=" + l.Addr().String()},
		&bytes.Buffer{}, &errOut, make(chan os.Signal))
	if code != 1 || !strings.Contains(errOut.String(), "--rpclisten") {
		t.Fatalf("busy port: %d %q", code, errOut.String())
	}
}

// postRPC posts a JSON-RPC body with basic authentication and returns
// the HTTP status and the trimmed reply.
func postRPC(t *testing.T, url, user, pass, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(user, pass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(data))
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// buildBinaries compiles ternd and ternctl into a temp dir.
func buildBinaries(t *testing.T) (ternd, ternctl string) {
	t.Helper()
	dir := t.TempDir()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go tool not found: %v", err)
	}
	ternd, ternctl = filepath.Join(dir, "ternd"), filepath.Join(dir, "ternctl")
	for _, b := range [][2]string{{ternd, "."}, {ternctl, "./cmd/ternctl"}} {
		cmd := exec.Command(goBin, "build", "-o", b[0], b[1])
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", b[1], err, out)
		}
	}
	return ternd, ternctl
}

// TestTwoCommands is the acceptance test: a regtest ternd answers
// `ternctl --regtest uptime`, and `ternctl --regtest stop` ends it with
// status 0 and the cookie removed. It also checks SIGTERM and that a bad
// configuration exits 1 before anything is created.
func TestTwoCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts processes")
	}
	terndBin, ternctlBin := buildBinaries(t)

	start := func(t *testing.T, app, port string) (*exec.Cmd, *bytes.Buffer, chan error) {
		var out bytes.Buffer
		// The P2P listener stays on loopback with a free port: tests never
		// bind all interfaces or the shared regtest port.
		cmd := exec.Command(terndBin, "--regtest", "--appdata="+app, "--rpclisten=127.0.0.1:"+port,
			"--listen=127.0.0.1:"+freePort(t))
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		t.Cleanup(func() {
			if cmd.ProcessState == nil {
				cmd.Process.Kill()
				<-exited
			}
		})
		return cmd, &out, exited
	}
	ctl := func(app, port string, args ...string) (string, error) {
		all := append([]string{"--regtest", "-appdata=" + app, "-rpcport=" + port}, args...)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, ternctlBin, all...).CombinedOutput()
		return string(out), err
	}
	waitExit := func(t *testing.T, exited chan error, out *bytes.Buffer) {
		t.Helper()
		select {
		case err := <-exited:
			if err != nil {
				t.Fatalf("ternd exited with %v\n%s", err, out)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("ternd did not exit\n%s", out)
		}
	}

	t.Run("uptime and stop", func(t *testing.T) {
		app, port := t.TempDir(), freePort(t)
		_, out, exited := start(t, app, port)
		res, err := ctl(app, port, "-rpcwait", "-rpcwaittimeout=15", "uptime")
		if err != nil {
			t.Fatalf("uptime: %v %s\n%s", err, res, out)
		}
		if _, err := strconv.Atoi(strings.TrimSpace(res)); err != nil {
			t.Fatalf("uptime printed %q", res)
		}
		cookie := filepath.Join(app, "regtest", ".cookie")
		if st, err := os.Stat(cookie); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("cookie: %v %v", st, err)
		}
		if res, err := ctl(app, port, "nosuchmethod"); err == nil ||
			!strings.Contains(res, "error code: -32601") {
			t.Fatalf("unknown method: %v %q", err, res)
		} else if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Fatalf("exit status %v", err)
		}
		// A bitcoind-style client unchanged: btcd's btcctl, installed by
		// `make tools` (make test sets TERND_TOOLS).
		if btcctl := filepath.Join(os.Getenv("TERND_TOOLS"), "btcctl"); os.Getenv("TERND_TOOLS") != "" {
			data, _ := os.ReadFile(cookie)
			user, pass, _ := strings.Cut(string(data), ":")
			res, err := exec.Command(btcctl, "--regtest", "--notls", "-C", os.DevNull, "-s",
				"127.0.0.1:"+port, "-u", user, "-P", pass, "uptime").CombinedOutput()
			if err != nil {
				t.Fatalf("btcctl uptime: %v %s", err, res)
			}
			if _, err := strconv.Atoi(strings.TrimSpace(string(res))); err != nil {
				t.Fatalf("btcctl uptime printed %q", res)
			}
		} else {
			t.Log("TERND_TOOLS not set: btcctl compatibility not checked (make test sets it)")
		}
		if res, err := ctl(app, port, "stop"); err != nil || strings.TrimSpace(res) != "ternd stopping" {
			t.Fatalf("stop: %v %q", err, res)
		}
		waitExit(t, exited, out)
		if _, err := os.Stat(cookie); !os.IsNotExist(err) {
			t.Fatalf("cookie not removed: %v", err)
		}
	})

	t.Run("sigterm", func(t *testing.T) {
		app, port := t.TempDir(), freePort(t)
		cmd, out, exited := start(t, app, port)
		if res, err := ctl(app, port, "-rpcwait", "-rpcwaittimeout=15", "uptime"); err != nil {
			t.Fatalf("uptime: %v %s", err, res)
		}
		cmd.Process.Signal(syscall.SIGTERM)
		waitExit(t, exited, out)
		if _, err := os.Stat(filepath.Join(app, "regtest", ".cookie")); !os.IsNotExist(err) {
			t.Fatal("cookie not removed")
		}
	})

	t.Run("bad config", func(t *testing.T) {
		for _, args := range [][]string{
			{"--regtest", "--testnet"},
			{"--bogus"},
			{"--rpclisten=127.0.0.1:99999"},
			{"--configfile=/nonexistent/ternd.conf"},
		} {
			app := filepath.Join(t.TempDir(), "app")
			out, err := exec.Command(terndBin, append([]string{"--appdata=" + app}, args...)...).CombinedOutput()
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != 1 {
				t.Fatalf("%v: exit %v\n%s", args, err, out)
			}
			if !strings.HasPrefix(string(out), "ternd: ") {
				t.Fatalf("%v: message %q", args, out)
			}
			if _, err := os.Stat(app); !os.IsNotExist(err) {
				t.Fatalf("%v: created %s before failing", args, app)
			}
		}
	})
}

// slowSubsystem's Stop blocks until release is closed.
type slowSubsystem struct{ release chan struct{} }

func (s *slowSubsystem) Name() string                { return "slow" }
func (s *slowSubsystem) Start(context.Context) error { return nil }
func (s *slowSubsystem) Stop() error                 { <-s.release; return nil }

func TestRunNodeForcedShutdown(t *testing.T) {
	for _, how := range []string{"second signal", "timeout"} {
		t.Run(how, func(t *testing.T) {
			cfg, _, err := loadTestConfig(t, t.TempDir(), "--regtest", "--norpc")
			if err != nil {
				t.Fatal(err)
			}
			n, err := newDaemon(cfg)
			if err != nil {
				t.Fatal(err)
			}
			// Only the slow subsystem: the real ones would keep running after
			// the forced exit, past the test's temporary directory.
			slow := &slowSubsystem{release: make(chan struct{})}
			defer close(slow.release)
			n.build = func() error { n.addSubsystem(slow); return nil }
			interrupt := make(chan os.Signal, 2)
			interrupt <- os.Interrupt
			timeout := time.Hour
			if how == "second signal" {
				interrupt <- os.Interrupt
			} else {
				timeout = 50 * time.Millisecond
			}
			done := make(chan int, 1)
			go func() { done <- runNode(n, &bytes.Buffer{}, interrupt, timeout) }()
			select {
			case code := <-done:
				if code != 1 {
					t.Fatalf("exit %d", code)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("forced shutdown did not happen")
			}
		})
	}
}

// TestRPCServesWhileNodeBuilds checks the start order: the RPC server
// answers -28 before anything is opened on disk, the node is built after
// it (its chain database appears only then), and the node's methods
// answer once start returns.
func TestRPCServesWhileNodeBuilds(t *testing.T) {
	n := newTestDaemon(t, "--appdata="+t.TempDir(), "--regtest", "--nolisten",
		"--rpclisten=127.0.0.1:"+freeTCPPort(t))
	cfg := n.cfg
	reached, release := make(chan struct{}), make(chan struct{})
	n.build = func() error {
		close(reached)
		<-release
		return n.buildNode()
	}
	started := make(chan error, 1)
	go func() { started <- n.start() }()
	select {
	case <-reached:
	case err := <-started:
		n.stop()
		t.Fatalf("start returned before building the node: %v", err)
	}
	tn := &testNode{t: t, n: n}
	tn.wantError(rpcjson.ErrRPCInWarmup, "Starting", "getblockcount")
	if _, err := os.Stat(filepath.Join(cfg.netDataDir, chainDBDirName)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("chain database opened before the RPC server answered: %v", err)
	}
	close(release)
	if err := <-started; err != nil {
		n.stop()
		t.Fatal(err)
	}
	tn.up = true
	t.Cleanup(tn.stop)
	var height int32
	tn.mustCall(&height, "getblockcount")
	if height != 0 {
		t.Fatalf("getblockcount %d on a new regtest chain", height)
	}
}
