package main

import (
	"bytes"
	"net"
	"os"
	"strings"
	"testing"
)

// TestTakenPortTouchesNothing: a port another process holds fails the
// start with status 1 and a message naming the option, before anything is
// created on disk: no app data dir, data dir or log.
func TestTakenPortTouchesNothing(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	busy := taken.Addr().String()
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"p2p", []string{"--listen=" + busy}, []string{"--listen=" + busy, "choose a free port with --listen"}},
		{"p2p by -port", []string{"-bind=127.0.0.1", "-port=" + busy[strings.LastIndex(busy, ":")+1:]},
			[]string{"--listen=" + busy}},
		{"rpc", []string{"--nolisten", "--rpclisten=" + busy}, []string{"--rpclisten=" + busy}},
		{"metrics", []string{"--nolisten", "--metricslisten=" + busy}, []string{"--metricslisten=" + busy}},
		{"profile", []string{"--nolisten", "--profile=" + busy}, []string{"--profile=" + busy}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := t.TempDir() + "/app"
			args := append([]string{"--regtest", "--appdata=" + app, "--rpclisten=127.0.0.1:" + freeTCPPort(t)},
				tc.args...)
			var errOut bytes.Buffer
			code := ternMain(args, &bytes.Buffer{}, &errOut, make(chan os.Signal))
			if code != 1 {
				t.Fatalf("status %d, want 1 (stderr %q)", code, errOut.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut.String(), w) {
					t.Fatalf("message %q lacks %q", errOut.String(), w)
				}
			}
			if _, err := os.Stat(app); !os.IsNotExist(err) {
				entries, _ := os.ReadDir(app)
				t.Fatalf("app data dir exists after a failed bind (%v): %v", err, entries)
			}
		})
	}
}
