package v2transport

import (
	"bytes"
	"errors"
	"testing"
)

// TestShortIDTable checks the whole of BIP324's message type id table and
// that nothing beyond it is defined.
func TestShortIDTable(t *testing.T) {
	table := []string{"addr", "block", "blocktxn", "cmpctblock", "feefilter", "filteradd",
		"filterclear", "filterload", "getblocks", "getblocktxn", "getdata", "getheaders",
		"headers", "inv", "mempool", "merkleblock", "notfound", "ping", "pong", "sendcmpct",
		"tx", "getcfilters", "cfilter", "getcfheaders", "cfheaders", "getcfcheckpt",
		"cfcheckpt", "addrv2"}
	for i, cmd := range table {
		id, ok := ShortMessageID(cmd)
		if !ok || int(id) != i+1 {
			t.Errorf("%s: got id %d, %v; want %d", cmd, id, ok, i+1)
		}
		got, payload, err := DecodeMessageType([]byte{byte(i + 1), 0xaa})
		if err != nil || got != cmd || !bytes.Equal(payload, []byte{0xaa}) {
			t.Errorf("id %d: got %q %x %v", i+1, got, payload, err)
		}
	}
	for id := len(table) + 1; id < 256; id++ {
		if _, _, err := DecodeMessageType([]byte{byte(id)}); !errors.Is(err, ErrUnknownMessageType) {
			t.Errorf("id %d: got %v, want ErrUnknownMessageType", id, err)
		}
	}
	for _, cmd := range []string{"version", "verack", "sendaddrv2", "wtxidrelay", ""} {
		if _, ok := ShortMessageID(cmd); ok {
			t.Errorf("%q has a short id", cmd)
		}
	}
}

// TestAppendMessageType checks the encodings chosen for commands.
func TestAppendMessageType(t *testing.T) {
	tests := []struct {
		name    string
		command string
		want    []byte
		err     error
	}{
		{"short id", "ping", []byte{18}, nil},
		{"last short id", "addrv2", []byte{28}, nil},
		{"long form", "version", []byte("\x00version\x00\x00\x00\x00\x00"), nil},
		{"twelve bytes", "abcdefghijkl", []byte("\x00abcdefghijkl"), nil},
		{"empty", "", nil, ErrBadCommand},
		{"thirteen bytes", "abcdefghijklm", nil, ErrBadCommand},
		{"control byte", "ver\x00ack", nil, ErrBadCommand},
		{"non-ASCII", "vérack", nil, ErrBadCommand},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AppendMessageType([]byte{0xee}, tc.command)
			if !errors.Is(err, tc.err) {
				t.Fatalf("got error %v, want %v", err, tc.err)
			}
			if err == nil && !bytes.Equal(got, append([]byte{0xee}, tc.want...)) {
				t.Fatalf("got %x, want ee%x", got, tc.want)
			}
		})
	}
}

// TestDecodeMessageType checks the long form's parsing rules and that both
// encodings of a command with a short id decode alike.
func TestDecodeMessageType(t *testing.T) {
	tests := []struct {
		name     string
		contents string
		command  string
		payload  string
		err      error
	}{
		{"short id", "\x12abc", "ping", "abc", nil},
		{"short id, no payload", "\x15", "tx", "", nil},
		{"long form of a short id", "\x00ping\x00\x00\x00\x00\x00\x00\x00\x00xy", "ping", "xy", nil},
		{"long form", "\x00sendaddrv2\x00\x00", "sendaddrv2", "", nil},
		{"twelve bytes", "\x00abcdefghijklZ", "abcdefghijkl", "Z", nil},
		{"empty contents", "", "", "", ErrUnknownMessageType},
		{"undefined id", "\x1d", "", "", ErrUnknownMessageType},
		{"truncated long form", "\x00version\x00\x00", "", "", ErrUnknownMessageType},
		{"all NUL", "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", "", "",
			ErrUnknownMessageType},
		{"byte after padding", "\x00ver\x00ack\x00\x00\x00\x00\x00", "", "", ErrUnknownMessageType},
		{"control byte", "\x00ver\x01ack\x00\x00\x00\x00\x00", "", "", ErrUnknownMessageType},
		{"high byte", "\x00ver\xffack\x00\x00\x00\x00\x00", "", "", ErrUnknownMessageType},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd, payload, err := DecodeMessageType([]byte(tc.contents))
			if !errors.Is(err, tc.err) {
				t.Fatalf("got error %v, want %v", err, tc.err)
			}
			if cmd != tc.command || string(payload) != tc.payload {
				t.Fatalf("got %q %q, want %q %q", cmd, payload, tc.command, tc.payload)
			}
		})
	}
}

// FuzzDecodeMessageType checks that any contents either decode to a
// command whose encoding, followed by the payload, is a valid encoding of
// the same message, or are rejected with ErrUnknownMessageType.
func FuzzDecodeMessageType(f *testing.F) {
	for _, s := range []string{"\x12abc", "\x00version\x00\x00\x00\x00\x00", "", "\x1d",
		"\x00ver\x00ack\x00\x00\x00\x00\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, contents []byte) {
		cmd, payload, err := DecodeMessageType(contents)
		if err != nil {
			if !errors.Is(err, ErrUnknownMessageType) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		enc, err := AppendMessageType(nil, cmd)
		if err != nil {
			t.Fatalf("decoded command %q cannot be encoded: %v", cmd, err)
		}
		cmd2, payload2, err := DecodeMessageType(append(enc, payload...))
		if err != nil || cmd2 != cmd || !bytes.Equal(payload2, payload) {
			t.Fatalf("re-encoding %q changed it: %q %x %v", cmd, cmd2, payload2, err)
		}
	})
}
