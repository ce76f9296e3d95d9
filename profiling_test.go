package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestProfileConfig checks --profile's forms: a bare port listens on
// loopback only, host:port is kept, and --cpuprofile is expanded.
func TestProfileConfig(t *testing.T) {
	tests := []struct {
		arg, want string
	}{
		{"--profile=6060", "127.0.0.1:6060"},
		{"--profile=[::1]:6061", "[::1]:6061"},
		{"--profile=0.0.0.0:6062", "0.0.0.0:6062"},
	}
	for _, tc := range tests {
		cfg, err := loadConfig([]string{"--regtest", "--appdata=" + t.TempDir(), tc.arg}, io.Discard)
		if err != nil {
			t.Fatalf("%s: %v", tc.arg, err)
		}
		if cfg.Profile != tc.want {
			t.Errorf("%s: profile %q, want %q", tc.arg, cfg.Profile, tc.want)
		}
	}
	cfg, err := loadConfig([]string{"--regtest", "--appdata=" + t.TempDir(), "--cpuprofile=~/x.cpu"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(cfg.CPUProfile, "~") {
		t.Errorf("cpuprofile %q not expanded", cfg.CPUProfile)
	}
}

// TestStartProfiling serves the pprof index, writes a gzip-compressed CPU
// profile at stop and closes the server; a bad path fails cleanly.
func TestStartProfiling(t *testing.T) {
	dir := t.TempDir()
	cpu := filepath.Join(dir, "ternd.cpu")
	stop, addr, err := startProfiling(&config{Profile: "127.0.0.1:0", CPUProfile: cpu})
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + addr + "/debug/pprof/cmdline")
	if err != nil {
		stop()
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		stop()
		t.Fatalf("pprof cmdline: HTTP %d", resp.StatusCode)
	}
	stop()
	data, err := os.ReadFile(cpu)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		t.Fatalf("CPU profile is not a gzip-compressed pprof file (%d bytes)", len(data))
	}
	if _, err := client.Get("http://" + addr + "/debug/pprof/"); err == nil {
		t.Fatal("profile server still answers after stop")
	}

	if _, _, err := startProfiling(&config{CPUProfile: filepath.Join(dir, "missing", "x.cpu")}); err == nil ||
		!strings.Contains(err.Error(), "--cpuprofile") {
		t.Fatalf("unwritable cpuprofile: %v", err)
	}
	// The failed start left no profile running: a new one can start.
	stop, _, err = startProfiling(&config{CPUProfile: cpu})
	if err != nil {
		t.Fatalf("restart after a failure: %v", err)
	}
	stop()
}
