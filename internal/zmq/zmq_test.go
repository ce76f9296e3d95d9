package zmq

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/go-zeromq/zmq4"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/wire"
)

// TestNewErrors checks that a bad endpoint is refused with its kind.
func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		eps  []Endpoint
		kind ErrorKind
	}{
		{"no scheme", []Endpoint{{Topic: TopicRawTx, Address: "127.0.0.1:28332"}}, ErrBadAddress},
		{"udp", []Endpoint{{Topic: TopicRawTx, Address: "udp://127.0.0.1:28332"}}, ErrBadAddress},
		{"no port", []Endpoint{{Topic: TopicRawTx, Address: "tcp://127.0.0.1"}}, ErrBadAddress},
		{"bad port", []Endpoint{{Topic: TopicRawTx, Address: "tcp://127.0.0.1:70000"}}, ErrBadAddress},
		{"empty host", []Endpoint{{Topic: TopicRawTx, Address: "tcp://:28332"}}, ErrBadAddress},
		{"unknown topic", []Endpoint{{Topic: "pubrawtx", Address: "tcp://127.0.0.1:28332"}}, ErrBadTopic},
		{"topic twice", []Endpoint{{Topic: TopicRawTx, Address: "tcp://127.0.0.1:1"},
			{Topic: TopicRawTx, Address: "tcp://127.0.0.1:2"}}, ErrBadTopic},
		{"negative hwm", []Endpoint{{Topic: TopicRawTx, Address: "tcp://127.0.0.1:1", HWM: -1}}, ErrBadHWM},
		{"good", []Endpoint{{Topic: TopicRawTx, Address: "tcp://*:28332"},
			{Topic: TopicSequence, Address: "ipc:///tmp/x.sock"}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Config{Endpoints: tc.eps})
			if tc.kind == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tc.kind) {
				t.Fatalf("got %v, want %v", err, tc.kind)
			}
		})
	}
}

// fakePool is an EventSource whose events the test sets.
type fakePool struct {
	mu     sync.Mutex
	events []mempool.TxEvent
	signal chan struct{}
}

func (p *fakePool) TakeEvents() ([]mempool.TxEvent, uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ev := p.events
	p.events = nil
	return ev, 0
}

func (p *fakePool) EventSignal() <-chan struct{} { return p.signal }

func (p *fakePool) add(ev ...mempool.TxEvent) {
	p.mu.Lock()
	p.events = append(p.events, ev...)
	p.mu.Unlock()
	select {
	case p.signal <- struct{}{}:
	default:
	}
}

// message is one received notification.
type message struct {
	topic string
	body  []byte
	seq   uint32
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "tcp://" + l.Addr().String()
}

func testTx(n byte) *wire.MsgTx {
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Hash: chainhash.Hash{n}}})
	tx.AddTxOut(&wire.TxOut{Value: int64(n), PkScript: []byte{0x51}})
	return tx
}

