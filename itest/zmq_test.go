package itest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tern-org/ternd/wire"
)

// pyzmqInstall makes sure Debian's python3-zmq (pyzmq over libzmq, a ZMQ
// implementation independent of ternd's) is importable, installing it
// with apt-get when it is not; the test fails when it cannot be had.
var pyzmqInstall struct {
	once sync.Once
	err  error
}

// debianPython is Debian's interpreter, the one python3-zmq installs
// for (a python3 earlier on PATH, such as pyenv's, does not see it).
const debianPython = "/usr/bin/python3"

// NeedPythonZMQ installs python3-zmq if needed, failing the test when
// that is impossible.
func NeedPythonZMQ(t testing.TB) {
	t.Helper()
	pyzmqInstall.once.Do(func() {
		if exec.Command(debianPython, "-c", "import zmq").Run() == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		for _, args := range [][]string{{"update"}, {"install", "-y", "python3-zmq"}} {
			cmd := exec.CommandContext(ctx, "apt-get", args...)
			cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
			if out, err := cmd.CombinedOutput(); err != nil {
				pyzmqInstall.err = fmt.Errorf("apt-get %v: %v\n%s", args, err, out)
				return
			}
		}
		if out, err := exec.Command(debianPython, "-c", "import zmq").CombinedOutput(); err != nil {
			pyzmqInstall.err = fmt.Errorf("python3-zmq installed but not importable: %v\n%s", err, out)
		}
	})
	if pyzmqInstall.err != nil {
		t.Fatalf("python3-zmq is needed (make zmq-tools installs it): %v", pyzmqInstall.err)
	}
}

// zmqMsg is one message the Python subscriber printed.
type zmqMsg struct {
	Ready  bool   `json:"ready"`
	Topic  string `json:"topic"`
	Body   string `json:"body"`
	Seq    int64  `json:"seq"`
	Frames int    `json:"frames"`
}

// pySubscriber is a running zmqsub.py.
type pySubscriber struct {
	msgs chan zmqMsg
	// lastSeq is the last sequence number seen per topic, to check that
	// each topic's numbers grow by one.
	lastSeq map[string]int64
	// socketOf names the publishing socket of each topic: only the order
	// of one socket's messages is fixed (the subscriber fair-queues its
	// connections), so expect reads per socket and keeps the other
	// sockets' messages in pending.
	socketOf map[string]string
	pending  []zmqMsg
}

// startPySubscriber runs testdata/zmqsub.py on addrs and returns once it
// has connected; it is stopped at the test's end.
func startPySubscriber(t *testing.T, socketOf map[string]string, addrs ...string) *pySubscriber {
	t.Helper()
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(debianPython, append([]string{filepath.Join(root, "itest", "testdata", "zmqsub.py")},
		addrs...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &pySubscriber{msgs: make(chan zmqMsg, 10000), lastSeq: make(map[string]int64), socketOf: socketOf}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(s.msgs)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var m zmqMsg
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				s.msgs <- m
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		<-done
		if t.Failed() {
			t.Logf("zmqsub.py stderr:\n%s", stderr.String())
		}
	})
	if m := s.next(t, 20*time.Second); !m.Ready {
		t.Fatalf("subscriber's first line %+v", m)
	}
	return s
}

// next returns the next message, failing after timeout.
func (s *pySubscriber) next(t *testing.T, timeout time.Duration) zmqMsg {
	t.Helper()
	select {
	case m, ok := <-s.msgs:
		if !ok {
			t.Fatal("the subscriber exited")
		}
		return m
	case <-time.After(timeout):
		t.Fatalf("no ZMQ message within %v", timeout)
	}
	return zmqMsg{}
}

