package itest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestMain installs the pinned btcd before any test and fails the run when
// that is impossible: the integration tests must not silently skip.
func TestMain(m *testing.M) {
	flag.Parse()
	if !testing.Short() {
		dir, err := InstallTools()
		if err != nil {
			fmt.Fprintln(os.Stderr, "itest: cannot install btcd:", err)
			os.Exit(1)
		}
		toolsDir = dir
	}
	code := m.Run()
	// The ternd binary built for this run lives in its own temporary
	// folder; remove it so repeated runs leave nothing behind.
	if terndBuild.path != "" {
		os.RemoveAll(filepath.Dir(terndBuild.path))
	}
	os.Exit(code)
}

// needProcesses skips a test under -short (make unit), where no process
// is started.
func needProcesses(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts processes; skipped with -short")
	}
}
