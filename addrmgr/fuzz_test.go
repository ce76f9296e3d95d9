package addrmgr

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary peers.json content to Load, which must either
// load it or move it aside, never panic, and leave consistent tables.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"version":1,"key":"` + string(make([]byte, 0)) +
		`0000000000000000000000000000000000000000000000000000000000000000","addresses":[` +
		`{"addr":"1.2.3.4:8333","src":"1.2.3.4:8333","services":9,"ts":1700000000,"tried":true},` +
		`{"addr":"[2a01::1]:8333","src":"5.6.7.8:1","services":1,"ts":1700000000}]}`))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, PeersFilename), data, 0o600); err != nil {
			t.Fatal(err)
		}
		am, _ := newTestManager(t, dir)
		_ = am.Load()
		checkConsistent(t, am)
	})
}

// FuzzParseNetAddr checks that host:port parsing never panics and that
// what it accepts prints back to something it accepts.
func FuzzParseNetAddr(f *testing.F) {
	for _, s := range []string{"1.2.3.4:8333", "[2a01::1]:1", onionName + ":8333", "x:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		na, err := ParseNetAddr(s, 0)
		if err != nil {
			return
		}
		if _, err := ParseNetAddr(na.String(), 0); err != nil {
			t.Fatalf("%q parsed, but %q does not: %v", s, na.String(), err)
		}
	})
}
