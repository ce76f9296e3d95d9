package netsync

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// fakeFilters is a FilterSource whose filter of a block is its hash's
// bytes and whose headers chain from genesis as BIP157's do; it holds the
// blocks up to height synced.
type fakeFilters struct {
	synced  int32
	headers map[chainhash.Hash]chainhash.Hash
}

// newFakeFilters indexes the main chain of h.
func newFakeFilters(t *testing.T, h *harness) *fakeFilters {
	ff := &fakeFilters{synced: h.height(), headers: map[chainhash.Hash]chainhash.Hash{}}
	var prev chainhash.Hash
	for ht := int32(0); ht <= h.height(); ht++ {
		hash, err := h.chain.BlockHashByHeight(ht)
		if err != nil {
			t.Fatal(err)
		}
		fh := chainhash.DoubleHashH(hash[:])
		prev = chainhash.DoubleHashH(append(fh[:], prev[:]...))
		ff.headers[*hash] = prev
	}
	return ff
}

func (ff *fakeFilters) SyncedTo(height int32) bool { return height <= ff.synced }

func (ff *fakeFilters) Filter(hash *chainhash.Hash) ([]byte, error) {
	if _, ok := ff.headers[*hash]; !ok {
		return nil, errors.New("not indexed")
	}
	return hash[:], nil
}

func (ff *fakeFilters) FilterHeader(hash *chainhash.Hash) (chainhash.Hash, chainhash.Hash, error) {
	hdr, ok := ff.headers[*hash]
	if !ok {
		return chainhash.Hash{}, chainhash.Hash{}, errors.New("not indexed")
	}
	return chainhash.DoubleHashH(hash[:]), hdr, nil
}

// TestServeCFilters checks the answers to valid BIP157 requests on a
// 2,100-block chain, and the requests Core disconnects for or leaves
// unanswered.
func TestServeCFilters(t *testing.T) {
	rc := buildChain(t, 2100, time.Now().Add(-48*time.Hour), nil)
	h := newHarness(t, newFakePool(), nil)
	h.processAll(rc, 2100)
	ff := newFakeFilters(t, h)
	fs := NewFilterServer(h.sm, ff)
	hashAt := func(ht int) chainhash.Hash { return rc.blocks[ht].BlockHash() }
	unknown := chainhash.Hash{0xee}
	type want int
	const (
		answer want = iota
		disconnect
		silence
	)
	tests := []struct {
		name string
		msg  wire.Message
		src  FilterSource // nil: ff
		none bool         // no source at all
		want want
	}{
		{"filters 0..9", wire.NewMsgGetCFilters(0, 0, ptr(hashAt(9))), nil, false, answer},
		{"filters 1000 of them", wire.NewMsgGetCFilters(0, 1000, ptr(hashAt(1999))), nil, false, answer},
		{"filters 1001", wire.NewMsgGetCFilters(0, 999, ptr(hashAt(1999))), nil, false, disconnect},
		{"filters start above stop", wire.NewMsgGetCFilters(0, 11, ptr(hashAt(10))), nil, false, disconnect},
		{"filters unknown stop", wire.NewMsgGetCFilters(0, 0, &unknown), nil, false, disconnect},
		{"filters type 1", wire.NewMsgGetCFilters(1, 0, ptr(hashAt(9))), nil, false, disconnect},
		{"filters not served", wire.NewMsgGetCFilters(0, 0, ptr(hashAt(9))), nil, true, disconnect},
		{"filters not indexed", wire.NewMsgGetCFilters(0, 0, ptr(hashAt(9))),
			&fakeFilters{synced: 5, headers: ff.headers}, false, silence},
		{"headers 0..2", wire.NewMsgGetCFHeaders(0, 0, ptr(hashAt(2))), nil, false, answer},
		{"headers 5..2004", wire.NewMsgGetCFHeaders(0, 5, ptr(hashAt(2004))), nil, false, answer},
		{"headers 2001", wire.NewMsgGetCFHeaders(0, 4, ptr(hashAt(2004))), nil, false, disconnect},
		{"headers unknown stop", wire.NewMsgGetCFHeaders(0, 0, &unknown), nil, false, disconnect},
		{"checkpoints to 2100", wire.NewMsgGetCFCheckpt(0, ptr(hashAt(2100))), nil, false, answer},
		{"checkpoints to 999", wire.NewMsgGetCFCheckpt(0, ptr(hashAt(999))), nil, false, answer},
		{"checkpoints unknown stop", wire.NewMsgGetCFCheckpt(0, &unknown), nil, false, disconnect},
		{"checkpoints type 7", wire.NewMsgGetCFCheckpt(7, ptr(hashAt(5))), nil, false, disconnect},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newFakePeer(t, h.sm, int32(100+i), nil)
			server := fs
			switch {
			case tc.none:
				server = NewFilterServer(h.sm, nil)
			case tc.src != nil:
				server = NewFilterServer(h.sm, tc.src)
			}
			if !server.HandleMessage(p, tc.msg) {
				t.Fatal("not handled")
			}
			msgs := p.messages()
			switch tc.want {
			case disconnect:
				if !p.gone.Load() || len(msgs) != 0 {
					t.Fatalf("gone %v, %d messages", p.gone.Load(), len(msgs))
				}
				return
			case silence:
				if p.gone.Load() || len(msgs) != 0 {
					t.Fatalf("gone %v, %d messages", p.gone.Load(), len(msgs))
				}
				return
			}
			if p.gone.Load() {
				t.Fatal("disconnected")
			}
			checkFilterAnswer(t, ff, rc, tc.msg, msgs)
		})
	}
	if fs.HandleMessage(newFakePeer(t, h.sm, 99, nil), wire.NewMsgPing(1)) {
		t.Fatal("ping handled")
	}
}

