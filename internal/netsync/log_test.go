package netsync

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btclog"
)

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestProgressLog: during initial sync the manager logs, at info level
// and every ten seconds, the blocks and transactions processed with their
// rates, the height, the tip's date and the progress.
func TestProgressLog(t *testing.T) {
	out := &syncBuffer{}
	logger := btclog.NewBackend(out).Logger("SYNC")
	logger.SetLevel(btclog.LevelInfo)
	UseLogger(logger)
	t.Cleanup(func() { UseLogger(btclog.Disabled) })

	rc := buildChain(t, 50, time.Now().Add(-30*24*time.Hour), nil)
	h := newHarness(t, nil, nil)
	p := newFakePeer(t, h.sm, 1, rc)
	_ = h.sm.NewPeer(p)
	waitFor(t, "tip 50", func() bool { return h.height() == 50 })
	h.clock.Advance(10 * time.Second)
	waitFor(t, "progress line", func() bool { return strings.Contains(out.String(), "Processed 50 blocks") })
	line := out.String()
	for _, want := range []string{"[INF] SYNC:", "50 transactions",
		"height 50", "progress 100.00%", "Syncing headers from peer", "Headers synced to height 50"} {
		if !strings.Contains(line, want) {
			t.Errorf("log lacks %q:\n%s", want, line)
		}
	}
}

// TestProgressRate: the rate logged is over the time the blocks took to
// process, not over the reporting interval they happened to fall in.
func TestProgressRate(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name          string
		blocks, txs   int
		first, last   time.Duration // since t0
		report        time.Duration // since t0
		want, notWant []string
	}{
		{"burst inside an interval", 101, 202, 5 * time.Second, 7 * time.Second, 10 * time.Second,
			[]string{"Processed 101 blocks (202 transactions) in 2.0s", "50.5 blocks/s", "101 tx/s"},
			[]string{"10.0s", "10.1 blocks/s"}},
		{"steady over the interval", 100, 100, 0, 10 * time.Second, 10 * time.Second,
			[]string{"in 10.0s", "10.0 blocks/s"}, nil},
		{"one block", 1, 1, 3 * time.Second, 3*time.Second + 250*time.Millisecond, 10 * time.Second,
			[]string{"in 0.2s", "4.0 blocks/s"}, nil},
		{"no blocks", 0, 0, 0, 0, 10 * time.Second, nil, []string{"Processed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := &syncBuffer{}
			logger := btclog.NewBackend(out).Logger("SYNC")
			logger.SetLevel(btclog.LevelInfo)
			UseLogger(logger)
			t.Cleanup(func() { UseLogger(btclog.Disabled) })
			h := newHarness(t, nil, nil)
			h.cancel() // the fields below belong to the event goroutine
			<-h.done
			h.sm.progressBlocks, h.sm.progressTxs = tc.blocks, tc.txs
			h.sm.progressFirst, h.sm.progressLast = t0.Add(tc.first), t0.Add(tc.last)
			h.sm.logProgress(t0.Add(tc.report))
			line := out.String()
			for _, w := range tc.want {
				if !strings.Contains(line, w) {
					t.Errorf("log lacks %q:\n%s", w, line)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(line, w) {
					t.Errorf("log has %q:\n%s", w, line)
				}
			}
			if h.sm.progressBlocks != 0 || !h.sm.lastProgress.Equal(t0.Add(tc.report)) {
				t.Errorf("counters not reset")
			}
		})
	}
}