// nextOf returns the next message of socket, keeping the other sockets'
// messages for later.
func (s *pySubscriber) nextOf(t *testing.T, socket string) zmqMsg {
	t.Helper()
	for i, m := range s.pending {
		if s.socketOf[m.Topic] == socket {
			s.pending = append(s.pending[:i], s.pending[i+1:]...)
			return m
		}
	}
	for {
		m := s.next(t, 20*time.Second)
		if s.socketOf[m.Topic] == socket {
			return m
		}
		s.pending = append(s.pending, m)
	}
}

// expect reads the next message of topic's socket and checks its topic,
// its body and that the topic's sequence number is the one after the last
// seen.
func (s *pySubscriber) expect(t *testing.T, topic string, body []byte) {
	t.Helper()
	m := s.nextOf(t, s.socketOf[topic])
	if m.Frames != 3 || m.Topic != topic || m.Body != hex.EncodeToString(body) {
		t.Fatalf("got %s %s (%d frames), want %s %x", m.Topic, m.Body, m.Frames, topic, body)
	}
	s.checkSeq(t, m)
}

func (s *pySubscriber) checkSeq(t *testing.T, m zmqMsg) {
	t.Helper()
	if last, ok := s.lastSeq[m.Topic]; ok && m.Seq != last+1 {
		t.Fatalf("%s sequence %d after %d", m.Topic, m.Seq, last)
	}
	s.lastSeq[m.Topic] = m.Seq
}

// displayHash is a hash string's bytes in the printed order (ZMQ bodies).
func displayHash(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		t.Fatalf("bad hash %q", s)
	}
	return b
}

// seqBody is a sequence message's body: the hash, the label and for pool
// events the pool's sequence number.
func seqBody(t *testing.T, hash string, label byte, poolSeq ...uint64) []byte {
	b := append(displayHash(t, hash), label)
	for _, s := range poolSeq {
		b = binary.LittleEndian.AppendUint64(b, s)
	}
	return b
}

