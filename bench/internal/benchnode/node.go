package benchnode

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Timeouts of a node's life.
const (
	ReadyTimeout = 90 * time.Second
	StopTimeout  = 30 * time.Second
)

// Node is a started daemon: its process, RPC client and folder.
type Node struct {
	Name    string
	Dir     string
	LogFile string
	RPC     *Client

	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start runs bin with args in dir, output to dir/<name>.out, with env
// added to the environment, HOME set to dir (btcd creates ~/.btcd even
// with --datadir) and, on Linux, a kill signal if the harness dies first.
// The caller sets RPC.
func Start(name, bin, dir string, args, env []string) (*Node, error) {
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
	n := &Node{Name: name, Dir: dir, LogFile: out, cmd: cmd, exited: make(chan struct{})}
	go func() {
		n.waitErr = cmd.Wait()
		f.Close()
		close(n.exited)
	}()
	return n, nil
}

// PID returns the process id.
func (n *Node) PID() int { return n.cmd.Process.Pid }

// Exited is closed when the process has exited.
func (n *Node) Exited() <-chan struct{} { return n.exited }

// WaitErr is the process's exit error, once Exited is closed.
func (n *Node) WaitErr() error { return n.waitErr }

// Stop asks the process to exit (SIGINT), kills it after StopTimeout, and
// closes the client's connections. It is safe to call more than once.
func (n *Node) Stop() {
	if n.RPC != nil {
		n.RPC.Close()
	}
	select {
	case <-n.exited:
		return
	default:
	}
	n.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-n.exited:
	case <-time.After(StopTimeout):
		Logf("%s did not stop in %v; killing it", n.Name, StopTimeout)
		n.cmd.Process.Kill()
		<-n.exited
	}
}

// WaitReady polls getblockcount until it answers (any answer but "in
// warm-up", -28), the process exits or ReadyTimeout passes.
func (n *Node) WaitReady(ctx context.Context) error {
	deadline := time.Now().Add(ReadyTimeout)
	delay := 20 * time.Millisecond
	var lastErr error
	for time.Now().Before(deadline) {
		select {
		case <-n.exited:
			return fmt.Errorf("%s exited before it was ready: %v\n%s", n.Name, n.waitErr, n.Tail())
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		lastErr = n.RPC.Call(cctx, "getblockcount", nil)
		cancel()
		var re *RPCError
		if lastErr == nil || (errors.As(lastErr, &re) && re.Code != -28) {
			return nil
		}
		time.Sleep(delay)
		delay = min(delay*2, 250*time.Millisecond)
	}
	return fmt.Errorf("%s not ready after %v: %v\n%s", n.Name, ReadyTimeout, lastErr, n.Tail())
}

// Tail returns the last lines of the process's output.
func (n *Node) Tail() string {
	data, err := os.ReadFile(n.LogFile)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return "---- " + n.Name + " output ----\n" + strings.Join(lines, "\n")
}

// Attach returns a Node for a process that is already running (the
// harness itself, in tests that measure it), with client c. Its Stop and
// WaitReady are not to be used.
func Attach(name string, pid int, c *Client) (*Node, error) {
	p, err := os.FindProcess(pid)
	if err != nil {
		return nil, err
	}
	return &Node{Name: name, RPC: c, cmd: &exec.Cmd{Process: p}, exited: make(chan struct{})}, nil
}
