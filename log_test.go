package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/btcsuite/btclog"
)

func TestPackageLoggersTable(t *testing.T) {
	for _, p := range packageLoggers {
		if _, ok := subsystemLoggers[p.subsystem]; !ok {
			t.Errorf("package logger for unknown subsystem %s", p.subsystem)
		}
		if p.useLogger == nil {
			t.Errorf("%s: nil UseLogger", p.subsystem)
		}
	}
	for _, want := range []string{"PEER", "CMGR", "AMGR", "CHAN", "SYNC", "TXMP", "MINR", "RPCS",
		"SRVR", "SCRP", "TERN", "CNFG", "RLAY"} {
		if _, ok := subsystemLoggers[want]; !ok {
			t.Errorf("subsystem %s missing", want)
		}
	}
	useLoggers()
}

func TestApplyDebugLevelAndFileLog(t *testing.T) {
	saved := make(map[string]btclog.Level)
	for s, l := range subsystemLoggers {
		saved[s] = l.Level()
	}
	defer func() {
		for s, l := range saved {
			subsystemLoggers[s].SetLevel(l)
		}
	}()
	if err := applyDebugLevel("SRVR=trace,error"); err != nil {
		t.Fatal(err)
	}
	if srvrLog.Level() != btclog.LevelTrace || peerLog.Level() != btclog.LevelError {
		t.Fatalf("levels %v %v", srvrLog.Level(), peerLog.Level())
	}
	if err := applyDebugLevel("nonsense"); err == nil {
		t.Fatal("bad level applied")
	}

	path := filepath.Join(t.TempDir(), "logs", "ternd.log")
	if err := initLogRotator(path); err != nil {
		t.Fatal(err)
	}
	srvrLog.Tracef("marker %d", 42)
	peerLog.Infof("filtered out")
	closeLogRotator()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "[TRC] SRVR: marker 42") || strings.Contains(string(data), "filtered out") {
		t.Fatalf("log file content %q", data)
	}
}
