package itest

import (
	"flag"
	"fmt"
	"os"
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
	os.Exit(m.Run())
}

// needProcesses skips a test under -short (make unit), where no process
// is started.
func needProcesses(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts processes; skipped with -short")
	}
}
