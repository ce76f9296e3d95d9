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
	// p2p is the node's P2P listening address.
	p2p string
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

// listenAddrs returns a free P2P and a free RPC address on 127.0.0.1.
func listenAddrs() (p2p, rpc string, err error) {
	pp, err := freePort()
	if err != nil {
		return "", "", err
	}
	rp, err := freePort()
	if err != nil {
		return "", "", err
	}
	return fmt.Sprintf("127.0.0.1:%d", pp), fmt.Sprintf("127.0.0.1:%d", rp), nil
}

// btcdArgs returns btcd's command line (the flags of BTCD-PEER.md) for a
// node in dir; connect, when set, is its only peer.
func btcdArgs(dir, p2p, rpcAddr, connect string) []string {
	args := []string{
		"--regtest", "--nodnsseed",
		"--listen=" + p2p, "--rpclisten=" + rpcAddr,
		"--rpcuser=u", "--rpcpass=p", "--notls",
		"--rejectnonstd", "--norelaypriority", "--limitfreerelay=0",
		"--trickleinterval=500ms",
		"--datadir=" + filepath.Join(dir, "data"), "--logdir=" + filepath.Join(dir, "logs"),
		"--configfile=" + filepath.Join(dir, "btcd.conf"),
	}
	if connect != "" {
		args = append(args, "--connect="+connect)
	}
	return args
}

// terndArgs returns ternd's command line for a node in dir; connect, when
// set, is its only peer.
func terndArgs(dir, p2p, rpcAddr, connect string) []string {
	args := []string{
		"--regtest", "--appdata=" + dir, "--datadir=" + filepath.Join(dir, "data"),
		"--logdir=" + filepath.Join(dir, "logs"),
		"--listen=" + p2p, "--rpclisten=" + rpcAddr,
		"--rpcuser=u", "--rpcpass=p",
	}
	if connect != "" {
		args = append(args, "--connect="+connect)
	}
	return args
}

// startNode starts kind ("btcd" or "ternd") from bin in dir on free ports,
// with connect as its only peer when set, and returns without waiting for
// its RPC server.
func startNode(kind, bin, dir, connect string, extra, env []string) (*node, error) {
	p2p, rpcAddr, err := listenAddrs()
	if err != nil {
		return nil, err
	}
	var args []string
	switch kind {
	case "btcd":
		if err := os.WriteFile(filepath.Join(dir, "btcd.conf"), nil, 0o600); err != nil {
			return nil, err
		}
		args = btcdArgs(dir, p2p, rpcAddr, connect)
	case "ternd":
		args = terndArgs(dir, p2p, rpcAddr, connect)
	default:
		return nil, fmt.Errorf("unknown node %q", kind)
	}
	n, err := startProcess(kind, bin, dir, append(args, extra...), env)
	if err != nil {
		return nil, err
	}
	n.p2p = p2p
	n.rpc = newRPCClient(rpcAddr, "u", "p", 4)
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