// TestNotifier publishes pool events and block events on one socket
// carrying every topic and checks the frames a SUB socket receives: the
// bodies, the labels, the pool's sequence numbers and each topic's own
// counter.
func TestNotifier(t *testing.T) {
	addr := freeAddr(t)
	var eps []Endpoint
	for _, topic := range Topics {
		eps = append(eps, Endpoint{Topic: topic, Address: addr, HWM: DefaultHWM})
	}
	n, err := New(Config{Endpoints: eps})
	if err != nil {
		t.Fatal(err)
	}
	pool := &fakePool{signal: make(chan struct{}, 1)}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := n.Start(ctx, pool); err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	if got := n.Endpoints(); len(got) != 5 || got[0].Topic != TopicHashBlock || got[4].Topic != TopicSequence {
		t.Fatalf("endpoints %+v", got)
	}

	sub := zmq4.NewSub(ctx)
	defer sub.Close()
	if err := sub.Dial(addr); err != nil {
		t.Fatal(err)
	}
	if err := sub.SetOption(zmq4.OptionSubscribe, ""); err != nil {
		t.Fatal(err)
	}
	msgs := make(chan message, 100)
	go func() {
		for {
			m, err := sub.Recv()
			if err != nil {
				close(msgs)
				return
			}
			if len(m.Frames) == 3 && len(m.Frames[2]) == 4 {
				msgs <- message{string(m.Frames[0]), m.Frames[1], binary.LittleEndian.Uint32(m.Frames[2])}
			}
		}
	}()
	recv := func() message {
		t.Helper()
		select {
		case m, ok := <-msgs:
			if !ok {
				t.Fatal("subscriber closed")
			}
			return m
		case <-ctx.Done():
			t.Fatal("timed out waiting for a message")
		}
		return message{}
	}

	// Until the subscription reaches the publisher, messages are lost:
	// probe with empty blocks until one arrives, then mark the end.
	empty := &wire.MsgBlock{}
	probes := uint32(0)
	for got := false; !got; {
		n.BlockConnected(empty, chainhash.Hash{0xee}, false)
		probes++
		select {
		case <-msgs:
			got = true
		case <-time.After(50 * time.Millisecond):
		}
	}
	marker := chainhash.Hash{0xff}
	n.BlockConnected(empty, marker, false)
	for m := recv(); !bytes.Equal(m.body[:32], reversed(marker)); m = recv() {
	}
	seqBase := probes + 1

	added, removed := testTx(1), testTx(2)
	pool.add(mempool.TxEvent{Added: true, Tx: added, Txid: added.TxHash(), Sequence: 7},
		mempool.TxEvent{Tx: removed, Txid: removed.TxHash(), Reason: mempool.RemovedConflict, Sequence: 8})
	block := &wire.MsgBlock{Header: wire.BlockHeader{Version: 4}, Transactions: []*wire.MsgTx{testTx(3)}}
	bh := block.BlockHash()
	// The connected block waits for the pool's events: they come first.
	n.BlockConnected(block, bh, true)
	n.BlockDisconnected(block, bh)

	le := func(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	txid := func(tx *wire.MsgTx) []byte { return reversed(tx.TxHash()) }
	want := []message{
		{TopicHashTx, txid(added), 0},
		{TopicRawTx, added.Bytes(), 0},
		{TopicSequence, cat(txid(added), []byte{'A'}, le(7)), seqBase},
		{TopicSequence, cat(txid(removed), []byte{'R'}, le(8)), seqBase + 1},
		{TopicHashTx, txid(block.Transactions[0]), 1},
		{TopicRawTx, block.Transactions[0].Bytes(), 1},
		{TopicSequence, cat(reversed(bh), []byte{'C'}), seqBase + 2},
		{TopicHashBlock, reversed(bh), 0},
		{TopicRawBlock, block.Bytes(), 0},
		{TopicHashTx, txid(block.Transactions[0]), 2},
		{TopicRawTx, block.Transactions[0].Bytes(), 2},
		{TopicSequence, cat(reversed(bh), []byte{'D'}), seqBase + 3},
	}
	for i, w := range want {
		m := recv()
		if m.topic != w.topic || !bytes.Equal(m.body, w.body) || m.seq != w.seq {
			t.Fatalf("message %d: got %s %x #%d, want %s %x #%d", i, m.topic, m.body, m.seq,
				w.topic, w.body, w.seq)
		}
	}
}

// TestStartBindError checks that an address in use fails Start with
// ErrBind and leaves nothing bound.
func TestStartBindError(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	n, err := New(Config{Endpoints: []Endpoint{{Topic: TopicRawTx, Address: fmt.Sprintf("tcp://%s", l.Addr())}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(context.Background(), nil); !errors.Is(err, ErrBind) {
		t.Fatalf("got %v, want ErrBind", err)
	}
	n.Stop()
}