// ptr returns a pointer to a copy of h.
func ptr(h chainhash.Hash) *chainhash.Hash { return &h }

// checkFilterAnswer checks the messages answering req against ff.
func checkFilterAnswer(t *testing.T, ff *fakeFilters, rc *remoteChain, req wire.Message, msgs []wire.Message) {
	t.Helper()
	heightOf := map[chainhash.Hash]int{}
	for i, b := range rc.blocks {
		heightOf[b.BlockHash()] = i
	}
	switch m := req.(type) {
	case *wire.MsgGetCFilters:
		stop := heightOf[m.StopHash]
		if len(msgs) != stop-int(m.StartHeight)+1 {
			t.Fatalf("%d cfilters for %d..%d", len(msgs), m.StartHeight, stop)
		}
		for i, msg := range msgs {
			cf := msg.(*wire.MsgCFilter)
			want := rc.blocks[int(m.StartHeight)+i].BlockHash()
			if cf.BlockHash != want || !bytes.Equal(cf.Data, want[:]) || cf.FilterType != 0 {
				t.Fatalf("cfilter %d: %s", i, cf.BlockHash)
			}
		}
	case *wire.MsgGetCFHeaders:
		if len(msgs) != 1 {
			t.Fatalf("%d messages", len(msgs))
		}
		cf := msgs[0].(*wire.MsgCFHeaders)
		stop := heightOf[m.StopHash]
		if cf.StopHash != m.StopHash || len(cf.FilterHashes) != stop-int(m.StartHeight)+1 {
			t.Fatalf("cfheaders: %d hashes", len(cf.FilterHashes))
		}
		// Chain the hashes from the previous header up to the stop block's.
		prev := cf.PrevFilterHeader
		if m.StartHeight > 0 {
			if want := ff.headers[rc.blocks[m.StartHeight-1].BlockHash()]; prev != want {
				t.Fatalf("prev header %s, want %s", prev, want)
			}
		} else if prev != (chainhash.Hash{}) {
			t.Fatalf("prev header of genesis %s", prev)
		}
		for _, fh := range cf.FilterHashes {
			prev = chainhash.DoubleHashH(append(fh[:], prev[:]...))
		}
		if prev != ff.headers[m.StopHash] {
			t.Fatalf("chained header %s, want %s", prev, ff.headers[m.StopHash])
		}
	case *wire.MsgGetCFCheckpt:
		if len(msgs) != 1 {
			t.Fatalf("%d messages", len(msgs))
		}
		cp := msgs[0].(*wire.MsgCFCheckpt)
		stop := heightOf[m.StopHash]
		if len(cp.FilterHeaders) != stop/wire.CFCheckptInterval {
			t.Fatalf("%d checkpoints to %d", len(cp.FilterHeaders), stop)
		}
		for i, hdr := range cp.FilterHeaders {
			if *hdr != ff.headers[rc.blocks[(i+1)*wire.CFCheckptInterval].BlockHash()] {
				t.Fatalf("checkpoint %d wrong", i)
			}
		}
	}
}

// BenchmarkServeCFilters1000 answers getcfilters for 1,000 blocks from a
// fake index: the serving path's own cost (lookups and messages).
func BenchmarkServeCFilters1000(b *testing.B) {
	rc := buildChain(b, 1000, time.Now().Add(-24*time.Hour), nil)
	h := newHarness(b, newFakePool(), nil)
	h.processAll(rc, 1000)
	ff := &fakeFilters{synced: 1000, headers: map[chainhash.Hash]chainhash.Hash{}}
	for _, blk := range rc.blocks {
		ff.headers[blk.BlockHash()] = chainhash.Hash{}
	}
	fs := NewFilterServer(h.sm, ff)
	msg := wire.NewMsgGetCFilters(0, 1, ptr(rc.blocks[1000].BlockHash()))
	p := newFakePeer(b, h.sm, 1, nil)
	b.ReportAllocs()
	for b.Loop() {
		p.mu.Lock()
		p.sent = p.sent[:0]
		p.mu.Unlock()
		fs.HandleGetCFilters(p, msg)
	}
	if len(p.messages()) != 1000 {
		b.Fatalf("%d messages", len(p.messages()))
	}
}
