package itest

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestREADMEWalkthrough runs the README's first screen (from `make run` to a
// mined block, then `stop`) with scripts/walkthrough.sh, on a fresh data
// dir and free ports, so the README's commands are the ones that work.
func TestREADMEWalkthrough(t *testing.T) {
	needProcesses(t)
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "scripts", "walkthrough.sh"))
	cmd.Dir = root
	cmd.Env = append(cmd.Environ(), fmt.Sprintf("WALK_P2P_PORT=%d", FreePort(t)),
		fmt.Sprintf("WALK_RPC_PORT=%d", FreePort(t)))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("walkthrough: %v\n%s", err, out)
	}
	t.Logf("%s", out)
	for _, want := range []string{"$ make run", "generatetodescriptor 101", "\n101\n", "ternd stopping",
		"the node stopped cleanly"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("walkthrough output lacks %q:\n%s", want, out)
		}
	}
}
