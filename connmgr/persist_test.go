package connmgr

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tern-org/ternd/wire"
)

// dirNames returns the names of the files in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestBanListFileRoundTrip saves automatic and manual bans and loads them
// into a fresh list, checking banlist.json's format (a JSON array of
// BanEntry), its mode and that no temporary file is left.
func TestBanListFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, BanListFilename)
	b := NewBanList()
	b.Ban(netip.MustParsePrefix("11.22.0.0/16"), time.Hour, "misbehaving")
	b.ManualBanUntil(netip.MustParsePrefix("2001:db8::/32"), MaxBanUntil, "manually added")
	b.Ban(netip.MustParsePrefix("12.0.0.1/32"), -time.Hour, "expired")
	if err := b.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	if b.TakeDirty() {
		t.Fatal("SaveFile left the list marked changed")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(b.Entries())
	if string(data) != string(want) || !strings.HasPrefix(string(data), `[{"subnet":"11.22.0.0/16",`) {
		t.Fatalf("banlist.json %s, want %s", data, want)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v (%v)", fi.Mode(), err)
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Fatalf("files %v", names)
	}

	b2 := NewBanList()
	if err := b2.LoadFile(path); err != nil {
		t.Fatal(err)
	}
	got := b2.Entries()
	if len(got) != 2 || got[0].Manual || got[0].Reason != "misbehaving" || !got[1].Manual {
		t.Fatalf("reloaded %+v", got)
	}
	if !b2.IsBanned(netip.MustParseAddr("11.22.3.4")) ||
		!b2.IsBanned(netip.MustParseAddr("2001:db8::1")) {
		t.Fatal("bans lost across save and load")
	}
	if b2.TakeDirty() {
		t.Fatal("LoadFile marked the list changed")
	}
}

// TestBanListLoadFile checks LoadFile on missing, damaged and oversized
// files: they add nothing, and only the missing file is not an error.
func TestBanListLoadFile(t *testing.T) {
	until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	valid := `[{"subnet":"11.22.0.0/16","created":"2025-01-01T00:00:00Z","until":"` + until + `"}]`
	tests := []struct {
		name  string
		data  string // "" means no file
		bans  int
		isErr error
	}{
		{"missing", "", 0, nil},
		{"valid", valid, 1, nil},
		{"expired and invalid skipped", `[{"subnet":"11.22.0.0/16","until":"2000-01-01T00:00:00Z"},` +
			`{"until":"` + until + `"}]`, 0, nil},
		{"empty list", `[]`, 0, nil},
		{"damaged", `{`, 0, ErrCorruptFile},
		{"wrong shape", `{"subnet":"11.22.0.0/16"}`, 0, ErrCorruptFile},
		{"bad subnet", `[{"subnet":"x"}]`, 0, ErrCorruptFile},
		{"oversized", valid[:len(valid)-1] + strings.Repeat(" ", maxBanListFileBytes) + "]", 0,
			ErrCorruptFile},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), BanListFilename)
			if tc.data != "" {
				if err := os.WriteFile(path, []byte(tc.data), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			b := NewBanList()
			err := b.LoadFile(path)
			if (tc.isErr == nil && err != nil) || !errors.Is(err, tc.isErr) {
				t.Fatalf("error %v, want %v", err, tc.isErr)
			}
			if n := len(b.Entries()); n != tc.bans {
				t.Fatalf("%d bans, want %d", n, tc.bans)
			}
		})
	}
	t.Logf("%d cases", len(tests))
}

// TestBanListSaveFileIfDirty: an unchanged list is not written, a changed
// one is, and a failed save is retried by the next one.
func TestBanListSaveFileIfDirty(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, BanListFilename)
	b := NewBanList()
	if err := b.SaveFileIfDirty(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("unchanged list written: %v", err)
	}

	// A save into a missing directory fails and keeps the change.
	missing := filepath.Join(dir, "missing", BanListFilename)
	b.Ban(netip.MustParsePrefix("11.22.0.0/16"), time.Hour, "test")
	if err := b.SaveFileIfDirty(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("save into a missing directory: %v", err)
	}
	if err := os.Mkdir(filepath.Dir(missing), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := b.SaveFileIfDirty(missing); err != nil {
		t.Fatal(err)
	}
	b2 := NewBanList()
	if err := b2.LoadFile(missing); err != nil || len(b2.Entries()) != 1 {
		t.Fatalf("retried save: %d bans (%v)", len(b2.Entries()), err)
	}
	// Saved, the list is clean again.
	if err := b.SaveFileIfDirty(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("unchanged list written: %v", err)
	}
}