// TestZMQNotificationsReorg subscribes with pyzmq (libzmq, not ternd's
// Go implementation) to ternd's rawtx, rawblock, hashblock and sequence
// topics on two addresses and follows a transaction into the pool, into a
// block, back to the pool when invalidateblock disconnects that block, and
// into a block of the new chain: every message, its body, each topic's
// sequence number, and the pool's sequence numbers against getrawmempool's
// mempool_sequence.
func TestZMQNotificationsReorg(t *testing.T) {
	needProcesses(t)
	NeedPythonZMQ(t)
	addrTx := fmt.Sprintf("tcp://127.0.0.1:%d", FreePort(t))
	addrSeq := fmt.Sprintf("tcp://127.0.0.1:%d", FreePort(t))
	n := StartTernd(t, "--zmqpubrawtx="+addrTx, "--zmqpubrawblock="+addrTx,
		"--zmqpubsequence="+addrSeq, "--zmqpubhashblock="+addrSeq, "--zmqpubsequencehwm=5000")
	var notes []struct {
		Type    string `json:"type"`
		Address string `json:"address"`
		HWM     int    `json:"hwm"`
	}
	n.MustCall(t, "getzmqnotifications", &notes)
	if len(notes) != 4 || notes[0].Type != "pubhashblock" || notes[0].Address != addrSeq ||
		notes[3].Type != "pubsequence" || notes[3].HWM != 5000 || notes[1].HWM != 1000 {
		t.Fatalf("getzmqnotifications: %+v", notes)
	}
	w := NewWallet(61)
	var hashes []string
	n.MustCall(t, "generatetoaddress", &hashes, 101, w.Address(KindP2WPKH))

	sub := startPySubscriber(t, map[string]string{"rawtx": addrTx, "rawblock": addrTx,
		"sequence": addrSeq, "hashblock": addrSeq}, addrTx, addrSeq)
	// A subscription reaches the publishers a moment after connecting:
	// mine until both sockets delivered a block's messages, then drain
	// what is left of the probes.
	seen := map[string]bool{}
	for i := 0; !(seen["sequence"] && seen["rawblock"]); i++ {
		if i == 50 {
			t.Fatal("no ZMQ message after 50 blocks")
		}
		n.MustCall(t, "generatetoaddress", &hashes, 1, w.Address(KindP2WPKH))
		deadline := time.After(300 * time.Millisecond)
	drain:
		for {
			select {
			case m := <-sub.msgs:
				seen[m.Topic] = true
				sub.checkSeq(t, m)
			case <-deadline:
				break drain
			}
		}
	}

	var mp struct {
		Txids []string `json:"txids"`
		Seq   uint64   `json:"mempool_sequence"`
	}
	n.MustCall(t, "getrawmempool", &mp, false, true)
	if len(mp.Txids) != 0 {
		t.Fatalf("pool not empty: %v", mp.Txids)
	}
	s0 := mp.Seq

	coin := w.CoinbaseCoin(t, n, 1)
	tx := w.Build([]Coin{coin}, wire.NewTxOut(coin.Value-10000, w.PkScript(KindP2TRKey)))
	if err := w.Sign(tx, []Coin{coin}); err != nil {
		t.Fatal(err)
	}
	txid := tx.TxHash().String()
	n.MustSendTx(t, tx)
	sub.expect(t, "rawtx", tx.Bytes())
	sub.expect(t, "sequence", seqBody(t, txid, 'A', s0))

	// Confirmed: the pool's number moves on without an R message.
	n.MustCall(t, "generatetoaddress", &hashes, 1, w.Address(KindP2WPKH))
	b1 := n.Block(t, hashes[0])
	if len(b1.Transactions) != 2 || b1.Transactions[1].TxHash() != tx.TxHash() {
		t.Fatalf("block 1 holds %d transactions", len(b1.Transactions))
	}
	blockMsgs := func(b *wire.MsgBlock, hash string, label byte, tip bool) {
		t.Helper()
		for _, btx := range b.Transactions {
			sub.expect(t, "rawtx", btx.Bytes())
		}
		sub.expect(t, "sequence", seqBody(t, hash, label))
		if tip {
			sub.expect(t, "hashblock", displayHash(t, hash))
			sub.expect(t, "rawblock", b.Bytes())
		}
	}
	blockMsgs(b1, hashes[0], 'C', true)
	n.MustCall(t, "getrawmempool", &mp, false, true)
	if len(mp.Txids) != 0 || mp.Seq != s0+2 {
		t.Fatalf("after the block: %+v, want sequence %d", mp, s0+2)
	}

	// invalidateblock: D for the block and its transactions, then the
	// transaction back in the pool (A, with the next number).
	n.MustCall(t, "invalidateblock", nil, hashes[0])
	blockMsgs(b1, hashes[0], 'D', false)
	sub.expect(t, "rawtx", tx.Bytes())
	sub.expect(t, "sequence", seqBody(t, txid, 'A', s0+2))
	n.MustCall(t, "getrawmempool", &mp, false, true)
	if len(mp.Txids) != 1 || mp.Txids[0] != txid || mp.Seq != s0+3 {
		t.Fatalf("after invalidateblock: %+v, want [%s] and sequence %d", mp, txid, s0+3)
	}

	// The new chain takes the transaction again.
	n.MustCall(t, "generatetoaddress", &hashes, 2, w.Address(KindP2PKH))
	for _, h := range hashes {
		blockMsgs(n.Block(t, h), h, 'C', true)
	}
	n.MustCall(t, "getrawmempool", &mp, false, true)
	if len(mp.Txids) != 0 || mp.Seq != s0+4 {
		t.Fatalf("after the new chain: %+v, want sequence %d", mp, s0+4)
	}
	if len(sub.pending) > 0 {
		t.Fatalf("unexpected messages %+v", sub.pending)
	}
	select {
	case m := <-sub.msgs:
		t.Fatalf("unexpected message %+v", m)
	case <-time.After(300 * time.Millisecond):
	}
}
