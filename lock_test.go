//go:build unix

package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestLockDataDir(t *testing.T) {
	dir := t.TempDir()
	unlock, err := lockDataDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockDataDir(dir); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("second lock: %v", err)
	}
	unlock()
	unlock2, err := lockDataDir(dir)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	defer unlock2()

	// ternMain refuses a locked data directory with status 1.
	app := t.TempDir()
	os.MkdirAll(app+"/regtest", 0o700)
	held, err := lockDataDir(app + "/regtest")
	if err != nil {
		t.Fatal(err)
	}
	defer held()
	var errOut bytes.Buffer
	code := ternMain([]string{"--regtest", "--appdata=" + app, "--norpc"}, &bytes.Buffer{}, &errOut,
		make(chan os.Signal))
	if code != 1 || !strings.Contains(errOut.String(), "already running") {
		t.Fatalf("locked datadir: %d %q", code, errOut.String())
	}
}
