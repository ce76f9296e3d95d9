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
	for _, want := range []string{"[INF] SYNC:", "50 transactions", "5.0 blocks/s", "5 tx/s",
		"height 50", "progress 100.00%", "Syncing headers from peer", "Headers synced to height 50"} {
		if !strings.Contains(line, want) {
			t.Errorf("log lacks %q:\n%s", want, line)
		}
	}
}
