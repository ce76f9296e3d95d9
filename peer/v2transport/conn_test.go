package v2transport

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"testing"
	"testing/iotest"
)

// connPairOver returns an initiator Conn writing into buf and a responder
// Conn reading from it, sharing keys as after a handshake.
func connPairOver(t *testing.T, buf *bytes.Buffer) (w, r *Conn) {
	si, sr := sessionPair(t, keyA(t), keyB(t))
	return connOver(bytes.NewReader(nil), buf, si), connOver(buf, io.Discard, sr)
}

// TestWriteMessageErrors checks that messages that cannot be sent are
// refused without writing anything, and that the Conn stays usable.
func TestWriteMessageErrors(t *testing.T) {
	tests := []struct {
		name    string
		command string
		size    int
		err     error
	}{
		{"command too long", "thirteenbytes", 1, ErrBadCommand},
		{"empty command", "", 1, ErrBadCommand},
		{"payload too large", "block", MaxPayloadLen + 1, ErrPacketTooLarge},
		{"long command, largest payload", "abcdefghijkl", MaxPayloadLen, nil},
		{"largest payload", "block", MaxPayloadLen, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, r := connPairOver(t, &buf)
			err := w.WriteMessage(tc.command, make([]byte, tc.size))
			if !errors.Is(err, tc.err) {
				t.Fatalf("got %v, want %v", err, tc.err)
			}
			if err != nil && (buf.Len() != 0 || w.BytesSent() != 0) {
				t.Fatalf("refused message wrote %d bytes", buf.Len())
			}
			if err := w.WriteMessage("pong", []byte{9}); err != nil {
				t.Fatal(err)
			}
			if err == nil {
				if cmd, payload, err := r.ReadMessage(); err != nil || cmd != tc.command ||
					len(payload) != tc.size {
					t.Fatalf("got %q (%d bytes) %v", cmd, len(payload), err)
				}
			}
			if cmd, payload, err := r.ReadMessage(); err != nil || cmd != "pong" ||
				!bytes.Equal(payload, []byte{9}) {
				t.Fatalf("got %q %x %v", cmd, payload, err)
			}
		})
	}
	var buf bytes.Buffer
	w, _ := connPairOver(t, &buf)
	if err := w.WriteDecoy(-1); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("negative decoy: got %v", err)
	}
}

// TestReadMessageErrors checks the read side's failures: an unknown message
// type is reported and skipped, while a bad tag, an oversized packet or
// payload, or a truncated stream ends the Conn for good.
func TestReadMessageErrors(t *testing.T) {
	t.Run("unknown message type", func(t *testing.T) {
		var buf bytes.Buffer
		w, r := connPairOver(t, &buf)
		buf.Write(w.send.appendPacket(nil, []byte{200, 1, 2}, nil, false))
		w.WriteMessage("ping", []byte{1})
		if _, _, err := r.ReadMessage(); !errors.Is(err, ErrUnknownMessageType) {
			t.Fatalf("got %v, want ErrUnknownMessageType", err)
		}
		if cmd, _, err := r.ReadMessage(); err != nil || cmd != "ping" {
			t.Fatalf("next message: got %q %v", cmd, err)
		}
	})
	final := []struct {
		name   string
		tamper func(w *Conn, buf *bytes.Buffer)
		err    error
	}{
		{"bad tag", func(w *Conn, buf *bytes.Buffer) {
			w.WriteMessage("ping", []byte{1})
			buf.Bytes()[buf.Len()-1] ^= 0x80
			w.WriteMessage("ping", []byte{2})
		}, ErrBadTag},
		{"swapped packet bodies", func(w *Conn, buf *bytes.Buffer) {
			first := w.send.appendPacket(nil, []byte("\x12a"), nil, false)
			second := w.send.appendPacket(nil, []byte("\x12b"), nil, false)
			buf.Write(first[:LengthFieldLen])
			buf.Write(second[LengthFieldLen:])
			buf.Write(second[:LengthFieldLen])
			buf.Write(first[LengthFieldLen:])
		}, ErrBadTag},
		{"payload above the limit", func(w *Conn, buf *bytes.Buffer) {
			contents := make([]byte, 1+MaxPayloadLen+1)
			contents[0] = 2 // block
			buf.Write(w.send.appendPacket(nil, contents, nil, false))
		}, ErrPacketTooLarge},
		{"oversized length", func(w *Conn, buf *bytes.Buffer) {
			var field [LengthFieldLen]byte
			putUint24(&field, MaxContentsLen+1)
			w.send.length.crypt(&field)
			buf.Write(field[:])
			buf.Write(make([]byte, 1000))
		}, ErrPacketTooLarge},
		{"truncated packet", func(w *Conn, buf *bytes.Buffer) {
			w.WriteMessage("ping", make([]byte, 100))
			buf.Truncate(buf.Len() - 1)
		}, io.ErrUnexpectedEOF},
	}
	for _, tc := range final {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, r := connPairOver(t, &buf)
			tc.tamper(w, &buf)
			for i := 0; i < 2; i++ {
				if _, _, err := r.ReadMessage(); !errors.Is(err, tc.err) {
					t.Fatalf("read %d: got %v, want %v", i, err, tc.err)
				}
			}
		})
	}
}

// failingWriter accepts n bytes and then fails.
type failingWriter struct{ n int }

