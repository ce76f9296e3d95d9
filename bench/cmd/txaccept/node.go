package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Timeouts of a node's life.
const (
	readyTimeout = 90 * time.Second
	stopTimeout  = 30 * time.Second
)

// btcdVersion is the pinned btcd release compared against.
const btcdVersion = "v0.26.2"

// node is a started daemon: its process, RPC client and folder.
type node struct {
	name    string
	dir     string
	logFile string
	rpc     *rpcClient
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
	// mine mines n blocks paying the harness's key.
	mine func(ctx context.Context, n int) error
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startProcess runs bin with args in dir, output to dir/<name>.out, with
// env added to the environment, HOME set to dir (btcd creates ~/.btcd even with --datadir) and, on Linux,
// a kill signal if the harness dies first.
func startProcess(name, bin, dir string, args, env []string) (*node, error) {
	out := filepath.Join(dir, name+".out")
	f, err := os.Create(out)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "HOME="+dir), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	n := &node{name: name, dir: dir, logFile: out, cmd: cmd, exited: make(chan struct{})}
	go func() {
		n.waitErr = cmd.Wait()
		f.Close()
		close(n.exited)
	}()
	return n, nil
}

// pid returns the process id.
func (n *node) pid() int { return n.cmd.Process.Pid }

// stop asks the process to exit (SIGINT), kills it after stopTimeout, and
// closes the client's connections. It is safe to call more than once.
func (n *node) stop() {
	if n.rpc != nil {
		n.rpc.close()
	}
	select {
	case <-n.exited:
		return
	default:
	}
	n.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-n.exited:
	case <-time.After(stopTimeout):
		logf("%s did not stop in %v; killing it", n.name, stopTimeout)
		n.cmd.Process.Kill()
		<-n.exited
	}
}

// waitReady polls getblockcount until it answers (any answer but "in
// warm-up", -28), the process exits or readyTimeout passes.
func (n *node) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(readyTimeout)
	delay := 20 * time.Millisecond
	var lastErr error
	for time.Now().Before(deadline) {
		select {
		case <-n.exited:
			return fmt.Errorf("%s exited before it was ready: %v\n%s", n.name, n.waitErr, n.tail())
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		lastErr = n.rpc.call(cctx, "getblockcount", nil)
		cancel()
		var re *rpcError
		if lastErr == nil || (errors.As(lastErr, &re) && re.Code != -28) {
			return nil
		}
		time.Sleep(delay)
		delay = min(delay*2, 250*time.Millisecond)
	}
	return fmt.Errorf("%s not ready after %v: %v\n%s", n.name, readyTimeout, lastErr, n.tail())
}

// tail returns the last lines of the process's output.
func (n *node) tail() string {
	data, err := os.ReadFile(n.logFile)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return "---- " + n.name + " output ----\n" + strings.Join(lines, "\n")
}

// startBtcd starts btcd on regtest with the flags of BTCD-PEER.md, paying
// mined blocks to miningAddr.
func startBtcd(ctx context.Context, bin, dir, miningAddr string, extra, env []string) (*node, error) {
	p2p, err := freePort()
	if err != nil {
		return nil, err
	}
	rpcPort, err := freePort()
	if err != nil {
		return nil, err
	}
	rpcAddr := fmt.Sprintf("127.0.0.1:%d", rpcPort)
	conf := filepath.Join(dir, "btcd.conf")
	if err := os.WriteFile(conf, nil, 0o600); err != nil {
		return nil, err
	}
	args := []string{
		"--regtest", "--nodnsseed",
		fmt.Sprintf("--listen=127.0.0.1:%d", p2p), "--rpclisten=" + rpcAddr,
		"--rpcuser=u", "--rpcpass=p", "--notls",
		"--rejectnonstd", "--norelaypriority", "--limitfreerelay=0",
		"--trickleinterval=500ms", "--miningaddr=" + miningAddr,
		"--datadir=" + filepath.Join(dir, "data"), "--logdir=" + filepath.Join(dir, "logs"),
		"--configfile=" + conf,
	}
	n, err := startProcess("btcd", bin, dir, append(args, extra...), env)
	if err != nil {
		return nil, err
	}
	n.rpc = newRPCClient(rpcAddr, "u", "p", 16)
	n.mine = func(ctx context.Context, blocks int) error {
		return n.rpc.call(ctx, "generate", nil, blocks)
	}
	if err := n.waitReady(ctx); err != nil {
		n.stop()
		return nil, err
	}
	return n, nil
}

// startTernd starts ternd on regtest; mined blocks pay miningAddr through
// generatetoaddress.
func startTernd(ctx context.Context, bin, dir, miningAddr string, extra, env []string) (*node, error) {
	p2p, err := freePort()
	if err != nil {
		return nil, err
	}
	rpcPort, err := freePort()
	if err != nil {
		return nil, err
	}
	rpcAddr := fmt.Sprintf("127.0.0.1:%d", rpcPort)
	args := []string{
		"--regtest", "--appdata=" + dir, "--datadir=" + filepath.Join(dir, "data"),
		"--logdir=" + filepath.Join(dir, "logs"),
		fmt.Sprintf("--listen=127.0.0.1:%d", p2p), "--rpclisten=" + rpcAddr,
		"--rpcuser=u", "--rpcpass=p",
	}
	n, err := startProcess("ternd", bin, dir, append(args, extra...), env)
	if err != nil {
		return nil, err
	}
	n.rpc = newRPCClient(rpcAddr, "u", "p", 16)
	n.mine = func(ctx context.Context, blocks int) error {
		return n.rpc.call(ctx, "generatetoaddress", nil, blocks, miningAddr)
	}
	if err := n.waitReady(ctx); err != nil {
		n.stop()
		return nil, err
	}
	return n, nil
}

// procStats is a sample of a process's resource use.
type procStats struct {
	cpu   time.Duration // user + system time
	rssKB int64         // VmRSS
	hwmKB int64         // VmHWM (peak resident)
}

// clockTicks is the kernel's USER_HZ, the unit of /proc/PID/stat times;
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// readProcStats samples /proc/PID/stat and /proc/PID/status.
func readProcStats(pid int) (procStats, error) {
	var st procStats
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return st, err
	}
	st.cpu, err = parseStatCPU(stat)
	if err != nil {
		return st, err
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return st, err
	}
	st.rssKB = parseStatusKB(status, "VmRSS:")
	st.hwmKB = parseStatusKB(status, "VmHWM:")
	return st, nil
}

// parseStatCPU returns utime+stime of a /proc/PID/stat line. The command
// name (field 2) may hold spaces and parentheses, so fields are counted
// after its last ')'.
func parseStatCPU(stat []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("stat: no command name")
	}
	// After ')': field 3 (state) is index 0, so utime (14) is 11, stime 12.
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("stat: too few fields")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	stt, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("stat: %w", err)
	}
	return time.Duration(ut+stt) * time.Second / clockTicks, nil
}

// parseStatusKB returns the kB value of the /proc/PID/status line starting
// with key, or -1.
func parseStatusKB(status []byte, key string) int64 {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, key) {
			continue
		}
		f := strings.Fields(line[len(key):])
		if len(f) == 0 {
			return -1
		}
		v, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return -1
		}
		return v
	}
	return -1
}