// TestAnchorsRoundTrip saves anchors, checks anchors.dat's format and
// loads them back, which deletes the file.
func TestAnchorsRoundTrip(t *testing.T) {
	onion := "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion:8333"
	tests := []struct {
		name  string
		addrs []string
		file  string
	}{
		{"none", nil, `{"anchors":[]}`},
		{"one", []string{"1.2.3.4:8333"}, `{"anchors":["1.2.3.4:8333"]}`},
		{"capped at two", []string{"[2001:db8::1]:8333", onion, "5.6.7.8:8333"},
			`{"anchors":["[2001:db8::1]:8333","` + onion + `"]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, AnchorsFilename)
			var addrs []*wire.NetAddressV2
			for _, s := range tc.addrs {
				addrs = append(addrs, mustNetAddr(t, s))
			}
			if err := SaveAnchors(path, addrs); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil || string(data) != tc.file {
				t.Fatalf("anchors.dat %s (%v), want %s", data, err, tc.file)
			}
			if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("mode %v (%v)", fi.Mode(), err)
			}
			got, err := LoadAnchors(path)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.addrs[:min(len(tc.addrs), MaxAnchors)]
			if fmt.Sprint(netAddrStrings(got)) != fmt.Sprint(want) {
				t.Fatalf("loaded %v, want %v", netAddrStrings(got), want)
			}
			if names := dirNames(t, dir); len(names) != 0 {
				t.Fatalf("files left after load: %v", names)
			}
		})
	}
	t.Logf("%d cases", len(tests))
}

// TestLoadAnchors checks the anchors file reader: at most two dialable,
// distinct addresses; missing, damaged and oversized files give none; the
// file is always deleted.
func TestLoadAnchors(t *testing.T) {
	tests := []struct {
		name  string
		data  string // "" means no file
		want  []string
		isErr error
	}{
		{"missing", "", nil, nil},
		{"two", `{"anchors":["1.2.3.4:8333","5.6.7.8:8333"]}`, []string{"1.2.3.4:8333", "5.6.7.8:8333"}, nil},
		{"capped at two", `{"anchors":["1.2.3.4:8333","5.6.7.8:8333","9.9.9.9:8333"]}`,
			[]string{"1.2.3.4:8333", "5.6.7.8:8333"}, nil},
		{"duplicates, unspecified, port 0 and junk skipped", `{"anchors":["1.2.3.4:8333","1.2.3.4:8333",` +
			`"0.0.0.0:8333","[::]:8333","[::ffff:0.0.0.0]:8333","9.9.9.9:0","x","5.6.7.8:8333"]}`,
			[]string{"1.2.3.4:8333", "5.6.7.8:8333"}, nil},
		{"loopback and private allowed (regtest)", `{"anchors":["127.0.0.1:18444","10.0.0.1:8333"]}`,
			[]string{"127.0.0.1:18444", "10.0.0.1:8333"}, nil},
		{"empty list", `{"anchors":[]}`, nil, nil},
		{"damaged", `{"anchors":[`, nil, ErrCorruptFile},
		{"wrong shape", `[1,2,3]`, nil, ErrCorruptFile},
		{"oversized", `{"anchors":["1.2.3.4:8333"],"pad":"` + strings.Repeat("x", maxAnchorsFileBytes) + `"}`,
			nil, ErrCorruptFile},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), AnchorsFilename)
			if tc.data != "" {
				if err := os.WriteFile(path, []byte(tc.data), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			got, err := LoadAnchors(path)
			if (tc.isErr == nil && err != nil) || !errors.Is(err, tc.isErr) {
				t.Fatalf("error %v, want %v", err, tc.isErr)
			}
			if fmt.Sprint(netAddrStrings(got)) != fmt.Sprint(tc.want) {
				t.Fatalf("anchors %v, want %v", netAddrStrings(got), tc.want)
			}
			if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("file left: %v", err)
			}
		})
	}
	t.Logf("%d cases", len(tests))
}

// mustNetAddr parses host:port into a wire address.
func mustNetAddr(t *testing.T, s string) *wire.NetAddressV2 {
	t.Helper()
	host, port, ok := strings.Cut(s, "]:")
	if ok {
		host = strings.TrimPrefix(host, "[")
	} else {
		i := strings.LastIndexByte(s, ':')
		host, port = s[:i], s[i+1:]
	}
	network, raw, err := wire.ParseHost(host)
	if err != nil {
		t.Fatal(err)
	}
	var p uint16
	fmt.Sscan(port, &p)
	return &wire.NetAddressV2{Network: network, Addr: raw, Port: p}
}

// netAddrStrings returns the host:port of each address.
func netAddrStrings(addrs []*wire.NetAddressV2) []string {
	var out []string
	for _, na := range addrs {
		out = append(out, na.String())
	}
	return out
}