// Write writes up to the remaining budget and fails past it.
func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		m := f.n
		f.n = 0
		return m, errors.New("connection reset")
	}
	f.n -= len(p)
	return len(p), nil
}

// TestWriteFailureIsFinal checks that after a failed write every later write
// fails too, since the remote's ciphers can no longer be in step with ours.
func TestWriteFailureIsFinal(t *testing.T) {
	si, _ := sessionPair(t, keyA(t), keyB(t))
	c := connOver(bytes.NewReader(nil), &failingWriter{n: 30}, si)
	if err := c.WriteMessage("ping", make([]byte, 8)); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMessage("ping", make([]byte, 8)); err == nil {
		t.Fatal("write past the budget succeeded")
	}
	if err := c.WriteDecoy(0); err == nil {
		t.Fatal("write after a failure succeeded")
	}
	if c.BytesSent() != 30 {
		t.Fatalf("counted %d bytes sent, want 30", c.BytesSent())
	}
}

// TestRekeyBoundaries sends messages across several rekeyings with varied
// sizes and checks each, so that an off-by-one in either cipher's rekeying
// shows up as a failure at its exact position.
func TestRekeyBoundaries(t *testing.T) {
	var buf bytes.Buffer
	w, r := connPairOver(t, &buf)
	for i := 0; i < 3*RekeyInterval+5; i++ {
		payload := bytes.Repeat([]byte{byte(i)}, i%70)
		if err := w.WriteMessage("inv", payload); err != nil {
			t.Fatal(err)
		}
		cmd, got, err := r.ReadMessage()
		if err != nil || cmd != "inv" || !bytes.Equal(got, payload) {
			t.Fatalf("message %d: %q %x %v", i, cmd, got, err)
		}
	}
}

// TestErrorKinds checks that every kind is reachable with errors.Is through
// wrapping and is distinct from the others.
func TestErrorKinds(t *testing.T) {
	kinds := []ErrorKind{ErrV1Peer, ErrWrongNetwork, ErrBadEllswift, ErrNoGarbageTerminator,
		ErrBadTag, ErrPacketTooLarge, ErrUnknownMessageType, ErrBadCommand, ErrInvalidArgument}
	for _, k := range kinds {
		err := fmt.Errorf("x: %w", makeError(k, "d"))
		if !errors.Is(err, k) || k.Error() != string(k) || err.Error() != "x: d" {
			t.Errorf("%s", k)
		}
		for _, o := range kinds {
			if o != k && errors.Is(err, o) {
				t.Errorf("%s is %s", k, o)
			}
		}
	}
}

// TestReadGrowing checks that packet bodies of every size class arrive
// intact through a reader that returns them in small pieces, and that a
// body cut short returns what arrived with the error.
func TestReadGrowing(t *testing.T) {
	for _, n := range []int{0, 1, readChunk, readChunk + 1, 4*readChunk + 1, 1 << 20, MaxContentsLen} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			want := make([]byte, n)
			for i := range want {
				want[i] = byte(i * 31)
			}
			got, err := readGrowing(iotest.HalfReader(bytes.NewReader(want)), n)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("got %d bytes, %v", len(got), err)
			}
			if n == 0 {
				return
			}
			got, err = readGrowing(bytes.NewReader(want[:n-1]), n)
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("short body: got %v", err)
			}
			if len(got) != n-1 || cap(got) > 8*max(n-1, readChunk) {
				t.Fatalf("short body: %d bytes in a buffer of %d", len(got), cap(got))
			}
		})
	}
}

// TestSetReserve checks that the reserve hook sees each packet's length
// before the packet is read, that the message arrives intact through it,
// that a reserve error ends the read (and the connection) with that
// error, and that a packet cut short after its reservation is an
// unexpected EOF.
func TestSetReserve(t *testing.T) {
	errNoRoom := errors.New("no room")
	tests := []struct {
		name    string
		payload int
		deny    bool
		cut     int // bytes removed from the end of the stream
		want    error
	}{
		{"small", 10, false, 0, nil},
		{"large", 300_000, false, 0, nil},
		{"denied", 300_000, true, 0, errNoRoom},
		{"cut short", 1000, false, 5, io.ErrUnexpectedEOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, _ := connPairOver(t, &buf)
			payload := bytes.Repeat([]byte{7}, tc.payload)
			if err := w.WriteMessage("ping", payload); err != nil {
				t.Fatal(err)
			}
			stream := buf.Bytes()[:buf.Len()-tc.cut]
			_, sr := sessionPair(t, keyA(t), keyB(t))
			r := connOver(bytes.NewReader(stream), io.Discard, sr)
			var reserved []int
			r.SetReserve(func(n int) error {
				reserved = append(reserved, n)
				if tc.deny {
					return errNoRoom
				}
				return nil
			})
			cmd, got, err := r.ReadMessage()
			if !errors.Is(err, tc.want) || (tc.want == nil && (cmd != "ping" || !bytes.Equal(got, payload))) {
				t.Fatalf("ReadMessage: %q, %d bytes, %v; want %v", cmd, len(got), err, tc.want)
			}
			if len(reserved) != 1 || reserved[0] < tc.payload || reserved[0] > tc.payload+64 {
				t.Fatalf("reserved %v for a %d-byte payload", reserved, tc.payload)
			}
			if tc.want != nil {
				if _, _, again := r.ReadMessage(); !errors.Is(again, tc.want) {
					t.Fatalf("second read: %v", again)
				}
			}
		})
	}
}
